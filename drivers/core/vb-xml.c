/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-xml.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <stdarg.h>
#include <string.h>

#include "vb-error.h"

static void
silence_libxml (void *ctx, const char *msg, ...)
{
  /* parse errors are reported through xmlGetLastError, not stderr */
}

xmlDoc *
vb_xml_parse (const char *xml, const char *root_name, GError **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  xmlNode *root;
  gsize len;
  const xmlError *last;

  if (xml == NULL || *xml == '\0') {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "empty XML document");
    return NULL;
  }
  len = strlen (xml);
  if (len > VB_XML_MAX_DOCUMENT) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "XML document of %" G_GSIZE_FORMAT " bytes exceeds the limit of %d bytes",
                 len, VB_XML_MAX_DOCUMENT);
    return NULL;
  }
  xmlResetLastError ();
  xmlSetGenericErrorFunc (NULL, silence_libxml);
  doc = xmlReadMemory (xml, (int) len, root_name, NULL,
                       XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR |
                       XML_PARSE_NOCDATA | XML_PARSE_NSCLEAN);
  if (doc == NULL) {
    last = xmlGetLastError ();
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "malformed XML at line %d: %s",
                 last ? last->line : 0,
                 last && last->message ? g_strchomp (last->message) : "parse error");
    return NULL;
  }
  root = xmlDocGetRootElement (doc);
  if (root == NULL || strcmp ((const char *) root->name, root_name) != 0 || root->ns != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "expected a <%s> document, got <%s>", root_name,
                 root ? (const char *) root->name : "nothing");
    return NULL;
  }
  return g_steal_pointer (&doc);
}

gboolean
vb_xml_is_element (xmlNode *node, const char *name)
{
  return node != NULL && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
         (name == NULL || strcmp ((const char *) node->name, name) == 0);
}

static xmlNode *
find_from (xmlNode *start, const char *name)
{
  for (xmlNode *n = start; n != NULL; n = n->next)
    if (vb_xml_is_element (n, name))
      return n;
  return NULL;
}

xmlNode *
vb_xml_child (xmlNode *node, const char *name)
{
  return node ? find_from (node->children, name) : NULL;
}

xmlNode *
vb_xml_next (xmlNode *node, const char *name)
{
  return node ? find_from (node->next, name) : NULL;
}

guint
vb_xml_count_children (xmlNode *node, const char *name)
{
  guint n = 0;

  for (xmlNode *c = vb_xml_child (node, name); c; c = vb_xml_next (c, name))
    n++;
  return n;
}

char *
vb_xml_prop (xmlNode *node, const char *name)
{
  xmlChar *v;
  char *ret;

  if (node == NULL)
    return NULL;
  v = xmlGetNoNsProp (node, (const xmlChar *) name);
  if (v == NULL)
    return NULL;
  ret = g_strdup ((const char *) v);
  xmlFree (v);
  return ret;
}

char *
vb_xml_text (xmlNode *node)
{
  xmlChar *v;
  char *ret;

  if (node == NULL)
    return NULL;
  v = xmlNodeGetContent (node);
  ret = g_strdup (v ? (const char *) v : "");
  xmlFree (v);
  return ret;
}

char *
vb_xml_child_text (xmlNode *node, const char *name)
{
  return vb_xml_text (vb_xml_child (node, name));
}

static gboolean
bad_attr (xmlNode *node, const char *name, const char *value, const char *what, GError **error)
{
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
               "invalid value '%s' for attribute '%s' of <%s>: %s",
               value, name, (const char *) node->name, what);
  return FALSE;
}

gboolean
vb_xml_prop_uint (xmlNode *node, const char *name, guint base, guint64 max,
                  guint64 *out, gboolean *present, GError **error)
{
  g_autofree char *v = vb_xml_prop (node, name);
  guint64 value;

  if (present)
    *present = v != NULL;
  if (v == NULL)
    return TRUE;
  /* base 0 reads like strtoul: 0x… hex, 0… octal, else decimal (g_ascii_
   * string_to_unsigned itself only takes 2..36) */
  if (base == 0) {
    if (g_str_has_prefix (v, "0x") || g_str_has_prefix (v, "0X")) {
      if (v[2] != '\0' && g_ascii_string_to_unsigned (v + 2, 16, 0, max, &value, NULL)) {
        *out = value;
        return TRUE;
      }
      return bad_attr (node, name, v, "expected an unsigned integer in range", error);
    }
    base = v[0] == '0' && v[1] != '\0' ? 8 : 10;
  }
  if (!g_ascii_string_to_unsigned (v, base, 0, max, &value, NULL))
    return bad_attr (node, name, v, "expected an unsigned integer in range", error);
  *out = value;
  return TRUE;
}

gboolean
vb_xml_prop_int (xmlNode *node, const char *name, gint64 min, gint64 max,
                 gint64 *out, gboolean *present, GError **error)
{
  g_autofree char *v = vb_xml_prop (node, name);
  gint64 value;

  if (present)
    *present = v != NULL;
  if (v == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (v, 10, min, max, &value, NULL))
    return bad_attr (node, name, v, "expected an integer in range", error);
  *out = value;
  return TRUE;
}

static gboolean
prop_bool (xmlNode *node, const char *name, const char *yes, const char *no,
           VbTristate *out, GError **error)
{
  g_autofree char *v = vb_xml_prop (node, name);

  if (v == NULL) {
    *out = VB_TRISTATE_ABSENT;
    return TRUE;
  }
  if (g_strcmp0 (v, yes) == 0)
    *out = VB_TRISTATE_YES;
  else if (g_strcmp0 (v, no) == 0)
    *out = VB_TRISTATE_NO;
  else {
    g_autofree char *what = g_strdup_printf ("expected '%s' or '%s'", yes, no);
    return bad_attr (node, name, v, what, error);
  }
  return TRUE;
}

gboolean
vb_xml_prop_yesno (xmlNode *node, const char *name, VbTristate *out, GError **error)
{
  return prop_bool (node, name, "yes", "no", out, error);
}

gboolean
vb_xml_prop_onoff (xmlNode *node, const char *name, VbTristate *out, GError **error)
{
  return prop_bool (node, name, "on", "off", out, error);
}

const char *
vb_tristate_yesno (VbTristate value)
{
  return value == VB_TRISTATE_YES ? "yes" : value == VB_TRISTATE_NO ? "no" : NULL;
}

const char *
vb_tristate_onoff (VbTristate value)
{
  return value == VB_TRISTATE_YES ? "on" : value == VB_TRISTATE_NO ? "off" : NULL;
}

gboolean
vb_xml_prop_enum (xmlNode *node, const char *name, const char *const *values,
                  int *out, GError **error)
{
  g_autofree char *v = vb_xml_prop (node, name);
  g_autoptr(GString) accepted = NULL;

  *out = 0;
  if (v == NULL)
    return TRUE;
  for (int i = 0; values[i] != NULL; i++) {
    if (strcmp (values[i], v) == 0) {
      *out = i + 1;
      return TRUE;
    }
  }
  accepted = g_string_new ("expected one of");
  for (int i = 0; values[i] != NULL; i++)
    g_string_append_printf (accepted, "%s '%s'", i ? "," : "", values[i]);
  return bad_attr (node, name, v, accepted->str, error);
}

static guint64
unit_scale (const char *unit)
{
  static const char powers[] = "kmgtpe";
  const char *p;
  guint64 base, scale = 1;

  if (unit == NULL)
    return 1024;
  if (g_ascii_strcasecmp (unit, "b") == 0 || g_ascii_strcasecmp (unit, "byte") == 0 ||
      g_ascii_strcasecmp (unit, "bytes") == 0)
    return 1;
  p = unit[0] ? strchr (powers, g_ascii_tolower (unit[0])) : NULL;
  if (p == NULL)
    return 0;
  /* "K", "KiB" are binary, "KB" decimal: libvirt's reading of units,
   * which ignores letter case after the first letter too ("kib", "mb") */
  if (unit[1] == '\0' || g_ascii_strcasecmp (unit + 1, "iB") == 0)
    base = 1024;
  else if (g_ascii_strcasecmp (unit + 1, "B") == 0)
    base = 1000;
  else
    return 0;
  for (long i = 0; i <= p - powers; i++)
    scale *= base;
  return scale;
}

gboolean
vb_xml_scale_to_bytes (const char *value, const char *unit, guint64 *out, GError **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value ? value : ""));
  guint64 number;
  guint64 scale = unit_scale (unit);

  if (!g_ascii_string_to_unsigned (trimmed, 10, 0, G_MAXUINT64, &number, NULL)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "invalid size '%s': expected an unsigned integer", trimmed);
    return FALSE;
  }
  if (scale == 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "unknown size unit '%s'", unit);
    return FALSE;
  }
  if (number > G_MAXUINT64 / scale) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "size %s %s is too large", trimmed, unit ? unit : "KiB");
    return FALSE;
  }
  *out = number * scale;
  return TRUE;
}

gboolean
vb_xml_memory_kib (xmlNode *node, guint64 *out_kib, GError **error)
{
  g_autofree char *text = vb_xml_text (node);
  g_autofree char *unit = vb_xml_prop (node, "unit");
  guint64 bytes;

  if (!vb_xml_scale_to_bytes (text, unit, &bytes, error)) {
    g_prefix_error (error, "<%s>: ", (const char *) node->name);
    return FALSE;
  }
  *out_kib = bytes / 1024 + (bytes % 1024 ? 1 : 0);
  return TRUE;
}

/* Writer ---------------------------------------------------------------- */

struct _VbXmlWriter {
  GString *buf;
  GPtrArray *stack; /* names of open elements, borrowed from callers' literals or owned */
  char *pending;    /* name of the element whose start tag is not yet closed */
};

VbXmlWriter *
vb_xml_writer_new (void)
{
  VbXmlWriter *w = g_new0 (VbXmlWriter, 1);

  w->buf = g_string_sized_new (1024);
  w->stack = g_ptr_array_new_with_free_func (g_free);
  return w;
}

void
vb_xml_writer_free (VbXmlWriter *w)
{
  if (w == NULL)
    return;
  g_string_free (w->buf, TRUE);
  g_ptr_array_unref (w->stack);
  g_free (w->pending);
  g_free (w);
}

char *
vb_xml_writer_steal (VbXmlWriter *w)
{
  char *ret = g_string_free (g_steal_pointer (&w->buf), FALSE);

  w->buf = g_string_new (NULL);
  return ret;
}

guint
vb_xml_indent (VbXmlWriter *w)
{
  return w->stack->len;
}

static void
indent (VbXmlWriter *w)
{
  for (guint i = 0; i < w->stack->len; i++)
    g_string_append (w->buf, "  ");
}

static void
append_escaped (GString *buf, const char *text)
{
  for (const char *p = text; *p; p++) {
    switch (*p) {
    case '<':
      g_string_append (buf, "&lt;");
      break;
    case '>':
      g_string_append (buf, "&gt;");
      break;
    case '&':
      g_string_append (buf, "&amp;");
      break;
    case '\'':
      g_string_append (buf, "&apos;");
      break;
    case '"':
      g_string_append (buf, "&quot;");
      break;
    default:
      g_string_append_c (buf, *p);
    }
  }
}

char *
vb_xml_escape (const char *text)
{
  GString *buf = g_string_new (NULL);

  append_escaped (buf, text);
  return g_string_free (buf, FALSE);
}

void
vb_xml_start (VbXmlWriter *w, const char *name)
{
  g_return_if_fail (w->pending == NULL);
  indent (w);
  g_string_append_c (w->buf, '<');
  g_string_append (w->buf, name);
  w->pending = g_strdup (name);
}

void
vb_xml_attr (VbXmlWriter *w, const char *name, const char *value)
{
  g_return_if_fail (w->pending != NULL);
  if (value == NULL)
    return;
  g_string_append_printf (w->buf, " %s='", name);
  append_escaped (w->buf, value);
  g_string_append_c (w->buf, '\'');
}

void
vb_xml_attr_printf (VbXmlWriter *w, const char *name, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *value = NULL;

  va_start (ap, fmt);
  value = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  vb_xml_attr (w, name, value);
}

void
vb_xml_attr_uint (VbXmlWriter *w, const char *name, guint64 value)
{
  vb_xml_attr_printf (w, name, "%" G_GUINT64_FORMAT, value);
}

void
vb_xml_end_empty (VbXmlWriter *w)
{
  g_return_if_fail (w->pending != NULL);
  g_string_append (w->buf, "/>\n");
  g_clear_pointer (&w->pending, g_free);
}

void
vb_xml_end_open (VbXmlWriter *w)
{
  g_return_if_fail (w->pending != NULL);
  g_string_append (w->buf, ">\n");
  g_ptr_array_add (w->stack, g_steal_pointer (&w->pending));
}

void
vb_xml_end_text (VbXmlWriter *w, const char *text)
{
  g_return_if_fail (w->pending != NULL);
  g_string_append_c (w->buf, '>');
  append_escaped (w->buf, text ? text : "");
  g_string_append_printf (w->buf, "</%s>\n", w->pending);
  g_clear_pointer (&w->pending, g_free);
}

void
vb_xml_close (VbXmlWriter *w)
{
  g_autofree char *name = NULL;

  g_return_if_fail (w->pending == NULL && w->stack->len > 0);
  name = g_ptr_array_steal_index (w->stack, w->stack->len - 1);
  indent (w);
  g_string_append_printf (w->buf, "</%s>\n", name);
}

void
vb_xml_text_element (VbXmlWriter *w, const char *name, const char *text)
{
  if (text == NULL)
    return;
  vb_xml_start (w, name);
  vb_xml_end_text (w, text);
}

void
vb_xml_text_element_printf (VbXmlWriter *w, const char *name, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  vb_xml_text_element (w, name, text);
}

void
vb_xml_raw (VbXmlWriter *w, const char *text)
{
  g_string_append (w->buf, text);
}

static gboolean
is_blank (const xmlChar *s)
{
  for (; s && *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

static gboolean
has_element_children (xmlNode *node)
{
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return TRUE;
  return FALSE;
}

static void
qualified_name (xmlNode *node, GString *out)
{
  if (node->ns && node->ns->prefix)
    g_string_append_printf (out, "%s:", (const char *) node->ns->prefix);
  g_string_append (out, (const char *) node->name);
}

static void
write_node (VbXmlWriter *w, xmlNode *node, gboolean declare_ns)
{
  g_autoptr(GString) qname = g_string_new (NULL);

  qualified_name (node, qname);
  vb_xml_start (w, qname->str);
  /* A namespaced element copied out of its document needs the declaration
   * of its own namespace; inner elements of the same namespace don't. */
  if (declare_ns) {
    for (xmlNs *ns = node->nsDef; ns; ns = ns->next) {
      g_autofree char *attr = ns->prefix ? g_strdup_printf ("xmlns:%s", ns->prefix)
                                         : g_strdup ("xmlns");
      vb_xml_attr (w, attr, (const char *) ns->href);
    }
    if (node->nsDef == NULL && node->ns && node->ns->href) {
      g_autofree char *attr = node->ns->prefix
                                  ? g_strdup_printf ("xmlns:%s", node->ns->prefix)
                                  : g_strdup ("xmlns");
      vb_xml_attr (w, attr, (const char *) node->ns->href);
    }
  } else {
    for (xmlNs *ns = node->nsDef; ns; ns = ns->next) {
      g_autofree char *attr = ns->prefix ? g_strdup_printf ("xmlns:%s", ns->prefix)
                                         : g_strdup ("xmlns");
      vb_xml_attr (w, attr, (const char *) ns->href);
    }
  }
  for (xmlAttr *a = node->properties; a; a = a->next) {
    g_autoptr(GString) aname = g_string_new (NULL);
    xmlChar *value = xmlNodeListGetString (node->doc, a->children, 1);

    if (a->ns && a->ns->prefix)
      g_string_append_printf (aname, "%s:", (const char *) a->ns->prefix);
    g_string_append (aname, (const char *) a->name);
    vb_xml_attr (w, aname->str, value ? (const char *) value : "");
    xmlFree (value);
  }
  if (node->children == NULL) {
    vb_xml_end_empty (w);
    return;
  }
  if (!has_element_children (node)) {
    g_autofree char *text = vb_xml_text (node);
    vb_xml_end_text (w, text);
    return;
  }
  vb_xml_end_open (w);
  for (xmlNode *c = node->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) {
      write_node (w, c, c->ns != node->ns && c->ns != NULL && c->nsDef == NULL);
    } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
               !is_blank (c->content)) {
      g_autofree char *trimmed = g_strstrip (g_strdup ((const char *) c->content));
      indent (w);
      append_escaped (w->buf, trimmed);
      g_string_append_c (w->buf, '\n');
    }
  }
  vb_xml_close (w);
}

void
vb_xml_write_node (VbXmlWriter *w, xmlNode *node)
{
  write_node (w, node, node->ns != NULL);
}

void
vb_xml_write_node_dump (VbXmlWriter *w, xmlNode *node)
{
  g_autoptr(xmlDoc) doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNode *copy = xmlDocCopyNode (node, doc, 1);
  xmlBuffer *buf = xmlBufferCreate ();

  xmlDocSetRootElement (doc, copy);
  /* xmlReconciliateNs gives the copy the declarations its names need */
  xmlReconciliateNs (doc, copy);
  /* libxml2 indents the children itself from the level we give it (as
   * libvirt does); re-indenting the dumped lines afterwards would also
   * shift the continuation lines of multi-line text and change it */
  xmlNodeDump (buf, doc, copy, (int) w->stack->len, 1);
  indent (w);
  g_string_append (w->buf, (const char *) xmlBufferContent (buf));
  g_string_append_c (w->buf, '\n');
  xmlBufferFree (buf);
}

xmlNode *
vb_xml_opaque_copy (xmlNode *node)
{
  xmlDoc *doc;
  xmlNode *copy;

  if (node == NULL)
    return NULL;
  doc = xmlNewDoc ((const xmlChar *) "1.0");
  copy = xmlDocCopyNode (node, doc, 1);

  xmlDocSetRootElement (doc, copy);
  xmlReconciliateNs (doc, copy);
  return copy;
}

void
vb_xml_opaque_free (xmlNode *node)
{
  if (node)
    xmlFreeDoc (node->doc);
}

static gpointer
opaque_copy_func (gconstpointer node, gpointer unused)
{
  return vb_xml_opaque_copy ((xmlNode *) node);
}

GPtrArray *
vb_xml_opaque_array_copy (const GPtrArray *nodes)
{
  /* g_ptr_array_copy keeps the element free function of @nodes */
  return nodes ? g_ptr_array_copy ((GPtrArray *) nodes, opaque_copy_func, NULL) : NULL;
}
