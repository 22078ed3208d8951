/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vb-bench: virtbusd against a bare GDBus server on one private bus.
 *
 * Absolute times on a small, shared machine say little; what is stable is
 * how virtbusd compares with a server that does nothing but answer. So every
 * figure is taken next to a reference figure from the echo server, in
 * alternating batches, and the table reports medians and their ratio.
 * The QEMU and network sections compare with the same work done by hand. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "echo-server.h"

#define VB_NAME "org.libvirt"
#define VB_ROOT "/org/libvirt/Test"
#define VB_QEMU_ROOT "/org/libvirt/QEMU"
#define VB_CONNECT "org.libvirt.Connect"
#define VB_DOMAIN "org.libvirt.Domain"
#define DBUS_NAME "org.freedesktop.DBus"
#define DBUS_PATH "/org/freedesktop/DBus"

#define CALL_TIMEOUT_MS 30000
#define EVENT_TIMEOUT_MS 5000
#define START_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define STOP_TIMEOUT_US (5 * G_USEC_PER_SEC)
#define VIR_DOMAIN_EVENT_STARTED 2
#define VIR_DOMAIN_RUNNING 1

#define QEMU_BINARY "qemu-system-x86_64"
#define QEMU_GUESTS 4
#define QEMU_TIMEOUT_US (30 * G_USEC_PER_SEC)

/* Signals --------------------------------------------------------------- */

static volatile sig_atomic_t interrupted;

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

static void
install_signal_handlers (void)
{
  struct sigaction sa = { 0 };

  sa.sa_handler = on_interrupt;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
}

static gboolean progress_to_tty;

/* Counters that overwrite themselves: only worth it on a terminal. */
static void G_GNUC_PRINTF (1, 2)
progress (const char *fmt, ...)
{
  va_list ap;

  if (!progress_to_tty)
    return;
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
}

static gboolean
check_interrupted (GError **error)
{
  if (!interrupted)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "interrupted by signal %d",
               (int) interrupted);
  return FALSE;
}

/* Statistics ------------------------------------------------------------ */

typedef struct {
  double median;
  double p10;
  double p90;
  guint n;
} Stats;

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

static Stats
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

typedef enum {
  ROW_TIME,   /* µs */
  ROW_RATE,   /* operations per second */
  ROW_MEMORY, /* KiB */
  ROW_COUNT,  /* a plain number */
} RowKind;

typedef enum {
  GOAL_NONE,
  GOAL_RATIO_AT_MOST,
  GOAL_VALUE_AT_MOST,
} GoalKind;

typedef struct {
  char *id;
  char *label;
  RowKind kind;
  double value;     /* NAN: not measured */
  double reference; /* NAN: no reference */
  char *reference_label;
  double ratio; /* always "virtbusd cost / reference cost": > 1 is worse */
  GoalKind goal_kind;
  double goal;
  char *goal_text;
  char *libvirt_dbus;
  char *error;
  Stats stats;
  Stats ref_stats;
  double hwm_kib; /* memory rows: virtbusd's peak RSS so far */
  guint domains;  /* rows taken with many domains defined: how many */
} Row;

/* The table follows the issue's list, whatever order the phases run in. */
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

static int
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

static Row *
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

static void
row_set_goal (Row *row, GoalKind kind, double goal, const char *text)
{
  row->goal_kind = kind;
  row->goal = goal;
  g_free (row->goal_text);
  row->goal_text = g_strdup (text);
}

/* -1: no goal or nothing measured, 0: missed, 1: met */
static int
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

typedef struct {
  gboolean quick;
  char *virtbusd_path;
  char *self_path;

  char *tmpdir;
  char *bus_address;
  GPid bus_pid;
  int bus_stdout;
  GDBusConnection *conn;

  GPid echo_pid;
  GPid vb_pid;
  char *vb_log;
  char *vb_state_dir; /* set: virtbusd runs with --state-dir (QEMU, network sections) */
  GPid qemu_pid;      /* the bare qemu of the QEMU section */

  /* the network section */
  char *netns;        /* the private network namespace, once created */
  char *netns_path;   /* its handle, /run/netns/<netns> */
  gboolean vb_in_netns;
  GPid hand_dnsmasq_pid; /* the by-hand side's dnsmasq */
  int dns_fd;         /* a UDP socket created inside the namespace */
  guint16 dns_id;
  guint instances;
  guint serial;

  /* Create → DomainEvent */
  guint event_subscription;
  char *event_path;
  guint started_events;
  gint64 started_at;

  /* payloads sized like virtbusd's, so the reference moves the same bytes */
  char *xml_sized;
  char *define_xml_sample;
  guint domain_count;

  GPtrArray *rows;
  GPtrArray *failures;
  GPtrArray *skipped; /* sections that could not run here, and why */
  GPtrArray *notes;   /* printed under the table */
} Bench;

static Bench *
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

static void bench_stop_all (Bench *b);
static void netns_delete (Bench *b);

static void
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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

static void G_GNUC_PRINTF (2, 3)
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

static Row *
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

static void
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
static void
netns_child_setup (gpointer user_data)
{
  int fd;

  child_setup (NULL);
  fd = open (user_data, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWNET) < 0)
    _exit (127);
  close (fd);
}

static gboolean
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

static gboolean
spawn_child (const char *const *argv, const char *const *envp, int out_fd, int *stdout_pipe,
             GPid *out_pid, GError **error)
{
  return spawn_child_full (argv, envp, out_fd, stdout_pipe, child_setup, NULL, out_pid, error);
}

/* TRUE once @pid has exited; it is reaped then and must not be used again. */
static gboolean
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

static char *
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
static int
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

static char *
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

typedef struct {
  gint64 rss_kib;
  gint64 anon_kib;
  gint64 file_kib;
  gint64 hwm_kib;
} MemInfo;

static gboolean
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
static GArray *
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

static GStrv
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
static GArray *
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
static void
qemu_kill_leftovers (Bench *b)
{
  g_autoptr(GArray) pids = state_dir_pids (b);

  for (guint i = 0; i < pids->len; i++)
    kill (g_array_index (pids, GPid, i), SIGKILL);
}

static void
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

static gboolean
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

static gboolean
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

static gboolean
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
static gboolean
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

/* Calls ----------------------------------------------------------------- */

static GVariant *
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

/* Each operation times itself, so that set-up and clean-up that are not
 * part of what is measured (Destroy after an event) stay outside. */
typedef gboolean (*BenchOp) (Bench *b, double *elapsed_us, GError **error);

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

typedef struct {
  const char *id;
  BenchOp op;     /* against virtbusd */
  BenchOp ref_op; /* against the echo server */
  guint iterations;
  guint chunk; /* operations per sample: finer than the clock's µs */
  GArray *samples;
  GArray *ref_samples;
  char *error;
} Pair;

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

typedef struct {
  /* the default preloaded state */
  guint list_iterations;
  guint lookup_iterations;
  guint cycle_iterations;
  guint event_iterations;
  guint rounds;
  /* the large lists */
  guint small_count;
  guint large_count;
  guint small_iterations;
  guint large_iterations;
  guint list_rounds;
  /* fresh daemons */
  guint startups;
  /* QEMU: start/destroy rounds */
  guint qemu_rounds;
  /* network: start/stop rounds */
  guint net_rounds;
} Plan;

static const Plan full_plan = { 2000, 1000, 1000, 500, 20, 1000, 10000, 400, 60, 10, 20, 10, 10 };
static const Plan quick_plan = { 200, 100, 100, 50, 5, 100, 1000, 40, 8, 4, 5, 3, 3 };

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

static gboolean
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

static gboolean
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

static gboolean
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

static gboolean
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

static int
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
static gboolean
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
static void
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

static gboolean
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

/* The network section ------------------------------------------------------ */

#define VB_NETWORK "org.libvirt.Network"
#define NET_NAME "benchnet"
#define NET_BRIDGE "vbbench0"
#define NET_ADDRESS "192.168.111.1"
#define NET_PREFIX "24"
#define NET_PROBE_NAME "probe"
#define NET_PROBE_ADDRESS "192.168.111.9"
#define NET_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define DNS_RETRY_US 1000

static const char net_xml[] =
  "<network><name>" NET_NAME "</name><forward mode='nat'/><bridge name='" NET_BRIDGE "' stp='off'/>"
  "<dns><host ip='" NET_PROBE_ADDRESS "'><hostname>" NET_PROBE_NAME "</hostname></host></dns>"
  "<ip address='" NET_ADDRESS "' prefix='" NET_PREFIX "'>"
  "<dhcp><range start='192.168.111.10' end='192.168.111.50'/></dhcp></ip></network>";

/* Runs @argv to the end, inside the namespace when @in_netns; its output in
 * @out_stdout when asked. A non-zero exit is an error carrying its stderr. */
static gboolean
net_run (Bench *b, gboolean in_netns, const char *const *argv, char **out_stdout, GError **error)
{
  GSpawnFlags flags = G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (out_stdout == NULL)
    flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, flags, in_netns ? netns_child_setup : child_setup,
                     in_netns ? b->netns_path : NULL, out_stdout, &err, &status, error)) {
    g_prefix_error (error, "cannot run %s: ", argv[0]);
    return FALSE;
  }
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
    g_autofree char *how = describe_status (status);

    if (out_stdout)
      g_clear_pointer (out_stdout, g_free);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s%s: %s: %s", cmd,
                 in_netns ? " (in the namespace)" : "", how, err ? g_strstrip (err) : "");
    return FALSE;
  }
  return TRUE;
}

static gboolean
netns_create (Bench *b, GError **error)
{
  g_autofree char *name = g_strdup_printf ("vbbench-%d", (int) getpid ());
  const char *add[] = { "ip", "netns", "add", name, NULL };
  const char *lo[] = { "ip", "link", "set", "lo", "up", NULL };

  if (!net_run (b, FALSE, add, NULL, error))
    return FALSE;
  b->netns_path = g_strdup_printf ("/run/netns/%s", name);
  b->netns = g_steal_pointer (&name);
  if (!g_file_test (b->netns_path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "ip netns add %s left no %s", b->netns,
                 b->netns_path);
    return FALSE;
  }
  return net_run (b, TRUE, lo, NULL, error);
}

/* Whatever is still in the namespace goes with it. */
static void
netns_delete (Bench *b)
{
  g_autoptr(GError) error = NULL;
  const char *del[] = { "ip", "netns", "delete", b->netns, NULL };

  if (b->netns == NULL)
    return;
  if (!net_run (b, FALSE, del, NULL, &error))
    fprintf (stderr, "vb-bench: cannot delete network namespace %s: %s\n", b->netns, error->message);
  g_clear_pointer (&b->netns, g_free);
  g_clear_pointer (&b->netns_path, g_free);
}

/* setns() moves only the calling thread; GDBus's worker stays outside. */
static gboolean
netns_enter (Bench *b, int *saved_fd, GError **error)
{
  int fd = open (b->netns_path, O_RDONLY | O_CLOEXEC);
  int saved_errno;

  *saved_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && *saved_fd >= 0 && setns (fd, CLONE_NEWNET) == 0) {
    close (fd);
    return TRUE;
  }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  if (*saved_fd >= 0)
    close (*saved_fd);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "cannot enter network namespace %s: %s", b->netns, g_strerror (saved_errno));
  return FALSE;
}

static void
netns_leave (int saved_fd)
{
  /* staying in the namespace would measure the wrong thing from then on */
  if (setns (saved_fd, CLONE_NEWNET) < 0)
    g_error ("cannot return to the original network namespace: %s", g_strerror (errno));
  close (saved_fd);
}

/* The DNS client's socket, created inside the namespace: it stays there. */
static gboolean
netns_open_socket (Bench *b, GError **error)
{
  int saved_fd, saved_errno;

  if (!netns_enter (b, &saved_fd, error))
    return FALSE;
  b->dns_fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  saved_errno = errno;
  netns_leave (saved_fd);
  if (b->dns_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                 "cannot create a UDP socket in the namespace: %s", g_strerror (saved_errno));
    return FALSE;
  }
  return TRUE;
}

/* /proc/sys/net shows the namespace of the thread that opens it. */
static gboolean
netns_ip_forward (Bench *b, char **out_value, GError **error)
{
  int saved_fd;
  gboolean ok;

  if (!netns_enter (b, &saved_fd, error))
    return FALSE;
  ok = g_file_get_contents ("/proc/sys/net/ipv4/ip_forward", out_value, NULL, error);
  netns_leave (saved_fd);
  if (ok)
    g_strstrip (*out_value);
  return ok;
}

/* A reply to one of the ids from @first to @last, without error, whose
 * (only) answer is the probe's address. Any other reply to us sets
 * *wrong (the rcode, or -1: no such answer). */
static gboolean
dns_answered (const guint8 *r, gssize n, gsize qlen, guint16 first, guint16 last, int *wrong)
{
  struct in_addr want;
  guint16 id;

  if (n < (gssize) qlen)
    return FALSE;
  id = (guint16) ((r[0] << 8) | r[1]);
  if ((guint16) (id - first) > (guint16) (last - first) || (r[2] & 0x80) == 0)
    return FALSE;
  inet_pton (AF_INET, NET_PROBE_ADDRESS, &want);
  if ((r[3] & 0x0f) == 0 && ((r[6] << 8) | r[7]) > 0 && n >= (gssize) qlen + 16 &&
      memcmp (r + n - 4, &want, 4) == 0)
    return TRUE;
  *wrong = (r[3] & 0x0f) ? (r[3] & 0x0f) : -1;
  return FALSE;
}

/* One A query for the probe name to the bridge address, from inside the
 * namespace, sent again every DNS_RETRY_US until dnsmasq answers it. The
 * same for both sides. */
static gboolean
net_dns_wait (Bench *b, GError **error)
{
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (53) };
  guint8 q[64], r[512];
  gsize len = 12;
  guint16 first = ++b->dns_id;
  int wrong = 0;
  gint64 deadline = g_get_monotonic_time () + NET_TIMEOUT_US;

  inet_pton (AF_INET, NET_ADDRESS, &sa.sin_addr);
  memset (q, 0, sizeof (q));
  q[2] = 0x01, q[5] = 1; /* RD, one question */
  q[len++] = strlen (NET_PROBE_NAME);
  memcpy (q + len, NET_PROBE_NAME, strlen (NET_PROBE_NAME));
  len += strlen (NET_PROBE_NAME);
  q[len++] = 0;
  q[len++] = 0, q[len++] = 1; /* A */
  q[len++] = 0, q[len++] = 1; /* IN */
  /* late answers to an earlier probe */
  while (recv (b->dns_fd, r, sizeof (r), 0) > 0)
    ;
  for (;;) {
    gint64 next;

    q[0] = b->dns_id >> 8, q[1] = b->dns_id & 0xff;
    /* fails (ENETUNREACH) until the address is there: then just wait */
    sendto (b->dns_fd, q, len, 0, (struct sockaddr *) &sa, sizeof (sa));
    next = g_get_monotonic_time () + DNS_RETRY_US;
    for (gint64 now = g_get_monotonic_time (); now < next; now = g_get_monotonic_time ()) {
      struct pollfd pfd = { b->dns_fd, POLLIN, 0 };
      struct timespec ts = { 0, (next - now) * 1000 };
      gssize n;

      if (ppoll (&pfd, 1, &ts, NULL) <= 0)
        continue;
      while ((n = recv (b->dns_fd, r, sizeof (r), 0)) > 0) {
        if (dns_answered (r, n, len, first, b->dns_id, &wrong))
          return TRUE;
      }
    }
    if (!check_interrupted (error))
      return FALSE;
    if (g_get_monotonic_time () > deadline) {
      if (wrong > 0)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                     "%s answered \"%s\" with rcode %d, never with %s, for %d s", NET_ADDRESS,
                     NET_PROBE_NAME, wrong, NET_PROBE_ADDRESS, (int) (NET_TIMEOUT_US / G_USEC_PER_SEC));
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no DNS answer%s from %s within %d s",
                     wrong ? " with " NET_PROBE_ADDRESS : "", NET_ADDRESS,
                     (int) (NET_TIMEOUT_US / G_USEC_PER_SEC));
      return FALSE;
    }
    b->dns_id++;
  }
}

typedef struct {
  char *path;          /* the network's object path */
  char *ip_forward;    /* the namespace's ip_forward before any start */
  char *hand_dir;
  char *hand_conf_arg; /* --conf-file=…: virtbusd's dnsmasq config, moved here */
  char *hand_rules;    /* virtbusd's ruleset, as nft lists it */
  char *hand_family;   /* the table it creates */
  char *hand_table;
  char *dnsmasq;
  GArray *create_reply;
  GArray *start;
  GArray *destroy;
  GArray *cycle;
  GArray *hand_start;
  GArray *hand_undo;
  GArray *hand_cycle;
  guint checks;
  guint dirty;      /* Destroys that left something behind */
  char *first_dirty;
  guint hand_checks;
  guint hand_dirty; /* the same for the by-hand undo */
  char *hand_first_dirty;
} NetRun;

static void
net_run_clear (NetRun *run)
{
  g_clear_pointer (&run->path, g_free);
  g_clear_pointer (&run->ip_forward, g_free);
  g_clear_pointer (&run->hand_dir, g_free);
  g_clear_pointer (&run->hand_conf_arg, g_free);
  g_clear_pointer (&run->hand_rules, g_free);
  g_clear_pointer (&run->hand_family, g_free);
  g_clear_pointer (&run->hand_table, g_free);
  g_clear_pointer (&run->dnsmasq, g_free);
  g_clear_pointer (&run->create_reply, g_array_unref);
  g_clear_pointer (&run->start, g_array_unref);
  g_clear_pointer (&run->destroy, g_array_unref);
  g_clear_pointer (&run->cycle, g_array_unref);
  g_clear_pointer (&run->hand_start, g_array_unref);
  g_clear_pointer (&run->hand_undo, g_array_unref);
  g_clear_pointer (&run->hand_cycle, g_array_unref);
  g_clear_pointer (&run->first_dirty, g_free);
  g_clear_pointer (&run->hand_first_dirty, g_free);
}

/* What a stop left in the namespace: links but lo, any nft ruleset,
 * ip_forward changed, a process naming the state directory (dnsmasq).
 * *out_left is NULL when nothing was. */
static gboolean
net_leftovers (Bench *b, NetRun *run, char **out_left, GError **error)
{
  const char *links_argv[] = { "ip", "-o", "link", "show", NULL };
  const char *nft_argv[] = { "nft", "list", "ruleset", NULL };
  g_autofree char *links = NULL;
  g_autofree char *rules = NULL;
  g_autofree char *forward = NULL;
  g_autoptr(GString) left = g_string_new (NULL);
  g_autoptr(GArray) pids = NULL;
  g_auto(GStrv) lines = NULL;

  if (!net_run (b, TRUE, links_argv, &links, error) || !net_run (b, TRUE, nft_argv, &rules, error) ||
      !netns_ip_forward (b, &forward, error))
    return FALSE;
  lines = g_strsplit (links, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) fields = g_strsplit (*l, ": ", 3);

    /* "2: vbbench0: <…" or "3: veth@if2: <…" */
    if (fields[0] && fields[1]) {
      char *at = strchr (fields[1], '@');

      if (at)
        *at = '\0';
      if (!g_str_equal (fields[1], "lo"))
        g_string_append_printf (left, "%slink %s", left->len ? ", " : "", fields[1]);
    }
  }
  if (*g_strstrip (rules)) {
    g_auto(GStrv) rule_lines = g_strsplit (rules, "\n", -1);

    /* the tables name it well enough: "table inet virtbus-benchnet {" */
    g_string_append_printf (left, "%snft ruleset not empty", left->len ? ", " : "");
    for (char **l = rule_lines; *l; l++) {
      if (g_str_has_prefix (*l, "table "))
        g_string_append_printf (left, " (%.*s)", (int) strcspn (*l, "{") - 1, *l);
    }
  }
  if (g_strcmp0 (forward, run->ip_forward) != 0)
    g_string_append_printf (left, "%sip_forward %s (was %s)", left->len ? ", " : "", forward,
                            run->ip_forward);
  pids = state_dir_pids (b);
  for (guint i = 0; i < pids->len; i++)
    g_string_append_printf (left, "%sprocess %d", left->len ? ", " : "",
                            (int) g_array_index (pids, GPid, i));
  *out_left = left->len ? g_string_free (g_steal_pointer (&left), FALSE) : NULL;
  return TRUE;
}

static gboolean
net_check_after (Bench *b, NetRun *run, gboolean hand, GError **error)
{
  g_autofree char *left = NULL;

  if (!net_leftovers (b, run, &left, error))
    return FALSE;
  if (hand) {
    run->hand_checks++;
    run->hand_dirty += left != NULL;
    if (left && run->hand_first_dirty == NULL)
      run->hand_first_dirty = g_steal_pointer (&left);
  } else {
    run->checks++;
    run->dirty += left != NULL;
    if (left && run->first_dirty == NULL)
      run->first_dirty = g_steal_pointer (&left);
  }
  return TRUE;
}

static gboolean
net_call (Bench *b, NetRun *run, const char *method, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = bus_call (b, VB_NAME, run->path, VB_NETWORK, method, NULL, "()", error);
  return reply != NULL;
}

/* Create until the reply, on until dnsmasq answers; Destroy until the reply. */
static gboolean
net_vb_cycle (Bench *b, NetRun *run, gboolean keep, GError **error)
{
  gint64 t0 = g_get_monotonic_time ();
  gint64 t_reply, t_up, t_end;

  if (!net_call (b, run, "Create", error))
    return FALSE;
  t_reply = g_get_monotonic_time ();
  if (!net_dns_wait (b, error))
    return FALSE;
  t_up = g_get_monotonic_time ();
  if (!net_call (b, run, "Destroy", error))
    return FALSE;
  t_end = g_get_monotonic_time ();
  if (keep) {
    double create_reply = t_reply - t0, start = t_up - t0, destroy = t_end - t_up, cycle = t_end - t0;

    g_array_append_val (run->create_reply, create_reply);
    g_array_append_val (run->start, start);
    g_array_append_val (run->destroy, destroy);
    g_array_append_val (run->cycle, cycle);
  }
  return net_check_after (b, run, FALSE, error);
}

static gboolean
hand_dnsmasq_stop (Bench *b, GError **error)
{
  int pidfd = open_pidfd (b->hand_dnsmasq_pid);
  int status = 0;
  gboolean exited;

  kill (b->hand_dnsmasq_pid, SIGTERM);
  exited = wait_exit (b->hand_dnsmasq_pid, pidfd, g_get_monotonic_time () + STOP_TIMEOUT_US, &status);
  if (pidfd >= 0)
    close (pidfd);
  if (!exited) {
    stop_child (&b->hand_dnsmasq_pid);
    if (!check_interrupted (error))
      return FALSE;
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "by-hand dnsmasq did not exit on SIGTERM");
    return FALSE;
  }
  b->hand_dnsmasq_pid = 0;
  return TRUE;
}

/* The same steps by hand, each a command run in the namespace: the bridge
 * and its address (ip), the ruleset (nft -f), dnsmasq until it answers; then
 * dnsmasq stopped, the table deleted, the bridge deleted. */
static gboolean
net_hand_cycle (Bench *b, NetRun *run, gboolean keep, GError **error)
{
  g_autofree char *rules_path = g_build_filename (run->hand_dir, "ruleset.nft", NULL);
  g_autofree char *log_path = g_build_filename (run->hand_dir, "dnsmasq.log", NULL);
  const char *add_bridge[] = { "ip", "link", "add", NET_BRIDGE, "type", "bridge", "stp_state", "0",
                               "forward_delay", "0", NULL };
  const char *add_address[] = { "ip", "address", "add", NET_ADDRESS "/" NET_PREFIX, "dev", NET_BRIDGE,
                                NULL };
  const char *set_up[] = { "ip", "link", "set", NET_BRIDGE, "up", NULL };
  const char *load[] = { "nft", "-f", rules_path, NULL };
  const char *dnsmasq[] = { run->dnsmasq, "--keep-in-foreground", run->hand_conf_arg, NULL };
  const char *del_table[] = { "nft", "delete", "table", run->hand_family, run->hand_table, NULL };
  const char *del_bridge[] = { "ip", "link", "delete", NET_BRIDGE, NULL };
  gint64 t0, t_up, t_end;
  gboolean ok;
  int log_fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

  if (log_fd < 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", log_path,
                 g_strerror (errno));
    return FALSE;
  }
  t0 = g_get_monotonic_time ();
  ok = net_run (b, TRUE, add_bridge, NULL, error) && net_run (b, TRUE, add_address, NULL, error) &&
       net_run (b, TRUE, set_up, NULL, error) && net_run (b, TRUE, load, NULL, error) &&
       spawn_child_full (dnsmasq, NULL, log_fd, NULL, netns_child_setup, b->netns_path,
                         &b->hand_dnsmasq_pid, error) &&
       net_dns_wait (b, error);
  close (log_fd);
  if (!ok)
    return FALSE;
  t_up = g_get_monotonic_time ();
  if (!hand_dnsmasq_stop (b, error) || !net_run (b, TRUE, del_table, NULL, error) ||
      !net_run (b, TRUE, del_bridge, NULL, error))
    return FALSE;
  t_end = g_get_monotonic_time ();
  if (keep) {
    double start = t_up - t0, undo = t_end - t_up, cycle = t_end - t0;

    g_array_append_val (run->hand_start, start);
    g_array_append_val (run->hand_undo, undo);
    g_array_append_val (run->hand_cycle, cycle);
  }
  return net_check_after (b, run, TRUE, error);
}

static char *
find_file (const char *dir, const char *name)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;
  char *found = NULL;

  while (found == NULL && d && (entry = g_dir_read_name (d))) {
    g_autofree char *path = g_build_filename (dir, entry, NULL);

    if (g_str_equal (entry, name))
      found = g_steal_pointer (&path);
    else if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
      found = find_file (path, name);
  }
  return found;
}

/* While the network runs (warm-up): the by-hand side takes exactly what
 * virtbusd loaded, the ruleset as nft lists it and dnsmasq's config with
 * its files moved to a directory of its own. */
static gboolean
net_copy_setup (Bench *b, NetRun *run, GError **error)
{
  const char *list[] = { "nft", "list", "ruleset", NULL };
  const char *copied[] = { ".addnhosts", ".hostsfile" };
  g_autofree char *conf_path = find_file (b->vb_state_dir, NET_NAME ".conf");
  g_autofree char *run_dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *hand_conf = NULL;
  g_autofree char *hand_conf_path = NULL;
  g_autofree char *rules_path = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(GStrv) lines = NULL;

  if (conf_path == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no %s.conf under %s", NET_NAME,
                 b->vb_state_dir);
    return FALSE;
  }
  run_dir = g_path_get_dirname (conf_path);
  if (!g_file_get_contents (conf_path, &conf, NULL, error) ||
      !net_run (b, TRUE, list, &run->hand_rules, error))
    return FALSE;
  parts = g_strsplit (conf, run_dir, -1);
  hand_conf = g_strjoinv (run->hand_dir, parts);
  hand_conf_path = g_build_filename (run->hand_dir, NET_NAME ".conf", NULL);
  if (!g_file_set_contents (hand_conf_path, hand_conf, -1, error))
    return FALSE;
  run->hand_conf_arg = g_strdup_printf ("--conf-file=%s", hand_conf_path);
  for (guint i = 0; i < G_N_ELEMENTS (copied); i++) {
    g_autofree char *from = g_strconcat (run_dir, "/" NET_NAME, copied[i], NULL);
    g_autofree char *to = g_strconcat (run->hand_dir, "/" NET_NAME, copied[i], NULL);
    g_autofree char *text = NULL;

    if (g_file_get_contents (from, &text, NULL, NULL) && !g_file_set_contents (to, text, -1, error))
      return FALSE;
  }
  rules_path = g_build_filename (run->hand_dir, "ruleset.nft", NULL);
  if (!g_file_set_contents (rules_path, run->hand_rules, -1, error))
    return FALSE;
  /* "table inet virtbus-benchnet {": what the undo deletes */
  lines = g_strsplit (run->hand_rules, "\n", -1);
  for (char **l = lines; *l && run->hand_table == NULL; l++) {
    g_auto(GStrv) words = g_strsplit (*l, " ", -1);

    if (g_strv_length (words) >= 3 && g_str_equal (words[0], "table")) {
      run->hand_family = g_strdup (words[1]);
      run->hand_table = g_strdup (words[2]);
    }
  }
  if (run->hand_table == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the running network's ruleset has no table:\n%s",
                 run->hand_rules);
    return FALSE;
  }
  return TRUE;
}

static gboolean
net_measure (Bench *b, const Plan *plan, NetRun *run, GError **error)
{
  g_autoptr(GVariant) defined = NULL;

  if (!netns_create (b, error) || !netns_open_socket (b, error) ||
      !netns_ip_forward (b, &run->ip_forward, error))
    return FALSE;
  b->vb_in_netns = TRUE;
  if (!start_virtbusd (b, NULL, error))
    return FALSE;
  defined = bus_call (b, VB_NAME, VB_QEMU_ROOT, VB_CONNECT, "NetworkDefineXML",
                      g_variant_new ("(s)", net_xml), "(o)", error);
  if (defined == NULL)
    return FALSE;
  g_variant_get (defined, "(o)", &run->path);

  /* Warm-up, untimed: a start that the by-hand side copies, then one
   * cycle of each side. */
  if (!net_call (b, run, "Create", error) || !net_dns_wait (b, error) ||
      !net_copy_setup (b, run, error) || !net_call (b, run, "Destroy", error) ||
      !net_check_after (b, run, FALSE, error) || !net_hand_cycle (b, run, FALSE, error))
    return FALSE;

  for (guint r = 0; r < plan->net_rounds; r++) {
    progress ("\r  round %u/%u", r + 1, plan->net_rounds);
    for (guint side = 0; side < 2; side++) {
      gboolean hand = (r + side) % 2 == 1;

      if (!check_interrupted (error))
        return FALSE;
      if (hand ? !net_hand_cycle (b, run, TRUE, error) : !net_vb_cycle (b, run, TRUE, error))
        return FALSE;
    }
  }
  progress ("\n");
  return TRUE;
}

/* Why the section cannot run here, or NULL. */
static char *
net_skip_reason (char **out_dnsmasq)
{
  const char *tools[] = { "ip", "nft" };
  g_autofree char *dnsmasq = g_find_program_in_path ("dnsmasq");

  if (geteuid () != 0)
    return g_strdup ("not root (it needs a network namespace, a bridge, nftables)");
  for (guint i = 0; i < G_N_ELEMENTS (tools); i++) {
    g_autofree char *found = g_find_program_in_path (tools[i]);

    if (found == NULL)
      return g_strdup_printf ("%s is not in PATH", tools[i]);
  }
  if (dnsmasq == NULL)
    return g_strdup ("dnsmasq is not in PATH");
  *out_dnsmasq = g_steal_pointer (&dnsmasq);
  return NULL;
}

static gboolean
phase_network (Bench *b, const Plan *plan, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *skip = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *net_run_dir = NULL;
  NetRun run = { NULL };
  const char *failed;
  Row *row;
  int status;

  skip = net_skip_reason (&run.dnsmasq);
  if (skip) {
    g_ptr_array_add (b->skipped, g_strdup_printf ("network section: %s", skip));
    printf ("vb-bench: network section skipped: %s\n", skip);
    fflush (stdout);
    return TRUE;
  }
  g_printerr ("network: NAT network with DHCP, start + stop against the same steps by hand (%u rounds)\n",
              plan->net_rounds);
  g_ptr_array_add (b->notes, g_strdup (
    "Network rows: virtbusd --state-dir in a network namespace of the bench's own, NAT network\n"
    "with DHCP. \"by hand\": the same steps as commands in the namespace (ip ×3, nft -f of\n"
    "virtbusd's own ruleset, its dnsmasq config; undo: SIGTERM, nft delete table, ip link\n"
    "delete). Both sides wait for a DNS answer on the bridge address. Their last column\n"
    "quotes libvirt 9.0 from the issue (another machine)."));
  stop_child (&b->vb_pid);
  stop_child (&b->echo_pid);
  b->vb_state_dir = g_build_filename (b->tmpdir, "net-state", NULL);
  run.hand_dir = g_build_filename (b->tmpdir, "net-hand", NULL);
  run.create_reply = g_array_new (FALSE, FALSE, sizeof (double));
  run.start = g_array_new (FALSE, FALSE, sizeof (double));
  run.destroy = g_array_new (FALSE, FALSE, sizeof (double));
  run.cycle = g_array_new (FALSE, FALSE, sizeof (double));
  run.hand_start = g_array_new (FALSE, FALSE, sizeof (double));
  run.hand_undo = g_array_new (FALSE, FALSE, sizeof (double));
  run.hand_cycle = g_array_new (FALSE, FALSE, sizeof (double));

  net_run_dir = g_build_filename (b->vb_state_dir, "run", "qemu", "networks", NULL);
  /* dnsmasq reads its hosts files once it runs as nobody: the way to them
   * must be open to it (the temporary directory only to pass through).
   * virtbusd makes run/qemu 0700 when it has to create it (the domains'
   * status files), which would hide the network's files from dnsmasq. */
  if (g_chmod (b->tmpdir, 0711) < 0 || g_mkdir_with_parents (net_run_dir, 0755) < 0 ||
      g_mkdir_with_parents (run.hand_dir, 0755) < 0)
    g_set_error (&local, G_IO_ERROR, g_io_error_from_errno (errno),
                 "cannot prepare the directories under %s: %s", b->tmpdir, g_strerror (errno));
  else
    net_measure (b, plan, &run, &local);
  progress ("\n");

  stop_child (&b->hand_dnsmasq_pid);
  if (local && g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_propagate_error (error, g_steal_pointer (&local));
    net_run_clear (&run);
    return FALSE;
  }
  if (local)
    bench_failure (b, "network section: %s", local->message);
  failed = local ? local->message : NULL;

  qemu_time_row (b, "net_create_reply", "Network: Create → reply", run.create_reply, NULL, NULL,
                 0, NULL, NULL, failed);
  qemu_time_row (b, "net_start", "Network: Create → DNS answer", run.start, run.hand_start,
                 "by hand", 0, NULL, NULL, failed);
  qemu_time_row (b, "net_destroy", "Network: Destroy", run.destroy, run.hand_undo, "by hand", 0,
                 NULL, NULL, failed);
  qemu_time_row (b, "net_cycle", "Network: start + stop", run.cycle, run.hand_cycle, "by hand",
                 1.3, "≤ 1.3× by hand", "≈ 4.3× by hand (libvirt 9.0)", failed);
  row = bench_add_row (b, row_new ("net_leftovers", "Network: Destroys leaving any", ROW_COUNT,
                                   "empty chains, ip_forward=1 (libvirt 9.0)"));
  row_set_goal (row, GOAL_VALUE_AT_MOST, 0, "none");
  if (run.checks > 0)
    row->value = run.dirty;
  else
    row->error = g_strdup (failed ? failed : "nothing was checked");

  if (run.checks > 0) {
    g_autofree char *hand = NULL;

    if (run.hand_dirty)
      hand = g_strdup_printf ("by hand: %u of %u undos left something; first: %s", run.hand_dirty,
                              run.hand_checks, run.hand_first_dirty);
    else
      hand = g_strdup_printf ("by hand: the same after each of %u undos", run.hand_checks);
    if (run.dirty == 0)
      clean = g_strdup_printf ("network: after each of the %u Destroys the namespace held only lo, an "
                               "empty nft ruleset, ip_forward %s as before, and no dnsmasq (%s)",
                               run.checks, run.ip_forward, hand);
    else
      clean = g_strdup_printf ("network: %u of %u Destroys left something behind; first: %s (%s)",
                               run.dirty, run.checks, run.first_dirty, hand);
  }
  if (clean)
    g_ptr_array_add (b->notes, g_steal_pointer (&clean));
  net_run_clear (&run);

  status = stop_child (&b->vb_pid);
  qemu_kill_leftovers (b);
  if (status != 0) {
    g_autofree char *how = describe_status (status);
    g_autofree char *tail = log_tail (b->vb_log, 15);

    bench_failure (b, "virtbusd (network section) did not exit cleanly on SIGTERM (%s). Log:\n    %s",
                   how, tail);
  }
  b->vb_in_netns = FALSE;
  if (b->dns_fd >= 0) {
    close (b->dns_fd);
    b->dns_fd = -1;
  }
  netns_delete (b);
  g_clear_pointer (&b->vb_state_dir, g_free);
  return TRUE;
}

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
