/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

#include "virtbus-enums.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_DOMAIN_INTERFACE_ADDRESS (virtbus_domain_interface_address_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusDomainInterfaceAddress, virtbus_domain_interface_address, VIRTBUS,
                      DOMAIN_INTERFACE_ADDRESS, GObject)

VirtbusIPAddrType virtbus_domain_interface_address_get_address_type (VirtbusDomainInterfaceAddress *self);
const char *virtbus_domain_interface_address_get_address (VirtbusDomainInterfaceAddress *self);
guint virtbus_domain_interface_address_get_prefix (VirtbusDomainInterfaceAddress *self);

G_END_DECLS
