/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/**
 * VirtbusDomainInterface:
 *
 * One network interface of a guest with its addresses
 * (virDomainInterface), as returned by
 * [method@Virtbus.Domain.get_interface_addresses_finish].
 *
 * Since: 1.0
 */
struct _VirtbusDomainInterface {
  GObject parent_instance;
  char *name;
  char *hwaddr;
  GPtrArray *addresses;
};

G_DEFINE_FINAL_TYPE (VirtbusDomainInterface, virtbus_domain_interface, G_TYPE_OBJECT)

static void
virtbus_domain_interface_finalize (GObject *object)
{
  VirtbusDomainInterface *self = VIRTBUS_DOMAIN_INTERFACE (object);

  g_free (self->name);
  g_free (self->hwaddr);
  g_ptr_array_unref (self->addresses);
  G_OBJECT_CLASS (virtbus_domain_interface_parent_class)->finalize (object);
}

static void
virtbus_domain_interface_class_init (VirtbusDomainInterfaceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virtbus_domain_interface_finalize;
}

static void
virtbus_domain_interface_init (VirtbusDomainInterface *self)
{
  self->addresses = g_ptr_array_new_with_free_func (g_object_unref);
}

VirtbusDomainInterface *
virtbus_domain_interface_new_from_variant (GVariant *value)
{
  VirtbusDomainInterface *self = g_object_new (VIRTBUS_TYPE_DOMAIN_INTERFACE, NULL);
  g_autoptr(GVariantIter) addresses = NULL;
  GVariant *address;

  g_variant_get (value, "(ssa(isu))", &self->name, &self->hwaddr, &addresses);
  while ((address = g_variant_iter_next_value (addresses))) {
    g_ptr_array_add (self->addresses, virtbus_domain_interface_address_new_from_variant (address));
    g_variant_unref (address);
  }
  return self;
}

/**
 * virtbus_domain_interface_get_name:
 * @self: a [class@Virtbus.DomainInterface]
 *
 * Gets the interface's name: the host side's (e.g. "vnet0") for the lease and
 * ARP sources, the guest's for the agent.
 *
 * Returns: (transfer none): the interface's name: the host side's (e.g.
 *   "vnet0") for the lease and ARP sources, the guest's for the agent
 *
 * Since: 1.0
 */
const char *
virtbus_domain_interface_get_name (VirtbusDomainInterface *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_INTERFACE (self), NULL);
  return self->name;
}

/**
 * virtbus_domain_interface_get_hwaddr:
 * @self: a [class@Virtbus.DomainInterface]
 *
 * Gets the MAC address, or "".
 *
 * Returns: (transfer none): the MAC address, or ""
 *
 * Since: 1.0
 */
const char *
virtbus_domain_interface_get_hwaddr (VirtbusDomainInterface *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_INTERFACE (self), NULL);
  return self->hwaddr;
}

/**
 * virtbus_domain_interface_get_addresses:
 * @self: a [class@Virtbus.DomainInterface]
 *
 * Gets the addresses, possibly none.
 *
 * Returns: (transfer none) (element-type VirtbusDomainInterfaceAddress):
 *   the addresses, possibly none
 *
 * Since: 1.0
 */
GPtrArray *
virtbus_domain_interface_get_addresses (VirtbusDomainInterface *self)
{
  g_return_val_if_fail (VIRTBUS_IS_DOMAIN_INTERFACE (self), NULL);
  return self->addresses;
}
