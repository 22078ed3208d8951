/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

#include "virtbus-virtual-port.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_NETWORK_PORTGROUP (virtbus_network_portgroup_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusNetworkPortgroup, virtbus_network_portgroup, VIRTBUS,
                      NETWORK_PORTGROUP, GObject)

VirtbusNetworkPortgroup *virtbus_network_portgroup_new (const char *name);
const char *virtbus_network_portgroup_get_name (VirtbusNetworkPortgroup *self);
gboolean virtbus_network_portgroup_get_default (VirtbusNetworkPortgroup *self);
void virtbus_network_portgroup_set_default (VirtbusNetworkPortgroup *self, gboolean is_default);
VirtbusVirtualPort *virtbus_network_portgroup_get_virtual_port (VirtbusNetworkPortgroup *self);
void virtbus_network_portgroup_set_virtual_port (VirtbusNetworkPortgroup *self,
                                                 VirtbusVirtualPort *virtual_port);

G_END_DECLS
