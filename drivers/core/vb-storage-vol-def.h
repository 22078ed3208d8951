/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The typed <volume> definition.  A volume is read in the context of its
 * pool, as libvirt does: the pool type decides which <format> names the
 * target takes (file formats, partition types, none) and whether the
 * qcow2 <features> apply.  Sizes are libvirt's scaled integers (a unit
 * attribute of b/bytes, K/KiB (1024), KB (1000), … up to E/EiB/EB;
 * default bytes); capacity and allocation above 2^63-1 bytes are refused,
 * as libvirt does, a cluster size above 2^64-1. */

#include "vb-storage-pool-def.h"

G_BEGIN_DECLS

typedef enum {
  VB_STORAGE_VOL_FILE = 0,
  VB_STORAGE_VOL_BLOCK,
  VB_STORAGE_VOL_DIR,
  VB_STORAGE_VOL_NETWORK,
  VB_STORAGE_VOL_NETDIR,
  VB_STORAGE_VOL_PLOOP,
} VbStorageVolType;

typedef enum {
  VB_STORAGE_VOL_PARSE_NONE = 0,
  /* <capacity> may be absent (libvirt's VIR_VOL_XML_PARSE_NO_CAPACITY:
   * a clone or an upload takes the source's size) */
  VB_STORAGE_VOL_PARSE_NO_CAPACITY = 1 << 0,
  /* <capacity> may be absent when there is a <backingStore>
   * (VIR_VOL_XML_PARSE_OPT_CAPACITY) */
  VB_STORAGE_VOL_PARSE_OPT_CAPACITY = 1 << 1,
} VbStorageVolParseFlags;

/* qcow2 features, bits by libvirt's virStorageFileFeature */
typedef enum {
  VB_STORAGE_FEATURE_LAZY_REFCOUNTS = 1 << 0,
  VB_STORAGE_FEATURE_EXTENDED_L2 = 1 << 1,
} VbStorageFeature;

/* A time the backend read from the file; output only. */
typedef struct {
  gboolean set;
  guint64 sec;
  guint nsec;
} VbStorageTime;

typedef struct {
  VbStorageTime atime;
  VbStorageTime btime;
  VbStorageTime ctime;
  VbStorageTime mtime;
} VbStorageTimestamps;

typedef enum {
  VB_STORAGE_ENCRYPTION_DEFAULT = 0,
  VB_STORAGE_ENCRYPTION_QCOW,
  VB_STORAGE_ENCRYPTION_LUKS,
  VB_STORAGE_ENCRYPTION_LUKS2,
} VbStorageEncryptionFormat;

typedef struct {
  VbStorageEncryptionFormat format;
  int engine;            /* 0 = default, 1 = qemu, 2 = librbd */
  GPtrArray *secrets;    /* VbSecretLookup, each of type 'passphrase' */
  char *cipher_name;     /* NULL: no <cipher> */
  guint cipher_size;
  char *cipher_mode;
  char *cipher_hash;
  char *ivgen_name;      /* NULL: no <ivgen> */
  char *ivgen_hash;
} VbStorageEncryption;

/* <target> and <backingStore>; a backing store only uses path, format,
 * perms and timestamps. */
typedef struct {
  char *path;
  int format;            /* index into the pool type's volume format names */
  VbStoragePerms perms;
  VbStorageTimestamps *timestamps; /* live */
  VbStorageEncryption *encryption;
  char *compat;
  gboolean nocow;        /* a creation hint: read, never written back (as libvirt) */
  guint64 cluster_size;  /* bytes, 0 = not given */
  gboolean has_features;
  guint features;        /* VbStorageFeature */
} VbStorageVolTarget;

/* An extent of a volume on a pool device (logical, disk); live. */
typedef struct {
  char *device;
  guint64 start;
  guint64 end;
} VbStorageVolExtent;

typedef struct _VbStorageVolDef {
  char *name;
  char *key;
  VbStorageVolType type;
  VbStoragePoolType pool_type; /* the pool the volume was read for */
  guint64 capacity;
  guint64 allocation;    /* the capacity when not given */
  gboolean has_allocation;
  guint64 physical;      /* live; written when not 0 */
  GPtrArray *extents;    /* VbStorageVolExtent, live */
  VbStorageVolTarget target;
  VbStorageVolTarget *backing; /* NULL: no <backingStore> */
} VbStorageVolDef;

const char *vb_storage_vol_type_to_string (VbStorageVolType type);
/* The <format type> name of @format for volumes of a @pool_type pool, or
 * NULL when that pool's volumes have no format. */
const char *vb_storage_vol_format_name (VbStoragePoolType pool_type, int format);

/* Parses a <volume> document for a volume of @pool (libvirt reads volume
 * XML only against its pool). */
VbStorageVolDef *vb_storage_vol_def_parse (const VbStoragePoolDef *pool, const char *xml,
                                           guint parse_flags, GError **error);
/* What the storage driver checks before it creates a volume. */
gboolean vb_storage_vol_def_validate (const VbStorageVolDef *def, GError **error);
char *vb_storage_vol_def_format (const VbStorageVolDef *def);
VbStorageVolDef *vb_storage_vol_def_copy (const VbStorageVolDef *def);
void vb_storage_vol_def_free (VbStorageVolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStorageVolDef, vb_storage_vol_def_free)

/* A volume size as libvirt reads one: @value with @unit (NULL or "" =
 * bytes) into bytes; FALSE with VB_ERROR_INVALID_CONFIG for a malformed
 * value, an unknown unit, or a result above 2^63-1 (off_t's limit). */
gboolean vb_storage_size_parse (const char *value, const char *unit, guint64 *out, GError **error);

G_END_DECLS
