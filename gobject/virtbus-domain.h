/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <gio/gio.h>

#include "virtbus-enums.h"
#include "virtbus-object.h"

G_BEGIN_DECLS

#define VIRTBUS_TYPE_DOMAIN (virtbus_domain_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusDomain, virtbus_domain, VIRTBUS, DOMAIN, VirtbusObject)

VirtbusConnection *virtbus_domain_get_connection (VirtbusDomain *self);
const char *virtbus_domain_get_object_path (VirtbusDomain *self);
const char *virtbus_domain_get_name (VirtbusDomain *self);
const char *virtbus_domain_get_uuid (VirtbusDomain *self);
const char *virtbus_domain_get_os_type (VirtbusDomain *self);
int virtbus_domain_get_id (VirtbusDomain *self);
gboolean virtbus_domain_get_active (VirtbusDomain *self);
gboolean virtbus_domain_get_persistent (VirtbusDomain *self);
gboolean virtbus_domain_get_autostart (VirtbusDomain *self);
gboolean virtbus_domain_get_updated (VirtbusDomain *self);
VirtbusDomainState virtbus_domain_get_state (VirtbusDomain *self);

void virtbus_domain_start_async (VirtbusDomain *self, VirtbusDomainStartFlags flags,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
gboolean virtbus_domain_start_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_start_sync (VirtbusDomain *self, VirtbusDomainStartFlags flags,
                                    GCancellable *cancellable, GError **error);

void virtbus_domain_shutdown_async (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean virtbus_domain_shutdown_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_shutdown_sync (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                                       GCancellable *cancellable, GError **error);

void virtbus_domain_reboot_async (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean virtbus_domain_reboot_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_reboot_sync (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                                     GCancellable *cancellable, GError **error);

void virtbus_domain_reset_async (VirtbusDomain *self, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_reset_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_reset_sync (VirtbusDomain *self, GCancellable *cancellable, GError **error);

void virtbus_domain_destroy_async (VirtbusDomain *self, VirtbusDomainDestroyFlags flags,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean virtbus_domain_destroy_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_destroy_sync (VirtbusDomain *self, VirtbusDomainDestroyFlags flags,
                                      GCancellable *cancellable, GError **error);

void virtbus_domain_suspend_async (VirtbusDomain *self, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_suspend_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_suspend_sync (VirtbusDomain *self, GCancellable *cancellable,
                                      GError **error);

void virtbus_domain_resume_async (VirtbusDomain *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_resume_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_resume_sync (VirtbusDomain *self, GCancellable *cancellable,
                                     GError **error);

void virtbus_domain_managed_save_async (VirtbusDomain *self, VirtbusDomainSaveFlags flags,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
gboolean virtbus_domain_managed_save_finish (VirtbusDomain *self, GAsyncResult *result,
                                             GError **error);
gboolean virtbus_domain_managed_save_sync (VirtbusDomain *self, VirtbusDomainSaveFlags flags,
                                           GCancellable *cancellable, GError **error);

void virtbus_domain_managed_save_remove_async (VirtbusDomain *self, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_managed_save_remove_finish (VirtbusDomain *self, GAsyncResult *result,
                                                    GError **error);
gboolean virtbus_domain_managed_save_remove_sync (VirtbusDomain *self, GCancellable *cancellable,
                                                  GError **error);

void virtbus_domain_undefine_async (VirtbusDomain *self, VirtbusDomainUndefineFlags flags,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean virtbus_domain_undefine_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_undefine_sync (VirtbusDomain *self, VirtbusDomainUndefineFlags flags,
                                       GCancellable *cancellable, GError **error);

void virtbus_domain_get_xml_desc_async (VirtbusDomain *self, VirtbusDomainXMLFlags flags,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
char *virtbus_domain_get_xml_desc_finish (VirtbusDomain *self, GAsyncResult *result,
                                          GError **error);
char *virtbus_domain_get_xml_desc_sync (VirtbusDomain *self, VirtbusDomainXMLFlags flags,
                                        GCancellable *cancellable, GError **error);

void virtbus_domain_get_state_async (VirtbusDomain *self, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
VirtbusDomainState virtbus_domain_get_state_finish (VirtbusDomain *self, GAsyncResult *result,
                                                    int *reason, GError **error);
VirtbusDomainState virtbus_domain_get_state_sync (VirtbusDomain *self, int *reason,
                                                  GCancellable *cancellable, GError **error);

void virtbus_domain_set_autostart_async (VirtbusDomain *self, gboolean autostart,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean virtbus_domain_set_autostart_finish (VirtbusDomain *self, GAsyncResult *result,
                                              GError **error);
gboolean virtbus_domain_set_autostart_sync (VirtbusDomain *self, gboolean autostart,
                                            GCancellable *cancellable, GError **error);

void virtbus_domain_set_vcpus_async (VirtbusDomain *self, guint vcpus,
                                     VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_set_vcpus_finish (VirtbusDomain *self, GAsyncResult *result,
                                          GError **error);
gboolean virtbus_domain_set_vcpus_sync (VirtbusDomain *self, guint vcpus,
                                        VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                        GError **error);

void virtbus_domain_set_memory_async (VirtbusDomain *self, guint64 memory_kib,
                                      VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_set_memory_finish (VirtbusDomain *self, GAsyncResult *result,
                                           GError **error);
gboolean virtbus_domain_set_memory_sync (VirtbusDomain *self, guint64 memory_kib,
                                         VirtbusDomainAffectFlags flags,
                                         GCancellable *cancellable, GError **error);

void virtbus_domain_get_metadata_async (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                        const char *uri, VirtbusDomainAffectFlags flags,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
char *virtbus_domain_get_metadata_finish (VirtbusDomain *self, GAsyncResult *result,
                                          GError **error);
char *virtbus_domain_get_metadata_sync (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                        const char *uri, VirtbusDomainAffectFlags flags,
                                        GCancellable *cancellable, GError **error);

void virtbus_domain_set_metadata_async (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                        const char *metadata, const char *key, const char *uri,
                                        VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_set_metadata_finish (VirtbusDomain *self, GAsyncResult *result,
                                             GError **error);
gboolean virtbus_domain_set_metadata_sync (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                           const char *metadata, const char *key,
                                           const char *uri, VirtbusDomainAffectFlags flags,
                                           GCancellable *cancellable, GError **error);

void virtbus_domain_open_graphics_fd_async (VirtbusDomain *self, guint idx,
                                            VirtbusDomainOpenGraphicsFlags flags,
                                            GCancellable *cancellable, GAsyncReadyCallback callback,
                                            gpointer user_data);
int virtbus_domain_open_graphics_fd_finish (VirtbusDomain *self, GAsyncResult *result,
                                            GError **error);
int virtbus_domain_open_graphics_fd_sync (VirtbusDomain *self, guint idx,
                                          VirtbusDomainOpenGraphicsFlags flags,
                                          GCancellable *cancellable, GError **error);

void virtbus_domain_attach_device_async (VirtbusDomain *self, const char *xml,
                                         VirtbusDomainDeviceModifyFlags flags,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean virtbus_domain_attach_device_finish (VirtbusDomain *self, GAsyncResult *result,
                                              GError **error);
gboolean virtbus_domain_attach_device_sync (VirtbusDomain *self, const char *xml,
                                            VirtbusDomainDeviceModifyFlags flags,
                                            GCancellable *cancellable, GError **error);

void virtbus_domain_detach_device_async (VirtbusDomain *self, const char *xml,
                                         VirtbusDomainDeviceModifyFlags flags,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean virtbus_domain_detach_device_finish (VirtbusDomain *self, GAsyncResult *result,
                                              GError **error);
gboolean virtbus_domain_detach_device_sync (VirtbusDomain *self, const char *xml,
                                            VirtbusDomainDeviceModifyFlags flags,
                                            GCancellable *cancellable, GError **error);

void virtbus_domain_update_device_async (VirtbusDomain *self, const char *xml,
                                         VirtbusDomainDeviceModifyFlags flags,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean virtbus_domain_update_device_finish (VirtbusDomain *self, GAsyncResult *result,
                                              GError **error);
gboolean virtbus_domain_update_device_sync (VirtbusDomain *self, const char *xml,
                                            VirtbusDomainDeviceModifyFlags flags,
                                            GCancellable *cancellable, GError **error);

void virtbus_domain_wakeup_async (VirtbusDomain *self, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_wakeup_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_wakeup_sync (VirtbusDomain *self, GCancellable *cancellable,
                                     GError **error);

void virtbus_domain_save_async (VirtbusDomain *self, const char *to, const char *xml,
                                VirtbusDomainSaveFlags flags, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_save_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_save_sync (VirtbusDomain *self, const char *to, const char *xml,
                                   VirtbusDomainSaveFlags flags, GCancellable *cancellable,
                                   GError **error);

void virtbus_domain_send_key_async (VirtbusDomain *self, VirtbusKeycodeSet codeset, guint holdtime,
                                    const guint *keycodes, guint n_keycodes,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean virtbus_domain_send_key_finish (VirtbusDomain *self, GAsyncResult *result,
                                         GError **error);
gboolean virtbus_domain_send_key_sync (VirtbusDomain *self, VirtbusKeycodeSet codeset,
                                       guint holdtime, const guint *keycodes, guint n_keycodes,
                                       GCancellable *cancellable, GError **error);

void virtbus_domain_inject_nmi_async (VirtbusDomain *self, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_inject_nmi_finish (VirtbusDomain *self, GAsyncResult *result,
                                           GError **error);
gboolean virtbus_domain_inject_nmi_sync (VirtbusDomain *self, GCancellable *cancellable,
                                         GError **error);

void virtbus_domain_rename_async (VirtbusDomain *self, const char *name,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean virtbus_domain_rename_finish (VirtbusDomain *self, GAsyncResult *result, GError **error);
gboolean virtbus_domain_rename_sync (VirtbusDomain *self, const char *name,
                                     GCancellable *cancellable, GError **error);

void virtbus_domain_get_interface_addresses_async (VirtbusDomain *self,
                                                   VirtbusDomainInterfaceAddressesSource source,
                                                   GCancellable *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer user_data);
GPtrArray *virtbus_domain_get_interface_addresses_finish (VirtbusDomain *self,
                                                          GAsyncResult *result, GError **error);
GPtrArray *virtbus_domain_get_interface_addresses_sync (VirtbusDomain *self,
                                                        VirtbusDomainInterfaceAddressesSource source,
                                                        GCancellable *cancellable,
                                                        GError **error);

void virtbus_domain_core_dump_async (VirtbusDomain *self, const char *to,
                                     VirtbusDomainCoreDumpFormat format,
                                     VirtbusDomainCoreDumpFlags flags, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_domain_core_dump_finish (VirtbusDomain *self, GAsyncResult *result,
                                          GError **error);
gboolean virtbus_domain_core_dump_sync (VirtbusDomain *self, const char *to,
                                        VirtbusDomainCoreDumpFormat format,
                                        VirtbusDomainCoreDumpFlags flags,
                                        GCancellable *cancellable, GError **error);

G_END_DECLS
