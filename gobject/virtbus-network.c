/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusNetwork:
 *
 * A virtual network of a [class@Virtbus.Connection].
 *
 * As with [class@Virtbus.Domain], the properties follow the daemon (with
 * [signal@GObject.Object::notify] in the connection's main context) and
 * lifecycle events arrive as signals.  Unlike libvirt-glib's read-only networks,
 * every operation is available.  Build a definition with
 * [class@Virtbus.NetworkConfig].
 *
 * Since: 1.0
 */
struct _VirtbusNetwork {
  VirtbusObject parent_instance;
};

G_DEFINE_FINAL_TYPE (VirtbusNetwork, virtbus_network, VIRTBUS_TYPE_OBJECT)

/* Indexed by libvirt's virNetworkEventLifecycleType. */
enum {
  SIGNAL_DEFINED,
  SIGNAL_UNDEFINED,
  SIGNAL_STARTED,
  SIGNAL_STOPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const VirtbusObjectKind network_kind = {
  .interface_name = VIRTBUS_NETWORK_IFACE,
};

void
virtbus_network_emit_event (VirtbusNetwork *self, int event)
{
  if (event < 0 || event >= N_SIGNALS) {
    g_debug ("%s: ignoring unknown network event %d",
             virtbus_object_get_object_path (VIRTBUS_OBJECT (self)), event);
    return;
  }
  g_signal_emit (self, signals[event], 0);
}

static guint
new_event_signal (GType type, const char *name)
{
  return g_signal_new (name, type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
virtbus_network_class_init (VirtbusNetworkClass *klass)
{
  GType type = G_TYPE_FROM_CLASS (klass);

  virtbus_object_class_set_kind (VIRTBUS_OBJECT_CLASS (klass), &network_kind);

  /**
   * VirtbusNetwork::defined:
   * @self: the network
   *
   * The persistent definition was added or changed.
   *
   * Since: 1.0
   */
  signals[SIGNAL_DEFINED] = new_event_signal (type, "defined");
  /**
   * VirtbusNetwork::undefined:
   * @self: the network
   *
   * The persistent definition was removed.
   *
   * Since: 1.0
   */
  signals[SIGNAL_UNDEFINED] = new_event_signal (type, "undefined");
  /**
   * VirtbusNetwork::started:
   * @self: the network
   *
   * The network started.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STARTED] = new_event_signal (type, "started");
  /**
   * VirtbusNetwork::stopped:
   * @self: the network
   *
   * The network stopped.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STOPPED] = new_event_signal (type, "stopped");
}

static void
virtbus_network_init (VirtbusNetwork *self)
{
}

/**
 * virtbus_network_get_connection:
 * @self: a [class@Virtbus.Network]
 *
 * Gets the connection, or %NULL once the connection object was finalized.
 *
 * Returns: (transfer none) (nullable): the connection, or %NULL once the
 *   connection object was finalized
 *
 * Since: 1.0
 */
/**
 * virtbus_network_get_object_path:
 * @self: a [class@Virtbus.Network]
 *
 * Gets the D-Bus object path.
 *
 * Returns: (transfer none): the D-Bus object path
 *
 * Since: 1.0
 */
/**
 * virtbus_network_get_name:
 * @self: a [class@Virtbus.Network]
 *
 * Gets the name.
 *
 * Returns: (transfer none) (nullable): the name
 *
 * Since: 1.0
 */
/**
 * virtbus_network_get_uuid:
 * @self: a [class@Virtbus.Network]
 *
 * Gets the UUID string.
 *
 * Returns: (transfer none) (nullable): the UUID string
 *
 * Since: 1.0
 */
/**
 * virtbus_network_get_active:
 * @self: a [class@Virtbus.Network]
 *
 * Gets whether the network is running.
 *
 * Returns: whether the network is running
 *
 * Since: 1.0
 */
/**
 * virtbus_network_get_persistent:
 * @self: a [class@Virtbus.Network]
 *
 * Gets whether the network has a persistent definition.
 *
 * Returns: whether the network has a persistent definition
 *
 * Since: 1.0
 */
/**
 * virtbus_network_get_autostart:
 * @self: a [class@Virtbus.Network]
 *
 * Gets whether the network starts with the host.
 *
 * Returns: whether the network starts with the host
 *
 * Since: 1.0
 */
VIRTBUS_OBJECT_DEFINE_GETTERS (VirtbusNetwork, virtbus_network, VIRTBUS_IS_NETWORK)

/**
 * virtbus_network_start_async:
 * @self: a [class@Virtbus.Network]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the network runs or starting failed
 * @user_data: (closure): data for @callback
 *
 * Starts a defined network (virNetworkCreate).
 *
 * Since: 1.0
 */
void
virtbus_network_start_async (VirtbusNetwork *self, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Create", NULL, NULL, cancellable, callback,
                       user_data, virtbus_network_start_async);
}

/**
 * virtbus_network_start_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.start_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_start_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_start_async, error);
}

/**
 * virtbus_network_destroy_async:
 * @self: a [class@Virtbus.Network]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the network is stopped
 * @user_data: (closure): data for @callback
 *
 * Stops the network.
 *
 * Since: 1.0
 */
void
virtbus_network_destroy_async (VirtbusNetwork *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Destroy", NULL, NULL, cancellable, callback,
                       user_data, virtbus_network_destroy_async);
}

/**
 * virtbus_network_destroy_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.destroy_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_destroy_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_destroy_async, error);
}

/**
 * virtbus_network_undefine_async:
 * @self: a [class@Virtbus.Network]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the definition is gone
 * @user_data: (closure): data for @callback
 *
 * Removes the persistent definition.
 *
 * Since: 1.0
 */
void
virtbus_network_undefine_async (VirtbusNetwork *self, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "Undefine", NULL, NULL, cancellable, callback,
                       user_data, virtbus_network_undefine_async);
}

/**
 * virtbus_network_undefine_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.undefine_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_undefine_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_undefine_async, error);
}

/**
 * virtbus_network_get_xml_desc_async:
 * @self: a [class@Virtbus.Network]
 * @flags: which definition
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the XML
 * @user_data: (closure): data for @callback
 *
 * Fetches the network's XML; parse it with
 * [ctor@Virtbus.NetworkConfig.new_from_xml] for typed access.
 *
 * Since: 1.0
 */
void
virtbus_network_get_xml_desc_async (VirtbusNetwork *self, VirtbusNetworkXMLFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "GetXMLDesc", g_variant_new ("(u)", flags), "(s)",
                       cancellable, callback, user_data, virtbus_network_get_xml_desc_async);
}

/**
 * virtbus_network_get_xml_desc_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.get_xml_desc_async].
 *
 * Returns: (transfer full): the XML, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_network_get_xml_desc_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_string (self, result, virtbus_network_get_xml_desc_async, error);
}

/**
 * virtbus_network_update_async:
 * @self: a [class@Virtbus.Network]
 * @command: add, delete or modify
 * @section: which part of the network
 * @parent_index: the index of the &lt;ip&gt; for the DHCP sections, -1 for the default
 * @xml: the element to add, delete or modify (e.g. a &lt;host&gt;)
 * @flags: which copy to change
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the change is made
 * @user_data: (closure): data for @callback
 *
 * Changes one part of the network without redefining it (virNetworkUpdate).
 *
 * Since: 1.0
 */
void
virtbus_network_update_async (VirtbusNetwork *self, VirtbusNetworkUpdateCommand command,
                              VirtbusNetworkSection section, int parent_index, const char *xml,
                              VirtbusNetworkUpdateFlags flags, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  g_return_if_fail (xml != NULL);
  virtbus_object_call (VIRTBUS_OBJECT (self), "Update",
                       g_variant_new ("(uuisu)", command, section, parent_index, xml, flags), NULL,
                       cancellable, callback, user_data, virtbus_network_update_async);
}

/**
 * virtbus_network_update_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.update_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_update_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_update_async, error);
}

/**
 * virtbus_network_set_autostart_async:
 * @self: a [class@Virtbus.Network]
 * @autostart: whether the network starts with the host
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called when the setting is stored
 * @user_data: (closure): data for @callback
 *
 * Changes [property@Virtbus.Object:autostart].
 *
 * Since: 1.0
 */
void
virtbus_network_set_autostart_async (VirtbusNetwork *self, gboolean autostart,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  virtbus_object_set_autostart (VIRTBUS_OBJECT (self), autostart, cancellable, callback, user_data,
                                virtbus_network_set_autostart_async);
}

/**
 * virtbus_network_set_autostart_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.set_autostart_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_set_autostart_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error)
{
  return virtbus_call_finish_void (self, result, virtbus_network_set_autostart_async, error);
}

/**
 * virtbus_network_get_dhcp_leases_async:
 * @self: a [class@Virtbus.Network]
 * @mac: (nullable): only the leases of this MAC address
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @callback: (scope async): called with the leases
 * @user_data: (closure): data for @callback
 *
 * Lists the DHCP leases the network handed out.
 *
 * Since: 1.0
 */
void
virtbus_network_get_dhcp_leases_async (VirtbusNetwork *self, const char *mac,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK (self));
  virtbus_object_call (VIRTBUS_OBJECT (self), "GetDHCPLeases",
                       g_variant_new ("(su)", mac ? mac : "", 0), "(a(sxisssuss))", cancellable,
                       callback, user_data, virtbus_network_get_dhcp_leases_async);
}

/**
 * virtbus_network_get_dhcp_leases_finish:
 * @self: a [class@Virtbus.Network]
 * @result: the [iface@Gio.AsyncResult] passed to the callback
 * @error: return location for a [struct@GLib.Error]
 *
 * Finishes [method@Virtbus.Network.get_dhcp_leases_async].
 *
 * Returns: (transfer full) (element-type VirtbusDhcpLease): the leases
 *   (%NULL for none, or on error)
 *
 * Since: 1.0
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
