/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel side of a network (bridge, addresses, routes, nftables,
 * forwarding sysctls) and the one worker thread that runs it. */
#include "vb-network-private.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-net-firewall.h"
#include "vb-net-ip.h"

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

void
vb_net_load_sysctl_state (VbNetworkDriver *self)
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
void
vb_net_sysctl_restore_unused (VbNetworkDriver *self, VbSysctl key)
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
  vb_net_sysctl_restore_unused (self, key);
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
gboolean
vb_net_check_bandwidth (const VbBandwidth *bw, const char *network_name, GError **error)
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

gboolean
vb_net_apply_bandwidth (VbNetPlatform *platform, const VbBandwidth *bw, const char *dev, GError **error)
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
void
vb_net_kernel_teardown (VbNetworkDriver *self, gboolean fwd_claim[2], const VbNetworkDef *def)
{
  g_autoptr(GError) error = NULL;

  if (vb_net_has_own_bridge (def)) {
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

  if (!vb_net_has_own_bridge (def))
    return check_external (self, def, error);
  if (!vb_net_check_bandwidth (def->bandwidth, def->name, error))
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
      vb_net_kernel_teardown (self, fwd_claim, def);
      return FALSE;
    }
  }
  if (!vb_net_platform_link_set_up (self->kplatform, def->bridge_name, TRUE, error) ||
      !vb_net_apply_bandwidth (self->kplatform, def->bandwidth, def->bridge_name, error)) {
    vb_net_kernel_teardown (self, fwd_claim, def);
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
      vb_net_kernel_teardown (self, fwd_claim, def);
      return FALSE;
    }
    if (!vb_net_platform_route_add (self->kplatform, def->bridge_name, r->address, (guint) prefix,
                                    r->gateway, r->metric_set ? r->metric : 0, error)) {
      vb_net_kernel_teardown (self, fwd_claim, def);
      return FALSE;
    }
  }
  if (!vb_net_firewall_apply (def, error)) {
    vb_net_kernel_teardown (self, fwd_claim, def);
    return FALSE;
  }
  if (def->forward_mode == VB_NETWORK_FORWARD_NAT || def->forward_mode == VB_NETWORK_FORWARD_ROUTE) {
    for (int k = 0; k < 2; k++) {
      if (!network_has_family (def, k == VB_SYSCTL_IPV6_FORWARD))
        continue;
      if (!sysctl_claim (self, (VbSysctl) k, error)) {
        vb_net_kernel_teardown (self, fwd_claim, def);
        return FALSE;
      }
      fwd_claim[k] = TRUE;
    }
  }
  return TRUE;
}

/* The kernel worker -------------------------------------------------------------- */


static void
kernel_job_free (KernelJob *job)
{
  vb_network_def_free (job->def);
  g_free (job->status_path);
  g_free (job->status_data);
  g_clear_pointer (&job->unlink_after, g_ptr_array_unref);
  g_clear_error (&job->op_error);
  vb_network_port_free (job->port);
  g_free (job->ifname);
  if ((job->kind == JOB_PLUG || job->kind == JOB_UNPLUG) && job->fd >= 0)
    close (job->fd);
  g_free (job);
}

KernelJob *
vb_net_kernel_job_new (JobKind kind, NetState *st, const VbNetworkDef *def)
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
  if (vb_net_has_own_bridge (def) && vb_net_platform_link_exists (self->kplatform, def->bridge_name)) {
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
void
vb_net_kernel_job_run (gpointer data, gpointer user_data)
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
      vb_net_kernel_teardown (job->self, job->fwd_claim, job->def);
    for (guint i = 0; job->unlink_after && i < job->unlink_after->len; i++)
      g_unlink (g_ptr_array_index (job->unlink_after, i));
    break;
  case JOB_FIREWALL:
    ok = vb_net_firewall_apply (job->def, &error);
    break;
  case JOB_PLUG:
    ok = vb_net_plug_run (job->self->kplatform, job, &error);
    break;
  case JOB_UNPLUG:
    vb_net_unplug_run (job->self->kplatform, job);
    break;
  case JOB_BARRIER:
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
  /* the reference vb_net_kernel_job_push took */
  g_object_unref (res);
}

/* Queues @job (owned); @done (with @data) runs on the calling thread's
 * main context once the worker is through with it, and finds @job as the
 * task data. */
void
vb_net_kernel_job_push (KernelJob *job, GAsyncReadyCallback done, gpointer data)
{
  GTask *task = g_task_new (job->self, NULL, kernel_job_dispatch, NULL);

  job->done = done;
  job->done_data = data;
  g_task_set_source_tag (task, vb_net_kernel_job_push);
  g_task_set_task_data (task, job, (GDestroyNotify) kernel_job_free);
  g_thread_pool_push (job->self->kernel_pool, task, NULL);
}

/* The job's state has come back to the main thread: its sysctl claims
 * become the network's again. */
KernelJob *
vb_net_kernel_job_finish (GAsyncResult *res, GError **error)
{
  KernelJob *job = g_task_get_task_data (G_TASK (res));

  job->st->fwd_claim[0] = job->fwd_claim[0];
  job->st->fwd_claim[1] = job->fwd_claim[1];
  g_task_propagate_boolean (G_TASK (res), error);
  return job;
}
