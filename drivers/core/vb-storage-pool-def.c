/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The <pool> definition: type table, free, validate, format; and the
 * writers pools and volumes share. */
#include "vb-storage-pool-def.h"

#include <string.h>

#include "vb-storage-def-private.h"

const char *const vb_storage_pool_types[] = {
  "dir", "fs", "netfs", "logical", "disk", "iscsi", "iscsi-direct", "scsi", "mpath",
  "rbd", "sheepdog", "gluster", "zfs", "vstorage", NULL
};

static const char *const fs_formats[] = {
  "auto", "ext2", "ext3", "ext4", "ufs", "iso9660", "udf", "gfs", "gfs2", "vfat",
  "hfs+", "xfs", "ocfs2", "vmfs", NULL
};
static const char *const netfs_formats[] = { "auto", "nfs", "glusterfs", "cifs", NULL };
static const char *const disk_formats[] = {
  "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2", NULL
};
static const char *const logical_formats[] = { "unknown", "lvm2", NULL };

/* volumes; libvirt's virStorageFileFormat, which has no "luks" (a LUKS
 * volume is raw with an <encryption>) */
static const char *const file_formats[] = {
  "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd",
  "ploop", "cow", "qcow", "qcow2", "qed", "vmdk", NULL
};
static const char *const partition_formats[] = {
  "none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended", NULL
};

#define RAW 1 /* index of "raw" in file_formats */
#define FILE_VOLS .vol_formats = file_formats, .vol_default_format = RAW

/* libvirt's poolTypeInfo: which source elements each type has, its source
 * formats, and what its volumes' <format> means (NULL: volumes of that
 * type have none). */
static const VbStoragePoolTypeInfo type_info[VB_STORAGE_POOL_TYPE_LAST] = {
  [VB_STORAGE_POOL_DIR] = { .has_target = TRUE, FILE_VOLS },
  [VB_STORAGE_POOL_FS] = { .source_flags = POOL_SOURCE_DEVICE, .formats = fs_formats,
                           .has_target = TRUE, FILE_VOLS },
  [VB_STORAGE_POOL_NETFS] = { .source_flags = POOL_SOURCE_HOST | POOL_SOURCE_DIR,
                              .formats = netfs_formats, .has_target = TRUE, FILE_VOLS },
  [VB_STORAGE_POOL_LOGICAL] = { .source_flags = POOL_SOURCE_NAME | POOL_SOURCE_DEVICE,
                                .formats = logical_formats, .default_format = 1,
                                .has_target = TRUE },
  [VB_STORAGE_POOL_DISK] = { .source_flags = POOL_SOURCE_DEVICE, .formats = disk_formats,
                             .has_target = TRUE, .vol_formats = partition_formats },
  [VB_STORAGE_POOL_ISCSI] = { .source_flags = POOL_SOURCE_HOST | POOL_SOURCE_DEVICE |
                                              POOL_SOURCE_INITIATOR_IQN,
                              .has_target = TRUE },
  [VB_STORAGE_POOL_ISCSI_DIRECT] = { .source_flags = POOL_SOURCE_HOST | POOL_SOURCE_DEVICE |
                                                     POOL_SOURCE_NETWORK |
                                                     POOL_SOURCE_INITIATOR_IQN },
  [VB_STORAGE_POOL_SCSI] = { .source_flags = POOL_SOURCE_ADAPTER, .has_target = TRUE },
  [VB_STORAGE_POOL_MPATH] = { .has_target = TRUE },
  [VB_STORAGE_POOL_RBD] = { .source_flags = POOL_SOURCE_HOST | POOL_SOURCE_NETWORK |
                                            POOL_SOURCE_NAME,
                            FILE_VOLS },
  [VB_STORAGE_POOL_SHEEPDOG] = { .source_flags = POOL_SOURCE_HOST | POOL_SOURCE_NETWORK |
                                                 POOL_SOURCE_NAME },
  [VB_STORAGE_POOL_GLUSTER] = { .source_flags = POOL_SOURCE_HOST | POOL_SOURCE_NETWORK |
                                                POOL_SOURCE_NAME | POOL_SOURCE_DIR,
                                FILE_VOLS },
  [VB_STORAGE_POOL_ZFS] = { .source_flags = POOL_SOURCE_NAME | POOL_SOURCE_DEVICE,
                            .has_target = TRUE },
  [VB_STORAGE_POOL_VSTORAGE] = { .source_flags = POOL_SOURCE_NAME, .has_target = TRUE, FILE_VOLS },
};

const VbStoragePoolTypeInfo *
vb_storage_pool_type_info (VbStoragePoolType type)
{
  g_return_val_if_fail (type < VB_STORAGE_POOL_TYPE_LAST, &type_info[0]);
  return &type_info[type];
}

const char *
vb_storage_pool_type_to_string (VbStoragePoolType type)
{
  return type < VB_STORAGE_POOL_TYPE_LAST ? vb_storage_pool_types[type] : NULL;
}

static const char *
table_name (const char *const *table, int index)
{
  if (table == NULL || index < 0)
    return NULL;
  for (int i = 0; table[i]; i++)
    if (i == index)
      return table[i];
  return NULL;
}

const char *
vb_storage_pool_format_name (VbStoragePoolType type, int format)
{
  return type < VB_STORAGE_POOL_TYPE_LAST ? table_name (type_info[type].formats, format) : NULL;
}

const char *
vb_storage_vol_format_name (VbStoragePoolType pool_type, int format)
{
  return pool_type < VB_STORAGE_POOL_TYPE_LAST
         ? table_name (type_info[pool_type].vol_formats, format) : NULL;
}

/* Freeing ----------------------------------------------------------------- */

void
vb_storage_pool_host_free (gpointer p)
{
  VbStoragePoolHost *h = p;

  if (h == NULL)
    return;
  g_free (h->name);
  g_free (h);
}

void
vb_storage_pool_device_free (gpointer p)
{
  VbStoragePoolDevice *d = p;

  if (d == NULL)
    return;
  g_free (d->path);
  if (d->free_extents != NULL)
    g_array_unref (d->free_extents);
  g_free (d);
}

void
vb_storage_rbd_option_free (gpointer p)
{
  VbStorageRbdOption *o = p;

  g_free (o->name);
  g_free (o->value);
  g_free (o);
}

void
vb_secret_lookup_clear (VbSecretLookup *lookup)
{
  g_clear_pointer (&lookup->usage, g_free);
}

void
vb_secret_lookup_free (gpointer p)
{
  VbSecretLookup *l = p;

  vb_secret_lookup_clear (l);
  g_free (l);
}

void
vb_storage_auth_free (VbStorageAuth *auth)
{
  if (auth == NULL)
    return;
  g_free (auth->username);
  g_free (auth->secret_type);
  vb_secret_lookup_clear (&auth->secret);
  g_free (auth);
}

void
vb_storage_adapter_clear (VbStorageAdapter *a)
{
  g_free (a->name);
  g_free (a->parent);
  g_free (a->parent_wwnn);
  g_free (a->parent_wwpn);
  g_free (a->parent_fabric_wwn);
  g_free (a->wwnn);
  g_free (a->wwpn);
  memset (a, 0, sizeof *a);
}

void
vb_storage_pool_def_free (VbStoragePoolDef *def)
{
  if (def == NULL)
    return;
  g_free (def->name);
  g_ptr_array_unref (def->source.hosts);
  g_ptr_array_unref (def->source.devices);
  g_free (def->source.dir);
  vb_storage_adapter_clear (&def->source.adapter);
  g_free (def->source.name);
  g_free (def->source.vendor);
  g_free (def->source.product);
  g_free (def->source.initiator_iqn);
  vb_storage_auth_free (def->source.auth);
  g_free (def->source.protocol_ver);
  g_free (def->target_path);
  g_free (def->target_perms.label);
  g_ptr_array_unref (def->mount_opts);
  g_ptr_array_unref (def->rbd_options);
  g_free (def);
}

void
vb_storage_perms_init (VbStoragePerms *perms)
{
  perms->mode = -1;
  perms->uid = -1;
  perms->gid = -1;
  perms->label = NULL;
}

VbStoragePoolDef *
vb_storage_pool_def_alloc (void)
{
  VbStoragePoolDef *def = g_new0 (VbStoragePoolDef, 1);

  def->source.hosts = g_ptr_array_new_with_free_func (vb_storage_pool_host_free);
  def->source.devices = g_ptr_array_new_with_free_func (vb_storage_pool_device_free);
  def->mount_opts = g_ptr_array_new_with_free_func (g_free);
  def->rbd_options = g_ptr_array_new_with_free_func (vb_storage_rbd_option_free);
  vb_storage_perms_init (&def->target_perms);
  return def;
}

/* Validation --------------------------------------------------------------- */

gboolean
vb_storage_pool_def_validate (const VbStoragePoolDef *def, GError **error)
{
  if (!vb_name_validate (def->name, "storage pool name", error))
    return FALSE;
  if (def->target_path != NULL && !g_path_is_absolute (def->target_path))
    return config_error (error, "storage pool '%s': <target><path> '%s' is not absolute",
                         def->name, def->target_path);
  for (guint i = 0; i < def->source.hosts->len; i++) {
    const VbStoragePoolHost *h = g_ptr_array_index (def->source.hosts, i);

    if (*h->name == '\0')
      return config_error (error, "storage pool '%s': <source><host> has an empty name", def->name);
    if (h->port < 0 || h->port > 65535)
      return config_error (error, "storage pool '%s': <source><host name='%s'> port %d is out of range",
                           def->name, h->name, h->port);
  }
  /* cifs shares and gluster volumes are names; an NFS export is a path */
  if (def->type == VB_STORAGE_POOL_NETFS && def->source.dir != NULL &&
      !g_path_is_absolute (def->source.dir) &&
      g_strcmp0 (vb_storage_pool_format_name (def->type, def->source.format), "cifs") != 0 &&
      g_strcmp0 (vb_storage_pool_format_name (def->type, def->source.format), "glusterfs") != 0)
    return config_error (error, "storage pool '%s': <source><dir path='%s'> must be absolute for an NFS export",
                         def->name, def->source.dir);
  return TRUE;
}

/* Writers shared with volumes ---------------------------------------------- */

void
vb_storage_size_format (VbXmlWriter *w, const char *name, const char *unit, guint64 bytes)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);

  vb_xml_start (w, name);
  vb_xml_attr (w, "unit", unit);
  vb_xml_end_text (w, text);
}

void
vb_storage_perms_format (const VbStoragePerms *perms, VbXmlWriter *w)
{
  if (perms->mode == -1 && perms->uid == -1 && perms->gid == -1 && perms->label == NULL)
    return;
  vb_xml_start (w, "permissions");
  vb_xml_end_open (w);
  if (perms->mode != -1)
    vb_xml_text_element_printf (w, "mode", "0%o", (guint) perms->mode);
  if (perms->uid != -1)
    vb_xml_text_element_printf (w, "owner", "%" G_GINT64_FORMAT, perms->uid);
  if (perms->gid != -1)
    vb_xml_text_element_printf (w, "group", "%" G_GINT64_FORMAT, perms->gid);
  vb_xml_text_element (w, "label", perms->label);
  vb_xml_close (w);
}

void
vb_secret_lookup_attrs (const VbSecretLookup *lookup, VbXmlWriter *w)
{
  if (lookup->uuid_set) {
    char uuid[VB_UUID_STRING_LEN + 1];

    vb_uuid_format (&lookup->uuid, uuid);
    vb_xml_attr (w, "uuid", uuid);
  } else {
    vb_xml_attr (w, "usage", lookup->usage);
  }
}

/* Formatting --------------------------------------------------------------- */

static void
format_adapter (const VbStorageAdapter *a, VbXmlWriter *w)
{
  if (a->type == VB_STORAGE_ADAPTER_NONE)
    return;
  vb_xml_start (w, "adapter");
  if (a->type == VB_STORAGE_ADAPTER_FC_HOST) {
    vb_xml_attr (w, "type", "fc_host");
    vb_xml_attr (w, "parent", a->parent);
    vb_xml_attr (w, "parent_wwnn", a->parent_wwnn);
    vb_xml_attr (w, "parent_wwpn", a->parent_wwpn);
    vb_xml_attr (w, "parent_fabric_wwn", a->parent_fabric_wwn);
    vb_xml_attr (w, "managed", vb_tristate_yesno (a->managed));
    vb_xml_attr (w, "wwnn", a->wwnn);
    vb_xml_attr (w, "wwpn", a->wwpn);
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_attr (w, "type", "scsi_host");
  if (a->name != NULL || !a->has_parentaddr) {
    vb_xml_attr (w, "name", a->name);
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  vb_xml_start (w, "parentaddr");
  vb_xml_attr_uint (w, "unique_id", a->unique_id);
  vb_xml_end_open (w);
  vb_xml_start (w, "address");
  vb_xml_attr_printf (w, "domain", "0x%04x", a->parentaddr.domain);
  vb_xml_attr_printf (w, "bus", "0x%02x", a->parentaddr.bus);
  vb_xml_attr_printf (w, "slot", "0x%02x", a->parentaddr.slot);
  vb_xml_attr_printf (w, "function", "0x%x", a->parentaddr.function);
  vb_xml_end_empty (w);
  vb_xml_close (w);
  vb_xml_close (w);
}

static void
format_auth (const VbStorageAuth *auth, VbXmlWriter *w)
{
  vb_xml_start (w, "auth");
  vb_xml_attr (w, "type", auth->type == VB_STORAGE_AUTH_CEPH ? "ceph" : "chap");
  vb_xml_attr (w, "username", auth->username);
  vb_xml_end_open (w);
  vb_xml_start (w, "secret");
  vb_xml_attr (w, "type", auth->secret_type);
  vb_secret_lookup_attrs (&auth->secret, w);
  vb_xml_end_empty (w);
  vb_xml_close (w);
}

static void
format_device (const VbStoragePoolDevice *d, VbXmlWriter *w)
{
  vb_xml_start (w, "device");
  vb_xml_attr (w, "path", d->path);
  vb_xml_attr (w, "part_separator", vb_tristate_yesno (d->part_separator));
  if (d->free_extents == NULL || d->free_extents->len == 0) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  for (guint i = 0; i < d->free_extents->len; i++) {
    const VbStorageExtent *e = &g_array_index (d->free_extents, VbStorageExtent, i);

    vb_xml_start (w, "freeExtent");
    vb_xml_attr_uint (w, "start", e->start);
    vb_xml_attr_uint (w, "end", e->end);
    vb_xml_end_empty (w);
  }
  vb_xml_close (w);
}

/* libvirt writes only the source elements the pool type has, in its own
 * order, and the source element even when it is empty. */
static void
format_source (const VbStoragePoolDef *def, VbXmlWriter *w)
{
  const VbStoragePoolTypeInfo *info = vb_storage_pool_type_info (def->type);
  const VbStoragePoolSource *src = &def->source;

  vb_xml_start (w, "source");
  vb_xml_end_open (w);
  for (guint i = 0; (info->source_flags & POOL_SOURCE_HOST) && i < src->hosts->len; i++) {
    const VbStoragePoolHost *h = g_ptr_array_index (src->hosts, i);

    vb_xml_start (w, "host");
    vb_xml_attr (w, "name", h->name);
    if (h->port)
      vb_xml_attr_printf (w, "port", "%d", h->port);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; (info->source_flags & POOL_SOURCE_DEVICE) && i < src->devices->len; i++)
    format_device (g_ptr_array_index (src->devices, i), w);
  if ((info->source_flags & POOL_SOURCE_DIR) && src->dir) {
    vb_xml_start (w, "dir");
    vb_xml_attr (w, "path", src->dir);
    vb_xml_end_empty (w);
  }
  if (info->source_flags & POOL_SOURCE_ADAPTER)
    format_adapter (&src->adapter, w);
  if (info->source_flags & POOL_SOURCE_NAME)
    vb_xml_text_element (w, "name", src->name);
  if ((info->source_flags & POOL_SOURCE_INITIATOR_IQN) && src->initiator_iqn) {
    vb_xml_start (w, "initiator");
    vb_xml_end_open (w);
    vb_xml_start (w, "iqn");
    vb_xml_attr (w, "name", src->initiator_iqn);
    vb_xml_end_empty (w);
    vb_xml_close (w);
  }
  if (info->formats) {
    vb_xml_start (w, "format");
    vb_xml_attr (w, "type", vb_storage_pool_format_name (def->type, src->format));
    vb_xml_end_empty (w);
  }
  if (src->auth)
    format_auth (src->auth, w);
  if (src->protocol_ver) {
    vb_xml_start (w, "protocol");
    vb_xml_attr (w, "ver", src->protocol_ver);
    vb_xml_end_empty (w);
  }
  if (src->vendor) {
    vb_xml_start (w, "vendor");
    vb_xml_attr (w, "name", src->vendor);
    vb_xml_end_empty (w);
  }
  if (src->product) {
    vb_xml_start (w, "product");
    vb_xml_attr (w, "name", src->product);
    vb_xml_end_empty (w);
  }
  vb_xml_close (w);
}

char *
vb_storage_pool_def_format (const VbStoragePoolDef *def)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  const VbStoragePoolTypeInfo *info = vb_storage_pool_type_info (def->type);
  char uuid[VB_UUID_STRING_LEN + 1];
  gboolean fs_ns = def->mount_opts->len > 0 &&
                   (def->type == VB_STORAGE_POOL_FS || def->type == VB_STORAGE_POOL_NETFS);
  gboolean rbd_ns = def->rbd_options->len > 0 && def->type == VB_STORAGE_POOL_RBD;

  vb_xml_start (w, "pool");
  vb_xml_attr (w, "type", vb_storage_pool_type_to_string (def->type));
  if (fs_ns)
    vb_xml_attr (w, "xmlns:fs", FS_NS);
  if (rbd_ns)
    vb_xml_attr (w, "xmlns:rbd", RBD_NS);
  vb_xml_end_open (w);
  vb_xml_text_element (w, "name", def->name);
  vb_uuid_format (&def->uuid, uuid);
  vb_xml_text_element (w, "uuid", uuid);
  vb_storage_size_format (w, "capacity", "bytes", def->capacity);
  vb_storage_size_format (w, "allocation", "bytes", def->allocation);
  vb_storage_size_format (w, "available", "bytes", def->available);
  if (def->cow != VB_TRISTATE_ABSENT) {
    vb_xml_start (w, "features");
    vb_xml_end_open (w);
    vb_xml_start (w, "cow");
    vb_xml_attr (w, "state", vb_tristate_yesno (def->cow));
    vb_xml_end_empty (w);
    vb_xml_close (w);
  }
  format_source (def, w);
  if (info->has_target) {
    vb_xml_start (w, "target");
    vb_xml_end_open (w);
    vb_xml_text_element (w, "path", def->target_path);
    vb_storage_perms_format (&def->target_perms, w);
    vb_xml_close (w);
  }
  if (def->refresh_allocation != VB_STORAGE_REFRESH_NONE) {
    vb_xml_start (w, "refresh");
    vb_xml_end_open (w);
    vb_xml_start (w, "volume");
    vb_xml_attr (w, "allocation",
                 def->refresh_allocation == VB_STORAGE_REFRESH_CAPACITY ? "capacity" : "default");
    vb_xml_end_empty (w);
    vb_xml_close (w);
  }
  if (fs_ns) {
    vb_xml_start (w, "fs:mount_opts");
    vb_xml_end_open (w);
    for (guint i = 0; i < def->mount_opts->len; i++) {
      vb_xml_start (w, "fs:option");
      vb_xml_attr (w, "name", g_ptr_array_index (def->mount_opts, i));
      vb_xml_end_empty (w);
    }
    vb_xml_close (w);
  }
  if (rbd_ns) {
    vb_xml_start (w, "rbd:config_opts");
    vb_xml_end_open (w);
    for (guint i = 0; i < def->rbd_options->len; i++) {
      const VbStorageRbdOption *o = g_ptr_array_index (def->rbd_options, i);

      vb_xml_start (w, "rbd:option");
      vb_xml_attr (w, "name", o->name);
      vb_xml_attr (w, "value", o->value);
      vb_xml_end_empty (w);
    }
    vb_xml_close (w);
  }
  vb_xml_close (w);
  return vb_xml_writer_steal (w);
}
