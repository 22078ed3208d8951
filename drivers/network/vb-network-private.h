/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the network driver's files share: the driver's and a running
 * network's state, and the kernel worker's jobs.  Private to
 * drivers/network; the hypervisor drivers see vb-network-driver.h. */

#include "vb-network-driver.h"
#include "vb-define.h"
#include "vb-network-def.h"

G_BEGIN_DECLS

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

/* vb-network-driver.c: a network's state and dnsmasq */
NetState *vb_net_state_get (VbNetworkDriver *self, VbNetwork *net);
gboolean vb_net_has_own_bridge (const VbNetworkDef *def);
gboolean vb_net_dnsmasq_watch (NetState *st, GError **error);
gboolean vb_net_dnsmasq_spawn (NetState *st, const VbNetworkDef *def, GError **error);
gboolean vb_net_pid_is_our_dnsmasq (VbNetworkDriver *self, int pid, const char *name);

/* vb-net-status.c: status files and the re-attach at open */
char *vb_net_status_path (VbNetworkDriver *self, const char *name);
char *vb_net_dnsmasq_log_path (VbNetworkDriver *self, const char *name);
void vb_net_sync_counts (NetState *st);
char *vb_net_build_status (NetState *st, gsize *out_len);
void vb_net_save_status_or_warn (VbNetworkDriver *self, NetState *st);
void vb_net_reattach (VbNetworkDriver *self, const char *status_file);

/* vb-net-kernel.c: the kernel side of networks and its worker */
typedef enum {
  JOB_START,    /* refuse a foreign bridge, write the provisional status, kernel_setup */
  JOB_TEARDOWN, /* vb_net_kernel_teardown, then remove the run files listed */
  JOB_FIREWALL, /* vb_net_firewall_apply */
  JOB_PLUG,     /* a guest's device (vb-net-ports.c) */
  JOB_UNPLUG,   /* deletes a guest's device */
  JOB_BARRIER,  /* nothing: done once every job queued before it is */
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
  /* JOB_PLUG: the port to make a device for, charged to a network or
   * not, and the MTU of the network's bridge; @ifname is the name asked
   * for going in, the device's name coming out, with its @fd.
   * JOB_UNPLUG: @ifname is the device to delete. */
  VbNetworkPort *port;
  gboolean charged;
  guint mtu;
  char *ifname;
  int fd;
  GAsyncReadyCallback done;
  gpointer done_data;
} KernelJob;

void vb_net_load_sysctl_state (VbNetworkDriver *self);
void vb_net_sysctl_restore_unused (VbNetworkDriver *self, VbSysctl key);
gboolean vb_net_check_bandwidth (const VbBandwidth *bw, const char *network_name, GError **error);
gboolean vb_net_apply_bandwidth (VbNetPlatform *platform, const VbBandwidth *bw, const char *dev, GError **error);
void vb_net_kernel_teardown (VbNetworkDriver *self, gboolean fwd_claim[2], const VbNetworkDef *def);
KernelJob *vb_net_kernel_job_new (JobKind kind, NetState *st, const VbNetworkDef *def);
void vb_net_kernel_job_run (gpointer data, gpointer user_data);
void vb_net_kernel_job_push (KernelJob *job, GAsyncReadyCallback done, gpointer data);
KernelJob *vb_net_kernel_job_finish (GAsyncResult *res, GError **error);

/* vb-net-ports.c: guest devices, made and deleted in the kernel worker */
gboolean vb_net_plug_run (VbNetPlatform *platform, KernelJob *job, GError **error);
void vb_net_unplug_run (VbNetPlatform *platform, KernelJob *job);

G_END_DECLS
