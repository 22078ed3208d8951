/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusNetwork:
 *
 * A virtual network of a #VirtbusConnection.
 *
 * As with #VirtbusDomain, the properties follow the daemon (with
 * #GObject::notify in the connection's main context) and lifecycle events
 * arrive as signals.  Unlike libvirt-glib's read-only networks, every
 * operation is available.  Build a definition with #VirtbusNetworkConfig.
 */
struct _VirtbusNetwork {
  GObject parent_instance;
  GWeakRef connection;
  GDBusConnection *bus;
  char *path;
  GDBusProxy *proxy;
  gulong changed_id;

  char *name;
  char *uuid;
  gboolean active;
  gboolean persistent;
  gboolean autostart;
};

G_DEFINE_FINAL_TYPE (VirtbusNetwork, virtbus_network, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION,
  PROP_OBJECT_PATH,
  PROP_NAME,
  PROP_UUID,
  PROP_ACTIVE,
  PROP_PERSISTENT,
  PROP_AUTOSTART,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/* Indexed by libvirt's virNetworkEventLifecycleType. */
enum {
  SIGNAL_DEFINED,
  SIGNAL_UNDEFINED,
  SIGNAL_STARTED,
  SIGNAL_STOPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_string (VirtbusNetwork *self, char **field, const char *value, guint prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
set_boolean (VirtbusNetwork *self, gboolean *field, gboolean value, guint prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
apply_property (VirtbusNetwork *self, const char *name, GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)) {
    if (g_str_equal (name, "Name"))
      set_string (self, &self->name, g_variant_get_string (value, NULL), PROP_NAME);
    else if (g_str_equal (name, "UUID"))
      set_string (self, &self->uuid, g_variant_get_string (value, NULL), PROP_UUID);
  } else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN)) {
    gboolean b = g_variant_get_boolean (value);

    if (g_str_equal (name, "Active"))
      set_boolean (self, &self->active, b, PROP_ACTIVE);
    else if (g_str_equal (name, "Persistent"))
      set_boolean (self, &self->persistent, b, PROP_PERSISTENT);
    else if (g_str_equal (name, "Autostart"))
      set_boolean (self, &self->autostart, b, PROP_AUTOSTART);
  }
}

void
virtbus_network_apply_properties (VirtbusNetwork *self, GVariant *dict)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_object_freeze_notify (G_OBJECT (self));
  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value)) {
    apply_property (self, name, value);
    g_variant_unref (value);
  }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated,
                       VirtbusNetwork *self)
{
  virtbus_network_apply_properties (self, changed);
}

void
virtbus_network_set_proxy (VirtbusNetwork *self, GDBusProxy *proxy)
{
  g_auto(GStrv) names = NULL;

  if (self->proxy == proxy)
    return;
  g_clear_signal_handler (&self->changed_id, self->proxy);
  g_clear_object (&self->proxy);
  if (proxy == NULL)
    return;
  self->proxy = g_object_ref (proxy);
  self->changed_id = g_signal_connect (proxy, "g-properties-changed",
                                       G_CALLBACK (on_properties_changed), self);
  names = g_dbus_proxy_get_cached_property_names (proxy);
  g_object_freeze_notify (G_OBJECT (self));
  for (guint i = 0; names && names[i]; i++) {
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (proxy, names[i]);

    if (value)
      apply_property (self, names[i], value);
  }
  g_object_thaw_notify (G_OBJECT (self));
}

void
virtbus_network_emit_event (VirtbusNetwork *self, int event)
{
  if (event < 0 || event >= N_SIGNALS) {
    g_debug ("%s: ignoring unknown network event %d", self->path, event);
    return;
  }
  g_signal_emit (self, signals[event], 0);
}

static void
virtbus_network_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  VirtbusNetwork *self = VIRTBUS_NETWORK (object);

  switch (prop_id) {
  case PROP_CONNECTION:
    g_value_take_object (value, g_weak_ref_get (&self->connection));
    break;
  case PROP_OBJECT_PATH:
    g_value_set_string (value, self->path);
    break;
  case PROP_NAME:
    g_value_set_string (value, self->name);
    break;
  case PROP_UUID:
    g_value_set_string (value, self->uuid);
    break;
  case PROP_ACTIVE:
    g_value_set_boolean (value, self->active);
    break;
  case PROP_PERSISTENT:
    g_value_set_boolean (value, self->persistent);
    break;
  case PROP_AUTOSTART:
    g_value_set_boolean (value, self->autostart);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
virtbus_network_finalize (GObject *object)
{
  VirtbusNetwork *self = VIRTBUS_NETWORK (object);

  virtbus_network_set_proxy (self, NULL);
  g_weak_ref_clear (&self->connection);
  g_clear_object (&self->bus);
  g_free (self->path);
  g_free (self->name);
  g_free (self->uuid);
  G_OBJECT_CLASS (virtbus_network_parent_class)->finalize (object);
}

static guint
new_event_signal (GType type, const char *name)
{
  return g_signal_new (name, type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
virtbus_network_class_init (VirtbusNetworkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->get_property = virtbus_network_get_property;
  object_class->finalize = virtbus_network_finalize;

  /**
   * VirtbusNetwork:connection: (getter get_connection)
   *
   * The connection the network belongs to, or %NULL once it is gone.
   */
  props[PROP_CONNECTION] = g_param_spec_object ("connection", NULL, NULL, VIRTBUS_TYPE_CONNECTION,
                                                 ro);
  /**
   * VirtbusNetwork:object-path: (getter get_object_path)
   *
   * The D-Bus object path of the network.
   */
  props[PROP_OBJECT_PATH] = g_param_spec_string ("object-path", NULL, NULL, NULL, ro);
  /**
   * VirtbusNetwork:name: (getter get_name)
   *
   * The name of the network.
   */
  props[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  /**
   * VirtbusNetwork:uuid: (getter get_uuid)
   *
   * The UUID of the network.
   */
  props[PROP_UUID] = g_param_spec_string ("uuid", NULL, NULL, NULL, ro);
  /**
   * VirtbusNetwork:active: (getter get_active)
   *
   * Whether the network is running.
   */
  props[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, ro);
  /**
   * VirtbusNetwork:persistent: (getter get_persistent)
   *
   * Whether the network has a persistent definition.
   */
  props[PROP_PERSISTENT] = g_param_spec_boolean ("persistent", NULL, NULL, FALSE, ro);
  /**
   * VirtbusNetwork:autostart: (getter get_autostart)
   *
   * Whether the network starts with the host; change it with
   * virtbus_network_set_autostart_async().
   */
  props[PROP_AUTOSTART] = g_param_spec_boolean ("autostart", NULL, NULL, FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * VirtbusNetwork::defined:
   * @self: the network
   *
   * The persistent definition was added or changed.
   */
  signals[SIGNAL_DEFINED] = new_event_signal (type, "defined");
  /**
   * VirtbusNetwork::undefined:
   * @self: the network
   *
   * The persistent definition was removed.
   */
  signals[SIGNAL_UNDEFINED] = new_event_signal (type, "undefined");
  /**
   * VirtbusNetwork::started:
   * @self: the network
   *
   * The network started.
   */
  signals[SIGNAL_STARTED] = new_event_signal (type, "started");
  /**
   * VirtbusNetwork::stopped:
   * @self: the network
   *
   * The network stopped.
   */
  signals[SIGNAL_STOPPED] = new_event_signal (type, "stopped");
}

static void
virtbus_network_init (VirtbusNetwork *self)
{
  g_weak_ref_init (&self->connection, NULL);
}

VirtbusNetwork *
virtbus_network_new_internal (VirtbusConnection *connection, GDBusConnection *bus,
                              const char *path)
{
  VirtbusNetwork *self = g_object_new (VIRTBUS_TYPE_NETWORK, NULL);

  g_weak_ref_set (&self->connection, connection);
  self->bus = g_object_ref (bus);
  self->path = g_strdup (path);
  return self;
}

/**
 * virtbus_network_get_connection:
 * @self: a #VirtbusNetwork
 *
 * Returns: (transfer none) (nullable): the connection, or %NULL once the
 *   connection object was finalized
 */
VirtbusConnection *
virtbus_network_get_connection (VirtbusNetwork *self)
{
  g_autoptr(GObject) connection = NULL;

  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), NULL);
  connection = g_weak_ref_get (&self->connection);
  return (VirtbusConnection *) connection;
}

/**
 * virtbus_network_get_object_path:
 * @self: a #VirtbusNetwork
 *
 * Returns: (transfer none): the D-Bus object path
 */
const char *
virtbus_network_get_object_path (VirtbusNetwork *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), NULL);
  return self->path;
}

/**
 * virtbus_network_get_name:
 * @self: a #VirtbusNetwork
 *
 * Returns: (transfer none) (nullable): the name
 */
const char *
virtbus_network_get_name (VirtbusNetwork *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), NULL);
  return self->name;
}

/**
 * virtbus_network_get_uuid:
 * @self: a #VirtbusNetwork
 *
 * Returns: (transfer none) (nullable): the UUID string
 */
const char *
virtbus_network_get_uuid (VirtbusNetwork *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), NULL);
  return self->uuid;
}

/**
 * virtbus_network_get_active:
 * @self: a #VirtbusNetwork
 *
 * Returns: whether the network is running
 */
gboolean
virtbus_network_get_active (VirtbusNetwork *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), FALSE);
  return self->active;
}

/**
 * virtbus_network_get_persistent:
 * @self: a #VirtbusNetwork
 *
 * Returns: whether the network has a persistent definition
 */
gboolean
virtbus_network_get_persistent (VirtbusNetwork *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), FALSE);
  return self->persistent;
}

/**
 * virtbus_network_get_autostart:
 * @self: a #VirtbusNetwork
 *
 * Returns: whether the network starts with the host
 */
gboolean
virtbus_network_get_autostart (VirtbusNetwork *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK (self), FALSE);
  return self->autostart;
}

static void
network_call (VirtbusNetwork *self, const char *method, GVariant *params, const char *reply_type,
              GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data,
              gpointer tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, tag);
  virtbus_call (self->bus, self->path, VIRTBUS_NETWORK_IFACE, method, params, reply_type, task);
}

/**
 * virtbus_network_start_async:
 * @self: a #VirtbusNetwork
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the network runs or starting failed
 * @user_data: (closure): data for @callback
 *
 * Starts a defined network (virNetworkCreate).
 */
void
virtbus_network_start_async (VirtbusNetwork *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  network_call (self, "Create", NULL, NULL, cancellable, callback, user_data,
                virtbus_network_start_async);
}

/**
 * virtbus_network_start_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
virtbus_network_start_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_start_async, error);
}

/**
 * virtbus_network_destroy_async:
 * @self: a #VirtbusNetwork
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the network is stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the network.
 */
void
virtbus_network_destroy_async (VirtbusNetwork *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  network_call (self, "Destroy", NULL, NULL, cancellable, callback, user_data,
                virtbus_network_destroy_async);
}

/**
 * virtbus_network_destroy_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
virtbus_network_destroy_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_destroy_async, error);
}

/**
 * virtbus_network_undefine_async:
 * @self: a #VirtbusNetwork
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the definition is gone
 * @user_data: (closure): data for @callback
 *
 * Removes the persistent definition.
 */
void
virtbus_network_undefine_async (VirtbusNetwork *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  network_call (self, "Undefine", NULL, NULL, cancellable, callback, user_data,
                virtbus_network_undefine_async);
}

/**
 * virtbus_network_undefine_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
virtbus_network_undefine_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_undefine_async, error);
}

/**
 * virtbus_network_get_xml_desc_async:
 * @self: a #VirtbusNetwork
 * @flags: which definition
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the XML
 * @user_data: (closure): data for @callback
 *
 * Fetches the network's XML; parse it with
 * virtbus_network_config_new_from_xml() for typed access.
 */
void
virtbus_network_get_xml_desc_async (VirtbusNetwork *self, VirtbusNetworkXMLFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  network_call (self, "GetXMLDesc", g_variant_new ("(u)", flags), "(s)", cancellable, callback,
                user_data, virtbus_network_get_xml_desc_async);
}

/**
 * virtbus_network_get_xml_desc_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the XML, or %NULL on error
 */
char *
virtbus_network_get_xml_desc_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  g_autoptr(GVariant) reply = virtbus_call_finish (self, result,
                                                   virtbus_network_get_xml_desc_async, error);
  char *xml = NULL;

  if (reply)
    g_variant_get (reply, "(s)", &xml);
  return xml;
}

/**
 * virtbus_network_update_async:
 * @self: a #VirtbusNetwork
 * @command: add, delete or modify
 * @section: which part of the network
 * @parent_index: the index of the &lt;ip&gt; for the DHCP sections, -1 for the default
 * @xml: the element to add, delete or modify (e.g. a &lt;host&gt;)
 * @flags: which copy to change
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the change is made
 * @user_data: (closure): data for @callback
 *
 * Changes one part of the network without redefining it (virNetworkUpdate).
 */
void
virtbus_network_update_async (VirtbusNetwork *self, VirtbusNetworkUpdateCommand command,
                              VirtbusNetworkSection section, int parent_index, const char *xml,
                              VirtbusNetworkUpdateFlags flags, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  g_return_if_fail (xml != NULL);
  network_call (self, "Update",
                g_variant_new ("(uuisu)", command, section, parent_index, xml, flags), NULL,
                cancellable, callback, user_data, virtbus_network_update_async);
}

/**
 * virtbus_network_update_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
virtbus_network_update_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_update_async, error);
}

/**
 * virtbus_network_set_autostart_async:
 * @self: a #VirtbusNetwork
 * @autostart: whether the network starts with the host
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the setting is stored
 * @user_data: (closure): data for @callback
 *
 * Changes #VirtbusNetwork:autostart.
 */
void
virtbus_network_set_autostart_async (VirtbusNetwork *self, gboolean autostart,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  GTask *task;

  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, virtbus_network_set_autostart_async);
  virtbus_call (self->bus, self->path, "org.freedesktop.DBus.Properties", "Set",
                g_variant_new ("(ssv)", VIRTBUS_NETWORK_IFACE, "Autostart",
                               g_variant_new_boolean (autostart)),
                NULL, task);
}

/**
 * virtbus_network_set_autostart_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
virtbus_network_set_autostart_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_set_autostart_async, error);
}

/**
 * virtbus_network_get_dhcp_leases_async:
 * @self: a #VirtbusNetwork
 * @mac: (nullable): only the leases of this MAC address
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the leases
 * @user_data: (closure): data for @callback
 *
 * Lists the DHCP leases the network handed out.
 */
void
virtbus_network_get_dhcp_leases_async (VirtbusNetwork *self, const char *mac,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  network_call (self, "GetDHCPLeases", g_variant_new ("(su)", mac ? mac : "", 0),
                "(a(sxisssuss))", cancellable, callback, user_data,
                virtbus_network_get_dhcp_leases_async);
}

/**
 * virtbus_network_get_dhcp_leases_finish:
 * @self: a #VirtbusNetwork
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type VirtbusDhcpLease): the leases
 *   (%NULL for none, or on error)
 */
GList *
virtbus_network_get_dhcp_leases_finish (VirtbusNetwork *self, GAsyncResult *result,
                                        GError **error)
{
  g_autoptr(GVariant) reply = virtbus_call_finish (self, result,
                                                   virtbus_network_get_dhcp_leases_async, error);
  g_autoptr(GVariant) leases = NULL;
  GList *list = NULL;

  if (reply == NULL)
    return NULL;
  leases = g_variant_get_child_value (reply, 0);
  for (gsize i = g_variant_n_children (leases); i > 0; i--) {
    g_autoptr(GVariant) lease = g_variant_get_child_value (leases, i - 1);

    list = g_list_prepend (list, virtbus_dhcp_lease_new_from_variant (lease));
  }
  return list;
}
