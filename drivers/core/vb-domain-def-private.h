/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the parts of vb-domain-def share, private to drivers/core:
 *   vb-domain-def.c            the definition: new, free, format, metadata, hot-plug
 *   vb-domain-def-parse.c      the document: top-level parse, <cputune>, defaults
 *   vb-domain-def-device.c     one device: disk, controller, video, input,
 *                              memballoon, and the dispatch over kinds
 *   vb-domain-def-device-io.c  the devices that reach the host: character
 *                              devices, interfaces, graphics
 *   vb-domain-def-copy.c       the structure copy */

#include "vb-domain-def.h"
#include "vb-error.h"

G_BEGIN_DECLS

#define INVALID vb_error_invalid_config

/* Children of <domain> in libvirt's order, and those of them the model types */
extern const char *const vb_domain_def_order[];
extern const char *const vb_domain_def_typed_top[];

static inline gboolean
str_in (const char *s, const char *const *table)
{
  for (guint i = 0; table[i]; i++)
    if (g_strcmp0 (s, table[i]) == 0)
      return TRUE;
  return FALSE;
}

static inline char *
prop (xmlNode *node, const char *name)
{
  return vb_xml_prop (node, name);
}

static inline void
opaque_free (gpointer node)
{
  vb_xml_opaque_free (node);
}

static inline GPtrArray *
opaque_array_new (void)
{
  return g_ptr_array_new_with_free_func (opaque_free);
}

/* Arrays are created with their first element, not up front: most of
 * them stay empty and virtbusd holds thousands of definitions. */
static inline void
array_add_lazy (GPtrArray **arr, GDestroyNotify free_func, gpointer item)
{
  if (*arr == NULL)
    *arr = g_ptr_array_new_with_free_func (free_func);
  g_ptr_array_add (*arr, item);
}

static inline guint
array_len (const GPtrArray *arr)
{
  return arr ? arr->len : 0;
}

static inline void
write_opaque_array (VbXmlWriter *w, GPtrArray *arr)
{
  for (guint i = 0; arr && i < arr->len; i++)
    vb_xml_write_node (w, g_ptr_array_index (arr, i));
}

int vb_domain_device_kind_from_name (const char *name);
gboolean vb_domain_def_node_is_simple (xmlNode *node, const char *const *attrs);
gboolean vb_domain_def_later_repeat (xmlNode *node, const char *const *typed);
void vb_domain_def_write_rest (VbXmlWriter *w, xmlNode *node, const char *const *skip);

/* The definition */
GDestroyNotify vb_domain_device_free_func (VbDomainDeviceKind kind);
/* Takes @dev's data; no checks beyond one <memballoon> */
gboolean vb_domain_def_append_device (VbDomainDef *def, VbDomainDevice *dev, GError **error);
void vb_domain_def_add_opaque (VbDomainDef *def, const char *key, xmlNode *node);

/* <address>, <alias>, <boot> and the children a device keeps */
void vb_domain_device_info_clear (VbDomainDeviceInfo *info);
int vb_domain_device_info_take (VbDomainDeviceInfo *info, xmlNode *child, GError **error);
void vb_domain_device_info_keep (VbDomainDeviceInfo *info, xmlNode *child);
void vb_domain_device_info_format (VbXmlWriter *w, const VbDomainDeviceInfo *info);
gboolean vb_domain_device_address_is (const VbDomainDeviceInfo *info, const char *type);

/* One device of any kind */
VbDomainDevice *vb_domain_device_parse_node (xmlNode *node, GError **error);
void vb_domain_device_write (VbXmlWriter *w, VbDomainDeviceKind kind, gconstpointer data, guint flags);
void vb_domain_disk_assign_address (VbDomainDiskDef *d);
void vb_domain_input_def_free (VbDomainInputDef *in);
void vb_domain_memballoon_def_format (VbXmlWriter *w, const VbDomainMemballoonDef *m);

/* Character devices, interfaces, graphics */
void vb_domain_chardev_source_clear (VbDomainChardevSource *s);
gboolean vb_domain_chardev_source_parse (VbDomainChardevSource *s, xmlNode *dev, const char *type,
                                         gboolean path_optional, GError **error);
void vb_domain_chardev_source_format (VbXmlWriter *w, const VbDomainChardevSource *s, guint flags);
void vb_domain_chardev_def_free (VbDomainChardevDef *chr);
VbDomainChardevDef *vb_domain_chardev_def_parse (xmlNode *node, VbDomainDeviceKind kind, GError **error);
void vb_domain_chardev_def_format (VbXmlWriter *w, const VbDomainChardevDef *chr, guint flags);
VbDomainInterfaceDef *vb_domain_interface_def_parse (xmlNode *node, GError **error);
void vb_domain_interface_def_format (VbXmlWriter *w, const VbDomainInterfaceDef *n);
void vb_domain_graphics_def_free (VbDomainGraphicsDef *g);
VbDomainGraphicsDef *vb_domain_graphics_def_parse (xmlNode *node, GError **error);
void vb_domain_graphics_def_format (VbXmlWriter *w, const VbDomainGraphicsDef *g, guint flags);
gboolean vb_domain_opaque_device_check (VbDomainDeviceKind kind, xmlNode *node, GError **error);

G_END_DECLS
