/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The entry points of the QEMU driver: each call checked and handed to
 * the room that acts on it; the define path and the driver's lifecycle. */
#include "vb-qemu-private.h"
#include "vb-qemu-confine.h"

#include <errno.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include "vb-define.h"
#include "vb-owner.h"

G_DEFINE_FINAL_TYPE (VbQemuDriver, vb_qemu_driver, VB_TYPE_DRIVER)
/* the define path's configuration, with its hooks by domain_rename */
static const VbDefineConfig *define_config (VbQemuDriver *self, VbDefineConfig *config);

/* Capabilities ------------------------------------------------------------ */

typedef struct {
  VbOp op;
  gpointer object;
  GVariant *args;
  GTask *task;
} Deferred;

static void vb_qemu_driver_run (VbDriver *driver, VbOp op, gpointer object, GVariant *args, GTask *task);

static void
caps_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(VbQemuDriver) self = g_weak_ref_get (weak);
  Deferred *d;

  g_weak_ref_clear (weak);
  g_free (weak);
  if (self == NULL) {
    g_autoptr(VbQemuCaps) unused G_GNUC_UNUSED = vb_qemu_caps_probe_finish (result, NULL);
    return;
  }

  self->probing = FALSE;
  g_clear_error (&self->caps_error);
  self->caps = vb_qemu_caps_probe_finish (result, &self->caps_error);
  if (self->caps_error)
    g_warning ("QEMU driver: %s", self->caps_error->message);
  else
    vb_qemu_caps_save_cache (self->caps, self->caps_cache);
  while ((d = g_queue_pop_head (&self->deferred)) != NULL) {
    if (self->caps)
      vb_qemu_driver_run (VB_DRIVER (self), d->op, d->object, d->args, d->task);
    else
      g_task_return_error (d->task, g_error_copy (self->caps_error));
    g_clear_object (&d->object);
    g_variant_unref (d->args);
    g_object_unref (d->task);
    g_free (d);
  }
}

static void
start_probe (VbQemuDriver *self)
{
  GWeakRef *weak;

  if (self->probing || self->caps)
    return;
  self->probing = TRUE;
  /* weak: a daemon exiting mid-probe disposes the driver, which cancels it */
  weak = g_new0 (GWeakRef, 1);
  g_weak_ref_init (weak, self);
  vb_qemu_caps_probe_async (self->emulator, self->probe_cancel, caps_probed, weak);
}

/* Runs the call again once the capabilities are known; FALSE when they
 * already are. */
static gboolean
defer_for_caps (VbQemuDriver *self, VbOp op, gpointer object, GVariant *args, GTask *task)
{
  Deferred *d;

  if (self->caps)
    return FALSE;
  if (self->caps_error && !self->probing) {
    /* a failed probe is retried: qemu may have been installed since */
    g_clear_error (&self->caps_error);
  }
  d = g_new0 (Deferred, 1);
  d->op = op;
  d->object = object ? g_object_ref (object) : NULL;
  d->args = g_variant_ref (args);
  d->task = g_object_ref (task);
  g_queue_push_tail (&self->deferred, d);
  start_probe (self);
  return TRUE;
}

/* Definitions ------------------------------------------------------------------ */

/* What the QEMU driver accepts, with libvirt's defaults filled in. */
static gboolean
check_domain (VbDomainDef *def, GError **error)
{
  if (g_strcmp0 (def->virt_type, "qemu") != 0 && g_strcmp0 (def->virt_type, "kvm") != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "could not find capabilities for domaintype=%s", def->virt_type);
    return FALSE;
  }
  if (g_strcmp0 (def->os_type, "hvm") != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "no guest options available for os type '%s'",
                 def->os_type ? def->os_type : "");
    return FALSE;
  }
  if (g_strcmp0 (def->os_arch, "x86_64") != 0 && g_strcmp0 (def->os_arch, "i686") != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "no guest options available for arch '%s'",
                 def->os_arch ? def->os_arch : "");
    return FALSE;
  }
  if (def->memory_kib == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "<memory> must be greater than zero");
    return FALSE;
  }
  /* libvirt gives every QEMU guest a virtio balloon unless told not to */
  if (def->memballoon == NULL)
    def->memballoon = vb_domain_memballoon_def_new ("virtio");
  /* a display with no video card would show nothing: libvirt gives such
   * a PC guest its default card, cirrus */
  if (def->graphics && def->graphics->len > 0 && (def->videos == NULL || def->videos->len == 0)) {
    VbDomainVideoDef *video = vb_domain_video_def_new ("cirrus");

    video->vram = 16384;
    video->heads = 1;
    video->primary = TRUE;
    return vb_domain_def_add_device (def, VB_DOMAIN_DEVICE_VIDEO, video, error);
  }
  return TRUE;
}

static VbDomainDef *
parse_domain (const char *xml, GError **error)
{
  g_autoptr(VbDomainDef) def = vb_domain_def_parse (xml, 0, error);

  if (def == NULL || !check_domain (def, error))
    return NULL;
  return g_steal_pointer (&def);
}

/* Loader and NVRAM paths settled as libvirt settles them at define
 * time, so the stored and the live XML name the files the guest uses. */
static gboolean
fill_firmware (VbQemuDriver *self, VbDomainDef *def, GError **error)
{
  g_autoptr(GPtrArray) firmwares = NULL;
  const VbQemuMachine *machine;

  if (def->os_firmware == NULL && vb_qemu_firmware_loader (def) == NULL)
    return TRUE;
  machine = self->caps ? vb_qemu_caps_lookup_machine (self->caps, def->os_machine) : NULL;
  firmwares = vb_qemu_firmware_load (NULL, !self->system);
  return vb_qemu_firmware_fill_domain (def, firmwares, machine ? machine->name : def->os_machine, self->nvram_dir,
                                       error);
}

static gboolean
store_definition (VbQemuDriver *self, const VbDomainDef *def, GError **error)
{
  VbDefineConfig config;

  return vb_define_store (define_config (self, &config), def, error);
}

static VbDomain *
domain_define_xml (VbQemuDriver *self, GVariant *args, GTask *task, GError **error)
{
  VbDefineConfig config;
  const char *xml;
  gpointer def;

  g_variant_get (args, "(&s)", &xml);
  def = vb_define_parse_for_task (define_config (self, &config), task, xml, error);
  return def ? (VbDomain *) vb_define (VB_DRIVER (self), &config, def, error) : NULL;
}

static void
domain_create_xml (VbQemuDriver *self, GVariant *args, GTask *task)
{
  VbDefineConfig config;
  const char *xml;
  guint flags;
  gboolean is_new;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomainDef) def = NULL;
  g_autoptr(VbDomain) dom = NULL;

  g_variant_get (args, "(&su)", &xml, &flags);
  /* the document the caller parsed already, else this one parsed here */
  def = vb_driver_task_steal_definition (task);
  if (!vb_check_flags (flags, VB_DOMAIN_START_PAUSED | VB_DOMAIN_START_VALIDATE, &error) ||
      (def ? !check_domain (def, &error) : (def = parse_domain (xml, &error)) == NULL) ||
      (dom = (VbDomain *) vb_define_create_target (VB_DRIVER (self), define_config (self, &config), def, &is_new,
                                                   &error)) == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  domain_start (self, dom, g_steal_pointer (&def), (flags & VB_DOMAIN_START_PAUSED) != 0, is_new, NULL, task);
}

/* Connect.DomainRestore: the domain of the file by its UUID, defined
 * transiently when it is not, as libvirt. */
static void
domain_restore (VbQemuDriver *self, GVariant *args, GTask *task)
{
  const char *path, *xml;
  guint flags;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved_xml = NULL;
  g_autoptr(VbDomainDef) def = NULL;
  g_autoptr(VbDomain) dom = NULL;
  VbDomain *existing = NULL;
  QemuRestore restore = { 0 };
  gboolean running = TRUE;
  gboolean paused;

  g_variant_get (args, "(&s&su)", &path, &xml, &flags);
  if (!check_save_flags (flags, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (*xml) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "a replacement XML for the restored domain is not supported");
    return;
  }
  saved_xml = save_file_read_header (path, &restore.offset, &running, &error);
  if (saved_xml == NULL || (def = parse_domain (saved_xml, &error)) == NULL ||
      !vb_driver_check_domain_identity (VB_DRIVER (self), def->name, &def->uuid, &existing, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  restore.path = path;
  paused = (flags & VB_DOMAIN_SAVE_PAUSED) || (!(flags & VB_DOMAIN_SAVE_RUNNING) && !running);
  if (existing != NULL) {
    if (vb_domain_is_active (existing) || domain_vm (existing)) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is already active",
                               vb_domain_get_name (existing));
      return;
    }
    domain_start (self, existing, g_steal_pointer (&def), paused, FALSE, &restore, task);
    return;
  }
  dom = vb_domain_new (vb_domain_def_copy (def), FALSE);
  domain_start (self, dom, g_steal_pointer (&def), paused, TRUE, &restore, task);
}

/* parse_domain and fill_firmware for the other rooms (process, save
 * images), which start and restore what the driver defined. */
VbDomainDef *
qemu_parse_domain (const char *xml, GError **error)
{
  return parse_domain (xml, error);
}

gboolean
qemu_fill_firmware (VbQemuDriver *self, VbDomainDef *def, GError **error)
{
  return fill_firmware (self, def, error);
}

gboolean
apply_config (VbQemuDriver *self, VbDomain *dom, VbDomainDef **config, GError **error)
{
  if (*config == NULL)
    return TRUE;
  if (!store_definition (self, *config, error))
    return FALSE;
  vb_domain_set_def (dom, g_steal_pointer (config));
  return TRUE;
}

static gboolean
domain_set_metadata (VbQemuDriver *self, VbDomain *dom, GVariant *args, GError **error)
{
  VbDefineConfig config;

  return vb_define_domain_set_metadata (VB_DRIVER (self), define_config (self, &config), dom, args, error);
}

/* The define path's hooks: libvirt's virDomainDefParserConfig for QEMU. */

static gboolean
define_post_parse (gpointer def, const char *xml, gpointer data, GError **error)
{
  return check_domain (def, error) && fill_firmware (data, def, error);
}

/* a start under way counts as running */
static gboolean
define_is_busy (VbObject *object, gpointer data)
{
  return domain_vm (VB_DOMAIN (object)) != NULL;
}

static void
define_changed (VbObject *object, gpointer data)
{
  QemuVm *vm = domain_vm (VB_DOMAIN (object));

  if (vm)
    vm_save_status (vm);
}

static void
define_undefined (VbObject *object, gpointer data)
{
  remove_save_image (data, VB_DOMAIN (object));
  define_changed (object, data);
}

static gboolean
define_renaming (VbObject *object, gpointer new_def, gboolean *out_undo, gpointer data, GError **error)
{
  return rename_own_nvram (data, vb_domain_get_def (VB_DOMAIN (object)), new_def, out_undo, error);
}

static void
define_renamed_back (VbObject *object, gconstpointer new_def, gpointer data)
{
  undo_nvram_rename (data, vb_domain_get_name (VB_DOMAIN (object)), ((const VbDomainDef *) new_def)->name);
}

static void
define_loaded (VbObject *object, gpointer data)
{
  g_autofree char *image = save_image_path (data, VB_DOMAIN (object), "");

  vb_domain_set_managed_save (VB_DOMAIN (object), g_file_test (image, G_FILE_TEST_EXISTS));
}

/* Filled per call: the store exists only once the driver is open. */
static const VbDefineConfig *
define_config (VbQemuDriver *self, VbDefineConfig *config)
{
  *config = (VbDefineConfig) {
    .kind = VB_TYPE_DOMAIN,
    .post_parse = define_post_parse,
    .is_busy = define_is_busy,
    .changed = define_changed,
    .undefined = define_undefined,
    .renaming = define_renaming,
    .renamed_back = define_renamed_back,
    .loaded = define_loaded,
    .data = self,
    .store = self->store,
    .undefine_active = VB_UNDEFINE_ACTIVE_TRANSIENT,
  };
  return config;
}

static gboolean
domain_rename (VbQemuDriver *self, VbDomain *dom, GVariant *args, GError **error)
{
  VbDefineConfig config;
  const char *new_name;
  guint flags;

  g_variant_get (args, "(&su)", &new_name, &flags);
  return vb_check_flags (flags, 0, error) &&
         vb_define_rename (VB_DRIVER (self), define_config (self, &config), VB_OBJECT (dom), new_name, error);
}

static gboolean
run_domain_query (VbQemuDriver *self, VbOp op, VbDomain *dom, GVariant *args, GVariant **out,
                  GError **error)
{
  guint flags = 0;

  switch (op) {
  case VB_OP_DOMAIN_GET_INFO: {
    QemuVm *vm = domain_vm (dom);
    guint64 ticks = 0;

    if (vm)
      read_proc_stat (vm->pid, NULL, NULL, &ticks);
    *out = vb_op_domain_get_info (dom, (guint32) (ticks / (guint64) sysconf (_SC_CLK_TCK)));
    return TRUE;
  }

  case VB_OP_DOMAIN_GET_STATS: {
    guint stats;

    g_variant_get (args, "(uu)", &stats, &flags);
    *out = domain_stats (dom, stats, flags, error);
    return *out != NULL;
  }

  case VB_OP_DOMAIN_GET_VCPUS:
    g_variant_get (args, "(u)", &flags);
    if (flags & VB_DOMAIN_VCPU_GUEST) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "the vCPUs the guest uses are known through the guest agent, which is not supported");
      return FALSE;
    }
    return vb_op_domain_get_vcpus (dom, args, out, error);

  case VB_OP_DOMAIN_GET_SCHEDULER_TYPE:
    *out = g_variant_new ("(si)", "posix", 5);
    return TRUE;

  case VB_OP_DOMAIN_INTERFACE_ADDRESSES:
    return domain_interface_addresses (self, dom, args, out, error);

  default:
    return vb_op_unsupported (op, error);
  }
}

static gboolean
domain_pm_wakeup (VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  guint flags;

  g_variant_get (args, "(u)", &flags);
  if (!vb_check_flags (flags, 0, error) || !check_active (dom, error))
    return FALSE;
  /* the state follows qemu's SUSPEND and WAKEUP events */
  if (vb_domain_get_state (dom, NULL) != VB_DOMAIN_PMSUSPENDED) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                         "Unable to wake up domain which is not in PMSuspended state");
    return FALSE;
  }
  *handed = TRUE;
  vm_command (domain_vm (dom), VB_OP_DOMAIN_PM_WAKEUP, vb_qemu_monitor_system_wakeup_async, task);
  return TRUE;
}

static gboolean
domain_inject_nmi (VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  guint flags;

  g_variant_get (args, "(u)", &flags);
  if (!vb_check_flags (flags, 0, error) || !check_active (dom, error))
    return FALSE;
  *handed = TRUE;
  vm_command (domain_vm (dom), VB_OP_DOMAIN_INJECT_NMI, vb_qemu_monitor_inject_nmi_async, task);
  return TRUE;
}


/* Jobs that finish at once, or hand @task on to an asynchronous path
 * (then *handed is set). */
static gboolean
run_domain_job (VbQemuDriver *self, VbOp op, VbDomain *dom, GVariant *args, GTask *task,
                gboolean *handed, GError **error)
{
  const char *name = vb_domain_get_name (dom);
  guint flags = 0;
  VbDefineConfig config;

  *handed = FALSE;
  switch (op) {
  case VB_OP_DOMAIN_CREATE:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_START_PAUSED | VB_DOMAIN_START_FORCE_BOOT, error))
      return FALSE;
    /* a qemu still winding down counts as running */
    if (!vb_domain_check_not_running (dom, vb_domain_is_active (dom) || domain_vm (dom), error))
      return FALSE;
    if (vb_domain_has_managed_save (dom) && (flags & VB_DOMAIN_START_FORCE_BOOT))
      remove_save_image (self, dom);
    if (vb_domain_has_managed_save (dom))
      return domain_start_managed_save (self, dom, (flags & VB_DOMAIN_START_PAUSED) != 0, task, handed, error);
    *handed = TRUE;
    domain_start (self, dom, vb_domain_def_copy (vb_domain_get_def (dom)),
                  (flags & VB_DOMAIN_START_PAUSED) != 0, FALSE, NULL, task);
    return TRUE;

  case VB_OP_DOMAIN_UNDEFINE:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_UNDEFINE_MANAGED_SAVE | VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                      VB_DOMAIN_UNDEFINE_NVRAM | VB_DOMAIN_UNDEFINE_KEEP_NVRAM, error))
      return FALSE;
    if (!vb_domain_is_persistent (dom)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot undefine transient domain '%s'", name);
      return FALSE;
    }
    if (!vb_domain_check_can_undefine (dom, flags, error) ||
        !check_undefine_nvram (vb_domain_get_def (dom), flags, error) ||
        !vb_define_undefine (VB_DRIVER (self), define_config (self, &config), VB_OBJECT (dom), error))
      return FALSE;
    if (flags & VB_DOMAIN_UNDEFINE_NVRAM)
      remove_nvram (vb_domain_get_def (dom));
    return TRUE;

  case VB_OP_DOMAIN_SHUTDOWN:
  case VB_OP_DOMAIN_REBOOT:
  case VB_OP_DOMAIN_RESET:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, op == VB_OP_DOMAIN_RESET ? 0 : QEMU_SHUTDOWN_ACPI, error) ||
        !check_active (dom, error))
      return FALSE;
    *handed = TRUE;
    /* Shutdown only asks the guest (ACPI): the caller decides when to
     * give up and destroy, as with libvirt. */
    vm_command (domain_vm (dom), op, op == VB_OP_DOMAIN_SHUTDOWN ? vb_qemu_monitor_system_powerdown_async
                                                            : vb_qemu_monitor_system_reset_async, task);
    return TRUE;

  case VB_OP_DOMAIN_DESTROY:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_DESTROY_GRACEFUL, error) || !check_active (dom, error))
      return FALSE;
    *handed = TRUE;
    domain_destroy (self, dom, flags, task);
    return TRUE;

  case VB_OP_DOMAIN_SUSPEND:
    if (!check_active (dom, error) || !vb_domain_check_can_suspend (dom, error))
      return FALSE;
    if (vb_domain_get_state (dom, NULL) == VB_DOMAIN_PMSUSPENDED) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain is pmsuspended");
      return FALSE;
    }
    *handed = TRUE;
    domain_vm (dom)->pause_reason = VB_DOMAIN_PAUSED_USER;
    vm_command (domain_vm (dom), op, vb_qemu_monitor_stop_async, task);
    return TRUE;

  case VB_OP_DOMAIN_RESUME:
    if (!check_active (dom, error))
      return FALSE;
    if (vb_domain_get_state (dom, NULL) == VB_DOMAIN_PMSUSPENDED) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain is pmsuspended");
      return FALSE;
    }
    if (!vb_domain_check_can_resume (dom, error))
      return FALSE;
    *handed = TRUE;
    vm_command (domain_vm (dom), op, vb_qemu_monitor_cont_async, task);
    return TRUE;

  case VB_OP_DOMAIN_SET_AUTOSTART: {
    gboolean autostart;

    g_variant_get (args, "(b)", &autostart);
    return vb_define_set_autostart (define_config (self, &config), VB_OBJECT (dom), autostart, error);
  }

  case VB_OP_DOMAIN_MANAGED_SAVE_REMOVE:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    remove_save_image (self, dom);
    return TRUE;

  case VB_OP_DOMAIN_ATTACH_DEVICE:
    return domain_attach (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_SET_MEMORY:
    return domain_set_memory (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_SET_VCPUS:
    return domain_set_vcpus (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_SET_METADATA:
    return domain_set_metadata (self, dom, args, error);

  case VB_OP_DOMAIN_RENAME:
    return domain_rename (self, dom, args, error);

  case VB_OP_DOMAIN_DETACH_DEVICE:
    return domain_detach (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_OPEN_GRAPHICS_FD: {
    guint idx;

    g_variant_get (args, "(uu)", &idx, &flags);
    if (!vb_check_flags (flags, VB_QEMU_OPEN_GRAPHICS_SKIPAUTH, error) || !check_active (dom, error))
      return FALSE;
    *handed = TRUE;
    vb_qemu_graphics_open_fd (domain_vm (dom)->mon, vb_domain_get_live_def (dom), idx, flags, task);
    return TRUE;
  }

  case VB_OP_DOMAIN_SAVE:
    return domain_save (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_CORE_DUMP:
    return domain_core_dump (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_INJECT_NMI:
    return domain_inject_nmi (dom, args, task, handed, error);

  case VB_OP_DOMAIN_SEND_KEY:
    return domain_send_key (dom, args, task, handed, error);

  case VB_OP_DOMAIN_UPDATE_DEVICE:
    return domain_update_device (self, dom, args, task, handed, error);

  case VB_OP_DOMAIN_PM_WAKEUP:
    return domain_pm_wakeup (dom, args, task, handed, error);

  case VB_OP_DOMAIN_MANAGED_SAVE:
    g_variant_get (args, "(u)", &flags);
    /* all accepted; the restore always runs unless the start asks for paused */
    if (!vb_check_flags (flags, VB_DOMAIN_SAVE_ALL, error) || !check_active (dom, error) ||
        !vb_domain_check_can_managed_save (dom, error))
      return FALSE;
    *handed = TRUE;
    domain_managed_save (self, dom, task);
    return TRUE;

  default:
    return vb_op_unsupported (op, error);
  }
}

/* VbDriver -------------------------------------------------------------------- */

static gboolean
op_needs_caps (VbOp op)
{
  switch (op) {
  case VB_OP_GET_CAPABILITIES:
  case VB_OP_GET_DOMAIN_CAPABILITIES:
  case VB_OP_GET_CPU_MODEL_NAMES:
  case VB_OP_GET_VERSION:
  case VB_OP_DOMAIN_CREATE:
  case VB_OP_DOMAIN_CREATE_XML:
  case VB_OP_DOMAIN_RESTORE:
    return TRUE;
  default:
    return FALSE;
  }
}

/* Firmware is chosen by the full machine name, which only qemu knows;
 * other definitions need no qemu to be defined. */
static gboolean
define_needs_caps (GVariant *args, GTask *task)
{
  const VbDomainDef *def = vb_driver_task_peek_definition (task);
  g_autoptr(VbDomainDef) parsed = NULL;

  /* a call without its document parsed (not from the service) */
  if (def == NULL) {
    const char *xml;

    g_variant_get (args, "(&s)", &xml);
    def = parsed = vb_domain_def_parse (xml, 0, NULL);
  }
  return def && (def->os_firmware || vb_qemu_firmware_loader (def));
}

static void
vb_qemu_driver_run (VbDriver *driver, VbOp op, gpointer object, GVariant *args, GTask *task)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (driver);
  const VbOpInfo *info = vb_op_get_info (op);
  g_autoptr(GError) error = NULL;
  GVariant *out = NULL;
  gboolean ok = FALSE;

  if (vb_network_driver_handles (op)) {
    if (self->net)
      vb_network_driver_run (self->net, op, object, args, task);
    else
      vb_driver_task_return_unsupported (task, op);
    return;
  }
  if (op_needs_caps (op) && defer_for_caps (self, op, object, args, task))
    return;

  switch (op) {
  case VB_OP_DOMAIN_DEFINE_XML: {
    g_autoptr(VbDomain) dom = NULL;

    if (self->caps == NULL && define_needs_caps (args, task) && defer_for_caps (self, op, object, args, task))
      return;
    dom = domain_define_xml (self, args, task, &error);

    if (dom)
      vb_driver_task_return_object (task, dom);
    else
      g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  case VB_OP_DOMAIN_CREATE_XML:
    domain_create_xml (self, args, task);
    return;
  case VB_OP_DOMAIN_RESTORE:
    domain_restore (self, args, task);
    return;
  case VB_OP_DOMAIN_SAVE_IMAGE_GET_XML_DESC: {
    char *xml = save_image_get_xml (args, &error);

    if (xml)
      vb_driver_task_return_variant (task, g_variant_new_take_string (xml));
    else
      g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  case VB_OP_DOMAIN_SAVE_IMAGE_DEFINE_XML:
    if (save_image_define_xml (args, &error))
      vb_driver_task_return_variant (task, NULL);
    else
      g_task_return_error (task, g_steal_pointer (&error));
    return;
  case VB_OP_DOMAIN_GET_JOB_INFO:
  case VB_OP_DOMAIN_GET_JOB_STATS:
    domain_get_job_info (VB_DOMAIN (object), op, args, task);
    return;
  case VB_OP_DOMAIN_ABORT_JOB:
    domain_abort_job (VB_DOMAIN (object), task);
    return;
  case VB_OP_DOMAIN_MEMORY_STATS: {
    guint flags;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, &error) || !check_active (VB_DOMAIN (object), &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    vm_memory_stats (domain_vm (VB_DOMAIN (object)), task);
    return;
  }
  default:
    break;
  }

  switch (info->target) {
  case VB_OP_TARGET_HOST:
    ok = vb_qemu_host_run (op, args, self->caps, &out, &error);
    break;
  case VB_OP_TARGET_DOMAIN:
    if (info->job) {
      gboolean handed = FALSE;

      ok = run_domain_job (self, op, VB_DOMAIN (object), args, task, &handed, &error);
      if (ok && handed)
        return;
    } else {
      ok = run_domain_query (self, op, VB_DOMAIN (object), args, &out, &error);
    }
    break;
  case VB_OP_TARGET_NETWORK:
  default:
    vb_driver_task_return_unsupported (task, op);
    return;
  }
  if (ok)
    vb_driver_task_return_variant (task, out);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
load_definitions (VbQemuDriver *self)
{
  VbDefineConfig config;

  /* stored definitions had their firmware settled when defined */
  vb_define_load_all (VB_DRIVER (self), define_config (self, &config), (VbDefineParseFunc) parse_domain);
}


/* Networks come first: re-attached guests recount their ports on them.
 * A host where they cannot open (no netlink) still runs guests. */
static void
open_networks (VbQemuDriver *self, const char *config_dir, const char *run_dir)
{
  g_autofree char *net_config = g_build_filename (config_dir, "networks", NULL);
  g_autofree char *net_run = g_build_filename (run_dir, "networks", NULL);
  g_autoptr(GError) error = NULL;

  self->net = vb_network_driver_new (VB_DRIVER (self), net_config, net_run);
  if (!vb_network_driver_open (self->net, &error)) {
    g_warning ("QEMU driver: virtual networks are unavailable: %s", error->message);
    g_clear_object (&self->net);
  }
}

/* Where @what lives: under --state-dir's @state_subdir, the system's
 * @system_dir, or the user's @user_dir. */
static char *
state_path (VbQemuDriver *self, const char *state_subdir, const char *system_dir, const char *user_dir,
            const char *what)
{
  if (self->state_dir && *self->state_dir)
    return g_build_filename (self->state_dir, state_subdir, what, NULL);
  if (self->system)
    return g_build_filename (system_dir, what, NULL);
  return g_build_filename (user_dir, "virtbus", what, NULL);
}

static gboolean
vb_qemu_driver_open (VbDriver *driver, GError **error)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (driver);
  g_autofree char *config_dir = NULL;
  g_autofree char *run_dir = NULL;

  if (self->opened)
    return TRUE;
  /* qemu stays our child (we wait for it ourselves), and anything it
   * forks comes back to us rather than to a PID 1 that reaps slowly */
  if (prctl (PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    g_debug ("PR_SET_CHILD_SUBREAPER: %s", g_strerror (errno));

  vb_config_store_default_dirs ("qemu", self->system, self->state_dir, &config_dir, &run_dir);
  self->store = vb_config_store_new (config_dir, run_dir, error);
  if (self->store == NULL)
    return FALSE;
  self->save_dir = state_path (self, "lib", "/var/lib/virtbus", g_get_user_data_dir (), "qemu/save");
  if (g_mkdir_with_parents (self->save_dir, 0700) < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", self->save_dir, g_strerror (saved));
    return FALSE;
  }
  /* a managed save's definition (<uuid>.save.xml) is written atomically */
  vb_config_store_remove_temps (self->save_dir, ".xml");
  self->nvram_dir = state_path (self, "lib", "/var/lib/virtbus", g_get_user_data_dir (), "qemu/nvram");
  /* confined guests open their variable stores as the qemu user */
  if (self->system && !vb_qemu_confine_make_reachable (self->nvram_dir, 2, error))
    return FALSE;
  if (self->system) {
    g_autofree char *owners = state_path (self, "lib", "/var/lib/virtbus", g_get_user_data_dir (), "qemu/owners");

    if (g_mkdir_with_parents (owners, 0700) < 0) {
      int saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", owners, g_strerror (saved));
      return FALSE;
    }
    vb_owner_set_fallback_dir (owners);
  }
  self->emulator = vb_qemu_caps_default_emulator ();
  self->caps_cache = state_path (self, "cache", "/var/cache/virtbus", g_get_user_cache_dir (), "qemu-capabilities");
  self->caps = vb_qemu_caps_load_cache (self->caps_cache, self->emulator);
  open_networks (self, config_dir, run_dir);
  load_definitions (self);
  reattach_all (self);

  vb_define_autostart_all (driver, VB_TYPE_DOMAIN, VB_OP_DOMAIN_CREATE, g_variant_new ("(u)", 0));
  self->opened = TRUE;
  return TRUE;
}

static void
vb_qemu_driver_dispose (GObject *object)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (object);
  g_autoptr(GPtrArray) domains = vb_driver_list_domains (VB_DRIVER (self), 0);

  g_cancellable_cancel (self->probe_cancel);
  /* Guests outlive the daemon; only our bookkeeping goes, which also
   * breaks the domain ↔ process references. */
  for (guint i = 0; i < domains->len; i++)
    vm_forget (g_ptr_array_index (domains, i));
  /* networks keep running too, like the guests plugged into them */
  g_clear_object (&self->net);
  G_OBJECT_CLASS (vb_qemu_driver_parent_class)->dispose (object);
}

static void
vb_qemu_driver_finalize (GObject *object)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (object);

  g_clear_object (&self->store);
  g_clear_object (&self->probe_cancel);
  g_clear_pointer (&self->caps, vb_qemu_caps_unref);
  g_clear_error (&self->caps_error);
  g_free (self->emulator);
  g_free (self->save_dir);
  g_free (self->caps_cache);
  g_free (self->state_dir);
  g_free (self->nvram_dir);
  g_ptr_array_unref (self->unregistered_starts);
  G_OBJECT_CLASS (vb_qemu_driver_parent_class)->finalize (object);
}

static void
vb_qemu_driver_class_init (VbQemuDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  VbDriverClass *driver_class = VB_DRIVER_CLASS (klass);

  object_class->dispose = vb_qemu_driver_dispose;
  object_class->finalize = vb_qemu_driver_finalize;
  driver_class->name = "QEMU";
  driver_class->open = vb_qemu_driver_open;
  driver_class->run = vb_qemu_driver_run;
}

static void
vb_qemu_driver_init (VbQemuDriver *self)
{
  g_queue_init (&self->deferred);
  self->probe_cancel = g_cancellable_new ();
  self->unregistered_starts = g_ptr_array_new ();
}

VbDriver *
vb_qemu_driver_new (gboolean system, const char *state_dir)
{
  VbQemuDriver *self = g_object_new (VB_TYPE_QEMU_DRIVER, NULL);

  self->system = system;
  self->state_dir = g_strdup (state_dir);
  return VB_DRIVER (self);
}
