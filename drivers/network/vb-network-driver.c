/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network-driver.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vb-define.h"
#include "vb-dnsmasq.h"
#include "vb-error.h"
#include "vb-net-firewall.h"
#include "vb-net-ip.h"
#include "vb-network-def.h"

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

struct _VbNetworkDriver {
  GObject parent_instance;

  VbDriver *owner; /* owns us */
  char *config_dir;
  char *run_dir;
  /* definitions and autostart marks, keyed by name (the layout this
   * driver always had); made at open */
  VbConfigStore *store;
  /* how networks are defined: the core's path with this driver's checks */
  VbDefineConfig defs;
  char *dnsmasq_path;
  /* the main thread's door to the kernel (ports, bridge names) */
  VbNetPlatform *platform;
  /* the kernel worker's own (its own netlink socket: a libnl socket is
   * not thread-safe); the same as @platform when one was injected */
  VbNetPlatform *kplatform;
  gboolean platform_injected;
  /* one thread: bridge deletion alone takes 40-110 ms, so the kernel side
   * of start, stop and update runs here, off the main loop; one thread
   * keeps the kernel changes in the order they were asked for, and is the
   * only user of @kplatform, libnftables and the forwarding sysctls once
   * the driver is open */
  GThreadPool *kernel_pool;
  gboolean opened;
  /* every NetState, registered network or not (a transient one being
   * created is in no registry yet), so that dispose reaches them all */
  GHashTable *states;

  /* forwarding sysctls: how many running networks need each, and the value
   * it had before we set it (-1: we did not change it); after open only
   * the kernel worker touches them */
  guint fwd_users[2];
  int fwd_saved[2];
};

G_DEFINE_FINAL_TYPE (VbNetworkDriver, vb_network_driver, G_TYPE_OBJECT)

typedef enum {
  DNS_NONE,     /* no dnsmasq */
  DNS_STARTING, /* spawned, waiting for its pid file */
  DNS_RUNNING,
  DNS_STOPPING, /* SIGTERM sent, the network stops once it is gone */
} DnsPhase;

/* What a running network holds besides its definitions: kept as the
 * VbNetwork's driver data. */
typedef struct {
  VbNetworkDriver *driver;
  VbNetwork *net;          /* borrowed: it owns us */
  VbNetworkUsage *usage;
  gboolean fwd_claim[2];

  DnsPhase dns_phase;
  GSubprocess *dnsmasq;    /* our child; NULL when adopted after a restart */
  int dnsmasq_pid;
  int pidfd;
  guint pidfd_source;
  guint timer_source;
  guint waited_ms;
  gboolean expect_exit;    /* a restart we asked for: respawn without counting */
  guint respawns;
  gint64 respawn_window;

  /* the start or stop in progress; @hold keeps the network alive
   * meanwhile (a new transient one is in no registry yet) */
  GTask *pending;
  VbNetwork *hold;
  VbNetworkDef *starting_def;
  gboolean return_object;
  gboolean register_new;
  /* its kernel side is being torn down: no new ports */
  gboolean stopping;
} NetState;

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

static NetState *
get_state (VbNetworkDriver *self, VbNetwork *net)
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

static gboolean
has_own_bridge (const VbNetworkDef *def)
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

/* The store's status file of network @name (the kernel worker writes it
 * during a start, so it is reached by path there). */
static char *
status_path (VbNetworkDriver *self, const char *name)
{
  return vb_config_store_run_path (self->store, name, ".status");
}

static char *
dnsmasq_log_path (VbNetworkDriver *self, const char *name)
{
  return g_strdup_printf ("%s/%s.log", self->run_dir, name);
}

/* The live connection counts go into the live definition, as libvirt
 * keeps them in its status XML. */
static void
sync_counts (NetState *st)
{
  VbNetworkDef *live = (VbNetworkDef *) vb_network_get_live_def (st->net);

  if (live == NULL)
    return;
  live->connections = st->usage->connections;
  for (guint i = 0; i < live->forward_ifaces->len; i++) {
    VbNetworkForwardIface *f = g_ptr_array_index (live->forward_ifaces, i);
    g_autofree char *key = vb_network_forward_iface_key (f);
    f->connections = vb_network_usage_device_count (st->usage, key);
  }
}

/* The status file's contents (NULL when the network has no live
 * definition); *@out_len its length. */
static char *
build_status (NetState *st, gsize *out_len)
{
  /* while starting, the record is provisional: a daemon killed before the
   * start completes finds it and undoes what was built */
  gboolean starting = st->starting_def != NULL;
  const VbNetworkDef *live = starting ? st->starting_def : vb_network_get_live_def (st->net);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *xml = NULL;

  if (live == NULL)
    return NULL;
  if (!starting)
    sync_counts (st);
  xml = vb_network_def_format (live, VB_NETWORK_FORMAT_LIVE);
  g_key_file_set_string (kf, "network", "def", xml);
  g_key_file_set_boolean (kf, "network", "starting", starting);
  g_key_file_set_integer (kf, "network", "dnsmasq-pid", st->dnsmasq_pid);
  g_key_file_set_boolean (kf, "network", "ipv4-forward", st->fwd_claim[VB_SYSCTL_IPV4_FORWARD]);
  g_key_file_set_boolean (kf, "network", "ipv6-forward", st->fwd_claim[VB_SYSCTL_IPV6_FORWARD]);
  return g_key_file_to_data (kf, out_len, NULL);
}

static gboolean
save_status (VbNetworkDriver *self, NetState *st, GError **error)
{
  const VbNetworkDef *live = st->starting_def ? st->starting_def : vb_network_get_live_def (st->net);
  g_autofree char *data = NULL;
  gsize len;

  data = build_status (st, &len);
  if (data == NULL)
    return TRUE;
  return vb_config_store_save_status (self->store, live->name, data, error);
}

static void
save_status_or_warn (VbNetworkDriver *self, NetState *st)
{
  g_autoptr(GError) error = NULL;

  if (!save_status (self, st, &error))
    g_warning ("network '%s': cannot write its status: %s", vb_network_get_name (st->net),
               error->message);
}

/* Forwarding sysctls ---------------------------------------------------------- */

static void
save_sysctl_state (VbNetworkDriver *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = g_strdup_printf ("%s/sysctl.state", self->run_dir);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  gsize len;

  if (self->fwd_saved[0] < 0 && self->fwd_saved[1] < 0) {
    g_unlink (path);
    return;
  }
  g_key_file_set_integer (kf, "sysctl", "ipv4-forward-saved", self->fwd_saved[0]);
  g_key_file_set_integer (kf, "sysctl", "ipv6-forward-saved", self->fwd_saved[1]);
  data = g_key_file_to_data (kf, &len, NULL);
  if (!vb_file_write_runtime (path, data, len, &error))
    g_warning ("cannot record the forwarding sysctls: %s", error->message);
}

static void
load_sysctl_state (VbNetworkDriver *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = g_strdup_printf ("%s/sysctl.state", self->run_dir);

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return;
  if (g_key_file_has_key (kf, "sysctl", "ipv4-forward-saved", NULL))
    self->fwd_saved[0] = g_key_file_get_integer (kf, "sysctl", "ipv4-forward-saved", NULL);
  if (g_key_file_has_key (kf, "sysctl", "ipv6-forward-saved", NULL))
    self->fwd_saved[1] = g_key_file_get_integer (kf, "sysctl", "ipv6-forward-saved", NULL);
}

static gboolean
sysctl_claim (VbNetworkDriver *self, VbSysctl key, GError **error)
{
  int value;

  if (self->fwd_users[key] == 0) {
    if (!vb_net_platform_sysctl_get (self->kplatform, key, &value, error))
      return FALSE;
    if (value != 1) {
      if (!vb_net_platform_sysctl_set (self->kplatform, key, 1, error))
        return FALSE;
      self->fwd_saved[key] = value;
      save_sysctl_state (self);
    }
  }
  self->fwd_users[key]++;
  return TRUE;
}

/* Puts a sysctl back once no network of ours needs it. */
static void
sysctl_restore_unused (VbNetworkDriver *self, VbSysctl key)
{
  g_autoptr(GError) error = NULL;

  if (self->fwd_users[key] > 0 || self->fwd_saved[key] < 0)
    return;
  if (!vb_net_platform_sysctl_set (self->kplatform, key, self->fwd_saved[key], &error))
    g_warning ("cannot restore a forwarding sysctl: %s", error->message);
  self->fwd_saved[key] = -1;
  save_sysctl_state (self);
}

static void
sysctl_release (VbNetworkDriver *self, VbSysctl key)
{
  if (self->fwd_users[key] > 0)
    self->fwd_users[key]--;
  sysctl_restore_unused (self, key);
}

static gboolean
network_has_family (const VbNetworkDef *def, gboolean v6)
{
  for (guint i = 0; i < def->ips->len; i++) {
    if (vb_network_ip_is_ipv6 (g_ptr_array_index (def->ips, i)) == v6)
      return TRUE;
  }
  return FALSE;
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

static gboolean
dnsmasq_watch (NetState *st, GError **error)
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

static gboolean
dnsmasq_spawn (NetState *st, const VbNetworkDef *def, GError **error)
{
  VbNetworkDriver *self = st->driver;
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *conf_arg = NULL;
  g_autofree char *log = dnsmasq_log_path (self, def->name);
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
  if (!dnsmasq_watch (st, error)) {
    g_subprocess_force_exit (st->dnsmasq);
    return FALSE;
  }
  return TRUE;
}

static char *
read_log_tail (VbNetworkDriver *self, const char *name)
{
  g_autofree char *path = dnsmasq_log_path (self, name);
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
      save_status_or_warn (st->driver, st);
      return;
    }
    g_warning ("network '%s': dnsmasq (pid %d) exited; restarting it", live->name, st->dnsmasq_pid);
  }
  st->expect_exit = FALSE;
  if (!dnsmasq_spawn (st, live, &error)) {
    g_warning ("%s", error->message);
    st->dns_phase = DNS_NONE;
    st->dnsmasq_pid = 0;
  }
  save_status_or_warn (st->driver, st);
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
static gboolean
pid_is_our_dnsmasq (VbNetworkDriver *self, int pid, const char *name)
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

/* Kernel side of start and stop ------------------------------------------------ */

static gboolean
check_sriov (const VbNetworkDef *def, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open ("/sys/bus/pci/devices", 0, NULL);
  const char *entry;

  while (dir && (entry = g_dir_read_name (dir))) {
    g_autofree char *p = g_strdup_printf ("/sys/bus/pci/devices/%s/sriov_totalvfs", entry);
    g_autofree char *n = NULL;
    if (g_file_get_contents (p, &n, NULL, NULL) && atoi (n) > 0)
      return TRUE;
  }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "network '%s' uses <forward mode='hostdev'>, which needs SR-IOV virtual functions, "
               "and no PCI device of this host offers any",
               def->name);
  return FALSE;
}

static gboolean
check_external (VbNetworkDriver *self, const VbNetworkDef *def, GError **error)
{
  VbLinkInfo info;

  switch (def->forward_mode) {
  case VB_NETWORK_FORWARD_BRIDGE:
    if (def->bridge_name) {
      g_autoptr(GError) local = NULL;

      if (def->virtualport && def->virtualport->type == VB_VIRTUALPORT_OPENVSWITCH) {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "network '%s': Open vSwitch bridges are not supported yet", def->name);
        return FALSE;
      }
      if (!vb_net_platform_link_query (self->kplatform, def->bridge_name, &info, &local)) {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                     "network '%s' uses host bridge '%s', which does not exist", def->name,
                     def->bridge_name);
        return FALSE;
      }
      if (!g_str_equal (info.kind, "bridge")) {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                     "network '%s' uses host bridge '%s', which is not a bridge (%s)", def->name,
                     def->bridge_name, *info.kind ? info.kind : "unknown kind");
        return FALSE;
      }
      return TRUE;
    }
    G_GNUC_FALLTHROUGH;
  case VB_NETWORK_FORWARD_PRIVATE:
  case VB_NETWORK_FORWARD_VEPA:
  case VB_NETWORK_FORWARD_PASSTHROUGH:
    if (def->forward_pf) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "network '%s': a <pf> pool needs SR-IOV virtual functions, which this driver cannot expand yet",
                   def->name);
      return FALSE;
    }
    if (def->forward_ifaces->len == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "network '%s' (<forward mode='%s'>) has no <interface> in its forward pool",
                   def->name, vb_network_forward_mode_to_string (def->forward_mode));
      return FALSE;
    }
    for (guint i = 0; i < def->forward_ifaces->len; i++) {
      const VbNetworkForwardIface *f = g_ptr_array_index (def->forward_ifaces, i);

      if (!vb_net_platform_link_exists (self->kplatform, f->dev)) {
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                     "forward device '%s' of network '%s' does not exist", f->dev, def->name);
        return FALSE;
      }
    }
    return TRUE;
  case VB_NETWORK_FORWARD_HOSTDEV:
    return check_sriov (def, error);
  default:
    return TRUE;
  }
}

/* What this driver can do of <bandwidth> on a device (a guest's tap or
 * macvtap, or a network's bridge): shape what the device sends, which is
 * the guest's (the network's) inbound traffic.  Outbound limits need tc
 * policing and floors need a bridge-wide class tree; both are refused
 * rather than silently dropped. */
static gboolean
check_bandwidth (const VbBandwidth *bw, const char *network_name, GError **error)
{
  if (bw == NULL)
    return TRUE;
  if (bw->out && (bw->out->average || bw->out->peak || bw->out->burst)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "network '%s': <bandwidth><outbound> is not supported (it needs tc policing, which this driver does not do)",
                 network_name);
    return FALSE;
  }
  if (bw->in && bw->in->floor) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "network '%s': <bandwidth><inbound floor> is not supported yet", network_name);
    return FALSE;
  }
  return TRUE;
}

static gboolean
apply_bandwidth (VbNetPlatform *platform, const VbBandwidth *bw, const char *dev, GError **error)
{
  if (bw == NULL || bw->in == NULL || bw->in->average == 0)
    return TRUE;
  return vb_net_platform_shape_egress (platform, dev, bw->in->average, bw->in->peak,
                                       bw->in->burst, error);
}

/* Undoes whatever part of kernel_setup happened; safe to call on pieces
 * that are not there.  Runs in the kernel worker, or on the main thread
 * during open, before the worker has anything to do.  @fwd_claim is the
 * network's (a copy of its NetState's in the worker). */
static void
kernel_teardown (VbNetworkDriver *self, gboolean fwd_claim[2], const VbNetworkDef *def)
{
  g_autoptr(GError) error = NULL;

  if (has_own_bridge (def)) {
    if (!vb_net_firewall_remove (def->name, &error)) {
      g_warning ("%s", error->message);
      g_clear_error (&error);
    }
    if (def->bridge_name && vb_net_platform_link_exists (self->kplatform, def->bridge_name) &&
        !vb_net_platform_link_delete (self->kplatform, def->bridge_name, &error)) {
      g_warning ("network '%s': %s", def->name, error->message);
      g_clear_error (&error);
    }
  }
  for (int k = 0; k < 2; k++) {
    if (fwd_claim[k]) {
      fwd_claim[k] = FALSE;
      sysctl_release (self, (VbSysctl) k);
    }
  }
}

/* Runs in the kernel worker. */
static gboolean
kernel_setup (VbNetworkDriver *self, gboolean fwd_claim[2], const VbNetworkDef *def, GError **error)
{
  VbBridgeConfig cfg = { 0 };

  if (!has_own_bridge (def))
    return check_external (self, def, error);
  if (!check_bandwidth (def->bandwidth, def->name, error))
    return FALSE;

  cfg.stp = def->stp != VB_TRISTATE_NO;
  cfg.forward_delay_ms = (guint) MIN (def->delay, 30) * 1000;
  cfg.mtu = def->mtu;
  cfg.mac_set = def->mac_set;
  cfg.mac = def->mac;
  if (!vb_net_platform_bridge_add (self->kplatform, def->bridge_name, &cfg, error))
    return FALSE;

  for (guint i = 0; i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    int prefix = vb_net_ip_prefix (ip);

    if (prefix < 0 ||
        !vb_net_platform_addr_add (self->kplatform, def->bridge_name, ip->address, (guint) prefix, NULL,
                                  error)) {
      if (prefix < 0)
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "network '%s': no prefix for %s",
                     def->name, ip->address);
      kernel_teardown (self, fwd_claim, def);
      return FALSE;
    }
  }
  if (!vb_net_platform_link_set_up (self->kplatform, def->bridge_name, TRUE, error) ||
      !apply_bandwidth (self->kplatform, def->bandwidth, def->bridge_name, error)) {
    kernel_teardown (self, fwd_claim, def);
    return FALSE;
  }
  /* static routes through guests (libvirt's <route>); they go with the
   * bridge */
  for (guint i = 0; i < def->routes->len; i++) {
    const VbNetworkRoute *r = g_ptr_array_index (def->routes, i);
    int prefix = vb_net_route_prefix (r);

    if (prefix < 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "network '%s': <route address='%s'> needs a prefix or netmask", def->name, r->address);
      kernel_teardown (self, fwd_claim, def);
      return FALSE;
    }
    if (!vb_net_platform_route_add (self->kplatform, def->bridge_name, r->address, (guint) prefix,
                                    r->gateway, r->metric_set ? r->metric : 0, error)) {
      kernel_teardown (self, fwd_claim, def);
      return FALSE;
    }
  }
  if (!vb_net_firewall_apply (def, error)) {
    kernel_teardown (self, fwd_claim, def);
    return FALSE;
  }
  if (def->forward_mode == VB_NETWORK_FORWARD_NAT || def->forward_mode == VB_NETWORK_FORWARD_ROUTE) {
    for (int k = 0; k < 2; k++) {
      if (!network_has_family (def, k == VB_SYSCTL_IPV6_FORWARD))
        continue;
      if (!sysctl_claim (self, (VbSysctl) k, error)) {
        kernel_teardown (self, fwd_claim, def);
        return FALSE;
      }
      fwd_claim[k] = TRUE;
    }
  }
  return TRUE;
}

/* The kernel worker -------------------------------------------------------------- */

typedef enum {
  JOB_START,    /* refuse a foreign bridge, write the provisional status, kernel_setup */
  JOB_TEARDOWN, /* kernel_teardown, then remove the run files listed */
  JOB_FIREWALL, /* vb_net_firewall_apply */
} JobKind;

/* One piece of kernel work, the data of an internal GTask whose callback
 * carries on on the main thread.  The worker sees only what is here (its
 * own copy of the definition and of the network's sysctl claims), never
 * a NetState or a VbNetwork, which are the main thread's. */
typedef struct {
  JobKind kind;
  VbNetworkDriver *self;   /* kept alive by the GTask's source object */
  NetState *st;            /* for the callback only; its network is held */
  VbNetworkDef *def;
  gboolean fwd_claim[2];   /* in and out */
  char *status_path;       /* JOB_START: where, and what, to record */
  char *status_data;
  gsize status_len;
  GPtrArray *unlink_after; /* JOB_TEARDOWN: files that go once it is done */
  GError *op_error;        /* JOB_TEARDOWN after a failed start: the reason */
  GAsyncReadyCallback done;
  gpointer done_data;
} KernelJob;

static void
kernel_job_free (KernelJob *job)
{
  vb_network_def_free (job->def);
  g_free (job->status_path);
  g_free (job->status_data);
  g_clear_pointer (&job->unlink_after, g_ptr_array_unref);
  g_clear_error (&job->op_error);
  g_free (job);
}

static KernelJob *
kernel_job_new (JobKind kind, NetState *st, const VbNetworkDef *def)
{
  KernelJob *job = g_new0 (KernelJob, 1);

  job->kind = kind;
  job->self = st->driver;
  job->st = st;
  job->def = vb_network_def_copy (def);
  job->fwd_claim[0] = st->fwd_claim[0];
  job->fwd_claim[1] = st->fwd_claim[1];
  return job;
}

static gboolean
kernel_job_start (KernelJob *job, GError **error)
{
  VbNetworkDriver *self = job->self;
  const VbNetworkDef *def = job->def;

  /* A bridge of that name that is someone else's is refused before
   * anything is built or recorded, so no cleanup can ever delete it. */
  if (has_own_bridge (def) && vb_net_platform_link_exists (self->kplatform, def->bridge_name)) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS,
                 "cannot start network '%s': bridge name '%s' is already in use", def->name,
                 def->bridge_name);
    return FALSE;
  }
  if (!vb_file_write_runtime (job->status_path, job->status_data, job->status_len, error))
    return FALSE;
  if (!kernel_setup (self, job->fwd_claim, def, error)) {
    /* kernel_setup undid its own part; nothing else was built */
    g_unlink (job->status_path);
    return FALSE;
  }
  return TRUE;
}

/* @data is borrowed: the task's owning reference stays with the main
 * thread (kernel_job_dispatch drops it), so that the task, and with it
 * the driver it holds, is always freed there. */
static void
kernel_job_run (gpointer data, gpointer user_data)
{
  GTask *task = data;
  KernelJob *job = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok = TRUE;

  switch (job->kind) {
  case JOB_START:
    ok = kernel_job_start (job, &error);
    break;
  case JOB_TEARDOWN:
    if (job->def != NULL)
      kernel_teardown (job->self, job->fwd_claim, job->def);
    for (guint i = 0; job->unlink_after && i < job->unlink_after->len; i++)
      g_unlink (g_ptr_array_index (job->unlink_after, i));
    break;
  case JOB_FIREWALL:
    ok = vb_net_firewall_apply (job->def, &error);
    break;
  default:
    g_assert_not_reached ();
  }
  /* the callback runs on the main context the job was queued from */
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
kernel_job_dispatch (GObject *source, GAsyncResult *res, gpointer data)
{
  KernelJob *job = g_task_get_task_data (G_TASK (res));

  job->done (source, res, job->done_data);
  /* the reference kernel_job_push took */
  g_object_unref (res);
}

/* Queues @job (owned); @done (with @data) runs on the calling thread's
 * main context once the worker is through with it, and finds @job as the
 * task data. */
static void
kernel_job_push (KernelJob *job, GAsyncReadyCallback done, gpointer data)
{
  GTask *task = g_task_new (job->self, NULL, kernel_job_dispatch, NULL);

  job->done = done;
  job->done_data = data;
  g_task_set_source_tag (task, kernel_job_push);
  g_task_set_task_data (task, job, (GDestroyNotify) kernel_job_free);
  g_thread_pool_push (job->self->kernel_pool, task, NULL);
}

/* The job's state has come back to the main thread: its sysctl claims
 * become the network's again. */
static KernelJob *
kernel_job_finish (GAsyncResult *res, GError **error)
{
  KernelJob *job = g_task_get_task_data (G_TASK (res));

  job->st->fwd_claim[0] = job->fwd_claim[0];
  job->st->fwd_claim[1] = job->fwd_claim[1];
  g_task_propagate_boolean (G_TASK (res), error);
  return job;
}

/* Start ------------------------------------------------------------------------- */

static void
start_undone (GObject *source, GAsyncResult *res, gpointer data)
{
  KernelJob *job = kernel_job_finish (res, NULL);
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
    KernelJob *job = kernel_job_new (JOB_TEARDOWN, st, def);

    signal_dnsmasq (st, SIGKILL);
    dnsmasq_unwatch (st);
    st->dns_phase = DNS_NONE;
    st->dnsmasq_pid = 0;
    /* the files go after the kernel side, as before: the status file last
     * of all, so that a daemon killed meanwhile still undoes the rest;
     * @st->pending and @st->hold stay until start_undone */
    job->unlink_after = g_ptr_array_new_with_free_func (g_free);
    if (has_own_bridge (def)) {
      g_auto(VbDnsmasqPaths) paths = { 0 };
      vb_dnsmasq_paths_init (&paths, self->run_dir, def->name);
      g_ptr_array_add (job->unlink_after, g_strdup (paths.conf));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.hostsfile));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.addnhosts));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.leases));
      g_ptr_array_add (job->unlink_after, g_strdup (paths.pidfile));
    }
    g_ptr_array_add (job->unlink_after, dnsmasq_log_path (self, def->name));
    g_ptr_array_add (job->unlink_after, status_path (self, def->name));
    job->op_error = error;
    kernel_job_push (job, start_undone, NULL);
    return;
  }

  task = g_steal_pointer (&st->pending);
  net = g_steal_pointer (&st->hold);
  vb_network_usage_reset (st->usage);
  vb_network_set_live_def (net, g_steal_pointer (&def));
  vb_network_set_active (net, TRUE);
  save_status_or_warn (self, st);
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
  KernelJob *job = kernel_job_finish (res, &error);
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
  if (!dnsmasq_spawn (st, live, &error)) {
    start_finish (st, error);
    return;
  }
  /* its pid, so that a daemon killed from here on can stop it */
  save_status_or_warn (st->driver, st);
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
  NetState *st = get_state (self, net);
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
  job = kernel_job_new (JOB_START, st, live);
  job->status_path = status_path (self, live->name);
  job->status_data = build_status (st, &job->status_len);
  kernel_job_push (job, start_kernel_done, NULL);
}

/* Stop -------------------------------------------------------------------------- */

static void
stop_kernel_done (GObject *source, GAsyncResult *res, gpointer data)
{
  KernelJob *job = kernel_job_finish (res, NULL);
  NetState *st = job->st;
  VbNetworkDriver *self = st->driver;
  g_autoptr(GTask) task = g_steal_pointer (&st->pending);
  /* released on return, after the last use of @st, which it may free */
  g_autoptr(VbNetwork) net = g_steal_pointer (&st->hold);
  g_autofree char *status = status_path (self, vb_network_get_name (net));
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autofree char *log = dnsmasq_log_path (self, vb_network_get_name (net));

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
    job = kernel_job_new (JOB_TEARDOWN, st, live);
  }
  /* (the claims stay recorded in the status until the worker is done:
   * a daemon killed meanwhile still releases them) */
  kernel_job_push (job, stop_kernel_done, NULL);
}

static void
stop_network (VbNetworkDriver *self, VbNetwork *net, GTask *task)
{
  NetState *st = get_state (self, net);

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

  return def && has_own_bridge (def) ? def->bridge_name : NULL;
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

  if (!has_own_bridge (def))
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
  if (!has_own_bridge (new_def))
    return TRUE;
  if (st->dns_phase != DNS_RUNNING) {
    if (!vb_dnsmasq_needed (new_def))
      return TRUE;
    st->dns_phase = DNS_RUNNING;
    if (!dnsmasq_spawn (st, new_def, error)) {
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
    save_status_or_warn (self, get_state (self, u->net));
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
  KernelJob *job = kernel_job_finish (res, &error);
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
  NetState *st = get_state (self, u->net);
  const VbNetworkDef *old_def = vb_network_get_live_def (u->net);
  g_auto(VbDnsmasqPaths) paths = { 0 };
  g_autoptr(GError) local = NULL;
  g_autofree char *fw_old = NULL;
  g_autofree char *fw_new = NULL;
  GError *error = NULL;

  if (!has_own_bridge (u->live)) {
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
    kernel_job_push (kernel_job_new (JOB_FIREWALL, st, u->live), update_firewall_done, u);
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
   * update refuses it from the live connection counts, which sync_counts
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

static void
return_result (GTask *task, gboolean ok, GVariant *out, GError *error)
{
  if (!ok)
    g_task_return_error (task, error);
  else if (out)
    g_task_return_pointer (task, g_variant_ref_sink (out), (GDestroyNotify) g_variant_unref);
  else
    g_task_return_pointer (task, NULL, NULL);
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
    if (vb_network_is_active (net)) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                               "network '%s' is already running", name);
      return;
    }
    start_network (self, net, vb_network_def_copy (vb_network_get_def (net)), task, FALSE, FALSE);
    return;

  case VB_OP_NETWORK_DESTROY:
    if (!vb_network_is_active (net)) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is not active",
                               name);
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
  return_result (task, ok, out, error);
}

/* Guest addresses ------------------------------------------------------------------- */

GVariant *
vb_network_driver_get_leases (VbNetworkDriver *self, const char *network_name, const char *mac,
                              GError **error)
{
  VbNetwork *net = vb_driver_lookup_network_by_name (self->owner, network_name);
  g_auto(VbDnsmasqPaths) paths = { 0 };

  if (net == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no network with matching name '%s'", network_name);
    return NULL;
  }
  vb_dnsmasq_paths_init (&paths, self->run_dir, network_name);
  return vb_dnsmasq_read_leases (paths.leases, vb_network_get_current_def (net), mac);
}

GArray *
vb_network_driver_get_neighbours (VbNetworkDriver *self, GError **error)
{
  return vb_net_platform_neighbours_ipv4 (self->platform, error);
}

/* Ports ------------------------------------------------------------------------------ */

static VbNetwork *
lookup_running (VbNetworkDriver *self, const char *name, GError **error)
{
  VbNetwork *net = vb_driver_lookup_network_by_name (self->owner, name);

  if (net == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no network with matching name '%s'", name);
    return NULL;
  }
  if (!vb_network_is_active (net)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is not active", name);
    return NULL;
  }
  return net;
}

/* The host side of a tap on no bridge: what the guest reaches through it
 * is up to these addresses and routes (and to the admin's firewall). */
static gboolean
configure_ethernet (VbNetworkDriver *self, const VbNetworkPort *port, const char *ifname,
                    GError **error)
{
  if (port->mtu > 0 && !vb_net_platform_link_set_mtu (self->platform, ifname, port->mtu, error))
    return FALSE;
  if (!apply_bandwidth (self->platform, port->bandwidth, ifname, error))
    return FALSE;
  for (guint i = 0; port->host_ips && i < port->host_ips->len; i++) {
    const VbNetdevIp *ip = g_ptr_array_index (port->host_ips, i);

    if (!vb_net_platform_addr_add (self->platform, ifname, ip->address, ip->prefix, ip->peer, error))
      return FALSE;
  }
  /* a route's gateway must be reachable, which needs the link up */
  if (!vb_net_platform_link_set_up (self->platform, ifname, TRUE, error))
    return FALSE;
  for (guint i = 0; port->host_routes && i < port->host_routes->len; i++) {
    const VbNetdevRoute *r = g_ptr_array_index (port->host_routes, i);

    if (!r->prefix_set) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "<route address='%s'> needs a prefix or netmask",
                   r->address);
      return FALSE;
    }
    if (!vb_net_platform_route_add (self->platform, ifname, r->address, r->prefix, r->gateway, r->metric,
                                    error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
plug_ethernet (VbNetworkDriver *self, const VbNetworkPort *port, const char *ifname_hint,
               char **out_ifname, int *out_fd, GError **error)
{
  VbMac tap_mac = port->mac;

  if (port->tap_existing) {
    /* the admin made it and set it up: libvirt's managed='no' promise is
     * that nothing about it changes, so only its fd is taken */
    if (ifname_hint == NULL) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                           "an existing tap (target managed='no') must be named by <target dev>");
      return FALSE;
    }
    if (!vb_net_platform_tap_open (self->platform, ifname_hint, out_fd, error))
      return FALSE;
    *out_ifname = g_strdup (ifname_hint);
    return TRUE;
  }
  /* as on a bridge, the host side differs from the guest's MAC by its
   * first byte */
  tap_mac.bytes[0] = 0xfe;
  if (!vb_net_platform_tap_create (self->platform, ifname_hint ? ifname_hint : "vnet%d", &tap_mac, out_ifname,
                                   out_fd, error))
    return FALSE;
  if (!configure_ethernet (self, port, *out_ifname, error)) {
    vb_net_platform_link_delete (self->platform, *out_ifname, NULL);
    close (*out_fd);
    *out_fd = -1;
    g_clear_pointer (out_ifname, g_free);
    return FALSE;
  }
  return TRUE;
}

static gboolean
plug_device (VbNetworkDriver *self, const VbNetworkPort *port, guint mtu, const char *ifname_hint,
             char **out_ifname, int *out_fd, GError **error)
{
  switch (port->type) {
  case VB_PORT_TYPE_ETHERNET:
    return plug_ethernet (self, port, ifname_hint, out_ifname, out_fd, error);
  case VB_PORT_TYPE_NETWORK:
  case VB_PORT_TYPE_BRIDGE: {
    VbMac tap_mac = port->mac;

    /* libvirt's rule: the host side of the tap gets the guest's MAC with
     * 0xfe first, so the bridge never adopts the guest's address */
    tap_mac.bytes[0] = 0xfe;
    if (!vb_net_platform_tap_create (self->platform, ifname_hint ? ifname_hint : "vnet%d", &tap_mac,
                                     out_ifname, out_fd, error))
      return FALSE;
    /* a tap smaller than its bridge's MTU would cap the whole bridge */
    if ((mtu > 0 && !vb_net_platform_link_set_mtu (self->platform, *out_ifname, mtu, error)) ||
        !apply_bandwidth (self->platform, port->bandwidth, *out_ifname, error) ||
        !vb_net_platform_link_set_master (self->platform, *out_ifname, port->bridge_name, error) ||
        !vb_net_platform_link_set_up (self->platform, *out_ifname, TRUE, error)) {
      vb_net_platform_link_delete (self->platform, *out_ifname, NULL);
      close (*out_fd);
      g_clear_pointer (out_ifname, g_free);
      return FALSE;
    }
    return TRUE;
  }
  case VB_PORT_TYPE_DIRECT:
    if (!vb_net_platform_macvtap_create (self->platform, ifname_hint ? ifname_hint : "macvtap%d",
                                         port->dev, port->macvtap_mode, &port->mac, out_ifname,
                                         out_fd, error))
      return FALSE;
    if (!apply_bandwidth (self->platform, port->bandwidth, *out_ifname, error) ||
        !vb_net_platform_link_set_up (self->platform, *out_ifname, TRUE, error)) {
      vb_net_platform_link_delete (self->platform, *out_ifname, NULL);
      close (*out_fd);
      g_clear_pointer (out_ifname, g_free);
      return FALSE;
    }
    return TRUE;
  case VB_PORT_TYPE_HOSTDEV:
  default:
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "network '%s': hostdev (SR-IOV VF) ports are not supported by this driver yet",
                 port->network);
    return FALSE;
  }
}

gboolean
vb_network_driver_port_allocate (VbNetworkDriver *self, const char *network_name,
                                 const VbPortRequest *req, const char *ifname_hint,
                                 VbNetworkPort **out_port, char **out_ifname, int *out_fd,
                                 GError **error)
{
  VbNetwork *net = lookup_running (self, network_name, error);
  g_autoptr(VbNetworkPort) port = NULL;
  NetState *st;

  *out_port = NULL;
  *out_ifname = NULL;
  *out_fd = -1;
  if (net == NULL)
    return FALSE;
  st = get_state (self, net);
  /* its bridge is being deleted in the kernel worker */
  if (st->stopping) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is stopping", network_name);
    return FALSE;
  }
  if (!vb_network_port_allocate (vb_network_get_live_def (net), st->usage, req, &port, error))
    return FALSE;
  if (!check_bandwidth (port->bandwidth, network_name, error) ||
      !plug_device (self, port, vb_network_get_live_def (net)->mtu, ifname_hint, out_ifname, out_fd,
                    error)) {
    vb_network_port_release (vb_network_get_live_def (net), st->usage, port);
    return FALSE;
  }
  save_status_or_warn (self, st);
  *out_port = g_steal_pointer (&port);
  return TRUE;
}

void
vb_network_driver_port_release (VbNetworkDriver *self, const VbNetworkPort *port,
                                const char *ifname)
{
  VbNetwork *net = vb_driver_lookup_network_by_name (self->owner, port->network);
  g_autoptr(GError) error = NULL;
  NetState *st;

  if (ifname && port->type != VB_PORT_TYPE_HOSTDEV &&
      vb_net_platform_link_exists (self->platform, ifname) &&
      !vb_net_platform_link_delete (self->platform, ifname, &error))
    g_warning ("network '%s': %s", port->network, error->message);
  if (net == NULL || !vb_network_is_active (net) ||
      !vb_uuid_equal (vb_network_get_uuid (net), &port->network_uuid))
    return;
  st = get_state (self, net);
  vb_network_port_release (vb_network_get_live_def (net), st->usage, port);
  save_status_or_warn (self, st);
}

gboolean
vb_network_driver_plug (VbNetworkDriver *self, const VbNetworkPort *port, const char *ifname_hint,
                        char **out_ifname, int *out_fd, GError **error)
{
  *out_ifname = NULL;
  *out_fd = -1;
  if (port->type != VB_PORT_TYPE_BRIDGE && port->type != VB_PORT_TYPE_DIRECT &&
      port->type != VB_PORT_TYPE_ETHERNET) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "only bridge, direct and ethernet devices can be plugged outside a network");
    return FALSE;
  }
  if (port->type == VB_PORT_TYPE_BRIDGE && !vb_net_platform_link_exists (self->platform, port->bridge_name)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "bridge '%s' does not exist", port->bridge_name);
    return FALSE;
  }
  if (port->type == VB_PORT_TYPE_DIRECT && !vb_net_platform_link_exists (self->platform, port->dev)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network device '%s' does not exist", port->dev);
    return FALSE;
  }
  return check_bandwidth (port->bandwidth,
                          port->bridge_name ? port->bridge_name : port->dev ? port->dev : "ethernet", error) &&
         plug_device (self, port, 0, ifname_hint, out_ifname, out_fd, error);
}

void
vb_network_driver_unplug (VbNetworkDriver *self, const char *ifname)
{
  g_autoptr(GError) error = NULL;

  if (ifname && vb_net_platform_link_exists (self->platform, ifname) &&
      !vb_net_platform_link_delete (self->platform, ifname, &error))
    g_warning ("%s", error->message);
}

void
vb_network_driver_usage_reset (VbNetworkDriver *self)
{
  g_autoptr(GPtrArray) nets = vb_driver_list_networks (self->owner, 0);

  for (guint i = 0; i < nets->len; i++) {
    VbNetwork *net = g_ptr_array_index (nets, i);
    NetState *st;

    if (!vb_network_is_active (net))
      continue;
    st = get_state (self, net);
    vb_network_usage_reset (st->usage);
    save_status_or_warn (self, st);
  }
}

gboolean
vb_network_driver_port_reclaim (VbNetworkDriver *self, const VbNetworkPort *port, GError **error)
{
  VbNetwork *net = lookup_running (self, port->network, error);
  NetState *st;

  if (net == NULL)
    return FALSE;
  st = get_state (self, net);
  vb_network_usage_add_port (st->usage, port);
  save_status_or_warn (self, st);
  return TRUE;
}

const VbNetworkUsage *
vb_network_driver_get_usage (VbNetworkDriver *self, const char *network_name)
{
  VbNetwork *net = vb_driver_lookup_network_by_name (self->owner, network_name);

  if (net == NULL || !vb_network_is_active (net))
    return NULL;
  return get_state (self, net)->usage;
}

/* Open: load, re-attach, autostart ------------------------------------------------ */

/* Picks up one network that kept running while no daemon watched it. */
static void
reattach (VbNetworkDriver *self, const char *status_file)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(VbNetworkDef) live = NULL;
  VbNetwork *net;
  NetState *st;
  int pid;
  gboolean alive;

  if (!g_key_file_load_from_file (kf, status_file, G_KEY_FILE_NONE, &error) ||
      (xml = g_key_file_get_string (kf, "network", "def", &error)) == NULL ||
      (live = vb_network_def_parse (xml, VB_NETWORK_PARSE_STATUS, &error)) == NULL) {
    g_warning ("ignoring network status %s: %s", status_file, error->message);
    g_unlink (status_file);
    return;
  }
  pid = g_key_file_get_integer (kf, "network", "dnsmasq-pid", NULL);
  net = vb_driver_lookup_network_by_uuid (self->owner, &live->uuid);
  if (net == NULL && vb_driver_lookup_network_by_name (self->owner, live->name) != NULL) {
    /* its name now belongs to another definition: it cannot be listed,
     * so it must not keep running unseen */
    g_autoptr(VbNetwork) orphan = vb_network_new (vb_network_def_copy (live), FALSE);
    NetState *ost = get_state (self, orphan);

    g_warning ("network '%s' (%s) still runs but its name is taken by another definition; stopping it",
               live->name, vb_network_get_uuid_string (orphan));
    if (pid_is_our_dnsmasq (self, pid, live->name))
      kill (pid, SIGTERM);
    ost->fwd_claim[0] = g_key_file_get_boolean (kf, "network", "ipv4-forward", NULL);
    ost->fwd_claim[1] = g_key_file_get_boolean (kf, "network", "ipv6-forward", NULL);
    for (int k = 0; k < 2; k++)
      self->fwd_users[k] += ost->fwd_claim[k] ? 1 : 0;
    kernel_teardown (self, ost->fwd_claim, live);
    g_unlink (status_file);
    return;
  }
  if (net == NULL) {
    g_autoptr(VbNetwork) transient = vb_network_new (vb_network_def_copy (live), FALSE);
    vb_driver_add_network (self->owner, transient);
    net = transient;
  }
  st = get_state (self, net);
  st->fwd_claim[0] = g_key_file_get_boolean (kf, "network", "ipv4-forward", NULL);
  st->fwd_claim[1] = g_key_file_get_boolean (kf, "network", "ipv6-forward", NULL);
  for (int k = 0; k < 2; k++)
    self->fwd_users[k] += st->fwd_claim[k] ? 1 : 0;
  alive = pid_is_our_dnsmasq (self, pid, live->name);

  if (g_key_file_get_boolean (kf, "network", "starting", NULL)) {
    g_auto(VbDnsmasqPaths) paths = { 0 };

    /* the previous daemon died while starting it: undo the half-built
     * network rather than adopt it */
    g_message ("network '%s' was being started when the daemon stopped; undoing it", live->name);
    if (alive)
      kill (pid, SIGKILL);
    kernel_teardown (self, st->fwd_claim, live);
    vb_dnsmasq_paths_init (&paths, self->run_dir, live->name);
    vb_dnsmasq_remove_files (&paths);
    g_unlink (status_file);
    if (!vb_network_is_persistent (net))
      vb_driver_remove_network (self->owner, net);
    return;
  }

  if (has_own_bridge (live) && !vb_net_platform_link_exists (self->platform, live->bridge_name)) {
    /* the bridge went away (deleted by hand, host network restart): the
     * network is dead; clear what is left of it */
    g_message ("network '%s': bridge '%s' is gone; marking the network inactive", live->name,
               live->bridge_name);
    if (alive)
      kill (pid, SIGTERM);
    kernel_teardown (self, st->fwd_claim, live);
    g_unlink (status_file);
    if (!vb_network_is_persistent (net))
      vb_driver_remove_network (self->owner, net);
    return;
  }

  /* counts as the status recorded them; the hypervisor driver recounts
   * from its guests (usage_reset + port_reclaim) */
  vb_network_usage_reset (st->usage);
  st->usage->connections = live->connections;
  for (guint i = 0; i < live->forward_ifaces->len; i++) {
    VbNetworkForwardIface *f = g_ptr_array_index (live->forward_ifaces, i);
    g_autofree char *key = vb_network_forward_iface_key (f);

    if (f->connections == 0)
      continue;
    g_hash_table_insert (st->usage->devices, g_strdup (key), GUINT_TO_POINTER (f->connections));
    if (live->forward_mode == VB_NETWORK_FORWARD_PASSTHROUGH || live->forward_mode == VB_NETWORK_FORWARD_HOSTDEV)
      g_hash_table_add (st->usage->exclusive, g_strdup (key));
  }

  vb_network_set_live_def (net, g_steal_pointer (&live));
  vb_network_set_active (net, TRUE);
  live = vb_network_def_copy (vb_network_get_live_def (net));

  if (has_own_bridge (live) && live->forward_mode != VB_NETWORK_FORWARD_OPEN &&
      !vb_net_firewall_exists (live->name) && !vb_net_firewall_apply (live, &error)) {
    g_warning ("network '%s': %s", live->name, error->message);
    g_clear_error (&error);
  }
  if (alive) {
    st->dnsmasq_pid = pid;
    st->dns_phase = DNS_RUNNING;
    if (!dnsmasq_watch (st, &error)) {
      g_warning ("network '%s': %s", live->name, error->message);
      g_clear_error (&error);
    }
  } else if (vb_dnsmasq_needed (live)) {
    st->dns_phase = DNS_RUNNING;
    if (!dnsmasq_spawn (st, live, &error)) {
      g_warning ("%s", error->message);
      st->dns_phase = DNS_NONE;
    }
  }
  save_status_or_warn (self, st);
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
    self->kernel_pool = g_thread_pool_new (kernel_job_run, NULL, 1, FALSE, error);
    if (self->kernel_pool == NULL)
      return FALSE;
  }
  self->opened = TRUE;
  load_sysctl_state (self);
  vb_define_load_all (self->owner, &self->defs, NULL);

  keys = vb_config_store_list_status (self->store, &local_error);
  if (keys == NULL)
    g_warning ("%s", local_error->message);
  for (guint i = 0; keys && keys[i]; i++) {
    g_autofree char *path = status_path (self, keys[i]);

    reattach (self, path);
  }
  /* a sysctl we set for networks that are all gone now */
  sysctl_restore_unused (self, VB_SYSCTL_IPV4_FORWARD);
  sysctl_restore_unused (self, VB_SYSCTL_IPV6_FORWARD);

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
