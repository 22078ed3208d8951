/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The typed <network> definition: parse (libxml2) → validate → format.
 *
 * Parsing enforces what libvirt enforces for every driver (the lenient test
 * driver included): well-formed values, required attributes, and the few
 * cross-element rules its parser checks.  vb_network_def_validate() adds the
 * rules of the real network driver (which elements each forward mode
 * accepts); a driver that wants libvirt's test-driver leniency skips it. */

#include <glib.h>
#include <libxml/tree.h>

#include "vb-netdev.h"
#include "vb-util.h"
#include "vb-xml.h"

G_BEGIN_DECLS

typedef enum {
  VB_NETWORK_FORWARD_NONE = 0, /* isolated: no <forward> */
  VB_NETWORK_FORWARD_NAT,
  VB_NETWORK_FORWARD_ROUTE,
  VB_NETWORK_FORWARD_OPEN,
  VB_NETWORK_FORWARD_BRIDGE,
  VB_NETWORK_FORWARD_PRIVATE,
  VB_NETWORK_FORWARD_VEPA,
  VB_NETWORK_FORWARD_PASSTHROUGH,
  VB_NETWORK_FORWARD_HOSTDEV,
} VbNetworkForwardMode;

/* "nat", "route", …; NULL for NONE */
const char *vb_network_forward_mode_to_string (VbNetworkForwardMode mode);

/* Parse flags */
typedef enum {
  VB_NETWORK_PARSE_NONE = 0,
  /* Read live-only attributes (connections counts) as written into a
   * status file; a definition from a user never carries them. */
  VB_NETWORK_PARSE_STATUS = 1 << 0,
  /* Do not fill in a bridge MAC (see vb_network_def_parse). */
  VB_NETWORK_PARSE_NO_GENERATE_MAC = 1 << 1,
} VbNetworkParseFlags;

/* Format flags */
typedef enum {
  VB_NETWORK_FORMAT_LIVE = 0,
  /* The persistent definition: no connections counts, and no <pf>
   * expansion (the VF list that a hostdev <pf> pool has when running). */
  VB_NETWORK_FORMAT_INACTIVE = 1 << 0,
} VbNetworkFormatFlags;

typedef enum {
  VB_NETWORK_POOL_NETDEV, /* <interface dev='…'/> */
  VB_NETWORK_POOL_PCI,    /* <address type='pci' …/> */
} VbNetworkPoolType;

/* One member of the forward pool. */
typedef struct {
  VbNetworkPoolType type;
  char *dev;          /* NETDEV */
  VbPciAddress pci;   /* PCI */
  guint connections;  /* live only (status XML) */
} VbNetworkForwardIface;

/* "eth1", or "0000:03:00.1" for a PCI member: the key pool usage uses. */
char *vb_network_forward_iface_key (const VbNetworkForwardIface *iface);

typedef struct {
  char *name;
  VbTristate is_default;
  VbTristate trust_guest_rx_filters;
  VbVirtualPort *virtualport;
  VbBandwidth *bandwidth;
  VbVlan *vlan;
} VbNetworkPortGroup;

typedef enum {
  VB_LEASE_UNIT_DEFAULT = 0, /* minutes */
  VB_LEASE_UNIT_SECONDS,
  VB_LEASE_UNIT_MINUTES,
  VB_LEASE_UNIT_HOURS,
} VbLeaseUnit;

typedef struct {
  gboolean set;
  guint64 expiry;  /* 0 = infinite */
  VbLeaseUnit unit;
} VbDhcpLease;

typedef struct {
  char *start;
  char *end;
  VbDhcpLease lease;
} VbDhcpRange;

typedef struct {
  char *mac;   /* lower-case, IPv4 */
  char *id;    /* DUID, IPv6 */
  char *name;
  char *ip;
  VbDhcpLease lease;
} VbDhcpHost;

typedef struct {
  guint number;
  char *value;
} VbDhcpOption;

typedef struct {
  char *family;    /* as written: "ipv4", "ipv6" or NULL */
  char *address;
  char *netmask;   /* IPv4 only; exclusive with prefix */
  guint prefix;    /* 0 = not given */
  gboolean prefix_set;
  VbTristate local_ptr;
  char *tftp_root;
  gboolean has_dhcp;          /* a <dhcp> element was present */
  GPtrArray *ranges;          /* VbDhcpRange */
  GPtrArray *hosts;           /* VbDhcpHost */
  char *bootp_file;
  char *bootp_server;
  GPtrArray *options;         /* VbDhcpOption */
} VbNetworkIp;

/* TRUE for an IPv6 address */
gboolean vb_network_ip_is_ipv6 (const VbNetworkIp *ip);

typedef struct {
  char *family;
  char *address;
  char *netmask;
  guint prefix;
  gboolean prefix_set;
  char *gateway;
  gboolean metric_set;
  guint metric;
} VbNetworkRoute;

typedef struct {
  char *addr;
  char *domain;
} VbDnsForwarder;

typedef struct {
  char *name;
  char *value;
} VbDnsTxt;

typedef struct {
  char *service;
  char *protocol;
  char *domain;
  char *target;
  gboolean port_set, priority_set, weight_set;
  guint port, priority, weight;
} VbDnsSrv;

typedef struct {
  char *ip;
  GPtrArray *hostnames; /* char* */
} VbDnsHost;

typedef struct {
  VbTristate enable;
  VbTristate forward_plain_names;
  GPtrArray *forwarders; /* VbDnsForwarder */
  GPtrArray *txts;       /* VbDnsTxt */
  GPtrArray *srvs;       /* VbDnsSrv */
  GPtrArray *hosts;      /* VbDnsHost */
} VbNetworkDns;

/* Tagged so other headers can forward-declare struct _VbNetworkDef. */
typedef struct _VbNetworkDef {
  char *name;
  VbUuid uuid;
  guint connections;          /* live only */
  VbTristate ipv6;            /* ipv6='yes': guest-to-guest IPv6 without gateway */
  VbTristate trust_guest_rx_filters;
  xmlNode *metadata;          /* opaque copy (vb_xml_opaque_copy) or NULL */

  char *bridge_name;
  char *bridge_zone;
  VbTristate stp;             /* defaults to on */
  guint64 delay;
  int mac_table_manager;      /* 0 = unset, 1 = kernel, 2 = libvirt */

  guint mtu;                  /* 0 = unset */
  gboolean mac_set;
  VbMac mac;

  char *domain_name;
  VbTristate domain_local_only;

  VbNetworkForwardMode forward_mode;
  VbTristate forward_managed;
  char *forward_driver_name;  /* "kvm" | "vfio" */
  char *forward_driver_model;
  char *forward_pf;           /* <pf dev> */
  GPtrArray *forward_ifaces;  /* VbNetworkForwardIface, all of one type */
  char *nat_addr_start;
  char *nat_addr_end;
  guint nat_port_start;
  guint nat_port_end;
  VbTristate nat_ipv6;

  VbVirtualPort *virtualport;
  GPtrArray *portgroups;      /* VbNetworkPortGroup */
  VbBandwidth *bandwidth;
  VbVlan *vlan;
  VbTristate port_isolated;

  VbNetworkDns dns;
  GPtrArray *ips;             /* VbNetworkIp */
  GPtrArray *routes;          /* VbNetworkRoute */
  GPtrArray *dnsmasq_options; /* char* */
} VbNetworkDef;

/* Parses a <network> document.  A missing <uuid> is generated.  A
 * network that libvirt gives its own bridge (isolated, nat, route, open) and
 * that has no <mac> gets a generated 52:54:00:xx:xx:xx one, as libvirt
 * does for every definition it accepts, so the bridge MAC stays stable
 * across restarts (unless VB_NETWORK_PARSE_NO_GENERATE_MAC). */
VbNetworkDef *vb_network_def_parse (const char *xml, guint parse_flags, GError **error);

/* The real network driver's rules: which elements each forward mode may
 * use, DHCP per family, VLAN support, portgroup defaults and names. */
gboolean vb_network_def_validate (const VbNetworkDef *def, GError **error);

char *vb_network_def_format (const VbNetworkDef *def, guint format_flags);
/* A deep copy of the structures, sharing nothing with @def; no XML round
 * trip.  NULL gives NULL. */
VbNetworkDef *vb_network_def_copy (const VbNetworkDef *def);
void vb_network_def_free (VbNetworkDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkDef, vb_network_def_free)

/* Portgroup by name, or the default one when @name is NULL; NULL if none. */
const VbNetworkPortGroup *vb_network_def_find_portgroup (const VbNetworkDef *def, const char *name);

/* virNetworkUpdate, libvirt's numbers. */
typedef enum {
  VB_NETWORK_UPDATE_MODIFY = 1,
  VB_NETWORK_UPDATE_DELETE = 2,
  VB_NETWORK_UPDATE_ADD_LAST = 3,
  VB_NETWORK_UPDATE_ADD_FIRST = 4,
} VbNetworkUpdateCommand;

typedef enum {
  VB_NETWORK_SECTION_BRIDGE = 1,
  VB_NETWORK_SECTION_DOMAIN = 2,
  VB_NETWORK_SECTION_IP = 3,
  VB_NETWORK_SECTION_IP_DHCP_HOST = 4,
  VB_NETWORK_SECTION_IP_DHCP_RANGE = 5,
  VB_NETWORK_SECTION_FORWARD = 6,
  VB_NETWORK_SECTION_FORWARD_INTERFACE = 7,
  VB_NETWORK_SECTION_FORWARD_PF = 8,
  VB_NETWORK_SECTION_PORTGROUP = 9,
  VB_NETWORK_SECTION_DNS_HOST = 10,
  VB_NETWORK_SECTION_DNS_TXT = 11,
  VB_NETWORK_SECTION_DNS_SRV = 12,
} VbNetworkUpdateSection;

/* Applies one update.  @parent_index picks the <ip> for the DHCP sections
 * (-1: the first IPv4 <ip> with a <dhcp>, else the first IPv4 <ip>).  On
 * failure @def is unchanged.  Sections libvirt cannot update
 * (bridge, domain, ip, forward, forward-pf) fail with
 * VB_ERROR_NOT_SUPPORTED, as do "modify" for ranges, interfaces and DNS
 * records. */
gboolean vb_network_def_update (VbNetworkDef *def, guint command, guint section,
                                int parent_index, const char *xml, GError **error);

G_END_DECLS
