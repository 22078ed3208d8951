/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vb-dnsmasq.h"
#include "vb-error.h"
#include "vb-net-firewall.h"

/* libvirt's virNetworkUpdateFlags */
enum {
  UPDATE_AFFECT_LIVE = 1 << 0,
  UPDATE_AFFECT_CONFIG = 1 << 1,
};

#define DNSMASQ_READY_TIMEOUT_MS 5000
/* dnsmasq is ready ~100 ms after exec; a fine poll keeps start close to that */
#define DNSMASQ_POLL_MS 2
#define DNSMASQ_KILL_TIMEOUT_MS 2000
/* more crashes than this within a minute and we stop respawning */
#define DNSMASQ_MAX_RESPAWNS 5

G_DEFINE_FINAL_TYPE (VbNetworkDriver, vb_network_driver, G_TYPE_OBJECT)

static void dnsmasq_unwatch (NetState *st);

static void
net_state_free (NetState *st)
{
  g_hash_table_remove (st->driver->states, st);
  dnsmasq_unwatch (st);
  g_clear_object (&st->dnsmasq);
  vb_network_usage_free (st->usage);
  g_clear_object (&st->pending);
  vb_network_def_free (st->starting_def);
  /* st->hold is always clear here: dispose steals it, and while it is set
   * the network cannot be finalized */
  g_free (st);
}

NetState *
vb_net_state_get (VbNetworkDriver *self, VbNetwork *net)
{
  NetState *st = vb_network_get_driver_data (net);

  if (st == NULL) {
    st = g_new0 (NetState, 1);
    st->driver = self;
    st->net = net;
    st->usage = vb_network_usage_new ();
    st->pidfd = -1;
    g_hash_table_add (self->states, st);
    vb_network_set_driver_data (net, st, (GDestroyNotify) net_state_free);
  }
  return st;
}

/* Helpers -------------------------------------------------------------------- */

gboolean
vb_net_has_own_bridge (const VbNetworkDef *def)
{
  return def->forward_mode == VB_NETWORK_FORWARD_NONE || def->forward_mode == VB_NETWORK_FORWARD_NAT ||
         def->forward_mode == VB_NETWORK_FORWARD_ROUTE || def->forward_mode == VB_NETWORK_FORWARD_OPEN;
}

static gboolean
check_flags (guint flags, guint allowed, GError **error)
{
  if (flags & ~allowed) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unsupported flags (0x%x)", flags & ~allowed);
    return FALSE;
  }
  return TRUE;
}

/* dnsmasq supervision ---------------------------------------------------------- */

static void start_finish (NetState *st, GError *error);
static void stop_finish (NetState *st);

static int
pidfd_open_compat (int pid)
{
  return (int) syscall (SYS_pidfd_open, pid, 0);
}

/* Through the pidfd: a pid alone may have been recycled by the time we
 * signal it; a process already gone is fine. */
static void
signal_dnsmasq (NetState *st, int sig)
{
  if (st->pidfd >= 0)
    syscall (SYS_pidfd_send_signal, st->pidfd, sig, NULL, 0);
}

static void
dnsmasq_unwatch (NetState *st)
{
  g_clear_handle_id (&st->pidfd_source, g_source_remove);
  g_clear_handle_id (&st->timer_source, g_source_remove);
  if (st->pidfd >= 0) {
    close (st->pidfd);
    st->pidfd = -1;
  }
}

static void
dnsmasq_child_setup (gpointer data)
{
  /* its own session: a ^C meant for the daemon must not take the
   * network's DHCP/DNS down with it */
  setsid ();
}

static gboolean on_dnsmasq_exit (int fd, GIOCondition cond, gpointer data);

static gboolean
on_dnsmasq_gone (gpointer data)
{
  return on_dnsmasq_exit (-1, G_IO_IN, data);
}

gboolean
vb_net_dnsmasq_watch (NetState *st, GError **error)
{
  /* pid 0: GSubprocess reaped it already (its identifier is gone) */
  st->pidfd = st->dnsmasq_pid > 0 ? pidfd_open_compat (st->dnsmasq_pid) : -1;
  if (st->pidfd < 0) {
    int saved = st->dnsmasq_pid > 0 ? errno : ESRCH;

    /* exited and already reaped: report it as any other exit */
    if (saved == ESRCH) {
      st->pidfd_source = g_idle_add (on_dnsmasq_gone, st);
      return TRUE;
    }
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot watch dnsmasq (pid %d): %s",
                 st->dnsmasq_pid, g_strerror (saved));
    return FALSE;
  }
  st->pidfd_source = g_unix_fd_add (st->pidfd, G_IO_IN, on_dnsmasq_exit, st);
  return TRUE;
}

gboolean
vb_net_dnsmasq_spawn (NetState *st, const VbNetworkDef *def, GError **error)
{
  VbNetworkDriver *self = st->driver;
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *conf_arg = NULL;
  g_autofree char *log = vb_net_dnsmasq_log_path (self, def->name);
  const char *pid_text;

  vb_dnsmasq_paths_init (&paths, self->run_dir, def->name);
  if (!vb_dnsmasq_write_files (def, &paths, error))
    return FALSE;
  g_unlink (paths.pidfile);
  conf_arg = g_strdup_printf ("--conf-file=%s", paths.conf);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, dnsmasq_child_setup, NULL, NULL);
  g_clear_object (&st->dnsmasq);
  /* in the foreground, so that it stays our child and never double-forks;
   * it still writes its pid file, once its sockets are bound */
  st->dnsmasq = g_subprocess_launcher_spawn (launcher, error, self->dnsmasq_path, conf_arg,
                                             "--keep-in-foreground", NULL);
  if (st->dnsmasq == NULL) {
    g_prefix_error (error, "cannot start dnsmasq for network '%s': ", def->name);
    return FALSE;
  }
  pid_text = g_subprocess_get_identifier (st->dnsmasq);
  st->dnsmasq_pid = pid_text ? atoi (pid_text) : 0;
  if (!vb_net_dnsmasq_watch (st, error)) {
    g_subprocess_force_exit (st->dnsmasq);
    return FALSE;
  }
  return TRUE;
}

static char *
read_log_tail (VbNetworkDriver *self, const char *name)
{
  g_autofree char *path = vb_net_dnsmasq_log_path (self, name);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  g_strstrip (contents);
  return g_strdup (contents);
}

static gboolean
pidfile_matches (NetState *st, const VbNetworkDef *def)
{
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autofree char *contents = NULL;

  vb_dnsmasq_paths_init (&paths, st->driver->run_dir, def->name);
  return g_file_get_contents (paths.pidfile, &contents, NULL, NULL) &&
         atoi (contents) == st->dnsmasq_pid;
}

static gboolean
on_dnsmasq_poll (gpointer data)
{
  NetState *st = data;

  st->waited_ms += DNSMASQ_POLL_MS;
  if (pidfile_matches (st, st->starting_def)) {
    st->timer_source = 0;
    st->dns_phase = DNS_RUNNING;
    start_finish (st, NULL);
    return G_SOURCE_REMOVE;
  }
  if (st->waited_ms >= DNSMASQ_READY_TIMEOUT_MS) {
    st->timer_source = 0;
    start_finish (st, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                   "dnsmasq for network '%s' did not become ready within %d ms",
                                   st->starting_def->name, DNSMASQ_READY_TIMEOUT_MS));
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_kill_timeout (gpointer data)
{
  NetState *st = data;

  st->timer_source = 0;
  g_warning ("network '%s': dnsmasq (pid %d) ignored SIGTERM; killing it",
             vb_network_get_name (st->net), st->dnsmasq_pid);
  signal_dnsmasq (st, SIGKILL);
  return G_SOURCE_REMOVE;
}

static void
respawn (NetState *st)
{
  g_autoptr(GError) error = NULL;
  const VbNetworkDef *live = vb_network_get_live_def (st->net);
  gint64 now = g_get_monotonic_time ();

  if (!st->expect_exit) {
    if (now - st->respawn_window > 60 * G_USEC_PER_SEC) {
      st->respawn_window = now;
      st->respawns = 0;
    }
    if (++st->respawns > DNSMASQ_MAX_RESPAWNS) {
      g_warning ("network '%s': dnsmasq keeps exiting; giving up on it", live->name);
      st->dns_phase = DNS_NONE;
      st->dnsmasq_pid = 0;
      vb_net_save_status_or_warn (st->driver, st);
      return;
    }
    g_warning ("network '%s': dnsmasq (pid %d) exited; restarting it", live->name, st->dnsmasq_pid);
  }
  st->expect_exit = FALSE;
  if (!vb_net_dnsmasq_spawn (st, live, &error)) {
    g_warning ("%s", error->message);
    st->dns_phase = DNS_NONE;
    st->dnsmasq_pid = 0;
  }
  vb_net_save_status_or_warn (st->driver, st);
}

static gboolean
on_dnsmasq_exit (int fd, GIOCondition cond, gpointer data)
{
  NetState *st = data;
  DnsPhase phase = st->dns_phase;

  st->pidfd_source = 0;
  dnsmasq_unwatch (st);

  switch (phase) {
  case DNS_STARTING: {
    g_autofree char *log = read_log_tail (st->driver, st->starting_def->name);
    start_finish (st, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                   "dnsmasq for network '%s' exited during start%s%s",
                                   st->starting_def->name, *log ? ": " : "", log));
    break;
  }
  case DNS_RUNNING:
    respawn (st);
    break;
  case DNS_STOPPING:
    st->dns_phase = DNS_NONE;
    st->dnsmasq_pid = 0;
    stop_finish (st);
    break;
  case DNS_NONE:
  default:
    break;
  }
  return G_SOURCE_REMOVE;
}

/* Whether @pid is the dnsmasq we started for this network (a pid from a
 * status file may have been reused since). */
gboolean
vb_net_pid_is_our_dnsmasq (VbNetworkDriver *self, int pid, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/cmdline", pid);
  g_autofree char *cmdline = NULL;
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autofree char *conf_arg = NULL;
  gsize len;

  if (pid <= 0 || !g_file_get_contents (path, &cmdline, &len, NULL))
    return FALSE;
  vb_dnsmasq_paths_init (&paths, self->run_dir, name);
  conf_arg = g_strdup_printf ("--conf-file=%s", paths.conf);
  for (gsize off = 0; off < len; off += strlen (cmdline + off) + 1) {
    if (g_str_equal (cmdline + off, conf_arg))
      return TRUE;
  }
  return FALSE;
}

/* Start ------------------------------------------------------------------------- */

static void
start_undone (GObject *source, GAsyncResult *res, gpointer data)
{
  KernelJob *job = vb_net_kernel_job_finish (res, NULL);
  NetState *st = job->st;
  g_autoptr(GTask) task = g_steal_pointer (&st->pending);
  GError *error = g_steal_pointer (&job->op_error);

  if (task)
    g_task_return_error (task, error);
  else {
    g_warning ("%s", error->message);
    g_error_free (error);
  }
  /* last: it may free @st */
  g_object_unref (g_steal_pointer (&st->hold));
}

static void
start_finish (NetState *st, GError *error)
{
  VbNetworkDriver *self = st->driver;
  g_autoptr(GTask) task = NULL;
  g_autoptr(VbNetworkDef) def = g_steal_pointer (&st->starting_def);
  /* released on return, after the last use of @st, which it may free */
  g_autoptr(VbNetwork) net = NULL;
  gboolean register_new = st->register_new;

  if (error != NULL) {
    KernelJob *job = vb_net_kernel_job_new (JOB_TEARDOWN, st, def);

    signal_dnsmasq (st, SIGKILL);
    dnsmasq_unwatch (st);
    st->dns_phase = DNS_NONE;
    st->dnsmasq_pid = 0;
    /* the files go after the kernel side, as before: the status file last
     * of all, so that a daemon killed meanwhile still undoes the rest;
     * @st->pending and @st->hold stay until start_undone */
    job->unlink_after = g_ptr_array_new_with_free_func (g_free);
    if (vb_net_has_own_bridge (def)) {
      g_auto(VbDnsmasqPaths) paths = { 0 };
      vb_dnsmasq_paths_init (&paths, self->run_dir, def->name);
      g_ptr_array_add (job->unlink_after, g_strdup (paths.conf));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.hostsfile));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.addnhosts));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.leases));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.pidfile));
    }
    g_ptr_array_add (job->unlink_after, vb_net_dnsmasq_log_path (self, def->name));
    g_ptr_array_add (job->unlink_after, vb_net_status_path (self, def->name));
    job->op_error = error;
    vb_net_kernel_job_push (job, start_undone, NULL);
    return;
  }

  task = g_steal_pointer (&st->pending);
  net = g_steal_pointer (&st->hold);
  vb_network_usage_reset (st->usage);
  vb_network_set_live_def (net, g_steal_pointer (&def));
  vb_network_set_active (net, TRUE);
  vb_net_save_status_or_warn (self, st);
  if (self->owner != NULL && register_new)
    vb_driver_add_network (self->owner, net);
  if (self->owner != NULL)
    vb_driver_emit_network_event (self->owner, net, VB_NETWORK_EVENT_STARTED);
  if (task == NULL)
    return;
  if (st->return_object)
    vb_driver_task_return_object (task, net);
  else
    g_task_return_pointer (task, NULL, NULL);
}

/* The kernel side is built (or not): on with dnsmasq. */
static void
start_kernel_done (GObject *source, GAsyncResult *res, gpointer data)
{
  GError *error = NULL;
  KernelJob *job = vb_net_kernel_job_finish (res, &error);
  NetState *st = job->st;
  VbNetworkDef *live = st->starting_def;

  if (error != NULL) {
    g_autoptr(GTask) t = g_steal_pointer (&st->pending);

    g_clear_pointer (&st->starting_def, vb_network_def_free);
    if (t)
      g_task_return_error (t, error);
    else {
      g_warning ("%s", error->message);
      g_error_free (error);
    }
    /* last: it may free @st */
    g_object_unref (g_steal_pointer (&st->hold));
    return;
  }
  if (!vb_dnsmasq_needed (live)) {
    st->dns_phase = DNS_NONE;
    start_finish (st, NULL);
    return;
  }
  if (!vb_net_dnsmasq_spawn (st, live, &error)) {
    start_finish (st, error);
    return;
  }
  /* its pid, so that a daemon killed from here on can stop it */
  vb_net_save_status_or_warn (st->driver, st);
  st->dns_phase = DNS_STARTING;
  st->waited_ms = 0;
  st->timer_source = g_timeout_add (DNSMASQ_POLL_MS, on_dnsmasq_poll, st);
}

/* Starts @net with @live (owned) as its live definition.  @task (may be
 * NULL) completes once the network runs, with @net when @return_object;
 * @register_new adds @net to the registry on success. */
static void
start_network (VbNetworkDriver *self, VbNetwork *net, VbNetworkDef *live, GTask *task,
               gboolean return_object, gboolean register_new)
{
  NetState *st = vb_net_state_get (self, net);
  KernelJob *job;

  g_assert (st->pending == NULL && st->starting_def == NULL && st->hold == NULL);
  st->pending = task ? g_object_ref (task) : NULL;
  st->hold = g_object_ref (net);
  st->starting_def = live;
  st->return_object = return_object;
  st->register_new = register_new;
  st->respawns = 0;
  st->fwd_claim[0] = st->fwd_claim[1] = FALSE;

  /* the provisional status is composed here (it reads the NetState) and
   * written by the worker, before it builds anything */
  job = vb_net_kernel_job_new (JOB_START, st, live);
  job->status_path = vb_net_status_path (self, live->name);
  job->status_data = vb_net_build_status (st, &job->status_len);
  vb_net_kernel_job_push (job, start_kernel_done, NULL);
}

/* Stop -------------------------------------------------------------------------- */

static void
stop_kernel_done (GObject *source, GAsyncResult *res, gpointer data)
{
  KernelJob *job = vb_net_kernel_job_finish (res, NULL);
  NetState *st = job->st;
  VbNetworkDriver *self = st->driver;
  g_autoptr(GTask) task = g_steal_pointer (&st->pending);
  /* released on return, after the last use of @st, which it may free */
  g_autoptr(VbNetwork) net = g_steal_pointer (&st->hold);
  g_autofree char *status = vb_net_status_path (self, vb_network_get_name (net));
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autofree char *log = vb_net_dnsmasq_log_path (self, vb_network_get_name (net));

  vb_dnsmasq_paths_init (&paths, self->run_dir, vb_network_get_name (net));
  vb_dnsmasq_remove_files (&paths);
  g_unlink (log);
  g_unlink (status);
  st->stopping = FALSE;
  vb_network_usage_reset (st->usage);
  vb_network_set_live_def (net, NULL);
  vb_network_set_active (net, FALSE);
  if (self->owner != NULL && !vb_network_is_persistent (net))
    vb_driver_remove_network (self->owner, net);
  if (self->owner != NULL)
    vb_driver_emit_network_event (self->owner, net, VB_NETWORK_EVENT_STOPPED);
  if (task)
    g_task_return_pointer (task, NULL, NULL);
}

/* dnsmasq is gone: the kernel side goes in the worker, the rest once it
 * is done.  The network stays active (and refuses new ports) meanwhile. */
static void
stop_finish (NetState *st)
{
  const VbNetworkDef *live = vb_network_get_live_def (st->net);
  KernelJob *job;

  dnsmasq_unwatch (st);
  st->dns_phase = DNS_NONE;
  st->dnsmasq_pid = 0;
  st->stopping = TRUE;
  if (live == NULL) {
    /* nothing in the kernel to undo; keep the same path through the
     * worker so that completion is never re-entrant */
    job = g_new0 (KernelJob, 1);
    job->kind = JOB_TEARDOWN;
    job->self = st->driver;
    job->st = st;
  } else {
    job = vb_net_kernel_job_new (JOB_TEARDOWN, st, live);
  }
  /* (the claims stay recorded in the status until the worker is done:
   * a daemon killed meanwhile still releases them) */
  vb_net_kernel_job_push (job, stop_kernel_done, NULL);
}

static void
stop_network (VbNetworkDriver *self, VbNetwork *net, GTask *task)
{
  NetState *st = vb_net_state_get (self, net);

  st->pending = task ? g_object_ref (task) : NULL;
  st->hold = g_object_ref (net);
  if (st->dns_phase == DNS_NONE || st->pidfd < 0) {
    st->dns_phase = DNS_NONE;
    stop_finish (st);
    return;
  }
  st->dns_phase = DNS_STOPPING;
  signal_dnsmasq (st, SIGTERM);
  st->timer_source = g_timeout_add (DNSMASQ_KILL_TIMEOUT_MS, on_kill_timeout, st);
}

/* Bridge names ------------------------------------------------------------------ */

static const char *
bridge_of (VbNetwork *net, gboolean live)
{
  const VbNetworkDef *def = live ? vb_network_get_live_def (net) : vb_network_get_def (net);

  return def && vb_net_has_own_bridge (def) ? def->bridge_name : NULL;
}

static VbNetwork *
network_using_bridge (VbNetworkDriver *self, const char *bridge, const VbUuid *except)
{
  g_autoptr(GPtrArray) nets = vb_driver_list_networks (self->owner, 0);

  for (guint i = 0; i < nets->len; i++) {
    VbNetwork *net = g_ptr_array_index (nets, i);

    if (vb_uuid_equal (vb_network_get_uuid (net), except))
      continue;
    if (g_strcmp0 (bridge_of (net, FALSE), bridge) == 0 || g_strcmp0 (bridge_of (net, TRUE), bridge) == 0)
      return net;
  }
  return NULL;
}

/* libvirt's rules: a network with a bridge of its own gets "virbrN" (or
 * the template it names) with the first N that no network and no host
 * link uses; a name given must not be another network's. */
static gboolean
assign_bridge (VbNetworkDriver *self, VbNetworkDef *def, GError **error)
{
  VbNetwork *other;

  if (!vb_net_has_own_bridge (def))
    return TRUE;
  if (def->bridge_name == NULL || strstr (def->bridge_name, "%d")) {
    g_autofree char *templ = g_strdup (def->bridge_name ? def->bridge_name : "virbr%d");
    g_autofree char *prefix = g_strndup (templ, strstr (templ, "%d") - templ);

    for (guint n = 0; n < 1024; n++) {
      g_autofree char *name = g_strdup_printf ("%s%u", prefix, n);

      if (network_using_bridge (self, name, &def->uuid) == NULL &&
          !vb_net_platform_link_exists (self->platform, name)) {
        g_free (def->bridge_name);
        def->bridge_name = g_steal_pointer (&name);
        return TRUE;
      }
    }
    g_set_error (error, VB_ERROR, VB_ERROR_BUSY, "no free bridge name for network '%s' from '%s'",
                 def->name, templ);
    return FALSE;
  }
  other = network_using_bridge (self, def->bridge_name, &def->uuid);
  if (other) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "bridge name '%s' is already in use by network '%s'",
                 def->bridge_name, vb_network_get_name (other));
    return FALSE;
  }
  return TRUE;
}

/* The define path's hooks. */

static gboolean
define_post_parse (gpointer def, const char *xml, gpointer data, GError **error)
{
  return vb_network_def_validate (def, error);
}

static gboolean
define_check (gpointer def, VbObject *existing, gpointer data, GError **error)
{
  return assign_bridge (data, def, error);
}

static void
define_undefined (VbObject *object, gpointer data)
{
  VbNetworkDriver *self = data;
  g_auto(VbDnsmasqPaths) paths = { 0 };

  /* as libvirt's network driver: a running network stays, transient,
   * with its leases */
  if (vb_object_is_active (object))
    return;
  vb_dnsmasq_paths_init (&paths, self->run_dir, vb_object_get_name (object));
  g_unlink (paths.leases);
}

/* Before the config store, autostart was a symlink autostart/<name>.xml
 * to the definition: such a mark still counts, and becomes the store's. */
static void
define_loaded (VbObject *object, gpointer data)
{
  VbNetworkDriver *self = data;
  const char *name = vb_object_get_name (object);
  g_autofree char *file = g_strconcat (name, ".xml", NULL);
  g_autofree char *legacy = g_build_filename (self->config_dir, "autostart", file, NULL);
  g_autoptr(GError) error = NULL;

  if (!g_file_test (legacy, G_FILE_TEST_IS_SYMLINK))
    return;
  if (!vb_config_store_set_autostart (self->store, name, TRUE, &error)) {
    g_warning ("network '%s': %s", name, error->message);
    return;
  }
  vb_object_set_autostart (object, TRUE);
  g_unlink (legacy);
}

/* Operations ---------------------------------------------------------------------- */

static void
network_create_xml (VbNetworkDriver *self, GVariant *args, GTask *task)
{
  const char *xml;
  gboolean is_new;
  g_autoptr(VbNetworkDef) def = NULL;
  g_autoptr(VbNetwork) net = NULL;
  GError *error = NULL;

  g_variant_get (args, "(&s)", &xml);
  if ((def = vb_define_parse_for_task (&self->defs, task, xml, &error)) == NULL ||
      (net = (VbNetwork *) vb_define_create_target (self->owner, &self->defs, def, &is_new, &error)) == NULL) {
    g_task_return_error (task, error);
    return;
  }
  start_network (self, net, g_steal_pointer (&def), task, TRUE, is_new);
}

/* A live update waiting for the worker to load the network's new rules. */
typedef struct {
  VbNetwork *net;
  GTask *task;
  VbNetworkDef *live;   /* the new live definition, NULL for config only */
  VbNetworkDef *config; /* the new persistent one, or NULL */
  gboolean files_written; /* dnsmasq's files hold @live: put back on failure */
} Update;

static void
update_free (Update *u)
{
  g_clear_object (&u->net);
  g_clear_object (&u->task);
  vb_network_def_free (u->live);
  vb_network_def_free (u->config);
  g_free (u);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Update, update_free)

/* Brings dnsmasq in line with a new live definition, once its rules are. */
static gboolean
update_services (NetState *st, const VbNetworkDef *old_def, const VbNetworkDef *new_def,
                 GError **error)
{
  if (!vb_net_has_own_bridge (new_def))
    return TRUE;
  if (st->dns_phase != DNS_RUNNING) {
    if (!vb_dnsmasq_needed (new_def))
      return TRUE;
    st->dns_phase = DNS_RUNNING;
    if (!vb_net_dnsmasq_spawn (st, new_def, error)) {
      st->dns_phase = DNS_NONE;
      return FALSE;
    }
  } else if (vb_dnsmasq_needs_restart (old_def, new_def)) {
    /* the supervisor respawns it with the new configuration */
    st->expect_exit = TRUE;
    signal_dnsmasq (st, SIGTERM);
  } else {
    /* hosts files only: dnsmasq re-reads them on SIGHUP */
    signal_dnsmasq (st, SIGHUP);
  }
  return TRUE;
}

/* The running network is updated (or there was none to update): the
 * definitions take the new values and the op completes. */
static void
update_commit (VbNetworkDriver *self, Update *u)
{
  GError *error = NULL;

  if (u->live) {
    vb_network_set_live_def (u->net, g_steal_pointer (&u->live));
    vb_net_save_status_or_warn (self, vb_net_state_get (self, u->net));
  }
  if (!vb_define_save_config (&self->defs, VB_OBJECT (u->net), (gpointer *) &u->config, &error)) {
    g_task_return_error (u->task, error);
    return;
  }
  g_task_return_pointer (u->task, NULL, NULL);
}

static void
update_firewall_done (GObject *source, GAsyncResult *res, gpointer data)
{
  VbNetworkDriver *self = VB_NETWORK_DRIVER (source);
  g_autoptr(Update) u = data;
  GError *error = NULL;
  KernelJob *job = vb_net_kernel_job_finish (res, &error);
  const VbNetworkDef *old_def = vb_network_get_live_def (u->net);

  if (error == NULL && !update_services (job->st, old_def, u->live, &error)) {
    g_task_return_error (u->task, error);
    return;
  }
  if (error != NULL) {
    /* the old rules stand; the old files make the update a no-op */
    if (u->files_written) {
      g_auto(VbDnsmasqPaths) paths = { 0 };

      vb_dnsmasq_paths_init (&paths, self->run_dir, old_def->name);
      vb_dnsmasq_write_files (old_def, &paths, NULL);
    }
    g_task_return_error (u->task, error);
    return;
  }
  update_commit (self, u);
}

/* Brings the running services in line with @u->live: dnsmasq's files here
 * (the likeliest to fail), the rules in the worker when they change, and
 * dnsmasq once they are loaded.  A failure changes nothing (the old files
 * are rewritten), as it did when all of it ran here. */
static void
update_live (VbNetworkDriver *self, Update *u)
{
  NetState *st = vb_net_state_get (self, u->net);
  const VbNetworkDef *old_def = vb_network_get_live_def (u->net);
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autoptr(GError) local = NULL;
  g_autofree char *fw_old = NULL;
  g_autofree char *fw_new = NULL;
  GError *error = NULL;

  if (!vb_net_has_own_bridge (u->live)) {
    update_commit (self, u);
    update_free (u);
    return;
  }
  fw_old = vb_net_firewall_build (old_def, NULL);
  fw_new = vb_net_firewall_build (u->live, &local);
  if (local != NULL) {
    g_task_return_error (u->task, g_steal_pointer (&local));
    update_free (u);
    return;
  }
  vb_dnsmasq_paths_init (&paths, self->run_dir, u->live->name);
  if (st->dns_phase == DNS_RUNNING) {
    if (!vb_dnsmasq_write_files (u->live, &paths, &error)) {
      g_task_return_error (u->task, error);
      update_free (u);
      return;
    }
    u->files_written = TRUE;
  }
  if (g_strcmp0 (fw_old, fw_new) != 0) {
    vb_net_kernel_job_push (vb_net_kernel_job_new (JOB_FIREWALL, st, u->live), update_firewall_done, u);
    return;
  }
  if (!update_services (st, old_def, u->live, &error))
    g_task_return_error (u->task, error);
  else
    update_commit (self, u);
  update_free (u);
}

static void
network_update (VbNetworkDriver *self, VbNetwork *net, GVariant *args, GTask *task)
{
  const char *name = vb_network_get_name (net);
  guint command, section, flags;
  int parent_index;
  const char *xml;
  g_autoptr(VbNetworkDef) live = NULL;
  g_autoptr(VbNetworkDef) config = NULL;
  GError *error = NULL;
  Update *u;

  g_variant_get (args, "(uui&su)", &command, &section, &parent_index, &xml, &flags);
  if (!check_flags (flags, UPDATE_AFFECT_LIVE | UPDATE_AFFECT_CONFIG, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if ((flags & (UPDATE_AFFECT_LIVE | UPDATE_AFFECT_CONFIG)) == 0)
    flags |= vb_network_is_active (net) ? UPDATE_AFFECT_LIVE : UPDATE_AFFECT_CONFIG;
  if ((flags & UPDATE_AFFECT_LIVE) && !vb_network_is_active (net)) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is not running",
                             name);
    return;
  }
  if ((flags & UPDATE_AFFECT_CONFIG) && !vb_network_is_persistent (net)) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "cannot change persistent config of transient network '%s'", name);
    return;
  }
  if (flags & UPDATE_AFFECT_LIVE) {
    live = vb_network_def_copy (vb_network_get_live_def (net));
    if (!vb_network_def_update (live, command, section, parent_index, xml, &error) ||
        !vb_network_def_validate (live, &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  if (flags & UPDATE_AFFECT_CONFIG) {
    config = vb_network_def_copy (vb_network_get_def (net));
    if (!vb_network_def_update (config, command, section, parent_index, xml, &error) ||
        !vb_network_def_validate (config, &error)) {
      g_task_return_error (task, error);
      return;
    }
  }
  /* (a pool member in use cannot go away under its guests: the core's
   * update refuses it from the live connection counts, which vb_net_sync_counts
   * keeps current)
   *
   * The running network first: it can fail for more reasons (rules,
   * dnsmasq) than the config file, and it undoes itself when it does. */
  u = g_new0 (Update, 1);
  u->net = g_object_ref (net);
  u->task = g_object_ref (task);
  u->live = g_steal_pointer (&live);
  u->config = g_steal_pointer (&config);
  if (u->live) {
    update_live (self, u);
    return;
  }
  update_commit (self, u);
  update_free (u);
}

gboolean
vb_network_driver_handles (VbOp op)
{
  switch (op) {
  case VB_OP_NETWORK_DEFINE_XML:
  case VB_OP_NETWORK_CREATE_XML:
  case VB_OP_NETWORK_GET_XML_DESC:
  case VB_OP_NETWORK_GET_DHCP_LEASES:
  case VB_OP_NETWORK_GET_BRIDGE_NAME:
  case VB_OP_NETWORK_CREATE:
  case VB_OP_NETWORK_DESTROY:
  case VB_OP_NETWORK_UNDEFINE:
  case VB_OP_NETWORK_UPDATE:
  case VB_OP_NETWORK_SET_AUTOSTART:
    return TRUE;
  default:
    return FALSE;
  }
}

void
vb_network_driver_run (VbNetworkDriver *self, VbOp op, gpointer object, GVariant *args,
                       GTask *task)
{
  VbNetwork *net = object ? VB_NETWORK (object) : NULL;
  const char *name = net ? vb_network_get_name (net) : NULL;
  GError *error = NULL;
  GVariant *out = NULL;
  gboolean ok = TRUE;

  switch (op) {
  case VB_OP_NETWORK_DEFINE_XML: {
    const char *xml;
    gpointer def;
    g_autoptr(VbObject) created = NULL;

    g_variant_get (args, "(&s)", &xml);
    def = vb_define_parse_for_task (&self->defs, task, xml, &error);
    created = def ? vb_define (self->owner, &self->defs, def, &error) : NULL;
    if (created)
      vb_driver_task_return_object (task, created);
    else
      g_task_return_error (task, error);
    return;
  }

  case VB_OP_NETWORK_CREATE_XML:
    network_create_xml (self, args, task);
    return;

  case VB_OP_NETWORK_CREATE:
    if (!vb_network_check_not_active (net, &error)) {
      g_task_return_error (task, error);
      return;
    }
    start_network (self, net, vb_network_def_copy (vb_network_get_def (net)), task, FALSE, FALSE);
    return;

  case VB_OP_NETWORK_DESTROY:
    if (!vb_network_check_active (net, &error)) {
      g_task_return_error (task, error);
      return;
    }
    stop_network (self, net, task);
    return;

  case VB_OP_NETWORK_GET_XML_DESC: {
    const VbNetworkDef *def = vb_network_get_current_def (net);
    guint flags, format = VB_NETWORK_FORMAT_LIVE;

    g_variant_get (args, "(u)", &flags);
    ok = check_flags (flags, VB_NETWORK_XML_INACTIVE, &error);
    if (ok && (flags & VB_NETWORK_XML_INACTIVE)) {
      format = VB_NETWORK_FORMAT_INACTIVE;
      if (vb_network_is_persistent (net))
        def = vb_network_get_def (net);
    }
    if (ok)
      out = g_variant_new_take_string (vb_network_def_format (def, format));
    break;
  }

  case VB_OP_NETWORK_GET_BRIDGE_NAME: {
    const VbNetworkDef *def = vb_network_get_current_def (net);

    ok = def->bridge_name != NULL;
    if (ok)
      out = g_variant_new_string (def->bridge_name);
    else
      g_set_error (&error, VB_ERROR, VB_ERROR_FAILED, "network '%s' does not have a bridge name", name);
    break;
  }

  case VB_OP_NETWORK_GET_DHCP_LEASES: {
    const char *mac;
    guint flags;

    g_variant_get (args, "(&su)", &mac, &flags);
    ok = check_flags (flags, 0, &error) && (out = vb_network_driver_get_leases (self, name, mac, &error)) != NULL;
    break;
  }

  case VB_OP_NETWORK_UNDEFINE:
    ok = vb_define_undefine (self->owner, &self->defs, VB_OBJECT (net), &error);
    break;

  case VB_OP_NETWORK_UPDATE:
    network_update (self, net, args, task);
    return;

  case VB_OP_NETWORK_SET_AUTOSTART: {
    gboolean autostart;

    g_variant_get (args, "(b)", &autostart);
    ok = vb_define_set_autostart (&self->defs, VB_OBJECT (net), autostart, &error);
    break;
  }

  default:
    vb_driver_task_return_unsupported (task, op);
    return;
  }
  vb_driver_task_return_result (task, ok, out, error);
}

gboolean
vb_network_driver_open (VbNetworkDriver *self, GError **error)
{
  g_autoptr(GPtrArray) nets = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) keys = NULL;

  if (self->opened)
    return TRUE;
  if (self->store == NULL) {
    self->store = vb_config_store_new (self->config_dir, self->run_dir, error);
    if (self->store == NULL)
      return FALSE;
    self->defs.store = self->store;
  }
  if (self->platform == NULL) {
    self->platform = vb_net_platform_new_netlink (error);
    if (self->platform == NULL)
      return FALSE;
  }
  if (self->kplatform == NULL) {
    self->kplatform = self->platform_injected ? self->platform : vb_net_platform_new_netlink (error);
    if (self->kplatform == NULL)
      return FALSE;
  }
  if (self->kernel_pool == NULL) {
    self->kernel_pool = g_thread_pool_new (vb_net_kernel_job_run, NULL, 1, FALSE, error);
    if (self->kernel_pool == NULL)
      return FALSE;
  }
  self->opened = TRUE;
  vb_net_load_sysctl_state (self);
  vb_define_load_all (self->owner, &self->defs, NULL);

  keys = vb_config_store_list_status (self->store, &local_error);
  if (keys == NULL)
    g_warning ("%s", local_error->message);
  for (guint i = 0; keys && keys[i]; i++) {
    g_autofree char *path = vb_net_status_path (self, keys[i]);

    vb_net_reattach (self, path);
  }
  /* a sysctl we set for networks that are all gone now */
  vb_net_sysctl_restore_unused (self, VB_SYSCTL_IPV4_FORWARD);
  vb_net_sysctl_restore_unused (self, VB_SYSCTL_IPV6_FORWARD);

  nets = vb_driver_list_networks (self->owner, 0);
  for (guint i = 0; i < nets->len; i++) {
    VbNetwork *net = g_ptr_array_index (nets, i);
    g_autoptr(VbNetworkDef) def = NULL;
    g_autoptr(GError) local = NULL;

    if (!vb_network_get_autostart (net) || vb_network_is_active (net))
      continue;
    def = vb_network_def_copy (vb_network_get_def (net));
    if (!vb_network_def_validate (def, &local) || !assign_bridge (self, def, &local)) {
      g_warning ("cannot autostart network '%s': %s", vb_network_get_name (net), local->message);
      continue;
    }
    start_network (self, net, g_steal_pointer (&def), NULL, FALSE, FALSE);
  }
  return TRUE;
}

/* GObject --------------------------------------------------------------------------- */

static void
vb_network_driver_dispose (GObject *object)
{
  VbNetworkDriver *self = VB_NETWORK_DRIVER (object);

  /* networks keep running without us (a restarted daemon re-attaches);
   * only our watches on them go, and an operation still waiting fails */
  while (g_hash_table_size (self->states) > 0) {
    GHashTableIter iter;
    NetState *st;
    g_autoptr(GTask) pending = NULL;
    g_autoptr(VbNetwork) hold = NULL;

    g_hash_table_iter_init (&iter, self->states);
    g_hash_table_iter_next (&iter, (gpointer *) &st, NULL);
    pending = g_steal_pointer (&st->pending);
    hold = g_steal_pointer (&st->hold);
    /* frees @st, which leaves the table */
    vb_network_set_driver_data (st->net, NULL, NULL);
    if (pending)
      g_task_return_new_error (pending, VB_ERROR, VB_ERROR_FAILED,
                               "the network driver is shutting down");
  }
  if (self->owner != NULL) {
    g_object_remove_weak_pointer (G_OBJECT (self->owner), (gpointer *) &self->owner);
    self->owner = NULL;
  }
  G_OBJECT_CLASS (vb_network_driver_parent_class)->dispose (object);
}

static void
vb_network_driver_finalize (GObject *object)
{
  VbNetworkDriver *self = VB_NETWORK_DRIVER (object);

  /* every job held a reference on us, so the pool is idle; not waiting
   * for its thread keeps this safe when the last reference goes there */
  if (self->kernel_pool != NULL)
    g_thread_pool_free (self->kernel_pool, FALSE, FALSE);
  if (self->kplatform != self->platform)
    vb_net_platform_free (self->kplatform);
  vb_net_platform_free (self->platform);
  g_hash_table_unref (self->states);
  g_clear_object (&self->store);
  g_free (self->config_dir);
  g_free (self->run_dir);
  g_free (self->dnsmasq_path);
  G_OBJECT_CLASS (vb_network_driver_parent_class)->finalize (object);
}

static void
vb_network_driver_class_init (VbNetworkDriverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_network_driver_dispose;
  object_class->finalize = vb_network_driver_finalize;
}

static void
vb_network_driver_init (VbNetworkDriver *self)
{
  self->fwd_saved[0] = self->fwd_saved[1] = -1;
  self->states = g_hash_table_new (NULL, NULL);
}

VbNetworkDriver *
vb_network_driver_new (VbDriver *owner, const char *config_dir, const char *run_dir)
{
  VbNetworkDriver *self = g_object_new (VB_TYPE_NETWORK_DRIVER, NULL);
  g_autofree char *found = g_find_program_in_path ("dnsmasq");

  self->owner = owner;
  g_object_add_weak_pointer (G_OBJECT (owner), (gpointer *) &self->owner);
  self->config_dir = g_strdup (config_dir);
  self->defs = (VbDefineConfig) {
    .kind = VB_TYPE_NETWORK,
    .post_parse = define_post_parse,
    .check = define_check,
    .undefined = define_undefined,
    .loaded = define_loaded,
    .data = self,
    .key_by_name = TRUE,
    .undefine_active = VB_UNDEFINE_ACTIVE_TRANSIENT,
  };
  self->run_dir = g_strdup (run_dir);
  self->dnsmasq_path = found ? g_steal_pointer (&found) : g_strdup ("/usr/sbin/dnsmasq");
  return self;
}

void
vb_network_driver_set_platform (VbNetworkDriver *self, VbNetPlatform *platform)
{
  if (self->kplatform != self->platform)
    vb_net_platform_free (self->kplatform);
  self->kplatform = NULL;
  vb_net_platform_free (self->platform);
  self->platform = platform;
  self->platform_injected = platform != NULL;
}

void
vb_network_driver_set_dnsmasq_path (VbNetworkDriver *self, const char *path)
{
  g_free (self->dnsmasq_path);
  self->dnsmasq_path = g_strdup (path);
}
