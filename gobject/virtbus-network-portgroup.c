/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusNetworkPortgroup:
 *
 * A &lt;portgroup&gt; of a network: a name guests refer to, whether it is the
 * default, and its &lt;virtualport&gt; profile.  Add it to a
 * [class@Virtbus.NetworkConfig] with
 * [method@Virtbus.NetworkConfig.add_portgroup].
 *
 * Since: 1.0
 */
struct _VirtbusNetworkPortgroup {
  GObject parent_instance;
  char *name;
  gboolean is_default;
  VirtbusVirtualPort *virtual_port;
};

G_DEFINE_FINAL_TYPE (VirtbusNetworkPortgroup, virtbus_network_portgroup, G_TYPE_OBJECT)

static void
virtbus_network_portgroup_finalize (GObject *object)
{
  VirtbusNetworkPortgroup *self = VIRTBUS_NETWORK_PORTGROUP (object);

  g_free (self->name);
  g_clear_object (&self->virtual_port);
  G_OBJECT_CLASS (virtbus_network_portgroup_parent_class)->finalize (object);
}

static void
virtbus_network_portgroup_class_init (VirtbusNetworkPortgroupClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_network_portgroup_finalize;
}

static void
virtbus_network_portgroup_init (VirtbusNetworkPortgroup *self)
{
}

/**
 * virtbus_network_portgroup_new:
 * @name: the portgroup name
 *
 * Creates a portgroup for [method@Virtbus.NetworkConfig.add_portgroup].
 *
 * Returns: (transfer full): a portgroup that is not the default and has no
 *   virtual port
 *
 * Since: 1.0
 */
VirtbusNetworkPortgroup *
virtbus_network_portgroup_new (const char *name)
{
  VirtbusNetworkPortgroup *self = g_object_new (VIRTBUS_TYPE_NETWORK_PORTGROUP, NULL);

  self->name = g_strdup (name);
  return self;
}

/**
 * virtbus_network_portgroup_get_name:
 * @self: a [class@Virtbus.NetworkPortgroup]
 *
 * Gets the name.
 *
 * Returns: (transfer none): the name
 *
 * Since: 1.0
 */
const char *
virtbus_network_portgroup_get_name (VirtbusNetworkPortgroup *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_PORTGROUP (self), NULL);
  return self->name;
}

/**
 * virtbus_network_portgroup_get_default:
 * @self: a [class@Virtbus.NetworkPortgroup]
 *
 * Gets whether guests without a portgroup get this one.
 *
 * Returns: whether guests without a portgroup get this one
 *
 * Since: 1.0
 */
gboolean
virtbus_network_portgroup_get_default (VirtbusNetworkPortgroup *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_PORTGROUP (self), FALSE);
  return self->is_default;
}

/**
 * virtbus_network_portgroup_set_default:
 * @self: a [class@Virtbus.NetworkPortgroup]
 * @is_default: whether guests without a portgroup get this one
 *
 * Makes the portgroup the network's default (at most one may be).
 *
 * Since: 1.0
 */
void
virtbus_network_portgroup_set_default (VirtbusNetworkPortgroup *self, gboolean is_default)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK_PORTGROUP (self));
  self->is_default = is_default;
}

/**
 * virtbus_network_portgroup_get_virtual_port:
 * @self: a [class@Virtbus.NetworkPortgroup]
 *
 * Gets the virtual port profile.
 *
 * Returns: (transfer none) (nullable): the virtual port profile
 *
 * Since: 1.0
 */
VirtbusVirtualPort *
virtbus_network_portgroup_get_virtual_port (VirtbusNetworkPortgroup *self)
{
  g_return_val_if_fail (VIRTBUS_IS_NETWORK_PORTGROUP (self), NULL);
  return self->virtual_port;
}

/**
 * virtbus_network_portgroup_set_virtual_port:
 * @self: a [class@Virtbus.NetworkPortgroup]
 * @virtual_port: (nullable): the profile, %NULL for none
 *
 * Sets the virtual port profile of the portgroup.
 *
 * Since: 1.0
 */
void
virtbus_network_portgroup_set_virtual_port (VirtbusNetworkPortgroup *self,
                                            VirtbusVirtualPort *virtual_port)
{
  g_return_if_fail (VIRTBUS_IS_NETWORK_PORTGROUP (self));
  g_set_object (&self->virtual_port, virtual_port);
}
