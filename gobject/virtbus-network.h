/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtbus-enums.h"
#include "virtbus-object.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_NETWORK (virtbus_network_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusNetwork, virtbus_network, VIRTBUS, NETWORK, VirtbusObject)

VirtbusConnection *virtbus_network_get_connection (VirtbusNetwork *self);
const char *virtbus_network_get_object_path (VirtbusNetwork *self);
const char *virtbus_network_get_name (VirtbusNetwork *self);
const char *virtbus_network_get_uuid (VirtbusNetwork *self);
gboolean virtbus_network_get_active (VirtbusNetwork *self);
gboolean virtbus_network_get_persistent (VirtbusNetwork *self);
gboolean virtbus_network_get_autostart (VirtbusNetwork *self);

void virtbus_network_start_async (VirtbusNetwork *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_network_start_finish (VirtbusNetwork *self, GAsyncResult *result, GError **error);
gboolean virtbus_network_start_sync (VirtbusNetwork *self, GCancellable *cancellable,
                                     GError **error);

void virtbus_network_destroy_async (VirtbusNetwork *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_network_destroy_finish (VirtbusNetwork *self, GAsyncResult *result,
                                         GError **error);
gboolean virtbus_network_destroy_sync (VirtbusNetwork *self, GCancellable *cancellable,
                                       GError **error);

void virtbus_network_undefine_async (VirtbusNetwork *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_network_undefine_finish (VirtbusNetwork *self, GAsyncResult *result,
                                          GError **error);
gboolean virtbus_network_undefine_sync (VirtbusNetwork *self, GCancellable *cancellable,
                                        GError **error);

void virtbus_network_get_xml_desc_async (VirtbusNetwork *self, VirtbusNetworkXMLFlags flags,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
char *virtbus_network_get_xml_desc_finish (VirtbusNetwork *self, GAsyncResult *result,
                                           GError **error);
char *virtbus_network_get_xml_desc_sync (VirtbusNetwork *self, VirtbusNetworkXMLFlags flags,
                                         GCancellable *cancellable, GError **error);

void virtbus_network_update_async (VirtbusNetwork *self, VirtbusNetworkUpdateCommand command,
                                   VirtbusNetworkSection section, int parent_index,
                                   const char *xml, VirtbusNetworkUpdateFlags flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean virtbus_network_update_finish (VirtbusNetwork *self, GAsyncResult *result,
                                        GError **error);
gboolean virtbus_network_update_sync (VirtbusNetwork *self, VirtbusNetworkUpdateCommand command,
                                      VirtbusNetworkSection section, int parent_index,
                                      const char *xml, VirtbusNetworkUpdateFlags flags,
                                      GCancellable *cancellable, GError **error);

void virtbus_network_set_autostart_async (VirtbusNetwork *self, gboolean autostart,
                                          GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_network_set_autostart_finish (VirtbusNetwork *self, GAsyncResult *result,
                                               GError **error);
gboolean virtbus_network_set_autostart_sync (VirtbusNetwork *self, gboolean autostart,
                                             GCancellable *cancellable, GError **error);

void virtbus_network_get_dhcp_leases_async (VirtbusNetwork *self, const char *mac,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
GList *virtbus_network_get_dhcp_leases_finish (VirtbusNetwork *self, GAsyncResult *result,
                                               GError **error);
GList *virtbus_network_get_dhcp_leases_sync (VirtbusNetwork *self, const char *mac,
                                             GCancellable *cancellable, GError **error);

G_END_DECLS
