/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-driver.h"

#include "vb-config-store.h"
#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-network-def.h"

#define H VB_OP_TARGET_HOST
#define D VB_OP_TARGET_DOMAIN
#define N VB_OP_TARGET_NETWORK

/* Permissions are libvirt's ACL permission names for the op's object kind
 * ("connect" for host ops); a comma separates several that must all hold. */
static const VbOpInfo op_info[VB_OP_LAST] = {
  [VB_OP_GET_CAPABILITIES] = { "GetCapabilities", H, "()", FALSE, "read" },
  [VB_OP_GET_DOMAIN_CAPABILITIES] = { "GetDomainCapabilities", H, "(msmsmsmsu)", FALSE, "write" },
  [VB_OP_GET_SYSINFO] = { "GetSysinfo", H, "(u)", FALSE, "read" },
  [VB_OP_GET_CPU_MODEL_NAMES] = { "GetCPUModelNames", H, "(su)", FALSE, "read" },
  [VB_OP_GET_HOSTNAME] = { "Hostname", H, "()", FALSE, "getattr" },
  [VB_OP_GET_VERSION] = { "Version", H, "()", FALSE, "getattr" },
  [VB_OP_NODE_GET_INFO] = { "NodeGetInfo", H, "()", FALSE, "read" },
  [VB_OP_NODE_GET_FREE_MEMORY] = { "NodeGetFreeMemory", H, "()", FALSE, "read" },
  [VB_OP_NODE_GET_CPU_MAP] = { "NodeGetCPUMap", H, "(u)", FALSE, "read" },
  [VB_OP_NODE_GET_CPU_STATS] = { "NodeGetCPUStats", H, "(iu)", FALSE, "read" },
  [VB_OP_NODE_GET_MEMORY_STATS] = { "NodeGetMemoryStats", H, "(iu)", FALSE, "read" },
  [VB_OP_NODE_GET_CELLS_FREE_MEMORY] = { "NodeGetCellsFreeMemory", H, "(iiu)", FALSE, "read" },
  [VB_OP_NODE_GET_SECURITY_MODEL] = { "NodeGetSecurityModel", H, "()", FALSE, "read" },

  [VB_OP_DOMAIN_DEFINE_XML] = { "DomainDefineXML", D, "(s)", TRUE, "write,save" },
  [VB_OP_DOMAIN_CREATE_XML] = { "DomainCreateXML", D, "(su)", TRUE, "write,start" },
  [VB_OP_NETWORK_DEFINE_XML] = { "NetworkDefineXML", N, "(s)", TRUE, "write,save" },
  [VB_OP_NETWORK_CREATE_XML] = { "NetworkCreateXML", N, "(s)", TRUE, "write,start" },
  /* the domain is named only inside the file: libvirt checks domain:start
   * and domain:write on the definition it holds */
  [VB_OP_DOMAIN_RESTORE] = { "DomainRestore", D, "(ssu)", TRUE, "write,start" },
  [VB_OP_DOMAIN_SAVE_IMAGE_DEFINE_XML] = { "DomainSaveImageDefineXML", D, "(ssu)", TRUE, "write" },
  [VB_OP_DOMAIN_SAVE_IMAGE_GET_XML_DESC] = { "DomainSaveImageGetXMLDesc", D, "(su)", FALSE, "read" },

  [VB_OP_DOMAIN_GET_XML_DESC] = { "GetXMLDesc", D, "(u)", FALSE, "read" },
  [VB_OP_DOMAIN_GET_STATE] = { "GetState", D, "(u)", FALSE, "read" },
  [VB_OP_DOMAIN_GET_INFO] = { "GetInfo", D, "()", FALSE, "read" },
  [VB_OP_DOMAIN_GET_STATS] = { "GetStats", D, "(uu)", FALSE, "read" },
  [VB_OP_DOMAIN_MEMORY_STATS] = { "MemoryStats", D, "(u)", FALSE, "read" },
  [VB_OP_DOMAIN_GET_VCPUS] = { "GetVcpus", D, "(u)", FALSE, "read" },
  [VB_OP_DOMAIN_INTERFACE_ADDRESSES] = { "InterfaceAddresses", D, "(uu)", FALSE, "read" },
  [VB_OP_DOMAIN_GET_METADATA] = { "GetMetadata", D, "(imsu)", FALSE, "read" },
  [VB_OP_DOMAIN_HAS_MANAGED_SAVE] = { "HasManagedSaveImage", D, "(u)", FALSE, "read" },
  [VB_OP_DOMAIN_GET_TIME] = { "GetTime", D, "(u)", FALSE, "write" },
  [VB_OP_DOMAIN_GET_HOSTNAME] = { "GetHostname", D, "(u)", FALSE, "write" },
  [VB_OP_DOMAIN_GET_JOB_INFO] = { "GetJobInfo", D, "()", FALSE, "read" },
  [VB_OP_DOMAIN_GET_JOB_STATS] = { "GetJobStats", D, "(u)", FALSE, "read" },
  [VB_OP_DOMAIN_GET_SCHEDULER_TYPE] = { "SchedulerType", D, "()", FALSE, "read" },

  [VB_OP_DOMAIN_CREATE] = { "Create", D, "(u)", TRUE, "start" },
  [VB_OP_DOMAIN_UNDEFINE] = { "Undefine", D, "(u)", TRUE, "delete" },
  [VB_OP_DOMAIN_SHUTDOWN] = { "Shutdown", D, "(u)", TRUE, "init_control" },
  [VB_OP_DOMAIN_REBOOT] = { "Reboot", D, "(u)", TRUE, "init_control" },
  [VB_OP_DOMAIN_RESET] = { "Reset", D, "(u)", TRUE, "reset" },
  [VB_OP_DOMAIN_DESTROY] = { "Destroy", D, "(u)", TRUE, "stop" },
  [VB_OP_DOMAIN_SUSPEND] = { "Suspend", D, "()", TRUE, "suspend" },
  [VB_OP_DOMAIN_RESUME] = { "Resume", D, "()", TRUE, "suspend" },
  [VB_OP_DOMAIN_MANAGED_SAVE] = { "ManagedSave", D, "(u)", TRUE, "hibernate" },
  [VB_OP_DOMAIN_MANAGED_SAVE_REMOVE] = { "ManagedSaveRemove", D, "(u)", TRUE, "hibernate" },
  [VB_OP_DOMAIN_SAVE] = { "Save", D, "(ssu)", TRUE, "hibernate" },
  [VB_OP_DOMAIN_SET_VCPUS] = { "SetVcpus", D, "(uu)", TRUE, "write" },
  [VB_OP_DOMAIN_SET_MEMORY] = { "SetMemory", D, "(tu)", TRUE, "write" },
  [VB_OP_DOMAIN_SET_METADATA] = { "SetMetadata", D, "(imsmsmsu)", TRUE, "write" },
  [VB_OP_DOMAIN_SET_AUTOSTART] = { "Autostart", D, "(b)", TRUE, "write" },
  [VB_OP_DOMAIN_ATTACH_DEVICE] = { "AttachDevice", D, "(su)", TRUE, "write" },
  [VB_OP_DOMAIN_DETACH_DEVICE] = { "DetachDevice", D, "(su)", TRUE, "write" },
  [VB_OP_DOMAIN_UPDATE_DEVICE] = { "UpdateDevice", D, "(su)", TRUE, "write" },
  [VB_OP_DOMAIN_RENAME] = { "Rename", D, "(su)", TRUE, "write,save" },
  [VB_OP_DOMAIN_PM_WAKEUP] = { "PMWakeup", D, "(u)", TRUE, "init_control" },
  [VB_OP_DOMAIN_PM_SUSPEND] = { "PMSuspendForDuration", D, "(utu)", TRUE, "init_control" },
  [VB_OP_DOMAIN_INJECT_NMI] = { "InjectNMI", D, "(u)", TRUE, "inject_nmi" },
  [VB_OP_DOMAIN_SEND_KEY] = { "SendKey", D, "(uuauu)", TRUE, "send_input" },
  [VB_OP_DOMAIN_SET_TIME] = { "SetTime", D, "(tuu)", TRUE, "set_time" },
  [VB_OP_DOMAIN_CORE_DUMP] = { "CoreDump", D, "(suu)", TRUE, "core_dump" },
  [VB_OP_DOMAIN_OPEN_GRAPHICS_FD] = { "OpenGraphicsFD", D, "(uu)", TRUE, "open_graphics" },
  [VB_OP_DOMAIN_ABORT_JOB] = { "AbortJob", D, "()", FALSE, "suspend" },

  [VB_OP_NETWORK_GET_XML_DESC] = { "GetXMLDesc", N, "(u)", FALSE, "read" },
  [VB_OP_NETWORK_GET_DHCP_LEASES] = { "GetDHCPLeases", N, "(su)", FALSE, "read" },
  [VB_OP_NETWORK_GET_BRIDGE_NAME] = { "BridgeName", N, "()", FALSE, "read" },
  [VB_OP_NETWORK_CREATE] = { "Create", N, "()", TRUE, "start" },
  [VB_OP_NETWORK_DESTROY] = { "Destroy", N, "()", TRUE, "stop" },
  [VB_OP_NETWORK_UNDEFINE] = { "Undefine", N, "()", TRUE, "delete" },
  [VB_OP_NETWORK_UPDATE] = { "Update", N, "(uuisu)", TRUE, "write" },
  [VB_OP_NETWORK_SET_AUTOSTART] = { "Autostart", N, "(b)", TRUE, "write" },
};

#undef H
#undef D
#undef N

const VbOpInfo *
vb_op_get_info (VbOp op)
{
  g_return_val_if_fail (op < VB_OP_LAST, NULL);
  return &op_info[op];
}

static gboolean
op_creates_object (VbOp op)
{
  return op == VB_OP_DOMAIN_DEFINE_XML || op == VB_OP_DOMAIN_CREATE_XML ||
         op == VB_OP_NETWORK_DEFINE_XML || op == VB_OP_NETWORK_CREATE_XML;
}

typedef struct {
  /* one registry per object kind, VbObjectList*, made on first use */
  GPtrArray *lists;
  VbObjectList *domains;
  VbObjectList *networks;
  /* per kind: GType, parse flags (vb_driver_set_parse_flags) */
  GArray *parse_flags;
  int last_domain_id;
} VbDriverPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (VbDriver, vb_driver, G_TYPE_OBJECT)

enum {
  SIGNAL_DOMAIN_ADDED,
  SIGNAL_DOMAIN_REMOVED,
  SIGNAL_EVENT,
  SIGNAL_DOMAIN_CHANGED,
  SIGNAL_NETWORK_ADDED,
  SIGNAL_NETWORK_REMOVED,
  SIGNAL_NETWORK_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
vb_driver_finalize (GObject *object)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (VB_DRIVER (object));

  for (guint i = 0; i < priv->lists->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (priv->lists, i), object);
  g_ptr_array_unref (priv->lists);
  g_array_unref (priv->parse_flags);
  G_OBJECT_CLASS (vb_driver_parent_class)->finalize (object);
}

static void
vb_driver_class_init (VbDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vb_driver_finalize;

  signals[SIGNAL_DOMAIN_ADDED] =
    g_signal_new ("domain-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_DOMAIN);
  signals[SIGNAL_DOMAIN_REMOVED] =
    g_signal_new ("domain-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_DOMAIN);
  /* a pointer, not a boxed copy: the event lives only while it is emitted */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_OBJECT, G_TYPE_POINTER);
  signals[SIGNAL_DOMAIN_CHANGED] =
    g_signal_new ("domain-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, VB_TYPE_DOMAIN, G_TYPE_PARAM);
  signals[SIGNAL_NETWORK_CHANGED] =
    g_signal_new ("network-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, VB_TYPE_NETWORK, G_TYPE_PARAM);
  signals[SIGNAL_NETWORK_ADDED] =
    g_signal_new ("network-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_NETWORK);
  signals[SIGNAL_NETWORK_REMOVED] =
    g_signal_new ("network-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_NETWORK);
}

typedef struct {
  GType kind;
  guint flags;
} KindFlags;

/* The registry's signals for domains and networks, relayed from their
 * lists under the names the service listens to. */
static void
relay_added (VbObjectList *list, VbObject *object, VbDriver *self)
{
  g_signal_emit (self, signals[VB_IS_DOMAIN (object) ? SIGNAL_DOMAIN_ADDED : SIGNAL_NETWORK_ADDED], 0, object);
}

static void
relay_removed (VbObjectList *list, VbObject *object, VbDriver *self)
{
  g_signal_emit (self, signals[VB_IS_DOMAIN (object) ? SIGNAL_DOMAIN_REMOVED : SIGNAL_NETWORK_REMOVED], 0,
                 object);
}

static void
relay_changed (VbObjectList *list, VbObject *object, GParamSpec *pspec, VbDriver *self)
{
  g_signal_emit (self, signals[VB_IS_DOMAIN (object) ? SIGNAL_DOMAIN_CHANGED : SIGNAL_NETWORK_CHANGED], 0,
                 object, pspec);
}

static VbObjectList *
relayed_list (VbDriver *self, GType kind)
{
  VbObjectList *list = vb_driver_get_object_list (self, kind);

  g_signal_connect (list, "added", G_CALLBACK (relay_added), self);
  g_signal_connect (list, "removed", G_CALLBACK (relay_removed), self);
  g_signal_connect (list, "changed", G_CALLBACK (relay_changed), self);
  return list;
}

static void
vb_driver_init (VbDriver *self)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  priv->lists = g_ptr_array_new_with_free_func (g_object_unref);
  priv->parse_flags = g_array_new (FALSE, FALSE, sizeof (KindFlags));
  priv->domains = relayed_list (self, VB_TYPE_DOMAIN);
  priv->networks = relayed_list (self, VB_TYPE_NETWORK);
}

VbObjectList *
vb_driver_get_object_list (VbDriver *self, GType kind)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);
  VbObjectList *list;

  for (guint i = 0; i < priv->lists->len; i++) {
    list = g_ptr_array_index (priv->lists, i);
    if (vb_object_list_get_kind (list) == kind)
      return list;
  }
  list = vb_object_list_new (kind);
  g_ptr_array_add (priv->lists, list);
  return list;
}

const char *
vb_driver_get_name (VbDriver *self)
{
  return VB_DRIVER_GET_CLASS (self)->name;
}

gboolean
vb_driver_open (VbDriver *self, GError **error)
{
  VbDriverClass *klass = VB_DRIVER_GET_CLASS (self);

  return klass->open == NULL || klass->open (self, error);
}

static gboolean
vb_driver_real_is_busy (VbDriver *self)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  for (guint i = 0; i < priv->lists->len; i++) {
    VbObjectList *list = g_ptr_array_index (priv->lists, i);

    for (guint j = 0; j < vb_object_list_get_length (list); j++)
      if (vb_object_is_active (vb_object_list_get_nth (list, j)))
        return TRUE;
  }
  return FALSE;
}

gboolean
vb_driver_is_busy (VbDriver *self)
{
  VbDriverClass *klass = VB_DRIVER_GET_CLASS (self);

  return klass->is_busy ? klass->is_busy (self) : vb_driver_real_is_busy (self);
}

/* Jobs -------------------------------------------------------------------- */

/* One queued or running call.  The outer task belongs to the caller; the
 * driver completes an inner task whose callback finishes the outer one and
 * lets the next job of the same object run. */
typedef struct {
  VbDriver *driver;
  VbOp op;
  gpointer object; /* strong ref or NULL */
  GVariant *args;
  GTask *outer;
  VbDefinition *definition; /* a creation op's parsed document, until it runs */
  guint64 write_mark;       /* the config store's writes before the call ran */
  /* the driver's answer, held while the call's writes reach the disk */
  gpointer value;
  GError *error;
} VbCall;

/* A creation op's value is its new object, any other op's a GVariant. */
static void
vb_call_clear_value (VbCall *call)
{
  if (call->value)
    op_creates_object (call->op) ? g_object_unref (call->value) : g_variant_unref (call->value);
  call->value = NULL;
}

static void
vb_call_free (VbCall *call)
{
  vb_call_clear_value (call);
  g_clear_error (&call->error);
  g_clear_pointer (&call->definition, vb_definition_free);
  g_clear_object (&call->object);
  g_clear_pointer (&call->args, g_variant_unref);
  g_clear_object (&call->outer);
  g_object_unref (call->driver);
  g_free (call);
}

typedef struct {
  gboolean busy;
  GQueue pending; /* VbCall* */
} VbJobQueue;

static GQuark
job_queue_quark (void)
{
  return g_quark_from_static_string ("vb-job-queue");
}

static void
job_queue_free (gpointer data)
{
  VbJobQueue *queue = data;

  /* An object is finalized only when no call holds it, so nothing waits. */
  g_warn_if_fail (g_queue_is_empty (&queue->pending));
  g_free (queue);
}

static VbJobQueue *
job_queue_for (VbCall *call)
{
  GObject *owner = call->object ? call->object : G_OBJECT (call->driver);
  VbJobQueue *queue = g_object_get_qdata (owner, job_queue_quark ());

  if (queue == NULL) {
    queue = g_new0 (VbJobQueue, 1);
    g_object_set_qdata_full (owner, job_queue_quark (), queue, job_queue_free);
  }
  return queue;
}

static void run_call (VbCall *call);

gboolean
vb_check_flags (guint flags, guint allowed, GError **error)
{
  if (flags & ~allowed) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unsupported flags (0x%x)", flags & ~allowed);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_op_unsupported (VbOp op, GError **error)
{
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "not supported by this driver: %s",
               vb_op_get_info (op)->name);
  return FALSE;
}

/* Returns TRUE when @op is one the core answers itself, with *@out or
 * @error set. */
static gboolean
run_common_query (VbOp op, gpointer object, GVariant *args, GVariant **out, GError **error)
{
  guint flags;

  switch (op) {
  case VB_OP_DOMAIN_GET_XML_DESC: {
    VbDomain *dom = object;
    const VbDomainDef *def = vb_domain_get_current_def (dom);
    guint format = 0;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_XML_SECURE | VB_DOMAIN_XML_INACTIVE |
                         VB_DOMAIN_XML_UPDATE_CPU | VB_DOMAIN_XML_MIGRATABLE, error))
      return TRUE;
    if (flags & (VB_DOMAIN_XML_INACTIVE | VB_DOMAIN_XML_MIGRATABLE)) {
      format |= VB_DOMAIN_FORMAT_INACTIVE;
      if (vb_domain_is_persistent (dom))
        def = vb_domain_get_def (dom);
    }
    if (flags & VB_DOMAIN_XML_SECURE)
      format |= VB_DOMAIN_FORMAT_SECURE;
    *out = g_variant_new_take_string (vb_domain_def_format (def, format));
    return TRUE;
  }
  case VB_OP_DOMAIN_GET_STATE: {
    int reason;
    VbDomainState state;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return TRUE;
    state = vb_domain_get_state (object, &reason);
    *out = g_variant_new ("(ii)", (int) state, reason);
    return TRUE;
  }
  case VB_OP_DOMAIN_HAS_MANAGED_SAVE:
    g_variant_get (args, "(u)", &flags);
    if (vb_check_flags (flags, 0, error))
      *out = g_variant_new_boolean (vb_domain_has_managed_save (object));
    return TRUE;
  case VB_OP_DOMAIN_GET_METADATA: {
    int type;
    const char *uri;
    const VbDomainDef *def;
    char *value;

    g_variant_get (args, "(im&su)", &type, &uri, &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG, error))
      return TRUE;
    if (type < VB_DOMAIN_METADATA_DESCRIPTION || type > VB_DOMAIN_METADATA_ELEMENT) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown metadata type '%d'", type);
      return TRUE;
    }
    def = vb_domain_resolve_one_def (object, &flags, error);
    if (def == NULL)
      return TRUE;
    value = vb_domain_def_get_metadata (def, type, uri, error);
    if (value != NULL)
      *out = g_variant_new_take_string (value);
    return TRUE;
  }
  default:
    return FALSE;
  }
}

static gboolean
object_still_registered (VbCall *call, GError **error)
{
  VbObject *object;

  if (call->object == NULL || !VB_IS_OBJECT (call->object))
    return TRUE;
  object = call->object;
  if (!vb_object_list_contains (vb_driver_get_object_list (call->driver, G_OBJECT_TYPE (object)), object)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "%s '%s' (%s) no longer exists",
                 vb_object_get_kind (object), vb_object_get_name (object), vb_object_get_uuid_string (object));
    return FALSE;
  }
  return TRUE;
}

static void
start_next_job (VbJobQueue *queue)
{
  while (!queue->busy && !g_queue_is_empty (&queue->pending)) {
    VbCall *call = g_queue_pop_head (&queue->pending);
    g_autoptr(GError) error = NULL;

    /* The object may have been undefined by the job before this one. */
    if (!object_still_registered (call, &error)) {
      g_task_return_error (call->outer, g_steal_pointer (&error));
      vb_call_free (call);
      continue;
    }
    queue->busy = TRUE;
    run_call (call);
  }
}

/* A result's fds are kept on its GTask rather than in the value, so that
 * the value stays a plain GVariant for every op. */
static GQuark
fd_list_quark (void)
{
  return g_quark_from_static_string ("vb-result-fd-list");
}

/* Answers the caller with what the driver (or the store) said, then lets
 * the object's next job run. */
static void
call_finish (VbCall *call)
{
  const VbOpInfo *info = vb_op_get_info (call->op);
  gpointer value = g_steal_pointer (&call->value);

  if (call->error)
    g_task_return_error (call->outer, g_steal_pointer (&call->error));
  else if (op_creates_object (call->op))
    g_task_return_pointer (call->outer, value, value ? g_object_unref : NULL);
  else
    g_task_return_pointer (call->outer, value, value ? (GDestroyNotify) g_variant_unref : NULL);

  if (info->job) {
    /* Keep the queue's owner alive while the next job is picked. */
    GObject *owner = g_object_ref (call->object ? call->object : G_OBJECT (call->driver));
    VbJobQueue *queue = job_queue_for (call);

    queue->busy = FALSE;
    vb_call_free (call);
    start_next_job (queue);
    g_object_unref (owner);
  } else {
    vb_call_free (call);
  }
}

static void
call_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbCall *call = user_data;
  g_autoptr(GError) error = NULL;

  /* the change is made, but a client told "done" must find it after a
   * crash: a write that failed fails the call */
  if (!vb_config_store_flush_finish (result, &error) && call->error == NULL) {
    vb_call_clear_value (call);
    call->error = g_steal_pointer (&error);
  }
  call_finish (call);
}

static void
call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbCall *call = user_data;
  GTask *inner = G_TASK (result);
  GUnixFDList *fd_list = g_object_steal_qdata (G_OBJECT (inner), fd_list_quark ());

  call->value = g_task_propagate_pointer (inner, &call->error);
  /* the fds ride on the task beside its value, from inner to outer */
  if (fd_list)
    g_object_set_qdata_full (G_OBJECT (call->outer), fd_list_quark (), fd_list, g_object_unref);
  /* durable writes run in the store's thread; the answer waits for them */
  if (vb_config_store_written_since (call->write_mark))
    vb_config_store_flush_async (call->write_mark, NULL, call_written, call);
  else
    call_finish (call);
}

static GQuark
definition_quark (void)
{
  return g_quark_from_static_string ("vb-call-definition");
}

static void
run_call (VbCall *call)
{
  VbDriverClass *klass = VB_DRIVER_GET_CLASS (call->driver);
  GTask *inner = g_task_new (call->driver, g_task_get_cancellable (call->outer), call_done, call);

  g_task_set_task_data (inner, GUINT_TO_POINTER (call->op), NULL);
  g_task_set_source_tag (inner, run_call);
  call->write_mark = vb_config_store_write_mark ();
  if (call->definition)
    g_object_set_qdata_full (G_OBJECT (inner), definition_quark (), g_steal_pointer (&call->definition),
                             (GDestroyNotify) vb_definition_free);
  {
    g_autoptr(GError) error = NULL;
    GVariant *out = NULL;

    if (run_common_query (call->op, call->object, call->args, &out, &error)) {
      if (error)
        g_task_return_error (inner, g_steal_pointer (&error));
      else
        g_task_return_pointer (inner, g_variant_ref_sink (out), (GDestroyNotify) g_variant_unref);
      g_object_unref (inner);
      return;
    }
  }
  if (klass->run == NULL)
    vb_driver_task_return_unsupported (inner, call->op);
  else
    klass->run (call->driver, call->op, call->object, call->args, inner);
  g_object_unref (inner);
}

static void
call_async (VbDriver *self, VbOp op, gpointer object, GVariant *args, VbDefinition *definition,
            GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  const VbOpInfo *info = vb_op_get_info (op);
  VbCall *call;
  g_autoptr(GVariant) owned_args = g_variant_ref_sink (args ? args : g_variant_new ("()"));

  g_return_if_fail (VB_IS_DRIVER (self));
  g_return_if_fail (info != NULL);

  call = g_new0 (VbCall, 1);
  call->driver = g_object_ref (self);
  call->op = op;
  call->object = object ? g_object_ref (object) : NULL;
  call->args = g_steal_pointer (&owned_args);
  call->definition = definition;
  call->outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (call->outer, vb_driver_call_async);
  g_task_set_task_data (call->outer, GUINT_TO_POINTER (op), NULL);

  if (!g_variant_is_of_type (call->args, G_VARIANT_TYPE (info->args_type))) {
    g_task_return_new_error (call->outer, VB_ERROR, VB_ERROR_INVALID_ARG,
                             "%s: arguments of type %s, expected %s", info->name,
                             g_variant_get_type_string (call->args), info->args_type);
    vb_call_free (call);
    return;
  }
  if (info->job) {
    VbJobQueue *queue = job_queue_for (call);

    g_queue_push_tail (&queue->pending, call);
    start_next_job (queue);
  } else {
    run_call (call);
  }
}

void
vb_driver_call_async (VbDriver *self, VbOp op, gpointer object, GVariant *args,
                      GCancellable *cancellable, GAsyncReadyCallback callback,
                      gpointer user_data)
{
  call_async (self, op, object, args, NULL, cancellable, callback, user_data);
}

void
vb_driver_call_with_definition_async (VbDriver *self, VbOp op, GVariant *args, VbDefinition *definition,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_return_if_fail (op_creates_object (op));
  call_async (self, op, NULL, args, definition, cancellable, callback, user_data);
}

GVariant *
vb_driver_call_finish_with_fds (VbDriver *self, GAsyncResult *result, GUnixFDList **out_fd_list,
                                GError **error)
{
  g_autoptr(GUnixFDList) fd_list = NULL;
  GVariant *value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  fd_list = g_object_steal_qdata (G_OBJECT (result), fd_list_quark ());
  value = vb_driver_call_finish (self, result, NULL, error);
  if (out_fd_list)
    *out_fd_list = value ? g_steal_pointer (&fd_list) : NULL;
  return value;
}

GVariant *
vb_driver_call_finish (VbDriver *self, GAsyncResult *result, gpointer *out_object, GError **error)
{
  VbOp op;
  gpointer value;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  op = GPOINTER_TO_UINT (g_task_get_task_data (G_TASK (result)));
  value = g_task_propagate_pointer (G_TASK (result), error);
  if (op_creates_object (op)) {
    if (out_object)
      *out_object = value;
    else if (value)
      g_object_unref (value);
    return NULL;
  }
  return value;
}

void
vb_driver_task_return_unsupported (GTask *task, VbOp op)
{
  GError *error = NULL;

  vb_op_unsupported (op, &error);
  g_task_return_error (task, error);
}

void
vb_driver_task_return_variant (GTask *task, GVariant *value)
{
  if (value)
    g_task_return_pointer (task, g_variant_ref_sink (value), (GDestroyNotify) g_variant_unref);
  else
    g_task_return_pointer (task, NULL, NULL);
}

void
vb_driver_task_return_result (GTask *task, gboolean ok, GVariant *value, GError *error)
{
  if (!ok)
    g_task_return_error (task, error);
  else
    vb_driver_task_return_variant (task, value);
}

void
vb_driver_task_return_object (GTask *task, gpointer object)
{
  g_task_return_pointer (task, g_object_ref (object), g_object_unref);
}

void
vb_driver_task_return_with_fds (GTask *task, GVariant *value, GUnixFDList *fd_list)
{
  g_object_set_qdata_full (G_OBJECT (task), fd_list_quark (), g_object_ref (fd_list), g_object_unref);
  g_task_return_pointer (task, g_variant_ref_sink (value), (GDestroyNotify) g_variant_unref);
}

VbOp
vb_driver_task_get_op (GTask *task)
{
  return GPOINTER_TO_UINT (g_task_get_task_data (task));
}

/* Parsed documents ------------------------------------------------------- */

struct _VbDefinition {
  VbObjectClass *klass;
  gpointer def;
};

static GType
op_kind (VbOp op)
{
  return vb_op_get_info (op)->target == VB_OP_TARGET_DOMAIN ? VB_TYPE_DOMAIN : VB_TYPE_NETWORK;
}

void
vb_driver_set_parse_flags (VbDriver *self, GType kind, guint parse_flags)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);
  KindFlags entry = { kind, parse_flags };

  for (guint i = 0; i < priv->parse_flags->len; i++) {
    if (g_array_index (priv->parse_flags, KindFlags, i).kind == kind) {
      g_array_index (priv->parse_flags, KindFlags, i).flags = parse_flags;
      return;
    }
  }
  g_array_append_val (priv->parse_flags, entry);
}

static guint
get_parse_flags (VbDriver *self, GType kind)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  for (guint i = 0; i < priv->parse_flags->len; i++)
    if (g_array_index (priv->parse_flags, KindFlags, i).kind == kind)
      return g_array_index (priv->parse_flags, KindFlags, i).flags;
  return 0;
}

VbDefinition *
vb_driver_parse_definition (VbDriver *self, VbOp op, const char *xml, GError **error)
{
  GType kind;
  VbObjectClass *klass;
  gpointer def;
  VbDefinition *definition;

  g_return_val_if_fail (op_creates_object (op), NULL);
  kind = op_kind (op);
  klass = vb_object_kind_class (kind);
  def = klass->def_parse (xml, get_parse_flags (self, kind), error);
  if (def == NULL)
    return NULL;
  definition = g_new0 (VbDefinition, 1);
  definition->klass = klass;
  definition->def = def;
  return definition;
}

const char *
vb_definition_get_name (VbDefinition *definition)
{
  return vb_object_class_def_get_name (definition->klass, definition->def);
}

const VbUuid *
vb_definition_get_uuid (VbDefinition *definition)
{
  return vb_object_class_def_get_uuid (definition->klass, definition->def);
}

void
vb_definition_free (VbDefinition *definition)
{
  if (definition->def)
    definition->klass->def_free (definition->def);
  g_free (definition);
}

gconstpointer
vb_driver_task_peek_definition (GTask *task)
{
  VbDefinition *definition = g_object_get_qdata (G_OBJECT (task), definition_quark ());

  return definition ? definition->def : NULL;
}

gpointer
vb_driver_task_steal_definition (GTask *task)
{
  g_autoptr(VbDefinition) definition = g_object_steal_qdata (G_OBJECT (task), definition_quark ());

  return definition ? g_steal_pointer (&definition->def) : NULL;
}

/* Registry ------------------------------------------------------------- */

void
vb_driver_add_object (VbDriver *self, VbObject *object)
{
  vb_object_list_add (vb_driver_get_object_list (self, G_OBJECT_TYPE (object)), object);
}

void
vb_driver_remove_object (VbDriver *self, VbObject *object)
{
  vb_object_list_remove (vb_driver_get_object_list (self, G_OBJECT_TYPE (object)), object);
}

void
vb_driver_add_domain (VbDriver *self, VbDomain *domain)
{
  vb_driver_add_object (self, VB_OBJECT (domain));
}

void
vb_driver_remove_domain (VbDriver *self, VbDomain *domain)
{
  vb_driver_remove_object (self, VB_OBJECT (domain));
}

VbDomain *
vb_driver_lookup_domain_by_uuid (VbDriver *self, const VbUuid *uuid)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return (VbDomain *) vb_object_list_lookup_by_uuid (priv->domains, uuid);
}

VbDomain *
vb_driver_lookup_domain_by_name (VbDriver *self, const char *name)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return (VbDomain *) vb_object_list_lookup_by_name (priv->domains, name);
}

VbDomain *
vb_driver_lookup_domain_by_id (VbDriver *self, int id)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  if (id < 0)
    return NULL;
  for (guint i = 0; i < vb_object_list_get_length (priv->domains); i++) {
    VbDomain *dom = VB_DOMAIN (vb_object_list_get_nth (priv->domains, i));
    if (vb_domain_get_id (dom) == id)
      return dom;
  }
  return NULL;
}

gboolean
vb_driver_domain_matches (VbDomain *dom, guint flags)
{
  VbDomainState state = vb_domain_get_state (dom, NULL);
  gboolean active = vb_domain_is_active (dom);
  gboolean persistent = vb_domain_is_persistent (dom);
  gboolean autostart = vb_domain_get_autostart (dom);
  gboolean saved = vb_domain_has_managed_save (dom);

  /* Each group of flags filters only when some flag of the group is set. */
  if ((flags & (VB_LIST_DOMAINS_ACTIVE | VB_LIST_DOMAINS_INACTIVE)) &&
      !((flags & VB_LIST_DOMAINS_ACTIVE && active) || (flags & VB_LIST_DOMAINS_INACTIVE && !active)))
    return FALSE;
  if ((flags & (VB_LIST_DOMAINS_PERSISTENT | VB_LIST_DOMAINS_TRANSIENT)) &&
      !((flags & VB_LIST_DOMAINS_PERSISTENT && persistent) ||
        (flags & VB_LIST_DOMAINS_TRANSIENT && !persistent)))
    return FALSE;
  if (flags & (VB_LIST_DOMAINS_RUNNING | VB_LIST_DOMAINS_PAUSED | VB_LIST_DOMAINS_SHUTOFF |
               VB_LIST_DOMAINS_OTHER)) {
    gboolean running = state == VB_DOMAIN_RUNNING;
    gboolean paused = state == VB_DOMAIN_PAUSED;
    gboolean shutoff = state == VB_DOMAIN_SHUTOFF;
    gboolean other = !running && !paused && !shutoff;

    if (!((flags & VB_LIST_DOMAINS_RUNNING && running) || (flags & VB_LIST_DOMAINS_PAUSED && paused) ||
          (flags & VB_LIST_DOMAINS_SHUTOFF && shutoff) || (flags & VB_LIST_DOMAINS_OTHER && other)))
      return FALSE;
  }
  if ((flags & (VB_LIST_DOMAINS_MANAGEDSAVE | VB_LIST_DOMAINS_NO_MANAGEDSAVE)) &&
      !((flags & VB_LIST_DOMAINS_MANAGEDSAVE && saved) ||
        (flags & VB_LIST_DOMAINS_NO_MANAGEDSAVE && !saved)))
    return FALSE;
  if ((flags & (VB_LIST_DOMAINS_AUTOSTART | VB_LIST_DOMAINS_NO_AUTOSTART)) &&
      !((flags & VB_LIST_DOMAINS_AUTOSTART && autostart) ||
        (flags & VB_LIST_DOMAINS_NO_AUTOSTART && !autostart)))
    return FALSE;
  /* No snapshots or checkpoints exist yet: every domain has none. */
  if ((flags & (VB_LIST_DOMAINS_HAS_SNAPSHOT | VB_LIST_DOMAINS_NO_SNAPSHOT)) &&
      !(flags & VB_LIST_DOMAINS_NO_SNAPSHOT))
    return FALSE;
  if ((flags & (VB_LIST_DOMAINS_HAS_CHECKPOINT | VB_LIST_DOMAINS_NO_CHECKPOINT)) &&
      !(flags & VB_LIST_DOMAINS_NO_CHECKPOINT))
    return FALSE;
  return TRUE;
}

GPtrArray *
vb_driver_list_domains (VbDriver *self, guint flags)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return vb_object_list_collect (priv->domains, (VbObjectFilter) vb_driver_domain_matches, flags);
}

guint
vb_driver_get_n_domains (VbDriver *self)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return vb_object_list_get_length (priv->domains);
}

int
vb_driver_next_domain_id (VbDriver *self)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return ++priv->last_domain_id;
}

void
vb_driver_add_network (VbDriver *self, VbNetwork *network)
{
  vb_driver_add_object (self, VB_OBJECT (network));
}

void
vb_driver_remove_network (VbDriver *self, VbNetwork *network)
{
  vb_driver_remove_object (self, VB_OBJECT (network));
}

VbNetwork *
vb_driver_lookup_network_by_uuid (VbDriver *self, const VbUuid *uuid)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return (VbNetwork *) vb_object_list_lookup_by_uuid (priv->networks, uuid);
}

VbNetwork *
vb_driver_lookup_network_by_name (VbDriver *self, const char *name)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return (VbNetwork *) vb_object_list_lookup_by_name (priv->networks, name);
}

gboolean
vb_driver_network_matches (VbNetwork *net, guint flags)
{
  gboolean active = vb_network_is_active (net);
  gboolean persistent = vb_network_is_persistent (net);
  gboolean autostart = vb_network_get_autostart (net);

  if ((flags & (VB_LIST_NETWORKS_ACTIVE | VB_LIST_NETWORKS_INACTIVE)) &&
      !((flags & VB_LIST_NETWORKS_ACTIVE && active) || (flags & VB_LIST_NETWORKS_INACTIVE && !active)))
    return FALSE;
  if ((flags & (VB_LIST_NETWORKS_PERSISTENT | VB_LIST_NETWORKS_TRANSIENT)) &&
      !((flags & VB_LIST_NETWORKS_PERSISTENT && persistent) ||
        (flags & VB_LIST_NETWORKS_TRANSIENT && !persistent)))
    return FALSE;
  if ((flags & (VB_LIST_NETWORKS_AUTOSTART | VB_LIST_NETWORKS_NO_AUTOSTART)) &&
      !((flags & VB_LIST_NETWORKS_AUTOSTART && autostart) ||
        (flags & VB_LIST_NETWORKS_NO_AUTOSTART && !autostart)))
    return FALSE;
  return TRUE;
}

GPtrArray *
vb_driver_list_networks (VbDriver *self, guint flags)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return vb_object_list_collect (priv->networks, (VbObjectFilter) vb_driver_network_matches, flags);
}

gboolean
vb_driver_check_domain_identity (VbDriver *self, const char *name, const VbUuid *uuid,
                                 VbDomain **out_existing, GError **error)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return vb_object_list_check_identity (priv->domains, name, uuid, (VbObject **) out_existing, error);
}

gboolean
vb_driver_check_network_identity (VbDriver *self, const char *name, const VbUuid *uuid,
                                  VbNetwork **out_existing, GError **error)
{
  VbDriverPrivate *priv = vb_driver_get_instance_private (self);

  return vb_object_list_check_identity (priv->networks, name, uuid, (VbObject **) out_existing, error);
}

void
vb_driver_emit_event (VbDriver *self, gpointer object, const VbEvent *event)
{
  g_return_if_fail (vb_event_kind_is_network (event->kind) ? VB_IS_NETWORK (object)
                                                          : VB_IS_DOMAIN (object));

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, object, event);
}

void
vb_driver_emit_domain_event (VbDriver *self, VbDomain *domain, VbDomainEvent event, int detail)
{
  vb_driver_emit_event (self, domain, &(VbEvent) {
    .kind = VB_EVENT_DOMAIN_LIFECYCLE, .lifecycle = { event, detail } });
}

void
vb_driver_emit_network_event (VbDriver *self, VbNetwork *network, VbNetworkEvent event)
{
  vb_driver_emit_event (self, network, &(VbEvent) {
    .kind = VB_EVENT_NETWORK_LIFECYCLE, .network_lifecycle = { event } });
}
