/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

#include "virtbus-enums.h"
#include "virtbus-network-portgroup.h"
#include "virtbus-virtual-port.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_NETWORK_CONFIG (virtbus_network_config_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusNetworkConfig, virtbus_network_config, VIRTBUS, NETWORK_CONFIG,
                      GObject)

VirtbusNetworkConfig *virtbus_network_config_new (const char *name);
VirtbusNetworkConfig *virtbus_network_config_new_from_xml (const char *xml, GError **error);
char *virtbus_network_config_to_xml (VirtbusNetworkConfig *self);
gboolean virtbus_network_config_validate (VirtbusNetworkConfig *self, GError **error);

const char *virtbus_network_config_get_name (VirtbusNetworkConfig *self);
gboolean virtbus_network_config_set_name (VirtbusNetworkConfig *self, const char *name,
                                          GError **error);
char *virtbus_network_config_get_uuid (VirtbusNetworkConfig *self);
gboolean virtbus_network_config_set_uuid (VirtbusNetworkConfig *self, const char *uuid,
                                          GError **error);
const char *virtbus_network_config_get_bridge (VirtbusNetworkConfig *self);
void virtbus_network_config_set_bridge (VirtbusNetworkConfig *self, const char *bridge);
VirtbusNetworkForwardMode virtbus_network_config_get_forward_mode (VirtbusNetworkConfig *self);
void virtbus_network_config_set_forward_mode (VirtbusNetworkConfig *self,
                                              VirtbusNetworkForwardMode mode);
GStrv virtbus_network_config_get_forward_devices (VirtbusNetworkConfig *self);
gboolean virtbus_network_config_add_forward_device (VirtbusNetworkConfig *self, const char *dev,
                                                    GError **error);
gboolean virtbus_network_config_remove_forward_device (VirtbusNetworkConfig *self,
                                                       const char *dev, GError **error);
GList *virtbus_network_config_get_portgroups (VirtbusNetworkConfig *self);
gboolean virtbus_network_config_add_portgroup (VirtbusNetworkConfig *self,
                                               VirtbusNetworkPortgroup *portgroup,
                                               GError **error);
gboolean virtbus_network_config_remove_portgroup (VirtbusNetworkConfig *self, const char *name,
                                                  GError **error);
VirtbusVirtualPort *virtbus_network_config_get_virtual_port (VirtbusNetworkConfig *self);
void virtbus_network_config_set_virtual_port (VirtbusNetworkConfig *self,
                                              VirtbusVirtualPort *virtual_port);

G_END_DECLS
