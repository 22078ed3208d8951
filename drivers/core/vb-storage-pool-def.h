/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The typed <pool> definition: parse (libxml2) → validate → format.
 *
 * Parsing enforces what libvirt's parser enforces for every pool type,
 * including the types no virtbus backend runs (iscsi, rbd, gluster, …),
 * so their definitions can still be stored and shown.  The sizes
 * (capacity, allocation, available) are live values a backend fills in:
 * libvirt never reads them from a document, and neither do we.
 * vb_storage_pool_def_validate() adds the storage driver's own checks. */

#include <glib.h>

#include "vb-util.h"
#include "vb-xml.h"

G_BEGIN_DECLS

/* libvirt's order (virStoragePoolType) */
typedef enum {
  VB_STORAGE_POOL_DIR = 0,
  VB_STORAGE_POOL_FS,
  VB_STORAGE_POOL_NETFS,
  VB_STORAGE_POOL_LOGICAL,
  VB_STORAGE_POOL_DISK,
  VB_STORAGE_POOL_ISCSI,
  VB_STORAGE_POOL_ISCSI_DIRECT,
  VB_STORAGE_POOL_SCSI,
  VB_STORAGE_POOL_MPATH,
  VB_STORAGE_POOL_RBD,
  VB_STORAGE_POOL_SHEEPDOG,
  VB_STORAGE_POOL_GLUSTER,
  VB_STORAGE_POOL_ZFS,
  VB_STORAGE_POOL_VSTORAGE,
  VB_STORAGE_POOL_TYPE_LAST,
} VbStoragePoolType;

const char *vb_storage_pool_type_to_string (VbStoragePoolType type);

/* Parse flags */
typedef enum {
  VB_STORAGE_POOL_PARSE_NONE = 0,
} VbStoragePoolParseFlags;

/* mode, owner and group are -1 when not given; owner and group are
 * otherwise 0 … 2^32-2 (2^32-1 is uid_t -1 and reads as "not given"). */
typedef struct {
  int mode;
  gint64 uid;
  gint64 gid;
  char *label;
} VbStoragePerms;

/* A secret named by UUID or by usage: exactly one is set. */
typedef struct {
  gboolean uuid_set;
  VbUuid uuid;
  char *usage;
} VbSecretLookup;

typedef struct {
  char *name;
  int port; /* 0 = not given */
} VbStoragePoolHost;

typedef struct {
  guint64 start;
  guint64 end;
} VbStorageExtent;

typedef struct {
  char *path;
  VbTristate part_separator;
  GArray *free_extents; /* VbStorageExtent; live, filled by the disk backend */
} VbStoragePoolDevice;

typedef enum {
  VB_STORAGE_ADAPTER_NONE = 0,
  VB_STORAGE_ADAPTER_SCSI_HOST,
  VB_STORAGE_ADAPTER_FC_HOST,
} VbStorageAdapterType;

typedef struct {
  VbStorageAdapterType type;
  /* scsi_host: a name, or the PCI parent and its unique_id */
  char *name;
  gboolean has_parentaddr;
  guint unique_id;
  VbPciAddress parentaddr;
  /* fc_host */
  char *parent;
  char *parent_wwnn;
  char *parent_wwpn;
  char *parent_fabric_wwn;
  char *wwnn;
  char *wwpn;
  VbTristate managed;
} VbStorageAdapter;

typedef enum {
  VB_STORAGE_AUTH_CHAP = 1,
  VB_STORAGE_AUTH_CEPH,
} VbStorageAuthType;

typedef struct {
  VbStorageAuthType type;
  char *username;
  char *secret_type; /* as written; pool XML normally has none */
  VbSecretLookup secret;
} VbStorageAuth;

typedef struct {
  GPtrArray *hosts;   /* VbStoragePoolHost */
  GPtrArray *devices; /* VbStoragePoolDevice */
  char *dir;
  VbStorageAdapter adapter;
  char *name;
  int format;         /* index into the type's format names; see vb_storage_pool_format_name */
  char *vendor;
  char *product;
  char *initiator_iqn;
  VbStorageAuth *auth;
  char *protocol_ver;
} VbStoragePoolSource;

typedef struct {
  char *name;
  char *value;
} VbStorageRbdOption;

/* <refresh><volume allocation>: how an rbd pool reports its volumes' use */
typedef enum {
  VB_STORAGE_REFRESH_NONE = 0, /* no <refresh> */
  VB_STORAGE_REFRESH_DEFAULT,
  VB_STORAGE_REFRESH_CAPACITY,
} VbStorageRefreshAllocation;

typedef struct _VbStoragePoolDef {
  char *name;
  VbUuid uuid;
  VbStoragePoolType type;
  guint64 capacity;  /* live */
  guint64 allocation;
  guint64 available;
  VbTristate cow;    /* <features><cow state> */
  VbStoragePoolSource source;
  char *target_path; /* NULL for the types without a target (rbd, sheepdog, gluster, iscsi-direct) */
  VbStoragePerms target_perms;
  VbStorageRefreshAllocation refresh_allocation;
  GPtrArray *mount_opts;  /* char*, <fs:mount_opts> of fs and netfs pools */
  GPtrArray *rbd_options; /* VbStorageRbdOption, <rbd:config_opts> */
} VbStoragePoolDef;

/* The <format type> name of @format for @type's pool source, or NULL
 * when that type has no source format (or @format is out of range). */
const char *vb_storage_pool_format_name (VbStoragePoolType type, int format);

/* Parses a <pool> document as libvirt does: a missing <uuid> is generated;
 * logical and zfs pools take their target path from the source name;
 * paths are cleaned of repeated and trailing '/'. */
VbStoragePoolDef *vb_storage_pool_def_parse (const char *xml, guint parse_flags, GError **error);

/* What the storage driver checks before it defines a pool: a valid name,
 * an absolute target path, hosts with a name and a real port, an absolute
 * NFS export. */
gboolean vb_storage_pool_def_validate (const VbStoragePoolDef *def, GError **error);

char *vb_storage_pool_def_format (const VbStoragePoolDef *def);
/* A deep copy of the structures, sharing nothing with @def.  NULL gives NULL. */
VbStoragePoolDef *vb_storage_pool_def_copy (const VbStoragePoolDef *def);
void vb_storage_pool_def_free (VbStoragePoolDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbStoragePoolDef, vb_storage_pool_def_free)

G_END_DECLS
