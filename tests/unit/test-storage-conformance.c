/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Round trip of libvirt's storage pool and volume XML corpus (v9.0.0),
 * one test case per row of conformance/storagepool/expectations.tsv and
 * conformance/storagevol/expectations.tsv.  Each volume is read against
 * the parent pool its row names, as libvirt's storagevolxml2xmltest does. */
#include <glib.h>
#include <string.h>

#include "vb-error.h"
#include "vb-storage-vol-def.h"
#include "vb-test-common.h"
#include "vb-util.h"

typedef enum {
  RESULT_PASS,
  RESULT_EXPECTED_DIFF, /* a stored output 9.0 itself does not check */
  RESULT_FAIL,
} Result;

typedef enum {
  KIND_POOL,
  KIND_VOL,
} Kind;

static guint counts[2][RESULT_FAIL + 1];

static const VbTestNote known_diffs[] = {
  { "vol-qcow2-nocow", "stored out predates 9.0 dropping the empty <source> (expectations.tsv: not checked by the 9.0 test)" },
  { NULL, NULL },
};

/* $VB_CONFORMANCE_DIR/@folder/@sub/@file, read */
static char *
read_corpus (const char *folder, const char *sub, const char *file)
{
  g_autofree char *path = vb_test_conformance_path (folder, sub, file, NULL);

  return vb_test_read_file (path);
}

static char *
read_expected (const char *folder, const char *file)
{
  g_autofree char *raw = read_corpus (folder, "out", file);

  return vb_test_normalize (raw);
}

static void
record (Kind kind, Result r)
{
  counts[kind][r]++;
  if (r == RESULT_FAIL)
    g_test_fail ();
}

static gboolean
check_schema (const char *name, const char *xml, const char *schema)
{
  g_autoptr(GError) error = NULL;

  if (vb_test_relaxng_validate (xml, schema, &error))
    return TRUE;
  g_printerr ("%s: formatted output not valid against %s: %s\n%s", name, schema, error->message, xml);
  return FALSE;
}

/* What a round trip needs of a kind; @parse reads against @pool (volumes)
 * or ignores it (pools). */
typedef struct {
  const char *schema;
  gpointer (*parse) (const VbStoragePoolDef *pool, const char *xml, guint flags, GError **error);
  char *(*format) (gconstpointer def);
  gpointer (*copy) (gconstpointer def);
  GDestroyNotify free;
} Ops;

static gpointer
pool_parse (const VbStoragePoolDef *unused, const char *xml, guint flags, GError **error)
{
  return vb_storage_pool_def_parse (xml, flags, error);
}

static const Ops pool_ops = {
  "storagepool.rng", pool_parse, (char *(*) (gconstpointer)) vb_storage_pool_def_format,
  (gpointer (*) (gconstpointer)) vb_storage_pool_def_copy, (GDestroyNotify) vb_storage_pool_def_free,
};

static gpointer
vol_parse (const VbStoragePoolDef *pool, const char *xml, guint flags, GError **error)
{
  return vb_storage_vol_def_parse (pool, xml, flags, error);
}

static const Ops vol_ops = {
  "storagevol.rng", vol_parse,
  (char *(*) (gconstpointer)) vb_storage_vol_def_format,
  (gpointer (*) (gconstpointer)) vb_storage_vol_def_copy, (GDestroyNotify) vb_storage_vol_def_free,
};

/* Parses, formats, checks the schema, that the output is a fixed point,
 * and that a copy formats the same once the original is gone (under ASan
 * a shared pointer shows there). */
static char *
round_trip (const Ops *ops, const char *name, const VbStoragePoolDef *pool, const char *xml,
            guint flags)
{
  g_autoptr(GError) error = NULL;
  gpointer def = ops->parse (pool, xml, flags, &error);
  gpointer copy, again;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *out3 = NULL;

  if (def == NULL) {
    g_printerr ("%s: parse failed: %s\n", name, error->message);
    return NULL;
  }
  out = ops->format (def);
  copy = ops->copy (def);
  ops->free (def);
  out3 = ops->format (copy);
  ops->free (copy);
  if (!check_schema (name, out, ops->schema))
    return NULL;
  again = ops->parse (pool, out, 0, &error);
  if (again == NULL) {
    g_printerr ("%s: re-parse of formatted output failed: %s\n", name, error->message);
    return NULL;
  }
  out2 = ops->format (again);
  ops->free (again);
  if (!vb_test_compare (name, out, out2) || !vb_test_compare (name, out, out3))
    return NULL;
  return g_steal_pointer (&out);
}

/* Pools ---------------------------------------------------------------- */

static void
test_pool_row (gconstpointer data)
{
  const char *const *row = data;
  const char *name = row[0];
  gboolean has_out = g_strcmp0 (row[2], "yes") == 0;
  g_autofree char *file = g_strconcat (name, ".xml", NULL);
  g_autofree char *in = read_corpus ("storagepool", "in", file);
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;

  vb_util_set_deterministic (TRUE);
  actual = round_trip (&pool_ops, name, NULL, in, 0);
  if (actual == NULL) {
    record (KIND_POOL, RESULT_FAIL);
    return;
  }
  if (!has_out) {
    record (KIND_POOL, RESULT_PASS);
    return;
  }
  expected = read_expected ("storagepool", file);
  record (KIND_POOL, vb_test_compare (name, expected, actual) ? RESULT_PASS : RESULT_FAIL);
}

/* Volumes -------------------------------------------------------------- */

static VbStoragePoolDef *
parent_pool (const char *expectation)
{
  const char *p = strstr (expectation, "storagepool/in/");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(GError) error = NULL;
  VbStoragePoolDef *pool;

  /* the input-only rows are all file volumes, which storagevolxml2argvtest
   * reads against pool-dir */
  file = p ? g_strndup (p + strlen ("storagepool/in/"), strcspn (p + strlen ("storagepool/in/"), ";) "))
           : g_strdup ("pool-dir.xml");
  path = vb_test_conformance_path ("storagepool", "in", file, NULL);
  xml = vb_test_read_file (path);
  pool = vb_storage_pool_def_parse (xml, 0, &error);
  g_assert_no_error (error);
  return pool;
}

static void
test_vol_row (gconstpointer data)
{
  const char *const *row = data;
  const char *name = row[0];
  gboolean has_out = g_strcmp0 (row[2], "yes") == 0;
  const char *expect = row[3];
  g_autoptr(VbStoragePoolDef) pool = parent_pool (expect);
  g_autofree char *file = g_strconcat (name, ".xml", NULL);
  g_autofree char *in = read_corpus ("storagevol", "in", file);
  g_autofree char *expected = NULL;
  g_autofree char *actual = NULL;
  guint flags = VB_STORAGE_VOL_PARSE_NONE;

  vb_util_set_deterministic (TRUE);
  if (strstr (expect, "NO_CAPACITY")) {
    g_autoptr(GError) error = NULL;
    g_autoptr(VbStorageVolDef) strict = vb_storage_vol_def_parse (pool, in, 0, &error);

    /* the row says so: without the flag, parsing must fail */
    if (strict != NULL) {
      g_printerr ("%s: parsed without NO_CAPACITY\n", name);
      record (KIND_VOL, RESULT_FAIL);
      return;
    }
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
    flags = VB_STORAGE_VOL_PARSE_NO_CAPACITY;
  } else if (!has_out) {
    /* the volume-creation inputs include one that relies on its backing
     * store for the size */
    flags = VB_STORAGE_VOL_PARSE_OPT_CAPACITY;
  }
  actual = round_trip (&vol_ops, name, pool, in, flags);
  if (actual == NULL) {
    record (KIND_VOL, RESULT_FAIL);
    return;
  }
  if (!has_out) {
    record (KIND_VOL, RESULT_PASS);
    return;
  }
  expected = read_expected ("storagevol", file);
  if (vb_test_note_lookup (known_diffs, name)) {
    vb_test_compare (name, expected, actual);
    g_test_message ("%s: expected difference: %s", name, vb_test_note_lookup (known_diffs, name));
    record (KIND_VOL, RESULT_EXPECTED_DIFF);
    return;
  }
  record (KIND_VOL, vb_test_compare (name, expected, actual) ? RESULT_PASS : RESULT_FAIL);
}

static GPtrArray *
add_rows (const char *folder, const char *prefix, GTestDataFunc func)
{
  g_autofree char *tsv = vb_test_conformance_path (folder, "expectations.tsv", NULL);
  GPtrArray *rows = vb_test_read_tsv (tsv);

  for (guint i = 0; i < rows->len; i++) {
    char **row = g_ptr_array_index (rows, i);
    g_autofree char *path = NULL;

    if (g_strv_length (row) < 4)
      continue;
    path = g_strdup_printf ("/%s/%s", prefix, row[0]);
    g_test_add_data_func (path, row, func);
  }
  return rows;
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) pools = NULL;
  g_autoptr(GPtrArray) vols = NULL;
  g_autofree char *root = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  root = vb_test_conformance_path ("storagepool", "expectations.tsv", NULL);
  if (root == NULL) {
    g_test_skip ("VB_CONFORMANCE_DIR not set or missing");
    return g_test_run ();
  }
  pools = add_rows ("storagepool", "storagepool-conformance", test_pool_row);
  vols = add_rows ("storagevol", "storagevol-conformance", test_vol_row);
  rc = g_test_run ();
  g_print ("# storage pool conformance: %u pass, %u expected-diff, %u fail\n",
           counts[KIND_POOL][RESULT_PASS], counts[KIND_POOL][RESULT_EXPECTED_DIFF],
           counts[KIND_POOL][RESULT_FAIL]);
  g_print ("# storage volume conformance: %u pass, %u expected-diff, %u fail\n",
           counts[KIND_VOL][RESULT_PASS], counts[KIND_VOL][RESULT_EXPECTED_DIFF],
           counts[KIND_VOL][RESULT_FAIL]);
  return rc;
}
