/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define VIRTBUS_TYPE_DOMAIN_CONFIG (virtbus_domain_config_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusDomainConfig, virtbus_domain_config, VIRTBUS, DOMAIN_CONFIG, GObject)

VirtbusDomainConfig *virtbus_domain_config_new (const char *name);
VirtbusDomainConfig *virtbus_domain_config_new_from_xml (const char *xml, GError **error);
char *virtbus_domain_config_to_xml (VirtbusDomainConfig *self);

const char *virtbus_domain_config_get_name (VirtbusDomainConfig *self);
gboolean virtbus_domain_config_set_name (VirtbusDomainConfig *self, const char *name,
                                         GError **error);
char *virtbus_domain_config_get_uuid (VirtbusDomainConfig *self);
gboolean virtbus_domain_config_set_uuid (VirtbusDomainConfig *self, const char *uuid,
                                         GError **error);
const char *virtbus_domain_config_get_virt_type (VirtbusDomainConfig *self);
void virtbus_domain_config_set_virt_type (VirtbusDomainConfig *self, const char *virt_type);
const char *virtbus_domain_config_get_title (VirtbusDomainConfig *self);
gboolean virtbus_domain_config_set_title (VirtbusDomainConfig *self, const char *title,
                                          GError **error);
const char *virtbus_domain_config_get_description (VirtbusDomainConfig *self);
void virtbus_domain_config_set_description (VirtbusDomainConfig *self, const char *description);
guint64 virtbus_domain_config_get_memory (VirtbusDomainConfig *self);
void virtbus_domain_config_set_memory (VirtbusDomainConfig *self, guint64 memory_kib);
guint virtbus_domain_config_get_vcpus (VirtbusDomainConfig *self);
void virtbus_domain_config_set_vcpus (VirtbusDomainConfig *self, guint vcpus);
const char *virtbus_domain_config_get_os_type (VirtbusDomainConfig *self);
void virtbus_domain_config_set_os_type (VirtbusDomainConfig *self, const char *os_type);
const char *virtbus_domain_config_get_os_arch (VirtbusDomainConfig *self);
void virtbus_domain_config_set_os_arch (VirtbusDomainConfig *self, const char *arch);

G_END_DECLS
