/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-bench.h"

/* Signals --------------------------------------------------------------- */

volatile sig_atomic_t interrupted;

#define MAX_CHILDREN 8
static volatile pid_t live_children[MAX_CHILDREN];

static void
on_interrupt (int signo)
{
  /* A second signal means "now": no orderly cleanup, but no orphans. */
  if (interrupted) {
    for (int i = 0; i < MAX_CHILDREN; i++) {
      if (live_children[i] > 0)
        kill (live_children[i], SIGKILL);
    }
    _exit (128 + signo);
  }
  interrupted = signo;
}

void
install_signal_handlers (void)
{
  struct sigaction sa = { 0 };

  sa.sa_handler = on_interrupt;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

gboolean progress_to_tty;

/* Counters that overwrite themselves: only worth it on a terminal. */
void G_GNUC_PRINTF (1, 2)
progress (const char *fmt, ...)
{
  va_list ap;

  if (!progress_to_tty)
    return;
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
}

gboolean
check_interrupted (GError **error)
{
  if (!interrupted)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted by signal %d",
               (int) interrupted);
  return FALSE;
}

/* Statistics ------------------------------------------------------------ */

static int
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
quantile (const double *sorted, guint n, double q)
{
  double pos = q * (n - 1);
  guint lo = (guint) floor (pos);
  guint hi = MIN (lo + 1, n - 1);

  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

Stats
stats_of (GArray *samples)
{
  Stats s = { NAN, NAN, NAN, 0 };
  g_autofree double *sorted = NULL;

  if (samples == NULL || samples->len == 0)
    return s;
  sorted = g_memdup2 (samples->data, samples->len * sizeof (double));
  qsort (sorted, samples->len, sizeof (double), compare_doubles);
  s.n = samples->len;
  s.median = quantile (sorted, s.n, 0.5);
  s.p10 = quantile (sorted, s.n, 0.1);
  s.p90 = quantile (sorted, s.n, 0.9);
  return s;
}

/* Result rows ----------------------------------------------------------- */

/* The table follows the list, whatever order the phases run in. */
static const char *const row_order[] = {
  "list_domains", "lookup_xml", "define_undefine", "createxml_destroy", "create_event",
  "list_domains_1k", "list_domains_10k", "rss_idle", "rss_anon_idle", "rss_1k",
  "rss_anon_1k", "rss_10k", "rss_anon_10k", "startup", "qemu_start",
  "qemu_start_cont", "qemu_destroy",
  "qemu_rss_anon_0", "qemu_rss_anon_guests", "qemu_per_guest",
  "net_create_reply", "net_start", "net_destroy", "net_cycle", "net_leftovers",
};

static guint
row_rank (const Row *row)
{
  for (guint i = 0; i < G_N_ELEMENTS (row_order); i++) {
    if (g_str_equal (row->id, row_order[i]))
      return i;
  }
  return G_N_ELEMENTS (row_order);
}

int
compare_rows (gconstpointer a, gconstpointer b)
{
  guint x = row_rank (*(Row *const *) a);
  guint y = row_rank (*(Row *const *) b);

  return (x > y) - (x < y);
}

static void
row_free (Row *row)
{
  g_free (row->id);
  g_free (row->label);
  g_free (row->reference_label);
  g_free (row->goal_text);
  g_free (row->libvirt_dbus);
  g_free (row->error);
  g_free (row);
}

Row *
row_new (const char *id, const char *label, RowKind kind, const char *libvirt_dbus)
{
  Row *row = g_new0 (Row, 1);

  row->id = g_strdup (id);
  row->label = g_strdup (label);
  row->kind = kind;
  row->value = NAN;
  row->reference = NAN;
  row->ratio = NAN;
  row->stats = (Stats) { NAN, NAN, NAN, 0 };
  row->ref_stats = row->stats;
  row->hwm_kib = NAN;
  row->libvirt_dbus = g_strdup (libvirt_dbus ? libvirt_dbus : "—");
  return row;
}

void
row_set_goal (Row *row, GoalKind kind, double goal, const char *text)
{
  row->goal_kind = kind;
  row->goal = goal;
  g_free (row->goal_text);
  row->goal_text = g_strdup (text);
}

/* -1: no goal or nothing measured, 0: missed, 1: met */
int
row_goal_met (const Row *row)
{
  switch (row->goal_kind) {
  case GOAL_RATIO_AT_MOST:
    return isnan (row->ratio) ? -1 : row->ratio <= row->goal;
  case GOAL_VALUE_AT_MOST:
    return isnan (row->value) ? -1 : row->value <= row->goal;
  case GOAL_NONE:
  default:
    return -1;
  }
}

/* The bench ------------------------------------------------------------- */

Bench *
bench_new (void)
{
  Bench *b = g_new0 (Bench, 1);

  b->bus_stdout = -1;
  b->dns_fd = -1;
  b->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  b->failures = g_ptr_array_new_with_free_func (g_free);
  b->skipped = g_ptr_array_new_with_free_func (g_free);
  b->notes = g_ptr_array_new_with_free_func (g_free);
  b->xml_sized = g_strnfill (1024, 'x');
  return b;
}

void
bench_free (Bench *b)
{
  bench_stop_all (b);
  g_free (b->virtbusd_path);
  g_free (b->self_path);
  g_free (b->bus_address);
  g_free (b->vb_log);
  g_free (b->vb_state_dir);
  g_free (b->event_path);
  g_free (b->xml_sized);
  g_free (b->define_xml_sample);
  g_ptr_array_unref (b->rows);
  g_ptr_array_unref (b->failures);
  g_ptr_array_unref (b->skipped);
  g_ptr_array_unref (b->notes);
  g_free (b);
}

void G_GNUC_PRINTF (2, 3)
bench_failure (Bench *b, const char *fmt, ...)
{
  va_list ap;
  char *message;

  va_start (ap, fmt);
  message = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  fprintf (stderr, "vb-bench: FAILED: %s\n", message);
  g_ptr_array_add (b->failures, message);
}

Row *
bench_add_row (Bench *b, Row *row)
{
  g_ptr_array_add (b->rows, row);
  return row;
}

/* Children -------------------------------------------------------------- */

static void
child_register (GPid pid)
{
  for (int i = 0; i < MAX_CHILDREN; i++) {
    if (live_children[i] == 0) {
      live_children[i] = pid;
      return;
    }
  }
}

static void
child_unregister (GPid pid)
{
  for (int i = 0; i < MAX_CHILDREN; i++) {
    if (live_children[i] == pid)
      live_children[i] = 0;
  }
}

void
child_setup (gpointer user_data)
{
  /* A group of its own: a Ctrl-C in the terminal reaches vb-bench alone,
   * which then stops each child in order. The death signal covers a
   * vb-bench that is killed outright. */
  setpgid (0, 0);
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* As child_setup, and then into the bench's network namespace (@user_data:
 * its path under /run/netns). Async-signal-safe calls only. */
void
netns_child_setup (gpointer user_data)
{
  int fd;

  child_setup (NULL);
  fd = open (user_data, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWNET) < 0)
    _exit (127);
  close (fd);
}

gboolean
spawn_child_full (const char *const *argv, const char *const *envp, int out_fd, int *stdout_pipe,
                  GSpawnChildSetupFunc setup, gpointer setup_data, GPid *out_pid, GError **error)
{
  GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL;

  if (!g_spawn_async_with_pipes_and_fds (NULL, argv, envp, flags, setup, setup_data, -1,
                                         stdout_pipe ? -1 : out_fd, out_fd, NULL, NULL, 0,
                                         out_pid, NULL, stdout_pipe, NULL, error)) {
    g_prefix_error (error, "cannot start %s: ", argv[0]);
    return FALSE;
  }
  child_register (*out_pid);
  return TRUE;
}

gboolean
spawn_child (const char *const *argv, const char *const *envp, int out_fd, int *stdout_pipe,
             GPid *out_pid, GError **error)
{
  return spawn_child_full (argv, envp, out_fd, stdout_pipe, child_setup, NULL, out_pid, error);
}

/* TRUE once @pid has exited; it is reaped then and must not be used again. */
gboolean
child_exited (GPid pid, int *out_status)
{
  int status = 0;
  pid_t r;

  do
    r = waitpid (pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return FALSE;
  child_unregister (pid);
  *out_status = r == pid ? status : -1;
  return TRUE;
}

char *
describe_status (int status)
{
  if (status < 0)
    return g_strdup ("vanished");
  if (WIFEXITED (status))
    return g_strdup_printf ("exit status %d", WEXITSTATUS (status));
  if (WIFSIGNALED (status))
    return g_strdup_printf ("killed by signal %d (%s)", WTERMSIG (status),
                            g_strsignal (WTERMSIG (status)));
  return g_strdup_printf ("wait status %d", status);
}

/* SIGTERM, then SIGKILL if it lingers; returns the wait status. */
int
stop_child (GPid *pid)
{
  int status = -1;
  gint64 deadline;

  if (*pid <= 0)
    return 0;
  kill (*pid, SIGTERM);
  deadline = g_get_monotonic_time () + STOP_TIMEOUT_US;
  while (!child_exited (*pid, &status)) {
    if (g_get_monotonic_time () > deadline) {
      kill (*pid, SIGKILL);
      while (waitpid (*pid, &status, 0) < 0 && errno == EINTR)
        ;
      child_unregister (*pid);
      break;
    }
    g_usleep (1000);
  }
  *pid = 0;
  return status;
}

char *
log_tail (const char *path, guint max_lines)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint n;

  if (path == NULL || !g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("(no log)");
  g_strchomp (contents);
  if (*contents == '\0')
    return g_strdup ("(empty log)");
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  return g_strjoinv ("\n    ", lines + (n > max_lines ? n - max_lines : 0));
}

gboolean
read_memory (GPid pid, MemInfo *out, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  *out = (MemInfo) { -1, -1, -1, -1 };
  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (char **l = lines; *l; l++) {
    const struct {
      const char *key;
      gint64 *value;
    } fields[] = {
      { "VmRSS:", &out->rss_kib },
      { "RssAnon:", &out->anon_kib },
      { "RssFile:", &out->file_kib },
      { "VmHWM:", &out->hwm_kib },
    };
    for (gsize i = 0; i < G_N_ELEMENTS (fields); i++) {
      if (g_str_has_prefix (*l, fields[i].key))
        *fields[i].value = g_ascii_strtoll (*l + strlen (fields[i].key), NULL, 10);
    }
  }
  if (out->rss_kib < 0 || out->anon_kib < 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no VmRSS/RssAnon in %s", path);
    return FALSE;
  }
  return TRUE;
}

static void
rm_rf (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
      rm_rf (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

/* The pids in the QEMU driver's status files (<state>/run/qemu/<uuid>.status):
 * the guests virtbusd runs. */
GArray *
qemu_status_pids (const char *state_dir)
{
  g_autofree char *run_dir = g_build_filename (state_dir, "run", "qemu", NULL);
  g_autoptr(GDir) dir = g_dir_open (run_dir, 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    g_autofree char *path = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    GPid pid;

    if (!g_str_has_suffix (name, ".status"))
      continue;
    path = g_build_filename (run_dir, name, NULL);
    kf = g_key_file_new ();
    if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
      continue;
    pid = (GPid) g_key_file_get_int64 (kf, "domain", "pid", NULL);
    if (pid > 0)
      g_array_append_val (pids, pid);
  }
  return pids;
}

GStrv
read_cmdline (GPid pid, GError **error)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", (int) pid);
  g_autofree char *contents = NULL;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  for (gsize i = 0; i < len; i += strlen (contents + i) + 1)
    g_strv_builder_add (argv, contents + i);
  return g_strv_builder_end (argv);
}

/* Every process, other than vb-bench and virtbusd, whose command line
 * names the state directory: the guests and dnsmasqs virtbusd runs. Nothing
 * else can name it. */
GArray *
state_dir_pids (Bench *b)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  const char *name;

  while (b->vb_state_dir && proc && (name = g_dir_read_name (proc))) {
    g_auto(GStrv) argv = NULL;
    char *end;
    gint64 pid = g_ascii_strtoll (name, &end, 10);

    if (*end != '\0' || pid <= 1 || pid == getpid () || pid == b->vb_pid)
      continue;
    argv = read_cmdline ((GPid) pid, NULL);
    for (char **a = argv; a && *a; a++) {
      if (strstr (*a, b->vb_state_dir)) {
        GPid found = (GPid) pid;

        g_array_append_val (pids, found);
        break;
      }
    }
  }
  return pids;
}

/* Guests (and dnsmasqs) virtbusd still runs when the bench ends early: they
 * live in a session of their own and would outlive virtbusd. */
void
qemu_kill_leftovers (Bench *b)
{
  g_autoptr(GArray) pids = state_dir_pids (b);

  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, GPid, i), SIGKILL);
}

void
bench_stop_all (Bench *b)
{
  if (b->event_subscription && b->conn)
    g_dbus_connection_signal_unsubscribe (b->conn, b->event_subscription);
  b->event_subscription = 0;
  stop_child (&b->qemu_pid);
  stop_child (&b->hand_dnsmasq_pid);
  qemu_kill_leftovers (b);
  stop_child (&b->vb_pid);
  /* a dnsmasq it respawned meanwhile */
  qemu_kill_leftovers (b);
  stop_child (&b->echo_pid);
  if (b->dns_fd >= 0) {
    close (b->dns_fd);
    b->dns_fd = -1;
  }
  /* after every process that could hold something in it */
  netns_delete (b);
  if (b->conn) {
    g_dbus_connection_close_sync (b->conn, NULL, NULL);
    g_clear_object (&b->conn);
  }
  stop_child (&b->bus_pid);
  if (b->bus_stdout >= 0) {
    close (b->bus_stdout);
    b->bus_stdout = -1;
  }
  if (b->tmpdir) {
    rm_rf (b->tmpdir);
    g_clear_pointer (&b->tmpdir, g_free);
  }
}

/* The private bus ------------------------------------------------------- */

static gboolean
read_line_with_timeout (int fd, char **out_line, GError **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  for (;;) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    int remaining_ms = (int) ((deadline - g_get_monotonic_time ()) / 1000);
    char c;
    ssize_t n;

    if (remaining_ms <= 0 || poll (&pfd, 1, remaining_ms) == 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "dbus-daemon printed no address");
      return FALSE;
    }
    n = read (fd, &c, 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      if (!check_interrupted (error))
        return FALSE;
      continue;
    }
    if (n <= 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "dbus-daemon exited before printing its address");
      return FALSE;
    }
    if (c == '\n')
      break;
    g_string_append_c (line, c);
  }
  *out_line = g_string_free (g_steal_pointer (&line), FALSE);
  return TRUE;
}

gboolean
start_bus (Bench *b, GError **error)
{
  g_autofree char *socket_dir = g_build_filename (b->tmpdir, "bus", NULL);
  g_autofree char *config_path = g_build_filename (b->tmpdir, "bus.conf", NULL);
  g_autofree char *log_path = g_build_filename (b->tmpdir, "bus.log", NULL);
  g_autofree char *config = NULL;
  gboolean ok;
  int log_fd;
  const char *argv[] = { "dbus-daemon", "--config-file", config_path, "--nofork",
                         "--print-address=1", NULL };

  if (g_mkdir (socket_dir, 0700) < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                 socket_dir, g_strerror (errno));
    return FALSE;
  }
  /* A session-type bus with no limits of interest: the 10 000-path replies
   * must pass, and every name may be owned. */
  config = g_strdup_printf (
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <type>session</type>\n"
    "  <listen>unix:dir=%s</listen>\n"
    "  <auth>EXTERNAL</auth>\n"
    "  <policy context=\"default\">\n"
    "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
    "    <allow eavesdrop=\"true\"/>\n"
    "    <allow own=\"*\"/>\n"
    "  </policy>\n"
    "</busconfig>\n",
    socket_dir);
  if (!g_file_set_contents (config_path, config, -1, error))
    return FALSE;
  log_fd = open (log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ok = log_fd >= 0 && spawn_child (argv, NULL, log_fd, &b->bus_stdout, &b->bus_pid, error);
  if (log_fd < 0)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s",
                 log_path, g_strerror (errno));
  else
    close (log_fd);
  if (!ok)
    return FALSE;
  if (!read_line_with_timeout (b->bus_stdout, &b->bus_address, error))
    return FALSE;
  b->conn = g_dbus_connection_new_for_address_sync (
    b->bus_address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, error);
  if (b->conn == NULL) {
    g_prefix_error (error, "cannot connect to %s: ", b->bus_address);
    return FALSE;
  }
  g_dbus_connection_set_exit_on_close (b->conn, FALSE);
  return TRUE;
}

/* Services -------------------------------------------------------------- */

static char **
service_environ (Bench *b, const char *home)
{
  const char *dirs[][2] = {
    { "XDG_CONFIG_HOME", "config" }, { "XDG_RUNTIME_DIR", "runtime" },
    { "XDG_DATA_HOME", "data" },     { "XDG_CACHE_HOME", "cache" },
    { "XDG_STATE_HOME", "state" },
  };
  char **env = g_get_environ ();

  /* Both buses point at ours: nothing here may reach the machine's own. */
  env = g_environ_setenv (env, "DBUS_SESSION_BUS_ADDRESS", b->bus_address, TRUE);
  env = g_environ_setenv (env, "DBUS_SYSTEM_BUS_ADDRESS", b->bus_address, TRUE);
  env = g_environ_unsetenv (env, "DBUS_STARTER_ADDRESS");
  env = g_environ_unsetenv (env, "DBUS_STARTER_BUS_TYPE");
  env = g_environ_unsetenv (env, "G_MESSAGES_DEBUG");
  env = g_environ_setenv (env, "HOME", home, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++) {
    g_autofree char *dir = g_build_filename (home, dirs[i][1], NULL);

    g_mkdir_with_parents (dir, 0700);
    env = g_environ_setenv (env, dirs[i][0], dir, TRUE);
  }
  return env;
}

typedef struct {
  const char *name;
  gint64 owned_at;
} NameWait;

static void
on_name_owner_changed (GDBusConnection *connection, const char *sender, const char *path,
                       const char *interface, const char *signal, GVariant *parameters,
                       gpointer user_data)
{
  NameWait *wait = user_data;
  const char *name, *old_owner, *new_owner;
  gint64 now = g_get_monotonic_time ();

  g_variant_get (parameters, "(&s&s&s)", &name, &old_owner, &new_owner);
  if (wait->owned_at == 0 && g_str_equal (name, wait->name) && *new_owner != '\0')
    wait->owned_at = now;
}

static gboolean
on_tick (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
spawn_and_wait_for_name (Bench *b, const char *const *argv, const char *const *envp, int log_fd,
                         NameWait *wait, GPid *out_pid, gint64 *out_startup_us, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  gboolean owned;
  gint64 t0;
  int status;

  /* The round trip puts our AddMatch ahead of the child's RequestName, and
   * checks that no leftover process owns the name. */
  reply = g_dbus_connection_call_sync (b->conn, DBUS_NAME, DBUS_PATH, DBUS_NAME, "NameHasOwner",
                                       g_variant_new ("(s)", wait->name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, error);
  if (reply == NULL)
    return FALSE;
  g_variant_get (reply, "(b)", &owned);
  if (owned) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s is already owned on the bench bus",
                 wait->name);
    return FALSE;
  }

  t0 = g_get_monotonic_time ();
  if (!spawn_child (argv, envp, log_fd, NULL, out_pid, error))
    return FALSE;
  while (wait->owned_at == 0) {
    if (!check_interrupted (error))
      return FALSE;
    if (child_exited (*out_pid, &status)) {
      g_autofree char *how = describe_status (status);

      *out_pid = 0;
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s ended (%s) before owning %s",
                   argv[0], how, wait->name);
      return FALSE;
    }
    if (g_get_monotonic_time () - t0 > START_TIMEOUT_US) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s did not own %s within %d s",
                   argv[0], wait->name, (int) (START_TIMEOUT_US / G_USEC_PER_SEC));
      return FALSE;
    }
    g_main_context_iteration (NULL, TRUE);
  }
  *out_startup_us = wait->owned_at - t0;
  return TRUE;
}

/* Starts a server with a fresh home (so state never carries over from one
 * instance to the next) and a log of its own; returns once it owns @name,
 * with the time from just before fork+exec to the NameOwnerChanged. */
static gboolean
start_service (Bench *b, const char *const *argv, const char *name, const char *label,
               GPid *out_pid, char **out_log, gint64 *out_startup_us, GError **error)
{
  g_autofree char *home = g_strdup_printf ("%s/%s-%u", b->tmpdir, label, ++b->instances);
  g_autofree char *log = g_strconcat (home, ".log", NULL);
  g_auto(GStrv) env = service_environ (b, home);
  g_autoptr(GSource) tick = g_timeout_source_new (2);
  NameWait wait = { name, 0 };
  gint64 startup_us = 0;
  gboolean ok;
  guint subscription;
  int log_fd;

  log_fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", log,
                 g_strerror (errno));
    return FALSE;
  }
  subscription = g_dbus_connection_signal_subscribe (b->conn, DBUS_NAME, DBUS_NAME,
                                                     "NameOwnerChanged", DBUS_PATH, name,
                                                     G_DBUS_SIGNAL_FLAGS_NONE,
                                                     on_name_owner_changed, &wait, NULL);
  /* The tick only bounds how late we notice a child that died or hangs. */
  g_source_set_callback (tick, on_tick, NULL, NULL);
  g_source_attach (tick, NULL);

  ok = spawn_and_wait_for_name (b, argv, (const char *const *) env, log_fd, &wait, out_pid,
                                &startup_us, error);

  g_source_destroy (tick);
  g_dbus_connection_signal_unsubscribe (b->conn, subscription);
  close (log_fd);
  if (!ok) {
    stop_child (out_pid);
    if (error && *error && !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_autofree char *tail = log_tail (log, 15);
      g_autofree char *message = g_strdup_printf ("%s: %s\n  its log:\n    %s", label,
                                                  (*error)->message, tail);

      g_free ((*error)->message);
      (*error)->message = g_steal_pointer (&message);
    }
    return FALSE;
  }
  if (out_log)
    *out_log = g_steal_pointer (&log);
  *out_startup_us = startup_us;
  return TRUE;
}

gboolean
start_virtbusd (Bench *b, gint64 *out_startup_us, GError **error)
{
  const char *plain[] = { b->virtbusd_path, "--session", b->vb_state_dir ? "--state-dir" : NULL,
                          b->vb_state_dir, NULL };
  /* ip netns exec execs virtbusd: the pid stays the daemon's */
  const char *in_netns[] = { "ip", "netns", "exec", b->netns, b->virtbusd_path, "--session",
                             "--state-dir", b->vb_state_dir, NULL };
  const char *const *argv = b->vb_in_netns ? in_netns : plain;
  gint64 startup_us;

  g_clear_pointer (&b->vb_log, g_free);
  g_clear_pointer (&b->event_path, g_free);
  if (!start_service (b, argv, VB_NAME, "virtbusd", &b->vb_pid, &b->vb_log, &startup_us, error))
    return FALSE;
  if (out_startup_us)
    *out_startup_us = startup_us;
  return TRUE;
}

gboolean
start_echo (Bench *b, gint64 *out_startup_us, GError **error)
{
  const char *argv[] = { b->self_path, "--echo-server", NULL };
  gint64 startup_us;

  if (!start_service (b, argv, VB_BENCH_ECHO_NAME, "echo", &b->echo_pid, NULL, &startup_us, error))
    return FALSE;
  if (out_startup_us)
    *out_startup_us = startup_us;
  return TRUE;
}

/* A crashed virtbusd is a finding, not the end of the run: note how it
 * ended, then carry on with a fresh one. */
gboolean
ensure_virtbusd (Bench *b, GError **error)
{
  int status;

  if (b->vb_pid > 0 && child_exited (b->vb_pid, &status)) {
    g_autofree char *how = describe_status (status);
    g_autofree char *tail = log_tail (b->vb_log, 15);

    b->vb_pid = 0;
    bench_failure (b, "virtbusd ended unexpectedly (%s); restarting it. Log:\n    %s", how, tail);
  }
  if (b->vb_pid > 0)
    return TRUE;
  return start_virtbusd (b, NULL, error);
}
