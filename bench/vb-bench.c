/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vb-bench: virtbusd against a bare GDBus server on one private bus.
 *
 * Absolute times on a small, shared machine say little; what is stable is
 * how virtbusd compares with a server that does nothing but answer. So every
 * figure is taken next to a reference figure from the echo server, in
 * alternating batches, and the table reports medians and their ratio.
 * The QEMU and network sections compare with the same work done by hand. */
#include "vb-bench.h"

static gboolean
bench_run (Bench *b, GError **error)
{
  const Plan *plan = b->quick ? &quick_plan : &full_plan;

  b->tmpdir = g_dir_make_tmp ("vb-bench-XXXXXX", error);
  if (b->tmpdir == NULL)
    return FALSE;
  if (!start_bus (b, error))
    return FALSE;
  if (!phase_start (b, error))
    return FALSE;
  if (!phase_calls (b, plan, error))
    return FALSE;
  if (!measure_list (b, plan->small_count, plan->small_iterations, plan->list_rounds, FALSE, error))
    return FALSE;
  if (!measure_list (b, plan->large_count, plan->large_iterations, plan->list_rounds, TRUE, error))
    return FALSE;
  if (!phase_startup (b, plan, error))
    return FALSE;
  if (!phase_qemu (b, plan, error))
    return FALSE;
  return phase_network (b, plan, error);
}

/* Output ---------------------------------------------------------------- */

static char *
format_value (RowKind kind, double v)
{
  if (isnan (v))
    return g_strdup ("—");
  switch (kind) {
  case ROW_TIME:
    return v < 1000 ? g_strdup_printf ("%.1f µs", v) : g_strdup_printf ("%.2f ms", v / 1000);
  case ROW_RATE:
    return g_strdup_printf ("%.0f/s", v);
  case ROW_COUNT:
    return g_strdup_printf ("%.0f", v);
  case ROW_MEMORY:
  default:
    return fabs (v) < 1024 ? g_strdup_printf ("%.0f KiB", v) : g_strdup_printf ("%.2f MiB", v / 1024);
  }
}

static void
print_cell (GString *out, const char *text, guint width)
{
  glong len = g_utf8_strlen (text, -1);

  g_string_append (out, text);
  for (glong i = len; i < (glong) width; i++)
    g_string_append_c (out, ' ');
  g_string_append (out, "  ");
}

static void
print_table (Bench *b)
{
  static const guint widths[] = { 30, 11, 22, 7, 22, 4 };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *rule = NULL;
  const char *headers[] = { "measurement", "virtbusd", "reference", "ratio", "goal", "",
                            "libvirt-dbus 1.4.1" };

  g_ptr_array_sort (b->rows, compare_rows);
  for (gsize i = 0; i < G_N_ELEMENTS (widths); i++)
    print_cell (out, headers[i], widths[i]);
  g_string_append_printf (out, "%s\n", headers[G_N_ELEMENTS (widths)]);
  rule = g_strnfill (out->len > 130 ? 130 : out->len - 1, '-');
  g_string_append_printf (out, "%s\n", rule);

  for (guint i = 0; i < b->rows->len; i++) {
    const Row *row = g_ptr_array_index (b->rows, i);
    g_autofree char *value = row->error ? g_strdup ("FAILED") : format_value (row->kind, row->value);
    g_autofree char *ref_value = format_value (row->kind, row->reference);
    g_autofree char *reference = isnan (row->reference)
                                   ? g_strdup ("—")
                                   : g_strdup_printf ("%s %s", row->reference_label, ref_value);
    g_autofree char *ratio = isnan (row->ratio) ? g_strdup ("—")
                                                : g_strdup_printf ("%.2f×", row->ratio);
    int met = row_goal_met (row);

    print_cell (out, row->label, widths[0]);
    print_cell (out, value, widths[1]);
    print_cell (out, reference, widths[2]);
    print_cell (out, ratio, widths[3]);
    print_cell (out, row->goal_text ? row->goal_text : "—", widths[4]);
    print_cell (out, met < 0 ? "" : met ? "ok" : "MISS", widths[5]);
    g_string_append_printf (out, "%s\n", row->libvirt_dbus);
  }
  /* Raw bytes: g_print would turn the UTF-8 into '?' under a C locale. */
  fputs ("\n", stdout);
  fputs (out->str, stdout);
  fputs ("\nvirtbusd and reference are medians; ratio is virtbusd's cost over the reference's\n"
           "(time per operation, or memory), so below 1 is better, and for the /s rows it is\n"
           "the ratio of cycle times. \"2 echo\" is two echo round trips carrying the same\n"
           "payload; Paths(n) is the echo server answering n domain-shaped paths.\n"
           "libvirt-dbus 1.4.1 figures are quoted from the issue (another machine): text only.\n",
         stdout);
  for (guint i = 0; i < b->notes->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (b->notes, i));
  if (b->skipped->len > 0) {
    printf ("\nSkipped (%u):\n", b->skipped->len);
    for (guint i = 0; i < b->skipped->len; i++)
      printf ("  - %s\n", (const char *) g_ptr_array_index (b->skipped, i));
  }
  if (b->failures->len > 0) {
    printf ("\nFailures (%u):\n", b->failures->len);
    for (guint i = 0; i < b->failures->len; i++)
      printf ("  - %s\n", (const char *) g_ptr_array_index (b->failures, i));
  }
  fflush (stdout);
}

static void
json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const char *p = s ? s : ""; *p; p++) {
    guchar c = *p;

    if (c == '"' || c == '\\')
      g_string_append_printf (out, "\\%c", c);
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c < 0x20)
      g_string_append_printf (out, "\\u%04x", c);
    else
      g_string_append_c (out, c);
  }
  g_string_append_c (out, '"');
}

static void
json_number (GString *out, double v)
{
  if (isnan (v) || isinf (v))
    g_string_append (out, "null");
  else
    g_string_append_printf (out, "%.6g", v);
}

static void
json_stats (GString *out, const char *key, const Stats *s)
{
  g_string_append_printf (out, ", \"%s\": {\"median\": ", key);
  json_number (out, s->median);
  g_string_append (out, ", \"p10\": ");
  json_number (out, s->p10);
  g_string_append (out, ", \"p90\": ");
  json_number (out, s->p90);
  g_string_append_printf (out, ", \"samples\": %u}", s->n);
}

static gboolean
write_json (Bench *b, const char *path, GError **error)
{
  static const char *const units[] = { "us", "per_s", "kib", "count" };
  g_autoptr(GString) out = g_string_new ("{\n  \"virtbusd\": ");

  json_string (out, b->virtbusd_path);
  g_string_append_printf (out, ",\n  \"quick\": %s,\n  \"cpus\": %u,\n  \"measurements\": [\n",
                          b->quick ? "true" : "false", g_get_num_processors ());
  for (guint i = 0; i < b->rows->len; i++) {
    const Row *row = g_ptr_array_index (b->rows, i);
    int met = row_goal_met (row);

    g_string_append (out, "    {\"id\": ");
    json_string (out, row->id);
    g_string_append (out, ", \"label\": ");
    json_string (out, row->label);
    g_string_append_printf (out, ", \"unit\": \"%s\", \"virtbusd\": ", units[row->kind]);
    json_number (out, row->value);
    g_string_append (out, ", \"reference\": ");
    json_number (out, row->reference);
    g_string_append (out, ", \"reference_label\": ");
    json_string (out, row->reference_label);
    g_string_append (out, ", \"ratio\": ");
    json_number (out, row->ratio);
    g_string_append (out, ", \"goal\": ");
    if (row->goal_kind == GOAL_NONE)
      g_string_append (out, "null");
    else
      json_string (out, row->goal_text);
    g_string_append_printf (out, ", \"goal_met\": %s",
                            met < 0 ? "null" : met ? "true" : "false");
    if (row->domains)
      g_string_append_printf (out, ", \"domains\": %u", row->domains);
    g_string_append (out, ", \"libvirt_dbus_1_4_1\": ");
    json_string (out, row->libvirt_dbus);
    if (row->kind == ROW_MEMORY) {
      g_string_append (out, ", \"virtbusd_hwm\": ");
      json_number (out, row->hwm_kib);
    } else if (row->kind != ROW_COUNT) {
      json_stats (out, "virtbusd_us", &row->stats);
      json_stats (out, "reference_us", &row->ref_stats);
    }
    g_string_append (out, ", \"error\": ");
    if (row->error)
      json_string (out, row->error);
    else
      g_string_append (out, "null");
    g_string_append_printf (out, "}%s\n", i + 1 < b->rows->len ? "," : "");
  }
  g_string_append (out, "  ],\n  \"failures\": [");
  for (guint i = 0; i < b->failures->len; i++) {
    g_string_append (out, i ? ", " : "");
    json_string (out, g_ptr_array_index (b->failures, i));
  }
  g_string_append (out, "],\n  \"skipped\": [");
  for (guint i = 0; i < b->skipped->len; i++) {
    g_string_append (out, i ? ", " : "");
    json_string (out, g_ptr_array_index (b->skipped, i));
  }
  g_string_append (out, "]\n}\n");
  return g_file_set_contents (path, out->str, out->len, error);
}

/* Main ------------------------------------------------------------------ */

static char *
default_virtbusd (void)
{
  const char *env = g_getenv ("VIRTBUSD");

  return g_strdup (env && *env ? env : "build/service/virtbusd");
}

int
main (int argc, char **argv)
{
  gboolean opt_quick = FALSE;
  gboolean opt_echo_server = FALSE;
  g_autofree char *opt_virtbusd = NULL;
  g_autofree char *opt_json = NULL;
  const GOptionEntry entries[] = {
    { "virtbusd", 0, 0, G_OPTION_ARG_FILENAME, &opt_virtbusd,
      "virtbusd to measure (default: $VIRTBUSD, else build/service/virtbusd)", "PATH" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &opt_quick, "Small counts: a smoke run, not figures", NULL },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &opt_json, "Also write the results to FILE as JSON",
      "FILE" },
    { "echo-server", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt_echo_server,
      "Run as the reference server (internal)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- measure virtbusd against a bare GDBus server");
  g_autoptr(GError) error = NULL;
  g_autoptr(Bench) b = NULL;
  g_autofree char *dbus_daemon = NULL;
  g_autofree char *virtbusd = NULL;
  gboolean ok;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("vb-bench: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (opt_echo_server)
    return vb_bench_echo_server_run ();

  virtbusd = opt_virtbusd ? g_strdup (opt_virtbusd) : default_virtbusd ();
  b = bench_new ();
  b->quick = opt_quick;
  b->virtbusd_path = g_canonicalize_filename (virtbusd, NULL);
  b->self_path = g_file_read_link ("/proc/self/exe", &error);
  if (b->self_path == NULL) {
    g_printerr ("vb-bench: cannot find my own executable: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (!g_file_test (b->virtbusd_path, G_FILE_TEST_IS_EXECUTABLE)) {
    g_printerr ("vb-bench: no virtbusd at %s (build it: meson compile -C build, or pass "
                "--virtbusd PATH)\n", b->virtbusd_path);
    return EXIT_FAILURE;
  }
  dbus_daemon = g_find_program_in_path ("dbus-daemon");
  if (dbus_daemon == NULL) {
    g_printerr ("vb-bench: dbus-daemon is not installed\n");
    return EXIT_FAILURE;
  }

  install_signal_handlers ();
  progress_to_tty = isatty (STDERR_FILENO);
  printf ("vb-bench: %s, %u CPUs, %s run\n", b->virtbusd_path, g_get_num_processors (),
          b->quick ? "quick (smoke: small counts, not figures)" : "full");
  fflush (stdout);
  ok = bench_run (b, &error);
  bench_stop_all (b);

  print_table (b);
  if (!ok)
    fprintf (stderr, "\nvb-bench: %s\n", error->message);
  if (opt_json) {
    g_autoptr(GError) json_error = NULL;

    if (!write_json (b, opt_json, &json_error)) {
      g_printerr ("vb-bench: cannot write %s: %s\n", opt_json, json_error->message);
      ok = FALSE;
    }
  }
  if (interrupted)
    return 128 + interrupted;
  return ok && b->failures->len == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
