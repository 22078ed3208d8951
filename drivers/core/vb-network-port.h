/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* How a guest NIC of type='network' resolves against a network definition
 * (libvirt's networkAllocatePort), as pure functions over a VbNetworkDef and
 * a usage record.  Nothing here touches the host: the driver plugs the
 * result (tap on a bridge, macvtap, VF) afterwards. */

#include <glib.h>

#include "vb-netdev.h"
#include "vb-network-def.h"

G_BEGIN_DECLS

/* What the guest NIC asks for: <interface type='network'> with its
 * <source network portgroup>, <virtualport>, <bandwidth>, <vlan>,
 * trustGuestRxFilters, <port isolated> and <mac>.  Pointers are borrowed. */
typedef struct {
  const char *network;
  const char *portgroup;          /* NULL: the network's default portgroup */
  const VbVirtualPort *virtualport;
  const VbBandwidth *bandwidth;
  const VbVlan *vlan;
  VbTristate trust_guest_rx_filters;
  VbTristate port_isolated;
  VbMac mac;
} VbPortRequest;

typedef enum {
  VB_PORT_TYPE_NETWORK, /* tap on the network's own bridge */
  VB_PORT_TYPE_BRIDGE,  /* tap on an existing host (or OVS) bridge */
  VB_PORT_TYPE_DIRECT,  /* macvtap on a pool device */
  VB_PORT_TYPE_HOSTDEV, /* SR-IOV VF passthrough */
  VB_PORT_TYPE_ETHERNET, /* a tap on no bridge at all (<interface type='ethernet'>) */
} VbPortType;

typedef enum {
  VB_MACVTAP_NONE,
  VB_MACVTAP_BRIDGE,
  VB_MACVTAP_PRIVATE,
  VB_MACVTAP_VEPA,
  VB_MACVTAP_PASSTHROUGH,
} VbMacvtapMode;

const char *vb_port_type_to_string (VbPortType type);         /* "network", "bridge", … */
const char *vb_macvtap_mode_to_string (VbMacvtapMode mode);   /* NULL for NONE */

/* The resolved ("actual") attachment. */
typedef struct _VbNetworkPort {
  VbPortType type;
  char *network;
  VbUuid network_uuid;
  char *portgroup;              /* the portgroup applied, or NULL */
  char *bridge_name;            /* NETWORK, BRIDGE */
  int mac_table_manager;        /* NETWORK: copied from the network */
  char *dev;                    /* DIRECT: the pool netdev picked */
  VbPciAddress pci;             /* HOSTDEV: the VF picked */
  gboolean hostdev_managed;
  char *hostdev_driver;         /* "vfio", "kvm" or NULL */
  char *device_key;             /* pool key charged in the usage, or NULL */
  gboolean exclusive;           /* the device is held by this port alone */
  VbMacvtapMode macvtap_mode;   /* DIRECT */
  VbVirtualPort *virtualport;   /* merged and complete, or NULL */
  VbBandwidth *bandwidth;
  VbVlan *vlan;
  VbTristate trust_guest_rx_filters;
  VbTristate port_isolated;
  VbMac mac;
  /* ETHERNET */
  gboolean tap_existing;        /* the admin's tap (target managed='no'): opened, left as it is */
  guint mtu;                    /* of the tap we create; 0: the kernel's */
  GPtrArray *host_ips;          /* VbNetdevIp* for the tap we create, or NULL */
  GPtrArray *host_routes;       /* VbNetdevRoute* through it, or NULL */
} VbNetworkPort;

void vb_network_port_free (VbNetworkPort *port);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkPort, vb_network_port_free)

/* Who uses a network now: the NIC count and the count per pool device (keyed
 * by vb_network_forward_iface_key).  Kept by the driver next to each active
 * network; after a daemon restart, rebuild it with _reset + _add_port for
 * every port that survived. */
typedef struct _VbNetworkUsage {
  guint connections;
  GHashTable *devices;   /* char* key → GUINT_TO_POINTER (count) */
  GHashTable *exclusive; /* keys held exclusively: no one may share them */
} VbNetworkUsage;

VbNetworkUsage *vb_network_usage_new (void);
void vb_network_usage_free (VbNetworkUsage *usage);
void vb_network_usage_reset (VbNetworkUsage *usage);
void vb_network_usage_add_port (VbNetworkUsage *usage, const VbNetworkPort *port);
guint vb_network_usage_device_count (const VbNetworkUsage *usage, const char *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkUsage, vb_network_usage_free)

/* Resolves @request against @def and charges the result to @usage.
 *
 * The caller checks first that the network is active (libvirt: "network …
 * is not active"); this function does not know.  A <pf> pool must have
 * been expanded into def->forward_ifaces (the live definition) by the
 * driver; with no pool members a direct/hostdev network fails.
 *
 * Errors: VB_ERROR_NOT_FOUND for an unknown portgroup; VB_ERROR_INVALID_CONFIG
 * for virtualport conflicts, an incomplete profile, a virtualport type or
 * VLAN the forward mode cannot apply, or a network without devices;
 * VB_ERROR_BUSY when every device of an exclusive pool is taken. */
gboolean vb_network_port_allocate (const VbNetworkDef *def, VbNetworkUsage *usage,
                                   const VbPortRequest *request, VbNetworkPort **port,
                                   GError **error);

/* Gives back what allocate charged. */
void vb_network_port_release (const VbNetworkDef *def, VbNetworkUsage *usage,
                              const VbNetworkPort *port);

G_END_DECLS
