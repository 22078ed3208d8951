/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-bench.h"

/* Calls ----------------------------------------------------------------- */

GVariant *
bus_call (Bench *b, const char *dest, const char *path, const char *iface, const char *method,
          GVariant *args, const char *reply_type, GError **error)
{
  GVariant *reply;

  reply = g_dbus_connection_call_sync (b->conn, dest, path, iface, method, args,
                                       G_VARIANT_TYPE (reply_type),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
                                       error);
  if (reply == NULL)
    g_prefix_error (error, "%s.%s on %s: ", iface, method, path);
  return reply;
}

static char *
domain_xml (const char *name)
{
  return g_strdup_printf ("<domain type='test'><name>%s</name><memory>131072</memory>"
                          "<vcpu>1</vcpu><os><type>hvm</type></os></domain>",
                          name);
}

static char *
next_domain_xml (Bench *b, const char *prefix)
{
  g_autofree char *name = g_strdup_printf ("%s-%u", prefix, ++b->serial);

  return domain_xml (name);
}

static gboolean
echo_call (Bench *b, const char *text, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = bus_call (b, VB_BENCH_ECHO_NAME, VB_BENCH_ECHO_PATH, VB_BENCH_ECHO_IFACE, "Echo",
                    g_variant_new ("(s)", text), "(s)", error);
  return reply != NULL;
}

static gboolean
op_echo (Bench *b, double *elapsed_us, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = echo_call (b, "test", error);

  *elapsed_us = g_get_monotonic_time () - t0;
  return ok;
}

/* Two round trips carrying what DefineXML/CreateXML carry. */
static gboolean
op_echo_two (Bench *b, double *elapsed_us, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = echo_call (b, b->define_xml_sample, error) && echo_call (b, "test", error);

  *elapsed_us = g_get_monotonic_time () - t0;
  return ok;
}

/* Two round trips, the second answering as many bytes as GetXMLDesc. */
static gboolean
op_echo_two_sized (Bench *b, double *elapsed_us, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = echo_call (b, "test", error) && echo_call (b, b->xml_sized, error);

  *elapsed_us = g_get_monotonic_time () - t0;
  return ok;
}

static gboolean
op_echo_paths (Bench *b, double *elapsed_us, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gint64 t0 = g_get_monotonic_time ();

  reply = bus_call (b, VB_BENCH_ECHO_NAME, VB_BENCH_ECHO_PATH, VB_BENCH_ECHO_IFACE, "Paths",
                    g_variant_new ("(u)", b->domain_count), "(ao)", error);
  *elapsed_us = g_get_monotonic_time () - t0;
  return reply != NULL;
}

static gboolean
op_list_domains (Bench *b, double *elapsed_us, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) paths = NULL;
  gint64 t0 = g_get_monotonic_time ();

  reply = bus_call (b, VB_NAME, VB_ROOT, VB_CONNECT, "ListDomains", g_variant_new ("(u)", 0),
                    "(ao)", error);
  *elapsed_us = g_get_monotonic_time () - t0;
  if (reply == NULL)
    return FALSE;
  paths = g_variant_get_child_value (reply, 0);
  b->domain_count = g_variant_n_children (paths);
  return TRUE;
}

static gboolean
op_lookup_xml (Bench *b, double *elapsed_us, GError **error)
{
  g_autoptr(GVariant) found = NULL;
  g_autoptr(GVariant) xml = NULL;
  const char *path;
  const char *text;
  gsize len;
  gint64 t0 = g_get_monotonic_time ();

  found = bus_call (b, VB_NAME, VB_ROOT, VB_CONNECT, "DomainLookupByName",
                    g_variant_new ("(s)", "test"), "(o)", error);
  if (found == NULL)
    return FALSE;
  g_variant_get (found, "(&o)", &path);
  xml = bus_call (b, VB_NAME, path, VB_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0), "(s)",
                  error);
  *elapsed_us = g_get_monotonic_time () - t0;
  if (xml == NULL)
    return FALSE;
  g_variant_get (xml, "(&s)", &text);
  len = strlen (text);
  if (len != strlen (b->xml_sized)) {
    g_free (b->xml_sized);
    b->xml_sized = g_strnfill (len, 'x');
  }
  return TRUE;
}

static gboolean
op_define_undefine (Bench *b, double *elapsed_us, GError **error)
{
  g_autofree char *xml = next_domain_xml (b, "bench");
  g_autoptr(GVariant) defined = NULL;
  g_autoptr(GVariant) undefined = NULL;
  const char *path;
  gint64 t0 = g_get_monotonic_time ();

  defined = bus_call (b, VB_NAME, VB_ROOT, VB_CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml),
                      "(o)", error);
  if (defined == NULL)
    return FALSE;
  g_variant_get (defined, "(&o)", &path);
  undefined = bus_call (b, VB_NAME, path, VB_DOMAIN, "Undefine", g_variant_new ("(u)", 0), "()",
                        error);
  *elapsed_us = g_get_monotonic_time () - t0;
  return undefined != NULL;
}

static gboolean
op_createxml_destroy (Bench *b, double *elapsed_us, GError **error)
{
  g_autofree char *xml = next_domain_xml (b, "bench-t");
  g_autoptr(GVariant) created = NULL;
  g_autoptr(GVariant) destroyed = NULL;
  const char *path;
  gint64 t0 = g_get_monotonic_time ();

  created = bus_call (b, VB_NAME, VB_ROOT, VB_CONNECT, "DomainCreateXML",
                      g_variant_new ("(su)", xml, 0), "(o)", error);
  if (created == NULL)
    return FALSE;
  g_variant_get (created, "(&o)", &path);
  destroyed = bus_call (b, VB_NAME, path, VB_DOMAIN, "Destroy", g_variant_new ("(u)", 0), "()",
                        error);
  *elapsed_us = g_get_monotonic_time () - t0;
  return destroyed != NULL;
}

static void
on_domain_event (GDBusConnection *connection, const char *sender, const char *path,
                 const char *interface, const char *signal, GVariant *parameters,
                 gpointer user_data)
{
  Bench *b = user_data;
  gint64 now = g_get_monotonic_time ();
  const char *domain;
  gint32 event, detail;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(oii)")))
    return;
  g_variant_get (parameters, "(&oii)", &domain, &event, &detail);
  if (event == VIR_DOMAIN_EVENT_STARTED && b->event_path && g_str_equal (domain, b->event_path)) {
    b->started_at = now;
    b->started_events++;
  }
}

typedef struct {
  gboolean done;
  GError *error;
} AsyncCall;

static void
on_call_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncCall *call = user_data;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->done = TRUE;
}

typedef struct {
  gint64 deadline;
  gboolean expired;
} EventWait;

/* Ticks rather than one timeout, so that a Ctrl-C is noticed while we wait. */
static gboolean
on_event_wait_tick (gpointer user_data)
{
  EventWait *wait = user_data;

  wait->expired = interrupted || g_get_monotonic_time () > wait->deadline;
  return G_SOURCE_CONTINUE;
}

static gboolean
ensure_event_domain (Bench *b, GError **error)
{
  g_autofree char *xml = NULL;
  g_autoptr(GVariant) defined = NULL;

  if (b->event_path)
    return TRUE;
  xml = next_domain_xml (b, "bench-event");
  defined = bus_call (b, VB_NAME, VB_ROOT, VB_CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml),
                      "(o)", error);
  if (defined == NULL)
    return FALSE;
  g_variant_get (defined, "(o)", &b->event_path);
  return TRUE;
}

/* Times Create until its DomainEvent(started) reaches our main context,
 * which is where a client sees it: like the echo round trip it includes
 * GDBus handing the message from its worker thread to the caller. */
static gboolean
op_create_event (Bench *b, double *elapsed_us, GError **error)
{
  g_autoptr(GSource) tick = NULL;
  g_autoptr(GVariant) destroyed = NULL;
  AsyncCall call = { FALSE, NULL };
  EventWait wait = { 0, FALSE };
  guint seen;
  gint64 t0;

  if (!ensure_event_domain (b, error))
    return FALSE;
  /* Events of the other measurements queue up meanwhile; dispatch them
   * now so their cost is not charged to this one. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  seen = b->started_events;
  tick = g_timeout_source_new (50);
  g_source_set_callback (tick, on_event_wait_tick, &wait, NULL);
  g_source_attach (tick, NULL);

  t0 = g_get_monotonic_time ();
  wait.deadline = t0 + EVENT_TIMEOUT_MS * 1000;
  g_dbus_connection_call (b->conn, VB_NAME, b->event_path, VB_DOMAIN, "Create",
                          g_variant_new ("(u)", 0), G_VARIANT_TYPE ("()"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL, on_call_done,
                          &call);
  /* The reply is always awaited: @call lives on this stack. */
  while (!call.done || (call.error == NULL && b->started_events == seen && !wait.expired))
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (tick);

  if (call.error) {
    g_propagate_prefixed_error (error, call.error, "%s.Create on %s: ", VB_DOMAIN, b->event_path);
    return FALSE;
  }
  *elapsed_us = b->started_at - t0;
  destroyed = bus_call (b, VB_NAME, b->event_path, VB_DOMAIN, "Destroy", g_variant_new ("(u)", 0),
                        "()", error);
  if (b->started_events == seen) {
    g_clear_error (error);
    if (!check_interrupted (error))
      return FALSE;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                 "no DomainEvent(%s, started) within %d ms of Create", b->event_path,
                 EVENT_TIMEOUT_MS);
    return FALSE;
  }
  return destroyed != NULL;
}

/* Interleaved measurement ----------------------------------------------- */

static void
pair_clear (Pair *p)
{
  g_clear_pointer (&p->samples, g_array_unref);
  g_clear_pointer (&p->ref_samples, g_array_unref);
  g_clear_pointer (&p->error, g_free);
}

static gboolean
run_chunk (Bench *b, BenchOp op, guint chunk, GArray *samples, GError **error)
{
  double total = 0;

  for (guint i = 0; i < chunk; i++) {
    double elapsed = 0;

    if (!op (b, &elapsed, error))
      return FALSE;
    total += elapsed;
  }
  if (samples) {
    double per_op = total / chunk;

    g_array_append_val (samples, per_op);
  }
  return TRUE;
}

/* A failing virtbusd call ends that measurement only; a failing echo call
 * means the bench itself is broken, and ends the run. */
static gboolean
run_side (Bench *b, Pair *p, gboolean reference, guint chunks, gboolean keep, GError **error)
{
  BenchOp op = reference ? p->ref_op : p->op;
  GArray *samples = keep ? (reference ? p->ref_samples : p->samples) : NULL;
  g_autoptr(GError) local = NULL;

  for (guint c = 0; c < chunks; c++) {
    if (!check_interrupted (error))
      return FALSE;
    if (run_chunk (b, op, p->chunk, samples, &local))
      continue;
    if (reference || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "%s",
                                  reference ? "echo server: " : "");
      return FALSE;
    }
    p->error = g_strdup (local->message);
    bench_failure (b, "%s: %s", p->id, local->message);
    return ensure_virtbusd (b, error);
  }
  return TRUE;
}

static gboolean
run_pairs (Bench *b, Pair *pairs, guint n_pairs, guint rounds, GError **error)
{
  for (guint i = 0; i < n_pairs; i++) {
    pairs[i].samples = g_array_new (FALSE, FALSE, sizeof (double));
    pairs[i].ref_samples = g_array_new (FALSE, FALSE, sizeof (double));
  }
  /* Warm-up, untimed: first calls pay for introspection-free paths being
   * built, allocator pools, page faults. */
  for (guint i = 0; i < n_pairs; i++) {
    Pair *p = &pairs[i];
    guint warm = MAX (1, p->iterations / 20 / p->chunk);

    if (!run_side (b, p, FALSE, warm, FALSE, error) || !run_side (b, p, TRUE, warm, FALSE, error))
      return FALSE;
  }
  for (guint r = 0; r < rounds; r++) {
    progress ("\r  round %u/%u", r + 1, rounds);
    for (guint i = 0; i < n_pairs; i++) {
      Pair *p = &pairs[i];
      guint chunks = MAX (1, p->iterations / rounds / p->chunk);
      /* Alternating which side goes first cancels drift within a round. */
      gboolean ref_first = (r + i) % 2 == 1;

      if (p->error == NULL && !run_side (b, p, ref_first, chunks, TRUE, error))
        return FALSE;
      if (p->error == NULL && !run_side (b, p, !ref_first, chunks, TRUE, error))
        return FALSE;
    }
  }
  progress ("\n");
  return TRUE;
}

static void
row_from_pair (Row *row, const Pair *p, const char *ref_label, gboolean rate)
{
  row->stats = stats_of (p->samples);
  row->ref_stats = stats_of (p->ref_samples);
  row->reference_label = g_strdup (ref_label);
  if (p->error) {
    row->error = g_strdup (p->error);
    return;
  }
  row->ratio = row->stats.median / row->ref_stats.median;
  row->value = rate ? G_USEC_PER_SEC / row->stats.median : row->stats.median;
  row->reference = rate ? G_USEC_PER_SEC / row->ref_stats.median : row->ref_stats.median;
}

/* Phases ---------------------------------------------------------------- */

const Plan full_plan = { 2000, 1000, 1000, 500, 20, 1000, 10000, 400, 60, 10, 20, 10, 10 };
const Plan quick_plan = { 200, 100, 100, 50, 5, 100, 1000, 40, 8, 4, 5, 3, 3 };

static void
add_memory_rows (Bench *b, const char *id, const char *what, const MemInfo *vb, const MemInfo *echo,
                 const char *libvirt_rss, const char *libvirt_anon, Row **out_rss, Row **out_anon)
{
  g_autofree char *rss_id = g_strdup_printf ("rss_%s", id);
  g_autofree char *anon_id = g_strdup_printf ("rss_anon_%s", id);
  g_autofree char *rss_label = g_strdup_printf ("RSS, %s", what);
  g_autofree char *anon_label = g_strdup_printf ("RssAnon, %s", what);
  Row *rss = bench_add_row (b, row_new (rss_id, rss_label, ROW_MEMORY, libvirt_rss));
  Row *anon = bench_add_row (b, row_new (anon_id, anon_label, ROW_MEMORY, libvirt_anon));

  rss->reference_label = g_strdup ("echo");
  anon->reference_label = g_strdup ("echo");
  if (vb) {
    rss->value = vb->rss_kib;
    anon->value = vb->anon_kib;
  } else {
    rss->error = g_strdup ("not measured");
    anon->error = g_strdup ("not measured");
  }
  if (echo) {
    rss->reference = echo->rss_kib;
    anon->reference = echo->anon_kib;
  }
  rss->ratio = rss->value / rss->reference;
  anon->ratio = anon->value / anon->reference;
  rss->hwm_kib = vb ? vb->hwm_kib : NAN;
  *out_rss = rss;
  *out_anon = anon;
}

/* Only the echo server's memory is vital; virtbusd's may be gone. */
static gboolean
measure_memory (Bench *b, MemInfo *vb, gboolean *have_vb, MemInfo *echo, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!read_memory (b->echo_pid, echo, error))
    return FALSE;
  *have_vb = read_memory (b->vb_pid, vb, &local);
  if (!*have_vb)
    bench_failure (b, "memory of virtbusd: %s", local->message);
  return TRUE;
}

gboolean
phase_start (Bench *b, GError **error)
{
  MemInfo vb, echo;
  Row *rss, *anon;
  gboolean have;

  g_printerr ("starting the echo server and virtbusd\n");
  if (!start_echo (b, NULL, error) || !start_virtbusd (b, NULL, error))
    return FALSE;
  /* Let both finish whatever follows owning the name. */
  g_usleep (100 * 1000);
  if (!measure_memory (b, &vb, &have, &echo, error))
    return FALSE;
  add_memory_rows (b, "idle", "idle", have ? &vb : NULL, &echo, "17–20 MiB", "≈ 2.6 MiB", &rss,
                   &anon);
  row_set_goal (rss, GOAL_VALUE_AT_MOST, 10 * 1024, "≤ 10 MiB");
  row_set_goal (anon, GOAL_VALUE_AT_MOST, 1.5 * 1024, "≤ 1.5 MiB");
  return TRUE;
}

gboolean
phase_calls (Bench *b, const Plan *plan, GError **error)
{
  Pair pairs[] = {
    { "list_domains", op_list_domains, op_echo, plan->list_iterations, 10, NULL, NULL, NULL },
    { "lookup_xml", op_lookup_xml, op_echo_two_sized, plan->lookup_iterations, 10, NULL, NULL, NULL },
    { "define_undefine", op_define_undefine, op_echo_two, plan->cycle_iterations, 10, NULL, NULL, NULL },
    { "createxml_destroy", op_createxml_destroy, op_echo_two, plan->cycle_iterations, 10, NULL, NULL, NULL },
    { "create_event", op_create_event, op_echo, plan->event_iterations, 5, NULL, NULL, NULL },
  };
  g_autofree char *sample_xml = domain_xml ("bench-1000");
  gboolean ok;
  Row *row;

  g_printerr ("round trips, define/create cycles, events (%u rounds)\n", plan->rounds);
  g_free (b->define_xml_sample);
  b->define_xml_sample = g_steal_pointer (&sample_xml);
  b->event_subscription = g_dbus_connection_signal_subscribe (b->conn, VB_NAME, VB_CONNECT,
                                                              "DomainEvent", VB_ROOT, NULL,
                                                              G_DBUS_SIGNAL_FLAGS_NONE,
                                                              on_domain_event, b, NULL);
  ok = run_pairs (b, pairs, G_N_ELEMENTS (pairs), plan->rounds, error);
  g_dbus_connection_signal_unsubscribe (b->conn, b->event_subscription);
  b->event_subscription = 0;

  if (ok) {
    row = bench_add_row (b, row_new ("list_domains", "ListDomains(0) round trip", ROW_TIME,
                                     "≈ 1.11× echo"));
    row_from_pair (row, &pairs[0], "echo", FALSE);
    row_set_goal (row, GOAL_RATIO_AT_MOST, 1.05, "≤ 1.05× echo");

    row = bench_add_row (b, row_new ("lookup_xml", "LookupByName + GetXMLDesc", ROW_TIME, NULL));
    row_from_pair (row, &pairs[1], "2 echo", FALSE);

    row = bench_add_row (b, row_new ("define_undefine", "DefineXML + Undefine", ROW_RATE,
                                     "≈ 1.4× 2 echo (≈ 780/s)"));
    row_from_pair (row, &pairs[2], "2 echo", TRUE);
    row_set_goal (row, GOAL_RATIO_AT_MOST, 1.2, "≤ 1.2× 2 echo");

    row = bench_add_row (b, row_new ("createxml_destroy", "DomainCreateXML + Destroy", ROW_RATE,
                                     "≈ 720–760/s"));
    row_from_pair (row, &pairs[3], "2 echo", TRUE);

    row = bench_add_row (b, row_new ("create_event", "Create → DomainEvent", ROW_TIME,
                                     "≈ 1.7× echo"));
    row_from_pair (row, &pairs[4], "echo", FALSE);
    row_set_goal (row, GOAL_RATIO_AT_MOST, 1.2, "≤ 1.2× echo");
  }
  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    pair_clear (&pairs[i]);
  return ok;
}

static gboolean
populate (Bench *b, guint target, GError **error)
{
  double ignored;
  guint start;

  if (!op_list_domains (b, &ignored, error))
    return FALSE;
  start = b->domain_count;
  for (guint n = start; n < target; n++) {
    g_autofree char *xml = next_domain_xml (b, "bench-pop");
    g_autoptr(GVariant) defined = NULL;

    if (!check_interrupted (error))
      return FALSE;
    defined = bus_call (b, VB_NAME, VB_ROOT, VB_CONNECT, "DomainDefineXML",
                        g_variant_new ("(s)", xml), "(o)", error);
    if (defined == NULL)
      return FALSE;
    if ((n + 1) % 500 == 0 || n + 1 == target)
      progress ("\r  defined %u/%u domains", n + 1, target);
  }
  progress ("\n");
  return op_list_domains (b, &ignored, error);
}

gboolean
measure_list (Bench *b, guint target, guint iterations, guint rounds, gboolean large,
              GError **error)
{
  g_autoptr(GError) local = NULL;
  Pair pair = { large ? "list_domains_10k" : "list_domains_1k", op_list_domains,
                op_echo_paths, iterations, large ? 1 : 4, NULL, NULL, NULL };
  g_autofree char *id = NULL;
  g_autofree char *label = NULL;
  g_autofree char *what = NULL;
  g_autofree char *ref_label = NULL;
  MemInfo vb, echo;
  gboolean have;
  Row *row, *rss, *anon;

  g_printerr ("ListDomains with %u domains\n", target);
  if (!ensure_virtbusd (b, error))
    return FALSE;
  if (!populate (b, target, &local)) {
    if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    bench_failure (b, "defining %u domains: %s", target, local->message);
    if (!ensure_virtbusd (b, error))
      return FALSE;
    g_clear_error (&local);
  }

  id = g_strdup (large ? "list_domains_10k" : "list_domains_1k");
  label = g_strdup_printf ("ListDomains, %u domains", b->domain_count);
  ref_label = g_strdup_printf ("Paths(%u)", b->domain_count);
  row = bench_add_row (b, row_new (id, label, ROW_TIME,
                                   large ? NULL : "≈ 1.9× echo (1 001)"));
  row->domains = b->domain_count;
  if (large && b->domain_count >= 10000)
    row_set_goal (row, GOAL_RATIO_AT_MOST, 1.2, "≤ 1.2× Paths(10 000)");
  if (!run_pairs (b, &pair, 1, rounds, error)) {
    pair_clear (&pair);
    return FALSE;
  }
  row_from_pair (row, &pair, ref_label, FALSE);
  pair_clear (&pair);

  /* After serving the big replies: what a long-running daemon keeps. */
  if (!measure_memory (b, &vb, &have, &echo, error))
    return FALSE;
  what = g_strdup_printf ("%u domains", b->domain_count);
  add_memory_rows (b, large ? "10k" : "1k", what, have ? &vb : NULL, &echo,
                   large ? NULL : "≈ 25 MiB (1 000)", NULL, &rss, &anon);
  rss->domains = anon->domains = b->domain_count;
  if (large && b->domain_count >= 10000)
    row_set_goal (rss, GOAL_VALUE_AT_MOST, 40 * 1024, "≤ 40 MiB");
  return TRUE;
}

gboolean
phase_startup (Bench *b, const Plan *plan, GError **error)
{
  g_autoptr(GArray) vb_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) echo_times = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GError) local = NULL;
  Row *row;
  int status;

  /* Both names must be free for fresh instances. */
  status = stop_child (&b->vb_pid);
  if (status != 0) {
    g_autofree char *how = describe_status (status);
    g_autofree char *tail = log_tail (b->vb_log, 15);

    bench_failure (b, "virtbusd did not exit cleanly on SIGTERM (%s). Log:\n    %s", how, tail);
  }
  stop_child (&b->echo_pid);

  g_printerr ("exec to name owned, %u fresh instances each\n", plan->startups);
  for (guint i = 0; i < plan->startups && local == NULL; i++) {
    for (guint side = 0; side < 2; side++) {
      gboolean echo_side = (side + i) % 2 == 1;
      gint64 us = 0;
      double v;

      if (echo_side) {
        if (!start_echo (b, &us, error))
          return FALSE;
        stop_child (&b->echo_pid);
        v = us;
        g_array_append_val (echo_times, v);
      } else {
        if (!start_virtbusd (b, &us, &local)) {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
            g_propagate_error (error, g_steal_pointer (&local));
            return FALSE;
          }
          bench_failure (b, "startup: %s", local->message);
          continue;
        }
        stop_child (&b->vb_pid);
        v = us;
        g_array_append_val (vb_times, v);
      }
    }
    progress ("\r  %u/%u", i + 1, plan->startups);
  }
  progress ("\n");

  row = bench_add_row (b, row_new ("startup", "exec → owns bus name", ROW_TIME, "≈ 48 ms"));
  row->stats = stats_of (vb_times);
  row->ref_stats = stats_of (echo_times);
  row->reference_label = g_strdup ("echo");
  row->value = row->stats.median;
  row->reference = row->ref_stats.median;
  row->ratio = row->value / row->reference;
  if (local)
    row->error = g_strdup (local->message);
  row_set_goal (row, GOAL_VALUE_AT_MOST, 15 * 1000, "≤ 15 ms");
  return TRUE;
}
