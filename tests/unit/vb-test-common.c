/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-test-common.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <stdarg.h>
#include <string.h>

char *
vb_test_conformance_path (const char *first_part, ...)
{
  const char *root = g_getenv ("VB_CONFORMANCE_DIR");
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list ap;
  char *path;

  if (root == NULL || !g_file_test (root, G_FILE_TEST_IS_DIR))
    return NULL;
  g_ptr_array_add (parts, (gpointer) root);
  va_start (ap, first_part);
  for (const char *p = first_part; p; p = va_arg (ap, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (ap);
  g_ptr_array_add (parts, NULL);
  path = g_build_filenamev ((char **) parts->pdata);
  return path;
}

char *
vb_test_read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    g_error ("cannot read %s: %s", path, error->message);
  return contents;
}

static void
collect_error (void *ctx, const char *fmt, ...)
{
  GString *out = ctx;
  va_list ap;

  va_start (ap, fmt);
  g_string_append_vprintf (out, fmt, ap);
  va_end (ap);
}

gboolean
vb_test_relaxng_validate (const char *xml, const char *schema, GError **error)
{
  static GHashTable *cache;
  xmlRelaxNGPtr rng;
  xmlRelaxNGValidCtxtPtr vctxt;
  xmlDocPtr doc;
  g_autoptr(GString) messages = g_string_new (NULL);
  int rc;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) xmlRelaxNGFree);
  rng = g_hash_table_lookup (cache, schema);
  if (rng == NULL) {
    g_autofree char *path = vb_test_conformance_path ("schemas", schema, NULL);
    xmlRelaxNGParserCtxtPtr pctxt = xmlRelaxNGNewParserCtxt (path);

    rng = xmlRelaxNGParse (pctxt);
    xmlRelaxNGFreeParserCtxt (pctxt);
    if (rng == NULL)
      g_error ("cannot load RelaxNG schema %s", path);
    g_hash_table_insert (cache, g_strdup (schema), rng);
  }
  doc = xmlReadMemory (xml, (int) strlen (xml), "formatted.xml", NULL, XML_PARSE_NONET);
  if (doc == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "formatted output is not well-formed");
    return FALSE;
  }
  vctxt = xmlRelaxNGNewValidCtxt (rng);
  xmlRelaxNGSetValidErrors (vctxt, collect_error, collect_error, messages);
  rc = xmlRelaxNGValidateDoc (vctxt, doc);
  xmlRelaxNGFreeValidCtxt (vctxt);
  xmlFreeDoc (doc);
  if (rc != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not valid against %s: %s",
                 schema, messages->str);
    return FALSE;
  }
  return TRUE;
}

char *
vb_test_normalize (const char *xml)
{
  g_autoptr(GString) out = g_string_new (xml);

  g_string_replace (out, " />", "/>", 0);
  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

GPtrArray *
vb_test_read_tsv (const char *path)
{
  g_autofree char *contents = vb_test_read_file (path);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; lines[i]; i++) {
    if (lines[i][0] == '#' || lines[i][0] == '\0')
      continue;
    g_ptr_array_add (rows, g_strsplit (lines[i], "\t", -1));
  }
  return rows;
}

gboolean
vb_test_compare (const char *name, const char *expected, const char *actual)
{
  g_autofree char *dir = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *out = NULL;
  g_autofree char *cmd = NULL;

  if (g_strcmp0 (expected, actual) == 0)
    return TRUE;
  dir = g_dir_make_tmp ("vbdiff-XXXXXX", NULL);
  a = g_build_filename (dir, "expected", NULL);
  b = g_build_filename (dir, "actual", NULL);
  g_file_set_contents (a, expected, -1, NULL);
  g_file_set_contents (b, actual, -1, NULL);
  cmd = g_strdup_printf ("diff -u %s %s", a, b);
  g_spawn_command_line_sync (cmd, &out, NULL, NULL, NULL);
  g_printerr ("--- %s differs:\n%s", name, out ? out : "");
  g_unlink (a);
  g_unlink (b);
  g_rmdir (dir);
  return FALSE;
}

void
vb_test_assert_strings (GPtrArray *seen, const char *const *expected)
{
  g_assert_cmpuint (seen->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; expected[i]; i++)
    g_assert_cmpstr (g_ptr_array_index (seen, i), ==, expected[i]);
  g_ptr_array_set_size (seen, 0);
}

VbDomainDef *
vb_test_parse_domain (const char *xml)
{
  g_autoptr(GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (def);
  return def;
}

void
vb_test_assert_error (const GError *error, GQuark domain, int code, const char *fragment)
{
  g_assert_error (error, domain, code);
  if (strstr (error->message, fragment) == NULL)
    g_error ("error '%s' does not mention '%s'", error->message, fragment);
}

#define VB_TEST_TYPE_BARE_DRIVER (vb_test_bare_driver_get_type ())
G_DECLARE_FINAL_TYPE (VbTestBareDriver, vb_test_bare_driver, VB_TEST, BARE_DRIVER, VbDriver)

struct _VbTestBareDriver {
  VbDriver parent_instance;
};

G_DEFINE_FINAL_TYPE (VbTestBareDriver, vb_test_bare_driver, VB_TYPE_DRIVER)

static void
vb_test_bare_driver_class_init (VbTestBareDriverClass *klass)
{
  VB_DRIVER_CLASS (klass)->name = "Test";
}

static void
vb_test_bare_driver_init (VbTestBareDriver *self)
{
}

VbDriver *
vb_test_bare_driver_new (void)
{
  return g_object_new (VB_TEST_TYPE_BARE_DRIVER, NULL);
}

const char *
vb_test_note_lookup (const VbTestNote *notes, const char *name)
{
  for (guint i = 0; notes[i].name; i++)
    if (strcmp (notes[i].name, name) == 0)
      return notes[i].why;
  return NULL;
}
