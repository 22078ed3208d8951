/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the storage pool and volume definitions share, private to
 * drivers/core:
 *   vb-storage-pool-def.c        pool: free, validate, format; the shared writers
 *   vb-storage-pool-def-parse.c  pool document; the shared readers
 *   vb-storage-vol-def.c         volume: parse, validate, format, free
 *   vb-storage-def-copy.c        the structure copies of both */

#include "vb-error.h"
#include "vb-storage-vol-def.h"

G_BEGIN_DECLS

#define FS_NS "http://libvirt.org/schemas/storagepool/fs/1.0"
#define RBD_NS "http://libvirt.org/schemas/storagepool/rbd/1.0"

/* every rejection names the element or attribute and why */
#define config_error vb_error_invalid_config

/* Pool source elements a type reads and writes (libvirt's
 * VIR_STORAGE_POOL_SOURCE_* option flags) */
enum {
  POOL_SOURCE_HOST = 1 << 0,
  POOL_SOURCE_DEVICE = 1 << 1,
  POOL_SOURCE_DIR = 1 << 2,
  POOL_SOURCE_ADAPTER = 1 << 3,
  POOL_SOURCE_NAME = 1 << 4,
  POOL_SOURCE_INITIATOR_IQN = 1 << 5,
  POOL_SOURCE_NETWORK = 1 << 6,
};

typedef struct {
  guint source_flags;
  const char *const *formats; /* source <format> names, or NULL */
  int default_format;
  gboolean has_target;             /* FALSE for the network types */
  const char *const *vol_formats; /* volume <format> names, or NULL */
  int vol_default_format;
} VbStoragePoolTypeInfo;

const VbStoragePoolTypeInfo *vb_storage_pool_type_info (VbStoragePoolType type);
extern const char *const vb_storage_pool_types[];

/* perms of a pool or volume target: all unset */
void vb_storage_perms_init (VbStoragePerms *perms);
/* <permissions> under @parent, if any */
gboolean vb_storage_perms_parse (xmlNode *parent, VbStoragePerms *perms, GError **error);
void vb_storage_perms_format (const VbStoragePerms *perms, VbXmlWriter *w);

/* The text of @parent's child @name, NULL when the child is absent or
 * its text empty: libvirt reads element text through XPath string(),
 * which cannot tell the two apart. */
char *vb_storage_text (xmlNode *parent, const char *name);

/* uuid= or usage= of a <secret>; @ctx names the element in errors */
gboolean vb_secret_lookup_parse (xmlNode *node, const char *ctx, VbSecretLookup *out, GError **error);
void vb_secret_lookup_attrs (const VbSecretLookup *lookup, VbXmlWriter *w);
void vb_secret_lookup_clear (VbSecretLookup *lookup);
void vb_secret_lookup_free (gpointer p);

/* libvirt's virFileSanitizePath: '//' runs collapsed, a trailing '/'
 * dropped, a leading '//' (but not '///') kept */
char *vb_storage_sanitize_path (const char *path);

/* A scaled-integer element (text and unit attribute) into bytes, at
 * most @max. */
gboolean vb_storage_size_element (xmlNode *node, guint64 max, guint64 *out, GError **error);

/* "<name unit='bytes'>N</name>" */
void vb_storage_size_format (VbXmlWriter *w, const char *name, const char *unit, guint64 bytes);

void vb_storage_pool_host_free (gpointer p);
void vb_storage_pool_device_free (gpointer p);
void vb_storage_rbd_option_free (gpointer p);
void vb_storage_auth_free (VbStorageAuth *auth);
void vb_storage_adapter_clear (VbStorageAdapter *adapter);
void vb_storage_vol_extent_free (gpointer p);
void vb_storage_encryption_free (VbStorageEncryption *enc);
void vb_storage_vol_target_clear (VbStorageVolTarget *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStoragePoolHost, vb_storage_pool_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStoragePoolDevice, vb_storage_pool_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStorageAuth, vb_storage_auth_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStorageEncryption, vb_storage_encryption_free)

/* A pool definition with its arrays allocated, empty */
VbStoragePoolDef *vb_storage_pool_def_alloc (void);

G_END_DECLS
