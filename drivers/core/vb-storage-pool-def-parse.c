/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing a <pool> document, and the readers pools and volumes share. */
#include "vb-storage-def-private.h"

#include <string.h>

/* Shared readers ----------------------------------------------------------- */

char *
vb_storage_text (xmlNode *parent, const char *name)
{
  g_autofree char *text = vb_xml_child_text (parent, name);

  return text && *text ? g_steal_pointer (&text) : NULL;
}

char *
vb_storage_sanitize_path (const char *path)
{
  g_autoptr(GString) s = g_string_sized_new (strlen (path));
  const char *p = path;

  if (p[0] == '/' && p[1] == '/' && p[2] != '/') {
    g_string_append (s, "//");
    p += 2;
  }
  for (; *p; p++) {
    if (*p == '/' && s->len > 0 && s->str[s->len - 1] == '/')
      continue;
    g_string_append_c (s, *p);
  }
  if (s->len > 1 && s->str[s->len - 1] == '/' && strcmp (s->str, "//") != 0)
    g_string_truncate (s, s->len - 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
size_parse (const char *value, const char *unit, guint64 max, guint64 *out, GError **error)
{
  guint64 bytes;

  /* storage sizes default to bytes, where memory sizes default to KiB */
  if (!vb_xml_scale_to_bytes (value, unit && *unit ? unit : "bytes", &bytes, error))
    return FALSE;
  if (bytes > max)
    return config_error (error, "size %s %s is too large: at most %" G_GUINT64_FORMAT " bytes",
                         value, unit && *unit ? unit : "bytes", max);
  *out = bytes;
  return TRUE;
}

gboolean
vb_storage_size_parse (const char *value, const char *unit, guint64 *out, GError **error)
{
  /* off_t is signed: no file or device is larger, and libvirt caps
   * sizes there */
  return size_parse (value, unit, G_MAXINT64, out, error);
}

gboolean
vb_storage_size_element (xmlNode *node, guint64 max, guint64 *out, GError **error)
{
  g_autofree char *text = vb_xml_text (node);
  g_autofree char *unit = vb_xml_prop (node, "unit");

  if (!size_parse (text, unit, max, out, error)) {
    g_prefix_error (error, "<%s>: ", (const char *) node->name);
    return FALSE;
  }
  return TRUE;
}

/* An <owner> or <group>: a 32-bit id, or -1 (also written as 2^32-1)
 * for "not given". */
static gboolean
parse_id (xmlNode *parent, const char *name, gint64 *out, GError **error)
{
  xmlNode *node = vb_xml_child (parent, name);
  g_autofree char *text = node ? g_strstrip (vb_xml_text (node)) : NULL;
  gint64 v;

  *out = -1;
  if (node == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (text, 10, -1, G_MAXUINT32, &v, NULL))
    return config_error (error, "<permissions>: malformed <%s> '%s'", name, text);
  *out = v == G_MAXUINT32 ? -1 : v;
  return TRUE;
}

gboolean
vb_storage_perms_parse (xmlNode *parent, VbStoragePerms *perms, GError **error)
{
  xmlNode *node = vb_xml_child (parent, "permissions");
  g_autofree char *text = NULL;

  vb_storage_perms_init (perms);
  if (node == NULL)
    return TRUE;
  if ((text = vb_storage_text (node, "mode")) != NULL) {
    guint64 v;

    g_strstrip (text);
    if (!g_ascii_string_to_unsigned (text, 8, 0, 0777, &v, NULL))
      return config_error (error, "<permissions>: malformed octal <mode> '%s'", text);
    perms->mode = (int) v;
  }
  if (!parse_id (node, "owner", &perms->uid, error) ||
      !parse_id (node, "group", &perms->gid, error))
    return FALSE;
  perms->label = vb_storage_text (node, "label");
  return TRUE;
}

gboolean
vb_secret_lookup_parse (xmlNode *node, const char *ctx, VbSecretLookup *out, GError **error)
{
  g_autofree char *uuid = vb_xml_prop (node, "uuid");
  g_autofree char *usage = vb_xml_prop (node, "usage");

  if (uuid != NULL && usage != NULL)
    return config_error (error, "%s: either a secret 'uuid' or a 'usage', not both", ctx);
  if (uuid != NULL) {
    if (!vb_uuid_parse (uuid, &out->uuid, NULL))
      return config_error (error, "%s: malformed secret uuid '%s'", ctx, uuid);
    out->uuid_set = TRUE;
    return TRUE;
  }
  out->usage = g_steal_pointer (&usage);
  if (out->usage == NULL)
    return config_error (error, "%s: missing secret 'uuid' or 'usage' attribute", ctx);
  return TRUE;
}

/* Pool source -------------------------------------------------------------- */

/* @attr of @parent's child @name; NULL when either is absent or the value
 * is empty, as XPath string() reads it */
static char *
child_attr (xmlNode *parent, const char *name, const char *attr)
{
  g_autofree char *v = vb_xml_prop (vb_xml_child (parent, name), attr);

  return v && *v ? g_steal_pointer (&v) : NULL;
}

static gboolean
check_wwn (const char *attr, const char *wwn, GError **error)
{
  const char *p = g_str_has_prefix (wwn, "0x") ? wwn + 2 : wwn;
  guint n = 0;

  while (g_ascii_isxdigit (p[n]))
    n++;
  if (n != 16 || p[n] != '\0')
    return config_error (error, "<adapter>: malformed %s '%s': expected 16 hex digits", attr, wwn);
  return TRUE;
}

static gboolean
parse_parentaddr (xmlNode *node, VbStorageAdapter *a, GError **error)
{
  static const char *const names[] = { "domain", "bus", "slot", "function" };
  static const guint64 max[] = { 0xffff, 0xff, 0x1f, 7 };
  xmlNode *addr = vb_xml_child (node, "address");
  guint *fields[] = { &a->parentaddr.domain, &a->parentaddr.bus, &a->parentaddr.slot,
                      &a->parentaddr.function };
  gboolean present = FALSE;
  guint64 v = 0;

  if (addr == NULL)
    return config_error (error, "<parentaddr>: missing <address>");
  for (guint i = 0; i < G_N_ELEMENTS (names); i++) {
    v = 0;
    if (!vb_xml_prop_uint (addr, names[i], 0, max[i], &v, NULL, error))
      return FALSE;
    *fields[i] = (guint) v;
  }
  /* the unique_id tells apart the SCSI hosts of one PCI function */
  if (!vb_xml_prop_uint (node, "unique_id", 10, G_MAXINT32, &v, &present, error))
    return FALSE;
  if (!present)
    return config_error (error, "<parentaddr>: missing attribute 'unique_id'");
  a->unique_id = (guint) v;
  a->has_parentaddr = TRUE;
  return TRUE;
}

/* Reads what the adapter's type has; whether that is enough is
 * validate_adapter's business, as only scsi pools ask. */
static gboolean
parse_adapter (xmlNode *node, VbStorageAdapter *a, GError **error)
{
  static const char *const types[] = { "scsi_host", "fc_host", NULL };
  xmlNode *parentaddr = vb_xml_child (node, "parentaddr");
  int type = 0;

  if (!vb_xml_prop_enum (node, "type", types, &type, error))
    return FALSE;
  if (type == 0) {
    /* before libvirt had a type, a name meant scsi_host; anything newer
     * must say which adapter it describes */
    static const char *const typed_only[] = { "wwnn", "wwpn", "parent" };

    for (guint i = 0; i < G_N_ELEMENTS (typed_only); i++) {
      g_autofree char *v = vb_xml_prop (node, typed_only[i]);

      if (v != NULL)
        return config_error (error, "<adapter>: '%s' needs a 'type'", typed_only[i]);
    }
    if (parentaddr != NULL)
      return config_error (error, "<adapter>: <parentaddr> needs a 'type'");
    a->name = vb_xml_prop (node, "name");
    if (a->name != NULL)
      a->type = VB_STORAGE_ADAPTER_SCSI_HOST;
    return TRUE;
  }
  a->type = (VbStorageAdapterType) type;
  if (a->type == VB_STORAGE_ADAPTER_FC_HOST) {
    a->parent = vb_xml_prop (node, "parent");
    a->parent_wwnn = vb_xml_prop (node, "parent_wwnn");
    a->parent_wwpn = vb_xml_prop (node, "parent_wwpn");
    a->parent_fabric_wwn = vb_xml_prop (node, "parent_fabric_wwn");
    a->wwnn = vb_xml_prop (node, "wwnn");
    a->wwpn = vb_xml_prop (node, "wwpn");
    return vb_xml_prop_yesno (node, "managed", &a->managed, error);
  }
  a->name = vb_xml_prop (node, "name");
  return parentaddr == NULL || parse_parentaddr (parentaddr, a, error);
}

static gboolean
validate_adapter (const VbStorageAdapter *a, GError **error)
{
  const char *const wwns[] = { "wwnn", "wwpn", "parent_wwnn", "parent_wwpn", "parent_fabric_wwn" };
  const char *const values[] = { a->wwnn, a->wwpn, a->parent_wwnn, a->parent_wwpn, a->parent_fabric_wwn };

  switch (a->type) {
  default:
    return config_error (error, "<source>: missing <adapter>");
  case VB_STORAGE_ADAPTER_SCSI_HOST:
    if (a->name == NULL && !a->has_parentaddr)
      return config_error (error, "<adapter type='scsi_host'>: needs a 'name' or a <parentaddr>");
    if (a->name != NULL && a->has_parentaddr)
      return config_error (error, "<adapter type='scsi_host'>: 'name' and <parentaddr> are mutually exclusive");
    return TRUE;
  case VB_STORAGE_ADAPTER_FC_HOST:
    if (a->wwnn == NULL || a->wwpn == NULL)
      return config_error (error, "<adapter type='fc_host'>: needs 'wwnn' and 'wwpn'");
    if ((a->parent_wwnn == NULL) != (a->parent_wwpn == NULL))
      return config_error (error, "<adapter type='fc_host'>: 'parent_wwnn' and 'parent_wwpn' go together");
    for (guint i = 0; i < G_N_ELEMENTS (wwns); i++)
      if (values[i] != NULL && !check_wwn (wwns[i], values[i], error))
        return FALSE;
    return TRUE;
  }
}

static VbStorageAuth *
parse_auth (xmlNode *node, GError **error)
{
  static const char *const types[] = { "chap", "ceph", NULL };
  g_autoptr(VbStorageAuth) auth = g_new0 (VbStorageAuth, 1);
  xmlNode *secret = vb_xml_child (node, "secret");
  int type = 0;

  if (!vb_xml_prop_enum (node, "type", types, &type, error))
    return NULL;
  if (type == 0) {
    config_error (error, "<auth>: missing attribute 'type'");
    return NULL;
  }
  auth->type = (VbStorageAuthType) type;
  auth->username = vb_xml_prop (node, "username");
  if (auth->username == NULL || *auth->username == '\0') {
    config_error (error, "<auth>: missing attribute 'username'");
    return NULL;
  }
  if (secret == NULL) {
    config_error (error, "<auth username='%s'>: missing <secret>", auth->username);
    return NULL;
  }
  auth->secret_type = vb_xml_prop (secret, "type");
  if (!vb_secret_lookup_parse (secret, "<auth><secret>", &auth->secret, error))
    return NULL;
  return g_steal_pointer (&auth);
}

static gboolean
parse_source (xmlNode *node, VbStoragePoolDef *def, GError **error)
{
  const VbStoragePoolTypeInfo *info = vb_storage_pool_type_info (def->type);
  VbStoragePoolSource *src = &def->source;
  xmlNode *c;
  g_autofree char *dir = NULL;
  g_autofree char *type = NULL;

  src->name = vb_storage_text (node, "name");
  if (def->type == VB_STORAGE_POOL_RBD && src->name == NULL)
    return config_error (error, "<source>: <name> is mandatory for an rbd pool");
  if ((type = child_attr (node, "format", "type")) != NULL && info->formats != NULL) {
    int format = 0;

    if (!vb_xml_prop_enum (vb_xml_child (node, "format"), "type", info->formats, &format, error))
      return FALSE;
    src->format = format - 1;
  }
  for (c = vb_xml_child (node, "host"); c; c = vb_xml_next (c, "host")) {
    g_autoptr(VbStoragePoolHost) h = g_new0 (VbStoragePoolHost, 1);
    gint64 port = 0;

    h->name = vb_xml_prop (c, "name");
    if (h->name == NULL)
      return config_error (error, "<source><host>: missing attribute 'name'");
    /* any int, as libvirt reads it; validation wants a real port */
    if (!vb_xml_prop_int (c, "port", G_MININT32, G_MAXINT32, &port, NULL, error))
      return FALSE;
    h->port = (int) port;
    g_ptr_array_add (src->hosts, g_steal_pointer (&h));
  }
  src->initiator_iqn = child_attr (vb_xml_child (node, "initiator"), "iqn", "name");
  if ((c = vb_xml_child (node, "auth")) != NULL && (src->auth = parse_auth (c, error)) == NULL)
    return FALSE;
  for (c = vb_xml_child (node, "device"); c; c = vb_xml_next (c, "device")) {
    g_autoptr(VbStoragePoolDevice) d = g_new0 (VbStoragePoolDevice, 1);

    d->path = vb_xml_prop (c, "path");
    if (d->path == NULL)
      return config_error (error, "<source><device>: missing attribute 'path'");
    if (!vb_xml_prop_yesno (c, "part_separator", &d->part_separator, error))
      return FALSE;
    g_ptr_array_add (src->devices, g_steal_pointer (&d));
  }
  dir = child_attr (node, "dir", "path");
  if (dir != NULL)
    src->dir = vb_storage_sanitize_path (dir);
  else if (def->type == VB_STORAGE_POOL_GLUSTER)
    src->dir = g_strdup ("/"); /* libvirt's default: the volume's root */
  if ((c = vb_xml_child (node, "adapter")) != NULL && !parse_adapter (c, &src->adapter, error))
    return FALSE;
  src->vendor = child_attr (node, "vendor", "name");
  src->product = child_attr (node, "product", "name");
  if ((src->protocol_ver = child_attr (node, "protocol", "ver")) != NULL) {
    if (def->type != VB_STORAGE_POOL_NETFS ||
        (g_strcmp0 (vb_storage_pool_format_name (def->type, src->format), "nfs") != 0 &&
         g_strcmp0 (vb_storage_pool_format_name (def->type, src->format), "auto") != 0))
      return config_error (error, "<source><protocol ver='%s'>: only NFS pools have a protocol version",
                           src->protocol_ver);
    /* it becomes mount's nfsvers=…, where a ',' would start another option */
    if (strchr (src->protocol_ver, ',') != NULL)
      return config_error (error, "<source><protocol ver='%s'>: must not contain ','", src->protocol_ver);
  }
  return TRUE;
}

/* The pool document -------------------------------------------------------- */

static gboolean
ns_element (xmlNode *n, const char *href, const char *name)
{
  return n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL &&
         strcmp ((const char *) n->ns->href, href) == 0 && strcmp ((const char *) n->name, name) == 0;
}

/* <fs:mount_opts> and <rbd:config_opts>: libvirt reads them only for the
 * pool types whose backend registered the namespace. */
static gboolean
parse_namespaces (xmlNode *root, VbStoragePoolDef *def, GError **error)
{
  gboolean fs = def->type == VB_STORAGE_POOL_FS || def->type == VB_STORAGE_POOL_NETFS;
  gboolean rbd = def->type == VB_STORAGE_POOL_RBD;

  for (xmlNode *n = root->children; n; n = n->next) {
    gboolean is_fs = fs && ns_element (n, FS_NS, "mount_opts");

    if (!is_fs && !(rbd && ns_element (n, RBD_NS, "config_opts")))
      continue;
    for (xmlNode *o = n->children; o; o = o->next) {
      g_autofree char *name = NULL;

      if (!ns_element (o, is_fs ? FS_NS : RBD_NS, "option"))
        continue;
      name = vb_xml_prop (o, "name");
      if (name == NULL)
        return config_error (error, "<%s:option>: missing attribute 'name'", is_fs ? "fs" : "rbd");
      if (is_fs) {
        g_ptr_array_add (def->mount_opts, g_steal_pointer (&name));
      } else {
        VbStorageRbdOption *opt = g_new0 (VbStorageRbdOption, 1);

        opt->name = g_steal_pointer (&name);
        opt->value = vb_xml_prop (o, "value");
        g_ptr_array_add (def->rbd_options, opt);
        /* each becomes a rados_conf_set (name, value) */
        if (*opt->name == '\0')
          return config_error (error, "<rbd:option>: empty attribute 'name'");
        if (opt->value == NULL || *opt->value == '\0')
          return config_error (error, "<rbd:option name='%s'>: missing or empty attribute 'value'", opt->name);
      }
    }
  }
  return TRUE;
}

static gboolean
parse_target (xmlNode *root, VbStoragePoolDef *def, GError **error)
{
  xmlNode *target = vb_xml_child (root, "target");
  g_autofree char *path = NULL;

  /* a volume group and a zpool live at fixed places; what the document
   * says is ignored, as libvirt does */
  if (def->type == VB_STORAGE_POOL_LOGICAL)
    path = g_strdup_printf ("/dev/%s", def->source.name);
  else if (def->type == VB_STORAGE_POOL_ZFS)
    path = g_strdup_printf ("/dev/zvol/%s", def->source.name);
  else
    path = vb_storage_text (target, "path");
  if (path == NULL)
    return config_error (error, "storage pool '%s': missing <target><path>", def->name);
  def->target_path = vb_storage_sanitize_path (path);
  return vb_storage_perms_parse (target, &def->target_perms, error);
}

static VbStoragePoolDef *
parse_root (xmlNode *root, guint flags, GError **error)
{
  g_autoptr(VbStoragePoolDef) def = vb_storage_pool_def_alloc ();
  const VbStoragePoolTypeInfo *info;
  g_autofree char *uuid = NULL;
  xmlNode *c;
  int type = 0;

  if (!vb_xml_prop_enum (root, "type", vb_storage_pool_types, &type, error))
    return NULL;
  if (type == 0) {
    config_error (error, "<pool>: missing attribute 'type'");
    return NULL;
  }
  def->type = (VbStoragePoolType) (type - 1);
  info = vb_storage_pool_type_info (def->type);
  def->source.format = info->default_format;

  if ((c = vb_xml_child (root, "source")) != NULL && !parse_source (c, def, error))
    return NULL;

  def->name = vb_storage_text (root, "name");
  if (def->name == NULL && (info->source_flags & POOL_SOURCE_NAME))
    def->name = g_strdup (def->source.name);
  if (def->name == NULL) {
    config_error (error, "<pool>: missing <name>");
    return NULL;
  }
  /* the name becomes a file name in the config directory */
  if (strchr (def->name, '/') != NULL) {
    config_error (error, "<pool>: name '%s' cannot contain '/'", def->name);
    return NULL;
  }

  uuid = vb_storage_text (root, "uuid");
  if (uuid != NULL) {
    g_strstrip (uuid);
    if (!vb_uuid_parse (uuid, &def->uuid, NULL)) {
      config_error (error, "<uuid>: malformed UUID '%s'", uuid);
      return NULL;
    }
  } else {
    vb_uuid_generate (&def->uuid);
  }

  if ((c = vb_xml_child (vb_xml_child (root, "features"), "cow")) != NULL) {
    if (!vb_xml_prop_yesno (c, "state", &def->cow, error))
      return NULL;
    if (def->cow == VB_TRISTATE_ABSENT) {
      config_error (error, "<features><cow>: missing attribute 'state'");
      return NULL;
    }
    /* copy-on-write is a property of a local directory's filesystem */
    if (def->type != VB_STORAGE_POOL_DIR && def->type != VB_STORAGE_POOL_FS) {
      config_error (error, "<features><cow>: only 'dir' and 'fs' pools have it, not '%s'",
                    vb_storage_pool_type_to_string (def->type));
      return NULL;
    }
  }

  if ((info->source_flags & POOL_SOURCE_HOST) && def->source.hosts->len == 0) {
    config_error (error, "storage pool '%s': missing <source><host>", def->name);
    return NULL;
  }
  if ((info->source_flags & POOL_SOURCE_DIR) && def->source.dir == NULL) {
    config_error (error, "storage pool '%s': missing <source><dir path>", def->name);
    return NULL;
  }
  if (info->source_flags & POOL_SOURCE_NAME) {
    /* a volume group or a ceph pool named after the pool by default */
    if (def->source.name == NULL)
      def->source.name = g_strdup (def->name);
  }
  if ((info->source_flags & POOL_SOURCE_ADAPTER) && !validate_adapter (&def->source.adapter, error))
    return NULL;
  /* where a device is all the source there is, it is required */
  if (info->source_flags == POOL_SOURCE_DEVICE && def->source.devices->len == 0) {
    config_error (error, "storage pool '%s': missing <source><device>", def->name);
    return NULL;
  }
  if (def->type == VB_STORAGE_POOL_ISCSI_DIRECT && def->source.initiator_iqn == NULL) {
    config_error (error, "storage pool '%s': missing <source><initiator><iqn name>", def->name);
    return NULL;
  }

  if (info->has_target && !parse_target (root, def, error))
    return NULL;

  if ((c = vb_xml_child (vb_xml_child (root, "refresh"), "volume")) != NULL) {
    static const char *const allocs[] = { "default", "capacity", NULL };
    g_autofree char *alloc = vb_xml_prop (c, "allocation");
    int v = 0;

    if (alloc != NULL && *alloc != '\0' && !vb_xml_prop_enum (c, "allocation", allocs, &v, error))
      return NULL;
    def->refresh_allocation = (VbStorageRefreshAllocation) v;
  }
  if (!parse_namespaces (root, def, error))
    return NULL;
  return g_steal_pointer (&def);
}

VbStoragePoolDef *
vb_storage_pool_def_parse (const char *xml, guint parse_flags, GError **error)
{
  g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "pool", error);

  if (doc == NULL)
    return NULL;
  return parse_root (xmlDocGetRootElement (doc), parse_flags, error);
}
