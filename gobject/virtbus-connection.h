/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtbus-domain.h"
#include "virtbus-domain-config.h"
#include "virtbus-network.h"
#include "virtbus-network-config.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_CONNECTION (virtbus_connection_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusConnection, virtbus_connection, VIRTBUS, CONNECTION, GObject)

void virtbus_connection_new_for_bus_async (GBusType bus_type, const char *driver,
                                           GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
VirtbusConnection *virtbus_connection_new_for_bus_finish (GAsyncResult *result, GError **error);
VirtbusConnection *virtbus_connection_new_for_bus_sync (GBusType bus_type, const char *driver,
                                                        GCancellable *cancellable,
                                                        GError **error);
void virtbus_connection_new_for_address_async (const char *address, const char *driver,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer user_data);
VirtbusConnection *virtbus_connection_new_for_address_finish (GAsyncResult *result,
                                                              GError **error);
VirtbusConnection *virtbus_connection_new_for_address_sync (const char *address,
                                                            const char *driver,
                                                            GCancellable *cancellable,
                                                            GError **error);

const char *virtbus_connection_get_driver (VirtbusConnection *self);
gboolean virtbus_connection_get_daemon_running (VirtbusConnection *self);
GList *virtbus_connection_get_domains (VirtbusConnection *self);
GList *virtbus_connection_get_networks (VirtbusConnection *self);
VirtbusDomain *virtbus_connection_find_domain_by_name (VirtbusConnection *self, const char *name);
VirtbusDomain *virtbus_connection_find_domain_by_uuid (VirtbusConnection *self, const char *uuid);
VirtbusNetwork *virtbus_connection_find_network_by_name (VirtbusConnection *self,
                                                         const char *name);
VirtbusNetwork *virtbus_connection_find_network_by_uuid (VirtbusConnection *self,
                                                         const char *uuid);

void virtbus_connection_lookup_domain_by_name_async (VirtbusConnection *self, const char *name,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
void virtbus_connection_lookup_domain_by_uuid_async (VirtbusConnection *self, const char *uuid,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
void virtbus_connection_define_domain_async (VirtbusConnection *self, const char *xml,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
void virtbus_connection_define_domain_config_async (VirtbusConnection *self,
                                                    VirtbusDomainConfig *config,
                                                    GCancellable *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer user_data);
void virtbus_connection_create_domain_async (VirtbusConnection *self, const char *xml,
                                             VirtbusDomainStartFlags flags,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
VirtbusDomain *virtbus_connection_lookup_domain_by_name_finish (VirtbusConnection *self,
                                                                GAsyncResult *result,
                                                                GError **error);
VirtbusDomain *virtbus_connection_lookup_domain_by_uuid_finish (VirtbusConnection *self,
                                                                GAsyncResult *result,
                                                                GError **error);
VirtbusDomain *virtbus_connection_define_domain_finish (VirtbusConnection *self,
                                                        GAsyncResult *result, GError **error);
VirtbusDomain *virtbus_connection_define_domain_config_finish (VirtbusConnection *self,
                                                               GAsyncResult *result,
                                                               GError **error);
VirtbusDomain *virtbus_connection_create_domain_finish (VirtbusConnection *self,
                                                        GAsyncResult *result, GError **error);

VirtbusDomain *virtbus_connection_lookup_domain_by_name_sync (VirtbusConnection *self,
                                                              const char *name,
                                                              GCancellable *cancellable,
                                                              GError **error);
VirtbusDomain *virtbus_connection_lookup_domain_by_uuid_sync (VirtbusConnection *self,
                                                              const char *uuid,
                                                              GCancellable *cancellable,
                                                              GError **error);
VirtbusDomain *virtbus_connection_define_domain_sync (VirtbusConnection *self, const char *xml,
                                                      GCancellable *cancellable, GError **error);
VirtbusDomain *virtbus_connection_define_domain_config_sync (VirtbusConnection *self,
                                                             VirtbusDomainConfig *config,
                                                             GCancellable *cancellable,
                                                             GError **error);
VirtbusDomain *virtbus_connection_create_domain_sync (VirtbusConnection *self, const char *xml,
                                                      VirtbusDomainStartFlags flags,
                                                      GCancellable *cancellable, GError **error);

void virtbus_connection_lookup_network_by_name_async (VirtbusConnection *self, const char *name,
                                                      GCancellable *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer user_data);
void virtbus_connection_lookup_network_by_uuid_async (VirtbusConnection *self, const char *uuid,
                                                      GCancellable *cancellable,
                                                      GAsyncReadyCallback callback,
                                                      gpointer user_data);
void virtbus_connection_define_network_async (VirtbusConnection *self, const char *xml,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
void virtbus_connection_define_network_config_async (VirtbusConnection *self,
                                                     VirtbusNetworkConfig *config,
                                                     GCancellable *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer user_data);
void virtbus_connection_create_network_async (VirtbusConnection *self, const char *xml,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
VirtbusNetwork *virtbus_connection_lookup_network_by_name_finish (VirtbusConnection *self,
                                                                  GAsyncResult *result,
                                                                  GError **error);
VirtbusNetwork *virtbus_connection_lookup_network_by_uuid_finish (VirtbusConnection *self,
                                                                  GAsyncResult *result,
                                                                  GError **error);
VirtbusNetwork *virtbus_connection_define_network_finish (VirtbusConnection *self,
                                                          GAsyncResult *result, GError **error);
VirtbusNetwork *virtbus_connection_define_network_config_finish (VirtbusConnection *self,
                                                                 GAsyncResult *result,
                                                                 GError **error);
VirtbusNetwork *virtbus_connection_create_network_finish (VirtbusConnection *self,
                                                          GAsyncResult *result, GError **error);

VirtbusNetwork *virtbus_connection_lookup_network_by_name_sync (VirtbusConnection *self,
                                                                const char *name,
                                                                GCancellable *cancellable,
                                                                GError **error);
VirtbusNetwork *virtbus_connection_lookup_network_by_uuid_sync (VirtbusConnection *self,
                                                                const char *uuid,
                                                                GCancellable *cancellable,
                                                                GError **error);
VirtbusNetwork *virtbus_connection_define_network_sync (VirtbusConnection *self, const char *xml,
                                                        GCancellable *cancellable,
                                                        GError **error);
VirtbusNetwork *virtbus_connection_define_network_config_sync (VirtbusConnection *self,
                                                               VirtbusNetworkConfig *config,
                                                               GCancellable *cancellable,
                                                               GError **error);
VirtbusNetwork *virtbus_connection_create_network_sync (VirtbusConnection *self, const char *xml,
                                                        GCancellable *cancellable,
                                                        GError **error);

void virtbus_connection_get_capabilities_async (VirtbusConnection *self,
                                                GCancellable *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer user_data);
char *virtbus_connection_get_capabilities_finish (VirtbusConnection *self, GAsyncResult *result,
                                                  GError **error);
char *virtbus_connection_get_capabilities_sync (VirtbusConnection *self,
                                                GCancellable *cancellable, GError **error);

void virtbus_connection_restore_domain_async (VirtbusConnection *self, const char *from,
                                              const char *xml, VirtbusDomainSaveFlags flags,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_connection_restore_domain_finish (VirtbusConnection *self, GAsyncResult *result,
                                                   GError **error);
gboolean virtbus_connection_restore_domain_sync (VirtbusConnection *self, const char *from,
                                                 const char *xml, VirtbusDomainSaveFlags flags,
                                                 GCancellable *cancellable, GError **error);

G_END_DECLS
