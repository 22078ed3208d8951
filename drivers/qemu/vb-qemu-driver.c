/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-driver.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include "vb-define.h"

#include "vb-config-store.h"
#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-network-driver.h"
#include "vb-qemu-caps.h"
#include "vb-qemu-command.h"
#include "vb-qemu-firmware.h"
#include "vb-qemu-graphics.h"
#include "vb-qemu-host.h"
#include "vb-qemu-monitor.h"

/* How long qemu may take to greet on its monitor (a start, a re-attach),
 * how long SIGTERM gets before SIGKILL, and how often a guest that is not
 * our child is checked for having gone. */
#define MONITOR_CONNECT_TIMEOUT_MS 30000
#define REATTACH_CONNECT_TIMEOUT_MS 3000
#define DESTROY_KILL_TIMEOUT_MS 5000
#define FOREIGN_POLL_INTERVAL_MS 10

/* libvirt's numbers used only here */
enum {
  QEMU_DESTROY_GRACEFUL = 1 << 0,
  QEMU_SHUTDOWN_ACPI = 1 << 0,
  QEMU_REBOOT_ACPI = 1 << 0,
  QEMU_DOMAIN_SHUTDOWN_USER = 1,  /* VIR_DOMAIN_SHUTDOWN_USER */
  QEMU_DOMAIN_CRASHED_PANICKED = 1,
  QEMU_STATS_STATE = 1 << 0,
  QEMU_STATS_CPU_TOTAL = 1 << 1,
  QEMU_STATS_BALLOON = 1 << 2,
  QEMU_STATS_VCPU = 1 << 3,
  QEMU_MEM_ACTUAL_BALLOON = 6,
  QEMU_MEM_RSS = 7,
};

struct _VbQemuDriver {
  VbDriver parent_instance;
  gboolean system;
  char *state_dir;
  gboolean opened;
  VbConfigStore *store;
  char *save_dir;   /* managed save images: memory, so not under /etc or /run */
  char *nvram_dir;  /* per-domain UEFI variable stores: state, kept across boots */
  char *emulator;
  char *caps_cache;
  VbQemuCaps *caps;
  GError *caps_error;
  gboolean probing;
  GCancellable *probe_cancel;
  GQueue deferred; /* Deferred*: calls waiting for the capabilities */
  /* virtual networks on our root, and the devices of guest NICs; NULL
   * when networking could not be opened (e.g. no netlink) */
  VbNetworkDriver *net;
  /* QemuVm* (borrowed) of transient domains being created: not in the
   * registry until they run, yet their display ports are taken */
  GPtrArray *unregistered_starts;
};

G_DEFINE_FINAL_TYPE (VbQemuDriver, vb_qemu_driver, VB_TYPE_DRIVER)
/* the define path's configuration, with its hooks by domain_rename */
static const VbDefineConfig *define_config (VbQemuDriver *self, VbDefineConfig *config);

/* A guest NIC the driver plugged in: the device made for it and, for
 * <interface type='network'>, the port charged to the network. */
typedef struct {
  char *alias;          /* qemu id ("net0"): hot-unplug finds it by this */
  char *ifname;         /* the tap or macvtap */
  VbNetworkPort *port;  /* NULL for type bridge/direct/ethernet: nothing charged */
  gboolean borrowed;    /* an admin's tap (ethernet, managed='no'): never deleted */
} QemuNic;

static void
nic_free (QemuNic *nic)
{
  g_free (nic->alias);
  g_free (nic->ifname);
  vb_network_port_free (nic->port);
  g_free (nic);
}

/* One qemu process: from spawn (or re-attach) to its exit.  Held by the
 * domain's driver data while it runs, and by every pending callback. */
typedef struct {
  VbQemuDriver *driver;   /* borrowed: the driver's dispose marks every vm exited */
  VbDomain *dom;
  GSubprocess *proc;      /* NULL when re-attached: not our child */
  GPid pid;
  guint64 start_time;     /* /proc/<pid>/stat field 22, against pid reuse */
  char *qmp_path;
  char *log_path;
  VbQemuMonitor *mon;
  GCancellable *cancel;
  gboolean exited;
  gboolean destroying;
  gboolean shutdown_seen;
  int pause_reason;       /* reason a STOP event gets while we asked for it */
  /* start */
  gboolean starting;
  gboolean start_paused;
  gboolean start_registers; /* CreateXML of a new transient domain */
  char *restore_path;       /* save image the start restores */
  gboolean restore_managed; /* it is the managed one: spent once restored */
  /* managed save, or Save to a file of the caller's */
  gboolean saving;
  gboolean saved;
  gboolean save_managed;
  char *save_path;
  GTask *save_task;
  guint migrate_poll;
  /* core dump */
  gboolean dumping;
  gboolean dump_paused;     /* paused by us for it: resumed after */
  gboolean dump_crashed;    /* VIR_DUMP_CRASH: the run ends as crashed */
  guint dump_flags;
  char *dump_path;
  GTask *dump_task;
  gint64 job_started;       /* monotonic µs: when the save or dump began */
  GHashTable *detaches;     /* alias → Detach*: device_del sent, DEVICE_DELETED awaited */
  struct _VcpuJob *vcpu_unplug; /* a SetVcpus waiting for the guest to let vCPUs go */
  gboolean vcpu_removed;    /* the guest let a vCPU go during this run */
  void (*migrate_done) (gpointer vm, const char *error); /* NULL error: completed */
  VbDomainDef *start_live;
  GTask *start_task;
  GError *start_error;
  GPtrArray *stop_waiters; /* GTask*: Destroy calls completed at exit */
  guint kill_timer;
  guint poll_timer;
  GPtrArray *nics;         /* QemuNic*: released when the run ends */
} QemuVm;

/* A hot-unplug the guest has not acknowledged yet. */
typedef struct {
  GTask *task;        /* NULL once the call returned without waiting longer */
  char *xml;          /* the device as the caller gave it, to detach from the live def */
  char *backend;      /* drive node or netdev to remove once the device is gone */
  gboolean is_disk;
  guint timeout_id;
} Detach;

static void
detach_free (Detach *d)
{
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  if (d->task)
    g_task_return_new_error (d->task, VB_ERROR, VB_ERROR_FAILED, "the domain stopped before the device was removed");
  g_clear_object (&d->task);
  g_free (d->xml);
  g_free (d->backend);
  g_free (d);
}

static void
vm_clear (gpointer data)
{
  QemuVm *vm = data;

  g_clear_handle_id (&vm->kill_timer, g_source_remove);
  g_clear_handle_id (&vm->poll_timer, g_source_remove);
  g_clear_handle_id (&vm->migrate_poll, g_source_remove);
  g_free (vm->restore_path);
  g_free (vm->save_path);
  g_clear_object (&vm->save_task);
  if (vm->mon) {
    g_signal_handlers_disconnect_by_data (vm->mon, vm);
    vb_qemu_monitor_close (vm->mon);
    g_object_unref (vm->mon);
  }
  g_clear_object (&vm->cancel);
  g_clear_object (&vm->proc);
  g_clear_object (&vm->dom);
  g_free (vm->qmp_path);
  g_free (vm->log_path);
  g_clear_pointer (&vm->start_live, vb_domain_def_free);
  g_clear_object (&vm->start_task);
  g_clear_error (&vm->start_error);
  g_clear_pointer (&vm->stop_waiters, g_ptr_array_unref);
  g_free (vm->dump_path);
  g_clear_object (&vm->dump_task);
  g_clear_pointer (&vm->detaches, g_hash_table_unref);
  g_clear_pointer (&vm->nics, g_ptr_array_unref);
}

static QemuVm *
vm_ref (QemuVm *vm)
{
  return g_rc_box_acquire (vm);
}

static void
vm_unref (QemuVm *vm)
{
  g_rc_box_release_full (vm, vm_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QemuVm, vm_unref)

static QemuVm *
vm_new (VbQemuDriver *driver, VbDomain *dom)
{
  QemuVm *vm = g_rc_box_new0 (QemuVm);

  vm->driver = driver;
  vm->dom = g_object_ref (dom);
  vm->cancel = g_cancellable_new ();
  vm->stop_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  vm->detaches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) detach_free);
  vm->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) nic_free);
  return vm;
}

static QemuVm *
domain_vm (VbDomain *dom)
{
  return vb_domain_get_driver_data (dom);
}

/* Helpers ------------------------------------------------------------------ */

static gboolean
check_active (VbDomain *dom, GError **error)
{
  if (!vb_domain_is_active (dom) || domain_vm (dom) == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                 vb_domain_get_name (dom));
    return FALSE;
  }
  return TRUE;
}

static void
return_variant (GTask *task, GVariant *out)
{
  if (out)
    g_task_return_pointer (task, g_variant_ref_sink (out), (GDestroyNotify) g_variant_unref);
  else
    g_task_return_pointer (task, NULL, NULL);
}

static guint64
def_current_memory (const VbDomainDef *def)
{
  return def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
}

static guint
def_current_vcpus (const VbDomainDef *def)
{
  return def->current_vcpus ? def->current_vcpus : def->vcpus;
}

/* A /proc stat file (a process's or one of its threads'): the state
 * letter, the start time and the CPU time, or FALSE when there is no
 * such process. */
static gboolean
read_stat_file (const char *path, char *state, guint64 *start_time, guint64 *cpu_ticks)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *rparen;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  /* the command name may hold spaces and parentheses: skip to the last ')' */
  rparen = strrchr (contents, ')');
  if (rparen == NULL)
    return FALSE;
  fields = g_strsplit (rparen + 2, " ", -1);
  if (g_strv_length (fields) < 20)
    return FALSE;
  if (state)
    *state = fields[0][0];
  if (cpu_ticks)
    *cpu_ticks = g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
  if (start_time)
    *start_time = g_ascii_strtoull (fields[19], NULL, 10);
  return TRUE;
}

static gboolean
read_proc_stat (GPid pid, char *state, guint64 *start_time, guint64 *cpu_ticks)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);

  return read_stat_file (path, state, start_time, cpu_ticks);
}

/* Gone: no such process, a zombie, or another process that reused the pid. */
static gboolean
process_gone (GPid pid, guint64 start_time)
{
  char state = 0;
  guint64 started = 0;

  if (pid <= 0 || !read_proc_stat (pid, &state, &started, NULL))
    return TRUE;
  return state == 'Z' || state == 'X' || (start_time && started != start_time);
}

/* The last lines qemu wrote to its log, for error messages. */
static char *
log_tail (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint n, first;

  if (path == NULL || !g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  g_strstrip (contents);
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  first = n > 3 ? n - 3 : 0;
  for (guint i = first; i < n; i++) {
    if (*lines[i] == '\0')
      continue;
    if (out->len)
      g_string_append (out, "; ");
    g_string_append (out, lines[i]);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Managed save images: <save_dir>/<uuid>.save (qemu's migration stream)
 * and <uuid>.save.xml (the definition it ran with). */
static char *
save_image_path (VbQemuDriver *self, VbDomain *dom, const char *suffix)
{
  g_autofree char *base = g_strconcat (vb_domain_get_uuid_string (dom), ".save", suffix, NULL);

  return g_build_filename (self->save_dir, base, NULL);
}

static void
remove_save_image (VbQemuDriver *self, VbDomain *dom)
{
  g_autofree char *image = save_image_path (self, dom, "");
  g_autofree char *xml = save_image_path (self, dom, ".xml");

  g_unlink (image);
  g_unlink (xml);
  vb_domain_set_managed_save (dom, FALSE);
}

/* Guest NICs ------------------------------------------------------------------ */

static void
nic_release (VbQemuDriver *self, QemuNic *nic)
{
  if (self->net == NULL || nic->borrowed)
    return;
  if (nic->port)
    vb_network_driver_port_release (self->net, nic->port, nic->ifname);
  else
    vb_network_driver_unplug (self->net, nic->ifname);
}

/* The run ended: every device goes, every port is given back. */
static void
vm_release_nics (QemuVm *vm)
{
  for (guint i = 0; i < vm->nics->len; i++)
    nic_release (vm->driver, g_ptr_array_index (vm->nics, i));
  g_ptr_array_set_size (vm->nics, 0);
}

static void
vm_release_nic (QemuVm *vm, const char *alias)
{
  for (guint i = 0; i < vm->nics->len; i++) {
    QemuNic *nic = g_ptr_array_index (vm->nics, i);

    if (g_strcmp0 (nic->alias, alias) == 0) {
      nic_release (vm->driver, nic);
      g_ptr_array_remove_index (vm->nics, i);
      return;
    }
  }
}

static VbMacvtapMode
macvtap_mode_from_string (const char *mode)
{
  /* libvirt's default for <interface type='direct'> is vepa */
  if (mode == NULL || g_str_equal (mode, "vepa"))
    return VB_MACVTAP_VEPA;
  if (g_str_equal (mode, "bridge"))
    return VB_MACVTAP_BRIDGE;
  if (g_str_equal (mode, "private"))
    return VB_MACVTAP_PRIVATE;
  if (g_str_equal (mode, "passthrough"))
    return VB_MACVTAP_PASSTHROUGH;
  return VB_MACVTAP_NONE;
}

static VbTristate
tristate_from_string (const char *value)
{
  if (g_strcmp0 (value, "yes") == 0)
    return VB_TRISTATE_YES;
  if (g_strcmp0 (value, "no") == 0)
    return VB_TRISTATE_NO;
  return VB_TRISTATE_ABSENT;
}

/* The live XML shows the actual connection, as libvirt's does: the
 * device made (<target dev>), the bridge or the pool device and macvtap
 * mode picked, and what the portgroup merged in. */
static void
iface_show_actual (VbDomainInterfaceDef *iface, const QemuNic *nic)
{
  const VbNetworkPort *port = nic->port;

  g_free (iface->target);
  iface->target = g_strdup (nic->ifname);
  if (port == NULL)
    return;
  if (port->portgroup && iface->portgroup == NULL)
    iface->portgroup = g_strdup (port->portgroup);
  if (port->type == VB_PORT_TYPE_NETWORK || port->type == VB_PORT_TYPE_BRIDGE) {
    g_free (iface->bridge);
    iface->bridge = g_strdup (port->bridge_name);
  } else if (port->type == VB_PORT_TYPE_DIRECT) {
    g_free (iface->dev);
    iface->dev = g_strdup (port->dev);
    g_free (iface->mode);
    iface->mode = g_strdup (vb_macvtap_mode_to_string (port->macvtap_mode));
  }
  vb_virtualport_free (iface->virtualport);
  iface->virtualport = port->virtualport ? vb_virtualport_copy (port->virtualport) : NULL;
  vb_vlan_free (iface->vlan);
  iface->vlan = port->vlan ? vb_vlan_copy (port->vlan) : NULL;
  vb_bandwidth_free (iface->bandwidth);
  iface->bandwidth = port->bandwidth ? vb_bandwidth_copy (port->bandwidth) : NULL;
}

static gboolean
iface_tap_is_existing (const VbDomainInterfaceDef *iface)
{
  return g_strcmp0 (iface->type, "ethernet") == 0 && g_strcmp0 (iface->target_managed, "no") == 0;
}

/* What <interface type='ethernet'> can ask of us.  An admin's tap
 * (managed='no') is used exactly as it is: what would have to change it
 * (host addresses, routes, MTU, shaping) is refused, not left on a device
 * that outlives the guest. */
static gboolean
check_ethernet (VbDomain *dom, const VbDomainInterfaceDef *iface, const char *alias, GError **error)
{
  const char *what = NULL;

  if (!iface_tap_is_existing (iface))
    return TRUE;
  if (iface->target == NULL)
    what = "no <target dev>: managed='no' needs the name of an existing tap";
  else if (iface->host_ips || iface->host_routes)
    what = "<source> addresses or routes would change the admin's tap (managed='no')";
  else if (iface->mtu)
    what = "an <mtu> would change the admin's tap (managed='no')";
  else if (iface->bandwidth)
    what = "<bandwidth> would change the admin's tap (managed='no')";
  if (what == NULL)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "interface %s of '%s': %s", alias,
               vb_domain_get_name (dom), what);
  return FALSE;
}

/* Creates the device of one network/bridge/direct/ethernet interface. */
static QemuNic *
plug_interface (VbQemuDriver *self, VbDomain *dom, VbDomainInterfaceDef *iface, int *out_fd,
                GError **error)
{
  g_autoptr(VbNetworkPort) port = NULL;
  g_autofree char *alias = vb_qemu_device_alias (&iface->info);
  const char *hint = iface->target;
  QemuNic *nic;
  char *ifname = NULL;

  if (self->net == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "interface %s of '%s': host networking is not available to this daemon", alias,
                 vb_domain_get_name (dom));
    return NULL;
  }
  /* <script> and <downscript> would run any program the XML names, with
   * the daemon's privileges (root on the system bus), on behalf of anyone
   * allowed to define a domain; the host side is configured through
   * <source><ip>/<route> and the tap's MTU instead. */
  if (iface->script || iface->downscript) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "interface %s of '%s': <%s> is not supported: it would run a program as the daemon", alias,
                 vb_domain_get_name (dom), iface->script ? "script" : "downscript");
    return NULL;
  }
  /* names under these prefixes are ours to hand out, as in libvirt; an
   * admin's own tap keeps the name it has */
  if (hint && (g_str_has_prefix (hint, "vnet") || g_str_has_prefix (hint, "macvtap")) &&
      !iface_tap_is_existing (iface))
    hint = NULL;
  if (g_str_equal (iface->type, "network")) {
    VbPortRequest req = {
      .network = iface->network,
      .portgroup = iface->portgroup,
      .virtualport = iface->virtualport,
      .bandwidth = iface->bandwidth,
      .vlan = iface->vlan,
      .trust_guest_rx_filters = tristate_from_string (iface->trust_guest_rx_filters),
      .mac = iface->mac,
    };

    if (iface->network == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "interface %s of '%s' names no source network",
                   alias, vb_domain_get_name (dom));
      return NULL;
    }
    if (!vb_network_driver_port_allocate (self->net, iface->network, &req, hint, &port, &ifname, out_fd, error)) {
      g_prefix_error (error, "cannot plug interface %s of '%s': ", alias, vb_domain_get_name (dom));
      return NULL;
    }
  } else {
    VbNetworkPort local = { .mac = iface->mac, .bandwidth = iface->bandwidth };

    if (g_str_equal (iface->type, "bridge")) {
      local.type = VB_PORT_TYPE_BRIDGE;
      local.bridge_name = iface->bridge;
    } else if (g_str_equal (iface->type, "ethernet")) {
      if (!check_ethernet (dom, iface, alias, error))
        return NULL;
      local.type = VB_PORT_TYPE_ETHERNET;
      local.tap_existing = iface_tap_is_existing (iface);
      local.mtu = iface->mtu;
      local.host_ips = iface->host_ips;
      local.host_routes = iface->host_routes;
    } else {
      local.type = VB_PORT_TYPE_DIRECT;
      local.dev = iface->dev;
      local.macvtap_mode = macvtap_mode_from_string (iface->mode);
    }
    if ((local.type == VB_PORT_TYPE_BRIDGE && local.bridge_name == NULL) ||
        (local.type == VB_PORT_TYPE_DIRECT && (local.dev == NULL || local.macvtap_mode == VB_MACVTAP_NONE))) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "interface %s of '%s' of type '%s' lacks its <source>",
                   alias, vb_domain_get_name (dom), iface->type);
      return NULL;
    }
    if (!vb_network_driver_plug (self->net, &local, hint, &ifname, out_fd, error)) {
      g_prefix_error (error, "cannot plug interface %s of '%s': ", alias, vb_domain_get_name (dom));
      return NULL;
    }
  }
  nic = g_new0 (QemuNic, 1);
  nic->alias = g_steal_pointer (&alias);
  nic->ifname = ifname;
  nic->port = g_steal_pointer (&port);
  nic->borrowed = iface_tap_is_existing (iface);
  return nic;
}

/* Plugs every interface of @live that needs a device; fills @fds (one
 * per interface, -1 where none) and @nics.  All or nothing. */
static gboolean
plug_interfaces (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, GArray *fds, GPtrArray *nics,
                 GError **error)
{
  for (guint i = 0; live->interfaces && i < live->interfaces->len; i++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (live->interfaces, i);
    int fd = -1;
    QemuNic *nic;

    if (!vb_qemu_interface_uses_tap (iface)) {
      g_array_append_val (fds, fd);
      continue;
    }
    nic = plug_interface (self, dom, iface, &fd, error);
    if (nic == NULL) {
      for (guint j = 0; j < fds->len; j++)
        if (g_array_index (fds, int, j) >= 0)
          close (g_array_index (fds, int, j));
      g_array_set_size (fds, 0);
      for (guint j = 0; j < nics->len; j++)
        nic_release (self, g_ptr_array_index (nics, j));
      g_ptr_array_set_size (nics, 0);
      return FALSE;
    }
    iface_show_actual (iface, nic);
    g_array_append_val (fds, fd);
    g_ptr_array_add (nics, nic);
  }
  return TRUE;
}

/* Ports go into the status file next to the live XML: what a restarted
 * daemon needs to count them again and to let go of them. */
#define NIC_GROUP_PREFIX "nic "

static void
nics_save (GKeyFile *kf, GPtrArray *nics)
{
  for (guint i = 0; i < nics->len; i++) {
    QemuNic *nic = g_ptr_array_index (nics, i);
    g_autofree char *group = g_strconcat (NIC_GROUP_PREFIX, nic->alias, NULL);
    const VbNetworkPort *port = nic->port;
    char uuid[VB_UUID_STRING_LEN + 1];

    g_key_file_set_string (kf, group, "ifname", nic->ifname);
    if (nic->borrowed)
      g_key_file_set_boolean (kf, group, "borrowed", TRUE);
    if (port == NULL)
      continue;
    vb_uuid_format (&port->network_uuid, uuid);
    g_key_file_set_string (kf, group, "network", port->network);
    g_key_file_set_string (kf, group, "network-uuid", uuid);
    g_key_file_set_integer (kf, group, "type", port->type);
    if (port->portgroup)
      g_key_file_set_string (kf, group, "portgroup", port->portgroup);
    if (port->bridge_name)
      g_key_file_set_string (kf, group, "bridge", port->bridge_name);
    if (port->dev)
      g_key_file_set_string (kf, group, "dev", port->dev);
    if (port->device_key)
      g_key_file_set_string (kf, group, "device-key", port->device_key);
    g_key_file_set_boolean (kf, group, "exclusive", port->exclusive);
    g_key_file_set_integer (kf, group, "macvtap-mode", port->macvtap_mode);
  }
}

static GPtrArray *
nics_load (GKeyFile *kf)
{
  GPtrArray *nics = g_ptr_array_new_with_free_func ((GDestroyNotify) nic_free);
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i]; i++) {
    QemuNic *nic;
    g_autofree char *uuid = NULL;

    if (!g_str_has_prefix (groups[i], NIC_GROUP_PREFIX))
      continue;
    nic = g_new0 (QemuNic, 1);
    nic->alias = g_strdup (groups[i] + strlen (NIC_GROUP_PREFIX));
    nic->ifname = g_key_file_get_string (kf, groups[i], "ifname", NULL);
    nic->borrowed = g_key_file_get_boolean (kf, groups[i], "borrowed", NULL);
    g_ptr_array_add (nics, nic);
    if (!g_key_file_has_key (kf, groups[i], "network", NULL))
      continue;
    nic->port = g_new0 (VbNetworkPort, 1);
    nic->port->network = g_key_file_get_string (kf, groups[i], "network", NULL);
    uuid = g_key_file_get_string (kf, groups[i], "network-uuid", NULL);
    if (uuid == NULL || !vb_uuid_parse (uuid, &nic->port->network_uuid, NULL))
      g_warning ("QEMU driver: status of port %s names no network UUID", nic->alias);
    nic->port->type = g_key_file_get_integer (kf, groups[i], "type", NULL);
    nic->port->portgroup = g_key_file_get_string (kf, groups[i], "portgroup", NULL);
    nic->port->bridge_name = g_key_file_get_string (kf, groups[i], "bridge", NULL);
    nic->port->dev = g_key_file_get_string (kf, groups[i], "dev", NULL);
    nic->port->device_key = g_key_file_get_string (kf, groups[i], "device-key", NULL);
    nic->port->exclusive = g_key_file_get_boolean (kf, groups[i], "exclusive", NULL);
    nic->port->macvtap_mode = g_key_file_get_integer (kf, groups[i], "macvtap-mode", NULL);
  }
  return nics;
}

/* Status files -------------------------------------------------------------- */

#define STATUS_GROUP "domain"

static void
vm_save_status (QemuVm *vm)
{
  VbDomain *dom = vm->dom;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *data = NULL;
  int reason;
  VbDomainState state = vb_domain_get_state (dom, &reason);
  const VbDomainDef *live = vb_domain_get_live_def (dom);

  if (live == NULL || vm->exited)
    return;
  xml = vb_domain_def_format (live, VB_DOMAIN_FORMAT_SECURE);
  g_key_file_set_int64 (kf, STATUS_GROUP, "pid", vm->pid);
  g_key_file_set_uint64 (kf, STATUS_GROUP, "start-time", vm->start_time);
  g_key_file_set_string (kf, STATUS_GROUP, "qmp", vm->qmp_path);
  g_key_file_set_string (kf, STATUS_GROUP, "log", vm->log_path);
  g_key_file_set_integer (kf, STATUS_GROUP, "id", vb_domain_get_id (dom));
  g_key_file_set_integer (kf, STATUS_GROUP, "state", state);
  g_key_file_set_integer (kf, STATUS_GROUP, "reason", reason);
  g_key_file_set_boolean (kf, STATUS_GROUP, "persistent", vb_domain_is_persistent (dom));
  g_key_file_set_boolean (kf, STATUS_GROUP, "shutdown-seen", vm->shutdown_seen);
  g_key_file_set_boolean (kf, STATUS_GROUP, "vcpu-removed", vm->vcpu_removed);
  g_key_file_set_string (kf, STATUS_GROUP, "xml", xml);
  nics_save (kf, vm->nics);
  data = g_key_file_to_data (kf, NULL, NULL);
  if (!vb_config_store_save_status (vm->driver->store, vb_domain_get_uuid_string (dom), data, &error))
    g_warning ("domain '%s': %s", vb_domain_get_name (dom), error->message);
}

/* Exit --------------------------------------------------------------------- */

/* The process is gone: the one place a run ends, whatever ended it. */
static void
vm_gone (QemuVm *vm)
{
  g_autoptr(QemuVm) keep G_GNUC_UNUSED = vm_ref (vm);
  g_autoptr(VbDomain) dom = g_object_ref (vm->dom);
  VbDriver *driver = VB_DRIVER (vm->driver);
  g_autoptr(GError) error = NULL;

  if (vm->exited)
    return;
  vm->exited = TRUE;
  g_cancellable_cancel (vm->cancel);
  g_clear_handle_id (&vm->kill_timer, g_source_remove);
  g_clear_handle_id (&vm->poll_timer, g_source_remove);
  if (vm->mon)
    vb_qemu_monitor_close (vm->mon);
  /* pending unplugs fail: the device went with the guest */
  g_hash_table_remove_all (vm->detaches);
  vm_release_nics (vm);
  g_unlink (vm->qmp_path);
  {
    g_autofree char *pid_path = vb_config_store_run_path (vm->driver->store, vb_domain_get_uuid_string (dom), ".pid");

    /* qemu removes its pidfile when it exits in order, not when killed */
    g_unlink (pid_path);
  }
  if (!vb_config_store_delete_status (vm->driver->store, vb_domain_get_uuid_string (dom), &error))
    g_warning ("%s", error->message);

  if (vm->starting) {
    g_autoptr(GTask) task = g_steal_pointer (&vm->start_task);
    g_autofree char *tail = log_tail (vm->log_path);

    vm->starting = FALSE;
    g_ptr_array_remove (vm->driver->unregistered_starts, vm);
    if (domain_vm (dom) == vm)
      vb_domain_set_driver_data (dom, NULL, NULL);
    if (vm->start_error)
      g_task_return_error (task, g_steal_pointer (&vm->start_error));
    else
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "QEMU exited while starting '%s'%s%s",
                               vb_domain_get_name (dom), *tail ? ": " : "", tail);
    return;
  }

  {
    int reason, detail;
    g_autoptr(GPtrArray) waiters = g_steal_pointer (&vm->stop_waiters);

    if (vm->saved) {
      reason = VB_DOMAIN_SHUTOFF_SAVED;
      detail = VB_DOMAIN_EVENT_STOPPED_SAVED;
    } else if (vm->dump_crashed) {
      reason = VB_DOMAIN_SHUTOFF_CRASHED;
      detail = VB_DOMAIN_EVENT_STOPPED_CRASHED;
    } else if (vm->destroying) {
      reason = VB_DOMAIN_SHUTOFF_DESTROYED;
      detail = VB_DOMAIN_EVENT_STOPPED_DESTROYED;
    } else if (vm->shutdown_seen) {
      reason = VB_DOMAIN_SHUTOFF_SHUTDOWN;
      detail = VB_DOMAIN_EVENT_STOPPED_SHUTDOWN;
    } else {
      /* libvirt: the monitor went away without a SHUTDOWN event */
      reason = VB_DOMAIN_SHUTOFF_CRASHED;
      detail = VB_DOMAIN_EVENT_STOPPED_FAILED;
    }
    vb_domain_set_driver_data (dom, NULL, NULL);
    vb_domain_set_live_def (dom, NULL);
    vb_domain_set_id (dom, -1);
    vb_domain_set_state (dom, VB_DOMAIN_SHUTOFF, reason);
    if (vm->saved && vm->save_managed)
      vb_domain_set_managed_save (dom, TRUE);
    if (vm->save_task)
      g_ptr_array_add (waiters, g_steal_pointer (&vm->save_task));
    if (vm->dump_task)
      g_task_return_new_error (g_steal_pointer (&vm->dump_task), VB_ERROR, VB_ERROR_FAILED,
                               "domain '%s' stopped during its core dump", vb_domain_get_name (dom));
    if (!vb_domain_is_persistent (dom))
      vb_driver_remove_domain (driver, dom);
    vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_STOPPED, detail);
    for (guint i = 0; waiters && i < waiters->len; i++)
      g_task_return_pointer (g_ptr_array_index (waiters, i), NULL, NULL);
  }
}

static void
vm_proc_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  /* A qemu that cannot start exits by itself, having said why in its log
   * (which vm_gone quotes); its monitor, reset on the way out and often
   * noticed first, only says that it went.  Killed by us, our reason
   * stays. */
  if (vm->starting && g_subprocess_get_if_exited (G_SUBPROCESS (source)))
    g_clear_error (&vm->start_error);
  vm_gone (vm);
}

static gboolean
vm_poll_foreign (gpointer user_data)
{
  QemuVm *vm = user_data;

  if (!process_gone (vm->pid, vm->start_time))
    return G_SOURCE_CONTINUE;
  vm->poll_timer = 0;
  vm_gone (vm);
  return G_SOURCE_REMOVE;
}

/* A re-attached qemu is not our child: nothing tells us when it exits
 * but its monitor closing, after which /proc says when it is gone. */
static void
vm_watch_foreign (QemuVm *vm)
{
  if (vm->proc != NULL || vm->poll_timer || vm->exited)
    return;
  if (process_gone (vm->pid, vm->start_time)) {
    vm_gone (vm);
    return;
  }
  vm->poll_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, FOREIGN_POLL_INTERVAL_MS, vm_poll_foreign,
                                       vm_ref (vm), (GDestroyNotify) vm_unref);
}

static void
vm_kill (QemuVm *vm, int sig)
{
  if (vm->exited)
    return;
  if (vm->proc)
    g_subprocess_send_signal (vm->proc, sig);
  else if (!process_gone (vm->pid, vm->start_time))
    kill (vm->pid, sig);
  vm_watch_foreign (vm);
}

static gboolean
vm_kill_timeout (gpointer user_data)
{
  QemuVm *vm = user_data;

  vm->kill_timer = 0;
  g_debug ("domain '%s' ignored SIGTERM: SIGKILL", vb_domain_get_name (vm->dom));
  vm_kill (vm, SIGKILL);
  return G_SOURCE_REMOVE;
}

/* Start failed after the spawn: kill, and let vm_gone report once the
 * process is really gone, so no qemu outlives the error. */
static void
vm_fail_start (QemuVm *vm, GError *error)
{
  if (vm->start_error == NULL)
    vm->start_error = error;
  else
    g_error_free (error);
  vm_kill (vm, SIGKILL);
}

/* Events --------------------------------------------------------------------- */

static void
vm_set_paused (QemuVm *vm, int reason)
{
  VbDomainState state = vb_domain_get_state (vm->dom, NULL);

  if (state != VB_DOMAIN_RUNNING)
    return;
  vb_domain_set_state (vm->dom, VB_DOMAIN_PAUSED, reason);
  vm_save_status (vm);
  vb_driver_emit_domain_event (VB_DRIVER (vm->driver), vm->dom, VB_DOMAIN_EVENT_SUSPENDED,
                               reason == VB_DOMAIN_PAUSED_IOERROR ? VB_DOMAIN_EVENT_SUSPENDED_IOERROR
                                                                  : VB_DOMAIN_EVENT_SUSPENDED_PAUSED);
}

/* BLOCK_IO_ERROR: libvirt's IOError signal, and with werror=stop the STOP
 * that follows is a pause for an I/O error. */
static void
vm_block_io_error (QemuVm *vm, JsonObject *obj)
{
  const char *device = obj ? json_object_get_string_member_with_default (obj, "device", "") : "";
  /* hot-plugged disks have no BlockBackend name, only their node */
  const char *node = obj ? json_object_get_string_member_with_default (obj, "node-name", "") : "";
  const char *action = obj ? json_object_get_string_member_with_default (obj, "action", "") : "";
  const char *reason = obj ? json_object_get_string_member_with_default (obj, "reason", "") : "";
  const char *backend = *device ? device : node;
  const char *alias = g_str_has_prefix (backend, "drive-") ? backend + strlen ("drive-") : backend;
  GPtrArray *disks = vb_domain_def_get_devices (vb_domain_get_current_def (vm->dom), VB_DOMAIN_DEVICE_DISK);
  const char *path = "";
  int io_action = g_str_equal (action, "stop") ? 1 : g_str_equal (action, "report") ? 2 : 0;

  for (guint i = 0; disks && i < disks->len; i++) {
    VbDomainDiskDef *disk = g_ptr_array_index (disks, i);
    g_autofree char *disk_alias = vb_qemu_device_alias (&disk->info);

    if (g_strcmp0 (disk_alias, alias) == 0 && disk->source)
      path = disk->source;
  }
  if (io_action == 1)
    vm->pause_reason = VB_DOMAIN_PAUSED_IOERROR;
  vb_driver_emit_domain_signal (VB_DRIVER (vm->driver), vm->dom, "IOError",
                                g_variant_new ("(ssis)", path, alias, io_action, reason));
}

static void
vm_set_running (QemuVm *vm, int reason)
{
  VbDomainState state = vb_domain_get_state (vm->dom, NULL);

  if (state != VB_DOMAIN_PAUSED)
    return;
  vb_domain_set_state (vm->dom, VB_DOMAIN_RUNNING, reason);
  vm_save_status (vm);
  vb_driver_emit_domain_event (VB_DRIVER (vm->driver), vm->dom, VB_DOMAIN_EVENT_RESUMED,
                               VB_DOMAIN_EVENT_RESUMED_UNPAUSED);
}

/* The guest put itself to sleep (ACPI S3, qemu's SUSPEND) or into
 * hibernation (S4, SUSPEND_DISK, after which it powers off), as libvirt
 * reports them: state pmsuspended, the lifecycle event and the
 * PMSuspend/PMSuspendDisk signal. */
static void
vm_set_pmsuspended (QemuVm *vm, gboolean disk)
{
  VbDriver *driver = VB_DRIVER (vm->driver);

  if (vb_domain_get_state (vm->dom, NULL) != VB_DOMAIN_PMSUSPENDED) {
    vb_domain_set_state (vm->dom, VB_DOMAIN_PMSUSPENDED, 0 /* VIR_DOMAIN_PMSUSPENDED_UNKNOWN */);
    vm_save_status (vm);
  }
  vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_PMSUSPENDED,
                               disk ? VB_DOMAIN_EVENT_PMSUSPENDED_DISK : VB_DOMAIN_EVENT_PMSUSPENDED_MEMORY);
  vb_driver_emit_domain_signal (driver, vm->dom, disk ? "PMSuspendDisk" : "PMSuspend", g_variant_new ("(i)", 0));
}

/* WAKEUP: a sleeping guest runs again (libvirt's started/wakeup); the
 * PMWakeup signal comes whatever the state was. */
static void
vm_woke_up (QemuVm *vm)
{
  VbDriver *driver = VB_DRIVER (vm->driver);

  if (vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_PMSUSPENDED) {
    vb_domain_set_state (vm->dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_WAKEUP);
    vm_save_status (vm);
    vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_STARTED, VB_DOMAIN_EVENT_STARTED_WAKEUP);
  }
  vb_driver_emit_domain_signal (driver, vm->dom, "PMWakeup", g_variant_new ("(i)", 0));
}

static void vm_device_deleted (QemuVm *vm, const char *alias);
static void vm_vcpu_deleted (QemuVm *vm, JsonObject *data);
static void vm_refresh_vcpus (QemuVm *vm);
static void vm_tray_moved (QemuVm *vm, JsonObject *data);

static void
on_monitor_event (VbQemuMonitor *mon, const char *name, JsonNode *data, gpointer user_data)
{
  QemuVm *vm = user_data;
  VbDriver *driver = VB_DRIVER (vm->driver);
  JsonObject *obj = data && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;

  /* while starting or saving, the state is ours to set at the end */
  if (vm->starting || vm->exited ||
      ((vm->saving || vm->dumping) && (g_str_equal (name, "STOP") || g_str_equal (name, "RESUME"))))
    return;
  if (g_str_equal (name, "STOP")) {
    vm_set_paused (vm, vm->pause_reason);
    if (vm->pause_reason == VB_DOMAIN_PAUSED_IOERROR)
      vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  } else if (g_str_equal (name, "RESUME")) {
    vm_set_running (vm, VB_DOMAIN_RUNNING_UNPAUSED);
  } else if (g_str_equal (name, "SHUTDOWN")) {
    gboolean guest = obj && json_object_has_member (obj, "guest") && json_object_get_boolean_member (obj, "guest");

    if (vm->destroying || vm->shutdown_seen || vm->saved || vm->dump_crashed)
      return;
    vm->shutdown_seen = TRUE;
    vb_domain_set_state (vm->dom, VB_DOMAIN_SHUTDOWN, QEMU_DOMAIN_SHUTDOWN_USER);
    vm_save_status (vm);
    vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_SHUTDOWN,
                                 guest ? VB_DOMAIN_EVENT_SHUTDOWN_GUEST : VB_DOMAIN_EVENT_SHUTDOWN_HOST);
  } else if (g_str_equal (name, "BLOCK_IO_ERROR")) {
    vm_block_io_error (vm, obj);
  } else if (g_str_equal (name, "BALLOON_CHANGE")) {
    gint64 actual = obj ? json_object_get_int_member_with_default (obj, "actual", 0) : 0;

    vb_driver_emit_domain_signal (driver, vm->dom, "BalloonChange", g_variant_new ("(t)", (guint64) actual / 1024));
  } else if (g_str_equal (name, "DEVICE_DELETED")) {
    vm_device_deleted (vm, obj ? json_object_get_string_member_with_default (obj, "device", NULL) : NULL);
    vm_vcpu_deleted (vm, obj);
  } else if (g_str_equal (name, "RESET")) {
    vb_driver_emit_domain_signal (driver, vm->dom, "Reboot", g_variant_new ("()"));
  } else if (g_str_equal (name, "SUSPEND") || g_str_equal (name, "SUSPEND_DISK")) {
    vm_set_pmsuspended (vm, g_str_equal (name, "SUSPEND_DISK"));
  } else if (g_str_equal (name, "WAKEUP")) {
    vm_woke_up (vm);
  } else if (g_str_equal (name, "RTC_CHANGE")) {
    gint64 offset = obj ? json_object_get_int_member_with_default (obj, "offset", 0) : 0;

    vb_driver_emit_domain_signal (driver, vm->dom, "RTCChange", g_variant_new ("(x)", offset));
  } else if (g_str_equal (name, "DEVICE_TRAY_MOVED")) {
    vm_tray_moved (vm, obj);
  } else if (g_str_equal (name, "GUEST_PANICKED")) {
    vb_domain_set_state (vm->dom, VB_DOMAIN_CRASHED, QEMU_DOMAIN_CRASHED_PANICKED);
    vm_save_status (vm);
    vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_CRASHED, VB_DOMAIN_EVENT_CRASHED_PANICKED);
  }
}

static void
on_monitor_closed (VbQemuMonitor *mon, GError *reason, gpointer user_data)
{
  QemuVm *vm = user_data;

  if (vm->exited)
    return;
  if (vm->starting) {
    vm_fail_start (vm, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU monitor of '%s': %s",
                                    vb_domain_get_name (vm->dom), reason ? reason->message : "closed"));
    return;
  }
  vm_watch_foreign (vm);
}

static void
vm_attach_monitor (QemuVm *vm, guint timeout_ms)
{
  vm->mon = vb_qemu_monitor_new ();
  g_signal_connect (vm->mon, "event", G_CALLBACK (on_monitor_event), vm);
  g_signal_connect (vm->mon, "closed", G_CALLBACK (on_monitor_closed), vm);
  vb_qemu_monitor_connect (vm->mon, vm->qmp_path, timeout_ms);
}

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

static char *
nvram_file (const VbDomainDef *def)
{
  xmlNode *nvram = vb_qemu_firmware_nvram (def);
  char *path = nvram ? g_strstrip (vb_xml_text (nvram)) : NULL;

  if (path && *path == '\0')
    g_clear_pointer (&path, g_free);
  return path;
}

/* libvirt's rule: a guest's variable store (its boot entries, its keys)
 * is not lost by an undefine that did not say what to do with it. */
static gboolean
check_undefine_nvram (const VbDomainDef *def, guint flags, GError **error)
{
  g_autofree char *path = nvram_file (def);

  if ((flags & VB_DOMAIN_UNDEFINE_NVRAM) && (flags & VB_DOMAIN_UNDEFINE_KEEP_NVRAM)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "flags VIR_DOMAIN_UNDEFINE_NVRAM and VIR_DOMAIN_UNDEFINE_KEEP_NVRAM are mutually exclusive");
    return FALSE;
  }
  if (path && g_file_test (path, G_FILE_TEST_EXISTS) &&
      !(flags & (VB_DOMAIN_UNDEFINE_NVRAM | VB_DOMAIN_UNDEFINE_KEEP_NVRAM))) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                 "cannot undefine domain '%s' with nvram (%s): pass VIR_DOMAIN_UNDEFINE_NVRAM "
                 "or VIR_DOMAIN_UNDEFINE_KEEP_NVRAM", def->name, path);
    return FALSE;
  }
  return TRUE;
}

static void
remove_nvram (const VbDomainDef *def)
{
  g_autofree char *path = nvram_file (def);

  if (path && g_unlink (path) < 0 && errno != ENOENT)
    g_warning ("cannot remove NVRAM file %s: %s", path, g_strerror (errno));
}

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
  if (def->memballoon == NULL) {
    g_autoptr(VbDomainDevice) dev = vb_domain_device_parse ("<memballoon model='virtio'/>", NULL);

    if (dev) {
      def->memballoon = dev->data;
      dev->data = NULL;
    }
  }
  /* a display with no video card would show nothing: libvirt gives such
   * a PC guest its default card, cirrus */
  return !(def->graphics && def->graphics->len > 0 && (def->videos == NULL || def->videos->len == 0) &&
           !vb_domain_def_attach_device (def, "<video><model type='cirrus' vram='16384' heads='1' primary='yes'/></video>",
                                         error));
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

/* The guest's own variable store, made from its template on first start
 * (a few hundred KiB: copied in place). */
static gboolean
prepare_nvram (const VbDomainDef *def, GError **error)
{
  xmlNode *nvram = vb_qemu_firmware_nvram (def);
  g_autofree char *path = nvram ? g_strstrip (vb_xml_text (nvram)) : NULL;
  g_autofree char *template = nvram ? vb_xml_prop (nvram, "template") : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GFile) src = NULL;
  g_autoptr(GFile) dst = NULL;

  if (path == NULL || *path == '\0' || g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (template == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "NVRAM file '%s' does not exist and no template names where to make it from", path);
    return FALSE;
  }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", dir, g_strerror (saved));
    return FALSE;
  }
  /* under a temporary name: a half-copied store must never look made */
  tmp = g_strdup_printf ("%s.tmp", path);
  src = g_file_new_for_path (template);
  dst = g_file_new_for_path (tmp);
  if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error) ||
      g_chmod (tmp, 0600) < 0 || g_rename (tmp, path) < 0) {
    if (error && *error == NULL)
      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create NVRAM file '%s': %s", path, g_strerror (errno));
    else
      g_prefix_error (error, "cannot create NVRAM file '%s' from '%s': ", path, template);
    g_unlink (tmp);
    return FALSE;
  }
  return TRUE;
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

/* Migration to and from files ------------------------------------------------- */

static gboolean migrate_poll_tick (gpointer user_data);

static void
migrate_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  JsonObject *o = ret && JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;
  const char *status = o ? json_object_get_string_member_with_default (o, "status", "") : "";

  if (vm->exited || vm->migrate_done == NULL)
    return;
  if (ret == NULL) {
    vm->migrate_done (vm, error->message);
  } else if (g_str_equal (status, "completed")) {
    vm->migrate_done (vm, NULL);
  } else if (g_str_equal (status, "failed") || g_str_equal (status, "cancelled")) {
    vm->migrate_done (vm, json_object_get_string_member_with_default (o, "error-desc", status));
  } else {
    vm->migrate_poll = g_timeout_add_full (G_PRIORITY_DEFAULT, 10, migrate_poll_tick, vm_ref (vm),
                                           (GDestroyNotify) vm_unref);
  }
}

static gboolean
migrate_poll_tick (gpointer user_data)
{
  QemuVm *vm = user_data;

  vm->migrate_poll = 0;
  vb_qemu_monitor_command_async (vm->mon, "query-migrate", NULL, NULL, migrate_status, vm_ref (vm));
  return G_SOURCE_REMOVE;
}

/* Waits for the migration the monitor runs (either direction) to end. */
static void
migrate_wait (QemuVm *vm, void (*done) (gpointer vm, const char *error))
{
  vm->migrate_done = done;
  vb_qemu_monitor_command_async (vm->mon, "query-migrate", NULL, NULL, migrate_status, vm_ref (vm));
}

static void
save_failed (QemuVm *vm, const char *message)
{
  g_autoptr(GTask) task = g_steal_pointer (&vm->save_task);
  g_autofree char *part = g_strconcat (vm->save_path, ".part", NULL);

  vm->saving = FALSE;
  vm->migrate_done = NULL;
  g_unlink (part);
  /* the guest was paused for the save: give it back as it was */
  if (vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_RUNNING)
    vb_qemu_monitor_command_async (vm->mon, "cont", NULL, NULL, NULL, NULL);
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "%s of '%s' failed: %s",
                           vm->save_managed ? "managed save" : "save", vb_domain_get_name (vm->dom), message);
}

static void
save_migrated (gpointer data, const char *message)
{
  QemuVm *vm = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *part = g_strconcat (vm->save_path, ".part", NULL);
  g_autofree char *xml_path = g_strconcat (vm->save_path, ".xml", NULL);
  g_autofree char *xml = NULL;

  vm->migrate_done = NULL;
  if (message) {
    save_failed (vm, message);
    return;
  }
  /* a file of the caller's holds its definition in its header already */
  xml = vb_domain_def_format (vb_domain_get_live_def (vm->dom), VB_DOMAIN_FORMAT_SECURE);
  if (vm->save_managed && !vb_file_write_atomic (xml_path, xml, strlen (xml), &error)) {
    save_failed (vm, error->message);
    return;
  }
  if (g_rename (part, vm->save_path) < 0) {
    int saved_errno = errno;
    if (vm->save_managed)
      g_unlink (xml_path);
    save_failed (vm, g_strerror (saved_errno));
    return;
  }
  /* the image is complete: this run ends as "saved" once qemu is gone */
  vm->saved = TRUE;
  vb_qemu_monitor_command_async (vm->mon, "quit", NULL, NULL, NULL, NULL);
  vm_watch_foreign (vm);
}

static void
save_migrate_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (vm->exited)
    return;
  if (ret == NULL) {
    save_failed (vm, error->message);
    return;
  }
  migrate_wait (vm, save_migrated);
}

/* The guest's state into @path (its "<path>.part" until complete), the
 * domain off once it is: libvirt's managed save (@managed: the next start
 * restores it) and Save.  QEMU 7.2 has no file: migration URI, so the
 * stream goes through exec:cat into a file of ours; a Save's header is
 * written there first and the stream appended. */
static void
vm_save (QemuVm *vm, const char *path, gboolean managed, GTask *task)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autofree char *quoted = g_shell_quote (part);
  g_autofree char *uri = g_strdup_printf ("exec:cat %s %s", managed ? ">" : ">>", quoted);
  g_autoptr(JsonNode) args = vb_qemu_json_args (g_variant_new_parsed ("{'uri': <%s>}", uri));

  vm->saving = TRUE;
  vm->job_started = g_get_monotonic_time ();
  vm->save_managed = managed;
  vm->save_task = g_object_ref (task);
  g_free (vm->save_path);
  vm->save_path = g_strdup (path);
  vb_qemu_monitor_command_async (vm->mon, "stop", NULL, NULL, NULL, NULL);
  vb_qemu_monitor_command_async (vm->mon, "migrate", args, NULL, save_migrate_started, vm_ref (vm));
}

static void
domain_managed_save (VbQemuDriver *self, VbDomain *dom, GTask *task)
{
  g_autofree char *path = save_image_path (self, dom, "");

  vm_save (domain_vm (dom), path, TRUE, task);
}

/* Save files: a fixed header, the domain's XML in a NUL-padded area
 * (room for DomainSaveImageDefineXML to edit it in place), then qemu's
 * migration stream.  Numbers little-endian. */
#define SAVE_FILE_MAGIC "VirtbusQemuSave\n"
#define SAVE_FILE_VERSION 1
#define SAVE_FILE_XML_MAX (16 * 1024 * 1024)
#define SAVE_FILE_XML_ROOM 4096

typedef struct {
  char magic[16];
  guint32 version;
  guint32 xml_area;     /* bytes of the XML area that follows */
  guint32 was_running;  /* 1: the guest ran when saved, 0: it was paused */
  guint32 reserved[5];
} SaveFileHeader;

G_STATIC_ASSERT (sizeof (SaveFileHeader) == 48);

/* The header and the XML area of @area bytes (which @xml fits in). */
static char *
save_file_header_new (const char *xml, gsize area, gboolean running)
{
  char *buf = g_malloc0 (sizeof (SaveFileHeader) + area);
  SaveFileHeader *h = (SaveFileHeader *) buf;

  memcpy (h->magic, SAVE_FILE_MAGIC, sizeof h->magic);
  h->version = GUINT32_TO_LE (SAVE_FILE_VERSION);
  h->xml_area = GUINT32_TO_LE ((guint32) area);
  h->was_running = GUINT32_TO_LE (running ? 1 : 0);
  memcpy (buf + sizeof *h, xml, strlen (xml));
  return buf;
}

static gboolean
save_file_write_header (const char *path, const char *xml, gboolean running, GError **error)
{
  gsize area = (strlen (xml) + 1 + SAVE_FILE_XML_ROOM + 4095) / 4096 * 4096;
  g_autofree char *buf = save_file_header_new (xml, area, running);

  g_autoptr(GError) local = NULL;

  if (!g_file_set_contents_full (path, buf, sizeof (SaveFileHeader) + area, G_FILE_SET_CONTENTS_NONE, 0600, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write the save file: %s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* The XML of the save file @path, where its stream starts, and whether
 * the guest ran; files not written by Save are refused. */
static char *
save_file_read_header (const char *path, guint64 *out_stream_offset, gboolean *out_running, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &local);
  SaveFileHeader h;
  gsize got = 0;
  guint32 area;
  g_autofree char *xml = NULL;

  /* qemu reads the stream with the path as given, from its own directory */
  if (!g_path_is_absolute (path)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "path '%s' is not absolute", path);
    return NULL;
  }
  if (in == NULL) {
    g_set_error (error, VB_ERROR,
                 g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? VB_ERROR_NOT_FOUND : VB_ERROR_IO,
                 "cannot open save file: %s", local->message);
    return NULL;
  }
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), &h, sizeof h, &got, NULL, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot read save file %s: %s", path, local->message);
    return NULL;
  }
  area = GUINT32_FROM_LE (h.xml_area);
  if (got != sizeof h || memcmp (h.magic, SAVE_FILE_MAGIC, sizeof h.magic) != 0 ||
      GUINT32_FROM_LE (h.version) != SAVE_FILE_VERSION || area == 0 || area > SAVE_FILE_XML_MAX) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "%s is not a save file of this driver", path);
    return NULL;
  }
  xml = g_malloc0 ((gsize) area + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), xml, area, &got, NULL, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot read save file %s: %s", path, local->message);
    return NULL;
  }
  if (got != area) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "save file %s is truncated", path);
    return NULL;
  }
  *out_stream_offset = sizeof h + (guint64) area;
  *out_running = GUINT32_FROM_LE (h.was_running) != 0;
  return g_steal_pointer (&xml);
}

/* libvirt's VIR_DOMAIN_SAVE_* */
enum {
  QEMU_SAVE_BYPASS_CACHE = 1 << 0,
  QEMU_SAVE_RUNNING = 1 << 1,
  QEMU_SAVE_PAUSED = 1 << 2,
};

static gboolean
check_save_flags (guint flags, GError **error)
{
  if (!vb_check_flags (flags, QEMU_SAVE_BYPASS_CACHE | QEMU_SAVE_RUNNING | QEMU_SAVE_PAUSED, error))
    return FALSE;
  if ((flags & QEMU_SAVE_RUNNING) && (flags & QEMU_SAVE_PAUSED)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "running and paused flags are mutually exclusive");
    return FALSE;
  }
  return TRUE;
}

static gboolean
domain_save (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  const char *path, *xml;
  guint flags;
  g_autofree char *live_xml = NULL;
  g_autofree char *part = NULL;
  gboolean running;

  g_variant_get (args, "(&s&su)", &path, &xml, &flags);
  if (!check_save_flags (flags, error) || !check_active (dom, error))
    return FALSE;
  if (*xml) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "a replacement XML for the save file is not supported");
    return FALSE;
  }
  if (!g_path_is_absolute (path)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "path '%s' is not absolute", path);
    return FALSE;
  }
  running = (flags & QEMU_SAVE_RUNNING) ||
            (!(flags & QEMU_SAVE_PAUSED) && vb_domain_get_state (dom, NULL) == VB_DOMAIN_RUNNING);
  live_xml = vb_domain_def_format (vb_domain_get_live_def (dom), VB_DOMAIN_FORMAT_SECURE);
  part = g_strconcat (path, ".part", NULL);
  if (!save_file_write_header (part, live_xml, running, error))
    return FALSE;
  *handed = TRUE;
  vm_save (domain_vm (dom), path, FALSE, task);
  return TRUE;
}

/* Start ------------------------------------------------------------------------ */

static void
vm_start_done (QemuVm *vm)
{
  VbQemuDriver *self = vm->driver;
  VbDomain *dom = vm->dom;
  g_autoptr(GTask) task = g_steal_pointer (&vm->start_task);
  VbDomainDef *live = g_steal_pointer (&vm->start_live);
  int id = vb_driver_next_domain_id (VB_DRIVER (self));
  gboolean paused = vm->start_paused;
  gboolean restored = vm->restore_path != NULL;

  vm->starting = FALSE;
  live->id = id;
  vb_domain_set_live_def (dom, live);
  vb_domain_set_id (dom, id);
  /* a restore from a Save file leaves a managed image where it is */
  if (!restored || vm->restore_managed)
    vb_domain_set_managed_save (dom, FALSE);
  if (paused)
    vb_domain_set_state (dom, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
  else
    vb_domain_set_state (dom, VB_DOMAIN_RUNNING, restored ? VB_DOMAIN_RUNNING_RESTORED : VB_DOMAIN_RUNNING_BOOTED);
  /* restored once: a managed image is spent; a file of the caller's stays */
  if (restored && vm->restore_managed)
    remove_save_image (self, dom);
  if (vm->start_registers) {
    g_ptr_array_remove (self->unregistered_starts, vm);
    vb_driver_add_domain (VB_DRIVER (self), dom);
  }
  vm_save_status (vm);
  vb_driver_emit_domain_event (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_STARTED,
                               restored ? VB_DOMAIN_EVENT_STARTED_RESTORED : VB_DOMAIN_EVENT_STARTED_BOOTED);
  if (paused)
    vb_driver_emit_domain_event (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_SUSPENDED,
                                 VB_DOMAIN_EVENT_SUSPENDED_PAUSED);
  if (vb_driver_task_get_op (task) == VB_OP_DOMAIN_CREATE_XML)
    vb_driver_task_return_object (task, dom);
  else
    g_task_return_pointer (task, NULL, NULL);
}

/* query-chardev: "pty:/dev/pts/N" for each pty serial, into the live XML */
static void
fill_pty_paths (QemuVm *vm, JsonNode *ret)
{
  JsonArray *arr = JSON_NODE_HOLDS_ARRAY (ret) ? json_node_get_array (ret) : NULL;
  GPtrArray *serials = vm->start_live->serials && vm->start_live->serials->len ? vm->start_live->serials : vm->start_live->consoles;

  for (guint i = 0; arr && i < json_array_get_length (arr); i++) {
    JsonObject *o = json_array_get_object_element (arr, i);
    const char *label = o ? json_object_get_string_member_with_default (o, "label", NULL) : NULL;
    const char *filename = o ? json_object_get_string_member_with_default (o, "filename", NULL) : NULL;
    int port;

    if (label == NULL || filename == NULL || !g_str_has_prefix (label, "charserial") ||
        !g_str_has_prefix (filename, "pty:"))
      continue;
    port = atoi (label + strlen ("charserial"));
    for (guint s = 0; serials && s < serials->len; s++) {
      VbDomainChardevDef *chr = g_ptr_array_index (serials, s);
      int chr_port = chr->target_port >= 0 ? chr->target_port : (int) s;

      if (chr_port == port && g_strcmp0 (chr->source.type, "pty") == 0) {
        g_free (chr->source.path);
        chr->source.path = g_strdup (filename + strlen ("pty:"));
      }
    }
  }
}

/* query-vnc: the port qemu picked for an autoport display */
static void
fill_vnc_port (QemuVm *vm, JsonNode *ret)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;
  const char *service = o ? json_object_get_string_member_with_default (o, "service", NULL) : NULL;

  for (guint i = 0; service && vm->start_live->graphics && i < vm->start_live->graphics->len; i++) {
    VbDomainGraphicsDef *g = g_ptr_array_index (vm->start_live->graphics, i);

    if (g_strcmp0 (g->type, "vnc") == 0 && g->socket == NULL)
      g->port = atoi (service);
  }
}

typedef enum {
  START_STEP_CHARDEV,
  START_STEP_VNC,
  START_STEP_SPICE,
  START_STEP_INCOMING,
  START_STEP_LINK,
  START_STEP_LAST,
} StartStep;

typedef struct {
  QemuVm *vm;
  StartStep step;
} StartCall;

static void restore_migrated (gpointer data, const char *message);

static void
start_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StartCall *call = user_data;
  g_autoptr(QemuVm) vm = call->vm;
  StartStep step = call->step;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  g_free (call);
  if (!vm->starting || vm->exited)
    return;
  if (ret == NULL) {
    if (vm->start_error == NULL)
      vm_fail_start (vm, g_error_new (VB_ERROR, VB_ERROR_FAILED, "cannot start '%s': %s",
                                      vb_domain_get_name (vm->dom), error->message));
    return;
  }
  if (vm->start_error)
    return;
  if (step == START_STEP_CHARDEV)
    fill_pty_paths (vm, ret);
  else if (step == START_STEP_VNC)
    fill_vnc_port (vm, ret);
  else if (step == START_STEP_SPICE)
    vb_qemu_graphics_fill_spice_port (vm->start_live, ret);
  else if (step == START_STEP_INCOMING)
    migrate_wait (vm, restore_migrated);
  else if (step == START_STEP_LAST)
    vm_start_done (vm);
}

static void
start_command (QemuVm *vm, const char *command, JsonNode *args, StartStep step)
{
  StartCall *call = g_new0 (StartCall, 1);

  call->vm = vm_ref (vm);
  call->step = step;
  vb_qemu_monitor_command_async (vm->mon, command, args, NULL, start_reply, call);
}

static void start_link_states (QemuVm *vm);

/* The last step: run, unless asked to stay paused.  cont's answer says
 * the guest runs, so nothing needs asking after it; a paused guest gets
 * a query-status, whose answer says the monitor took every command before
 * it (qemu answers in order). */
static void
start_finish_commands (QemuVm *vm)
{
  start_link_states (vm);
  if (!vm->start_paused)
    start_command (vm, "cont", NULL, START_STEP_LAST);
  else
    start_command (vm, "query-status", NULL, START_STEP_LAST);
}

static void
restore_migrated (gpointer data, const char *message)
{
  QemuVm *vm = data;

  vm->migrate_done = NULL;
  if (!vm->starting || vm->exited)
    return;
  if (message) {
    vm_fail_start (vm, g_error_new (VB_ERROR, VB_ERROR_FAILED, "cannot restore '%s' from %s: %s",
                                    vb_domain_get_name (vm->dom), vm->restore_path, message));
    return;
  }
  start_finish_commands (vm);
}

/* Whether query-chardev has a pty path to tell: the serials
 * fill_pty_paths looks at. */
static gboolean
has_pty_serial (const VbDomainDef *def)
{
  GPtrArray *serials = def->serials && def->serials->len ? def->serials : def->consoles;

  for (guint i = 0; serials && i < serials->len; i++)
    if (g_strcmp0 (((VbDomainChardevDef *) g_ptr_array_index (serials, i))->source.type, "pty") == 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_vnc (const VbDomainDef *def)
{
  for (guint i = 0; def->graphics && i < def->graphics->len; i++)
    if (g_strcmp0 (((VbDomainGraphicsDef *) g_ptr_array_index (def->graphics, i))->type, "vnc") == 0)
      return TRUE;
  return FALSE;
}

/* The display ports of every other guest, running or being started
 * (whose live definition is still the start's). */
static GHashTable *
graphics_ports_in_use (VbQemuDriver *self, VbDomain *except)
{
  GHashTable *ports = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) domains = vb_driver_list_domains (VB_DRIVER (self), 0);

  for (guint i = 0; i < domains->len; i++) {
    VbDomain *other = g_ptr_array_index (domains, i);
    QemuVm *vm = domain_vm (other);

    if (other == except || vm == NULL)
      continue;
    vb_qemu_graphics_add_ports (vm->starting ? vm->start_live : vb_domain_get_live_def (other), ports);
  }
  for (guint i = 0; i < self->unregistered_starts->len; i++) {
    QemuVm *vm = g_ptr_array_index (self->unregistered_starts, i);

    vb_qemu_graphics_add_ports (vm->start_live, ports);
  }
  return ports;
}

static void
child_setup (gpointer user_data)
{
  /* its own session: a ^C to the daemon's terminal must not reach guests */
  setsid ();
}

/* Spawns qemu for @dom with @live (owned) and completes @task when the
 * guest runs (or is paused, as asked) with its monitor answering. */
/* What a start restores instead of booting: a managed save image, or a
 * save file whose stream starts at @offset. */
typedef struct {
  const char *path;
  guint64 offset;
  gboolean managed;
} QemuRestore;

static void
domain_start (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused,
              gboolean registers, const QemuRestore *restore, GTask *task)
{
  g_autoptr(VbDomainDef) owned = live;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *qmp_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".qmp");
  g_autofree char *log_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".log");
  g_autofree char *pid_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".pid");
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) nics = g_ptr_array_new_with_free_func ((GDestroyNotify) nic_free);
  QemuVm *vm;
  int qmp_fd;

  if (strlen (qmp_path) >= sizeof (((struct sockaddr_un *) NULL)->sun_path)) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                             "monitor socket path %s is too long for a unix socket", qmp_path);
    return;
  }
  vb_qemu_assign_aliases (owned);
  vb_qemu_assign_controller_aliases (owned, self->caps);
  if (!fill_firmware (self, owned, &error) || !prepare_nvram (owned, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  {
    g_autoptr(GHashTable) ports = graphics_ports_in_use (self, dom);

    if (!vb_qemu_graphics_prepare (owned, ports, &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  }
  /* devices before the command line: it names their fds */
  if (!plug_interfaces (self, dom, owned, fds, nics, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* a socket left by a qemu that died with us would make bind fail */
  g_unlink (qmp_path);
  /* qemu gets its monitor socket listening already, so that we connect
   * right after the spawn instead of polling for the socket to appear */
  qmp_fd = vb_qemu_monitor_listen (qmp_path, &error);
  argv = qmp_fd < 0 ? NULL
                    : vb_qemu_build_command (owned, self->caps, qmp_fd, pid_path,
                                             (const int *) (void *) fds->data, &error);
  if (argv == NULL) {
    if (qmp_fd >= 0) {
      close (qmp_fd);
      g_unlink (qmp_path);
    }
    for (guint i = 0; i < fds->len; i++)
      if (g_array_index (fds, int, i) >= 0)
        close (g_array_index (fds, int, i));
    for (guint i = 0; i < nics->len; i++)
      nic_release (self, g_ptr_array_index (nics, i));
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (restore) {
    g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

    g_strv_builder_addv (b, (const char **) argv);
    g_strv_builder_add_many (b, "-incoming", "defer", NULL);
    g_strfreev (argv);
    argv = g_strv_builder_end (b);
  }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* each device fd keeps its number in the child, as the command line
   * says; the launcher closes our copies */
  for (guint i = 0; i < fds->len; i++)
    if (g_array_index (fds, int, i) >= 0)
      g_subprocess_launcher_take_fd (launcher, g_array_index (fds, int, i), g_array_index (fds, int, i));
  g_subprocess_launcher_take_fd (launcher, qmp_fd, qmp_fd);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &error);
  g_clear_object (&launcher);
  if (proc == NULL) {
    g_unlink (qmp_path);
    for (guint i = 0; i < nics->len; i++)
      nic_release (self, g_ptr_array_index (nics, i));
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "cannot run %s: %s", argv[0], error->message);
    return;
  }

  vm = vm_new (self, dom);
  vm->proc = g_steal_pointer (&proc);
  vm->pid = atoi (g_subprocess_get_identifier (vm->proc));
  read_proc_stat (vm->pid, NULL, &vm->start_time, NULL);
  vm->qmp_path = g_steal_pointer (&qmp_path);
  vm->log_path = g_steal_pointer (&log_path);
  vm->starting = TRUE;
  vm->start_paused = paused;
  vm->start_registers = registers;
  if (registers)
    g_ptr_array_add (self->unregistered_starts, vm);
  vm->start_live = g_steal_pointer (&owned);
  vm->start_task = g_object_ref (task);
  vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  g_ptr_array_extend_and_steal (vm->nics, g_steal_pointer (&nics));
  vb_domain_set_driver_data (dom, vm, (GDestroyNotify) vm_unref);

  g_subprocess_wait_async (vm->proc, NULL, vm_proc_exited, vm_ref (vm));
  vm_attach_monitor (vm, MONITOR_CONNECT_TIMEOUT_MS);
  if (has_pty_serial (vm->start_live))
    start_command (vm, "query-chardev", NULL, START_STEP_CHARDEV);
  if (has_vnc (vm->start_live))
    start_command (vm, "query-vnc", NULL, START_STEP_VNC);
  if (vb_qemu_graphics_has_spice (vm->start_live))
    start_command (vm, "query-spice", NULL, START_STEP_SPICE);
  if (restore) {
    g_autofree char *quoted = g_shell_quote (restore->path);
    /* tail counts bytes from 1 */
    g_autofree char *uri = restore->offset ? g_strdup_printf ("exec:tail -c +%" G_GUINT64_FORMAT " %s",
                                                              restore->offset + 1, quoted)
                                           : g_strdup_printf ("exec:cat %s", quoted);
    g_autoptr(JsonNode) args = vb_qemu_json_args (g_variant_new_parsed ("{'uri': <%s>}", uri));

    vm->restore_path = g_strdup (restore->path);
    vm->restore_managed = restore->managed;
    start_command (vm, "migrate-incoming", args, START_STEP_INCOMING);
  } else {
    start_finish_commands (vm);
  }
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
  paused = (flags & QEMU_SAVE_PAUSED) || (!(flags & QEMU_SAVE_RUNNING) && !running);
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

/* DomainSaveImageGetXMLDesc: the definition a save file holds. */
static char *
save_image_get_xml (GVariant *args, GError **error)
{
  const char *path;
  guint flags;
  guint64 offset;
  gboolean running;
  g_autofree char *xml = NULL;
  g_autoptr(VbDomainDef) def = NULL;

  g_variant_get (args, "(&su)", &path, &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_XML_SECURE, error) ||
      (xml = save_file_read_header (path, &offset, &running, error)) == NULL ||
      (def = parse_domain (xml, error)) == NULL)
    return NULL;
  return vb_domain_def_format (def, (flags & VB_DOMAIN_XML_SECURE) ? VB_DOMAIN_FORMAT_SECURE : 0);
}

/* DomainSaveImageDefineXML: a new definition of the same domain, and with
 * the running/paused flags the state the restore gives it, written over
 * the header in place (the stream behind it stays where it is). */
static gboolean
save_image_define_xml (GVariant *args, GError **error)
{
  const char *path, *xml;
  guint flags;
  guint64 offset;
  gboolean running;
  g_autofree char *old_xml = NULL;
  g_autoptr(VbDomainDef) old_def = NULL;
  g_autoptr(VbDomainDef) def = NULL;
  g_autofree char *formatted = NULL;
  g_autofree char *header = NULL;
  gsize area;
  int fd;
  gboolean ok;

  g_variant_get (args, "(&s&su)", &path, &xml, &flags);
  if (!vb_check_flags (flags, QEMU_SAVE_RUNNING | QEMU_SAVE_PAUSED, error) || !check_save_flags (flags, error) ||
      (old_xml = save_file_read_header (path, &offset, &running, error)) == NULL ||
      (old_def = parse_domain (old_xml, error)) == NULL || (def = parse_domain (xml, error)) == NULL)
    return FALSE;
  if (!vb_uuid_equal (&def->uuid, &old_def->uuid) || g_strcmp0 (def->name, old_def->name) != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "the save file %s holds domain '%s': its definition cannot become another domain's", path,
                 old_def->name);
    return FALSE;
  }
  formatted = vb_domain_def_format (def, VB_DOMAIN_FORMAT_SECURE);
  area = offset - sizeof (SaveFileHeader);
  if (strlen (formatted) + 1 > area) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "the new definition does not fit in the %" G_GSIZE_FORMAT " bytes the save file has for it", area);
    return FALSE;
  }
  if (flags & QEMU_SAVE_RUNNING)
    running = TRUE;
  else if (flags & QEMU_SAVE_PAUSED)
    running = FALSE;
  header = save_file_header_new (formatted, area, running);
  fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open save file %s: %s", path, g_strerror (errno));
    return FALSE;
  }
  ok = pwrite (fd, header, offset, 0) == (ssize_t) offset;
  if (!ok)
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write save file %s: %s", path, g_strerror (errno));
  close (fd);
  return ok;
}

/* Hot-plug ---------------------------------------------------------------------- */

#define DETACH_WAIT_MS 5000

/* virDomainModificationImpact resolved against the domain's state. */
static gboolean
resolve_affect (VbDomain *dom, guint *flags, GError **error)
{
  if (!vb_check_flags (*flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG, error))
    return FALSE;
  return vb_domain_resolve_affect (dom, flags, error);
}

typedef struct {
  GTask *task;
  QemuVm *vm;
  VbDomainDef *live;    /* live definition with the new device */
  VbDomainDef *config;  /* persistent one with it too, or NULL */
  char *alias;
  char *backend;
  gboolean is_disk;
  gboolean backend_added;
  guint pending;        /* replies outstanding: they may come in any order when the monitor closes */
  GError *error;
  QemuNic *nic;         /* the device plugged for a network/bridge/direct NIC */
  char *fdname;         /* its fd's name in qemu (getfd) */
} Attach;

static void
attach_free (Attach *a)
{
  g_clear_pointer (&a->nic, nic_free);
  g_free (a->fdname);
  g_clear_object (&a->task);
  vm_unref (a->vm);
  g_clear_pointer (&a->live, vb_domain_def_free);
  g_clear_pointer (&a->config, vb_domain_def_free);
  g_free (a->alias);
  g_free (a->backend);
  g_clear_error (&a->error);
  g_free (a);
}

static gboolean
apply_config (VbQemuDriver *self, VbDomain *dom, VbDomainDef **config, GError **error)
{
  if (*config == NULL)
    return TRUE;
  if (!store_definition (self, *config, error))
    return FALSE;
  vb_domain_set_def (dom, g_steal_pointer (config));
  return TRUE;
}

static void attach_finish (Attach *a);

static void
attach_backend_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attach *a = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret)
    a->backend_added = TRUE;
  else if (a->error == NULL)
    a->error = g_steal_pointer (&error);
  if (--a->pending == 0)
    attach_finish (a);
}

static void
attach_device_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attach *a = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret == NULL && a->error == NULL)
    a->error = g_steal_pointer (&error);
  if (--a->pending == 0)
    attach_finish (a);
}

static void
attach_finish (Attach *a)
{
  QemuVm *vm = a->vm;

  if (a->error) {
    /* no half-plugged device: drop the backend again */
    if (a->backend_added && !vm->exited) {
      g_autoptr(JsonNode) args = a->is_disk
        ? vb_qemu_json_args (g_variant_new_parsed ("{'node-name': <%s>}", a->backend))
        : vb_qemu_json_args (g_variant_new_parsed ("{'id': <%s>}", a->backend));
      vb_qemu_monitor_command_async (vm->mon, a->is_disk ? "blockdev-del" : "netdev_del", args, NULL, NULL, NULL);
    }
    if (a->nic) {
      /* qemu may still hold the fd by name when netdev_add failed */
      if (!vm->exited) {
        g_autoptr(JsonNode) args = vb_qemu_json_args (g_variant_new_parsed ("{'fdname': <%s>}", a->fdname));
        vb_qemu_monitor_command_async (vm->mon, "closefd", args, NULL, NULL, NULL);
      }
      nic_release (vm->driver, a->nic);
    }
    g_task_return_new_error (a->task, VB_ERROR, VB_ERROR_FAILED, "cannot attach the device to '%s': %s",
                             vb_domain_get_name (vm->dom), a->error->message);
    attach_free (a);
    return;
  }
  if (!vm->exited) {
    g_autoptr(GError) store_error = NULL;

    vb_domain_set_live_def (vm->dom, g_steal_pointer (&a->live));
    if (a->nic)
      g_ptr_array_add (vm->nics, g_steal_pointer (&a->nic));
    vm_save_status (vm);
    if (!apply_config (vm->driver, vm->dom, &a->config, &store_error))
      g_warning ("domain '%s': device attached live, but not to the config: %s",
                 vb_domain_get_name (vm->dom), store_error->message);
    vb_driver_emit_domain_signal (VB_DRIVER (vm->driver), vm->dom, "DeviceAdded", g_variant_new ("(s)", a->alias));
  } else if (a->nic) {
    /* the guest went while the device was plugged: the run's end
     * released the others already */
    nic_release (vm->driver, a->nic);
  }
  g_task_return_pointer (a->task, NULL, NULL);
  attach_free (a);
}

/* The device just appended to @live (the last disk or interface). */
static VbDomainDeviceInfo *
last_device_info (VbDomainDef *live, VbDomainDeviceKind kind, gpointer *out_dev)
{
  GPtrArray *devs = vb_domain_def_get_devices (live, kind);

  if (devs == NULL || devs->len == 0)
    return NULL;
  *out_dev = g_ptr_array_index (devs, devs->len - 1);
  return kind == VB_DOMAIN_DEVICE_DISK ? &((VbDomainDiskDef *) *out_dev)->info
                                       : &((VbDomainInterfaceDef *) *out_dev)->info;
}

static gboolean
domain_attach (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  const char *xml;
  guint flags;
  g_autoptr(VbDomainDevice) parsed = NULL;
  g_autoptr(VbDomainDef) config = NULL;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(JsonNode) backend_args = NULL;
  g_autoptr(JsonNode) device_args = NULL;
  VbDomainDeviceInfo *info;
  gpointer dev = NULL;
  Attach *a;
  char mac[18];
  int tap_fd = -1;

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!resolve_affect (dom, &flags, error) || (parsed = vb_domain_device_parse (xml, error)) == NULL)
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_attach_device (config, xml, error))
      return FALSE;
  }
  if (!(flags & VB_DOMAIN_AFFECT_LIVE)) {
    return apply_config (self, dom, &config, error);
  }

  if (parsed->kind != VB_DOMAIN_DEVICE_DISK && parsed->kind != VB_DOMAIN_DEVICE_INTERFACE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "live attach of <%s> is not supported",
                 vb_domain_device_kind_to_string (parsed->kind));
    return FALSE;
  }
  live = vb_domain_def_copy (vb_domain_get_live_def (dom));
  if (!vb_domain_def_attach_device (live, xml, error))
    return FALSE;
  info = last_device_info (live, parsed->kind, &dev);
  g_assert (info != NULL);
  a = g_new0 (Attach, 1);
  a->is_disk = parsed->kind == VB_DOMAIN_DEVICE_DISK;
  if (a->is_disk) {
    VbDomainDiskDef *disk = dev;
    const char *fmt = disk->driver_type ? disk->driver_type : "raw";

    if (g_strcmp0 (disk->target_bus, "virtio") != 0 || g_strcmp0 (disk->device, "cdrom") == 0 ||
        (disk->type && !g_str_equal (disk->type, "file")) || disk->source == NULL ||
        (!g_str_equal (fmt, "raw") && !g_str_equal (fmt, "qcow2"))) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "live attach supports file disks (raw, qcow2) on the virtio bus");
      attach_free (a);
      return FALSE;
    }
    if (!g_file_test (disk->source, G_FILE_TEST_EXISTS)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "cannot access storage file '%s': No such file or directory",
                   disk->source);
      attach_free (a);
      return FALSE;
    }
    a->alias = vb_qemu_next_alias (live, vb_qemu_disk_alias_prefix (disk));
    a->backend = g_strdup_printf ("drive-%s", a->alias);
    backend_args = vb_qemu_json_args (g_variant_new_parsed (
      "{'driver': <%s>, 'node-name': <%s>, 'read-only': <%b>, 'file': <{'driver': <'file'>, 'filename': <%s>}>}",
      fmt, a->backend, disk->readonly, disk->source));
    device_args = vb_qemu_json_args (g_variant_new_parsed ("{'driver': <'virtio-blk-pci'>, 'id': <%s>, 'drive': <%s>}",
                                                           a->alias, a->backend));
  } else {
    VbDomainInterfaceDef *iface = dev;
    const char *device = vb_qemu_nic_device (iface->model);
    gboolean tap = vb_qemu_interface_uses_tap (iface);

    if ((g_strcmp0 (iface->type, "user") != 0 && !tap) || device == NULL) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "live attach supports interfaces of type user, network, bridge, direct and ethernet "
                           "(virtio, e1000, e1000e, rtl8139)");
      attach_free (a);
      return FALSE;
    }
    a->alias = vb_qemu_next_alias (live, "net");
    a->backend = g_strdup_printf ("host%s", a->alias);
    vb_mac_format (&iface->mac, mac);
    if (tap) {
      /* the device first, as at start; its fd goes to qemu by name */
      vb_qemu_set_alias (&iface->info, a->alias);
      a->nic = plug_interface (self, dom, iface, &tap_fd, error);
      if (a->nic == NULL) {
        attach_free (a);
        return FALSE;
      }
      iface_show_actual (iface, a->nic);
      a->fdname = g_strdup_printf ("fd-%s", a->alias);
      backend_args = vb_qemu_json_args (g_variant_new_parsed ("{'type': <'tap'>, 'id': <%s>, 'fd': <%s>}",
                                                              a->backend, a->fdname));
    } else {
      backend_args = vb_qemu_json_args (g_variant_new_parsed ("{'type': <'user'>, 'id': <%s>}", a->backend));
    }
    if (vb_qemu_interface_guest_mtu (iface) > 0)
      device_args = vb_qemu_json_args (g_variant_new_parsed (
        "{'driver': <%s>, 'id': <%s>, 'netdev': <%s>, 'mac': <%s>, 'host_mtu': <%u>}", device, a->alias, a->backend,
        mac, vb_qemu_interface_guest_mtu (iface)));
    else
      device_args = vb_qemu_json_args (g_variant_new_parsed ("{'driver': <%s>, 'id': <%s>, 'netdev': <%s>, 'mac': <%s>}",
                                                             device, a->alias, a->backend, mac));
  }
  vb_qemu_set_alias (info, a->alias);
  a->task = g_object_ref (task);
  a->vm = vm_ref (domain_vm (dom));
  a->live = g_steal_pointer (&live);
  a->config = g_steal_pointer (&config);
  a->pending = 2;
  *handed = TRUE;
  if (a->nic) {
    g_autoptr(JsonNode) fd_args = vb_qemu_json_args (g_variant_new_parsed ("{'fdname': <%s>}", a->fdname));

    a->pending++;
    vb_qemu_monitor_command_with_fd_async (a->vm->mon, "getfd", fd_args, tap_fd, NULL, attach_device_reply, a);
  }
  vb_qemu_monitor_command_async (a->vm->mon, a->is_disk ? "blockdev-add" : "netdev_add", backend_args, NULL,
                                 attach_backend_reply, a);
  vb_qemu_monitor_command_async (a->vm->mon, "device_add", device_args, NULL, attach_device_reply, a);
  return TRUE;
}

/* DEVICE_DELETED: the guest let go; now the device leaves the live XML. */
static void
vm_device_deleted (QemuVm *vm, const char *alias)
{
  Detach *d = alias ? g_hash_table_lookup (vm->detaches, alias) : NULL;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) args = NULL;

  if (d == NULL)
    return;
  live = vb_domain_def_copy (vb_domain_get_live_def (vm->dom));
  if (vb_domain_def_detach_device (live, d->xml, &error)) {
    vb_domain_set_live_def (vm->dom, g_steal_pointer (&live));
    vm_save_status (vm);
  } else {
    g_warning ("domain '%s': %s", vb_domain_get_name (vm->dom), error->message);
  }
  args = d->is_disk ? vb_qemu_json_args (g_variant_new_parsed ("{'node-name': <%s>}", d->backend))
                    : vb_qemu_json_args (g_variant_new_parsed ("{'id': <%s>}", d->backend));
  vb_qemu_monitor_command_async (vm->mon, d->is_disk ? "blockdev-del" : "netdev_del", args, NULL, NULL, NULL);
  if (!d->is_disk) {
    vm_release_nic (vm, alias);
    vm_save_status (vm);
  }
  vb_driver_emit_domain_signal (VB_DRIVER (vm->driver), vm->dom, "DeviceRemoved", g_variant_new ("(s)", alias));
  if (d->task)
    g_task_return_pointer (g_steal_pointer (&d->task), NULL, NULL);
  g_hash_table_remove (vm->detaches, alias);
}

static gboolean
detach_timed_out (gpointer user_data)
{
  Detach *d = user_data;

  /* libvirt's answer too: the request stands, the event tells the rest */
  d->timeout_id = 0;
  if (d->task)
    g_task_return_pointer (g_steal_pointer (&d->task), NULL, NULL);
  return G_SOURCE_REMOVE;
}

typedef struct {
  QemuVm *vm;
  char *alias;
} DetachCall;

static void
detach_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DetachCall *call = user_data;
  g_autoptr(QemuVm) vm = call->vm;
  g_autofree char *alias = call->alias;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  Detach *d = vm->detaches ? g_hash_table_lookup (vm->detaches, alias) : NULL;

  g_free (call);
  if (ret != NULL || d == NULL)
    return;
  if (d->task)
    g_task_return_new_error (g_steal_pointer (&d->task), VB_ERROR, VB_ERROR_FAILED,
                             "cannot detach '%s' from '%s': %s", alias, vb_domain_get_name (vm->dom), error->message);
  g_hash_table_remove (vm->detaches, alias);
}

static gboolean
domain_detach (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  const char *xml;
  guint flags;
  g_autoptr(VbDomainDevice) parsed = NULL;
  g_autoptr(VbDomainDef) config = NULL;
  const VbDomainDef *live;
  GPtrArray *devs;
  g_autofree char *alias = NULL;
  QemuVm *vm;
  Detach *d;
  DetachCall *call;
  g_autoptr(JsonNode) dargs = NULL;

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!resolve_affect (dom, &flags, error) || (parsed = vb_domain_device_parse (xml, error)) == NULL)
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_detach_device (config, xml, error))
      return FALSE;
  }
  if (!(flags & VB_DOMAIN_AFFECT_LIVE))
    return apply_config (self, dom, &config, error);

  if (parsed->kind != VB_DOMAIN_DEVICE_DISK && parsed->kind != VB_DOMAIN_DEVICE_INTERFACE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "live detach of <%s> is not supported",
                 vb_domain_device_kind_to_string (parsed->kind));
    return FALSE;
  }
  live = vb_domain_get_live_def (dom);
  devs = vb_domain_def_get_devices (live, parsed->kind);
  for (guint i = 0; devs && i < devs->len && alias == NULL; i++) {
    if (parsed->kind == VB_DOMAIN_DEVICE_DISK) {
      VbDomainDiskDef *disk = g_ptr_array_index (devs, i);
      if (g_strcmp0 (disk->target_dev, ((VbDomainDiskDef *) parsed->data)->target_dev) == 0)
        alias = vb_qemu_device_alias (&disk->info);
    } else {
      VbDomainInterfaceDef *iface = g_ptr_array_index (devs, i);
      if (memcmp (&iface->mac, &((VbDomainInterfaceDef *) parsed->data)->mac, sizeof iface->mac) == 0)
        alias = vb_qemu_device_alias (&iface->info);
    }
  }
  if (alias == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no matching device found in the running domain");
    return FALSE;
  }
  vm = domain_vm (dom);
  if (g_hash_table_contains (vm->detaches, alias)) {
    g_set_error (error, VB_ERROR, VB_ERROR_BUSY, "removal of '%s' is already in progress", alias);
    return FALSE;
  }
  /* the config part is done at once: the live part may wait on the guest */
  if (!apply_config (self, dom, &config, error))
    return FALSE;
  d = g_new0 (Detach, 1);
  d->task = g_object_ref (task);
  d->xml = g_strdup (xml);
  d->is_disk = parsed->kind == VB_DOMAIN_DEVICE_DISK;
  d->backend = g_strdup_printf ("%s%s", d->is_disk ? "drive-" : "host", alias);
  d->timeout_id = g_timeout_add (DETACH_WAIT_MS, detach_timed_out, d);
  g_hash_table_insert (vm->detaches, g_strdup (alias), d);
  call = g_new0 (DetachCall, 1);
  call->vm = vm_ref (vm);
  call->alias = g_strdup (alias);
  dargs = vb_qemu_json_args (g_variant_new_parsed ("{'id': <%s>}", alias));
  *handed = TRUE;
  vb_qemu_monitor_command_async (vm->mon, "device_del", dargs, NULL, detach_reply, call);
  return TRUE;
}

/* Tuning -------------------------------------------------------------------------- */

typedef struct {
  GTask *task;
  QemuVm *vm;
  guint64 kib;
} BalloonCall;

static void
balloon_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BalloonCall *call = user_data;
  QemuVm *vm = call->vm;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret == NULL) {
    g_task_return_new_error (call->task, VB_ERROR, VB_ERROR_FAILED, "cannot set the memory of '%s': %s",
                             vb_domain_get_name (vm->dom), error->message);
  } else {
    if (!vm->exited) {
      VbDomainDef *live = vb_domain_def_copy (vb_domain_get_live_def (vm->dom));

      live->current_memory_kib = call->kib;
      vb_domain_set_live_def (vm->dom, live);
      vm_save_status (vm);
    }
    g_task_return_pointer (call->task, NULL, NULL);
  }
  g_object_unref (call->task);
  vm_unref (call->vm);
  g_free (call);
}

static gboolean
domain_set_memory (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                   GError **error)
{
  guint64 kib;
  guint flags;
  g_autoptr(VbDomainDef) config = NULL;
  BalloonCall *call;
  g_autoptr(JsonNode) bargs = NULL;
  const VbDomainDef *live;

  g_variant_get (args, "(tu)", &kib, &flags);
  if (kib == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "memory size must be greater than zero");
    return FALSE;
  }
  {
    guint affect = flags & ~(guint) VB_DOMAIN_MEM_MAXIMUM;

    if (!resolve_affect (dom, &affect, error))
      return FALSE;
    flags = affect | (flags & VB_DOMAIN_MEM_MAXIMUM);
  }
  if ((flags & VB_DOMAIN_MEM_MAXIMUM) && (flags & VB_DOMAIN_AFFECT_LIVE)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE, "cannot resize the maximum memory on an active domain");
    return FALSE;
  }
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (flags & VB_DOMAIN_MEM_MAXIMUM) {
      config->memory_kib = kib;
      if (def_current_memory (config) > kib)
        config->current_memory_kib = kib;
    } else if (kib > config->memory_kib) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot set memory higher than max memory");
      return FALSE;
    } else {
      config->current_memory_kib = kib;
    }
  }
  if (flags & VB_DOMAIN_AFFECT_LIVE) {
    live = vb_domain_get_live_def (dom);
    if (kib > live->memory_kib) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot set memory higher than max memory");
      return FALSE;
    }
    if (live->memballoon == NULL || g_strcmp0 (live->memballoon->model, "virtio") != 0) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "the running domain has no memory balloon to change its memory with");
      return FALSE;
    }
  }
  if (!apply_config (self, dom, &config, error))
    return FALSE;
  if (!(flags & VB_DOMAIN_AFFECT_LIVE))
    return TRUE;
  call = g_new0 (BalloonCall, 1);
  call->task = g_object_ref (task);
  call->vm = vm_ref (domain_vm (dom));
  call->kib = kib;
  bargs = vb_qemu_json_args (g_variant_new_parsed ("{'value': <%t>}", kib * 1024));
  *handed = TRUE;
  vb_qemu_monitor_command_async (call->vm->mon, "balloon", bargs, NULL, balloon_reply, call);
  return TRUE;
}

/* vCPUs --------------------------------------------------------------------------- */

/* Hot-plugged vCPUs are devices of ours, "vcpu<N>" after the vCPU they are
 * (libvirt's names); qemu files them under this path.  The vCPUs of the
 * command line sit elsewhere and cannot be unplugged. */
#define VCPU_ALIAS_PREFIX "vcpu"
#define PERIPHERAL_PATH "/machine/peripheral/"

/* One entry of query-hotpluggable-cpus. */
typedef struct {
  JsonObject *props;   /* socket-id, die-id, core-id, thread-id: device_add takes them as they are */
  const char *type;
  const char *qom_path; /* NULL while the slot is empty */
  gint64 vcpus_count;
} CpuSlot;

static gint64
slot_prop (const CpuSlot *slot, const char *name)
{
  return json_object_get_int_member_with_default (slot->props, name, 0);
}

/* vCPU order, as qemu numbers them (cpu-index) and libvirt counts them. */
static int
slot_compare (gconstpointer a, gconstpointer b)
{
  const CpuSlot *x = a, *y = b;
  const char *const ids[] = { "socket-id", "die-id", "cluster-id", "core-id", "thread-id" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++) {
    gint64 dx = slot_prop (x, ids[i]), dy = slot_prop (y, ids[i]);

    if (dx != dy)
      return dx < dy ? -1 : 1;
  }
  return 0;
}

/* The answer of query-hotpluggable-cpus in vCPU order; the slots borrow
 * from @ret. */
static GArray *
cpu_slots (JsonNode *ret, GError **error)
{
  JsonArray *arr = ret && JSON_NODE_HOLDS_ARRAY (ret) ? json_node_get_array (ret) : NULL;
  g_autoptr(GArray) slots = g_array_new (FALSE, TRUE, sizeof (CpuSlot));

  for (guint i = 0; arr && i < json_array_get_length (arr); i++) {
    JsonObject *o = json_array_get_object_element (arr, i);
    CpuSlot slot = { 0 };

    if (o == NULL || !json_object_has_member (o, "props"))
      continue;
    slot.props = json_object_get_object_member (o, "props");
    slot.type = json_object_get_string_member_with_default (o, "type", NULL);
    slot.qom_path = json_object_get_string_member_with_default (o, "qom-path", NULL);
    slot.vcpus_count = json_object_get_int_member_with_default (o, "vcpus-count", 1);
    if (slot.props == NULL || slot.type == NULL)
      continue;
    /* some machines plug whole cores or sockets; x86 plugs threads */
    if (slot.vcpus_count != 1) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "this machine plugs vCPUs in groups of %" G_GINT64_FORMAT ", which is not supported",
                   slot.vcpus_count);
      return NULL;
    }
    g_array_append_val (slots, slot);
  }
  if (slots->len == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "QEMU lists no hot-pluggable vCPUs for this machine and CPU model");
    return NULL;
  }
  g_array_sort (slots, slot_compare);
  return g_steal_pointer (&slots);
}

static guint
slots_plugged (GArray *slots)
{
  guint n = 0;

  for (guint i = 0; i < slots->len; i++)
    if (g_array_index (slots, CpuSlot, i).qom_path)
      n++;
  return n;
}

/* The alias of a vCPU we hot-plugged, from its QOM path; NULL for the
 * vCPUs of the command line. */
static const char *
slot_alias (const CpuSlot *slot)
{
  const char *alias;

  if (slot->qom_path == NULL || !g_str_has_prefix (slot->qom_path, PERIPHERAL_PATH))
    return NULL;
  alias = slot->qom_path + strlen (PERIPHERAL_PATH);
  return g_str_has_prefix (alias, VCPU_ALIAS_PREFIX) ? alias : NULL;
}

/* A live change of the vCPU count: what qemu has, the device_add or
 * device_del commands, the guest's DEVICE_DELETED for each unplug, and at
 * the end a look at what qemu really has, which the live XML then says
 * whatever happened.  Also used with no task, to take in an unplug the
 * guest completed after the call gave up waiting. */
typedef struct _VcpuJob {
  GTask *task;
  QemuVm *vm;
  guint target;
  VbDomainDef *config;  /* to store once the live part succeeded, or NULL */
  GPtrArray *unplugging; /* aliases sent device_del, DEVICE_DELETED awaited */
  guint pending;        /* device_add/device_del replies outstanding */
  GError *error;        /* the first refusal from qemu */
  guint timeout_id;
  gboolean timed_out;
  gboolean checking;    /* the final query-hotpluggable-cpus is sent */
} VcpuJob;

static void
vcpu_job_free (VcpuJob *job)
{
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  if (job->vm->vcpu_unplug == job)
    job->vm->vcpu_unplug = NULL;
  g_clear_object (&job->task);
  vm_unref (job->vm);
  g_clear_pointer (&job->config, vb_domain_def_free);
  g_ptr_array_unref (job->unplugging);
  g_clear_error (&job->error);
  g_free (job);
}

static VcpuJob *
vcpu_job_new (QemuVm *vm, GTask *task, guint target)
{
  VcpuJob *job = g_new0 (VcpuJob, 1);

  job->vm = vm_ref (vm);
  job->task = task ? g_object_ref (task) : NULL;
  job->target = target;
  job->unplugging = g_ptr_array_new_with_free_func (g_free);
  return job;
}

static void
vcpu_job_fail (VcpuJob *job, GError *error)
{
  if (job->error == NULL)
    job->error = error;
  else
    g_error_free (error);
}

/* The live XML takes the count qemu has. */
static void
vm_set_live_vcpus (QemuVm *vm, guint count)
{
  VbDomainDef *live;

  if (vm->exited || def_current_vcpus (vb_domain_get_live_def (vm->dom)) == count)
    return;
  live = vb_domain_def_copy (vb_domain_get_live_def (vm->dom));
  live->current_vcpus = count;
  vb_domain_set_live_def (vm->dom, live);
  vm_save_status (vm);
}

static void
vcpu_check_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VcpuJob *job = user_data;
  QemuVm *vm = job->vm;
  const char *name = vb_domain_get_name (vm->dom);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  g_autoptr(GArray) slots = ret ? cpu_slots (ret, &error) : NULL;
  guint count = slots ? slots_plugged (slots) : 0;

  if (slots)
    vm_set_live_vcpus (vm, count);
  if (job->task == NULL) {
    vcpu_job_free (job);
    return;
  }
  if (vm->exited) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "domain '%s' stopped while its vCPUs were changed", name);
  } else if (slots == NULL) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "cannot tell the vCPUs '%s' has after the change: %s", name, error->message);
  } else if (job->error) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "cannot change the vCPUs of '%s' to %u: %s; it has %u now", name, job->target,
                             job->error->message, count);
  } else if (count != job->target && job->timed_out) {
    g_autofree char *aliases = NULL;

    g_ptr_array_add (job->unplugging, NULL);
    aliases = g_strjoinv (", ", (char **) job->unplugging->pdata);
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "the guest of '%s' did not release %s within %u s (the unplug request "
                             "stands); it has %u vCPUs now", name, aliases, DETACH_WAIT_MS / 1000, count);
  } else if (count != job->target) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "'%s' has %u vCPUs instead of the %u asked for", name, count, job->target);
  } else {
    g_autoptr(GError) store_error = NULL;

    if (!apply_config (vm->driver, vm->dom, &job->config, &store_error))
      g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                               "'%s' has %u vCPUs now, but the config could not be changed: %s", name, count,
                               store_error->message);
    else
      g_task_return_pointer (job->task, NULL, NULL);
  }
  vcpu_job_free (job);
}

/* Every command answered and every unplug seen (or given up on): ask qemu
 * what it has now. */
static void
vcpu_job_check (VcpuJob *job)
{
  if (job->checking || job->pending > 0 || (job->unplugging->len > 0 && !job->timed_out))
    return;
  job->checking = TRUE;
  if (job->vm->vcpu_unplug == job)
    job->vm->vcpu_unplug = NULL;
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  vb_qemu_monitor_command_async (job->vm->mon, "query-hotpluggable-cpus", NULL, NULL, vcpu_check_reply, job);
}

static gboolean
vcpu_unplug_timed_out (gpointer user_data)
{
  VcpuJob *job = user_data;

  job->timeout_id = 0;
  job->timed_out = TRUE;
  vcpu_job_check (job);
  return G_SOURCE_REMOVE;
}

typedef struct {
  VcpuJob *job;
  char *alias;
  gboolean unplug;
} VcpuCall;

static void
vcpu_command_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VcpuCall *call = user_data;
  VcpuJob *job = call->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret == NULL) {
    /* refused: no DEVICE_DELETED will come for it */
    if (call->unplug)
      g_ptr_array_remove (job->unplugging, call->alias);
    g_prefix_error (&error, "%s %s: ", call->unplug ? "unplug of" : "plug of", call->alias);
    vcpu_job_fail (job, g_steal_pointer (&error));
  }
  g_free (call->alias);
  g_free (call);
  job->pending--;
  vcpu_job_check (job);
}

static void
vcpu_send (VcpuJob *job, const char *command, JsonNode *args, const char *alias, gboolean unplug)
{
  VcpuCall *call = g_new0 (VcpuCall, 1);

  call->job = job;
  call->alias = g_strdup (alias);
  call->unplug = unplug;
  job->pending++;
  vb_qemu_monitor_command_async (job->vm->mon, command, args, NULL, vcpu_command_reply, call);
}

static void
vcpu_plug (VcpuJob *job, GArray *slots, guint count)
{
  for (guint i = 0; i < slots->len && count > 0; i++) {
    CpuSlot *slot = &g_array_index (slots, CpuSlot, i);
    g_autofree char *alias = NULL;
    JsonObject *o;
    g_autoptr(JsonNode) args = NULL;
    GList *members;

    if (slot->qom_path)
      continue;
    alias = g_strdup_printf (VCPU_ALIAS_PREFIX "%u", i);
    o = json_object_new ();
    json_object_set_string_member (o, "driver", slot->type);
    json_object_set_string_member (o, "id", alias);
    members = json_object_get_members (slot->props);
    for (GList *l = members; l; l = l->next)
      json_object_set_member (o, l->data, json_node_copy (json_object_get_member (slot->props, l->data)));
    g_list_free (members);
    args = json_node_init_object (json_node_alloc (), o);
    json_object_unref (o);
    /* one at a time in vCPU order: qemu answers in order */
    vcpu_send (job, "device_add", args, alias, FALSE);
    count--;
  }
}

/* The highest hot-plugged vCPUs go first, as in libvirt. */
static gboolean
vcpu_unplug (VcpuJob *job, GArray *slots, guint count, GError **error)
{
  g_autoptr(GPtrArray) aliases = g_ptr_array_new ();
  guint booted = 0;

  for (guint i = 0; i < slots->len; i++) {
    CpuSlot *slot = &g_array_index (slots, CpuSlot, i);

    if (slot->qom_path && slot_alias (slot) == NULL)
      booted++;
  }
  if (slots_plugged (slots) - count < booted) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "'%s' cannot run with fewer than the %u vCPUs it started with: only hot-plugged vCPUs "
                 "can be unplugged", vb_domain_get_name (job->vm->dom), booted);
    return FALSE;
  }
  for (guint i = slots->len; i > 0 && aliases->len < count; i--) {
    const char *alias = slot_alias (&g_array_index (slots, CpuSlot, i - 1));

    if (alias)
      g_ptr_array_add (aliases, (gpointer) alias);
  }
  for (guint i = 0; i < aliases->len; i++) {
    const char *alias = g_ptr_array_index (aliases, i);
    g_autoptr(JsonNode) args = vb_qemu_json_args (g_variant_new_parsed ("{'id': <%s>}", alias));

    g_ptr_array_add (job->unplugging, g_strdup (alias));
    vcpu_send (job, "device_del", args, alias, TRUE);
  }
  job->vm->vcpu_unplug = job;
  /* the same wait as for any device: the guest has to let go */
  job->timeout_id = g_timeout_add (DETACH_WAIT_MS, vcpu_unplug_timed_out, job);
  return TRUE;
}

static void
vcpu_plan_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VcpuJob *job = user_data;
  QemuVm *vm = job->vm;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  g_autoptr(GArray) slots = NULL;
  guint current;

  if (ret == NULL) {
    /* e.g. "The feature 'query-hotpluggable-cpus' is not enabled" */
    if (vm->exited)
      g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                               vb_domain_get_name (vm->dom));
    else
      g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "vCPU hot-plug is not supported by the machine of '%s': %s",
                               vb_domain_get_name (vm->dom), error->message);
    vcpu_job_free (job);
    return;
  }
  slots = cpu_slots (ret, &error);
  if (slots == NULL) {
    g_task_return_new_error (job->task, VB_ERROR, error->code, "cannot change the vCPUs of '%s' while it runs: %s",
                             vb_domain_get_name (vm->dom), error->message);
    vcpu_job_free (job);
    return;
  }
  current = slots_plugged (slots);
  if (job->target > slots->len) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_INVALID_ARG,
                             "requested cpu amount exceeds the %u vCPU slots of '%s'", slots->len,
                             vb_domain_get_name (vm->dom));
    vcpu_job_free (job);
    return;
  }
  /* Seen with qemu 7.2 under TCG (raw QMP, no daemon involved): the
   * first device_add of a CPU after any CPU was ejected kills qemu with
   * SIGSEGV.  Refusing keeps the guest alive; a fresh start clears it. */
  if (job->target > current && vm->vcpu_removed &&
      g_strcmp0 (vb_domain_get_live_def (vm->dom)->virt_type, "qemu") == 0) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "cannot add vCPUs to '%s' after one was removed while it runs: qemu under TCG "
                             "crashes on it; shut the domain down and start it again first",
                             vb_domain_get_name (vm->dom));
    vcpu_job_free (job);
    return;
  }
  if (job->target > current) {
    vcpu_plug (job, slots, job->target - current);
  } else if (job->target < current && !vcpu_unplug (job, slots, current - job->target, &error)) {
    vm_set_live_vcpus (vm, current);
    g_task_return_error (job->task, g_steal_pointer (&error));
    vcpu_job_free (job);
    return;
  }
  vcpu_job_check (job);
}

/* The live XML takes the vCPU count qemu has, once it answers. */
static void
vm_refresh_vcpus (QemuVm *vm)
{
  VcpuJob *job = vcpu_job_new (vm, NULL, 0);

  job->checking = TRUE;
  vb_qemu_monitor_command_async (vm->mon, "query-hotpluggable-cpus", NULL, NULL, vcpu_check_reply, job);
}

/* DEVICE_DELETED of a vCPU.  QEMU 7.2 reports only the CPU's lapic for a
 * vCPU the guest ejected ("/machine/peripheral/vcpu3/lapic"), newer ones
 * the CPU itself: either says the vCPU went. */
static void
vm_vcpu_deleted (QemuVm *vm, JsonObject *data)
{
  const char *device = data ? json_object_get_string_member_with_default (data, "device", NULL) : NULL;
  const char *path = data ? json_object_get_string_member_with_default (data, "path", NULL) : NULL;
  g_autofree char *alias = NULL;
  VcpuJob *job = vm->vcpu_unplug;

  if (device && g_str_has_prefix (device, VCPU_ALIAS_PREFIX)) {
    alias = g_strdup (device);
  } else if (path && g_str_has_prefix (path, PERIPHERAL_PATH VCPU_ALIAS_PREFIX)) {
    const char *start = path + strlen (PERIPHERAL_PATH);
    const char *slash = strchr (start, '/');

    alias = slash ? g_strndup (start, slash - start) : g_strdup (start);
  } else {
    return;
  }
  if (!vm->vcpu_removed) {
    vm->vcpu_removed = TRUE;
    vm_save_status (vm);
  }
  if (job && g_ptr_array_remove (job->unplugging, alias)) {
    vcpu_job_check (job);
    return;
  }
  /* an unplug the call stopped waiting for, done now: the live XML follows */
  vm_refresh_vcpus (vm);
}

/* libvirt's virDomainSetVcpusFlags.  Live: device_add/device_del of
 * hot-pluggable vCPUs; with the config too, the config changes once the
 * live part succeeded. */
static gboolean
domain_set_vcpus (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                  GError **error)
{
  guint count, flags, affect;
  g_autoptr(VbDomainDef) config = NULL;
  VcpuJob *job;

  g_variant_get (args, "(uu)", &count, &flags);
  if (flags & VB_DOMAIN_VCPU_GUEST) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "changing the vCPUs the guest uses needs the guest agent, which is not supported");
    return FALSE;
  }
  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM, error))
    return FALSE;
  if (count == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "vCPU count must be at least 1");
    return FALSE;
  }
  affect = flags & (VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG);
  if (!resolve_affect (dom, &affect, error))
    return FALSE;
  if ((affect & VB_DOMAIN_AFFECT_LIVE) && (flags & VB_DOMAIN_VCPU_MAXIMUM)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "maximum vcpu count of a live domain can't be modified");
    return FALSE;
  }
  if (affect & VB_DOMAIN_AFFECT_LIVE) {
    const VbDomainDef *live = vb_domain_get_live_def (dom);

    if (count > live->vcpus) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "requested cpu amount exceeds maximum (%u > %u)",
                   count, live->vcpus);
      return FALSE;
    }
  }
  if (affect & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (flags & VB_DOMAIN_VCPU_MAXIMUM) {
      config->vcpus = count;
      if (def_current_vcpus (config) > count)
        config->current_vcpus = count;
    } else if (count > config->vcpus) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "requested cpu amount exceeds maximum (%u > %u)",
                   count, config->vcpus);
      return FALSE;
    } else {
      config->current_vcpus = count;
    }
    if (config->cpu && config->cpu->topology_set &&
        config->cpu->sockets * MAX (config->cpu->dies, 1) * MAX (config->cpu->clusters, 1) *
          config->cpu->cores * config->cpu->threads != config->vcpus) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                           "the new maximum does not match the CPU topology");
      return FALSE;
    }
  }
  if (!(affect & VB_DOMAIN_AFFECT_LIVE))
    return apply_config (self, dom, &config, error);

  job = vcpu_job_new (domain_vm (dom), task, count);
  job->config = g_steal_pointer (&config);
  *handed = TRUE;
  vb_qemu_monitor_command_async (job->vm->mon, "query-hotpluggable-cpus", NULL, NULL, vcpu_plan_reply, job);
  return TRUE;
}

static gboolean
domain_set_metadata (VbQemuDriver *self, VbDomain *dom, GVariant *args, GError **error)
{
  VbDefineConfig config;

  return vb_define_domain_set_metadata (VB_DRIVER (self), define_config (self, &config), dom, args, error);
}

static char *
own_nvram_path (VbQemuDriver *self, const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s_VARS.fd", name);

  return g_build_filename (self->nvram_dir, file, NULL);
}

/* A variable store we named after the domain follows it to its new name,
 * or the next define of the old name would inherit the guest's boot
 * entries and keys.  One the user placed elsewhere stays where it is. */
static gboolean
rename_own_nvram (VbQemuDriver *self, const VbDomainDef *old_def, VbDomainDef *new_def, gboolean *out_moved,
                  GError **error)
{
  g_autofree char *current = nvram_file (old_def);
  g_autofree char *ours = own_nvram_path (self, old_def->name);
  g_autofree char *renamed = NULL;

  *out_moved = FALSE;
  if (current == NULL || !g_str_equal (current, ours))
    return TRUE;
  renamed = own_nvram_path (self, new_def->name);
  if (g_file_test (renamed, G_FILE_TEST_EXISTS)) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS,
                 "cannot rename domain '%s' to '%s': the NVRAM file %s already exists", old_def->name,
                 new_def->name, renamed);
    return FALSE;
  }
  if (g_file_test (current, G_FILE_TEST_EXISTS)) {
    if (g_rename (current, renamed) < 0) {
      int saved = errno;

      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot rename NVRAM file %s to %s: %s", current, renamed,
                   g_strerror (saved));
      return FALSE;
    }
    *out_moved = TRUE;
  }
  xmlNodeSetContent (vb_qemu_firmware_nvram (new_def), BAD_CAST renamed);
  return TRUE;
}

static void
undo_nvram_rename (VbQemuDriver *self, const char *old_name, const char *new_name)
{
  g_autofree char *from = own_nvram_path (self, new_name);
  g_autofree char *to = own_nvram_path (self, old_name);

  if (g_rename (from, to) < 0)
    g_warning ("cannot move NVRAM file %s back to %s: %s", from, to, g_strerror (errno));
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

/* Re-attach -------------------------------------------------------------------- */

static void
reattach_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, NULL);
  JsonObject *o = ret && JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;

  if (o == NULL || vm->exited)
    return;
  /* what happened while no daemon was listening */
  if (json_object_get_boolean_member_with_default (o, "running", FALSE))
    vm_set_running (vm, VB_DOMAIN_RUNNING_UNPAUSED);
  else if (g_strcmp0 (json_object_get_string_member_with_default (o, "status", ""), "paused") == 0)
    vm_set_paused (vm, VB_DOMAIN_PAUSED_UNKNOWN);
  else if (g_strcmp0 (json_object_get_string_member_with_default (o, "status", ""), "suspended") == 0 &&
           vb_domain_get_state (vm->dom, NULL) != VB_DOMAIN_PMSUSPENDED)
    vm_set_pmsuspended (vm, FALSE);
}

static void
reattach_one (VbQemuDriver *self, const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = vb_config_store_load_status (self->store, key, &error);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *xml = NULL;
  g_autofree char *qmp = NULL;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(VbDomain) dom = NULL;
  g_autoptr(GPtrArray) nics = NULL;
  VbUuid uuid;
  QemuVm *vm;
  GPid pid;
  guint64 start_time;
  int id, state, reason;

  if (data == NULL || !g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, &error)) {
    g_warning ("QEMU driver: unreadable status %s: %s", key, error ? error->message : "");
    vb_config_store_delete_status (self->store, key, NULL);
    return;
  }
  pid = (GPid) g_key_file_get_int64 (kf, STATUS_GROUP, "pid", NULL);
  start_time = g_key_file_get_uint64 (kf, STATUS_GROUP, "start-time", NULL);
  qmp = g_key_file_get_string (kf, STATUS_GROUP, "qmp", NULL);
  xml = g_key_file_get_string (kf, STATUS_GROUP, "xml", NULL);
  id = g_key_file_get_integer (kf, STATUS_GROUP, "id", NULL);
  state = g_key_file_get_integer (kf, STATUS_GROUP, "state", NULL);
  reason = g_key_file_get_integer (kf, STATUS_GROUP, "reason", NULL);
  live = xml ? vb_domain_def_parse (xml, VB_DOMAIN_PARSE_LIVE, &error) : NULL;

  nics = nics_load (kf);
  if (process_gone (pid, start_time) || qmp == NULL || live == NULL || !vb_uuid_parse (key, &uuid, NULL)) {
    /* died while no daemon watched: nobody to tell but the log.  Its
     * macvtaps outlive it; the recount after re-attach leaves its
     * ports uncharged. */
    g_message ("QEMU driver: domain %s (pid %d) is no longer running", key, pid);
    for (guint i = 0; self->net && i < nics->len; i++) {
      QemuNic *nic = g_ptr_array_index (nics, i);

      if (!nic->borrowed)
        vb_network_driver_unplug (self->net, nic->ifname);
    }
    vb_config_store_delete_status (self->store, key, NULL);
    if (qmp)
      g_unlink (qmp);
    {
      g_autofree char *pid_path = vb_config_store_run_path (self->store, key, ".pid");

      g_unlink (pid_path);
    }
    return;
  }

  dom = vb_driver_lookup_domain_by_uuid (VB_DRIVER (self), &uuid);
  if (dom) {
    g_object_ref (dom);
  } else {
    dom = vb_domain_new (vb_domain_def_copy (live), FALSE);
    vb_driver_add_domain (VB_DRIVER (self), dom);
  }
  /* ids only count up: the next start gets one above every re-attached id */
  while (vb_driver_next_domain_id (VB_DRIVER (self)) < id)
    ;
  live->id = id;
  vb_domain_set_live_def (dom, g_steal_pointer (&live));
  vb_domain_set_id (dom, id);
  vb_domain_set_state (dom, state, reason);

  vm = vm_new (self, dom);
  vm->pid = pid;
  vm->start_time = start_time;
  vm->qmp_path = g_steal_pointer (&qmp);
  vm->log_path = g_key_file_get_string (kf, STATUS_GROUP, "log", NULL);
  vm->shutdown_seen = g_key_file_get_boolean (kf, STATUS_GROUP, "shutdown-seen", NULL);
  vm->vcpu_removed = g_key_file_get_boolean (kf, STATUS_GROUP, "vcpu-removed", NULL);
  vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  g_ptr_array_extend_and_steal (vm->nics, g_steal_pointer (&nics));
  vb_domain_set_driver_data (dom, vm, (GDestroyNotify) vm_unref);
  vm_attach_monitor (vm, REATTACH_CONNECT_TIMEOUT_MS);
  vb_qemu_monitor_command_async (vm->mon, "query-status", NULL, NULL, reattach_status, vm_ref (vm));
  /* a guest may have let a vCPU go while no daemon was listening */
  vm_refresh_vcpus (vm);
}

/* Domain operations ------------------------------------------------------------- */

typedef struct {
  GTask *task;
  QemuVm *vm;
  VbOp op;
} OpCall;

static void
op_call_free (OpCall *call)
{
  g_object_unref (call->task);
  vm_unref (call->vm);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpCall, op_call_free)

static void
op_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OpCall) call = user_data;
  QemuVm *vm = call->vm;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  if (ret == NULL) {
    g_task_return_new_error (call->task, VB_ERROR, VB_ERROR_FAILED, "%s of '%s' failed: %s",
                             vb_op_get_info (call->op)->name, vb_domain_get_name (vm->dom), error->message);
    return;
  }
  /* The event may come before or after the reply: whichever is first
   * changes the state, and only once. */
  if (call->op == VB_OP_DOMAIN_SUSPEND)
    vm_set_paused (vm, VB_DOMAIN_PAUSED_USER);
  else if (call->op == VB_OP_DOMAIN_RESUME)
    vm_set_running (vm, VB_DOMAIN_RUNNING_UNPAUSED);

  if (call->op == VB_OP_DOMAIN_MEMORY_STATS) {
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;
    GVariantBuilder b;
    g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", vm->pid);
    g_autofree char *status = NULL;

    g_variant_builder_init (&b, G_VARIANT_TYPE ("a{it}"));
    if (o && json_object_has_member (o, "actual"))
      g_variant_builder_add (&b, "{it}", QEMU_MEM_ACTUAL_BALLOON,
                             (guint64) json_object_get_int_member (o, "actual") / 1024);
    if (g_file_get_contents (status_path, &status, NULL, NULL)) {
      const char *rss = strstr (status, "VmRSS:");
      if (rss)
        g_variant_builder_add (&b, "{it}", QEMU_MEM_RSS, g_ascii_strtoull (rss + 6, NULL, 10));
    }
    return_variant (call->task, g_variant_builder_end (&b));
    return;
  }
  g_task_return_pointer (call->task, NULL, NULL);
}

static void
vm_command (QemuVm *vm, VbOp op, const char *command, GTask *task)
{
  OpCall *call = g_new0 (OpCall, 1);

  call->task = g_object_ref (task);
  call->vm = vm_ref (vm);
  call->op = op;
  vb_qemu_monitor_command_async (vm->mon, command, NULL, NULL, op_reply, call);
}

static void
domain_destroy (VbQemuDriver *self, VbDomain *dom, guint flags, GTask *task)
{
  /* a re-attached process found already gone ends the run right here */
  g_autoptr(QemuVm) vm = vm_ref (domain_vm (dom));

  g_ptr_array_add (vm->stop_waiters, g_object_ref (task));
  vm->destroying = TRUE;
  vm_kill (vm, SIGTERM);
  if (!(flags & QEMU_DESTROY_GRACEFUL) && vm->kill_timer == 0 && !vm->exited)
    vm->kill_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, DESTROY_KILL_TIMEOUT_MS, vm_kill_timeout,
                                         vm_ref (vm), (GDestroyNotify) vm_unref);
}

static guint64
ticks_to_ns (guint64 ticks)
{
  return ticks * (G_USEC_PER_SEC * 1000 / (guint64) sysconf (_SC_CLK_TCK));
}

/* vcpu.<n>.state and vcpu.<n>.time of every vCPU qemu runs.  Its threads
 * are named "CPU <n>/TCG" (or /KVM) by the debug-threads=on of every
 * command line of ours, <n> being qemu's cpu-index, which is the vCPU
 * number: /proc tells without a monitor round trip, which a read must not
 * wait for. */
static void
add_vcpu_thread_stats (QemuVm *vm, guint max_vcpus, GVariantBuilder *b)
{
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", vm->pid);
  g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
  g_autofree gint64 *ticks = g_new (gint64, max_vcpus);
  const char *tid;

  for (guint i = 0; i < max_vcpus; i++)
    ticks[i] = -1;
  while (dir && (tid = g_dir_read_name (dir)) != NULL) {
    g_autofree char *comm_path = g_build_filename (task_dir, tid, "comm", NULL);
    g_autofree char *stat_path = g_build_filename (task_dir, tid, "stat", NULL);
    g_autofree char *comm = NULL;
    guint64 n, thread_ticks = 0;
    char *end;

    if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_has_prefix (comm, "CPU "))
      continue;
    n = g_ascii_strtoull (comm + 4, &end, 10);
    if (end == comm + 4 || *end != '/' || n >= max_vcpus || !read_stat_file (stat_path, NULL, NULL, &thread_ticks))
      continue;
    ticks[n] = (gint64) thread_ticks;
  }
  for (guint i = 0; i < max_vcpus; i++) {
    g_autofree char *state_key = NULL;
    g_autofree char *time_key = NULL;

    if (ticks[i] < 0)
      continue;
    state_key = g_strdup_printf ("vcpu.%u.state", i);
    time_key = g_strdup_printf ("vcpu.%u.time", i);
    /* VIR_VCPU_RUNNING: qemu has the vCPU */
    g_variant_builder_add (b, "{sv}", state_key, g_variant_new_int32 (1));
    g_variant_builder_add (b, "{sv}", time_key, g_variant_new_uint64 (ticks_to_ns ((guint64) ticks[i])));
  }
}

static GVariant *
domain_stats (VbDomain *dom, guint stats, guint flags, GError **error)
{
  const VbDomainDef *def = vb_domain_get_current_def (dom);
  QemuVm *vm = domain_vm (dom);
  GVariantBuilder b;
  int reason;
  VbDomainState state = vb_domain_get_state (dom, &reason);
  guint64 ticks = 0;

  if (stats == 0)
    stats = QEMU_STATS_STATE | QEMU_STATS_CPU_TOTAL | QEMU_STATS_BALLOON | QEMU_STATS_VCPU;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (stats & QEMU_STATS_STATE) {
    g_variant_builder_add (&b, "{sv}", "state.state", g_variant_new_int32 (state));
    g_variant_builder_add (&b, "{sv}", "state.reason", g_variant_new_int32 (reason));
  }
  if ((stats & QEMU_STATS_CPU_TOTAL) && vm && read_proc_stat (vm->pid, NULL, NULL, &ticks)) {
    guint64 ns = ticks * (G_USEC_PER_SEC * 1000 / (guint64) sysconf (_SC_CLK_TCK));
    g_variant_builder_add (&b, "{sv}", "cpu.time", g_variant_new_uint64 (ns));
  }
  if (stats & QEMU_STATS_BALLOON) {
    g_variant_builder_add (&b, "{sv}", "balloon.current", g_variant_new_uint64 (def_current_memory (def)));
    g_variant_builder_add (&b, "{sv}", "balloon.maximum", g_variant_new_uint64 (def->memory_kib));
  }
  if (stats & QEMU_STATS_VCPU) {
    g_variant_builder_add (&b, "{sv}", "vcpu.current", g_variant_new_uint32 (def_current_vcpus (def)));
    g_variant_builder_add (&b, "{sv}", "vcpu.maximum", g_variant_new_uint32 (def->vcpus));
    if (vm)
      add_vcpu_thread_stats (vm, def->vcpus, &b);
  }
  return g_variant_builder_end (&b);
}

/* Core dumps -------------------------------------------------------------------- */

/* libvirt's VIR_DUMP_* */
enum {
  QEMU_DUMP_CRASH = 1 << 0,
  QEMU_DUMP_LIVE = 1 << 1,
  QEMU_DUMP_BYPASS_CACHE = 1 << 2,
  QEMU_DUMP_RESET = 1 << 3,
  QEMU_DUMP_MEMORY_ONLY = 1 << 4,
};

#define DUMP_POLL_INTERVAL_MS 50

/* by libvirt's VIR_DOMAIN_CORE_DUMP_FORMAT_* */
static const char *const dump_formats[] = { "elf", "kdump-zlib", "kdump-lzo", "kdump-snappy", "win-dmp" };

static void
dump_finish (QemuVm *vm, const char *message)
{
  g_autoptr(GTask) task = g_steal_pointer (&vm->dump_task);
  guint flags = vm->dump_flags;

  if (task == NULL)
    return;
  /* a crash dump stays the job until qemu is gone: its STOP, on the way
   * out, is no pause */
  vm->dumping = message == NULL && (flags & QEMU_DUMP_CRASH);
  if (message) {
    g_unlink (vm->dump_path);
    if (vm->dump_paused && vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_RUNNING)
      vb_qemu_monitor_command_async (vm->mon, "cont", NULL, NULL, NULL, NULL);
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "core dump of '%s' failed: %s",
                             vb_domain_get_name (vm->dom), message);
    return;
  }
  if (flags & QEMU_DUMP_CRASH) {
    /* answered once qemu is gone and the domain shows as crashed */
    vm->dump_crashed = TRUE;
    g_ptr_array_add (vm->stop_waiters, g_steal_pointer (&task));
    vb_qemu_monitor_command_async (vm->mon, "quit", NULL, NULL, NULL, NULL);
    vm_watch_foreign (vm);
    return;
  }
  if (flags & QEMU_DUMP_RESET)
    vb_qemu_monitor_command_async (vm->mon, "system_reset", NULL, NULL, NULL, NULL);
  if (vm->dump_paused && vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_RUNNING)
    vb_qemu_monitor_command_async (vm->mon, "cont", NULL, NULL, NULL, NULL);
  g_task_return_pointer (task, NULL, NULL);
}

static gboolean dump_poll_tick (gpointer user_data);

static void
dump_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  JsonObject *o = ret && JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;
  const char *status = o ? json_object_get_string_member_with_default (o, "status", "") : "";

  if (vm->exited || !vm->dumping)
    return;
  if (ret == NULL)
    dump_finish (vm, error->message);
  else if (g_str_equal (status, "completed"))
    dump_finish (vm, NULL);
  else if (g_str_equal (status, "failed"))
    dump_finish (vm, "qemu could not write the dump");
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, DUMP_POLL_INTERVAL_MS, dump_poll_tick, vm_ref (vm),
                        (GDestroyNotify) vm_unref);
}

static gboolean
dump_poll_tick (gpointer user_data)
{
  QemuVm *vm = user_data;

  if (!vm->exited && vm->dumping)
    vb_qemu_monitor_command_async (vm->mon, "query-dump", NULL, NULL, dump_status, vm_ref (vm));
  return G_SOURCE_REMOVE;
}

static void
dump_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (vm->exited || !vm->dumping)
    return;
  if (ret == NULL) {
    dump_finish (vm, error->message);
    return;
  }
  vb_qemu_monitor_command_async (vm->mon, "query-dump", NULL, NULL, dump_status, vm_ref (vm));
}

/* CoreDumpWithFormat: qemu's dump-guest-memory into @to, detached and
 * polled with query-dump so that the monitor stays free.  Unless live,
 * the guest is paused for it and resumed after, as libvirt does; with
 * crash the run ends as crashed, with reset the guest reboots. */
static gboolean
domain_core_dump (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                  GError **error)
{
  const char *path;
  guint format, flags;
  QemuVm *vm;
  g_autofree char *protocol = NULL;
  g_autoptr(JsonNode) cmd_args = NULL;

  g_variant_get (args, "(&suu)", &path, &format, &flags);
  if (!vb_check_flags (flags, QEMU_DUMP_CRASH | QEMU_DUMP_LIVE | QEMU_DUMP_BYPASS_CACHE | QEMU_DUMP_RESET |
                                QEMU_DUMP_MEMORY_ONLY, error))
    return FALSE;
  if ((flags & QEMU_DUMP_CRASH) && (flags & (QEMU_DUMP_LIVE | QEMU_DUMP_RESET))) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "crash and live or reset flags are mutually exclusive");
    return FALSE;
  }
  if (format >= G_N_ELEMENTS (dump_formats)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown core dump format %u", format);
    return FALSE;
  }
  if (!check_active (dom, error))
    return FALSE;
  if (!g_path_is_absolute (path)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "path '%s' is not absolute", path);
    return FALSE;
  }
  vm = domain_vm (dom);
  vm->dumping = TRUE;
  vm->dump_crashed = FALSE;
  vm->dump_flags = flags;
  vm->job_started = g_get_monotonic_time ();
  g_free (vm->dump_path);
  vm->dump_path = g_strdup (path);
  g_clear_object (&vm->dump_task);
  vm->dump_task = g_object_ref (task);
  vm->dump_paused = !(flags & QEMU_DUMP_LIVE) && vb_domain_get_state (dom, NULL) == VB_DOMAIN_RUNNING;
  if (vm->dump_paused)
    vb_qemu_monitor_command_async (vm->mon, "stop", NULL, NULL, NULL, NULL);
  protocol = g_strconcat ("file:", path, NULL);
  cmd_args = vb_qemu_json_args (g_variant_new_parsed ("{'paging': <false>, 'protocol': <%s>, 'detach': <true>, "
                                                      "'format': <%s>}",
                                                      protocol, dump_formats[format]));
  vb_qemu_monitor_command_async (vm->mon, "dump-guest-memory", cmd_args, NULL, dump_started, vm_ref (vm));
  *handed = TRUE;
  return TRUE;
}

/* Job progress ------------------------------------------------------------------ */

/* libvirt's virDomainJobType and virDomainJobOperation */
enum {
  QEMU_JOB_NONE = 0,
  QEMU_JOB_UNBOUNDED = 2,
  QEMU_JOB_OPERATION_SAVE = 2,
  QEMU_JOB_OPERATION_DUMP = 8,
  QEMU_JOB_STATS_COMPLETED = 1 << 0,
  QEMU_JOB_STATS_KEEP_COMPLETED = 1 << 1,
};

typedef struct {
  int type;
  int operation;
  guint64 elapsed_ms;
  guint64 data_total, data_processed, data_remaining;
  gboolean memory;   /* the data is the guest's RAM (a migration stream) */
} JobProgress;

static GVariant *
job_progress_variant (VbOp op, const JobProgress *p)
{
  GVariantBuilder b;

  if (op == VB_OP_DOMAIN_GET_JOB_INFO) {
    guint64 mem_total = p->memory ? p->data_total : 0;
    guint64 mem_processed = p->memory ? p->data_processed : 0;
    guint64 mem_remaining = p->memory ? p->data_remaining : 0;

    return g_variant_new ("(ittttttttttt)", p->type, p->elapsed_ms, (guint64) 0, p->data_total, p->data_processed,
                          p->data_remaining, mem_total, mem_processed, mem_remaining, (guint64) 0, (guint64) 0,
                          (guint64) 0);
  }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (p->type != QEMU_JOB_NONE) {
    g_variant_builder_add (&b, "{sv}", "operation", g_variant_new_int32 (p->operation));
    g_variant_builder_add (&b, "{sv}", "time_elapsed", g_variant_new_uint64 (p->elapsed_ms));
    g_variant_builder_add (&b, "{sv}", "data_total", g_variant_new_uint64 (p->data_total));
    g_variant_builder_add (&b, "{sv}", "data_processed", g_variant_new_uint64 (p->data_processed));
    g_variant_builder_add (&b, "{sv}", "data_remaining", g_variant_new_uint64 (p->data_remaining));
    if (p->memory) {
      g_variant_builder_add (&b, "{sv}", "memory_total", g_variant_new_uint64 (p->data_total));
      g_variant_builder_add (&b, "{sv}", "memory_processed", g_variant_new_uint64 (p->data_processed));
      g_variant_builder_add (&b, "{sv}", "memory_remaining", g_variant_new_uint64 (p->data_remaining));
    }
  }
  return g_variant_new ("(ia{sv})", p->type, &b);
}

static gint64
json_member_int (JsonObject *o, const char *name)
{
  return o && json_object_has_member (o, name) ? json_object_get_int_member (o, name) : 0;
}

/* Whether a save or dump still runs: one that wrote its file and only
 * waits for qemu to quit is over. */
static gboolean
vm_job_running (QemuVm *vm)
{
  return !vm->exited && ((vm->saving && !vm->saved) || (vm->dumping && !vm->dump_crashed));
}

/* query-migrate's "ram" or query-dump's byte counts, whichever the job
 * that runs answered with; a job that ended in between shows as none. */
static void
job_query_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OpCall) q = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  JsonObject *o = ret && JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;
  JobProgress p = { QEMU_JOB_NONE };

  if (ret == NULL && vm_job_running (q->vm)) {
    g_task_return_new_error (q->task, VB_ERROR, VB_ERROR_FAILED, "cannot read the job progress of '%s': %s",
                             vb_domain_get_name (q->vm->dom), error->message);
    return;
  }
  if (ret != NULL && vm_job_running (q->vm)) {
    p.type = QEMU_JOB_UNBOUNDED;
    p.operation = q->vm->saving ? QEMU_JOB_OPERATION_SAVE : QEMU_JOB_OPERATION_DUMP;
    p.elapsed_ms = (guint64) (g_get_monotonic_time () - q->vm->job_started) / 1000;
    if (q->vm->saving) {
      JsonObject *ram = o && json_object_has_member (o, "ram") ? json_object_get_object_member (o, "ram") : NULL;

      p.memory = TRUE;
      p.data_total = json_member_int (ram, "total");
      p.data_processed = json_member_int (ram, "transferred");
      p.data_remaining = json_member_int (ram, "remaining");
    } else {
      p.data_total = json_member_int (o, "total");
      p.data_processed = json_member_int (o, "completed");
      p.data_remaining = p.data_total > p.data_processed ? p.data_total - p.data_processed : 0;
    }
  }
  return_variant (q->task, job_progress_variant (q->op, &p));
}

/* GetJobInfo and GetJobStats: the save (managed or not) or dump that
 * runs, from qemu's own counters. */
static void
domain_get_job_info (VbDomain *dom, VbOp op, GVariant *args, GTask *task)
{
  g_autoptr(GError) error = NULL;
  JobProgress none = { QEMU_JOB_NONE };
  OpCall *q;
  QemuVm *vm;
  guint flags = 0;

  if (op == VB_OP_DOMAIN_GET_JOB_STATS)
    g_variant_get (args, "(u)", &flags);
  if (!vb_check_flags (flags, QEMU_JOB_STATS_COMPLETED | QEMU_JOB_STATS_KEEP_COMPLETED, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (flags & QEMU_JOB_STATS_COMPLETED) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "statistics of completed jobs are not kept by this driver");
    return;
  }
  if (!check_active (dom, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  vm = domain_vm (dom);
  if (!vm_job_running (vm)) {
    return_variant (task, job_progress_variant (op, &none));
    return;
  }
  q = g_new0 (OpCall, 1);
  q->task = g_object_ref (task);
  q->vm = vm_ref (vm);
  q->op = op;
  vb_qemu_monitor_command_async (vm->mon, vm->saving ? "query-migrate" : "query-dump", NULL, NULL,
                                 job_query_reply, q);
}

/* AbortJob: a save is cancelled (its call fails, the guest runs on as it
 * did); qemu cannot stop a dump or an incoming stream half way. */
static void
domain_abort_job (VbDomain *dom, GTask *task)
{
  g_autoptr(GError) error = NULL;
  QemuVm *vm = domain_vm (dom);

  if (vm && vm->starting && vm->restore_path) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "cannot abort the restore of '%s': destroy the domain instead",
                             vb_domain_get_name (dom));
    return;
  }
  if (!check_active (dom, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (vm->dumping) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "the core dump of '%s' cannot be aborted", vb_domain_get_name (dom));
    return;
  }
  if (!vm->saving || vm->migrate_done == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE, "no job is active on domain '%s'",
                             vb_domain_get_name (dom));
    return;
  }
  vm_command (vm, VB_OP_DOMAIN_ABORT_JOB, "migrate_cancel", task);
}

/* Interface addresses ---------------------------------------------------------- */

/* libvirt's VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_* */
enum {
  QEMU_ADDRESSES_SRC_LEASE = 0,
  QEMU_ADDRESSES_SRC_AGENT = 1,
  QEMU_ADDRESSES_SRC_ARP = 2,
};

/* One (ssa(isu)) entry: the interface is named by its host device, as
 * libvirt does, which a user-mode NIC has not. */
static void
add_interface_entry (GVariantBuilder *b, const VbDomainInterfaceDef *iface, GVariant *addrs)
{
  char mac[18];

  vb_mac_format (&iface->mac, mac);
  g_variant_builder_add (b, "(ss@a(isu))", iface->target ? iface->target : "", mac, addrs);
}

/* The DHCP leases of the networks the guest's NICs are on, by MAC: one
 * entry per NIC that holds a lease, as libvirt. */
static GVariant *
addresses_from_leases (VbQemuDriver *self, const VbDomainDef *live, GError **error)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(isu))"));
  for (guint i = 0; live->interfaces && i < live->interfaces->len; i++) {
    const VbDomainInterfaceDef *iface = g_ptr_array_index (live->interfaces, i);
    g_autoptr(GVariant) leases = NULL;
    GVariantBuilder addrs;
    GVariantIter iter;
    const char *address;
    int type;
    guint prefix;
    char mac[18];

    if (g_strcmp0 (iface->type, "network") != 0 || iface->network == NULL)
      continue;
    vb_mac_format (&iface->mac, mac);
    leases = vb_network_driver_get_leases (self->net, iface->network, mac, error);
    if (leases == NULL) {
      g_variant_builder_clear (&b);
      return NULL;
    }
    g_variant_ref_sink (leases);
    if (g_variant_n_children (leases) == 0)
      continue;
    g_variant_builder_init (&addrs, G_VARIANT_TYPE ("a(isu)"));
    g_variant_iter_init (&iter, leases);
    while (g_variant_iter_next (&iter, "(&sxi&s&s&su&s&s)", NULL, NULL, &type, NULL, NULL, &address, &prefix,
                                NULL, NULL))
      g_variant_builder_add (&addrs, "(isu)", type, address, prefix);
    add_interface_entry (&b, iface, g_variant_builder_end (&addrs));
  }
  return g_variant_builder_end (&b);
}

/* The host's ARP table, by MAC: one entry per address found, with no
 * prefix known, as libvirt. */
static GVariant *
addresses_from_arp (VbQemuDriver *self, const VbDomainDef *live, GError **error)
{
  g_autoptr(GArray) neighbours = vb_network_driver_get_neighbours (self->net, error);
  GVariantBuilder b;

  if (neighbours == NULL)
    return NULL;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(isu))"));
  for (guint i = 0; live->interfaces && i < live->interfaces->len; i++) {
    const VbDomainInterfaceDef *iface = g_ptr_array_index (live->interfaces, i);

    for (guint j = 0; j < neighbours->len; j++) {
      const VbNeighbour *n = &g_array_index (neighbours, VbNeighbour, j);
      GVariantBuilder addrs;

      if (memcmp (n->mac.bytes, iface->mac.bytes, sizeof n->mac.bytes) != 0)
        continue;
      g_variant_builder_init (&addrs, G_VARIANT_TYPE ("a(isu)"));
      g_variant_builder_add (&addrs, "(isu)", 0, n->address, 0u);
      add_interface_entry (&b, iface, g_variant_builder_end (&addrs));
    }
  }
  return g_variant_builder_end (&b);
}

static gboolean
domain_interface_addresses (VbQemuDriver *self, VbDomain *dom, GVariant *args, GVariant **out,
                            GError **error)
{
  guint source, flags;

  g_variant_get (args, "(uu)", &source, &flags);
  if (!vb_check_flags (flags, 0, error) || !check_active (dom, error))
    return FALSE;
  if (source == QEMU_ADDRESSES_SRC_AGENT) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "addresses from the guest agent are not supported: there is no guest agent");
    return FALSE;
  }
  if (source != QEMU_ADDRESSES_SRC_LEASE && source != QEMU_ADDRESSES_SRC_ARP) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "Unknown IP address data source %u", source);
    return FALSE;
  }
  if (self->net == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "host networking is not available to this daemon");
    return FALSE;
  }
  if (source == QEMU_ADDRESSES_SRC_LEASE)
    *out = addresses_from_leases (self, vb_domain_get_live_def (dom), error);
  else
    *out = addresses_from_arp (self, vb_domain_get_live_def (dom), error);
  return *out != NULL;
}

static gboolean
run_domain_query (VbQemuDriver *self, VbOp op, VbDomain *dom, GVariant *args, GVariant **out,
                  GError **error)
{
  guint flags = 0;

  switch (op) {
  case VB_OP_DOMAIN_GET_INFO: {
    const VbDomainDef *def = vb_domain_get_current_def (dom);
    QemuVm *vm = domain_vm (dom);
    guint64 ticks = 0;

    if (vm)
      read_proc_stat (vm->pid, NULL, NULL, &ticks);
    *out = g_variant_new ("(ututu)", (guint32) vb_domain_get_state (dom, NULL), (guint64) def->memory_kib,
                          (guint32) MIN (def_current_memory (def), G_MAXUINT32),
                          (guint64) def_current_vcpus (def), (guint32) (ticks / (guint64) sysconf (_SC_CLK_TCK)));
    return TRUE;
  }

  case VB_OP_DOMAIN_GET_STATS: {
    guint stats;

    g_variant_get (args, "(uu)", &stats, &flags);
    *out = domain_stats (dom, stats, flags, error);
    return *out != NULL;
  }

  case VB_OP_DOMAIN_GET_VCPUS: {
    const VbDomainDef *def;

    g_variant_get (args, "(u)", &flags);
    if (flags & VB_DOMAIN_VCPU_GUEST) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "the vCPUs the guest uses are known through the guest agent, which is not supported");
      return FALSE;
    }
    if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM, error))
      return FALSE;
    def = vb_domain_resolve_one_def (dom, &flags, error);
    if (def == NULL)
      return FALSE;
    *out = g_variant_new_uint32 ((flags & VB_DOMAIN_VCPU_MAXIMUM) ? def->vcpus : def_current_vcpus (def));
    return TRUE;
  }

  case VB_OP_DOMAIN_GET_SCHEDULER_TYPE:
    *out = g_variant_new ("(si)", "posix", 5);
    return TRUE;

  case VB_OP_DOMAIN_INTERFACE_ADDRESSES:
    return domain_interface_addresses (self, dom, args, out, error);

  default:
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "not supported by this driver: %s",
                 vb_op_get_info (op)->name);
    return FALSE;
  }
}

/* Guest input, power management and device updates ------------------------------- */

/* libvirt's virKeycodeSet values and virDomainSendKey's limit */
enum {
  QEMU_KEYCODE_SET_LINUX = 0,
  QEMU_KEYCODE_SET_XT = 1,
  QEMU_KEYCODE_SET_ATSET1 = 2,
  QEMU_KEYCODE_SET_XT_KBD = 6,
  /* libvirt's VIR_KEYCODE_SET_RFB is a compatibility name of this one */
  QEMU_KEYCODE_SET_QNUM = 9,
  QEMU_SEND_KEY_MAX_KEYS = 16,
};

/* Linux input keycodes (linux/input-event-codes.h) to QEMU's "qnum"
 * numbers, which send-key takes as keys of type "number".  A qnum is the
 * key's XT (PC AT set 1) scancode, with 0x80 set for the keys that send
 * an E0 prefix.  Keycodes 1–83 and 86–88 are their own scancodes; the
 * rest are listed one by one, as the scancodes the keys send on a PC
 * keyboard (keymaps.csv of keycodemapdb, which libvirt and QEMU share, is
 * the reference for them).  0: no such key on a PC keyboard. */
static const guint8 linux_to_qnum[] = {
  [85] = 0x76,  /* KEY_ZENKAKUHANKAKU */
  [89] = 0x73,  /* KEY_RO */
  [90] = 0x78,  /* KEY_KATAKANA */
  [91] = 0x77,  /* KEY_HIRAGANA */
  [92] = 0x79,  /* KEY_HENKAN */
  [93] = 0x70,  /* KEY_KATAKANAHIRAGANA */
  [94] = 0x7b,  /* KEY_MUHENKAN */
  [95] = 0x5c,  /* KEY_KPJPCOMMA */
  [96] = 0x9c,  /* KEY_KPENTER: E0 1C */
  [97] = 0x9d,  /* KEY_RIGHTCTRL: E0 1D */
  [98] = 0xb5,  /* KEY_KPSLASH: E0 35 */
  [99] = 0xb7,  /* KEY_SYSRQ, the Print Screen key: E0 37 */
  [100] = 0xb8, /* KEY_RIGHTALT: E0 38 */
  [101] = 0x5b, /* KEY_LINEFEED */
  [102] = 0xc7, /* KEY_HOME: E0 47 */
  [103] = 0xc8, /* KEY_UP: E0 48 */
  [104] = 0xc9, /* KEY_PAGEUP: E0 49 */
  [105] = 0xcb, /* KEY_LEFT: E0 4B */
  [106] = 0xcd, /* KEY_RIGHT: E0 4D */
  [107] = 0xcf, /* KEY_END: E0 4F */
  [108] = 0xd0, /* KEY_DOWN: E0 50 */
  [109] = 0xd1, /* KEY_PAGEDOWN: E0 51 */
  [110] = 0xd2, /* KEY_INSERT: E0 52 */
  [111] = 0xd3, /* KEY_DELETE: E0 53 */
  [112] = 0xef, /* KEY_MACRO */
  [113] = 0xa0, /* KEY_MUTE: E0 20 */
  [114] = 0xae, /* KEY_VOLUMEDOWN: E0 2E */
  [115] = 0xb0, /* KEY_VOLUMEUP: E0 30 */
  [116] = 0xde, /* KEY_POWER: E0 5E */
  [117] = 0x59, /* KEY_KPEQUAL */
  [118] = 0xce, /* KEY_KPPLUSMINUS */
  [119] = 0xc6, /* KEY_PAUSE: E1 1D 45, numbered as E0 46 */
  [120] = 0x8b, /* KEY_SCALE */
  [121] = 0x7e, /* KEY_KPCOMMA */
  [123] = 0x8d, /* KEY_HANJA */
  [124] = 0x7d, /* KEY_YEN */
  [125] = 0xdb, /* KEY_LEFTMETA: E0 5B */
  [126] = 0xdc, /* KEY_RIGHTMETA: E0 5C */
  [127] = 0xdd, /* KEY_COMPOSE: E0 5D */
  [128] = 0xe8, /* KEY_STOP */
  [129] = 0x85, /* KEY_AGAIN */
  [130] = 0x86, /* KEY_PROPS */
  [131] = 0x87, /* KEY_UNDO */
  [132] = 0x8c, /* KEY_FRONT */
  [133] = 0xf8, /* KEY_COPY */
  [134] = 0x64, /* KEY_OPEN */
  [135] = 0x65, /* KEY_PASTE */
  [136] = 0xc1, /* KEY_FIND */
  [137] = 0xbc, /* KEY_CUT */
  [138] = 0xf5, /* KEY_HELP */
  [139] = 0x9e, /* KEY_MENU */
  [140] = 0xa1, /* KEY_CALC */
  [141] = 0x66, /* KEY_SETUP */
  [142] = 0xdf, /* KEY_SLEEP: E0 5F */
  [143] = 0xe3, /* KEY_WAKEUP: E0 63 */
  [144] = 0x67, /* KEY_FILE */
  [145] = 0x68, /* KEY_SENDFILE */
  [146] = 0x69, /* KEY_DELETEFILE */
  [147] = 0x93, /* KEY_XFER */
  [148] = 0x9f, /* KEY_PROG1 */
  [149] = 0x97, /* KEY_PROG2 */
  [150] = 0x82, /* KEY_WWW */
  [151] = 0x6a, /* KEY_MSDOS */
  [152] = 0x92, /* KEY_SCREENLOCK */
  [153] = 0x6b, /* KEY_DIRECTION */
  [154] = 0xa6, /* KEY_CYCLEWINDOWS */
  [155] = 0xec, /* KEY_MAIL */
  [156] = 0xe6, /* KEY_BOOKMARKS */
  [157] = 0xeb, /* KEY_COMPUTER */
  [158] = 0xea, /* KEY_BACK */
  [159] = 0xe9, /* KEY_FORWARD */
  [160] = 0xa3, /* KEY_CLOSECD */
  [161] = 0x6c, /* KEY_EJECTCD */
  [162] = 0xfd, /* KEY_EJECTCLOSECD */
  [163] = 0x99, /* KEY_NEXTSONG */
  [164] = 0xa2, /* KEY_PLAYPAUSE */
  [165] = 0x90, /* KEY_PREVIOUSSONG */
  [166] = 0xa4, /* KEY_STOPCD */
  [167] = 0xb1, /* KEY_RECORD */
  [168] = 0x98, /* KEY_REWIND */
  [169] = 0x63, /* KEY_PHONE */
  [171] = 0x81, /* KEY_CONFIG */
  [172] = 0xb2, /* KEY_HOMEPAGE */
  [173] = 0xe7, /* KEY_REFRESH */
  [174] = 0x71, /* KEY_EXIT */
  [175] = 0x72, /* KEY_MOVE */
  [176] = 0x88, /* KEY_EDIT */
  [177] = 0x75, /* KEY_SCROLLUP */
  [178] = 0x8f, /* KEY_SCROLLDOWN */
  [179] = 0xf6, /* KEY_KPLEFTPAREN */
  [180] = 0xfb, /* KEY_KPRIGHTPAREN */
  [181] = 0x89, /* KEY_NEW */
  [182] = 0x8a, /* KEY_REDO */
  [183] = 0x5d, /* KEY_F13 */
  [184] = 0x5e, /* KEY_F14 */
  [185] = 0x5f, /* KEY_F15 */
  [186] = 0x55, /* KEY_F16 */
  [187] = 0x83, /* KEY_F17 */
  [188] = 0xf7, /* KEY_F18 */
  [189] = 0x84, /* KEY_F19 */
  [190] = 0x5a, /* KEY_F20 */
  [191] = 0x74, /* KEY_F21 */
  [192] = 0xf9, /* KEY_F22 */
  [193] = 0x6d, /* KEY_F23 */
  [194] = 0x6f, /* KEY_F24 */
  [200] = 0xa8, /* KEY_PLAYCD */
  [201] = 0xa9, /* KEY_PAUSECD */
  [202] = 0xab, /* KEY_PROG3 */
  [203] = 0xac, /* KEY_PROG4 */
  [204] = 0xad, /* KEY_DASHBOARD */
  [205] = 0xa5, /* KEY_SUSPEND */
  [206] = 0xaf, /* KEY_CLOSE */
  [207] = 0xb3, /* KEY_PLAY */
  [208] = 0xb4, /* KEY_FASTFORWARD */
  [209] = 0xb6, /* KEY_BASSBOOST */
  [210] = 0xb9, /* KEY_PRINT */
  [211] = 0xba, /* KEY_HP */
  [212] = 0xbb, /* KEY_CAMERA */
  [213] = 0xbd, /* KEY_SOUND */
  [214] = 0xbe, /* KEY_QUESTION */
  [215] = 0xbf, /* KEY_EMAIL */
  [216] = 0xc0, /* KEY_CHAT */
  [217] = 0xe5, /* KEY_SEARCH */
  [218] = 0xc2, /* KEY_CONNECT */
  [219] = 0xc3, /* KEY_FINANCE */
  [220] = 0xc4, /* KEY_SPORT */
  [221] = 0xc5, /* KEY_SHOP */
  [222] = 0x94, /* KEY_ALTERASE */
  [223] = 0xca, /* KEY_CANCEL */
  [224] = 0xcc, /* KEY_BRIGHTNESSDOWN */
  [225] = 0xd4, /* KEY_BRIGHTNESSUP */
  [226] = 0xed, /* KEY_MEDIA */
  [227] = 0xd6, /* KEY_SWITCHVIDEOMODE */
  [228] = 0xd7, /* KEY_KBDILLUMTOGGLE */
  [229] = 0xd8, /* KEY_KBDILLUMDOWN */
  [230] = 0xd9, /* KEY_KBDILLUMUP */
  [231] = 0xda, /* KEY_SEND */
  [232] = 0xe4, /* KEY_REPLY */
  [233] = 0x8e, /* KEY_FORWARDMAIL */
  [234] = 0xd5, /* KEY_SAVE */
  [235] = 0xf0, /* KEY_DOCUMENTS */
  [236] = 0xf1, /* KEY_BATTERY */
  [237] = 0xf2, /* KEY_BLUETOOTH */
  [238] = 0xf3, /* KEY_WLAN */
  [239] = 0xf4, /* KEY_UWB */
};

/* @keycode of @codeset as a qnum, or 0 when the set has no such key. */
static guint
keycode_to_qnum (guint codeset, guint keycode)
{
  switch (codeset) {
  case QEMU_KEYCODE_SET_LINUX:
    if ((keycode >= 1 && keycode <= 83) || (keycode >= 86 && keycode <= 88))
      return keycode;
    return keycode < G_N_ELEMENTS (linux_to_qnum) ? linux_to_qnum[keycode] : 0;
  case QEMU_KEYCODE_SET_XT:
    /* the original XT keyboard: no prefixed keys */
    return keycode >= 1 && keycode <= 0x7f ? keycode : 0;
  case QEMU_KEYCODE_SET_ATSET1:
    /* set 1 scancodes, the prefixed ones written 0xE0nn */
    if (keycode >= 1 && keycode <= 0x7f)
      return keycode;
    return keycode >= 0xe001 && keycode <= 0xe07f ? 0x80 | (keycode & 0x7f) : 0;
  case QEMU_KEYCODE_SET_XT_KBD:
    /* Linux's xtkbd numbering: the prefixed ones written 0x1nn */
    if (keycode >= 1 && keycode <= 0x7f)
      return keycode;
    return keycode >= 0x101 && keycode <= 0x17f ? 0x80 | (keycode & 0x7f) : 0;
  case QEMU_KEYCODE_SET_QNUM:
    return keycode >= 1 && keycode <= 0xff ? keycode : 0;
  default:
    return 0;
  }
}

static const char *
keycode_set_name (guint codeset)
{
  switch (codeset) {
  case QEMU_KEYCODE_SET_LINUX: return "linux";
  case QEMU_KEYCODE_SET_XT: return "xt";
  case QEMU_KEYCODE_SET_ATSET1: return "atset1";
  case QEMU_KEYCODE_SET_XT_KBD: return "xt_kbd";
  case QEMU_KEYCODE_SET_QNUM: return "qnum";
  default: return NULL;
  }
}

/* A command whose reply is all the caller waits for; errors are reported
 * as "<op> of '<domain>' failed: <qemu's message>". */
static void
vm_command_args (QemuVm *vm, VbOp op, const char *command, JsonNode *args, GTask *task)
{
  OpCall *call = g_new0 (OpCall, 1);

  call->task = g_object_ref (task);
  call->vm = vm_ref (vm);
  call->op = op;
  vb_qemu_monitor_command_async (vm->mon, command, args, NULL, op_reply, call);
}

static gboolean
domain_send_key (VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  guint codeset, holdtime, flags;
  g_autoptr(GVariant) keys = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) cmd_args = NULL;
  const char *set_name;
  gsize n;

  g_variant_get (args, "(uu@auu)", &codeset, &holdtime, &keys, &flags);
  if (!vb_check_flags (flags, 0, error) || !check_active (dom, error))
    return FALSE;
  n = g_variant_n_children (keys);
  if (n == 0 || n > QEMU_SEND_KEY_MAX_KEYS) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "between 1 and %d keycodes are needed, got %" G_GSIZE_FORMAT,
                 QEMU_SEND_KEY_MAX_KEYS, n);
    return FALSE;
  }
  set_name = keycode_set_name (codeset);
  if (set_name == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "keycode set %u is not supported (linux, xt, atset1, xt_kbd and qnum/rfb are)", codeset);
    return FALSE;
  }
  if (holdtime > G_MAXINT32) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "hold time %u ms is too long", holdtime);
    return FALSE;
  }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "keys");
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++) {
    guint keycode, qnum;

    g_variant_get_child (keys, i, "u", &keycode);
    qnum = keycode_to_qnum (codeset, keycode);
    if (qnum == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot translate keycode %u of the %s keycode set",
                   keycode, set_name);
      return FALSE;
    }
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "number");
    json_builder_set_member_name (b, "data");
    json_builder_add_int_value (b, qnum);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  /* 0 leaves qemu's own default (100 ms) */
  if (holdtime > 0) {
    json_builder_set_member_name (b, "hold-time");
    json_builder_add_int_value (b, holdtime);
  }
  json_builder_end_object (b);
  cmd_args = json_builder_get_root (b);
  *handed = TRUE;
  vm_command_args (domain_vm (dom), VB_OP_DOMAIN_SEND_KEY, "send-key", cmd_args, task);
  return TRUE;
}

/* DEVICE_TRAY_MOVED: libvirt's TrayChange, by the disk's alias. */
static void
vm_tray_moved (QemuVm *vm, JsonObject *data)
{
  const char *alias = data ? json_object_get_string_member_with_default (data, "id", NULL) : NULL;
  gboolean tray_open = data && json_object_get_boolean_member_with_default (data, "tray-open", FALSE);

  if (alias == NULL || *alias == '\0')
    return;
  vb_driver_emit_domain_signal (VB_DRIVER (vm->driver), vm->dom, "TrayChange",
                                g_variant_new ("(si)", alias, tray_open ? 0 : 1));
}

/* The <link> among the device's untyped children, or NULL. */
static xmlNode *
info_link (const VbDomainDeviceInfo *info)
{
  for (guint i = 0; info->extra && i < info->extra->len; i++) {
    xmlNode *node = g_ptr_array_index (info->extra, i);

    if (node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, (const xmlChar *) "link"))
      return node;
  }
  return NULL;
}

static gboolean
link_is_up (const VbDomainInterfaceDef *iface)
{
  xmlNode *link = info_link (&iface->info);
  xmlChar *state = link ? xmlGetProp (link, (const xmlChar *) "state") : NULL;
  gboolean down = state && xmlStrEqual (state, (const xmlChar *) "down");

  xmlFree (state);
  return !down;
}

/* <link state='down'/> has no qemu option: like libvirt, the NICs it
 * names go down before the guest first runs. */
static void
start_link_states (QemuVm *vm)
{
  GPtrArray *ifaces = vb_domain_def_get_devices (vm->start_live, VB_DOMAIN_DEVICE_INTERFACE);

  for (guint i = 0; ifaces && i < ifaces->len; i++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (ifaces, i);
    g_autofree char *alias = vb_qemu_device_alias (&iface->info);

    g_autoptr(JsonNode) args = NULL;

    if (alias == NULL || link_is_up (iface))
      continue;
    args = vb_qemu_json_args (g_variant_new_parsed ("{'name': <%s>, 'up': <false>}", alias));
    start_command (vm, "set_link", args, START_STEP_LINK);
  }
}

/* Takes the <link> out of the device's untyped children (NULL: none). */
static xmlNode *
info_steal_link (VbDomainDeviceInfo *info)
{
  xmlNode *link = info_link (info);
  guint index;

  if (link == NULL || !g_ptr_array_find (info->extra, link, &index))
    return NULL;
  return g_ptr_array_steal_index (info->extra, index);
}

static void
info_add_link (VbDomainDeviceInfo *info, xmlNode *link)
{
  if (link == NULL)
    return;
  if (info->extra == NULL)
    info->extra = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_xml_opaque_free);
  g_ptr_array_add (info->extra, link);
}

/* Moves the <link> elements between @a and @b (either may have none). */
static void
swap_links (VbDomainDeviceInfo *a, VbDomainDeviceInfo *b)
{
  xmlNode *la = info_steal_link (a);
  xmlNode *lb = info_steal_link (b);

  info_add_link (a, lb);
  info_add_link (b, la);
}

#define SWAP_FIELD(a, b, field) \
  G_STMT_START { gpointer tmp_ = (a)->field; (a)->field = (b)->field; (b)->field = tmp_; } G_STMT_END

/* The media of a disk: what a cdrom's media change replaces. */
static void
swap_media (VbDomainDiskDef *a, VbDomainDiskDef *b)
{
  SWAP_FIELD (a, b, type);
  SWAP_FIELD (a, b, source);
  SWAP_FIELD (a, b, source_protocol);
  SWAP_FIELD (a, b, source_volume);
  SWAP_FIELD (a, b, source_node);
  SWAP_FIELD (a, b, driver_type);
}

static char *
device_xml (VbDomainDeviceKind kind, gpointer data)
{
  VbDomainDevice dev = { kind, data };

  return vb_domain_device_format (&dev, VB_DOMAIN_FORMAT_SECURE);
}

#define INHERIT_STRING(to, from, field) \
  G_STMT_START { if ((to)->field == NULL && (from)->field) (to)->field = g_strdup ((from)->field); } G_STMT_END

/* What the running domain shows of a NIC's plumbing (iface_show_actual)
 * is not the caller's to repeat: an update without it keeps it. */
static void
iface_inherit_actual (VbDomainInterfaceDef *update, const VbDomainInterfaceDef *old)
{
  if (g_strcmp0 (update->type, old->type) != 0)
    return;
  INHERIT_STRING (update, old, target);
  INHERIT_STRING (update, old, portid);
  INHERIT_STRING (update, old, portgroup);
  if (g_strcmp0 (old->type, "network") == 0) {
    INHERIT_STRING (update, old, bridge);
    INHERIT_STRING (update, old, dev);
    INHERIT_STRING (update, old, mode);
  }
  if (update->virtualport == NULL && old->virtualport)
    update->virtualport = vb_virtualport_copy (old->virtualport);
  if (update->vlan == NULL && old->vlan)
    update->vlan = vb_vlan_copy (old->vlan);
  if (update->bandwidth == NULL && old->bandwidth)
    update->bandwidth = vb_bandwidth_copy (old->bandwidth);
}

/* What an update changes, found in one definition. */
typedef struct {
  char *alias;             /* the device's qemu id */
  gboolean media_changed;  /* disk */
  char *source;            /* new media, NULL for an eject */
  char *format;
  gboolean link_changed;   /* interface */
  gboolean link_up;
} DeviceUpdate;

static void
device_update_clear (DeviceUpdate *u)
{
  g_free (u->alias);
  g_free (u->source);
  g_free (u->format);
}

/* Puts @xml's media (disks) or link state (interfaces) into the matching
 * device of @def; anything else that differs is refused. */
static gboolean
update_device_in_def (VbDomainDef *def, const char *xml, DeviceUpdate *out, GError **error)
{
  g_autoptr(VbDomainDevice) update = vb_domain_device_parse (xml, error);
  GPtrArray *devs;
  g_autofree char *old_xml = NULL;
  g_autofree char *new_xml = NULL;
  VbDomainDeviceInfo *old_info = NULL, *new_info;
  gpointer old = NULL;

  if (update == NULL)
    return FALSE;
  if (update->kind != VB_DOMAIN_DEVICE_DISK && update->kind != VB_DOMAIN_DEVICE_INTERFACE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "updating <%s> devices is not supported",
                 vb_domain_device_kind_to_string (update->kind));
    return FALSE;
  }
  devs = vb_domain_def_get_devices (def, update->kind);
  for (guint i = 0; devs && i < devs->len && old == NULL; i++) {
    gpointer dev = g_ptr_array_index (devs, i);

    if (update->kind == VB_DOMAIN_DEVICE_DISK &&
        g_strcmp0 (((VbDomainDiskDef *) dev)->target_dev, ((VbDomainDiskDef *) update->data)->target_dev) == 0)
      old = dev;
    else if (update->kind == VB_DOMAIN_DEVICE_INTERFACE &&
             memcmp (&((VbDomainInterfaceDef *) dev)->mac, &((VbDomainInterfaceDef *) update->data)->mac,
                     sizeof (VbMac)) == 0)
      old = dev;
  }
  if (old == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                         update->kind == VB_DOMAIN_DEVICE_DISK ? "no disk with this target in the domain"
                                                               : "no interface with this MAC address in the domain");
    return FALSE;
  }
  old_info = update->kind == VB_DOMAIN_DEVICE_DISK ? &((VbDomainDiskDef *) old)->info
                                                   : &((VbDomainInterfaceDef *) old)->info;
  new_info = update->kind == VB_DOMAIN_DEVICE_DISK ? &((VbDomainDiskDef *) update->data)->info
                                                   : &((VbDomainInterfaceDef *) update->data)->info;
  /* the caller need not repeat what the domain assigned */
  if (new_info->alias == NULL && old_info->alias)
    new_info->alias = vb_xml_opaque_copy (old_info->alias);
  if (new_info->address == NULL && old_info->address)
    new_info->address = vb_xml_opaque_copy (old_info->address);

  /* With the changeable part swapped in, the device equals the update
   * when nothing else changed. */
  if (update->kind == VB_DOMAIN_DEVICE_DISK) {
    VbDomainDiskDef *disk = old;
    VbDomainDiskDef *new_disk = update->data;
    g_autofree char *before = device_xml (VB_DOMAIN_DEVICE_DISK, disk);

    new_xml = device_xml (VB_DOMAIN_DEVICE_DISK, new_disk);
    swap_media (disk, new_disk);
    old_xml = device_xml (VB_DOMAIN_DEVICE_DISK, disk);
    if (!g_str_equal (old_xml, new_xml)) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "only the media of disk '%s' can be changed, not its other settings", disk->target_dev);
      return FALSE;
    }
    out->media_changed = !g_str_equal (before, old_xml);
    if (out->media_changed && g_strcmp0 (disk->device, "cdrom") != 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "the media of disk '%s' cannot be changed: only cdrom devices have removable media",
                   disk->target_dev);
      return FALSE;
    }
    if (disk->source && disk->type && !g_str_equal (disk->type, "file") && !g_str_equal (disk->type, "block")) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "media of type '%s' is not supported", disk->type);
      return FALSE;
    }
    out->source = g_strdup (disk->source);
    out->format = g_strdup (disk->driver_type ? disk->driver_type : "raw");
  } else {
    VbDomainInterfaceDef *iface = old;
    gboolean was_up = link_is_up (iface);

    iface_inherit_actual (update->data, iface);
    new_xml = device_xml (VB_DOMAIN_DEVICE_INTERFACE, update->data);
    swap_links (&iface->info, new_info);
    old_xml = device_xml (VB_DOMAIN_DEVICE_INTERFACE, iface);
    if (!g_str_equal (old_xml, new_xml)) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "only the link state of an interface can be changed, not its other settings");
      return FALSE;
    }
    out->link_up = link_is_up (iface);
    out->link_changed = out->link_up != was_up;
  }
  out->alias = vb_qemu_device_alias (old_info);
  return TRUE;
}

/* The live part of an update: QMP commands run one after the other; the
 * new definitions replace the old ones once all succeeded. */
typedef struct {
  GTask *task;
  QemuVm *vm;
  VbDomainDef *live;
  VbDomainDef *config;
  GPtrArray *commands;  /* char* name, JsonNode* args, … in pairs */
  guint next;
  char *tray_alias;     /* the cdrom whose tray the first command opens */
} UpdateCall;

static void
update_call_free (UpdateCall *u)
{
  g_clear_object (&u->task);
  vm_unref (u->vm);
  g_clear_pointer (&u->live, vb_domain_def_free);
  g_clear_pointer (&u->config, vb_domain_def_free);
  for (guint i = 0; i + 1 < u->commands->len; i += 2) {
    g_free (g_ptr_array_index (u->commands, i));
    g_clear_pointer (&g_ptr_array_index (u->commands, i + 1), json_node_unref);
  }
  g_ptr_array_unref (u->commands);
  g_free (u->tray_alias);
  g_free (u);
}

static void
update_add_command (UpdateCall *u, const char *command, GVariant *args)
{
  g_ptr_array_add (u->commands, g_strdup (command));
  g_ptr_array_add (u->commands, args ? vb_qemu_json_args (args) : NULL);
}

static void update_send_next (UpdateCall *u);

static void
update_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UpdateCall *u = user_data;
  QemuVm *vm = u->vm;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret == NULL) {
    /* the old media stays: not behind an open tray */
    if (u->tray_alias && u->next > 2 && !vm->exited) {
      g_autoptr(JsonNode) args = vb_qemu_json_args (g_variant_new_parsed ("{'id': <%s>}", u->tray_alias));

      vb_qemu_monitor_command_async (vm->mon, "blockdev-close-tray", args, NULL, NULL, NULL);
    }
    g_task_return_new_error (u->task, VB_ERROR, VB_ERROR_FAILED, "cannot update the device of '%s': %s",
                             vb_domain_get_name (vm->dom), error->message);
    update_call_free (u);
    return;
  }
  if (u->next < u->commands->len) {
    update_send_next (u);
    return;
  }
  if (!vm->exited) {
    g_autoptr(GError) store_error = NULL;

    vb_domain_set_live_def (vm->dom, g_steal_pointer (&u->live));
    vm_save_status (vm);
    if (!apply_config (vm->driver, vm->dom, &u->config, &store_error))
      g_warning ("domain '%s': device updated live, but not in the config: %s", vb_domain_get_name (vm->dom),
                 store_error->message);
  }
  g_task_return_pointer (u->task, NULL, NULL);
  update_call_free (u);
}

static void
update_send_next (UpdateCall *u)
{
  const char *command = g_ptr_array_index (u->commands, u->next);
  JsonNode *args = g_ptr_array_index (u->commands, u->next + 1);

  u->next += 2;
  vb_qemu_monitor_command_async (u->vm->mon, command, args, NULL, update_reply, u);
}

static gboolean
domain_update_device (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                      GError **error)
{
  const char *xml;
  guint flags;
  g_autoptr(VbDomainDef) config = NULL;
  g_autoptr(VbDomainDef) live = NULL;
  DeviceUpdate change = { 0 };
  UpdateCall *u;

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!resolve_affect (dom, &flags, error))
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    DeviceUpdate config_change = { 0 };
    gboolean ok;

    config = vb_domain_def_copy (vb_domain_get_def (dom));
    ok = update_device_in_def (config, xml, &config_change, error);
    device_update_clear (&config_change);
    if (!ok)
      return FALSE;
  }
  if (!(flags & VB_DOMAIN_AFFECT_LIVE))
    return apply_config (self, dom, &config, error);

  live = vb_domain_def_copy (vb_domain_get_live_def (dom));
  if (!update_device_in_def (live, xml, &change, error)) {
    device_update_clear (&change);
    return FALSE;
  }
  if (change.media_changed && change.source && !g_file_test (change.source, G_FILE_TEST_EXISTS)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot access storage file '%s': No such file or directory",
                 change.source);
    device_update_clear (&change);
    return FALSE;
  }
  if ((change.media_changed || change.link_changed) && change.alias == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_FAILED, "the device has no alias in the running domain");
    device_update_clear (&change);
    return FALSE;
  }
  u = g_new0 (UpdateCall, 1);
  u->vm = vm_ref (domain_vm (dom));
  u->live = g_steal_pointer (&live);
  u->config = g_steal_pointer (&config);
  u->commands = g_ptr_array_new ();
  /* As libvirt does: the tray opened by force first, as a guest that
   * locked it would refuse; at the end it is closed again, empty or with
   * the new media. */
  if (change.media_changed) {
    u->tray_alias = g_strdup (change.alias);
    update_add_command (u, "blockdev-open-tray", g_variant_new_parsed ("{'id': <%s>, 'force': <true>}", change.alias));
  }
  if (change.media_changed && change.source) {
    update_add_command (u, "blockdev-change-medium",
                        g_variant_new_parsed ("{'id': <%s>, 'filename': <%s>, 'format': <%s>}", change.alias,
                                              change.source, change.format));
  } else if (change.media_changed) {
    update_add_command (u, "blockdev-remove-medium", g_variant_new_parsed ("{'id': <%s>}", change.alias));
    update_add_command (u, "blockdev-close-tray", g_variant_new_parsed ("{'id': <%s>}", change.alias));
  }
  if (change.link_changed)
    update_add_command (u, "set_link", g_variant_new_parsed ("{'name': <%s>, 'up': <%b>}", change.alias,
                                                             change.link_up));
  device_update_clear (&change);
  if (u->commands->len == 0) {
    /* nothing the guest sees changes */
    gboolean ok = apply_config (self, dom, &u->config, error);

    if (ok)
      vb_domain_set_live_def (dom, g_steal_pointer (&u->live));
    update_call_free (u);
    return ok;
  }
  u->task = g_object_ref (task);
  *handed = TRUE;
  update_send_next (u);
  return TRUE;
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
  vm_command (domain_vm (dom), VB_OP_DOMAIN_PM_WAKEUP, "system_wakeup", task);
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
  vm_command (domain_vm (dom), VB_OP_DOMAIN_INJECT_NMI, "inject-nmi", task);
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
    if (vb_domain_is_active (dom) || domain_vm (dom)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is already running", name);
      return FALSE;
    }
    if (vb_domain_has_managed_save (dom) && (flags & VB_DOMAIN_START_FORCE_BOOT))
      remove_save_image (self, dom);
    if (vb_domain_has_managed_save (dom)) {
      g_autofree char *image = save_image_path (self, dom, "");
      g_autofree char *xml_path = save_image_path (self, dom, ".xml");
      g_autofree char *xml = NULL;
      g_autoptr(VbDomainDef) saved_def = NULL;

      if (!g_file_get_contents (xml_path, &xml, NULL, error) || (saved_def = parse_domain (xml, error)) == NULL) {
        g_prefix_error (error, "managed save image of '%s' is unusable (start with force-boot to discard it): ",
                        name);
        return FALSE;
      }
      QemuRestore restore = { .path = image, .managed = TRUE };

      *handed = TRUE;
      domain_start (self, dom, g_steal_pointer (&saved_def), (flags & VB_DOMAIN_START_PAUSED) != 0, FALSE,
                    &restore, task);
      return TRUE;
    }
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
    if (vb_domain_has_managed_save (dom) && !(flags & VB_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                   "refusing to undefine domain '%s' while a managed save image exists", name);
      return FALSE;
    }
    if (!check_undefine_nvram (vb_domain_get_def (dom), flags, error) ||
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
    vm_command (domain_vm (dom), op, op == VB_OP_DOMAIN_SHUTDOWN ? "system_powerdown" : "system_reset", task);
    return TRUE;

  case VB_OP_DOMAIN_DESTROY:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, QEMU_DESTROY_GRACEFUL, error) || !check_active (dom, error))
      return FALSE;
    *handed = TRUE;
    domain_destroy (self, dom, flags, task);
    return TRUE;

  case VB_OP_DOMAIN_SUSPEND:
    if (!check_active (dom, error))
      return FALSE;
    if (vb_domain_get_state (dom, NULL) == VB_DOMAIN_PAUSED) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is already paused", name);
      return FALSE;
    }
    if (vb_domain_get_state (dom, NULL) == VB_DOMAIN_PMSUSPENDED) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain is pmsuspended");
      return FALSE;
    }
    *handed = TRUE;
    domain_vm (dom)->pause_reason = VB_DOMAIN_PAUSED_USER;
    vm_command (domain_vm (dom), op, "stop", task);
    return TRUE;

  case VB_OP_DOMAIN_RESUME:
    if (!check_active (dom, error))
      return FALSE;
    if (vb_domain_get_state (dom, NULL) == VB_DOMAIN_PMSUSPENDED) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain is pmsuspended");
      return FALSE;
    }
    if (vb_domain_get_state (dom, NULL) != VB_DOMAIN_PAUSED) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not paused", name);
      return FALSE;
    }
    *handed = TRUE;
    vm_command (domain_vm (dom), op, "cont", task);
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
    /* bypass-cache, running, paused: accepted; the restore always runs
     * unless the start asks for paused */
    if (!vb_check_flags (flags, 0x7, error) || !check_active (dom, error))
      return FALSE;
    if (!vb_domain_is_persistent (dom)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                   "cannot do managed save for transient domain '%s'", name);
      return FALSE;
    }
    *handed = TRUE;
    domain_managed_save (self, dom, task);
    return TRUE;

  default:
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "not supported by this driver: %s",
                 vb_op_get_info (op)->name);
    return FALSE;
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
      return_variant (task, g_variant_new_take_string (xml));
    else
      g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  case VB_OP_DOMAIN_SAVE_IMAGE_DEFINE_XML:
    if (save_image_define_xml (args, &error))
      return_variant (task, NULL);
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
    vm_command (domain_vm (VB_DOMAIN (object)), op, "query-balloon", task);
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
    return_variant (task, out);
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

/* The networks' usage as the guests that kept running hold it: what
 * the network driver recorded may predate guests that stopped, or
 * started, just before the daemon went away. */
static void
recount_ports (VbQemuDriver *self)
{
  g_autoptr(GPtrArray) domains = NULL;

  if (self->net == NULL)
    return;
  vb_network_driver_usage_reset (self->net);
  domains = vb_driver_list_domains (VB_DRIVER (self), 0);
  for (guint i = 0; i < domains->len; i++) {
    VbDomain *dom = g_ptr_array_index (domains, i);
    QemuVm *vm = domain_vm (dom);

    for (guint j = 0; vm && j < vm->nics->len; j++) {
      QemuNic *nic = g_ptr_array_index (vm->nics, j);
      g_autoptr(GError) error = NULL;

      if (nic->port && !vb_network_driver_port_reclaim (self->net, nic->port, &error))
        g_warning ("QEMU driver: domain '%s', interface %s: %s", vb_domain_get_name (dom), nic->alias,
                   error->message);
    }
  }
}

static void
reattach_all (VbQemuDriver *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = vb_config_store_list_status (self->store, &error);

  if (keys == NULL) {
    g_warning ("QEMU driver: %s", error->message);
    return;
  }
  for (guint i = 0; keys[i]; i++)
    reattach_one (self, keys[i]);
  recount_ports (self);
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
  if (self->state_dir && *self->state_dir)
    self->save_dir = g_build_filename (self->state_dir, "lib", "qemu", "save", NULL);
  else if (self->system)
    self->save_dir = g_strdup ("/var/lib/virtbus/qemu/save");
  else
    self->save_dir = g_build_filename (g_get_user_data_dir (), "virtbus", "qemu", "save", NULL);
  if (g_mkdir_with_parents (self->save_dir, 0700) < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", self->save_dir, g_strerror (saved));
    return FALSE;
  }
  if (self->state_dir && *self->state_dir)
    self->nvram_dir = g_build_filename (self->state_dir, "lib", "qemu", "nvram", NULL);
  else if (self->system)
    self->nvram_dir = g_strdup ("/var/lib/virtbus/qemu/nvram");
  else
    self->nvram_dir = g_build_filename (g_get_user_data_dir (), "virtbus", "qemu", "nvram", NULL);
  self->emulator = vb_qemu_caps_default_emulator ();
  if (self->state_dir && *self->state_dir)
    self->caps_cache = g_build_filename (self->state_dir, "cache", "qemu-capabilities", NULL);
  else if (self->system)
    self->caps_cache = g_strdup ("/var/cache/virtbus/qemu-capabilities");
  else
    self->caps_cache = g_build_filename (g_get_user_cache_dir (), "virtbus", "qemu-capabilities", NULL);
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
  for (guint i = 0; i < domains->len; i++) {
    VbDomain *dom = g_ptr_array_index (domains, i);
    QemuVm *vm = domain_vm (dom);

    if (vm) {
      vm->exited = TRUE;
      g_cancellable_cancel (vm->cancel);
      g_clear_handle_id (&vm->kill_timer, g_source_remove);
      g_clear_handle_id (&vm->poll_timer, g_source_remove);
      if (vm->mon)
        vb_qemu_monitor_close (vm->mon);
      vb_domain_set_driver_data (dom, NULL, NULL);
    }
  }
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
