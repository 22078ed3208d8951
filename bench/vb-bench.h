/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of vb-bench share: the bench state, result rows, plans,
 * the children and services it runs, and the calls every section makes. */

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


extern volatile sig_atomic_t interrupted;

void install_signal_handlers (void);

extern gboolean progress_to_tty;

void G_GNUC_PRINTF (1, 2) progress (const char *fmt, ...);

gboolean check_interrupted (GError **error);

typedef struct {
  double median;
  double p10;
  double p90;
  guint n;
} Stats;

Stats stats_of (GArray *samples);

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

int compare_rows (gconstpointer a, gconstpointer b);

Row *row_new (const char *id, const char *label, RowKind kind, const char *libvirt_dbus);

void row_set_goal (Row *row, GoalKind kind, double goal, const char *text);

int row_goal_met (const Row *row);

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

Bench *bench_new (void);

void bench_free (Bench *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Bench, bench_free)

void G_GNUC_PRINTF (2, 3) bench_failure (Bench *b, const char *fmt, ...);

Row *bench_add_row (Bench *b, Row *row);

void child_setup (gpointer user_data);

void netns_child_setup (gpointer user_data);

gboolean spawn_child_full (const char *const *argv, const char *const *envp, int out_fd,
                           int *stdout_pipe, GSpawnChildSetupFunc setup, gpointer setup_data,
                           GPid *out_pid, GError **error);

gboolean spawn_child (const char *const *argv, const char *const *envp, int out_fd,
                      int *stdout_pipe, GPid *out_pid, GError **error);

gboolean child_exited (GPid pid, int *out_status);

char *describe_status (int status);

int stop_child (GPid *pid);

char *log_tail (const char *path, guint max_lines);

typedef struct {
  gint64 rss_kib;
  gint64 anon_kib;
  gint64 file_kib;
  gint64 hwm_kib;
} MemInfo;

gboolean read_memory (GPid pid, MemInfo *out, GError **error);

GArray *qemu_status_pids (const char *state_dir);

GStrv read_cmdline (GPid pid, GError **error);

GArray *state_dir_pids (Bench *b);

void qemu_kill_leftovers (Bench *b);

void bench_stop_all (Bench *b);

gboolean start_bus (Bench *b, GError **error);

gboolean start_virtbusd (Bench *b, gint64 *out_startup_us, GError **error);

gboolean start_echo (Bench *b, gint64 *out_startup_us, GError **error);

gboolean ensure_virtbusd (Bench *b, GError **error);

GVariant *bus_call (Bench *b, const char *dest, const char *path, const char *iface,
                    const char *method, GVariant *args, const char *reply_type, GError **error);

/* Each operation times itself, so that set-up and clean-up that are not
 * part of what is measured (Destroy after an event) stay outside. */
typedef gboolean (*BenchOp) (Bench *b, double *elapsed_us, GError **error);

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

extern const Plan full_plan;

extern const Plan quick_plan;

gboolean phase_start (Bench *b, GError **error);

gboolean phase_calls (Bench *b, const Plan *plan, GError **error);

gboolean measure_list (Bench *b, guint target, guint iterations, guint rounds, gboolean large,
                       GError **error);

gboolean phase_startup (Bench *b, const Plan *plan, GError **error);

int open_pidfd (GPid pid);

gboolean wait_exit (GPid pid, int pidfd, gint64 deadline, int *out_status);

void qemu_time_row (Bench *b, const char *id, const char *label, GArray *vb, GArray *bare,
                    const char *ref_label, double goal, const char *goal_text, const char *libvirt,
                    const char *error);

gboolean phase_qemu (Bench *b, const Plan *plan, GError **error);

void netns_delete (Bench *b);

gboolean phase_network (Bench *b, const Plan *plan, GError **error);
