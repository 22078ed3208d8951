/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-domain-def.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vb-domain-def-private.h"
#include "vb-error.h"

static const char *const device_names[VB_DOMAIN_DEVICE_LAST] = {
  "disk", "controller", "lease", "filesystem", "interface", "smartcard",
  "serial", "parallel", "console", "channel", "input", "tpm", "graphics",
  "sound", "audio", "video", "hostdev", "redirdev", "redirfilter", "hub",
  "watchdog", "memballoon", "rng", "nvram", "panic", "shmem", "memory",
  "iommu", "vsock", "crypto", "pstore",
};

const char *
vb_domain_device_kind_to_string (VbDomainDeviceKind kind)
{
  return kind < VB_DOMAIN_DEVICE_LAST ? device_names[kind] : NULL;
}

int
vb_domain_device_kind_from_name (const char *name)
{
  for (int i = 0; i < VB_DOMAIN_DEVICE_LAST; i++)
    if (g_strcmp0 (vb_domain_device_kind_to_string (i), name) == 0)
      return i;
  return -1;
}

/* Children of <domain> in the order libvirt writes them.  Entries marked
 * typed are handled by the model; the others are kept opaquely and written
 * back at this position.  Unknown names are dropped, as libvirt does. */
const char *const vb_domain_def_order[] = {
  "name", "uuid", "genid", "title", "description", "metadata", "maxMemory",
  "memory", "currentMemory", "blkiotune", "memtune", "memoryBacking", "vcpu",
  "vcpus", "iothreads", "iothreadids", "defaultiothread", "cputune",
  "numatune", "resource", "iommufd", "sysinfo", "bootloader", "bootloader_args",
  "os", "idmap", "features", "cpu", "clock", "on_poweroff", "on_reboot",
  "on_crash", "on_lockfailure", "pm", "perf", "devices", "seclabel",
  "keywrap", "launchSecurity", "throttlegroups", NULL,
};

const char *const vb_domain_def_typed_top[] = {
  "name", "uuid", "genid", "title", "description", "metadata", "maxMemory",
  "memory", "currentMemory", "vcpu", "iothreads", "cpu", "os", "features",
  "clock", "on_poweroff", "on_reboot", "on_crash", "on_lockfailure", "devices",
  "cputune", NULL,
};

/* TRUE when @node has no element children and only attributes from @attrs:
 * then the typed fields say everything and the node need not be kept. */
gboolean
vb_domain_def_node_is_simple (xmlNode *node, const char *const *attrs)
{
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return FALSE;
  for (xmlAttr *a = node->properties; a; a = a->next)
    if (a->ns != NULL || !str_in ((const char *) a->name, attrs))
      return FALSE;
  return TRUE;
}

/* libvirt reads the first of a repeated element and ignores the rest; so do
 * the typed readers (a repeat would otherwise replace a value). */
gboolean
vb_domain_def_later_repeat (xmlNode *node, const char *const *typed)
{
  if (node->ns != NULL || !str_in ((const char *) node->name, typed))
    return FALSE;
  for (xmlNode *p = node->prev; p; p = p->prev)
    if (p->type == XML_ELEMENT_NODE && p->ns == NULL && xmlStrEqual (p->name, node->name))
      return TRUE;
  return FALSE;
}

/* The definition ------------------------------------------------------------- */

/* Where the array of @kind lives.  NULL for memballoon, a single device,
 * and for the untyped kinds while their block of slots is not allocated;
 * with @create the block is allocated then. */
static GPtrArray **
device_slot (VbDomainDef *def, VbDomainDeviceKind kind, gboolean create)
{
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK: return &def->disks;
  case VB_DOMAIN_DEVICE_CONTROLLER: return &def->controllers;
  case VB_DOMAIN_DEVICE_INTERFACE: return &def->interfaces;
  case VB_DOMAIN_DEVICE_SERIAL: return &def->serials;
  case VB_DOMAIN_DEVICE_PARALLEL: return &def->parallels;
  case VB_DOMAIN_DEVICE_CONSOLE: return &def->consoles;
  case VB_DOMAIN_DEVICE_CHANNEL: return &def->channels;
  case VB_DOMAIN_DEVICE_INPUT: return &def->inputs;
  case VB_DOMAIN_DEVICE_GRAPHICS: return &def->graphics;
  case VB_DOMAIN_DEVICE_VIDEO: return &def->videos;
  case VB_DOMAIN_DEVICE_MEMBALLOON: return NULL;
  default:
    if (def->other_devices == NULL) {
      if (!create)
        return NULL;
      def->other_devices = g_new0 (GPtrArray *, VB_DOMAIN_DEVICE_LAST);
    }
    return &def->other_devices[kind];
  }
}

GPtrArray *
vb_domain_def_get_devices (const VbDomainDef *def, VbDomainDeviceKind kind)
{
  GPtrArray **slot;

  g_return_val_if_fail (def != NULL && kind < VB_DOMAIN_DEVICE_LAST, NULL);
  slot = device_slot ((VbDomainDef *) def, kind, FALSE);
  return slot ? *slot : NULL;
}

static void free_disk (gpointer p) { vb_domain_disk_def_free (p); }
static void free_controller (gpointer p) { vb_domain_controller_def_free (p); }
static void free_iface (gpointer p) { vb_domain_interface_def_free (p); }
static void free_chardev (gpointer p) { vb_domain_chardev_def_free (p); }
static void free_input (gpointer p) { vb_domain_input_def_free (p); }
static void free_graphics (gpointer p) { vb_domain_graphics_def_free (p); }
static void free_video (gpointer p) { vb_domain_video_def_free (p); }

GDestroyNotify
vb_domain_device_free_func (VbDomainDeviceKind kind)
{
  switch (kind) {
  case VB_DOMAIN_DEVICE_DISK: return free_disk;
  case VB_DOMAIN_DEVICE_CONTROLLER: return free_controller;
  case VB_DOMAIN_DEVICE_INTERFACE: return free_iface;
  case VB_DOMAIN_DEVICE_SERIAL:
  case VB_DOMAIN_DEVICE_PARALLEL:
  case VB_DOMAIN_DEVICE_CONSOLE:
  case VB_DOMAIN_DEVICE_CHANNEL: return free_chardev;
  case VB_DOMAIN_DEVICE_INPUT: return free_input;
  case VB_DOMAIN_DEVICE_GRAPHICS: return free_graphics;
  case VB_DOMAIN_DEVICE_VIDEO: return free_video;
  default: return opaque_free;
  }
}

VbDomainDef *
vb_domain_def_new (void)
{
  VbDomainDef *def = g_new0 (VbDomainDef, 1);

  def->id = -1;
  return def;
}

static void
cpu_def_free (VbDomainCpuDef *cpu)
{
  if (cpu == NULL)
    return;
  g_free (cpu->mode);
  g_free (cpu->match);
  g_free (cpu->check);
  g_free (cpu->migratable);
  g_free (cpu->model);
  vb_xml_opaque_free (cpu->model_node);
  g_free (cpu->vendor);
  g_clear_pointer (&cpu->children, g_ptr_array_unref);
  g_free (cpu);
}

void
vb_domain_def_free (VbDomainDef *def)
{
  if (def == NULL)
    return;
  g_free (def->virt_type);
  g_free (def->name);
  g_free (def->genid);
  g_free (def->title);
  g_free (def->description);
  vb_xml_opaque_free (def->metadata);
  g_free (def->memory_dump_core);
  g_free (def->vcpu_placement);
  g_free (def->vcpu_cpuset);
  cpu_def_free (def->cpu);
  g_free (def->os_type);
  g_free (def->os_arch);
  g_free (def->os_machine);
  g_free (def->os_firmware);
  g_clear_pointer (&def->os_boot_devs, g_ptr_array_unref);
  g_free (def->os_kernel);
  g_free (def->os_initrd);
  g_free (def->os_cmdline);
  g_free (def->os_dtb);
  g_free (def->os_init);
  g_free (def->os_bootmenu_enable);
  g_free (def->os_bootmenu_timeout);
  g_clear_pointer (&def->os_other, g_ptr_array_unref);
  vb_xml_opaque_free (def->features);
  g_free (def->clock_offset);
  vb_xml_opaque_free (def->clock);
  g_free (def->on_poweroff);
  g_free (def->on_reboot);
  g_free (def->on_crash);
  g_free (def->on_lockfailure);
  g_free (def->emulator);
  g_clear_pointer (&def->disks, g_ptr_array_unref);
  g_clear_pointer (&def->controllers, g_ptr_array_unref);
  g_clear_pointer (&def->interfaces, g_ptr_array_unref);
  g_clear_pointer (&def->serials, g_ptr_array_unref);
  g_clear_pointer (&def->parallels, g_ptr_array_unref);
  g_clear_pointer (&def->consoles, g_ptr_array_unref);
  g_clear_pointer (&def->channels, g_ptr_array_unref);
  g_clear_pointer (&def->inputs, g_ptr_array_unref);
  g_clear_pointer (&def->graphics, g_ptr_array_unref);
  g_clear_pointer (&def->videos, g_ptr_array_unref);
  vb_domain_memballoon_def_free (def->memballoon);
  for (int i = 0; def->other_devices && i < VB_DOMAIN_DEVICE_LAST; i++)
    g_clear_pointer (&def->other_devices[i], g_ptr_array_unref);
  g_free (def->other_devices);
  g_clear_pointer (&def->opaque, g_hash_table_unref);
  g_clear_pointer (&def->namespaces, g_hash_table_unref);
  g_free (def);
}

/* Takes ownership of @dev's data. */
gboolean
vb_domain_def_append_device (VbDomainDef *def, VbDomainDevice *dev, GError **error)
{
  GPtrArray **slot;

  if (dev->kind == VB_DOMAIN_DEVICE_MEMBALLOON) {
    if (def->memballoon) {
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "the domain already has a <memballoon>");
      return FALSE;
    }
    def->memballoon = g_steal_pointer (&dev->data);
    return TRUE;
  }
  slot = device_slot (def, dev->kind, TRUE);
  /* every kind but memballoon, handled above, has a slot once created */
  g_assert (slot != NULL);
  array_add_lazy (slot, vb_domain_device_free_func (dev->kind), g_steal_pointer (&dev->data));
  return TRUE;
}

void
vb_domain_def_add_opaque (VbDomainDef *def, const char *key, xmlNode *node)
{
  GPtrArray *arr;

  if (def->opaque == NULL)
    def->opaque = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  arr = g_hash_table_lookup (def->opaque, key);
  if (arr == NULL) {
    arr = opaque_array_new ();
    g_hash_table_insert (def->opaque, g_strdup (key), arr);
  }
  g_ptr_array_add (arr, vb_xml_opaque_copy (node));
}

/* Format ------------------------------------------------------------------------ */

static void
write_kib (VbXmlWriter *w, const char *name, guint64 kib, const char *attr, const char *value)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT, kib);

  vb_xml_start (w, name);
  if (attr && value)
    vb_xml_attr (w, attr, value);
  vb_xml_attr (w, "unit", "KiB");
  vb_xml_end_text (w, text);
}

static void
format_cpu (VbXmlWriter *w, const VbDomainCpuDef *cpu)
{
  gboolean children;

  if (cpu == NULL)
    return;
  children = cpu->model || cpu->vendor || cpu->topology_set || array_len (cpu->children);
  vb_xml_start (w, "cpu");
  vb_xml_attr (w, "mode", cpu->mode);
  vb_xml_attr (w, "match", cpu->match);
  vb_xml_attr (w, "check", cpu->check);
  vb_xml_attr (w, "migratable", cpu->migratable);
  if (!children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (cpu->model_node)
    vb_xml_write_node (w, cpu->model_node);
  else
    vb_xml_text_element (w, "model", cpu->model);
  vb_xml_text_element (w, "vendor", cpu->vendor);
  if (cpu->topology_set) {
    vb_xml_start (w, "topology");
    vb_xml_attr_uint (w, "sockets", cpu->sockets);
    if (cpu->dies)
      vb_xml_attr_uint (w, "dies", cpu->dies);
    if (cpu->clusters)
      vb_xml_attr_uint (w, "clusters", cpu->clusters);
    vb_xml_attr_uint (w, "cores", cpu->cores);
    vb_xml_attr_uint (w, "threads", cpu->threads);
    vb_xml_end_empty (w);
  }
  write_opaque_array (w, cpu->children);
  vb_xml_close (w);
}

static gboolean
os_early (xmlNode *n)
{
  return vb_xml_is_element (n, "firmware") || vb_xml_is_element (n, "loader") ||
         vb_xml_is_element (n, "nvram");
}

static gboolean
os_late (xmlNode *n)
{
  return vb_xml_is_element (n, "smbios") || vb_xml_is_element (n, "bios");
}

static void
format_os (VbXmlWriter *w, const VbDomainDef *def)
{
  vb_xml_start (w, "os");
  vb_xml_attr (w, "firmware", def->os_firmware);
  vb_xml_end_open (w);
  vb_xml_start (w, "type");
  vb_xml_attr (w, "arch", def->os_arch);
  vb_xml_attr (w, "machine", def->os_machine);
  vb_xml_end_text (w, def->os_type);
  for (guint i = 0; i < array_len (def->os_other); i++)
    if (os_early (g_ptr_array_index (def->os_other, i)))
      vb_xml_write_node (w, g_ptr_array_index (def->os_other, i));
  vb_xml_text_element (w, "init", def->os_init);
  for (guint i = 0; i < array_len (def->os_other); i++) {
    xmlNode *n = g_ptr_array_index (def->os_other, i);
    if (g_str_has_prefix ((const char *) n->name, "init"))
      vb_xml_write_node (w, n);
  }
  vb_xml_text_element (w, "kernel", def->os_kernel);
  vb_xml_text_element (w, "initrd", def->os_initrd);
  vb_xml_text_element (w, "cmdline", def->os_cmdline);
  vb_xml_text_element (w, "dtb", def->os_dtb);
  for (guint i = 0; i < array_len (def->os_other); i++) {
    xmlNode *n = g_ptr_array_index (def->os_other, i);
    if (!os_early (n) && !os_late (n) && !g_str_has_prefix ((const char *) n->name, "init"))
      vb_xml_write_node (w, n);
  }
  for (guint i = 0; i < array_len (def->os_boot_devs); i++) {
    vb_xml_start (w, "boot");
    vb_xml_attr (w, "dev", g_ptr_array_index (def->os_boot_devs, i));
    vb_xml_end_empty (w);
  }
  if (def->os_bootmenu_enable || def->os_bootmenu_timeout) {
    vb_xml_start (w, "bootmenu");
    vb_xml_attr (w, "enable", def->os_bootmenu_enable);
    vb_xml_attr (w, "timeout", def->os_bootmenu_timeout);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; i < array_len (def->os_other); i++)
    if (os_late (g_ptr_array_index (def->os_other, i)))
      vb_xml_write_node (w, g_ptr_array_index (def->os_other, i));
  vb_xml_close (w);
}

static void
format_devices (VbXmlWriter *w, const VbDomainDef *def, guint flags)
{
  vb_xml_start (w, "devices");
  vb_xml_end_open (w);
  vb_xml_text_element (w, "emulator", def->emulator);
  for (int k = 0; k < VB_DOMAIN_DEVICE_LAST; k++) {
    GPtrArray *arr = vb_domain_def_get_devices (def, k);

    if (k == VB_DOMAIN_DEVICE_MEMBALLOON && def->memballoon)
      vb_domain_memballoon_def_format (w, def->memballoon);
    for (guint i = 0; i < array_len (arr); i++)
      vb_domain_device_write (w, k, g_ptr_array_index (arr, i), flags);
  }
  vb_xml_close (w);
}

static void
format_metadata (VbXmlWriter *w, const VbDomainDef *def)
{
  gboolean any = FALSE;

  /* metadata children are namespaced, so vb_xml_child() does not see them */
  for (xmlNode *c = def->metadata ? def->metadata->children : NULL; c; c = c->next)
    any = any || c->type == XML_ELEMENT_NODE;
  if (!any)
    return;
  vb_xml_start (w, "metadata");
  vb_xml_end_open (w);
  for (xmlNode *c = def->metadata->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      vb_xml_write_node_dump (w, c);
  vb_xml_close (w);
}

static void
format_top (VbXmlWriter *w, const VbDomainDef *def, const char *name, guint flags)
{
  char uuid[VB_UUID_STRING_LEN + 1];

  if (strcmp (name, "name") == 0) {
    vb_xml_text_element (w, "name", def->name);
  } else if (strcmp (name, "uuid") == 0) {
    vb_uuid_format (&def->uuid, uuid);
    vb_xml_text_element (w, "uuid", uuid);
  } else if (strcmp (name, "genid") == 0) {
    vb_xml_text_element (w, "genid", def->genid);
  } else if (strcmp (name, "title") == 0) {
    vb_xml_text_element (w, "title", def->title);
  } else if (strcmp (name, "description") == 0) {
    vb_xml_text_element (w, "description", def->description);
  } else if (strcmp (name, "metadata") == 0) {
    format_metadata (w, def);
  } else if (strcmp (name, "maxMemory") == 0) {
    if (def->max_memory_kib) {
      g_autofree char *slots = def->max_memory_slots ? g_strdup_printf ("%u", def->max_memory_slots) : NULL;
      write_kib (w, "maxMemory", def->max_memory_kib, "slots", slots);
    }
  } else if (strcmp (name, "memory") == 0) {
    write_kib (w, "memory", def->memory_kib, "dumpCore", def->memory_dump_core);
  } else if (strcmp (name, "currentMemory") == 0) {
    write_kib (w, "currentMemory", def->current_memory_kib, NULL, NULL);
  } else if (strcmp (name, "vcpu") == 0) {
    g_autofree char *n = g_strdup_printf ("%u", def->vcpus);

    vb_xml_start (w, "vcpu");
    vb_xml_attr (w, "placement", def->vcpu_placement ? def->vcpu_placement : "static");
    vb_xml_attr (w, "cpuset", def->vcpu_cpuset);
    if (def->current_vcpus && def->current_vcpus != def->vcpus)
      vb_xml_attr_uint (w, "current", def->current_vcpus);
    vb_xml_end_text (w, n);
  } else if (strcmp (name, "iothreads") == 0) {
    if (def->iothreads)
      vb_xml_text_element_printf (w, "iothreads", "%u", def->iothreads);
  } else if (strcmp (name, "cpu") == 0) {
    format_cpu (w, def->cpu);
  } else if (strcmp (name, "os") == 0) {
    format_os (w, def);
  } else if (strcmp (name, "features") == 0) {
    if (def->features)
      vb_xml_write_node (w, def->features);
  } else if (strcmp (name, "clock") == 0) {
    vb_xml_start (w, "clock");
    vb_xml_attr (w, "offset", def->clock_offset);
    vb_domain_def_write_rest (w, def->clock, (const char *const[]) { "offset", NULL });
  } else if (strcmp (name, "on_poweroff") == 0) {
    vb_xml_text_element (w, name, def->on_poweroff);
  } else if (strcmp (name, "on_reboot") == 0) {
    vb_xml_text_element (w, name, def->on_reboot);
  } else if (strcmp (name, "on_crash") == 0) {
    vb_xml_text_element (w, name, def->on_crash);
  } else if (strcmp (name, "on_lockfailure") == 0) {
    vb_xml_text_element (w, name, def->on_lockfailure);
  } else if (strcmp (name, "devices") == 0) {
    format_devices (w, def, flags);
  }
}

char *
vb_domain_def_format (const VbDomainDef *def, guint format_flags)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  g_autoptr(GList) prefixes = NULL;
  GPtrArray *ns_nodes;

  g_return_val_if_fail (def != NULL, NULL);
  vb_xml_start (w, "domain");
  vb_xml_attr (w, "type", def->virt_type);
  if (def->id >= 0 && !(format_flags & VB_DOMAIN_FORMAT_INACTIVE))
    vb_xml_attr_printf (w, "id", "%d", def->id);
  if (def->namespaces)
    prefixes = g_list_sort (g_hash_table_get_keys (def->namespaces), (GCompareFunc) strcmp);
  for (GList *l = prefixes; l; l = l->next) {
    g_autofree char *attr = g_strdup_printf ("xmlns:%s", (const char *) l->data);
    vb_xml_attr (w, attr, g_hash_table_lookup (def->namespaces, l->data));
  }
  vb_xml_end_open (w);
  for (guint i = 0; vb_domain_def_order[i]; i++) {
    GPtrArray *arr;

    if (str_in (vb_domain_def_order[i], vb_domain_def_typed_top) && strcmp (vb_domain_def_order[i], "cputune") != 0) {
      format_top (w, def, vb_domain_def_order[i], format_flags);
      continue;
    }
    arr = def->opaque ? g_hash_table_lookup (def->opaque, vb_domain_def_order[i]) : NULL;
    write_opaque_array (w, arr);
  }
  ns_nodes = def->opaque ? g_hash_table_lookup (def->opaque, "") : NULL;
  /* hypervisor-specific extensions in their own namespaces go last */
  write_opaque_array (w, ns_nodes);
  vb_xml_close (w);
  return vb_xml_writer_steal (w);
}

/* Metadata ---------------------------------------------------------------------- */

static xmlNode *
metadata_find (xmlNode *metadata, const char *uri)
{
  for (xmlNode *c = metadata ? metadata->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && c->ns && c->ns->href &&
        strcmp ((const char *) c->ns->href, uri) == 0)
      return c;
  return NULL;
}

gboolean
vb_domain_def_set_metadata (VbDomainDef *def, int type, const char *metadata,
                            const char *key, const char *uri, GError **error)
{
  gboolean remove = metadata == NULL || *metadata == '\0';

  switch (type) {
  case VB_DOMAIN_METADATA_DESCRIPTION:
    g_free (def->description);
    def->description = remove ? NULL : g_strdup (metadata);
    return TRUE;
  case VB_DOMAIN_METADATA_TITLE:
    if (!remove && strchr (metadata, '\n')) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "a domain title must not contain a newline");
      return FALSE;
    }
    g_free (def->title);
    def->title = remove ? NULL : g_strdup (metadata);
    return TRUE;
  case VB_DOMAIN_METADATA_ELEMENT:
    break;
  default:
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown metadata type %d", type);
    return FALSE;
  }

  if (uri == NULL || *uri == '\0') {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "element metadata needs a namespace URI");
    return FALSE;
  }
  if (!remove && (key == NULL || *key == '\0' || xmlValidateNCName ((const xmlChar *) key, 0) != 0)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "invalid metadata key '%s'", key ? key : "");
    return FALSE;
  }
  if (remove) {
    xmlNode *old;

    while ((old = metadata_find (def->metadata, uri))) {
      xmlUnlinkNode (old);
      xmlFreeNode (old);
    }
    return TRUE;
  }

  {
    g_autoptr(xmlDoc) frag = NULL;
    xmlNode *root, *copy, *old;
    xmlNs *ns;

    frag = xmlReadMemory (metadata, (int) strlen (metadata), "metadata", NULL,
                          XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_NOBLANKS);
    if (frag == NULL || (root = xmlDocGetRootElement (frag)) == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "metadata is not a well-formed XML element");
      return FALSE;
    }
    if (def->metadata == NULL) {
      xmlDoc *doc = xmlNewDoc ((const xmlChar *) "1.0");
      def->metadata = xmlNewDocNode (doc, NULL, (const xmlChar *) "metadata", NULL);
      xmlDocSetRootElement (doc, def->metadata);
    }
    while ((old = metadata_find (def->metadata, uri))) {
      xmlUnlinkNode (old);
      xmlFreeNode (old);
    }
    copy = xmlDocCopyNode (root, def->metadata->doc, 1);
    /* the element is put into the caller's namespace under the caller's
     * prefix, whatever the fragment itself said */
    ns = xmlNewNs (copy, (const xmlChar *) uri, (const xmlChar *) key);
    xmlSetNs (copy, ns);
    xmlAddChild (def->metadata, copy);
  }
  return TRUE;
}

char *
vb_domain_def_get_metadata (const VbDomainDef *def, int type, const char *uri, GError **error)
{
  const char *value = NULL;

  switch (type) {
  case VB_DOMAIN_METADATA_DESCRIPTION:
    value = def->description;
    break;
  case VB_DOMAIN_METADATA_TITLE:
    value = def->title;
    break;
  case VB_DOMAIN_METADATA_ELEMENT: {
    xmlNode *node;
    g_autoptr(VbXmlWriter) w = NULL;
    g_autofree char *text = NULL;

    if (uri == NULL || *uri == '\0') {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "element metadata needs a namespace URI");
      return NULL;
    }
    node = metadata_find (def->metadata, uri);
    if (node == NULL)
      break;
    w = vb_xml_writer_new ();
    vb_xml_write_node_dump (w, node);
    text = vb_xml_writer_steal (w);
    g_strchomp (text);
    return g_steal_pointer (&text);
  }
  default:
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown metadata type %d", type);
    return NULL;
  }
  if (value == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "metadata not found");
    return NULL;
  }
  return g_strdup (value);
}

/* Hot-plug ---------------------------------------------------------------------- */

static int
find_matching (VbDomainDef *def, const VbDomainDevice *dev)
{
  GPtrArray *arr = vb_domain_def_get_devices (def, dev->kind);
  g_autofree char *want = NULL;

  if (dev->kind == VB_DOMAIN_DEVICE_MEMBALLOON)
    return def->memballoon ? 0 : -1;
  if (dev->kind != VB_DOMAIN_DEVICE_DISK && dev->kind != VB_DOMAIN_DEVICE_INTERFACE)
    want = vb_domain_device_format (dev, VB_DOMAIN_FORMAT_INACTIVE);
  for (guint i = 0; i < array_len (arr); i++) {
    gpointer have = g_ptr_array_index (arr, i);

    if (dev->kind == VB_DOMAIN_DEVICE_DISK) {
      if (g_strcmp0 (((VbDomainDiskDef *) have)->target_dev,
                     ((VbDomainDiskDef *) dev->data)->target_dev) == 0)
        return (int) i;
    } else if (dev->kind == VB_DOMAIN_DEVICE_INTERFACE) {
      if (memcmp (&((VbDomainInterfaceDef *) have)->mac, &((VbDomainInterfaceDef *) dev->data)->mac,
                  sizeof (VbMac)) == 0)
        return (int) i;
    } else {
      VbDomainDevice tmp = { dev->kind, have };
      g_autofree char *got = vb_domain_device_format (&tmp, VB_DOMAIN_FORMAT_INACTIVE);

      if (g_strcmp0 (got, want) == 0)
        return (int) i;
    }
  }
  return -1;
}

gboolean
vb_domain_def_add_device (VbDomainDef *def, VbDomainDeviceKind kind, gpointer data, GError **error)
{
  g_autoptr(VbDomainDevice) dev = g_new0 (VbDomainDevice, 1);

  g_return_val_if_fail (kind < VB_DOMAIN_DEVICE_LAST && data != NULL, FALSE);
  dev->kind = kind;
  dev->data = data;
  if ((kind == VB_DOMAIN_DEVICE_DISK || kind == VB_DOMAIN_DEVICE_INTERFACE) &&
      find_matching (def, dev) >= 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "the domain already has this %s (%s)",
                 vb_domain_device_kind_to_string (kind),
                 kind == VB_DOMAIN_DEVICE_DISK ? "same target dev" : "same MAC address");
    return FALSE;
  }
  if (kind == VB_DOMAIN_DEVICE_DISK)
    vb_domain_disk_assign_address (dev->data);
  return vb_domain_def_append_device (def, dev, error);
}

gboolean
vb_domain_def_attach_device (VbDomainDef *def, const char *device_xml, GError **error)
{
  g_autoptr(VbDomainDevice) dev = vb_domain_device_parse (device_xml, error);

  if (dev == NULL)
    return FALSE;
  return vb_domain_def_add_device (def, dev->kind, g_steal_pointer (&dev->data), error);
}

gboolean
vb_domain_def_detach_device (VbDomainDef *def, const char *device_xml, GError **error)
{
  g_autoptr(VbDomainDevice) dev = vb_domain_device_parse (device_xml, error);
  int idx;

  if (dev == NULL)
    return FALSE;
  /* an interface given without a MAC cannot name one of ours */
  if (dev->kind == VB_DOMAIN_DEVICE_INTERFACE && strstr (device_xml, "<mac") == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "an interface to detach must give its MAC address");
    return FALSE;
  }
  idx = find_matching (def, dev);
  if (idx < 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no matching %s in the domain",
                 vb_domain_device_kind_to_string (dev->kind));
    return FALSE;
  }
  if (dev->kind == VB_DOMAIN_DEVICE_MEMBALLOON)
    g_clear_pointer (&def->memballoon, vb_domain_memballoon_def_free);
  else
    g_ptr_array_remove_index (vb_domain_def_get_devices (def, dev->kind), (guint) idx);
  return TRUE;
}

guint64
vb_domain_def_get_current_memory (const VbDomainDef *def)
{
  return def->current_memory_kib ? def->current_memory_kib : def->memory_kib;
}

guint
vb_domain_def_get_current_vcpus (const VbDomainDef *def)
{
  return def->current_vcpus ? def->current_vcpus : def->vcpus;
}

gboolean
vb_domain_def_set_memory (VbDomainDef *def, guint64 kib, guint flags, GError **error)
{
  if (!(flags & VB_DOMAIN_MEM_MAXIMUM)) {
    if (kib > def->memory_kib) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot set memory higher than max memory");
      return FALSE;
    }
    def->current_memory_kib = kib;
    return TRUE;
  }
  /* <maxMemory> bounds the hot-plug total, so the boot memory stays below it */
  if (def->max_memory_kib && def->max_memory_kib < kib) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "cannot set initial memory size greater than the maximum memory size");
    return FALSE;
  }
  def->memory_kib = kib;
  if (vb_domain_def_get_current_memory (def) > kib)
    def->current_memory_kib = kib;
  return TRUE;
}

gboolean
vb_domain_def_set_vcpus (VbDomainDef *def, guint count, guint flags, GError **error)
{
  if (!(flags & VB_DOMAIN_VCPU_MAXIMUM)) {
    if (count > def->vcpus) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "requested cpu amount exceeds maximum (%u > %u)",
                   count, def->vcpus);
      return FALSE;
    }
    def->current_vcpus = count;
    return TRUE;
  }
  def->vcpus = count;
  if (vb_domain_def_get_current_vcpus (def) > count)
    def->current_vcpus = count;
  return TRUE;
}
