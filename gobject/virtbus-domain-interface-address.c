/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusDomainInterfaceAddress:
 *
 * One address of a guest's network interface (virDomainIPAddress), as
 * listed by [method@Virtbus.DomainInterface.get_addresses].
 *
 * Since: 1.0
 */
struct _VirtbusDomainInterfaceAddress {
  GObject parent_instance;
  VirtbusIPAddrType type;
  char *address;
  guint prefix;
};

G_DEFINE_FINAL_TYPE (VirtbusDomainInterfaceAddress, virtbus_domain_interface_address, G_TYPE_OBJECT)

static void
virtbus_domain_interface_address_finalize (GObject *object)
{
  VirtbusDomainInterfaceAddress *self = VIRTBUS_DOMAIN_INTERFACE_ADDRESS (object);

  g_free (self->address);
  G_OBJECT_CLASS (virtbus_domain_interface_address_parent_class)->finalize (object);
}

static void
virtbus_domain_interface_address_class_init (VirtbusDomainInterfaceAddressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_domain_interface_address_finalize;
}

static void
virtbus_domain_interface_address_init (VirtbusDomainInterfaceAddress *self)
{
}

VirtbusDomainInterfaceAddress *
virtbus_domain_interface_address_new_from_variant (GVariant *value)
{
  VirtbusDomainInterfaceAddress *self = g_object_new (VIRTBUS_TYPE_DOMAIN_INTERFACE_ADDRESS, NULL);
  int type = 0;

  g_variant_get (value, "(isu)", &type, &self->address, &self->prefix);
  self->type = (VirtbusIPAddrType) type;
  return self;
}

/**
 * virtbus_domain_interface_address_get_address_type:
 * @self: a [class@Virtbus.DomainInterfaceAddress]
 *
 * Gets whether the address is IPv4 or IPv6.
 *
 * Returns: whether the address is IPv4 or IPv6
 *
 * Since: 1.0
 */
VirtbusIPAddrType
virtbus_domain_interface_address_get_address_type (VirtbusDomainInterfaceAddress *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_INTERFACE_ADDRESS (self), VIRTBUS_IP_ADDR_TYPE_IPV4);
  return self->type;
}

/**
 * virtbus_domain_interface_address_get_address:
 * @self: a [class@Virtbus.DomainInterfaceAddress]
 *
 * Gets the address in its textual form.
 *
 * Returns: (transfer none): the address in its textual form
 *
 * Since: 1.0
 */
const char *
virtbus_domain_interface_address_get_address (VirtbusDomainInterfaceAddress *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_INTERFACE_ADDRESS (self), NULL);
  return self->address;
}

/**
 * virtbus_domain_interface_address_get_prefix:
 * @self: a [class@Virtbus.DomainInterfaceAddress]
 *
 * Gets the prefix length of the address's network, 0 when unknown.
 *
 * Returns: the prefix length of the address's network, 0 when unknown
 *
 * Since: 1.0
 */
guint
virtbus_domain_interface_address_get_prefix (VirtbusDomainInterfaceAddress *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_INTERFACE_ADDRESS (self), 0);
  return self->prefix;
}
