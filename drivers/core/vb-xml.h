/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* Reading ---------------------------------------------------------------- */

/* Parses @xml with every network access, entity expansion and DTD loading
 * disabled, and checks the root element is @root_name.  Sizes above
 * VB_XML_MAX_DOCUMENT are refused before parsing. */
#define VB_XML_MAX_DOCUMENT (10 * 1024 * 1024)
xmlDoc *vb_xml_parse (const char *xml, const char *root_name, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* First element child of @node named @name (no namespace), or NULL. */
xmlNode *vb_xml_child (xmlNode *node, const char *name);
/* Next element sibling after @node named @name, or NULL. */
xmlNode *vb_xml_next (xmlNode *node, const char *name);
guint vb_xml_count_children (xmlNode *node, const char *name);
gboolean vb_xml_is_element (xmlNode *node, const char *name);

/* Attribute value as a newly allocated string, or NULL when absent. */
char *vb_xml_prop (xmlNode *node, const char *name);
/* Element text content (all text children concatenated), or NULL when the
 * element is absent. */
char *vb_xml_child_text (xmlNode *node, const char *name);
char *vb_xml_text (xmlNode *node);

/* Typed attribute readers.  Each returns TRUE and leaves *@out untouched when
 * the attribute is absent (*@present, if given, says which), and FALSE with a
 * VB_ERROR_INVALID_CONFIG that names @node and @name when it is malformed. */
gboolean vb_xml_prop_uint (xmlNode *node, const char *name, guint base, guint64 max,
                           guint64 *out, gboolean *present, GError **error);
gboolean vb_xml_prop_int (xmlNode *node, const char *name, gint64 min, gint64 max,
                          gint64 *out, gboolean *present, GError **error);
/* yes/no (and on/off when @allow_on_off) into VbTristate */
typedef enum {
  VB_TRISTATE_ABSENT = 0,
  VB_TRISTATE_YES,
  VB_TRISTATE_NO,
} VbTristate;
gboolean vb_xml_prop_yesno (xmlNode *node, const char *name, VbTristate *out, GError **error);
gboolean vb_xml_prop_onoff (xmlNode *node, const char *name, VbTristate *out, GError **error);
const char *vb_tristate_yesno (VbTristate value);
const char *vb_tristate_onoff (VbTristate value);

/* Maps an attribute through a NULL-terminated table of accepted strings into
 * its index (+1; 0 means absent). */
gboolean vb_xml_prop_enum (xmlNode *node, const char *name, const char *const *values,
                           int *out, GError **error);

/* Memory sizes with libvirt's unit attribute ("b", "KiB", "MB", "G", …) into
 * KiB, rounding up as libvirt does. */
gboolean vb_xml_memory_kib (xmlNode *node, guint64 *out_kib, GError **error);
gboolean vb_xml_scale_to_bytes (const char *value, const char *unit, guint64 *out, GError **error);

/* Writing, in libvirt's canonical style: two-space indent, attributes in
 * single quotes, <>&'" escaped, empty elements as <x/>. ---------------- */

typedef struct _VbXmlWriter VbXmlWriter;

VbXmlWriter *vb_xml_writer_new (void);
void vb_xml_writer_free (VbXmlWriter *w);
char *vb_xml_writer_steal (VbXmlWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbXmlWriter, vb_xml_writer_free)

/* "<name" — follow with vb_xml_attr* then vb_xml_end_empty() or
 * vb_xml_end_open(). */
void vb_xml_start (VbXmlWriter *w, const char *name);
void vb_xml_attr (VbXmlWriter *w, const char *name, const char *value); /* skipped when NULL */
void vb_xml_attr_printf (VbXmlWriter *w, const char *name, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
void vb_xml_attr_uint (VbXmlWriter *w, const char *name, guint64 value);
void vb_xml_end_empty (VbXmlWriter *w);                  /* "/>\n" */
void vb_xml_end_open (VbXmlWriter *w);                   /* ">\n", indent++ */
void vb_xml_end_text (VbXmlWriter *w, const char *text); /* ">text</name>\n" */
void vb_xml_close (VbXmlWriter *w);                      /* indent--, "</name>\n" */
/* "<name>text</name>" on one line; nothing when @text is NULL */
void vb_xml_text_element (VbXmlWriter *w, const char *name, const char *text);
void vb_xml_text_element_printf (VbXmlWriter *w, const char *name, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
/* Raw text appended after the current indentation; for callers that already
 * hold formatted XML. */
void vb_xml_raw (VbXmlWriter *w, const char *text);
guint vb_xml_indent (VbXmlWriter *w);

/* Re-emits an element that the model keeps opaquely (schema-allowed but not
 * typed) in the canonical style, re-indented at the current level: attribute
 * quoting becomes single quotes, whitespace-only text between children is
 * replaced by canonical indentation, other text is kept.  Namespaced nodes
 * keep their prefix and get the xmlns declaration they need. */
void vb_xml_write_node (VbXmlWriter *w, xmlNode *node);
/* As libvirt does for <metadata> children: libxml2's own dump (double
 * quotes), re-indented to the current level. */
void vb_xml_write_node_dump (VbXmlWriter *w, xmlNode *node);

/* Deep copy of an element, detached, in its own document so it outlives the
 * parsed one; free with vb_xml_opaque_free.  NULL gives NULL. */
xmlNode *vb_xml_opaque_copy (xmlNode *node);
void vb_xml_opaque_free (xmlNode *node);
/* A new array holding an opaque copy of each element of @nodes, with the
 * same free function; NULL gives NULL, empty gives empty. */
GPtrArray *vb_xml_opaque_array_copy (const GPtrArray *nodes);

char *vb_xml_escape (const char *text);

G_END_DECLS
