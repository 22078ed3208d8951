/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

#include <unistd.h>

#include <gio/gunixfdlist.h>

/**
 * VirtbusDomain:
 *
 * A domain (virtual machine or container) of a [class@Virtbus.Connection].
 *
 * The properties mirror the daemon's org.libvirt.Domain properties and change
 * (with [signal@GObject.Object::notify], in the main context the connection was
 * created in) when the daemon reports a change.  Lifecycle events arrive as
 * detailed signals whose detail is the nick of the event's detail enum, so
 * `stopped::destroyed` only fires when a domain was destroyed.
 *
 * A domain object stays valid for as long as it is referenced: after the
 * domain is undefined or the daemon restarts, calls on it fail with
 * %VIRTBUS_ERROR_NOT_FOUND or %VIRTBUS_ERROR_NOT_CONNECTED rather than
 * crash.
 *
 * Since: 1.0
 */
struct _VirtbusDomain {
  VirtbusObject parent_instance;

  char *os_type;
  int id;
  gboolean updated;
  VirtbusDomainState state;
  /* bumped by every event that sets the state, so that a GetState reply
   * older than the event does not overwrite what the event said */
  guint state_serial;
};

G_DEFINE_FINAL_TYPE (VirtbusDomain, virtbus_domain, VIRTBUS_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_OS_TYPE,
  PROP_ID,
  PROP_UPDATED,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_DEFINED,
  SIGNAL_UNDEFINED,
  SIGNAL_STARTED,
  SIGNAL_SUSPENDED,
  SIGNAL_RESUMED,
  SIGNAL_STOPPED,
  SIGNAL_SHUTDOWN,
  SIGNAL_PMSUSPENDED,
  SIGNAL_CRASHED,
  N_SIGNALS
};

/* Indexed by libvirt's virDomainEventType, which the enum above follows. */
static guint signals[N_SIGNALS];

static void
apply_property (VirtbusObject *object, const char *name, GVariant *value)
{
  VirtbusDomain *self = VIRTBUS_DOMAIN (object);

  if (g_str_equal (name, "OSType") && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    virtbus_update_string (self, &self->os_type, g_variant_get_string (value, NULL),
                           props[PROP_OS_TYPE]);
  } else if (g_str_equal (name, "Id") && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32)) {
    guint32 raw = g_variant_get_uint32 (value);
    /* the bus carries virDomainGetID()'s unsigned -1 for inactive domains */
    int id = raw > G_MAXINT ? -1 : (int) raw;

    if (self->id != id) {
      self->id = id;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ID]);
    }
  } else if (g_str_equal (name, "Updated") &&
             g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)) {
    virtbus_update_boolean (self, &self->updated, g_variant_get_boolean (value),
                            props[PROP_UPDATED]);
  }
}

static GType
detail_type (int event)
{
  switch (event) {
  case SIGNAL_DEFINED:
    return VIRTBUS_TYPE_DOMAIN_DEFINED_DETAIL;
  case SIGNAL_UNDEFINED:
    return VIRTBUS_TYPE_DOMAIN_UNDEFINED_DETAIL;
  case SIGNAL_STARTED:
    return VIRTBUS_TYPE_DOMAIN_STARTED_DETAIL;
  case SIGNAL_SUSPENDED:
    return VIRTBUS_TYPE_DOMAIN_SUSPENDED_DETAIL;
  case SIGNAL_RESUMED:
    return VIRTBUS_TYPE_DOMAIN_RESUMED_DETAIL;
  case SIGNAL_STOPPED:
    return VIRTBUS_TYPE_DOMAIN_STOPPED_DETAIL;
  case SIGNAL_SHUTDOWN:
    return VIRTBUS_TYPE_DOMAIN_SHUTDOWN_DETAIL;
  case SIGNAL_PMSUSPENDED:
    return VIRTBUS_TYPE_DOMAIN_PM_SUSPENDED_DETAIL;
  case SIGNAL_CRASHED:
    return VIRTBUS_TYPE_DOMAIN_CRASHED_DETAIL;
  default:
    return G_TYPE_INVALID;
  }
}

static void
set_state (VirtbusDomain *self, VirtbusDomainState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

static void
refresh_state_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VirtbusDomain *self = VIRTBUS_DOMAIN (source);
  guint serial = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  VirtbusDomainState state = virtbus_domain_get_state_finish (self, result, NULL, &error);

  if (error) {
    g_debug ("%s: no state: %s", virtbus_object_get_object_path (VIRTBUS_OBJECT (self)),
             error->message);
    return;
  }
  if (serial == self->state_serial)
    set_state (self, state);
}

static void
refresh_state (VirtbusObject *object)
{
  VirtbusDomain *self = VIRTBUS_DOMAIN (object);
  GMainContext *context = virtbus_object_get_context (object);

  /* A sync wrapper may be iterating a private context right now; the
   * reply belongs to the connection's, which outlives the call. */
  g_main_context_push_thread_default (context);
  virtbus_domain_get_state_async (self, NULL, refresh_state_done,
                                  GUINT_TO_POINTER (self->state_serial));
  g_main_context_pop_thread_default (context);
}

static const VirtbusObjectKind domain_kind = {
  .interface_name = VIRTBUS_DOMAIN_IFACE,
  .apply_property = apply_property,
  .refresh = refresh_state,
};

/* The state a lifecycle event leaves the domain in; -1 for no change. */
static int
state_after_event (int event, int detail)
{
  switch (event) {
  case SIGNAL_STARTED:
  case SIGNAL_RESUMED:
    return VIRTBUS_DOMAIN_STATE_RUNNING;
  case SIGNAL_SUSPENDED:
    return VIRTBUS_DOMAIN_STATE_PAUSED;
  case SIGNAL_STOPPED:
    return VIRTBUS_DOMAIN_STATE_SHUTOFF;
  case SIGNAL_PMSUSPENDED:
    return VIRTBUS_DOMAIN_STATE_PMSUSPENDED;
  case SIGNAL_CRASHED:
    return VIRTBUS_DOMAIN_STATE_CRASHED;
  case SIGNAL_SHUTDOWN:
    /* "finished" is followed by "stopped"; the others mean it is under way */
    return detail == VIRTBUS_DOMAIN_SHUTDOWN_FINISHED ? -1 : VIRTBUS_DOMAIN_STATE_SHUTDOWN;
  default:
    return -1;
  }
}

void
virtbus_domain_emit_event (VirtbusDomain *self, int event, int detail)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *value;
  GQuark quark = 0;
  int state;

  if (event < 0 || event >= N_SIGNALS) {
    g_debug ("%s: ignoring unknown domain event %d",
             virtbus_object_get_object_path (VIRTBUS_OBJECT (self)), event);
    return;
  }
  state = state_after_event (event, detail);
  if (state >= 0) {
    self->state_serial++;
    set_state (self, (VirtbusDomainState) state);
  }
  klass = g_type_class_ref (detail_type (event));
  value = g_enum_get_value (klass, detail);
  /* a detail newer than this library still reaches undetailed handlers */
  if (value)
    quark = g_quark_from_static_string (value->value_nick);
  g_signal_emit (self, signals[event], quark, detail);
}

/* Properties -------------------------------------------------------------- */

static void
virtbus_domain_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtbusDomain *self = VIRTBUS_DOMAIN (object);

  switch (prop_id) {
  case PROP_OS_TYPE:
    g_value_set_string (value, self->os_type);
    break;
  case PROP_ID:
    g_value_set_int (value, self->id);
    break;
  case PROP_UPDATED:
    g_value_set_boolean (value, self->updated);
    break;
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
virtbus_domain_finalize (GObject *object)
{
  VirtbusDomain *self = VIRTBUS_DOMAIN (object);

  g_free (self->os_type);
  G_OBJECT_CLASS (virtbus_domain_parent_class)->finalize (object);
}

static guint
new_event_signal (GType type, const char *name, GType detail)
{
  return g_signal_new (name, type, G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED, 0, NULL,
                       NULL, NULL, G_TYPE_NONE, 1, detail);
}

static void
virtbus_domain_class_init (VirtbusDomainClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->get_property = virtbus_domain_get_property;
  object_class->finalize = virtbus_domain_finalize;
  virtbus_object_class_set_kind (VIRTBUS_OBJECT_CLASS (klass), &domain_kind);

  /**
   * VirtbusDomain:os-type: (getter get_os_type)
   *
   * The guest OS type ("hvm", "exe", …).
   *
   * Since: 1.0
   */
  props[PROP_OS_TYPE] = g_param_spec_string ("os-type", NULL, NULL, NULL, ro);
  /**
   * VirtbusDomain:id: (getter get_id)
   *
   * The hypervisor's id of a running domain, -1 when inactive.
   *
   * Since: 1.0
   */
  props[PROP_ID] = g_param_spec_int ("id", NULL, NULL, -1, G_MAXINT, -1, ro);
  /**
   * VirtbusDomain:updated: (getter get_updated)
   *
   * Whether the persistent definition differs from the running one.
   *
   * Since: 1.0
   */
  props[PROP_UPDATED] = g_param_spec_boolean ("updated", NULL, NULL, FALSE, ro);
  /**
   * VirtbusDomain:state: (getter get_state)
   *
   * The state, fetched when the domain appears and then kept from the
   * lifecycle events (the bus has no state property), so a UI can show it
   * without polling.  Changes after the event that causes them; use
   * [method@Virtbus.Domain.get_state_async] for the reason as well.
   *
   * Since: 1.0
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, VIRTBUS_TYPE_DOMAIN_STATE,
                                         VIRTBUS_DOMAIN_STATE_NOSTATE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtbusDomain::defined:
   * @self: the domain
   * @detail: what happened
   *
   * The persistent definition was added or changed.
   *
   * Since: 1.0
   */
  signals[SIGNAL_DEFINED] = new_event_signal (type, "defined", VIRTBUS_TYPE_DOMAIN_DEFINED_DETAIL);
  /**
   * VirtbusDomain::undefined:
   * @self: the domain
   * @detail: what happened
   *
   * The persistent definition was removed.
   *
   * Since: 1.0
   */
  signals[SIGNAL_UNDEFINED] = new_event_signal (type, "undefined",
                                                VIRTBUS_TYPE_DOMAIN_UNDEFINED_DETAIL);
  /**
   * VirtbusDomain::started:
   * @self: the domain
   * @detail: how it started
   *
   * The domain started.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STARTED] = new_event_signal (type, "started", VIRTBUS_TYPE_DOMAIN_STARTED_DETAIL);
  /**
   * VirtbusDomain::suspended:
   * @self: the domain
   * @detail: why it was paused
   *
   * The domain's CPUs were paused.
   *
   * Since: 1.0
   */
  signals[SIGNAL_SUSPENDED] = new_event_signal (type, "suspended",
                                                VIRTBUS_TYPE_DOMAIN_SUSPENDED_DETAIL);
  /**
   * VirtbusDomain::resumed:
   * @self: the domain
   * @detail: why it resumed
   *
   * The domain's CPUs run again.
   *
   * Since: 1.0
   */
  signals[SIGNAL_RESUMED] = new_event_signal (type, "resumed", VIRTBUS_TYPE_DOMAIN_RESUMED_DETAIL);
  /**
   * VirtbusDomain::stopped:
   * @self: the domain
   * @detail: why it stopped
   *
   * The domain is no longer running.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STOPPED] = new_event_signal (type, "stopped", VIRTBUS_TYPE_DOMAIN_STOPPED_DETAIL);
  /**
   * VirtbusDomain::shutdown:
   * @self: the domain
   * @detail: the stage of the shutdown
   *
   * The guest is shutting down or has finished shutting down.
   *
   * Since: 1.0
   */
  signals[SIGNAL_SHUTDOWN] = new_event_signal (type, "shutdown",
                                               VIRTBUS_TYPE_DOMAIN_SHUTDOWN_DETAIL);
  /**
   * VirtbusDomain::pmsuspended:
   * @self: the domain
   * @detail: where the guest suspended to
   *
   * The guest suspended itself through power management.
   *
   * Since: 1.0
   */
  signals[SIGNAL_PMSUSPENDED] = new_event_signal (type, "pmsuspended",
                                                  VIRTBUS_TYPE_DOMAIN_PM_SUSPENDED_DETAIL);
  /**
   * VirtbusDomain::crashed:
   * @self: the domain
   * @detail: how it crashed
   *
   * The guest crashed (and the domain may still be running).
   *
   * Since: 1.0
   */
  signals[SIGNAL_CRASHED] = new_event_signal (type, "crashed", VIRTBUS_TYPE_DOMAIN_CRASHED_DETAIL);
}

static void
virtbus_domain_init (VirtbusDomain *self)
{
  self->id = -1;
}

/* Getters ------------------------------------------------------------------ */

/**
 * virtbus_domain_get_connection:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the connection, or %NULL once the connection object was finalized.
 *
 * Returns: (transfer none) (nullable): the connection, or %NULL once the
 *   connection object was finalized
 *
 * Since: 1.0
 */
/**
 * virtbus_domain_get_object_path:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the D-Bus object path.
 *
 * Returns: (transfer none): the D-Bus object path
 *
 * Since: 1.0
 */
/**
 * virtbus_domain_get_name:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the name.
 *
 * Returns: (transfer none) (nullable): the name
 *
 * Since: 1.0
 */
/**
 * virtbus_domain_get_uuid:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the UUID string.
 *
 * Returns: (transfer none) (nullable): the UUID string
 *
 * Since: 1.0
 */
/**
 * virtbus_domain_get_active:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets whether the domain is running.
 *
 * Returns: whether the domain is running
 *
 * Since: 1.0
 */
/**
 * virtbus_domain_get_persistent:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets whether the domain has a persistent definition.
 *
 * Returns: whether the domain has a persistent definition
 *
 * Since: 1.0
 */
/**
 * virtbus_domain_get_autostart:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets whether the domain starts with the host.
 *
 * Returns: whether the domain starts with the host
 *
 * Since: 1.0
 */
VIRTBUS_OBJECT_DEFINE_GETTERS (VirtbusDomain, virtbus_domain, VIRTBUS_IS_DOMAIN)

/**
 * virtbus_domain_get_os_type:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the guest OS type.
 *
 * Returns: (transfer none) (nullable): the guest OS type
 *
 * Since: 1.0
 */
const char *
virtbus_domain_get_os_type (VirtbusDomain *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN (self), NULL);
  return self->os_type;
}

/**
 * virtbus_domain_get_id:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the hypervisor id, -1 when inactive.
 *
 * Returns: the hypervisor id, -1 when inactive
 *
 * Since: 1.0
 */
int
virtbus_domain_get_id (VirtbusDomain *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN (self), -1);
  return self->id;
}

/**
 * virtbus_domain_get_updated:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets whether the persistent definition differs from the running one.
 *
 * Returns: whether the persistent definition differs from the running one
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_get_updated (VirtbusDomain *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN (self), FALSE);
  return self->updated;
}

/**
 * virtbus_domain_get_state:
 * @self: a [class@Virtbus.Domain]
 *
 * Gets the last known state.
 *
 * Returns: the last known state
 *
 * Since: 1.0
 */
VirtbusDomainState
virtbus_domain_get_state (VirtbusDomain *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN (self), VIRTBUS_DOMAIN_STATE_NOSTATE);
  return self->state;
}

/* Operations --------------------------------------------------------------- */

/**
 * virtbus_domain_start_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: how to start
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain runs or starting failed
 * @user_data: (closure): data for @callback
 *
 * Starts a defined domain (virDomainCreateWithFlags).
 *
 * Since: 1.0
 */
void
virtbus_domain_start_async (VirtbusDomain *self, VirtbusDomainStartFlags flags,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Create", g_variant_new ("(u)", flags), NULL,
                       cancellable, callback, user_data, virtbus_domain_start_async);
}

/**
 * virtbus_domain_start_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.start_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_start_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_start_async, error);
}

/**
 * virtbus_domain_shutdown_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: how to ask the guest
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the request was made
 * @user_data: (closure): data for @callback
 *
 * Asks the guest to shut down; [signal@Virtbus.Domain::stopped] follows when it
 * has.
 *
 * Since: 1.0
 */
void
virtbus_domain_shutdown_async (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Shutdown", g_variant_new ("(u)", flags), NULL,
                       cancellable, callback, user_data, virtbus_domain_shutdown_async);
}

/**
 * virtbus_domain_shutdown_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.shutdown_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_shutdown_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_shutdown_async, error);
}

/**
 * virtbus_domain_reboot_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: how to ask the guest
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the request was made
 * @user_data: (closure): data for @callback
 *
 * Asks the guest to reboot.
 *
 * Since: 1.0
 */
void
virtbus_domain_reboot_async (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Reboot", g_variant_new ("(u)", flags), NULL,
                       cancellable, callback, user_data, virtbus_domain_reboot_async);
}

/**
 * virtbus_domain_reboot_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.reboot_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_reboot_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_reboot_async, error);
}

/**
 * virtbus_domain_reset_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain was reset
 * @user_data: (closure): data for @callback
 *
 * Resets the domain at once, like a reset button, without asking the guest.
 *
 * Since: 1.0
 */
void
virtbus_domain_reset_async (VirtbusDomain *self, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Reset", g_variant_new ("(u)", 0), NULL, cancellable,
                       callback, user_data, virtbus_domain_reset_async);
}

/**
 * virtbus_domain_reset_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.reset_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_reset_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_reset_async, error);
}

/**
 * virtbus_domain_destroy_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: how forcefully
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain is off
 * @user_data: (closure): data for @callback
 *
 * Stops the domain at once (virDomainDestroyFlags).
 *
 * Since: 1.0
 */
void
virtbus_domain_destroy_async (VirtbusDomain *self, VirtbusDomainDestroyFlags flags,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Destroy", g_variant_new ("(u)", flags), NULL,
                       cancellable, callback, user_data, virtbus_domain_destroy_async);
}

/**
 * virtbus_domain_destroy_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.destroy_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_destroy_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_destroy_async, error);
}

/**
 * virtbus_domain_suspend_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain is paused
 * @user_data: (closure): data for @callback
 *
 * Pauses the domain's CPUs.
 *
 * Since: 1.0
 */
void
virtbus_domain_suspend_async (VirtbusDomain *self, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Suspend", NULL, NULL, cancellable, callback,
                       user_data, virtbus_domain_suspend_async);
}

/**
 * virtbus_domain_suspend_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.suspend_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_suspend_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_suspend_async, error);
}

/**
 * virtbus_domain_resume_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain runs again
 * @user_data: (closure): data for @callback
 *
 * Resumes a paused domain.
 *
 * Since: 1.0
 */
void
virtbus_domain_resume_async (VirtbusDomain *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Resume", NULL, NULL, cancellable, callback,
                       user_data, virtbus_domain_resume_async);
}

/**
 * virtbus_domain_resume_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.resume_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_resume_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_resume_async, error);
}

/**
 * virtbus_domain_managed_save_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: how to save and later restore
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain is saved and stopped
 * @user_data: (closure): data for @callback
 *
 * Saves the running domain to an image the next start restores from.
 *
 * Since: 1.0
 */
void
virtbus_domain_managed_save_async (VirtbusDomain *self, VirtbusDomainSaveFlags flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "ManagedSave", g_variant_new ("(u)", flags), NULL,
                       cancellable, callback, user_data, virtbus_domain_managed_save_async);
}

/**
 * virtbus_domain_managed_save_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.managed_save_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_managed_save_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_managed_save_async, error);
}

/**
 * virtbus_domain_managed_save_remove_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the image is gone
 * @user_data: (closure): data for @callback
 *
 * Deletes the managed save image, so the next start boots afresh.
 *
 * Since: 1.0
 */
void
virtbus_domain_managed_save_remove_async (VirtbusDomain *self, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "ManagedSaveRemove", g_variant_new ("(u)", 0), NULL,
                       cancellable, callback, user_data, virtbus_domain_managed_save_remove_async);
}

/**
 * virtbus_domain_managed_save_remove_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.managed_save_remove_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_managed_save_remove_finish (VirtbusDomain *self, GAsyncResult *result,
                                           GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_managed_save_remove_async, error);
}

/**
 * virtbus_domain_undefine_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: what else to remove
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the definition is gone
 * @user_data: (closure): data for @callback
 *
 * Removes the persistent definition; a running domain lives on as a
 * transient one until it stops.
 *
 * Since: 1.0
 */
void
virtbus_domain_undefine_async (VirtbusDomain *self, VirtbusDomainUndefineFlags flags,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Undefine", g_variant_new ("(u)", flags), NULL,
                       cancellable, callback, user_data, virtbus_domain_undefine_async);
}

/**
 * virtbus_domain_undefine_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.undefine_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_undefine_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_undefine_async, error);
}

/**
 * virtbus_domain_get_xml_desc_async:
 * @self: a [class@Virtbus.Domain]
 * @flags: which definition
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the XML
 * @user_data: (closure): data for @callback
 *
 * Fetches the domain's XML definition; parse it with
 * [ctor@Virtbus.DomainConfig.new_from_xml] for typed access.
 *
 * Since: 1.0
 */
void
virtbus_domain_get_xml_desc_async (VirtbusDomain *self, VirtbusDomainXMLFlags flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "GetXMLDesc", g_variant_new ("(u)", flags), "(s)",
                       cancellable, callback, user_data, virtbus_domain_get_xml_desc_async);
}

/**
 * virtbus_domain_get_xml_desc_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.get_xml_desc_async].
 *
 * Returns: (transfer full): the XML, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_domain_get_xml_desc_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_string (self, result, virtbus_domain_get_xml_desc_async, error);
}

/**
 * virtbus_domain_get_state_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the state
 * @user_data: (closure): data for @callback
 *
 * Asks the daemon for the domain's state and the reason for it.
 *
 * Since: 1.0
 */
void
virtbus_domain_get_state_async (VirtbusDomain *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "GetState", g_variant_new ("(u)", 0), "((ii))",
                       cancellable, callback, user_data, virtbus_domain_get_state_async);
}

/**
 * virtbus_domain_get_state_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @reason: (out) (optional): libvirt's reason code for the state
 *   (virDomainRunningReason, virDomainShutoffReason, … by state)
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.get_state_async].
 *
 * Returns: the state (%VIRTBUS_DOMAIN_STATE_NOSTATE on error)
 *
 * Since: 1.0
 */
VirtbusDomainState
virtbus_domain_get_state_finish (VirtbusDomain *self, GAsyncResult *result, int *reason,
                                 GError **error)
{
  g_autoptr(GVariant) reply = virtbus_call_finish (self, result, virtbus_domain_get_state_async,
                                                   error);
  int s = VIRTBUS_DOMAIN_STATE_NOSTATE, r = 0;

  if (reply)
    g_variant_get (reply, "((ii))", &s, &r);
  if (reason)
    *reason = r;
  return (VirtbusDomainState) s;
}

/**
 * virtbus_domain_set_autostart_async:
 * @self: a [class@Virtbus.Domain]
 * @autostart: whether the domain starts with the host
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the setting is stored
 * @user_data: (closure): data for @callback
 *
 * Changes [property@Virtbus.Object:autostart].
 *
 * Since: 1.0
 */
void
virtbus_domain_set_autostart_async (VirtbusDomain *self, gboolean autostart,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_set_autostart (VIRTBUS_OBJECT (self), autostart, cancellable, callback, user_data,
                                virtbus_domain_set_autostart_async);
}

/**
 * virtbus_domain_set_autostart_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.set_autostart_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_autostart_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_set_autostart_async, error);
}

/**
 * virtbus_domain_set_vcpus_async:
 * @self: a [class@Virtbus.Domain]
 * @vcpus: the number of virtual CPUs
 * @flags: which copy to change, and whether the maximum
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the change is made
 * @user_data: (closure): data for @callback
 *
 * Changes the number of virtual CPUs (virDomainSetVcpusFlags).
 *
 * Since: 1.0
 */
void
virtbus_domain_set_vcpus_async (VirtbusDomain *self, guint vcpus, VirtbusDomainAffectFlags flags,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "SetVcpus", g_variant_new ("(uu)", vcpus, flags),
                       NULL, cancellable, callback, user_data, virtbus_domain_set_vcpus_async);
}

/**
 * virtbus_domain_set_vcpus_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.set_vcpus_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_vcpus_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_set_vcpus_async, error);
}

/**
 * virtbus_domain_set_memory_async:
 * @self: a [class@Virtbus.Domain]
 * @memory_kib: the memory in KiB
 * @flags: which copy to change, and whether the maximum
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the change is made
 * @user_data: (closure): data for @callback
 *
 * Changes the memory of the domain (virDomainSetMemoryFlags).
 *
 * Since: 1.0
 */
void
virtbus_domain_set_memory_async (VirtbusDomain *self, guint64 memory_kib,
                                 VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "SetMemory",
                       g_variant_new ("(tu)", memory_kib, flags), NULL, cancellable, callback,
                       user_data, virtbus_domain_set_memory_async);
}

/**
 * virtbus_domain_set_memory_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.set_memory_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_memory_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_set_memory_async, error);
}

/**
 * virtbus_domain_get_metadata_async:
 * @self: a [class@Virtbus.Domain]
 * @type: which metadata
 * @uri: (nullable): the namespace URI, for %VIRTBUS_DOMAIN_METADATA_ELEMENT
 * @flags: which copy to read
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the metadata
 * @user_data: (closure): data for @callback
 *
 * Reads the title, description or an application's metadata element.
 *
 * Since: 1.0
 */
void
virtbus_domain_get_metadata_async (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                   const char *uri, VirtbusDomainAffectFlags flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "GetMetadata",
                       g_variant_new ("(isu)", type, uri ? uri : "", flags), "(s)", cancellable,
                       callback, user_data, virtbus_domain_get_metadata_async);
}

/**
 * virtbus_domain_get_metadata_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.get_metadata_async].
 *
 * Returns: (transfer full): the metadata, or %NULL on error
 *   (%VIRTBUS_ERROR_NOT_FOUND when there is none)
 *
 * Since: 1.0
 */
char *
virtbus_domain_get_metadata_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_string (self, result, virtbus_domain_get_metadata_async, error);
}

/**
 * virtbus_domain_set_metadata_async:
 * @self: a [class@Virtbus.Domain]
 * @type: which metadata
 * @metadata: (nullable): the new value; %NULL or empty removes it
 * @key: (nullable): the XML namespace prefix, for %VIRTBUS_DOMAIN_METADATA_ELEMENT
 * @uri: (nullable): the namespace URI, for %VIRTBUS_DOMAIN_METADATA_ELEMENT
 * @flags: which copy to change
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the change is made
 * @user_data: (closure): data for @callback
 *
 * Writes the title, description or an application's metadata element.
 *
 * Since: 1.0
 */
void
virtbus_domain_set_metadata_async (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                   const char *metadata, const char *key, const char *uri,
                                   VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "SetMetadata",
                       g_variant_new ("(isssu)", type, metadata ? metadata : "", key ? key : "",
                                      uri ? uri : "", flags),
                       NULL, cancellable, callback, user_data, virtbus_domain_set_metadata_async);
}

/**
 * virtbus_domain_set_metadata_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.set_metadata_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_metadata_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_set_metadata_async, error);
}

/* The fd is the task's result as a pointer (fd + 1, so that fd 0 is no
 * NULL) that closes it when nobody takes it: a caller that never calls
 * _finish leaks nothing. */
static void
close_fd_result (gpointer data)
{
  close (GPOINTER_TO_INT (data) - 1);
}

static void
open_graphics_fd_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fd_list = NULL;
  g_autoptr(GVariant) reply = NULL;
  int index, fd;

  reply = g_dbus_connection_call_with_unix_fd_list_finish (G_DBUS_CONNECTION (source), &fd_list, result,
                                                           &error);
  if (reply == NULL) {
    g_task_return_error (task, virtbus_error_from_dbus (error));
    return;
  }
  g_variant_get (reply, "(h)", &index);
  fd = fd_list ? g_unix_fd_list_get (fd_list, index, &error) : -1;
  if (fd < 0) {
    g_task_return_new_error (task, VIRTBUS_ERROR, VIRTBUS_ERROR_FAILED,
                             "the daemon sent no graphics socket%s%s", error ? ": " : "",
                             error ? error->message : "");
    return;
  }
  g_task_return_pointer (task, GINT_TO_POINTER (fd + 1), close_fd_result);
}

/**
 * virtbus_domain_open_graphics_fd_async:
 * @self: a [class@Virtbus.Domain]
 * @idx: the index of the display among the domain's &lt;graphics&gt; elements
 * @flags: how the client is connected
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the socket
 * @user_data: (closure): data for @callback
 *
 * Connects a new client to a display (VNC or SPICE) of a running domain
 * and hands its socket to the caller, so that a viewer attaches without
 * going over the network (virDomainOpenGraphicsFD).
 *
 * Since: 1.0
 */
void
virtbus_domain_open_graphics_fd_async (VirtbusDomain *self, guint idx,
                                       VirtbusDomainOpenGraphicsFlags flags,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task;

  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virtbus_domain_open_graphics_fd_async);
  g_dbus_connection_call_with_unix_fd_list (virtbus_object_get_bus (VIRTBUS_OBJECT (self)),
                                            VIRTBUS_BUS_NAME,
                                            virtbus_object_get_object_path (VIRTBUS_OBJECT (self)),
                                            VIRTBUS_DOMAIN_IFACE,
                                            "OpenGraphicsFD", g_variant_new ("(uu)", idx, flags),
                                            G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE,
                                            VIRTBUS_CALL_TIMEOUT_MS, NULL, cancellable,
                                            open_graphics_fd_done, task);
}

/**
 * virtbus_domain_open_graphics_fd_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.open_graphics_fd_async].
 *
 * Returns: a socket connected to the display, which the caller owns and
 *   closes, or -1 on error (%VIRTBUS_ERROR_INVALID_STATE for a domain
 *   that does not run, %VIRTBUS_ERROR_NOT_SUPPORTED where the driver has
 *   no displays to connect to)
 *
 * Since: 1.0
 */
int
virtbus_domain_open_graphics_fd_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  gpointer fd;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == virtbus_domain_open_graphics_fd_async, -1);
  fd = g_task_propagate_pointer (G_TASK (result), error);
  return fd ? GPOINTER_TO_INT (fd) - 1 : -1;
}

/* A device call: the same shape for attach, detach and update. */
static void
device_call (VirtbusDomain *self, const char *method, const char *xml,
             VirtbusDomainDeviceModifyFlags flags, GCancellable *cancellable,
             GAsyncReadyCallback callback, gpointer user_data, gpointer tag)
{
  virtbus_object_call (VIRTBUS_OBJECT (self), method, g_variant_new ("(su)", xml, flags), NULL,
                       cancellable, callback, user_data, tag);
}

/**
 * virtbus_domain_attach_device_async:
 * @self: a [class@Virtbus.Domain]
 * @xml: the device's XML element (&lt;disk&gt;, &lt;interface&gt;, …)
 * @flags: which copy of the domain gets the device
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the device is added
 * @user_data: (closure): data for @callback
 *
 * Adds a device to the domain, hot-plugging it into a running guest
 * (virDomainAttachDeviceFlags).  Nothing changes when the device is
 * invalid, conflicts with an existing one or cannot be hot-plugged.
 *
 * Since: 1.0
 */
void
virtbus_domain_attach_device_async (VirtbusDomain *self, const char *xml,
                                    VirtbusDomainDeviceModifyFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (xml != NULL);
  device_call (self, "AttachDevice", xml, flags, cancellable, callback, user_data,
               virtbus_domain_attach_device_async);
}

/**
 * virtbus_domain_attach_device_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.attach_device_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_attach_device_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_attach_device_async, error);
}

/**
 * virtbus_domain_detach_device_async:
 * @self: a [class@Virtbus.Domain]
 * @xml: enough of the device's XML element to identify it
 * @flags: which copy of the domain loses the device
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the removal was requested
 * @user_data: (closure): data for @callback
 *
 * Removes a device from the domain (virDomainDetachDeviceFlags).  A
 * running guest may have to cooperate, so the device can still be there
 * when the call returns.
 *
 * Since: 1.0
 */
void
virtbus_domain_detach_device_async (VirtbusDomain *self, const char *xml,
                                    VirtbusDomainDeviceModifyFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (xml != NULL);
  device_call (self, "DetachDevice", xml, flags, cancellable, callback, user_data,
               virtbus_domain_detach_device_async);
}

/**
 * virtbus_domain_detach_device_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.detach_device_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_detach_device_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_detach_device_async, error);
}

/**
 * virtbus_domain_update_device_async:
 * @self: a [class@Virtbus.Domain]
 * @xml: the device's XML element with the changes
 * @flags: which copy of the domain to change, and whether to force it
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the device is changed
 * @user_data: (closure): data for @callback
 *
 * Changes what may change of an existing device, such as the medium in a
 * CD-ROM drive or the link state of an interface
 * (virDomainUpdateDeviceFlags).
 *
 * Since: 1.0
 */
void
virtbus_domain_update_device_async (VirtbusDomain *self, const char *xml,
                                    VirtbusDomainDeviceModifyFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (xml != NULL);
  device_call (self, "UpdateDevice", xml, flags, cancellable, callback, user_data,
               virtbus_domain_update_device_async);
}

/**
 * virtbus_domain_update_device_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.update_device_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_update_device_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_update_device_async, error);
}

/**
 * virtbus_domain_wakeup_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the guest was told to wake up
 * @user_data: (closure): data for @callback
 *
 * Wakes a guest that suspended itself through power management
 * (virDomainPMWakeup); fails with %VIRTBUS_ERROR_INVALID_STATE for a
 * guest that does not sleep.
 *
 * Since: 1.0
 */
void
virtbus_domain_wakeup_async (VirtbusDomain *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "PMWakeup", g_variant_new ("(u)", 0), NULL,
                       cancellable, callback, user_data, virtbus_domain_wakeup_async);
}

/**
 * virtbus_domain_wakeup_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.wakeup_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_wakeup_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_wakeup_async, error);
}

/**
 * virtbus_domain_save_async:
 * @self: a [class@Virtbus.Domain]
 * @to: the path of the state file, on the daemon's host
 * @xml: (nullable): a replacement domain XML to store in the file
 * @flags: how to save and later restore
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain is saved and stopped
 * @user_data: (closure): data for @callback
 *
 * Saves the running guest's memory and device state to a file of the
 * caller's choice and stops it (virDomainSaveFlags);
 * [method@Virtbus.Connection.restore_domain_async] starts it again from there.
 *
 * Since: 1.0
 */
void
virtbus_domain_save_async (VirtbusDomain *self, const char *to, const char *xml,
                           VirtbusDomainSaveFlags flags, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (to != NULL);
  virtbus_object_call (VIRTBUS_OBJECT (self), "Save",
                       g_variant_new ("(ssu)", to, xml ? xml : "", flags), NULL, cancellable,
                       callback, user_data, virtbus_domain_save_async);
}

/**
 * virtbus_domain_save_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.save_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_save_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_save_async, error);
}

/**
 * virtbus_domain_send_key_async:
 * @self: a [class@Virtbus.Domain]
 * @codeset: the codeset of @keycodes
 * @holdtime: how long to hold the keys, in milliseconds; 0 for the default
 * @keycodes: (array length=n_keycodes): the keys, pressed together
 * @n_keycodes: the number of keys (at most 16)
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the keys were sent
 * @user_data: (closure): data for @callback
 *
 * Presses keys on the guest's keyboard and releases them after @holdtime
 * (virDomainSendKey), e.g. Ctrl+Alt+Del as %VIRTBUS_KEYCODE_SET_LINUX
 * keycodes 29, 56 and 111.
 *
 * Since: 1.0
 */
void
virtbus_domain_send_key_async (VirtbusDomain *self, VirtbusKeycodeSet codeset, guint holdtime,
                               const guint *keycodes, guint n_keycodes,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GVariant *keys;

  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (keycodes != NULL || n_keycodes == 0);
  keys = g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, keycodes, n_keycodes, sizeof (guint32));
  virtbus_object_call (VIRTBUS_OBJECT (self), "SendKey",
                       g_variant_new ("(uu@auu)", codeset, holdtime, keys, 0), NULL, cancellable,
                       callback, user_data, virtbus_domain_send_key_async);
}

/**
 * virtbus_domain_send_key_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.send_key_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_send_key_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_send_key_async, error);
}

/**
 * virtbus_domain_inject_nmi_async:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the interrupt was sent
 * @user_data: (closure): data for @callback
 *
 * Sends a non-maskable interrupt to the guest (virDomainInjectNMI), which
 * a guest kernel may be configured to answer with a crash dump.
 *
 * Since: 1.0
 */
void
virtbus_domain_inject_nmi_async (VirtbusDomain *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "InjectNMI", g_variant_new ("(u)", 0), NULL,
                       cancellable, callback, user_data, virtbus_domain_inject_nmi_async);
}

/**
 * virtbus_domain_inject_nmi_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.inject_nmi_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_inject_nmi_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_inject_nmi_async, error);
}

/**
 * virtbus_domain_rename_async:
 * @self: a [class@Virtbus.Domain]
 * @name: the new name
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the domain has its new name
 * @user_data: (closure): data for @callback
 *
 * Renames an inactive persistent domain (virDomainRename).  The object
 * stays the same; [property@Virtbus.Object:name] changes.
 *
 * Since: 1.0
 */
void
virtbus_domain_rename_async (VirtbusDomain *self, const char *name, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (name != NULL);
  virtbus_object_call (VIRTBUS_OBJECT (self), "Rename", g_variant_new ("(su)", name, 0), NULL,
                       cancellable, callback, user_data, virtbus_domain_rename_async);
}

/**
 * virtbus_domain_rename_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.rename_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_rename_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_rename_async, error);
}

/**
 * virtbus_domain_get_interface_addresses_async:
 * @self: a [class@Virtbus.Domain]
 * @source: where to learn the addresses
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the interfaces
 * @user_data: (closure): data for @callback
 *
 * Lists the running guest's network interfaces and their addresses
 * (virDomainInterfaceAddresses).
 *
 * Since: 1.0
 */
void
virtbus_domain_get_interface_addresses_async (VirtbusDomain *self,
                                              VirtbusDomainInterfaceAddressesSource source,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "InterfaceAddresses",
                       g_variant_new ("(uu)", source, 0), "(a(ssa(isu)))", cancellable, callback,
                       user_data, virtbus_domain_get_interface_addresses_async);
}

/**
 * virtbus_domain_get_interface_addresses_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.get_interface_addresses_async].
 *
 * Returns: (transfer container) (element-type VirtbusDomainInterface): the
 *   interfaces the source knows addresses of, possibly none; %NULL on error
 *
 * Since: 1.0
 */
GPtrArray *
virtbus_domain_get_interface_addresses_finish (VirtbusDomain *self, GAsyncResult *result,
                                               GError **error)
{
  g_autoptr(GVariant) reply = virtbus_call_finish (self, result,
                                                   virtbus_domain_get_interface_addresses_async,
                                                   error);
  g_autoptr(GVariant) list = NULL;
  GPtrArray *interfaces;
  GVariantIter iter;
  GVariant *value;

  if (reply == NULL)
    return NULL;
  list = g_variant_get_child_value (reply, 0);
  interfaces = g_ptr_array_new_with_free_func (g_object_unref);
  g_variant_iter_init (&iter, list);
  while ((value = g_variant_iter_next_value (&iter))) {
    g_ptr_array_add (interfaces, virtbus_domain_interface_new_from_variant (value));
    g_variant_unref (value);
  }
  return interfaces;
}

/**
 * virtbus_domain_core_dump_async:
 * @self: a [class@Virtbus.Domain]
 * @to: the path of the dump file, on the daemon's host
 * @format: the file format
 * @flags: what happens to the guest during and after the dump
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the dump is written
 * @user_data: (closure): data for @callback
 *
 * Writes the guest's memory to a file for debugging
 * (virDomainCoreDumpWithFormat).
 *
 * Since: 1.0
 */
void
virtbus_domain_core_dump_async (VirtbusDomain *self, const char *to,
                                VirtbusDomainCoreDumpFormat format,
                                VirtbusDomainCoreDumpFlags flags, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_DOMAIN (self));
  g_return_if_fail (to != NULL);
  virtbus_object_call (VIRTBUS_OBJECT (self), "CoreDump",
                       g_variant_new ("(suu)", to, format, flags), NULL, cancellable, callback,
                       user_data, virtbus_domain_core_dump_async);
}

/**
 * virtbus_domain_core_dump_finish:
 * @self: a [class@Virtbus.Domain]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Domain.core_dump_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_core_dump_finish (VirtbusDomain *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_domain_core_dump_async, error);
}
