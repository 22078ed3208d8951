/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

#include "virtbus-enums.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_VIRTUAL_PORT (virtbus_virtual_port_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusVirtualPort, virtbus_virtual_port, VIRTBUS, VIRTUAL_PORT, GObject)

VirtbusVirtualPort *virtbus_virtual_port_new (VirtbusVirtualPortType port_type);
VirtbusVirtualPortType virtbus_virtual_port_get_port_type (VirtbusVirtualPort *self);
char *virtbus_virtual_port_get_parameter (VirtbusVirtualPort *self, const char *name);
gboolean virtbus_virtual_port_set_parameter (VirtbusVirtualPort *self, const char *name,
                                             const char *value, GError **error);

G_END_DECLS
