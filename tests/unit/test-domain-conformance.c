/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Round trips of libvirt's own domain XML test data (see
 * ../shared/conformance/README.md): one test case per corpus file. */
#include <glib.h>
#include <string.h>

#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-test-common.h"

typedef struct {
  char *name;     /* test name, e.g. "in/tseg" */
  char *input;    /* path */
  char *expected; /* path, or NULL for idempotence */
  char *result;   /* same / different / parse-fail / qemu */
  gboolean known_mismatch;
} Case;

static guint n_pass, n_fail, n_known;
static GPtrArray *failures;

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->name);
  g_free (c->input);
  g_free (c->expected);
  g_free (c->result);
  g_free (c);
}

/* The schemas are libvirt 9.0's; some corpus inputs use newer elements
 * (energytune, iommufd, NVMe controllers, …) that they do not know.  Output
 * is validated whenever the input itself is valid. */
static char *
format_checked (const VbDomainDef *def, const char *name, const char *input, gboolean *ok)
{
  char *xml = vb_domain_def_format (def, 0);
  g_autoptr(GError) error = NULL;

  if (!vb_test_relaxng_validate (input, "domain.rng", NULL)) {
    g_test_message ("%s: input is newer than the 9.0 schema; output not validated", name);
    return xml;
  }
  if (!vb_test_relaxng_validate (xml, "domain.rng", &error)) {
    g_test_message ("%s: formatted output is not valid: %s", name, error->message);
    *ok = FALSE;
  }
  return xml;
}

static const guint copy_format_flags[] = {
  0,
  VB_DOMAIN_FORMAT_INACTIVE,
  VB_DOMAIN_FORMAT_SECURE,
  VB_DOMAIN_FORMAT_INACTIVE | VB_DOMAIN_FORMAT_SECURE,
};

/* A copy is a walk over the structures, not a round trip through XML: it
 * must format exactly as the original in every form, and stand on its own
 * once the original is freed (under ASan a shared pointer shows there). */
static gboolean
check_copy (const char *name, const char *input, guint parse_flags)
{
  g_autoptr(GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (input, parse_flags, &error);
  g_autoptr(VbDomainDef) copy = NULL;
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  if (def == NULL) {
    g_test_message ("%s: parse with flags %u failed: %s", name, parse_flags, error->message);
    return FALSE;
  }
  copy = vb_domain_def_copy (def);
  for (guint i = 0; i < G_N_ELEMENTS (copy_format_flags); i++)
    g_ptr_array_add (before, vb_domain_def_format (def, copy_format_flags[i]));
  vb_domain_def_free (def);
  for (guint i = 0; i < G_N_ELEMENTS (copy_format_flags); i++) {
    g_autofree char *after = vb_domain_def_format (copy, copy_format_flags[i]);

    if (!vb_test_compare (name, g_ptr_array_index (before, i), after)) {
      g_test_message ("%s: copy formats differently (parse flags %u, format flags %u)",
                      name, parse_flags, copy_format_flags[i]);
      ok = FALSE;
    }
  }
  return ok;
}

/* Returns whether the case passed, reporting what went wrong. */
static gboolean
run_case (const Case *c)
{
  g_autofree char *input = vb_test_read_file (c->input);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomainDef) def = vb_domain_def_parse (input, 0, &error);
  g_autoptr(VbDomainDef) def2 = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  gboolean ok = TRUE;

  if (strcmp (c->result, "parse-fail") == 0) {
    if (def != NULL) {
      g_test_message ("%s: parsed, but libvirt rejects it", c->name);
      return FALSE;
    }
    g_test_message ("%s: rejected as expected: %s", c->name, error->message);
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
    return TRUE;
  }
  if (def == NULL) {
    g_test_message ("%s: parse failed: %s", c->name, error->message);
    return FALSE;
  }
  if (!check_copy (c->name, input, 0) || !check_copy (c->name, input, VB_DOMAIN_PARSE_LIVE))
    ok = FALSE;
  out = format_checked (def, c->name, input, &ok);
  /* every formatted document must parse back to the same thing */
  def2 = vb_domain_def_parse (out, 0, &error);
  if (def2 == NULL) {
    g_test_message ("%s: re-parse failed: %s", c->name, error->message);
    return FALSE;
  }
  out2 = vb_domain_def_format (def2, 0);
  if (!vb_test_compare (c->name, out, out2)) {
    g_test_message ("%s: format is not stable", c->name);
    ok = FALSE;
  }
  if (c->expected) {
    g_autofree char *raw = vb_test_read_file (c->expected);
    g_autofree char *expected = vb_test_normalize (raw);

    if (!vb_test_compare (c->name, expected, out)) {
      g_test_message ("%s: output differs from %s", c->name, c->expected);
      ok = FALSE;
    }
  }
  return ok;
}

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  gboolean ok;

  vb_util_set_deterministic (TRUE);
  ok = run_case (c);
  if (ok) {
    n_pass++;
  } else if (c->known_mismatch) {
    n_known++;
    g_test_message ("%s: known mismatch (stored output is from another libvirt version)", c->name);
  } else {
    n_fail++;
    g_ptr_array_add (failures, g_strdup (c->name));
    g_test_fail ();
  }
}

static void
test_summary (void)
{
  g_print ("# domain conformance: %u passed, %u failed, %u known mismatches\n",
           n_pass, n_fail, n_known);
  for (guint i = 0; i < failures->len; i++)
    g_print ("#   failed: %s\n", (const char *) g_ptr_array_index (failures, i));
}

static char *
strip_xml (const char *file)
{
  g_autofree char *base = g_path_get_basename (file);

  if (g_str_has_suffix (base, ".xml"))
    base[strlen (base) - 4] = '\0';
  return g_steal_pointer (&base);
}

int
main (int argc, char **argv)
{
  g_autofree char *tsv = NULL;
  g_autofree char *qemu_dir = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (case_free);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) qemu_files = g_ptr_array_new_with_free_func (g_free);
  int ret;

  g_test_init (&argc, &argv, NULL);
  failures = g_ptr_array_new_with_free_func (g_free);
  tsv = vb_test_conformance_path ("domain", "expectations.tsv", NULL);
  if (tsv == NULL) {
    g_test_skip ("conformance corpus not found (VB_CONFORMANCE_DIR)");
    return g_test_run ();
  }
  rows = vb_test_read_tsv (tsv);
  for (guint i = 0; i < rows->len; i++) {
    char **row = g_ptr_array_index (rows, i);
    Case *c;
    g_autofree char *test_path = NULL;

    if (g_strv_length (row) < 4)
      continue;
    c = g_new0 (Case, 1);
    c->input = vb_test_conformance_path ("domain", row[0], NULL);
    c->result = g_strdup (row[1]);
    if (strcmp (row[1], "parse-fail") != 0 && !g_str_has_prefix (row[3], "NOT AVAILABLE") &&
        strcmp (row[3], "-") != 0)
      c->expected = vb_test_conformance_path ("domain", row[3], NULL);
    c->known_mismatch = row[4] && strstr (row[4], "KNOWN MISMATCH") != NULL;
    {
      g_autofree char *stem = strip_xml (row[0]);
      g_autofree char *folder = g_path_get_dirname (row[0]);
      c->name = g_strdup_printf ("%s/%s", folder, stem);
    }
    g_ptr_array_add (cases, c);
    test_path = g_strdup_printf ("/domain-conformance/%s", c->name);
    g_test_add_data_func (test_path, c, test_case);
  }
  qemu_dir = vb_test_conformance_path ("domain", "qemu-in", NULL);
  dir = g_dir_open (qemu_dir, 0, NULL);
  for (const char *f; dir && (f = g_dir_read_name (dir));)
    if (g_str_has_suffix (f, ".xml"))
      g_ptr_array_add (qemu_files, g_strdup (f));
  g_ptr_array_sort (qemu_files, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < qemu_files->len; i++) {
    const char *f = *(const char **) &g_ptr_array_index (qemu_files, i);
    Case *c = g_new0 (Case, 1);
    g_autofree char *stem = strip_xml (f);
    g_autofree char *test_path = NULL;

    /* qemu-out also holds what the QEMU driver adds (PCI addresses, default
     * controllers); without those defaults only stability is checked */
    c->input = g_build_filename (qemu_dir, f, NULL);
    c->result = g_strdup ("qemu");
    c->name = g_strdup_printf ("qemu-in/%s", stem);
    g_ptr_array_add (cases, c);
    test_path = g_strdup_printf ("/domain-conformance/%s", c->name);
    g_test_add_data_func (test_path, c, test_case);
  }
  g_test_add_func ("/domain-conformance/~summary/all", test_summary);
  ret = g_test_run ();
  g_ptr_array_unref (failures);
  return ret;
}
