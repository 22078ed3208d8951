/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define VIRTBUS_TYPE_DOMAIN_INTERFACE (virtbus_domain_interface_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusDomainInterface, virtbus_domain_interface, VIRTBUS, DOMAIN_INTERFACE,
                      GObject)

const char *virtbus_domain_interface_get_name (VirtbusDomainInterface *self);
const char *virtbus_domain_interface_get_hwaddr (VirtbusDomainInterface *self);
GPtrArray *virtbus_domain_interface_get_addresses (VirtbusDomainInterface *self);

G_END_DECLS
