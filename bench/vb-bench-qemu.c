/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-bench.h"

/* QEMU ------------------------------------------------------------------ */

/* A guest with nothing to boot: qemu sits in its firmware. */
static char *
qemu_domain_xml (const char *name)
{
  return g_strdup_printf ("<domain type='qemu'><name>%s</name><memory unit='MiB'>128</memory>"
                          "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
                          "<devices></devices></domain>",
                          name);
}

static gboolean
qemu_domain_call (Bench *b, const char *path, const char *method, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = bus_call (b, VB_NAME, path, VB_DOMAIN, method, g_variant_new ("(u)", 0), "()", error);
  return reply != NULL;
}

/* Create answers once qemu has run "cont" and confirmed it: check that the
 * daemon says so too (untimed). */
static gboolean
qemu_check_running (Bench *b, const char *path, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gint32 state, reason;

  reply = bus_call (b, VB_NAME, path, VB_DOMAIN, "GetState", g_variant_new ("(u)", 0), "((ii))",
                    error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "((ii))", &state, &reason);
  if (state != VIR_DOMAIN_RUNNING) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "%s is in state %d (reason %d) once Create returned, not running", path, state,
                 reason);
    return FALSE;
  }
  return TRUE;
}

/* The bare side: a QMP client on a blocking socket, reading lines. */
typedef struct {
  int fd;
  GString *buf;
} Qmp;

static void
qmp_clear (Qmp *q)
{
  if (q->fd >= 0)
    close (q->fd);
  q->fd = -1;
  if (q->buf)
    g_string_free (q->buf, TRUE);
  q->buf = NULL;
}

static gboolean
qmp_read_line (Qmp *q, gint64 deadline, char **out_line, GError **error)
{
  for (;;) {
    const char *nl = memchr (q->buf->str, '\n', q->buf->len);
    struct pollfd pfd = { q->fd, POLLIN, 0 };
    char chunk[4096];
    int remaining_ms;
    ssize_t n;

    if (nl) {
      gsize len = nl - q->buf->str + 1;

      *out_line = g_strndup (q->buf->str, len);
      g_string_erase (q->buf, 0, len);
      return TRUE;
    }
    if (!check_interrupted (error))
      return FALSE;
    remaining_ms = (int) ((deadline - g_get_monotonic_time ()) / 1000);
    if (remaining_ms <= 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "bare qemu: no QMP answer within %d s",
                   (int) (QEMU_TIMEOUT_US / G_USEC_PER_SEC));
      return FALSE;
    }
    /* bounded, so that a Ctrl-C is noticed */
    if (poll (&pfd, 1, MIN (remaining_ms, 100)) <= 0)
      continue;
    n = read (q->fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (n <= 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "bare qemu closed its QMP socket");
      return FALSE;
    }
    g_string_append_len (q->buf, chunk, n);
  }
}

/* Sends @command and reads up to its answer, passing over events. */
static gboolean
qmp_command (Qmp *q, const char *command, gint64 deadline, GError **error)
{
  g_autofree char *message = g_strdup_printf ("{\"execute\": \"%s\"}\r\n", command);
  gsize len = strlen (message);

  if (send (q->fd, message, len, MSG_NOSIGNAL) != (ssize_t) len) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "bare qemu: cannot send %s: %s",
                 command, g_strerror (errno));
    return FALSE;
  }
  for (;;) {
    g_autofree char *line = NULL;

    if (!qmp_read_line (q, deadline, &line, error))
      return FALSE;
    if (g_str_has_prefix (line, "{\"return\""))
      return TRUE;
    if (g_str_has_prefix (line, "{\"error\"")) {
      g_strchomp (line);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "bare qemu: %s: %s", command, line);
      return FALSE;
    }
  }
}

static int
qemu_connect (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  if (fd < 0)
    return -1;
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0)
    return fd;
  close (fd);
  return -1;
}

/* Spawns the bare qemu and times it from just before fork+exec to its QMP
 * greeting line (@greeting_us); then leaves the guest running as Create
 * does (qmp_capabilities, cont), so that both sides destroy the same thing,
 * and times that too (@running_us): qemu sends the greeting before it
 * has finished starting, and answers the first command only after. */
static gboolean
bare_qemu_start (Bench *b, char **argv, const char *socket_path, double *greeting_us,
                 double *running_us, GError **error)
{
  g_autofree char *log_path = g_strconcat (socket_path, ".log", NULL);
  g_autofree char *greeting = NULL;
  Qmp q = { -1, NULL };
  gboolean ok;
  gint64 t0, deadline;
  int log_fd, status;

  g_unlink (socket_path);
  log_fd = open (log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                 log_path, g_strerror (errno));
    return FALSE;
  }
  t0 = g_get_monotonic_time ();
  deadline = t0 + QEMU_TIMEOUT_US;
  ok = spawn_child ((const char *const *) argv, NULL, log_fd, NULL, &b->qemu_pid, error);
  close (log_fd);
  if (!ok)
    return FALSE;

  /* The socket appears some way into qemu's start: retry at a step far
   * below what is measured. */
  while (ok && (q.fd = qemu_connect (socket_path)) < 0) {
    if (!check_interrupted (error)) {
      ok = FALSE;
    } else if (child_exited (b->qemu_pid, &status)) {
      g_autofree char *how = describe_status (status);
      g_autofree char *tail = log_tail (log_path, 10);

      b->qemu_pid = 0;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "bare qemu ended (%s) before its QMP socket answered. Log:\n    %s", how, tail);
      ok = FALSE;
    } else if (g_get_monotonic_time () > deadline) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                   "bare qemu: %s did not accept connections within %d s", socket_path,
                   (int) (QEMU_TIMEOUT_US / G_USEC_PER_SEC));
      ok = FALSE;
    } else {
      g_usleep (200);
    }
  }
  if (ok) {
    q.buf = g_string_new (NULL);
    ok = qmp_read_line (&q, deadline, &greeting, error);
  }
  if (ok) {
    *greeting_us = g_get_monotonic_time () - t0;
    if (!g_str_has_prefix (greeting, "{\"QMP\"")) {
      g_strchomp (greeting);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "bare qemu: not a QMP greeting: %s",
                   greeting);
      ok = FALSE;
    }
  }
  ok = ok && qmp_command (&q, "qmp_capabilities", deadline, error) &&
       qmp_command (&q, "cont", deadline, error);
  if (ok)
    *running_us = g_get_monotonic_time () - t0;
  qmp_clear (&q);
  if (!ok)
    stop_child (&b->qemu_pid);
  return ok;
}

int
open_pidfd (GPid pid)
{
#ifdef SYS_pidfd_open
  return (int) syscall (SYS_pidfd_open, pid, 0);
#else
  return -1;
#endif
}

/* Waits for @pid to end and reaps it: on its pidfd when there is one (no
 * polling step in the figure), else polling at 100 µs. */
gboolean
wait_exit (GPid pid, int pidfd, gint64 deadline, int *out_status)
{
  while (!child_exited (pid, out_status)) {
    gint64 remaining_us = deadline - g_get_monotonic_time ();

    if (remaining_us <= 0 || interrupted)
      return FALSE;
    if (pidfd >= 0) {
      struct pollfd pfd = { pidfd, POLLIN, 0 };

      poll (&pfd, 1, (int) MIN (remaining_us / 1000 + 1, 100));
    } else {
      g_usleep (100);
    }
  }
  return TRUE;
}

/* SIGTERM to the bare qemu, timed until waitpid has it. */
static gboolean
bare_qemu_destroy (Bench *b, double *elapsed_us, GError **error)
{
  int pidfd = open_pidfd (b->qemu_pid);
  int status = 0;
  gboolean exited;
  gint64 t0 = g_get_monotonic_time ();

  kill (b->qemu_pid, SIGTERM);
  exited = wait_exit (b->qemu_pid, pidfd, t0 + STOP_TIMEOUT_US, &status);
  *elapsed_us = g_get_monotonic_time () - t0;
  if (pidfd >= 0)
    close (pidfd);
  if (!exited) {
    stop_child (&b->qemu_pid);
    if (!check_interrupted (error))
      return FALSE;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "bare qemu did not exit within %d s of SIGTERM",
                 (int) (STOP_TIMEOUT_US / G_USEC_PER_SEC));
    return FALSE;
  }
  b->qemu_pid = 0;
  return TRUE;
}

typedef struct {
  char *paths[QEMU_GUESTS];
  char **bare_argv;
  char *socket_path;
  GArray *start;
  GArray *bare_start;
  GArray *bare_running;
  GArray *destroy;
  GArray *bare_destroy;
  GArray *anon_idle;
  GArray *anon_guests;
  GArray *per_guest;
} QemuRun;

static void
qemu_run_clear (QemuRun *run)
{
  for (guint i = 0; i < QEMU_GUESTS; i++)
    g_clear_pointer (&run->paths[i], g_free);
  g_clear_pointer (&run->bare_argv, g_strfreev);
  g_clear_pointer (&run->socket_path, g_free);
  g_clear_pointer (&run->start, g_array_unref);
  g_clear_pointer (&run->bare_start, g_array_unref);
  g_clear_pointer (&run->bare_running, g_array_unref);
  g_clear_pointer (&run->destroy, g_array_unref);
  g_clear_pointer (&run->bare_destroy, g_array_unref);
  g_clear_pointer (&run->anon_idle, g_array_unref);
  g_clear_pointer (&run->anon_guests, g_array_unref);
  g_clear_pointer (&run->per_guest, g_array_unref);
}

/* The reference runs exactly what the daemon ran: the command line of the
 * guest named in its status file, with a monitor socket of our own. */
static gboolean
qemu_copy_command (Bench *b, QemuRun *run, GError **error)
{
  g_autoptr(GArray) pids = qemu_status_pids (b->vb_state_dir);
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) daemon_argv = NULL;
  g_autofree char *shown = NULL;
  gboolean replaced = FALSE;

  if (pids->len != 1) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                 "expected one status file with a pid under %s/run/qemu, found %u",
                 b->vb_state_dir, pids->len);
    return FALSE;
  }
  daemon_argv = read_cmdline (g_array_index (pids, GPid, 0), error);
  if (daemon_argv == NULL)
    return FALSE;
  run->socket_path = g_build_filename (b->tmpdir, "bare-qemu.qmp", NULL);
  for (guint i = 0; daemon_argv[i]; i++) {
    if (i > 0 && g_str_equal (daemon_argv[i - 1], "-qmp")) {
      g_autofree char *qmp = g_strdup_printf ("unix:%s,server=on,wait=off", run->socket_path);

      g_strv_builder_add (argv, qmp);
      replaced = TRUE;
    } else {
      g_strv_builder_add (argv, daemon_argv[i]);
    }
  }
  if (!replaced) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the guest's command line has no -qmp");
    return FALSE;
  }
  run->bare_argv = g_strv_builder_end (argv);
  shown = g_strjoinv (" ", run->bare_argv);
  g_ptr_array_add (b->notes, g_strdup_printf ("bare qemu (the daemon's command line, own QMP socket): %s",
                                             shown));
  return TRUE;
}

static gboolean
qemu_vb_cycle (Bench *b, QemuRun *run, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  double start_us, destroy_us;

  if (!qemu_domain_call (b, run->paths[0], "Create", error))
    return FALSE;
  start_us = g_get_monotonic_time () - t0;
  if (!qemu_check_running (b, run->paths[0], error))
    return FALSE;
  t0 = g_get_monotonic_time ();
  if (!qemu_domain_call (b, run->paths[0], "Destroy", error))
    return FALSE;
  destroy_us = g_get_monotonic_time () - t0;
  g_array_append_val (run->start, start_us);
  g_array_append_val (run->destroy, destroy_us);
  return TRUE;
}

static gboolean
qemu_bare_cycle (Bench *b, QemuRun *run, GError **error)
{
  double start_us, running_us, destroy_us;

  if (!bare_qemu_start (b, run->bare_argv, run->socket_path, &start_us, &running_us, error) ||
      !bare_qemu_destroy (b, &destroy_us, error))
    return FALSE;
  g_array_append_val (run->bare_start, start_us);
  g_array_append_val (run->bare_running, running_us);
  g_array_append_val (run->bare_destroy, destroy_us);
  return TRUE;
}

/* RssAnon of virtbusd with no guest running, then with QEMU_GUESTS.
 * Taken once, early: after one guest has run (the capability probe and
 * other first-use costs are not a guest's), but before the timed rounds,
 * whose freed memory later guests would reuse unseen (then the difference
 * reads 0). */
static gboolean
qemu_memory_cycle (Bench *b, QemuRun *run, GError **error)
{
  MemInfo idle, loaded;
  double idle_kib, loaded_kib, per_guest;

  /* what follows a stop (status files, events) settles first */
  g_usleep (100 * 1000);
  if (!read_memory (b->vb_pid, &idle, error))
    return FALSE;
  for (guint i = 0; i < QEMU_GUESTS; i++) {
    if (!check_interrupted (error) || !qemu_domain_call (b, run->paths[i], "Create", error) ||
        !qemu_check_running (b, run->paths[i], error))
      return FALSE;
  }
  g_usleep (100 * 1000);
  if (!read_memory (b->vb_pid, &loaded, error))
    return FALSE;
  for (guint i = 0; i < QEMU_GUESTS; i++) {
    if (!qemu_domain_call (b, run->paths[i], "Destroy", error))
      return FALSE;
  }
  idle_kib = idle.anon_kib;
  loaded_kib = loaded.anon_kib;
  per_guest = (loaded_kib - idle_kib) / QEMU_GUESTS;
  g_array_append_val (run->anon_idle, idle_kib);
  g_array_append_val (run->anon_guests, loaded_kib);
  g_array_append_val (run->per_guest, per_guest);
  return TRUE;
}

static gboolean
qemu_measure (Bench *b, const Plan *plan, QemuRun *run, GError **error)
{
  double ignored, ignored_too;

  if (!start_virtbusd (b, NULL, error))
    return FALSE;
  for (guint i = 0; i < QEMU_GUESTS; i++) {
    g_autofree char *name = i == 0 ? g_strdup ("bench-q") : g_strdup_printf ("bench-q-%u", i + 1);
    g_autofree char *xml = qemu_domain_xml (name);
    g_autoptr(GVariant) defined = NULL;

    defined = bus_call (b, VB_NAME, VB_QEMU_ROOT, VB_CONNECT, "DomainDefineXML",
                        g_variant_new ("(s)", xml), "(o)", error);
    if (defined == NULL)
      return FALSE;
    g_variant_get (defined, "(o)", &run->paths[i]);
  }

  /* Warm-up, untimed: the first Create probes qemu's capabilities, and the
   * running guest gives the command line the reference copies. */
  if (!qemu_domain_call (b, run->paths[0], "Create", error) ||
      !qemu_check_running (b, run->paths[0], error) || !qemu_copy_command (b, run, error) ||
      !qemu_domain_call (b, run->paths[0], "Destroy", error))
    return FALSE;
  if (!qemu_memory_cycle (b, run, error))
    return FALSE;
  if (!bare_qemu_start (b, run->bare_argv, run->socket_path, &ignored, &ignored_too, error) ||
      !bare_qemu_destroy (b, &ignored, error))
    return FALSE;

  for (guint r = 0; r < plan->qemu_rounds; r++) {
    progress ("\r  round %u/%u", r + 1, plan->qemu_rounds);
    for (guint side = 0; side < 2; side++) {
      gboolean bare = (r + side) % 2 == 1;

      if (!check_interrupted (error))
        return FALSE;
      if (bare ? !qemu_bare_cycle (b, run, error) : !qemu_vb_cycle (b, run, error))
        return FALSE;
    }
  }
  progress ("\n");
  return TRUE;
}

/* @goal_text NULL: no goal */
void
qemu_time_row (Bench *b, const char *id, const char *label, GArray *vb, GArray *bare,
               const char *ref_label, double goal, const char *goal_text, const char *libvirt,
               const char *error)
{
  Row *row = bench_add_row (b, row_new (id, label, ROW_TIME, libvirt));

  row->stats = stats_of (vb);
  row->ref_stats = stats_of (bare);
  row->reference_label = g_strdup (ref_label);
  if (goal_text)
    row_set_goal (row, GOAL_RATIO_AT_MOST, goal, goal_text);
  if (error) {
    row->error = g_strdup (error);
    return;
  }
  row->value = row->stats.median;
  row->reference = row->ref_stats.median;
  row->ratio = row->value / row->reference;
}

static Row *
qemu_memory_row (Bench *b, const char *id, const char *label, GArray *samples, const char *libvirt,
                 const char *error)
{
  Row *row = bench_add_row (b, row_new (id, label, ROW_MEMORY, libvirt));

  row->stats = stats_of (samples);
  if (error)
    row->error = g_strdup (error);
  else
    row->value = row->stats.median;
  return row;
}

gboolean
phase_qemu (Bench *b, const Plan *plan, GError **error)
{
  g_autofree char *qemu = g_find_program_in_path (QEMU_BINARY);
  g_autoptr(GError) local = NULL;
  g_autofree char *guests_label = NULL;
  QemuRun run = { { NULL } };
  const char *failed;
  Row *row;
  int status;

  if (qemu == NULL) {
    g_ptr_array_add (b->skipped, g_strdup ("QEMU section: " QEMU_BINARY " is not in PATH"));
    printf ("vb-bench: QEMU section skipped: " QEMU_BINARY " is not in PATH\n");
    fflush (stdout);
    return TRUE;
  }
  g_printerr ("QEMU: Create/Destroy against bare qemu (%u rounds), memory with %u guests\n",
              plan->qemu_rounds, QEMU_GUESTS);
  g_ptr_array_add (b->notes, g_strdup ("QEMU rows: virtbusd --state-dir against the same qemu command line run by hand.\n"
                                       "\"bare qemu\": spawn → QMP greeting, and SIGTERM → waitpid; \"bare cont\": spawn →\n"
                                       "greeting, qmp_capabilities, cont answered (no goal: the least any manager\n"
                                       "waits for). Their last column quotes libvirt 9.0 (TCG, another machine)."));
  /* a fresh virtbusd whose definitions and status files land in our tree */
  stop_child (&b->vb_pid);
  stop_child (&b->echo_pid);
  b->vb_state_dir = g_build_filename (b->tmpdir, "qemu-state", NULL);
  run.start = g_array_new (FALSE, FALSE, sizeof (double));
  run.bare_start = g_array_new (FALSE, FALSE, sizeof (double));
  run.bare_running = g_array_new (FALSE, FALSE, sizeof (double));
  run.destroy = g_array_new (FALSE, FALSE, sizeof (double));
  run.bare_destroy = g_array_new (FALSE, FALSE, sizeof (double));
  run.anon_idle = g_array_new (FALSE, FALSE, sizeof (double));
  run.anon_guests = g_array_new (FALSE, FALSE, sizeof (double));
  run.per_guest = g_array_new (FALSE, FALSE, sizeof (double));

  if (g_mkdir_with_parents (b->vb_state_dir, 0700) < 0)
    g_set_error (&local, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                 b->vb_state_dir, g_strerror (errno));
  else
    qemu_measure (b, plan, &run, &local);
  progress ("\n");

  /* whatever is left running goes before its daemon */
  stop_child (&b->qemu_pid);
  qemu_kill_leftovers (b);
  if (local && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, g_steal_pointer (&local));
    qemu_run_clear (&run);
    return FALSE;
  }
  if (local)
    bench_failure (b, "QEMU section: %s", local->message);
  failed = local ? local->message : NULL;

  qemu_time_row (b, "qemu_start", "QEMU: Create → running", run.start, run.bare_start,
                 "bare qemu", 1.15, "≤ 1.15× bare", "≈ 13.8× bare (libvirt 9.0)", failed);
  qemu_time_row (b, "qemu_start_cont", "QEMU: Create → running", run.start, run.bare_running,
                 "bare cont", 0, NULL, NULL, failed);
  qemu_time_row (b, "qemu_destroy", "QEMU: Destroy", run.destroy, run.bare_destroy, "bare qemu",
                 2, "≤ 2× bare", "≈ 220 ms (libvirt 9.0)", failed);
  qemu_memory_row (b, "qemu_rss_anon_0", "QEMU: RssAnon, no guest", run.anon_idle, NULL, failed);
  guests_label = g_strdup_printf ("QEMU: RssAnon, %u guests", QEMU_GUESTS);
  qemu_memory_row (b, "qemu_rss_anon_guests", guests_label, run.anon_guests, NULL, failed);
  row = qemu_memory_row (b, "qemu_per_guest", "QEMU: RssAnon per guest", run.per_guest,
                         "≈ 430 KiB (libvirt 9.0)", failed);
  row_set_goal (row, GOAL_VALUE_AT_MOST, 200, "≤ 200 KiB");
  qemu_run_clear (&run);

  status = stop_child (&b->vb_pid);
  if (status != 0) {
    g_autofree char *how = describe_status (status);
    g_autofree char *tail = log_tail (b->vb_log, 15);

    bench_failure (b, "virtbusd (QEMU section) did not exit cleanly on SIGTERM (%s). Log:\n    %s",
                   how, tail);
  }
  g_clear_pointer (&b->vb_state_dir, g_free);
  return TRUE;
}
