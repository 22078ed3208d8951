/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vb_storage_pool_def_copy and vb_storage_vol_def_copy: walks over the
 * structures, never a format and re-parse.  As in vb-network-def-copy.c,
 * each copier starts from a shallow copy and replaces every pointer with
 * its own copy. */
#include "vb-storage-def-private.h"

#include "vb-def-copy.h"

static gpointer
host_copy (gconstpointer data, gpointer unused)
{
  VbStoragePoolHost *h = g_memdup2 (data, sizeof *h);

  h->name = g_strdup (h->name);
  return h;
}

static gpointer
device_copy (gconstpointer data, gpointer unused)
{
  VbStoragePoolDevice *d = g_memdup2 (data, sizeof *d);

  d->path = g_strdup (d->path);
  if (d->free_extents != NULL) {
    GArray *src = d->free_extents;

    d->free_extents = g_array_sized_new (FALSE, FALSE, sizeof (VbStorageExtent), src->len);
    g_array_append_vals (d->free_extents, src->data, src->len);
  }
  return d;
}

static gpointer
rbd_option_copy (gconstpointer data, gpointer unused)
{
  VbStorageRbdOption *o = g_memdup2 (data, sizeof *o);

  o->name = g_strdup (o->name);
  o->value = g_strdup (o->value);
  return o;
}

static void
perms_copy (VbStoragePerms *perms)
{
  perms->label = g_strdup (perms->label);
}

static void
adapter_copy (VbStorageAdapter *a)
{
  a->name = g_strdup (a->name);
  a->parent = g_strdup (a->parent);
  a->parent_wwnn = g_strdup (a->parent_wwnn);
  a->parent_wwpn = g_strdup (a->parent_wwpn);
  a->parent_fabric_wwn = g_strdup (a->parent_fabric_wwn);
  a->wwnn = g_strdup (a->wwnn);
  a->wwpn = g_strdup (a->wwpn);
}

static VbStorageAuth *
auth_copy (const VbStorageAuth *src)
{
  VbStorageAuth *auth;

  if (src == NULL)
    return NULL;
  auth = g_memdup2 (src, sizeof *auth);
  auth->username = g_strdup (auth->username);
  auth->secret_type = g_strdup (auth->secret_type);
  auth->secret.usage = g_strdup (auth->secret.usage);
  return auth;
}

VbStoragePoolDef *
vb_storage_pool_def_copy (const VbStoragePoolDef *src)
{
  VbStoragePoolDef *def;
  VbStoragePoolSource *s;

  if (src == NULL)
    return NULL;
  def = g_memdup2 (src, sizeof *def);
  s = &def->source;
  def->name = g_strdup (def->name);
  s->hosts = vb_def_copy_array (s->hosts, host_copy);
  s->devices = vb_def_copy_array (s->devices, device_copy);
  s->dir = g_strdup (s->dir);
  adapter_copy (&s->adapter);
  s->name = g_strdup (s->name);
  s->vendor = g_strdup (s->vendor);
  s->product = g_strdup (s->product);
  s->initiator_iqn = g_strdup (s->initiator_iqn);
  s->auth = auth_copy (s->auth);
  s->protocol_ver = g_strdup (s->protocol_ver);
  def->target_path = g_strdup (def->target_path);
  perms_copy (&def->target_perms);
  def->mount_opts = vb_def_copy_array (def->mount_opts, vb_def_copy_str);
  def->rbd_options = vb_def_copy_array (def->rbd_options, rbd_option_copy);
  return def;
}

static gpointer
secret_copy (gconstpointer data, gpointer unused)
{
  VbSecretLookup *l = g_memdup2 (data, sizeof *l);

  l->usage = g_strdup (l->usage);
  return l;
}

static VbStorageEncryption *
encryption_copy (const VbStorageEncryption *src)
{
  VbStorageEncryption *enc;

  if (src == NULL)
    return NULL;
  enc = g_memdup2 (src, sizeof *enc);
  enc->secrets = vb_def_copy_array (enc->secrets, secret_copy);
  enc->cipher_name = g_strdup (enc->cipher_name);
  enc->cipher_mode = g_strdup (enc->cipher_mode);
  enc->cipher_hash = g_strdup (enc->cipher_hash);
  enc->ivgen_name = g_strdup (enc->ivgen_name);
  enc->ivgen_hash = g_strdup (enc->ivgen_hash);
  return enc;
}

/* in place, over a shallow copy */
static void
target_copy (VbStorageVolTarget *t)
{
  t->path = g_strdup (t->path);
  perms_copy (&t->perms);
  t->timestamps = t->timestamps ? g_memdup2 (t->timestamps, sizeof *t->timestamps) : NULL;
  t->encryption = encryption_copy (t->encryption);
  t->compat = g_strdup (t->compat);
}

static gpointer
extent_copy (gconstpointer data, gpointer unused)
{
  VbStorageVolExtent *e = g_memdup2 (data, sizeof *e);

  e->device = g_strdup (e->device);
  return e;
}

VbStorageVolDef *
vb_storage_vol_def_copy (const VbStorageVolDef *src)
{
  VbStorageVolDef *def;

  if (src == NULL)
    return NULL;
  def = g_memdup2 (src, sizeof *def);
  def->name = g_strdup (def->name);
  def->key = g_strdup (def->key);
  def->extents = vb_def_copy_array (def->extents, extent_copy);
  target_copy (&def->target);
  if (def->backing != NULL) {
    def->backing = g_memdup2 (def->backing, sizeof *def->backing);
    target_copy (def->backing);
  }
  return def;
}
