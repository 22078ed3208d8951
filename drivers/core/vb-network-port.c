/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network-port.h"

#include <string.h>

#include "vb-error.h"

const char *
vb_port_type_to_string (VbPortType type)
{
  static const char *const names[] = { "network", "bridge", "direct", "hostdev", "ethernet" };

  return type <= VB_PORT_TYPE_ETHERNET ? names[type] : NULL;
}

const char *
vb_macvtap_mode_to_string (VbMacvtapMode mode)
{
  static const char *const names[] = { NULL, "bridge", "private", "vepa", "passthrough" };

  return mode <= VB_MACVTAP_PASSTHROUGH ? names[mode] : NULL;
}

void
vb_network_port_free (VbNetworkPort *port)
{
  if (port == NULL)
    return;
  g_free (port->network);
  g_free (port->portgroup);
  g_free (port->bridge_name);
  g_free (port->dev);
  g_free (port->hostdev_driver);
  g_free (port->device_key);
  vb_virtualport_free (port->virtualport);
  vb_bandwidth_free (port->bandwidth);
  vb_vlan_free (port->vlan);
  g_clear_pointer (&port->host_ips, g_ptr_array_unref);
  g_clear_pointer (&port->host_routes, g_ptr_array_unref);
  g_free (port);
}

/* Usage -------------------------------------------------------------------- */

VbNetworkUsage *
vb_network_usage_new (void)
{
  VbNetworkUsage *usage = g_new0 (VbNetworkUsage, 1);

  usage->devices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  usage->exclusive = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return usage;
}

void
vb_network_usage_free (VbNetworkUsage *usage)
{
  if (usage == NULL)
    return;
  g_hash_table_unref (usage->devices);
  g_hash_table_unref (usage->exclusive);
  g_free (usage);
}

void
vb_network_usage_reset (VbNetworkUsage *usage)
{
  usage->connections = 0;
  g_hash_table_remove_all (usage->devices);
  g_hash_table_remove_all (usage->exclusive);
}

guint
vb_network_usage_device_count (const VbNetworkUsage *usage, const char *key)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (usage->devices, key));
}

static void
device_adjust (VbNetworkUsage *usage, const char *key, int delta)
{
  guint n = vb_network_usage_device_count (usage, key);

  if (delta < 0 && n == 0)
    return; /* releasing more than was charged: nothing to give back */
  n = delta < 0 ? n - 1 : n + 1;
  if (n == 0)
    g_hash_table_remove (usage->devices, key);
  else
    g_hash_table_insert (usage->devices, g_strdup (key), GUINT_TO_POINTER (n));
}

void
vb_network_usage_add_port (VbNetworkUsage *usage, const VbNetworkPort *port)
{
  usage->connections++;
  if (port->device_key)
    device_adjust (usage, port->device_key, +1);
  if (port->device_key && port->exclusive)
    g_hash_table_add (usage->exclusive, g_strdup (port->device_key));
}

/* Allocation --------------------------------------------------------------- */

static const char *
vp_type_name (VbVirtualPortType type)
{
  /* a merged profile can stay typeless when no piece names a type */
  return vb_virtualport_type_to_string (type) ? vb_virtualport_type_to_string (type) : "(none)";
}

static gboolean
mode_is_direct (const VbNetworkDef *def)
{
  switch (def->forward_mode) {
  case VB_NETWORK_FORWARD_BRIDGE:
    return def->bridge_name == NULL;
  case VB_NETWORK_FORWARD_PRIVATE:
  case VB_NETWORK_FORWARD_VEPA:
  case VB_NETWORK_FORWARD_PASSTHROUGH:
    return TRUE;
  default:
    return FALSE;
  }
}

static VbMacvtapMode
macvtap_mode (VbNetworkForwardMode mode)
{
  switch (mode) {
  case VB_NETWORK_FORWARD_BRIDGE:
    return VB_MACVTAP_BRIDGE;
  case VB_NETWORK_FORWARD_PRIVATE:
    return VB_MACVTAP_PRIVATE;
  case VB_NETWORK_FORWARD_VEPA:
    return VB_MACVTAP_VEPA;
  case VB_NETWORK_FORWARD_PASSTHROUGH:
    return VB_MACVTAP_PASSTHROUGH;
  default:
    return VB_MACVTAP_NONE;
  }
}

/* Picks a pool member: the first unused one when @exclusive, else the least
 * used (first on ties, so allocation is predictable). */
static const VbNetworkForwardIface *
pick_device (const VbNetworkDef *def, const VbNetworkUsage *usage, VbNetworkPoolType type,
             gboolean exclusive, GError **error)
{
  const VbNetworkForwardIface *best = NULL;
  guint best_count = G_MAXUINT;
  guint candidates = 0;

  for (guint i = 0; i < def->forward_ifaces->len; i++) {
    const VbNetworkForwardIface *f = g_ptr_array_index (def->forward_ifaces, i);
    g_autofree char *key = NULL;
    guint count;

    if (f->type != type)
      continue;
    candidates++;
    key = vb_network_forward_iface_key (f);
    count = vb_network_usage_device_count (usage, key);
    /* a device someone holds exclusively is shared with no one, even by
     * a port that itself would share */
    if ((exclusive && count > 0) || g_hash_table_contains (usage->exclusive, key))
      continue;
    if (count < best_count) {
      best = f;
      best_count = count;
    }
  }
  if (candidates == 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "network '%s' (<forward mode='%s'>) has no %s in its forward pool%s", def->name,
                 vb_network_forward_mode_to_string (def->forward_mode),
                 type == VB_NETWORK_POOL_PCI ? "PCI <address> devices" : "<interface> devices",
                 def->forward_pf ? " (its <pf> was not expanded)" : "");
    return NULL;
  }
  if (best == NULL)
    g_set_error (error, VB_ERROR, VB_ERROR_BUSY,
                 "network '%s': all %u devices of the forward pool are in use and <forward mode='%s'> needs one exclusively",
                 def->name, candidates, vb_network_forward_mode_to_string (def->forward_mode));
  return best;
}

gboolean
vb_network_port_allocate (const VbNetworkDef *def, VbNetworkUsage *usage,
                          const VbPortRequest *request, VbNetworkPort **out, GError **error)
{
  g_autoptr(VbNetworkPort) port = g_new0 (VbNetworkPort, 1);
  const VbNetworkPortGroup *pg = NULL;
  const VbNetworkForwardIface *dev = NULL;
  const char *mode = vb_network_forward_mode_to_string (def->forward_mode);
  VbVirtualPortType vp_type;

  *out = NULL;

  /* libvirt silently falls back to "no portgroup" for a name the network
   * lacks (features.md B.3, unconfirmed §7).  We refuse instead: a typo in
   * the NIC would otherwise drop its VLAN, QoS and switch profile without a
   * word, and the guest would end up on the wrong segment. */
  if (request->portgroup != NULL) {
    pg = vb_network_def_find_portgroup (def, request->portgroup);
    if (pg == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                   "network '%s' has no portgroup '%s'", def->name, request->portgroup);
      return FALSE;
    }
  } else {
    pg = vb_network_def_find_portgroup (def, NULL);
  }

  port->network = g_strdup (def->name);
  port->network_uuid = def->uuid;
  port->portgroup = pg ? g_strdup (pg->name) : NULL;
  port->mac = request->mac;

  /* most specific wins; the network-level <bandwidth> caps the whole bridge
   * and is not a per-port default */
  port->vlan = vb_vlan_copy (request->vlan ? request->vlan : pg && pg->vlan ? pg->vlan : def->vlan);
  port->bandwidth = vb_bandwidth_copy (request->bandwidth ? request->bandwidth : pg ? pg->bandwidth : NULL);
  port->trust_guest_rx_filters = request->trust_guest_rx_filters;
  if (port->trust_guest_rx_filters == VB_TRISTATE_ABSENT && pg)
    port->trust_guest_rx_filters = pg->trust_guest_rx_filters;
  if (port->trust_guest_rx_filters == VB_TRISTATE_ABSENT)
    port->trust_guest_rx_filters = def->trust_guest_rx_filters;
  port->port_isolated = request->port_isolated != VB_TRISTATE_ABSENT ? request->port_isolated
                                                                     : def->port_isolated;

  if (!vb_virtualport_merge (request->virtualport, pg ? pg->virtualport : NULL, def->virtualport,
                             &port->virtualport, error)) {
    g_prefix_error (error, "network '%s': ", def->name);
    return FALSE;
  }
  vp_type = port->virtualport ? port->virtualport->type : VB_VIRTUALPORT_NONE;

  if (def->forward_mode == VB_NETWORK_FORWARD_NONE || def->forward_mode == VB_NETWORK_FORWARD_NAT ||
      def->forward_mode == VB_NETWORK_FORWARD_ROUTE || def->forward_mode == VB_NETWORK_FORWARD_OPEN) {
    port->type = VB_PORT_TYPE_NETWORK;
    port->bridge_name = g_strdup (def->bridge_name);
    port->mac_table_manager = def->mac_table_manager;
    if (port->virtualport) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "network '%s' (<forward mode='%s'>) supports no <virtualport>, but the interface, portgroup or network sets one",
                   def->name, mode ? mode : "none");
      return FALSE;
    }
  } else if (def->forward_mode == VB_NETWORK_FORWARD_BRIDGE && def->bridge_name) {
    port->type = VB_PORT_TYPE_BRIDGE;
    port->bridge_name = g_strdup (def->bridge_name);
    if (port->virtualport && vp_type != VB_VIRTUALPORT_OPENVSWITCH) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "<virtualport type='%s'> is not supported on network '%s', which uses host bridge '%s' (only openvswitch)",
                   vp_type_name (vp_type), def->name, def->bridge_name);
      return FALSE;
    }
  } else {
    gboolean hostdev = def->forward_mode == VB_NETWORK_FORWARD_HOSTDEV;
    gboolean exclusive;

    g_assert (hostdev || mode_is_direct (def));
    if (port->virtualport && vp_type != VB_VIRTUALPORT_8021QBG && vp_type != VB_VIRTUALPORT_8021QBH) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "<virtualport type='%s'> is not supported on network '%s' with <forward mode='%s'> (only 802.1Qbg, 802.1Qbh)",
                   vp_type_name (vp_type), def->name, mode);
      return FALSE;
    }
    /* passthrough and VFs take the whole device; so does an 802.1Qbh
     * profile on a private macvtap, since the switch port carries it */
    exclusive = hostdev || def->forward_mode == VB_NETWORK_FORWARD_PASSTHROUGH ||
                (def->forward_mode == VB_NETWORK_FORWARD_PRIVATE && vp_type == VB_VIRTUALPORT_8021QBH);
    dev = pick_device (def, usage, hostdev ? VB_NETWORK_POOL_PCI : VB_NETWORK_POOL_NETDEV,
                       exclusive, error);
    if (dev == NULL)
      return FALSE;
    port->device_key = vb_network_forward_iface_key (dev);
    port->exclusive = exclusive;
    if (hostdev) {
      port->type = VB_PORT_TYPE_HOSTDEV;
      port->pci = dev->pci;
      port->hostdev_managed = def->forward_managed == VB_TRISTATE_YES;
      port->hostdev_driver = g_strdup (def->forward_driver_name);
    } else {
      port->type = VB_PORT_TYPE_DIRECT;
      port->dev = g_strdup (dev->dev);
      port->macvtap_mode = macvtap_mode (def->forward_mode);
    }
  }

  if (port->vlan != NULL &&
      !(port->type == VB_PORT_TYPE_HOSTDEV ||
        (port->type == VB_PORT_TYPE_DIRECT && port->macvtap_mode == VB_MACVTAP_PASSTHROUGH) ||
        (port->type == VB_PORT_TYPE_BRIDGE && vp_type == VB_VIRTUALPORT_OPENVSWITCH))) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "an interface on network '%s' asks for a <vlan>, which a '%s' attachment cannot apply (only hostdev, passthrough, or openvswitch)",
                 def->name, vb_port_type_to_string (port->type));
    return FALSE;
  }

  if (!vb_virtualport_check_complete (port->virtualport, error)) {
    g_prefix_error (error, "network '%s': ", def->name);
    return FALSE;
  }
  vb_virtualport_fill_ids (port->virtualport);

  vb_network_usage_add_port (usage, port);
  *out = g_steal_pointer (&port);
  return TRUE;
}

void
vb_network_port_release (const VbNetworkDef *def, VbNetworkUsage *usage, const VbNetworkPort *port)
{
  if (usage->connections > 0)
    usage->connections--;
  if (port->device_key) {
    device_adjust (usage, port->device_key, -1);
    if (port->exclusive)
      g_hash_table_remove (usage->exclusive, port->device_key);
  }
}
