/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The <volume> definition: parse, validate, format, free. */
#include "vb-storage-vol-def.h"

#include <string.h>

#include "vb-storage-def-private.h"

static const char *const vol_types[] = {
  "file", "block", "dir", "network", "netdir", "ploop", NULL
};
static const char *const encryption_formats[] = { "default", "qcow", "luks", "luks2", NULL };
static const char *const encryption_engines[] = { "qemu", "librbd", NULL };
/* by bit of VbStorageFeature */
static const char *const feature_names[] = { "lazy_refcounts", "extended_l2", NULL };

const char *
vb_storage_vol_type_to_string (VbStorageVolType type)
{
  return type <= VB_STORAGE_VOL_PLOOP ? vol_types[type] : NULL;
}

/* Freeing ----------------------------------------------------------------- */

void
vb_storage_vol_extent_free (gpointer p)
{
  VbStorageVolExtent *e = p;

  g_free (e->device);
  g_free (e);
}

void
vb_storage_encryption_free (VbStorageEncryption *enc)
{
  if (enc == NULL)
    return;
  g_ptr_array_unref (enc->secrets);
  g_free (enc->cipher_name);
  g_free (enc->cipher_mode);
  g_free (enc->cipher_hash);
  g_free (enc->ivgen_name);
  g_free (enc->ivgen_hash);
  g_free (enc);
}

void
vb_storage_vol_target_clear (VbStorageVolTarget *t)
{
  g_free (t->path);
  g_free (t->perms.label);
  g_free (t->timestamps);
  vb_storage_encryption_free (t->encryption);
  g_free (t->compat);
  memset (t, 0, sizeof *t);
}

static void
target_free (VbStorageVolTarget *t)
{
  if (t == NULL)
    return;
  vb_storage_vol_target_clear (t);
  g_free (t);
}

void
vb_storage_vol_def_free (VbStorageVolDef *def)
{
  if (def == NULL)
    return;
  g_free (def->name);
  g_free (def->key);
  g_ptr_array_unref (def->extents);
  vb_storage_vol_target_clear (&def->target);
  target_free (def->backing);
  g_free (def);
}

/* Parsing ----------------------------------------------------------------- */

static VbStorageEncryption *
parse_encryption (xmlNode *node, GError **error)
{
  g_autoptr(VbStorageEncryption) enc = g_new0 (VbStorageEncryption, 1);
  xmlNode *c;
  int v = 0;

  enc->secrets = g_ptr_array_new_with_free_func (vb_secret_lookup_free);
  if (!vb_xml_prop_enum (node, "format", encryption_formats, &v, error))
    return NULL;
  if (v == 0) {
    config_error (error, "<encryption>: missing attribute 'format'");
    return NULL;
  }
  enc->format = (VbStorageEncryptionFormat) (v - 1);
  if (!vb_xml_prop_enum (node, "engine", encryption_engines, &enc->engine, error))
    return NULL;

  for (c = vb_xml_child (node, "secret"); c; c = vb_xml_next (c, "secret")) {
    g_autofree char *type = vb_xml_prop (c, "type");
    VbSecretLookup *s;

    if (g_strcmp0 (type, "passphrase") != 0) {
      config_error (error, "<encryption><secret>: attribute 'type' must be 'passphrase', not '%s'",
                    type ? type : "");
      return NULL;
    }
    s = g_new0 (VbSecretLookup, 1);
    g_ptr_array_add (enc->secrets, s);
    if (!vb_secret_lookup_parse (c, "<encryption><secret>", s, error))
      return NULL;
  }

  /* cipher and IV generator are LUKS header parameters; other formats
   * have none, and libvirt ignores them there */
  if (enc->format != VB_STORAGE_ENCRYPTION_LUKS)
    return g_steal_pointer (&enc);
  if ((c = vb_xml_child (node, "cipher")) != NULL) {
    guint64 size = 0;
    gboolean present = FALSE;

    enc->cipher_name = vb_xml_prop (c, "name");
    if (enc->cipher_name == NULL) {
      config_error (error, "<encryption><cipher>: missing attribute 'name'");
      return NULL;
    }
    if (!vb_xml_prop_uint (c, "size", 10, G_MAXUINT32, &size, &present, error))
      return NULL;
    if (!present) {
      config_error (error, "<encryption><cipher>: missing attribute 'size'");
      return NULL;
    }
    enc->cipher_size = (guint) size;
    enc->cipher_mode = vb_xml_prop (c, "mode");
    enc->cipher_hash = vb_xml_prop (c, "hash");
  }
  if ((c = vb_xml_child (node, "ivgen")) != NULL) {
    if (enc->cipher_name == NULL) {
      config_error (error, "<encryption><ivgen>: needs a <cipher>");
      return NULL;
    }
    enc->ivgen_name = vb_xml_prop (c, "name");
    if (enc->ivgen_name == NULL) {
      config_error (error, "<encryption><ivgen>: missing attribute 'name'");
      return NULL;
    }
    enc->ivgen_hash = vb_xml_prop (c, "hash");
  }
  return g_steal_pointer (&enc);
}

/* <format type>: the pool type's default when absent; pool types whose
 * volumes have no readable format ignore the element, as libvirt does. */
static gboolean
parse_format (xmlNode *parent, const VbStoragePoolTypeInfo *info, int *out, GError **error)
{
  xmlNode *node = vb_xml_child (parent, "format");
  g_autofree char *type = vb_xml_prop (node, "type");

  *out = info->vol_default_format;
  if (info->vol_formats == NULL || type == NULL || *type == '\0')
    return TRUE;
  for (int i = 0; info->vol_formats[i]; i++) {
    /* "none" is the unset file format, not one a volume can be given */
    if (strcmp (info->vol_formats[i], type) == 0 &&
        !(i == 0 && info->vol_default_format != 0)) {
      *out = i;
      return TRUE;
    }
  }
  return config_error (error, "<format>: unknown volume format type '%s'", type);
}

static gboolean
parse_compat (const char *compat, GError **error)
{
  g_auto(GStrv) parts = g_strsplit (compat, ".", 3);

  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT32, NULL, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT32, NULL, NULL))
    return config_error (error, "<compat>: '%s' is not a version like '1.1'", compat);
  return TRUE;
}

static gboolean
parse_target (xmlNode *node, const VbStoragePoolTypeInfo *info, VbStorageVolTarget *t,
              GError **error)
{
  g_autofree char *text = NULL;
  xmlNode *c;

  t->path = vb_storage_text (node, "path");
  if (!parse_format (node, info, &t->format, error) ||
      !vb_storage_perms_parse (node, &t->perms, error))
    return FALSE;
  if ((c = vb_xml_child (node, "encryption")) != NULL &&
      (t->encryption = parse_encryption (c, error)) == NULL)
    return FALSE;
  t->compat = vb_storage_text (node, "compat");
  if (t->compat != NULL && !parse_compat (t->compat, error))
    return FALSE;
  t->nocow = vb_xml_child (node, "nocow") != NULL;
  if ((text = vb_storage_text (node, "clusterSize")) != NULL &&
      !vb_storage_size_element (vb_xml_child (node, "clusterSize"), G_MAXUINT64, &t->cluster_size, error))
    return FALSE;
  if ((c = vb_xml_child (node, "features")) != NULL) {
    t->has_features = TRUE;
    /* features only exist from qcow2 v3 on */
    if (t->compat == NULL)
      t->compat = g_strdup ("1.1");
    for (xmlNode *f = c->children; f; f = f->next) {
      int bit = -1;

      if (f->type != XML_ELEMENT_NODE)
        continue;
      for (int i = 0; feature_names[i]; i++)
        if (f->ns == NULL && strcmp (feature_names[i], (const char *) f->name) == 0)
          bit = i;
      if (bit < 0)
        return config_error (error, "<features>: unsupported feature <%s>", (const char *) f->name);
      t->features |= 1u << bit;
    }
  }
  return TRUE;
}

static VbStorageVolTarget *
parse_backing (xmlNode *node, const VbStoragePoolTypeInfo *info, GError **error)
{
  VbStorageVolTarget *b = g_new0 (VbStorageVolTarget, 1);

  b->path = vb_storage_text (node, "path");
  if (!parse_format (node, info, &b->format, error) ||
      !vb_storage_perms_parse (node, &b->perms, error)) {
    target_free (b);
    return NULL;
  }
  return b;
}

static gboolean
parse_size (xmlNode *root, const char *name, guint64 *out, gboolean *present, GError **error)
{
  g_autofree char *text = vb_storage_text (root, name);

  *present = text != NULL;
  return text == NULL || vb_storage_size_element (vb_xml_child (root, name), G_MAXINT64, out, error);
}

static VbStorageVolDef *
parse_root (xmlNode *root, VbStoragePoolType pool_type, guint flags, GError **error)
{
  g_autoptr(VbStorageVolDef) def = g_new0 (VbStorageVolDef, 1);
  const VbStoragePoolTypeInfo *info = vb_storage_pool_type_info (pool_type);
  gboolean has_capacity = FALSE;
  g_autofree char *path = NULL;
  xmlNode *c;
  int type = 0;

  def->pool_type = pool_type;
  def->extents = g_ptr_array_new_with_free_func (vb_storage_vol_extent_free);
  vb_storage_perms_init (&def->target.perms);
  def->name = vb_storage_text (root, "name");
  if (def->name == NULL) {
    config_error (error, "<volume>: missing <name>");
    return NULL;
  }
  def->key = vb_storage_text (root, "key");
  if (!vb_xml_prop_enum (root, "type", vol_types, &type, error))
    return NULL;
  def->type = type ? (VbStorageVolType) (type - 1) : VB_STORAGE_VOL_FILE;

  /* <backingStore> without a path is no backing store (libvirt) */
  c = vb_xml_child (root, "backingStore");
  if (c != NULL && (path = vb_storage_text (c, "path")) != NULL &&
      (def->backing = parse_backing (c, info, error)) == NULL)
    return NULL;

  if (!parse_size (root, "capacity", &def->capacity, &has_capacity, error))
    return NULL;
  if (!has_capacity && !(flags & VB_STORAGE_VOL_PARSE_NO_CAPACITY) &&
      !((flags & VB_STORAGE_VOL_PARSE_OPT_CAPACITY) && def->backing != NULL)) {
    config_error (error, "volume '%s': missing <capacity>", def->name);
    return NULL;
  }
  if (!parse_size (root, "allocation", &def->allocation, &def->has_allocation, error))
    return NULL;
  if (!def->has_allocation)
    def->allocation = def->capacity;

  if (!parse_target (vb_xml_child (root, "target"), info, &def->target, error))
    return NULL;
  return g_steal_pointer (&def);
}

VbStorageVolDef *
vb_storage_vol_def_parse (const VbStoragePoolDef *pool, const char *xml, guint parse_flags,
                          GError **error)
{
  g_autoptr(xmlDoc) doc = NULL;

  g_return_val_if_fail (pool != NULL, NULL);
  doc = vb_xml_parse (xml, "volume", error);
  if (doc == NULL)
    return NULL;
  return parse_root (xmlDocGetRootElement (doc), pool->type, parse_flags, error);
}

/* Validation --------------------------------------------------------------- */

gboolean
vb_storage_vol_def_validate (const VbStorageVolDef *def, GError **error)
{
  const VbStorageEncryption *enc = def->target.encryption;

  if (!vb_name_validate (def->name, "volume name", error))
    return FALSE;
  if (def->target.cluster_size != 0 &&
      (def->target.cluster_size & (def->target.cluster_size - 1)) != 0)
    return config_error (error, "volume '%s': <clusterSize> %" G_GUINT64_FORMAT " is not a power of two",
                         def->name, def->target.cluster_size);
  if (enc != NULL) {
    if (enc->secrets->len > 1)
      return config_error (error, "volume '%s': <encryption> takes one <secret>", def->name);
    if ((enc->format == VB_STORAGE_ENCRYPTION_LUKS || enc->format == VB_STORAGE_ENCRYPTION_LUKS2) &&
        enc->secrets->len == 0)
      return config_error (error, "volume '%s': <encryption format='%s'> needs a <secret>",
                           def->name, encryption_formats[enc->format]);
    if (enc->format == VB_STORAGE_ENCRYPTION_QCOW)
      return config_error (error, "volume '%s': creating <encryption format='qcow'> volumes is no longer supported; use 'luks'",
                           def->name);
  }
  return TRUE;
}

/* Formatting --------------------------------------------------------------- */

static void
format_time (VbXmlWriter *w, const char *name, const VbStorageTime *t)
{
  if (!t->set)
    return;
  if (t->nsec)
    vb_xml_text_element_printf (w, name, "%" G_GUINT64_FORMAT ".%09u", t->sec, t->nsec);
  else
    vb_xml_text_element_printf (w, name, "%" G_GUINT64_FORMAT, t->sec);
}

static void
format_encryption (const VbStorageEncryption *enc, VbXmlWriter *w)
{
  vb_xml_start (w, "encryption");
  vb_xml_attr (w, "format", encryption_formats[enc->format]);
  if (enc->engine)
    vb_xml_attr (w, "engine", encryption_engines[enc->engine - 1]);
  vb_xml_end_open (w);
  for (guint i = 0; i < enc->secrets->len; i++) {
    vb_xml_start (w, "secret");
    vb_xml_attr (w, "type", "passphrase");
    vb_secret_lookup_attrs (g_ptr_array_index (enc->secrets, i), w);
    vb_xml_end_empty (w);
  }
  if (enc->format == VB_STORAGE_ENCRYPTION_LUKS && enc->cipher_name) {
    vb_xml_start (w, "cipher");
    vb_xml_attr (w, "name", enc->cipher_name);
    vb_xml_attr_uint (w, "size", enc->cipher_size);
    vb_xml_attr (w, "mode", enc->cipher_mode);
    vb_xml_attr (w, "hash", enc->cipher_hash);
    vb_xml_end_empty (w);
    if (enc->ivgen_name) {
      vb_xml_start (w, "ivgen");
      vb_xml_attr (w, "name", enc->ivgen_name);
      vb_xml_attr (w, "hash", enc->ivgen_hash);
      vb_xml_end_empty (w);
    }
  }
  vb_xml_close (w);
}

static void
format_target (const VbStorageVolDef *def, const VbStorageVolTarget *t, const char *name,
               VbXmlWriter *w)
{
  const char *format = vb_storage_vol_format_name (def->pool_type, t->format);

  vb_xml_start (w, name);
  vb_xml_end_open (w);
  vb_xml_text_element (w, "path", t->path);
  if (format) {
    vb_xml_start (w, "format");
    vb_xml_attr (w, "type", format);
    vb_xml_end_empty (w);
  }
  vb_storage_perms_format (&t->perms, w);
  if (t->timestamps) {
    vb_xml_start (w, "timestamps");
    vb_xml_end_open (w);
    format_time (w, "atime", &t->timestamps->atime);
    format_time (w, "mtime", &t->timestamps->mtime);
    format_time (w, "ctime", &t->timestamps->ctime);
    format_time (w, "btime", &t->timestamps->btime);
    vb_xml_close (w);
  }
  if (t->encryption)
    format_encryption (t->encryption, w);
  vb_xml_text_element (w, "compat", t->compat);
  if (t->cluster_size)
    vb_storage_size_format (w, "clusterSize", "B", t->cluster_size);
  if (t->has_features) {
    vb_xml_start (w, "features");
    if (t->features == 0) {
      vb_xml_end_empty (w);
    } else {
      vb_xml_end_open (w);
      for (guint i = 0; feature_names[i]; i++) {
        if (t->features & (1u << i)) {
          vb_xml_start (w, feature_names[i]);
          vb_xml_end_empty (w);
        }
      }
      vb_xml_close (w);
    }
  }
  vb_xml_close (w);
}

/* Extents are grouped under their device, in the order the backend
 * listed them. */
static void
format_extents (const GPtrArray *extents, VbXmlWriter *w)
{
  const char *device = NULL;

  if (extents == NULL || extents->len == 0)
    return;
  vb_xml_start (w, "source");
  vb_xml_end_open (w);
  for (guint i = 0; i < extents->len; i++) {
    const VbStorageVolExtent *e = g_ptr_array_index (extents, i);

    if (device == NULL || g_strcmp0 (device, e->device) != 0) {
      if (device != NULL)
        vb_xml_close (w);
      device = e->device;
      vb_xml_start (w, "device");
      vb_xml_attr (w, "path", e->device);
      vb_xml_end_open (w);
    }
    vb_xml_start (w, "extent");
    vb_xml_attr_uint (w, "start", e->start);
    vb_xml_attr_uint (w, "end", e->end);
    vb_xml_end_empty (w);
  }
  vb_xml_close (w);
  vb_xml_close (w);
}

char *
vb_storage_vol_def_format (const VbStorageVolDef *def)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();

  vb_xml_start (w, "volume");
  vb_xml_attr (w, "type", vb_storage_vol_type_to_string (def->type));
  vb_xml_end_open (w);
  vb_xml_text_element (w, "name", def->name);
  vb_xml_text_element (w, "key", def->key);
  format_extents (def->extents, w);
  vb_storage_size_format (w, "capacity", "bytes", def->capacity);
  vb_storage_size_format (w, "allocation", "bytes", def->allocation);
  if (def->physical)
    vb_storage_size_format (w, "physical", "bytes", def->physical);
  format_target (def, &def->target, "target", w);
  if (def->backing)
    format_target (def, def->backing, "backingStore", w);
  vb_xml_close (w);
  return vb_xml_writer_steal (w);
}
