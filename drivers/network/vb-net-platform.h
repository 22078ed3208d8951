/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The network driver's only door to the kernel: links, addresses, taps,
 * macvtaps and the forwarding sysctls.  The driver calls these through a
 * table of function pointers so that tests (or a future fake, as
 * NetworkManager's nm-fake-platform) can stand in for the kernel; the
 * real implementation speaks rtnetlink through libnl-route-3.
 *
 * Every call acts in the network namespace of the calling thread and is
 * synchronous: most are one or two netlink round trips (sub-millisecond),
 * but deleting a bridge waits for the kernel (40-110 ms), so the network
 * driver makes its start/stop/update calls from a worker thread with an
 * instance of its own.  An instance is not thread-safe: one thread at a
 * time. 
 *
 * Errors are VB_ERROR codes: VB_ERROR_NOT_FOUND for a link that does not
 * exist, VB_ERROR_EXISTS for a name taken, VB_ERROR_FAILED (with the
 * kernel's reason) otherwise. */

#include <glib.h>

#include "vb-network-port.h"
#include "vb-util.h"

G_BEGIN_DECLS

typedef struct _VbNetPlatform VbNetPlatform;

typedef struct {
  gboolean stp;
  guint forward_delay_ms;
  guint mtu;        /* 0: kernel default */
  gboolean mac_set;
  VbMac mac;
} VbBridgeConfig;

typedef struct {
  int ifindex;
  int master_ifindex; /* 0 when not enslaved */
  int link_ifindex;   /* the parent of a macvtap, else 0 */
  gboolean up;
  guint mtu;
  char kind[32];      /* "bridge", "tun", "macvtap", "veth", … or "" */
} VbLinkInfo;

/* One entry of the kernel's neighbour table (ARP for IPv4). */
typedef struct {
  int ifindex;
  VbMac mac;
  char address[48];   /* textual, without prefix */
} VbNeighbour;

typedef enum {
  VB_SYSCTL_IPV4_FORWARD,     /* net.ipv4.ip_forward */
  VB_SYSCTL_IPV6_FORWARD,     /* net.ipv6.conf.all.forwarding */
} VbSysctl;

typedef struct {
  gboolean (*bridge_add) (VbNetPlatform *self, const char *name, const VbBridgeConfig *config,
                          GError **error);
  gboolean (*link_delete) (VbNetPlatform *self, const char *name, GError **error);
  gboolean (*link_set_up) (VbNetPlatform *self, const char *name, gboolean up, GError **error);
  gboolean (*link_set_mtu) (VbNetPlatform *self, const char *name, guint mtu, GError **error);
  gboolean (*link_set_master) (VbNetPlatform *self, const char *name, const char *master,
                               GError **error);
  /* FALSE with VB_ERROR_NOT_FOUND when absent */
  gboolean (*link_query) (VbNetPlatform *self, const char *name, VbLinkInfo *info, GError **error);
  char *(*link_name_by_index) (VbNetPlatform *self, int ifindex);
  /* @address without prefix; IPv4 gets its broadcast address, IPv6 skips DAD
   * (the address is ours alone on a fresh bridge and dnsmasq binds at once).
   * With a @peer (IPv4 only) the link is point-to-point and @prefix is the
   * peer's. */
  gboolean (*addr_add) (VbNetPlatform *self, const char *name, const char *address, guint prefix,
                        const char *peer, GError **error);
  gboolean (*addr_del) (VbNetPlatform *self, const char *name, const char *address, guint prefix,
                        GError **error);
  /* A static route to @dest/@prefix through @gateway on @name (metric 0:
   * the kernel's default); removed with the link. */
  gboolean (*route_add) (VbNetPlatform *self, const char *name, const char *dest, guint prefix,
                         const char *gateway, guint metric, GError **error);
  /* Shapes what @name transmits (for a guest's tap: what the guest
   * receives) as libvirt does: an htb root qdisc whose default class runs
   * at @average, may borrow up to @peak (0: no more than @average) and
   * bursts @burst.  Rates in kilobytes/s (1000 bytes), burst in KiB, as
   * in <bandwidth>. */
  gboolean (*shape_egress) (VbNetPlatform *self, const char *name, guint64 average, guint64 peak,
                            guint64 burst, GError **error);
  /* A tap with IFF_VNET_HDR, named from @name_template ("vnet%d" or a fixed
   * name); returns its queue fd and the name the kernel gave it.  A name
   * taken already is VB_ERROR_EXISTS: a tap that outlives its guest (a
   * persistent one) is never taken over by mistake. */
  gboolean (*tap_create) (VbNetPlatform *self, const char *name_template, const VbMac *mac,
                          char **out_name, int *out_fd, GError **error);
  /* Opens the existing persistent tap @name (made by an admin) with
   * IFF_VNET_HDR, changing nothing else.  VB_ERROR_NOT_FOUND when there is
   * none; VB_ERROR_INVALID_CONFIG when @name is not a single-queue tap;
   * VB_ERROR_BUSY when another process has it open. */
  gboolean (*tap_open) (VbNetPlatform *self, const char *name, int *out_fd, GError **error);
  /* A macvtap in @mode on @parent; returns the opened /dev/tapN. */
  gboolean (*macvtap_create) (VbNetPlatform *self, const char *name_template, const char *parent,
                              VbMacvtapMode mode, const VbMac *mac, char **out_name, int *out_fd,
                              GError **error);
  gboolean (*sysctl_get) (VbNetPlatform *self, VbSysctl key, int *value, GError **error);
  gboolean (*sysctl_set) (VbNetPlatform *self, VbSysctl key, int value, GError **error);
  /* The IPv4 neighbours whose link-layer address is known (VbNeighbour),
   * as libvirt reads them for the ARP source of interface addresses. */
  GArray *(*neighbours_ipv4) (VbNetPlatform *self, GError **error);
  void (*free) (VbNetPlatform *self);
} VbNetPlatformOps;

struct _VbNetPlatform {
  const VbNetPlatformOps *ops;
};

/* The real thing; fails when no netlink socket can be opened. */
VbNetPlatform *vb_net_platform_new_netlink (GError **error);
void vb_net_platform_free (VbNetPlatform *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetPlatform, vb_net_platform_free)

gboolean vb_net_platform_bridge_add (VbNetPlatform *self, const char *name,
                                     const VbBridgeConfig *config, GError **error);
gboolean vb_net_platform_link_delete (VbNetPlatform *self, const char *name, GError **error);
gboolean vb_net_platform_link_set_up (VbNetPlatform *self, const char *name, gboolean up,
                                      GError **error);
gboolean vb_net_platform_link_set_mtu (VbNetPlatform *self, const char *name, guint mtu,
                                       GError **error);
gboolean vb_net_platform_link_set_master (VbNetPlatform *self, const char *name,
                                          const char *master, GError **error);
gboolean vb_net_platform_link_query (VbNetPlatform *self, const char *name, VbLinkInfo *info,
                                     GError **error);
gboolean vb_net_platform_link_exists (VbNetPlatform *self, const char *name);
char *vb_net_platform_link_name_by_index (VbNetPlatform *self, int ifindex);
gboolean vb_net_platform_addr_add (VbNetPlatform *self, const char *name, const char *address,
                                   guint prefix, const char *peer, GError **error);
gboolean vb_net_platform_addr_del (VbNetPlatform *self, const char *name, const char *address,
                                   guint prefix, GError **error);
gboolean vb_net_platform_route_add (VbNetPlatform *self, const char *name, const char *dest,
                                    guint prefix, const char *gateway, guint metric,
                                    GError **error);
gboolean vb_net_platform_shape_egress (VbNetPlatform *self, const char *name, guint64 average,
                                       guint64 peak, guint64 burst, GError **error);
gboolean vb_net_platform_tap_create (VbNetPlatform *self, const char *name_template,
                                     const VbMac *mac, char **out_name, int *out_fd,
                                     GError **error);
gboolean vb_net_platform_tap_open (VbNetPlatform *self, const char *name, int *out_fd,
                                   GError **error);
gboolean vb_net_platform_macvtap_create (VbNetPlatform *self, const char *name_template,
                                         const char *parent, VbMacvtapMode mode, const VbMac *mac,
                                         char **out_name, int *out_fd, GError **error);
gboolean vb_net_platform_sysctl_get (VbNetPlatform *self, VbSysctl key, int *value,
                                     GError **error);
gboolean vb_net_platform_sysctl_set (VbNetPlatform *self, VbSysctl key, int value,
                                     GError **error);
GArray *vb_net_platform_neighbours_ipv4 (VbNetPlatform *self, GError **error);

G_END_DECLS
