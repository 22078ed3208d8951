/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One device: its <address>/<alias>/<boot>, the disk, controller, video,
 * input and memballoon kinds, and the parse/format/free dispatch over all
 * kinds. */
#include "vb-domain-def-private.h"

#include <string.h>

/* Device info ------------------------------------------------------------ */

void
vb_domain_device_info_clear (VbDomainDeviceInfo *info)
{
  g_clear_pointer (&info->boot, vb_xml_opaque_free);
  g_clear_pointer (&info->alias, vb_xml_opaque_free);
  g_clear_pointer (&info->address, vb_xml_opaque_free);
  g_clear_pointer (&info->extra, g_ptr_array_unref);
}

/* Takes <boot>, <alias>, <address> from @child if it is one: 1 when taken,
 * 0 when @child is something else, -1 on error. */
int
vb_domain_device_info_take (VbDomainDeviceInfo *info, xmlNode *child, GError **error)
{
  if (vb_xml_is_element (child, "boot")) {
    guint64 order = 0;
    gboolean present;

    if (!vb_xml_prop_uint (child, "order", 10, G_MAXINT, &order, &present, error))
      return -1;
    if (!present || order == 0) {
      INVALID (error, "<boot> needs an order attribute of at least 1");
      return -1;
    }
    info->boot_order = (guint) order;
    g_clear_pointer (&info->boot, vb_xml_opaque_free);
    info->boot = vb_xml_opaque_copy (child);
    return 1;
  }
  if (vb_xml_is_element (child, "alias")) {
    g_clear_pointer (&info->alias, vb_xml_opaque_free);
    info->alias = vb_xml_opaque_copy (child);
    return 1;
  }
  if (vb_xml_is_element (child, "address")) {
    g_clear_pointer (&info->address, vb_xml_opaque_free);
    info->address = vb_xml_opaque_copy (child);
    return 1;
  }
  return 0;
}

void
vb_domain_device_info_keep (VbDomainDeviceInfo *info, xmlNode *child)
{
  if (info->extra == NULL)
    info->extra = opaque_array_new ();
  g_ptr_array_add (info->extra, vb_xml_opaque_copy (child));
}

void
vb_domain_device_info_format (VbXmlWriter *w, const VbDomainDeviceInfo *info)
{
  write_opaque_array (w, info->extra);
  if (info->boot)
    vb_xml_write_node (w, info->boot);
  else if (info->boot_order) {
    vb_xml_start (w, "boot");
    vb_xml_attr_uint (w, "order", info->boot_order);
    vb_xml_end_empty (w);
  }
  if (info->alias)
    vb_xml_write_node (w, info->alias);
  if (info->address)
    vb_xml_write_node (w, info->address);
}

gboolean
vb_domain_device_address_is (const VbDomainDeviceInfo *info, const char *type)
{
  g_autofree char *t = info->address ? prop (info->address, "type") : NULL;

  return g_strcmp0 (t, type) == 0;
}

/* Writes the remaining attributes of a kept element @node (those not in
 * @skip), then its element children, and closes it. */
void
vb_domain_def_write_rest (VbXmlWriter *w, xmlNode *node, const char *const *skip)
{
  gboolean children = FALSE;

  for (xmlAttr *a = node ? node->properties : NULL; a; a = a->next) {
    xmlChar *v;

    if (a->ns == NULL && skip && str_in ((const char *) a->name, skip))
      continue;
    v = xmlNodeListGetString (node->doc, a->children, 1);
    vb_xml_attr (w, (const char *) a->name, v ? (const char *) v : "");
    xmlFree (v);
  }
  for (xmlNode *c = node ? node->children : NULL; c; c = c->next)
    children = children || c->type == XML_ELEMENT_NODE;
  if (!children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      vb_xml_write_node (w, c);
  vb_xml_close (w);
}

/* <disk> ------------------------------------------------------------------- */

static const char *const disk_types[] = {
  "file", "block", "dir", "network", "volume", "nvme", "vhostuser", "vhostvdpa", NULL,
};
static const char *const disk_devices[] = { "disk", "cdrom", "floppy", "lun", NULL };

void
vb_domain_disk_def_free (VbDomainDiskDef *d)
{
  if (d == NULL)
    return;
  g_free (d->type);
  g_free (d->device);
  g_free (d->model);
  g_free (d->snapshot);
  g_free (d->rawio);
  g_free (d->sgio);
  g_free (d->driver_name);
  g_free (d->driver_type);
  vb_xml_opaque_free (d->driver);
  g_free (d->source);
  g_free (d->source_protocol);
  g_free (d->source_volume);
  vb_xml_opaque_free (d->source_node);
  vb_xml_opaque_free (d->backenddomain);
  g_free (d->target_dev);
  g_free (d->target_bus);
  vb_xml_opaque_free (d->target);
  g_free (d->serial);
  g_free (d->wwn);
  g_free (d->vendor);
  g_free (d->product);
  g_clear_pointer (&d->pre_target, g_ptr_array_unref);
  g_clear_pointer (&d->post_target, g_ptr_array_unref);
  vb_domain_device_info_clear (&d->info);
  g_free (d);
}

/* the attribute of <source> that names the disk's backing, per disk type */
static const char *
disk_source_attr (const char *type)
{
  if (g_strcmp0 (type, "block") == 0)
    return "dev";
  if (g_strcmp0 (type, "dir") == 0)
    return "dir";
  if (g_strcmp0 (type, "network") == 0)
    return "name";
  if (g_strcmp0 (type, "volume") == 0)
    return "pool";
  return "file";
}

static char *
disk_default_bus (const char *dev)
{
  static const char *const map[][2] = {
    { "nvme", "nvme" }, { "xvd", "xen" }, { "ubd", "uml" }, { "hd", "ide" },
    { "sd", "scsi" }, { "vd", "virtio" }, { "fd", "fdc" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_has_prefix (dev, map[i][0]))
      return g_strdup (map[i][1]);
  return g_strdup ("ide");
}

static VbDomainDiskDef *
disk_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainDiskDef) d = g_new0 (VbDomainDiskDef, 1);
  gboolean seen_target = FALSE;

  d->type = prop (node, "type");
  d->device = prop (node, "device");
  d->model = prop (node, "model");
  d->snapshot = prop (node, "snapshot");
  d->rawio = prop (node, "rawio");
  d->sgio = prop (node, "sgio");
  if (d->type == NULL)
    d->type = g_strdup ("file");
  if (d->device == NULL)
    d->device = g_strdup ("disk");
  if (!str_in (d->type, disk_types))
    return INVALID (error, "unknown disk type '%s'", d->type), NULL;
  if (!str_in (d->device, disk_devices))
    return INVALID (error, "unknown disk device '%s'", d->device), NULL;

  for (xmlNode *c = node->children; c; c = c->next) {
    const char *name = (const char *) c->name;
    int r;

    if (c->type != XML_ELEMENT_NODE ||
        vb_domain_def_later_repeat (c, (const char *const[]) { "driver", "source", "target", "serial", "wwn",
                                                 "vendor", "product", "backenddomain", NULL }))
      continue;
    if (c->ns != NULL) {
      continue;
    } else if (strcmp (name, "driver") == 0) {
      d->driver_name = prop (c, "name");
      d->driver_type = prop (c, "type");
      if (!vb_domain_def_node_is_simple (c, (const char *const[]) { "name", "type", NULL }))
        d->driver = vb_xml_opaque_copy (c);
    } else if (strcmp (name, "source") == 0) {
      const char *attr = disk_source_attr (d->type);

      d->source = prop (c, attr);
      d->source_protocol = prop (c, "protocol");
      d->source_volume = prop (c, "volume");
      if (!vb_domain_def_node_is_simple (c, (const char *const[]) { attr, "protocol", "volume", NULL }))
        d->source_node = vb_xml_opaque_copy (c);
    } else if (strcmp (name, "backenddomain") == 0) {
      d->backenddomain = vb_xml_opaque_copy (c);
    } else if (strcmp (name, "target") == 0) {
      d->target_dev = prop (c, "dev");
      d->target_bus = prop (c, "bus");
      if (!vb_domain_def_node_is_simple (c, (const char *const[]) { "dev", "bus", NULL }))
        d->target = vb_xml_opaque_copy (c);
      seen_target = TRUE;
    } else if (strcmp (name, "readonly") == 0) {
      d->readonly = TRUE;
    } else if (strcmp (name, "shareable") == 0) {
      d->shareable = TRUE;
    } else if (strcmp (name, "transient") == 0) {
      d->transient = TRUE;
    } else if (strcmp (name, "serial") == 0) {
      g_free (d->serial);
      d->serial = vb_xml_text (c);
    } else if (strcmp (name, "wwn") == 0) {
      g_free (d->wwn);
      d->wwn = vb_xml_text (c);
    } else if (strcmp (name, "vendor") == 0) {
      g_free (d->vendor);
      d->vendor = vb_xml_text (c);
    } else if (strcmp (name, "product") == 0) {
      g_free (d->product);
      d->product = vb_xml_text (c);
    } else if ((r = vb_domain_device_info_take (&d->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else if (strcmp (name, "encryption") == 0) {
      vb_domain_device_info_keep (&d->info, c);
    } else {
      GPtrArray **arr = seen_target ? &d->post_target : &d->pre_target;

      if (*arr == NULL)
        *arr = opaque_array_new ();
      g_ptr_array_add (*arr, vb_xml_opaque_copy (c));
    }
  }
  if (d->target_dev == NULL || *d->target_dev == '\0')
    return INVALID (error, "<disk> is missing <target dev=…>"), NULL;
  if (d->target_bus == NULL)
    d->target_bus = disk_default_bus (d->target_dev);
  if (strcmp (d->type, "network") == 0 && d->source_protocol == NULL && d->source_node == NULL &&
      d->source != NULL)
    return INVALID (error, "network <disk> '%s' needs <source protocol=…>", d->target_dev), NULL;
  return g_steal_pointer (&d);
}

static void
disk_def_format (VbXmlWriter *w, const VbDomainDiskDef *d)
{
  vb_xml_start (w, "disk");
  vb_xml_attr (w, "type", d->type);
  vb_xml_attr (w, "device", d->device);
  vb_xml_attr (w, "model", d->model);
  vb_xml_attr (w, "rawio", d->rawio);
  vb_xml_attr (w, "sgio", d->sgio);
  vb_xml_attr (w, "snapshot", d->snapshot);
  vb_xml_end_open (w);
  if (d->driver_name || d->driver_type || d->driver) {
    vb_xml_start (w, "driver");
    vb_xml_attr (w, "name", d->driver_name);
    vb_xml_attr (w, "type", d->driver_type);
    vb_domain_def_write_rest (w, d->driver, (const char *const[]) { "name", "type", NULL });
  }
  if (d->source_node || d->source || d->source_volume) {
    const char *attr = disk_source_attr (d->type);

    vb_xml_start (w, "source");
    if (strcmp (attr, "name") == 0) {
      vb_xml_attr (w, "protocol", d->source_protocol);
      vb_xml_attr (w, "name", d->source);
    } else if (strcmp (attr, "pool") == 0) {
      vb_xml_attr (w, "pool", d->source);
      vb_xml_attr (w, "volume", d->source_volume);
    } else {
      vb_xml_attr (w, attr, d->source);
    }
    vb_domain_def_write_rest (w, d->source_node, (const char *const[]) { attr, "protocol", "volume", NULL });
  }
  write_opaque_array (w, d->pre_target);
  if (d->backenddomain)
    vb_xml_write_node (w, d->backenddomain);
  vb_xml_start (w, "target");
  vb_xml_attr (w, "dev", d->target_dev);
  vb_xml_attr (w, "bus", d->target_bus);
  vb_domain_def_write_rest (w, d->target, (const char *const[]) { "dev", "bus", NULL });
  write_opaque_array (w, d->post_target);
  if (d->readonly) {
    vb_xml_start (w, "readonly");
    vb_xml_end_empty (w);
  }
  if (d->shareable) {
    vb_xml_start (w, "shareable");
    vb_xml_end_empty (w);
  }
  if (d->transient) {
    vb_xml_start (w, "transient");
    vb_xml_end_empty (w);
  }
  vb_xml_text_element (w, "serial", d->serial);
  vb_xml_text_element (w, "wwn", d->wwn);
  vb_xml_text_element (w, "vendor", d->vendor);
  vb_xml_text_element (w, "product", d->product);
  vb_domain_device_info_format (w, &d->info);
  vb_xml_close (w);
}

/* <controller> ------------------------------------------------------------ */

void
vb_domain_controller_def_free (VbDomainControllerDef *c)
{
  if (c == NULL)
    return;
  g_free (c->type);
  g_free (c->model);
  vb_xml_opaque_free (c->attrs);
  g_free (c->serial);
  vb_domain_device_info_clear (&c->info);
  g_free (c);
}

static const char *const controller_types[] = {
  "ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus",
  "isa", "nvme", NULL,
};

static VbDomainControllerDef *
controller_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainControllerDef) c = g_new0 (VbDomainControllerDef, 1);
  gint64 index = -1;

  c->type = prop (node, "type");
  c->model = prop (node, "model");
  if (c->type == NULL)
    c->type = g_strdup ("ide");
  if (!str_in (c->type, controller_types))
    return INVALID (error, "unknown controller type '%s'", c->type), NULL;
  if (!vb_xml_prop_int (node, "index", 0, G_MAXINT, &index, NULL, error))
    return NULL;
  c->index = (int) index;
  if (!vb_domain_def_node_is_simple (node, (const char *const[]) { "type", "index", "model", NULL })) {
    /* only the start tag's other attributes are wanted from this copy */
    c->attrs = xmlNewDocNode (xmlNewDoc ((const xmlChar *) "1.0"), NULL,
                              (const xmlChar *) "controller", NULL);
    xmlDocSetRootElement (c->attrs->doc, c->attrs);
    for (xmlAttr *a = node->properties; a; a = a->next) {
      xmlChar *v = xmlNodeListGetString (node->doc, a->children, 1);
      if (a->ns == NULL)
        xmlNewProp (c->attrs, a->name, v);
      xmlFree (v);
    }
  }
  for (xmlNode *ch = node->children; ch; ch = ch->next) {
    int r;

    if (ch->type != XML_ELEMENT_NODE || ch->ns != NULL)
      continue;
    if (vb_xml_is_element (ch, "serial")) {
      g_free (c->serial);
      c->serial = vb_xml_text (ch);
      continue;
    }
    r = vb_domain_device_info_take (&c->info, ch, error);
    if (r < 0)
      return NULL;
    if (r == 0)
      vb_domain_device_info_keep (&c->info, ch);
  }
  return g_steal_pointer (&c);
}

static void
controller_def_format (VbXmlWriter *w, const VbDomainControllerDef *c)
{
  const VbDomainDeviceInfo *i = &c->info;

  vb_xml_start (w, "controller");
  vb_xml_attr (w, "type", c->type);
  if (c->index >= 0)
    vb_xml_attr_uint (w, "index", (guint64) c->index);
  vb_xml_attr (w, "model", c->model);
  for (xmlAttr *a = c->attrs ? c->attrs->properties : NULL; a; a = a->next) {
    xmlChar *v;

    if (str_in ((const char *) a->name, (const char *const[]) { "type", "index", "model", NULL }))
      continue;
    v = xmlNodeListGetString (c->attrs->doc, a->children, 1);
    vb_xml_attr (w, (const char *) a->name, v ? (const char *) v : "");
    xmlFree (v);
  }
  if (c->serial == NULL && (i->extra == NULL || i->extra->len == 0) && !i->boot &&
      !i->boot_order && !i->alias && !i->address) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  vb_xml_text_element (w, "serial", c->serial);
  vb_domain_device_info_format (w, i);
  vb_xml_close (w);
}

/* <video>, <input>, <memballoon> ------------------------------------------ */

void
vb_domain_video_def_free (VbDomainVideoDef *v)
{
  if (v == NULL)
    return;
  g_free (v->model_type);
  vb_xml_opaque_free (v->model_extra);
  vb_xml_opaque_free (v->driver);
  vb_domain_device_info_clear (&v->info);
  g_free (v);
}

VbDomainVideoDef *
vb_domain_video_def_new (const char *model_type)
{
  VbDomainVideoDef *v = g_new0 (VbDomainVideoDef, 1);

  v->model_type = g_strdup (model_type);
  return v;
}

static gboolean
kib_prop (xmlNode *node, const char *name, guint64 *out, GError **error)
{
  return vb_xml_prop_uint (node, name, 10, G_MAXUINT32, out, NULL, error);
}

static VbDomainVideoDef *
video_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainVideoDef) v = g_new0 (VbDomainVideoDef, 1);

  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL ||
        vb_domain_def_later_repeat (c, (const char *const[]) { "model", "driver", NULL }))
      continue;
    if (vb_xml_is_element (c, "model")) {
      guint64 heads = 0;
      VbTristate primary;

      v->model_type = prop (c, "type");
      if (!kib_prop (c, "vram", &v->vram, error) || !kib_prop (c, "ram", &v->ram, error) ||
          !kib_prop (c, "vgamem", &v->vgamem, error) || !kib_prop (c, "vram64", &v->vram64, error) ||
          !vb_xml_prop_uint (c, "heads", 10, G_MAXUINT, &heads, NULL, error) ||
          !vb_xml_prop_yesno (c, "primary", &primary, error))
        return NULL;
      v->heads = (guint) heads;
      v->primary = primary == VB_TRISTATE_YES;
      if (vb_xml_child (c, NULL))
        v->model_extra = vb_xml_opaque_copy (c);
    } else if (vb_xml_is_element (c, "driver")) {
      v->driver = vb_xml_opaque_copy (c);
    } else if ((r = vb_domain_device_info_take (&v->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      vb_domain_device_info_keep (&v->info, c);
    }
  }
  return g_steal_pointer (&v);
}

static void
video_def_format (VbXmlWriter *w, const VbDomainVideoDef *v)
{
  vb_xml_start (w, "video");
  vb_xml_end_open (w);
  if (v->driver)
    vb_xml_write_node (w, v->driver);
  if (v->model_type) {
    vb_xml_start (w, "model");
    vb_xml_attr (w, "type", v->model_type);
    if (v->ram)
      vb_xml_attr_uint (w, "ram", v->ram);
    if (v->vram)
      vb_xml_attr_uint (w, "vram", v->vram);
    if (v->vram64)
      vb_xml_attr_uint (w, "vram64", v->vram64);
    if (v->vgamem)
      vb_xml_attr_uint (w, "vgamem", v->vgamem);
    if (v->heads)
      vb_xml_attr_uint (w, "heads", v->heads);
    if (v->primary)
      vb_xml_attr (w, "primary", "yes");
    if (v->model_extra) {
      vb_xml_end_open (w);
      for (xmlNode *c = v->model_extra->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
          vb_xml_write_node (w, c);
      vb_xml_close (w);
    } else {
      vb_xml_end_empty (w);
    }
  }
  vb_domain_device_info_format (w, &v->info);
  vb_xml_close (w);
}

void
vb_domain_input_def_free (VbDomainInputDef *in)
{
  if (in == NULL)
    return;
  g_free (in->type);
  g_free (in->bus);
  g_free (in->model);
  vb_xml_opaque_free (in->source);
  vb_domain_device_info_clear (&in->info);
  g_free (in);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainInputDef, vb_domain_input_def_free)

static VbDomainInputDef *
input_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainInputDef) in = g_new0 (VbDomainInputDef, 1);

  in->type = prop (node, "type");
  in->bus = prop (node, "bus");
  in->model = prop (node, "model");
  if (!str_in (in->type, (const char *const[]) { "mouse", "tablet", "keyboard", "passthrough", "evdev", NULL }))
    return INVALID (error, "unknown input type '%s'", in->type ? in->type : ""), NULL;
  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (vb_xml_is_element (c, "source")) {
      g_clear_pointer (&in->source, vb_xml_opaque_free);
      in->source = vb_xml_opaque_copy (c);
    } else if ((r = vb_domain_device_info_take (&in->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      vb_domain_device_info_keep (&in->info, c);
    }
  }
  return g_steal_pointer (&in);
}

static void
input_def_format (VbXmlWriter *w, const VbDomainInputDef *in)
{
  const VbDomainDeviceInfo *i = &in->info;

  vb_xml_start (w, "input");
  vb_xml_attr (w, "type", in->type);
  vb_xml_attr (w, "bus", in->bus);
  vb_xml_attr (w, "model", in->model);
  if (!in->source && !(i->extra && i->extra->len) && !i->boot_order && !i->alias && !i->address) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (in->source)
    vb_xml_write_node (w, in->source);
  vb_domain_device_info_format (w, i);
  vb_xml_close (w);
}

void
vb_domain_memballoon_def_free (VbDomainMemballoonDef *m)
{
  if (m == NULL)
    return;
  g_free (m->model);
  g_free (m->autodeflate);
  g_free (m->free_page_reporting);
  vb_domain_device_info_clear (&m->info);
  g_free (m);
}

VbDomainMemballoonDef *
vb_domain_memballoon_def_new (const char *model)
{
  VbDomainMemballoonDef *m = g_new0 (VbDomainMemballoonDef, 1);

  m->model = g_strdup (model);
  return m;
}

static VbDomainMemballoonDef *
memballoon_def_parse (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainMemballoonDef) m = g_new0 (VbDomainMemballoonDef, 1);

  m->model = prop (node, "model");
  m->autodeflate = prop (node, "autodeflate");
  m->free_page_reporting = prop (node, "freePageReporting");
  if (m->model == NULL)
    return INVALID (error, "<memballoon> is missing its model attribute"), NULL;
  if (!str_in (m->model, (const char *const[]) { "virtio", "xen", "none", "virtio-transitional",
                                                  "virtio-non-transitional", NULL }))
    return INVALID (error, "unknown memballoon model '%s'", m->model), NULL;
  for (xmlNode *c = node->children; c; c = c->next) {
    int r;

    if (c->type != XML_ELEMENT_NODE || c->ns != NULL)
      continue;
    if (vb_xml_is_element (c, "stats")) {
      guint64 period = 0;

      if (!vb_xml_prop_uint (c, "period", 10, G_MAXINT, &period, NULL, error))
        return NULL;
      m->stats_period = (guint) period;
    } else if ((r = vb_domain_device_info_take (&m->info, c, error)) != 0) {
      if (r < 0)
        return NULL;
    } else {
      vb_domain_device_info_keep (&m->info, c);
    }
  }
  return g_steal_pointer (&m);
}

void
vb_domain_memballoon_def_format (VbXmlWriter *w, const VbDomainMemballoonDef *m)
{
  const VbDomainDeviceInfo *i = &m->info;

  vb_xml_start (w, "memballoon");
  vb_xml_attr (w, "model", m->model);
  vb_xml_attr (w, "autodeflate", m->autodeflate);
  vb_xml_attr (w, "freePageReporting", m->free_page_reporting);
  if (!m->stats_period && !(i->extra && i->extra->len) && !i->alias && !i->address) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (m->stats_period) {
    vb_xml_start (w, "stats");
    vb_xml_attr_uint (w, "period", m->stats_period);
    vb_xml_end_empty (w);
  }
  vb_domain_device_info_format (w, i);
  vb_xml_close (w);
}

/* One device ----------------------------------------------------------------- */

static void
device_data_free (VbDomainDeviceKind kind, gpointer data)
{
  if (data == NULL)
    return;
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK:
    vb_domain_disk_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_CONTROLLER:
    vb_domain_controller_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_INTERFACE:
    vb_domain_interface_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL:
    vb_domain_chardev_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_INPUT:
    vb_domain_input_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_GRAPHICS:
    vb_domain_graphics_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_VIDEO:
    vb_domain_video_def_free (data);
    break;
  case VB_DOMAIN_DEVICE_MEMBALLOON:
    vb_domain_memballoon_def_free (data);
    break;
  default:
    vb_xml_opaque_free (data);
    break;
  }
}

void
vb_domain_device_free (VbDomainDevice *dev)
{
  if (dev == NULL)
    return;
  device_data_free (dev->kind, dev->data);
  g_free (dev);
}

VbDomainDevice *
vb_domain_device_parse_node (xmlNode *node, GError **error)
{
  g_autoptr(VbDomainDevice) dev = g_new0 (VbDomainDevice, 1);
  int kind = vb_domain_device_kind_from_name ((const char *) node->name);

  if (kind < 0 || node->ns != NULL)
    return INVALID (error, "unknown device <%s>", (const char *) node->name), NULL;
  dev->kind = (VbDomainDeviceKind) kind;
  switch (dev->kind) {
  case VB_DOMAIN_DEVICE_DISK:
    dev->data = disk_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_CONTROLLER:
    dev->data = controller_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_INTERFACE:
    dev->data = vb_domain_interface_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL:
    dev->data = vb_domain_chardev_def_parse (node, dev->kind, error);
    break;
  case VB_DOMAIN_DEVICE_INPUT:
    dev->data = input_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_GRAPHICS:
    dev->data = vb_domain_graphics_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_VIDEO:
    dev->data = video_def_parse (node, error);
    break;
  case VB_DOMAIN_DEVICE_MEMBALLOON:
    dev->data = memballoon_def_parse (node, error);
    break;
  default: {
    xmlNode *copy = vb_xml_opaque_copy (node);

    if (!vb_domain_opaque_device_check (dev->kind, copy, error)) {
      vb_xml_opaque_free (copy);
      return NULL;
    }
    dev->data = copy;
    break;
  }
  }
  if (dev->data == NULL)
    return NULL;
  return g_steal_pointer (&dev);
}

void
vb_domain_device_write (VbXmlWriter *w, VbDomainDeviceKind kind, gconstpointer data, guint flags)
{
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK:
    disk_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_CONTROLLER:
    controller_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_INTERFACE:
    vb_domain_interface_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL:
    vb_domain_chardev_def_format (w, data, flags);
    break;
  case VB_DOMAIN_DEVICE_INPUT:
    input_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_GRAPHICS:
    vb_domain_graphics_def_format (w, data, flags);
    break;
  case VB_DOMAIN_DEVICE_VIDEO:
    video_def_format (w, data);
    break;
  case VB_DOMAIN_DEVICE_MEMBALLOON:
    vb_domain_memballoon_def_format (w, data);
    break;
  default:
    vb_xml_write_node (w, (xmlNode *) data);
    break;
  }
}

char *
vb_domain_device_format (const VbDomainDevice *dev, guint format_flags)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();

  vb_domain_device_write (w, dev->kind, dev->data, format_flags);
  return vb_xml_writer_steal (w);
}

VbDomainDevice *
vb_domain_device_parse (const char *xml, GError **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  xmlNode *root;
  const char *root_name = NULL;

  /* vb_xml_parse wants the root's name: take it from the document itself */
  if (xml) {
    const char *p = xml;
    g_autofree char *name = NULL;
    gsize len = 0;

    while ((p = strchr (p, '<')) && (p[1] == '?' || p[1] == '!'))
      p++;
    if (p) {
      p++;
      while (p[len] && (g_ascii_isalnum (p[len]) || p[len] == '_' || p[len] == '-'))
        len++;
      name = g_strndup (p, len);
      if (vb_domain_device_kind_from_name (name) >= 0)
        root_name = vb_domain_device_kind_to_string (vb_domain_device_kind_from_name (name));
    }
  }
  if (root_name == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "not a device XML document");
    return NULL;
  }
  doc = vb_xml_parse (xml, root_name, error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  return vb_domain_device_parse_node (root, error);
}

