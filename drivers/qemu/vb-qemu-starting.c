/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Crash-safe starts: the record of a start in progress, and what a
 * restarted daemon does with one.
 *
 * qemu runs in a session of its own so that guests outlive the daemon;
 * until a start completes (vm_start_done replaces the record with the
 * full status), a daemon killed at that moment would leave a qemu that
 * nobody knows, whose locked pidfile then fails the next start.  So the
 * record (marked starting, naming the monitor socket, the log and the
 * devices plugged for the NICs) is on disk before the fork, and a daemon
 * that finds it at start-up kills the qemu of that start and reports the
 * domain shut off (failed).  As in libvirt, a start that did not complete
 * is not taken over: its caller never heard it succeed, and a qemu still
 * stopped at -S, or half set up by the start's commands, must not be
 * reported as running. */
#include "vb-qemu-private.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

/* how long a SIGKILLed qemu may take to go (it frees the guest's memory) */
#define START_KILL_WAIT_MS 5000
#define START_KILL_POLL_MS 10

/* Written whole with a rename, not synced: the run directory is a tmpfs
 * (/run, $XDG_RUNTIME_DIR), and what must survive is a SIGKILL of the
 * daemon, not a power cut, which no qemu survives either. */
gboolean
start_record_save (VbQemuDriver *self, const char *key, const char *qmp_path, const char *log_path,
                   GPtrArray *nics, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;

  g_key_file_set_boolean (kf, STATUS_GROUP, "starting", TRUE);
  g_key_file_set_string (kf, STATUS_GROUP, "qmp", qmp_path);
  g_key_file_set_string (kf, STATUS_GROUP, "log", log_path);
  nics_save (kf, nics);
  data = g_key_file_to_data (kf, NULL, NULL);
  return vb_config_store_save_status (self->store, key, data, error);
}

gboolean
start_record_is_starting (GKeyFile *kf)
{
  return g_key_file_get_boolean (kf, STATUS_GROUP, "starting", NULL);
}

/* Whether @pid runs the qemu of @key that this daemon's state started:
 * the UUID alone could be another daemon's guest (tests run daemons side
 * by side), the pidfile path names our run directory too. */
static gboolean
is_our_qemu (GPid pid, const char *key, const char *pid_path)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *cmdline = NULL;
  gsize len;
  gboolean has_uuid = FALSE;
  gboolean has_pidfile = FALSE;
  const char *prev = "";

  if (!g_file_get_contents (path, &cmdline, &len, NULL))
    return FALSE;
  /* NUL-separated arguments; g_file_get_contents ends the last one */
  for (const char *arg = cmdline; arg < cmdline + len; arg += strlen (arg) + 1) {
    has_uuid = has_uuid || (strcmp (prev, "-uuid") == 0 && strcmp (arg, key) == 0);
    has_pidfile = has_pidfile || (strcmp (prev, "-pidfile") == 0 && strcmp (arg, pid_path) == 0);
    prev = arg;
  }
  return has_uuid && has_pidfile;
}

/* The pidfile may not be written yet (the daemon died right after the
 * fork), or be left by another run: /proc is what says which processes
 * run this start's command line. */
static GArray *
find_our_qemus (const char *key, const char *pid_path)
{
  GArray *pids = g_array_new (FALSE, FALSE, sizeof (GPid));
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (proc && (name = g_dir_read_name (proc)) != NULL) {
    guint64 number;
    GPid pid;
    char state = 0;

    if (!g_ascii_string_to_unsigned (name, 10, 1, G_MAXINT, &number, NULL))
      continue;
    pid = (GPid) number;
    if (is_our_qemu (pid, key, pid_path) && read_proc_stat (pid, &state, NULL, NULL) && state != 'Z' &&
        state != 'X')
      g_array_append_val (pids, pid);
  }
  return pids;
}

/* Not our child any more (the dead daemon's was): nothing reaps it for
 * us, so gone means a zombie or no process, as for re-attached guests.
 * The wait is short and happens once, at start-up, before anything is
 * served; a start of the same domain must not race the dying qemu. */
static void
kill_and_wait (GPid pid)
{
  guint64 start_time = 0;

  if (!read_proc_stat (pid, NULL, &start_time, NULL) || kill (pid, SIGKILL) < 0)
    return;
  for (guint waited = 0; waited < START_KILL_WAIT_MS && !process_gone (pid, start_time);
       waited += START_KILL_POLL_MS)
    g_usleep (START_KILL_POLL_MS * 1000);
  if (!process_gone (pid, start_time))
    g_warning ("QEMU driver: qemu (pid %d) is still there %d ms after SIGKILL", pid, START_KILL_WAIT_MS);
}

/* Kills every qemu of @key's start, saying @why, and returns how many
 * there were. */
static guint
kill_our_qemus (VbQemuDriver *self, const char *key, const char *why)
{
  g_autofree char *pid_path = vb_config_store_run_path (self->store, key, ".pid");
  g_autoptr(GArray) pids = find_our_qemus (key, pid_path);

  for (guint i = 0; i < pids->len; i++) {
    GPid pid = g_array_index (pids, GPid, i);

    g_message ("QEMU driver: domain %s: killing qemu (pid %d), %s", key, pid, why);
    kill_and_wait (pid);
  }
  return pids->len;
}

/* A start that the last daemon did not live to complete (@kf is its
 * record): no qemu of it stays, nor anything the run would have left. */
void
start_record_reap (VbQemuDriver *self, const char *key, GKeyFile *kf)
{
  g_autofree char *qmp = g_key_file_get_string (kf, STATUS_GROUP, "qmp", NULL);
  g_autoptr(GPtrArray) nics = nics_load (kf);
  VbDomain *dom;
  VbUuid uuid;

  if (kill_our_qemus (self, key, "whose start did not complete") == 0)
    g_message ("QEMU driver: domain %s: its start did not complete, and no qemu of it runs", key);
  run_leftovers_remove (self, key, qmp, nics);
  if (!vb_uuid_parse (key, &uuid, NULL))
    return;
  /* a transient domain went with the daemon; a defined one failed to start */
  dom = vb_driver_lookup_domain_by_uuid (VB_DRIVER (self), &uuid);
  if (dom && !vb_domain_is_active (dom))
    vb_domain_set_state (dom, VB_DOMAIN_SHUTOFF, VB_DOMAIN_SHUTOFF_FAILED);
}

/* A pidfile with no status beside it: a qemu of a daemon older than the
 * start records, or one whose status went missing.  What runs it is
 * killed: nothing could re-attach to it, and its lock on the pidfile
 * would fail every later start of the domain. */
void
start_orphans_reap (VbQemuDriver *self)
{
  g_autoptr(GDir) dir = g_dir_open (vb_config_store_get_run_dir (self->store), 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *key = NULL;
    g_autofree char *status_path = NULL;
    g_autofree char *pid_path = NULL;
    VbUuid uuid;

    if (!g_str_has_suffix (name, ".pid"))
      continue;
    key = g_strndup (name, strlen (name) - strlen (".pid"));
    status_path = vb_config_store_run_path (self->store, key, ".status");
    if (!vb_uuid_parse (key, &uuid, NULL) || g_file_test (status_path, G_FILE_TEST_EXISTS))
      continue;
    kill_our_qemus (self, key, "which no status file names");
    pid_path = vb_config_store_run_path (self->store, key, ".pid");
    g_unlink (pid_path);
  }
}
