/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusDhcpLease:
 *
 * One DHCP lease handed out on a network (virNetworkDHCPLease), as
 * returned by [method@Virtbus.Network.get_dhcp_leases_finish].
 *
 * Since: 1.0
 */
struct _VirtbusDhcpLease {
  GObject parent_instance;
  char *iface;
  gint64 expiry_time;
  gboolean is_ipv6;
  char *mac;
  char *iaid;
  char *ip_address;
  guint prefix;
  char *hostname;
  char *client_id;
};

G_DEFINE_FINAL_TYPE (VirtbusDhcpLease, virtbus_dhcp_lease, G_TYPE_OBJECT)

static void
virtbus_dhcp_lease_finalize (GObject *object)
{
  VirtbusDhcpLease *self = VIRTBUS_DHCP_LEASE (object);

  g_free (self->iface);
  g_free (self->mac);
  g_free (self->iaid);
  g_free (self->ip_address);
  g_free (self->hostname);
  g_free (self->client_id);
  G_OBJECT_CLASS (virtbus_dhcp_lease_parent_class)->finalize (object);
}

static void
virtbus_dhcp_lease_class_init (VirtbusDhcpLeaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_dhcp_lease_finalize;
}

static void
virtbus_dhcp_lease_init (VirtbusDhcpLease *self)
{
}

VirtbusDhcpLease *
virtbus_dhcp_lease_new_from_variant (GVariant *value)
{
  VirtbusDhcpLease *self = g_object_new (VIRTBUS_TYPE_DHCP_LEASE, NULL);
  int type = 0;

  g_variant_get (value, "(sxisssuss)", &self->iface, &self->expiry_time, &type, &self->mac,
                 &self->iaid, &self->ip_address, &self->prefix, &self->hostname,
                 &self->client_id);
  /* virIPAddrType: 0 IPv4, 1 IPv6 */
  self->is_ipv6 = type == 1;
  return self;
}

/**
 * virtbus_dhcp_lease_get_interface:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the network's bridge interface.
 *
 * Returns: (transfer none): the network's bridge interface
 *
 * Since: 1.0
 */
const char *
virtbus_dhcp_lease_get_interface (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), NULL);
  return self->iface;
}

/**
 * virtbus_dhcp_lease_get_expiry_time:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets when the lease expires, in seconds since the epoch.
 *
 * Returns: when the lease expires, in seconds since the epoch
 *
 * Since: 1.0
 */
gint64
virtbus_dhcp_lease_get_expiry_time (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), 0);
  return self->expiry_time;
}

/**
 * virtbus_dhcp_lease_get_is_ipv6:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets whether the address is IPv6.
 *
 * Returns: whether the address is IPv6
 *
 * Since: 1.0
 */
gboolean
virtbus_dhcp_lease_get_is_ipv6 (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), FALSE);
  return self->is_ipv6;
}

/**
 * virtbus_dhcp_lease_get_mac:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the client's MAC address.
 *
 * Returns: (transfer none): the client's MAC address
 *
 * Since: 1.0
 */
const char *
virtbus_dhcp_lease_get_mac (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), NULL);
  return self->mac;
}

/**
 * virtbus_dhcp_lease_get_iaid:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the IAID (IPv6), or "".
 *
 * Returns: (transfer none): the IAID (IPv6), or ""
 *
 * Since: 1.0
 */
const char *
virtbus_dhcp_lease_get_iaid (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), NULL);
  return self->iaid;
}

/**
 * virtbus_dhcp_lease_get_ip_address:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the leased address.
 *
 * Returns: (transfer none): the leased address
 *
 * Since: 1.0
 */
const char *
virtbus_dhcp_lease_get_ip_address (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), NULL);
  return self->ip_address;
}

/**
 * virtbus_dhcp_lease_get_prefix:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the prefix length of the network.
 *
 * Returns: the prefix length of the network
 *
 * Since: 1.0
 */
guint
virtbus_dhcp_lease_get_prefix (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), 0);
  return self->prefix;
}

/**
 * virtbus_dhcp_lease_get_hostname:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the client's host name, or "".
 *
 * Returns: (transfer none): the client's host name, or ""
 *
 * Since: 1.0
 */
const char *
virtbus_dhcp_lease_get_hostname (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), NULL);
  return self->hostname;
}

/**
 * virtbus_dhcp_lease_get_client_id:
 * @self: a [class@Virtbus.DhcpLease]
 *
 * Gets the client id or DUID, or "".
 *
 * Returns: (transfer none): the client id or DUID, or ""
 *
 * Since: 1.0
 */
const char *
virtbus_dhcp_lease_get_client_id (VirtbusDhcpLease *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DHCP_LEASE (self), NULL);
  return self->client_id;
}
