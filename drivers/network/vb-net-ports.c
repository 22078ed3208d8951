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
  if (!vb_net_apply_bandwidth (self->platform, port->bandwidth, ifname, error))
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
  if (!configure_ethernet (self, port, *out_ifname, error))
    return unmake_device (self->platform, out_ifname, out_fd);
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
        !vb_net_apply_bandwidth (self->platform, port->bandwidth, *out_ifname, error) ||
        !vb_net_platform_link_set_master (self->platform, *out_ifname, port->bridge_name, error) ||
        !vb_net_platform_link_set_up (self->platform, *out_ifname, TRUE, error))
      return unmake_device (self->platform, out_ifname, out_fd);
    return TRUE;
  }
  case VB_PORT_TYPE_DIRECT:
    if (!vb_net_platform_macvtap_create (self->platform, ifname_hint ? ifname_hint : "macvtap%d",
                                         port->dev, port->macvtap_mode, &port->mac, out_ifname,
                                         out_fd, error))
      return FALSE;
    if (!vb_net_apply_bandwidth (self->platform, port->bandwidth, *out_ifname, error) ||
        !vb_net_platform_link_set_up (self->platform, *out_ifname, TRUE, error))
      return unmake_device (self->platform, out_ifname, out_fd);
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
  st = vb_net_state_get (self, net);
  /* its bridge is being deleted in the kernel worker */
  if (st->stopping) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is stopping", network_name);
    return FALSE;
  }
  if (!vb_network_port_allocate (vb_network_get_live_def (net), st->usage, req, &port, error))
    return FALSE;
  if (!vb_net_check_bandwidth (port->bandwidth, network_name, error) ||
      !plug_device (self, port, vb_network_get_live_def (net)->mtu, ifname_hint, out_ifname, out_fd,
                    error)) {
    vb_network_port_release (vb_network_get_live_def (net), st->usage, port);
    return FALSE;
  }
  vb_net_save_status_or_warn (self, st);
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
  st = vb_net_state_get (self, net);
  vb_network_port_release (vb_network_get_live_def (net), st->usage, port);
  vb_net_save_status_or_warn (self, st);
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
  return vb_net_check_bandwidth (port->bandwidth,
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
