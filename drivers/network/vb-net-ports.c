/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Guests' side: the ports and devices of their NICs, their leases and
 * neighbours. */
#include "vb-network-private.h"

#include <unistd.h>

#include "vb-dnsmasq.h"
#include "vb-error.h"

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
  return vb_network_check_active (net, error) ? net : NULL;
}

/* The host side of a tap on no bridge: what the guest reaches through it
 * is up to these addresses and routes (and to the admin's firewall). */
static gboolean
configure_ethernet (VbNetPlatform *platform, const VbNetworkPort *port, const char *ifname,
                    GError **error)
{
  if (port->mtu > 0 && !vb_net_platform_link_set_mtu (platform, ifname, port->mtu, error))
    return FALSE;
  if (!vb_net_apply_bandwidth (platform, port->bandwidth, ifname, error))
    return FALSE;
  for (guint i = 0; port->host_ips && i < port->host_ips->len; i++) {
    const VbNetdevIp *ip = g_ptr_array_index (port->host_ips, i);

    if (!vb_net_platform_addr_add (platform, ifname, ip->address, ip->prefix, ip->peer, error))
      return FALSE;
  }
  /* a route's gateway must be reachable, which needs the link up */
  if (!vb_net_platform_link_set_up (platform, ifname, TRUE, error))
    return FALSE;
  for (guint i = 0; port->host_routes && i < port->host_routes->len; i++) {
    const VbNetdevRoute *r = g_ptr_array_index (port->host_routes, i);

    if (!r->prefix_set) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "<route address='%s'> needs a prefix or netmask",
                   r->address);
      return FALSE;
    }
    if (!vb_net_platform_route_add (platform, ifname, r->address, r->prefix, r->gateway, r->metric,
                                    error))
      return FALSE;
  }
  return TRUE;
}

/* Deletes a device that failed to be set up, so that nothing stays
 * created on failure; always FALSE, for the caller to return. */
static gboolean
unmake_device (VbNetPlatform *platform, char **ifname, int *fd)
{
  vb_net_platform_link_delete (platform, *ifname, NULL);
  close (*fd);
  *fd = -1;
  g_clear_pointer (ifname, g_free);
  return FALSE;
}

static gboolean
plug_ethernet (VbNetPlatform *platform, const VbNetworkPort *port, const char *ifname_hint,
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
    if (!vb_net_platform_tap_open (platform, ifname_hint, out_fd, error))
      return FALSE;
    *out_ifname = g_strdup (ifname_hint);
    return TRUE;
  }
  /* as on a bridge, the host side differs from the guest's MAC by its
   * first byte */
  tap_mac.bytes[0] = 0xfe;
  if (!vb_net_platform_tap_create (platform, ifname_hint ? ifname_hint : "vnet%d", &tap_mac, out_ifname,
                                   out_fd, error))
    return FALSE;
  if (!configure_ethernet (platform, port, *out_ifname, error))
    return unmake_device (platform, out_ifname, out_fd);
  return TRUE;
}

/* Runs in the kernel worker. */
static gboolean
plug_device (VbNetPlatform *platform, const VbNetworkPort *port, guint mtu, const char *ifname_hint,
             char **out_ifname, int *out_fd, GError **error)
{
  switch (port->type) {
  case VB_PORT_TYPE_ETHERNET:
    return plug_ethernet (platform, port, ifname_hint, out_ifname, out_fd, error);
  case VB_PORT_TYPE_NETWORK:
  case VB_PORT_TYPE_BRIDGE: {
    VbMac tap_mac = port->mac;

    /* libvirt's rule: the host side of the tap gets the guest's MAC with
     * 0xfe first, so the bridge never adopts the guest's address */
    tap_mac.bytes[0] = 0xfe;
    if (!vb_net_platform_tap_create (platform, ifname_hint ? ifname_hint : "vnet%d", &tap_mac,
                                     out_ifname, out_fd, error))
      return FALSE;
    /* a tap smaller than its bridge's MTU would cap the whole bridge */
    if ((mtu > 0 && !vb_net_platform_link_set_mtu (platform, *out_ifname, mtu, error)) ||
        !vb_net_apply_bandwidth (platform, port->bandwidth, *out_ifname, error) ||
        !vb_net_platform_link_set_master (platform, *out_ifname, port->bridge_name, error) ||
        !vb_net_platform_link_set_up (platform, *out_ifname, TRUE, error))
      return unmake_device (platform, out_ifname, out_fd);
    return TRUE;
  }
  case VB_PORT_TYPE_DIRECT:
    if (!vb_net_platform_macvtap_create (platform, ifname_hint ? ifname_hint : "macvtap%d",
                                         port->dev, port->macvtap_mode, &port->mac, out_ifname,
                                         out_fd, error))
      return FALSE;
    if (!vb_net_apply_bandwidth (platform, port->bandwidth, *out_ifname, error) ||
        !vb_net_platform_link_set_up (platform, *out_ifname, TRUE, error))
      return unmake_device (platform, out_ifname, out_fd);
    return TRUE;
  case VB_PORT_TYPE_HOSTDEV:
  default:
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "network '%s': hostdev (SR-IOV VF) ports are not supported by this driver yet",
                 port->network);
    return FALSE;
  }
}

/* Outside a network, the device's parents are the caller's word: they
 * are checked here, with the rest of the kernel work. */
static gboolean
check_parents (VbNetPlatform *platform, const VbNetworkPort *port, GError **error)
{
  if (port->type == VB_PORT_TYPE_BRIDGE && !vb_net_platform_link_exists (platform, port->bridge_name)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "bridge '%s' does not exist", port->bridge_name);
    return FALSE;
  }
  if (port->type == VB_PORT_TYPE_DIRECT && !vb_net_platform_link_exists (platform, port->dev)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network device '%s' does not exist", port->dev);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_net_plug_run (VbNetPlatform *platform, KernelJob *job, GError **error)
{
  g_autofree char *hint = g_steal_pointer (&job->ifname);

  return (job->charged || check_parents (platform, job->port, error)) &&
         plug_device (platform, job->port, job->mtu, hint, &job->ifname, &job->fd, error);
}

void
vb_net_unplug_run (VbNetPlatform *platform, KernelJob *job)
{
  g_autoptr(GError) error = NULL;

  /* a tap goes by itself once its last fd is closed, which may be just
   * now: only a device still there is a failure */
  if (vb_net_platform_link_exists (platform, job->ifname) &&
      !vb_net_platform_link_delete (platform, job->ifname, &error) &&
      !g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    g_warning ("%s", error->message);
}

static GTask *
plug_task_new (VbNetworkDriver *self, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, vb_network_driver_plug_finish);
  return task;
}

/* Gives a charged port's share back to its network, if that still runs
 * (the same one: a network of that name may have been made anew). */
static void
port_uncharge (VbNetworkDriver *self, const VbNetworkPort *port)
{
  VbNetwork *net = vb_driver_lookup_network_by_name (self->owner, port->network);
  NetState *st;

  if (net == NULL || !vb_network_is_active (net) ||
      !vb_uuid_equal (vb_network_get_uuid (net), &port->network_uuid))
    return;
  st = vb_net_state_get (self, net);
  vb_network_port_release (vb_network_get_live_def (net), st->usage, port);
  vb_net_save_status_or_warn (self, st);
}

/* The worker's task, with the device in its job, becomes the caller's
 * result. */
static void
plug_done (GObject *source, GAsyncResult *res, gpointer data)
{
  VbNetworkDriver *self = VB_NETWORK_DRIVER (source);
  KernelJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (res), &error)) {
    if (job->charged && self->owner != NULL)
      port_uncharge (self, job->port);
    g_task_return_error (task, error);
    return;
  }
  g_task_return_pointer (task, g_object_ref (res), g_object_unref);
}

/* The device is made in the kernel worker, after every kernel change
 * asked for before it (a network's bridge, a device deleted that had the
 * name asked for); @task gets the outcome on this thread. */
static void
plug_push (VbNetworkDriver *self, VbNetworkPort *port, gboolean charged, guint mtu, const char *ifname_hint,
           GTask *task)
{
  KernelJob *job = g_new0 (KernelJob, 1);

  job->kind = JOB_PLUG;
  job->self = self;
  job->port = port;
  job->charged = charged;
  job->mtu = mtu;
  job->ifname = g_strdup (ifname_hint);
  job->fd = -1;
  vb_net_kernel_job_push (job, plug_done, task);
}

static void
unplug_done (GObject *source, GAsyncResult *res, gpointer data)
{
}

static void
unplug_push (VbNetworkDriver *self, const char *ifname)
{
  KernelJob *job = g_new0 (KernelJob, 1);

  job->kind = JOB_UNPLUG;
  job->self = self;
  job->ifname = g_strdup (ifname);
  job->fd = -1;
  vb_net_kernel_job_push (job, unplug_done, NULL);
}

void
vb_network_driver_port_allocate_async (VbNetworkDriver *self, const char *network_name,
                                       const VbPortRequest *req, const char *ifname_hint,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = plug_task_new (self, callback, user_data);
  GError *error = NULL;
  VbNetwork *net = lookup_running (self, network_name, &error);
  g_autoptr(VbNetworkPort) port = NULL;
  NetState *st;

  if (net == NULL) {
    g_task_return_error (task, error);
    return;
  }
  st = vb_net_state_get (self, net);
  /* its bridge is being deleted in the kernel worker */
  if (st->stopping) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is stopping", network_name);
    return;
  }
  if (!vb_network_port_allocate (vb_network_get_live_def (net), st->usage, req, &port, &error)) {
    g_task_return_error (task, error);
    return;
  }
  if (!vb_net_check_bandwidth (port->bandwidth, network_name, &error)) {
    vb_network_port_release (vb_network_get_live_def (net), st->usage, port);
    g_task_return_error (task, error);
    return;
  }
  /* the charge is the main thread's: a NIC plugged next counts this one */
  vb_net_save_status_or_warn (self, st);
  plug_push (self, g_steal_pointer (&port), TRUE, vb_network_get_live_def (net)->mtu, ifname_hint,
             g_steal_pointer (&task));
}

void
vb_network_driver_port_release (VbNetworkDriver *self, const VbNetworkPort *port,
                                const char *ifname)
{
  if (ifname && port->type != VB_PORT_TYPE_HOSTDEV)
    unplug_push (self, ifname);
  port_uncharge (self, port);
}

/* What the worker needs of a port outside a network, its own. */
static VbNetworkPort *
port_copy_for_plug (const VbNetworkPort *port)
{
  VbNetworkPort *copy = g_new0 (VbNetworkPort, 1);

  copy->type = port->type;
  copy->network = g_strdup (port->network);
  copy->bridge_name = g_strdup (port->bridge_name);
  copy->dev = g_strdup (port->dev);
  copy->macvtap_mode = port->macvtap_mode;
  copy->bandwidth = port->bandwidth ? vb_bandwidth_copy (port->bandwidth) : NULL;
  copy->mac = port->mac;
  copy->tap_existing = port->tap_existing;
  copy->mtu = port->mtu;
  copy->host_ips = port->host_ips ? g_ptr_array_ref (port->host_ips) : NULL;
  copy->host_routes = port->host_routes ? g_ptr_array_ref (port->host_routes) : NULL;
  return copy;
}

void
vb_network_driver_plug_async (VbNetworkDriver *self, const VbNetworkPort *port, const char *ifname_hint,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = plug_task_new (self, callback, user_data);
  GError *error = NULL;

  if (port->type != VB_PORT_TYPE_BRIDGE && port->type != VB_PORT_TYPE_DIRECT &&
      port->type != VB_PORT_TYPE_ETHERNET) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "only bridge, direct and ethernet devices can be plugged outside a network");
    return;
  }
  if (!vb_net_check_bandwidth (port->bandwidth,
                               port->bridge_name ? port->bridge_name : port->dev ? port->dev : "ethernet",
                               &error)) {
    g_task_return_error (task, error);
    return;
  }
  plug_push (self, port_copy_for_plug (port), FALSE, 0, ifname_hint, g_steal_pointer (&task));
}

gboolean
vb_network_driver_plug_finish (VbNetworkDriver *self, GAsyncResult *result, VbNetworkPort **out_port,
                               char **out_ifname, int *out_fd, GError **error)
{
  g_autoptr(GTask) plugged = NULL;
  KernelJob *job;

  if (out_port)
    *out_port = NULL;
  *out_ifname = NULL;
  *out_fd = -1;
  plugged = g_task_propagate_pointer (G_TASK (result), error);
  if (plugged == NULL)
    return FALSE;
  job = g_task_get_task_data (plugged);
  if (out_port && job->charged)
    *out_port = g_steal_pointer (&job->port);
  *out_ifname = g_steal_pointer (&job->ifname);
  *out_fd = job->fd;
  job->fd = -1;
  return TRUE;
}

void
vb_network_driver_unplug (VbNetworkDriver *self, const char *ifname)
{
  if (ifname)
    unplug_push (self, ifname);
}

static void
released (GObject *source, GAsyncResult *res, gpointer data)
{
  GTask *task = data;

  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
vb_network_driver_released_async (VbNetworkDriver *self, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  KernelJob *job = g_new0 (KernelJob, 1);

  g_task_set_source_tag (task, vb_network_driver_released_async);
  job->kind = JOB_BARRIER;
  job->self = self;
  job->fd = -1;
  vb_net_kernel_job_push (job, released, task);
}

void
vb_network_driver_released_finish (VbNetworkDriver *self, GAsyncResult *result)
{
  g_return_if_fail (g_task_is_valid (result, self));
  g_task_propagate_boolean (G_TASK (result), NULL);
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
    st = vb_net_state_get (self, net);
    vb_network_usage_reset (st->usage);
    vb_net_save_status_or_warn (self, st);
  }
}

gboolean
vb_network_driver_port_reclaim (VbNetworkDriver *self, const VbNetworkPort *port, GError **error)
{
  VbNetwork *net = lookup_running (self, port->network, error);
  NetState *st;

  if (net == NULL)
    return FALSE;
  st = vb_net_state_get (self, net);
  vb_network_usage_add_port (st->usage, port);
  vb_net_save_status_or_warn (self, st);
  return TRUE;
}

const VbNetworkUsage *
vb_network_driver_get_usage (VbNetworkDriver *self, const char *network_name)
{
  VbNetwork *net = vb_driver_lookup_network_by_name (self->owner, network_name);

  if (net == NULL || !vb_network_is_active (net))
    return NULL;
  return vb_net_state_get (self, net)->usage;
}
