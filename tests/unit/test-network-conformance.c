/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Round trip of libvirt's own network XML corpus, one test case per row of
 * conformance/network/expectations.tsv, following conformance/README.md
 * "How a round-trip test should use it". */
#include <glib.h>
#include <string.h>

#include "vb-error.h"
#include "vb-network-def.h"
#include "vb-test-common.h"
#include "vb-util.h"

typedef enum {
  RESULT_PASS,
  RESULT_PASS_NORMALISED, /* equal after a documented normalisation of an old output */
  RESULT_EXPECTED_DIFF,   /* known bad pair, see known_diffs */
  RESULT_FAIL,
} Result;

static guint counts[RESULT_FAIL + 1];

/* Pairs the README (or the provenance) says cannot match byte for byte. */
static const VbTestNote known_diffs[] = {
  { "openvswitch-net", "stored out has a third portgroup 'native' the stored input lacks (README)" },
  { "routed-network", "out predates libvirt echoing forward@dev as <interface> (old ' />' style file)" },
  { NULL, NULL },
};

/* Old outputs written while libvirt kept the bridge MAC's letter case; the
 * formatter lower-cases (README: "MAC addresses lower-cased"). */
static const VbTestNote mac_case[] = {
  { "dhcp6host-routed-network", "old out keeps upper-case bridge MAC" },
  { "empty-allow-ipv6", "old out keeps upper-case bridge MAC" },
  { NULL, NULL },
};

/* Elements newer than the 9.0 schemas in the corpus: the document is right,
 * the schema is old. */
static const VbTestNote schema_gaps[] = {
  { "netboot-network", "<dhcp><option> is not in the 9.0 network.rng" },
  { "netboot-proxy-network", "<dhcp><option> is not in the 9.0 network.rng" },
  { "hostdev-pf-driver-model", "<driver model> is not in the 9.0 network.rng" },
  { NULL, NULL },
};

static void
record (Result r)
{
  counts[r]++;
  if (r == RESULT_FAIL)
    g_test_fail ();
}

static char *
remove_line (const char *text, const char *line)
{
  g_autoptr(GString) s = g_string_new (text);

  g_string_replace (s, line, "", 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Lower-cases the value of <mac address='…'/> at network level. */
static char *
lower_bridge_mac (const char *text)
{
  char *copy = g_strdup (text);
  char *p = strstr (copy, "  <mac address='");

  if (p != NULL)
    for (p += strlen ("  <mac address='"); *p && *p != '\''; p++)
      *p = g_ascii_tolower (*p);
  return copy;
}

static gboolean
check_schema (const char *name, const char *xml)
{
  g_autoptr(GError) error = NULL;

  if (vb_test_relaxng_validate (xml, "network.rng", &error))
    return TRUE;
  if (vb_test_note_lookup (schema_gaps, name)) {
    g_test_message ("%s: schema gap accepted: %s", name, vb_test_note_lookup (schema_gaps, name));
    return TRUE;
  }
  g_printerr ("%s: formatted output not valid: %s\n%s", name, error->message, xml);
  return FALSE;
}

/* Parses @xml, formats it, checks schema validity and that the output is a
 * fixed point (parse → format gives it back). */
static char *
round_trip (const char *name, const char *xml, guint format_flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetworkDef) def = vb_network_def_parse (xml, 0, &error);
  g_autoptr(VbNetworkDef) again = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;

  if (def == NULL) {
    g_printerr ("%s: parse failed: %s\n", name, error->message);
    return NULL;
  }
  out = vb_network_def_format (def, format_flags);
  if (!check_schema (name, out))
    return NULL;
  again = vb_network_def_parse (out, 0, &error);
  if (again == NULL) {
    g_printerr ("%s: re-parse of formatted output failed: %s\n", name, error->message);
    return NULL;
  }
  out2 = vb_network_def_format (again, format_flags);
  if (!vb_test_compare (name, out, out2))
    return NULL;
  return g_steal_pointer (&out);
}

/* A copy is a walk over the structures, not a round trip through XML: it
 * must format exactly as the original in every form, and stand on its own
 * once the original is freed (under ASan a shared pointer shows there). */
static gboolean
check_copy (const char *name, const char *xml, guint parse_flags)
{
  static const guint format_flags[] = { VB_NETWORK_FORMAT_LIVE, VB_NETWORK_FORMAT_INACTIVE };
  g_autoptr(GError) error = NULL;
  VbNetworkDef *def = vb_network_def_parse (xml, parse_flags, &error);
  g_autoptr(VbNetworkDef) copy = NULL;
  g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  if (def == NULL) {
    g_printerr ("%s: parse with flags %u failed: %s\n", name, parse_flags, error->message);
    return FALSE;
  }
  copy = vb_network_def_copy (def);
  for (guint i = 0; i < G_N_ELEMENTS (format_flags); i++)
    g_ptr_array_add (before, vb_network_def_format (def, format_flags[i]));
  vb_network_def_free (def);
  for (guint i = 0; i < G_N_ELEMENTS (format_flags); i++) {
    g_autofree char *after = vb_network_def_format (copy, format_flags[i]);

    if (!vb_test_compare (name, g_ptr_array_index (before, i), after)) {
      g_printerr ("%s: copy formats differently (parse flags %u, format flags %u)\n",
                  name, parse_flags, format_flags[i]);
      ok = FALSE;
    }
  }
  return ok;
}

static void
test_row (gconstpointer data)
{
  const char *const *row = data;
  const char *name = row[0];
  gboolean has_in = g_strcmp0 (row[1], "yes") == 0;
  gboolean has_out = g_strcmp0 (row[2], "yes") == 0;
  const char *expect = row[3] ? row[3] : "";
  guint flags = strstr (expect, "INACTIVE") ? VB_NETWORK_FORMAT_INACTIVE : VB_NETWORK_FORMAT_LIVE;
  g_autofree char *file = g_strconcat (name, ".xml", NULL);
  g_autofree char *in_path = vb_test_conformance_path ("network", "in", file, NULL);
  g_autofree char *out_path = vb_test_conformance_path ("network", "out", file, NULL);
  g_autofree char *in = has_in ? vb_test_read_file (in_path) : NULL;
  g_autofree char *expected_raw = has_out ? vb_test_read_file (out_path) : NULL;
  g_autofree char *expected = expected_raw ? vb_test_normalize (expected_raw) : NULL;
  g_autofree char *actual = NULL;
  g_autoptr(GError) error = NULL;
  const char *source = has_in ? in : expected;

  vb_util_set_deterministic (TRUE);

  if (g_str_has_prefix (expect, "parse-error")) {
    g_autoptr(VbNetworkDef) def = vb_network_def_parse (in, 0, &error);
    if (def != NULL) {
      g_printerr ("%s: parse should have failed\n", name);
      record (RESULT_FAIL);
      return;
    }
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
    g_test_message ("%s: rejected as expected: %s", name, error->message);
    record (RESULT_PASS);
    return;
  }

  if (g_str_has_prefix (expect, "validate-error")) {
    g_autoptr(VbNetworkDef) def = vb_network_def_parse (in, 0, &error);
    g_autofree char *formatted = NULL;
    if (def == NULL) {
      g_printerr ("%s: parse should succeed: %s\n", name, error->message);
      record (RESULT_FAIL);
      return;
    }
    formatted = vb_network_def_format (def, VB_NETWORK_FORMAT_LIVE);
    if (!check_copy (name, in, VB_NETWORK_PARSE_NONE)) {
      record (RESULT_FAIL);
      return;
    }
    if (!check_schema (name, formatted) || vb_network_def_validate (def, &error)) {
      g_printerr ("%s: validation should have failed\n", name);
      record (RESULT_FAIL);
      return;
    }
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
    g_test_message ("%s: validation rejected as expected: %s", name, error->message);
    record (RESULT_PASS);
    return;
  }

  actual = round_trip (name, source, flags);
  if (actual == NULL || !check_copy (name, source, VB_NETWORK_PARSE_NONE) ||
      !check_copy (name, source, VB_NETWORK_PARSE_STATUS)) {
    record (RESULT_FAIL);
    return;
  }

  if (!has_out) {
    /* input only: parse, schema-valid output, and stable re-parse is all
     * there is to check */
    record (RESULT_PASS);
    return;
  }

  /* Older outputs predate libvirt filling in a bridge MAC; accept its
   * absence when the input had none. */
  if (!strstr (source, "<mac ") && !strstr (expected, "<mac ")) {
    g_autofree char *stripped = remove_line (actual, "  <mac address='52:54:00:00:00:00'/>\n");
    g_free (actual);
    actual = g_steal_pointer (&stripped);
  }

  if (vb_test_note_lookup (known_diffs, name)) {
    /* still show the diff, but it is known */
    vb_test_compare (name, expected, actual);
    /* the stored output on its own is a fixed point (for openvswitch-net
     * this covers the nativeMode tag the input lacks) */
    if (strcmp (name, "openvswitch-net") == 0) {
      g_autofree char *again = round_trip (name, expected, flags);
      if (again == NULL || !vb_test_compare (name, expected, again)) {
        record (RESULT_FAIL);
        return;
      }
    }
    g_test_message ("%s: expected difference: %s", name, vb_test_note_lookup (known_diffs, name));
    record (RESULT_EXPECTED_DIFF);
    return;
  }
  if (g_strcmp0 (expected, actual) == 0) {
    record (RESULT_PASS);
    return;
  }
  if (vb_test_note_lookup (mac_case, name)) {
    g_autofree char *lowered = lower_bridge_mac (expected);
    if (vb_test_compare (name, lowered, actual)) {
      g_test_message ("%s: equal after normalisation: %s", name, vb_test_note_lookup (mac_case, name));
      record (RESULT_PASS_NORMALISED);
      return;
    }
    record (RESULT_FAIL);
    return;
  }
  vb_test_compare (name, expected, actual);
  record (RESULT_FAIL);
}

int
main (int argc, char **argv)
{
  g_autofree char *tsv = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);
  g_test_set_nonfatal_assertions ();

  tsv = vb_test_conformance_path ("network", "expectations.tsv", NULL);
  if (tsv == NULL) {
    g_test_skip ("VB_CONFORMANCE_DIR not set or missing");
    return g_test_run ();
  }
  rows = vb_test_read_tsv (tsv);
  for (guint i = 0; i < rows->len; i++) {
    char **row = g_ptr_array_index (rows, i);
    g_autofree char *path = NULL;

    if (g_strv_length (row) < 4)
      continue;
    path = g_strdup_printf ("/network-conformance/%s", row[0]);
    g_test_add_data_func (path, row, test_row);
  }
  rc = g_test_run ();
  g_print ("# network conformance: %u pass, %u pass after normalising old output, "
           "%u expected-diff, %u fail\n",
           counts[RESULT_PASS], counts[RESULT_PASS_NORMALISED], counts[RESULT_EXPECTED_DIFF],
           counts[RESULT_FAIL]);
  return rc;
}
