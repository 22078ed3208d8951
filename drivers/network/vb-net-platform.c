/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-net-platform.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>

#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/macvtap.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/class.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/route.h>
#include <netlink/route/tc.h>

#include <glib/gstdio.h>

#include "vb-error.h"

/* Generic wrappers ---------------------------------------------------------- */

void
vb_net_platform_free (VbNetPlatform *self)
{
  if (self != NULL)
    self->ops->free (self);
}

gboolean
vb_net_platform_bridge_add (VbNetPlatform *self, const char *name, const VbBridgeConfig *config,
                            GError **error)
{
  return self->ops->bridge_add (self, name, config, error);
}

gboolean
vb_net_platform_link_delete (VbNetPlatform *self, const char *name, GError **error)
{
  return self->ops->link_delete (self, name, error);
}

gboolean
vb_net_platform_link_set_up (VbNetPlatform *self, const char *name, gboolean up, GError **error)
{
  return self->ops->link_set_up (self, name, up, error);
}

gboolean
vb_net_platform_link_set_mtu (VbNetPlatform *self, const char *name, guint mtu, GError **error)
{
  return self->ops->link_set_mtu (self, name, mtu, error);
}

gboolean
vb_net_platform_link_set_master (VbNetPlatform *self, const char *name, const char *master,
                                 GError **error)
{
  return self->ops->link_set_master (self, name, master, error);
}

gboolean
vb_net_platform_link_query (VbNetPlatform *self, const char *name, VbLinkInfo *info,
                            GError **error)
{
  return self->ops->link_query (self, name, info, error);
}

gboolean
vb_net_platform_link_exists (VbNetPlatform *self, const char *name)
{
  VbLinkInfo info;

  return self->ops->link_query (self, name, &info, NULL);
}

char *
vb_net_platform_link_name_by_index (VbNetPlatform *self, int ifindex)
{
  return self->ops->link_name_by_index (self, ifindex);
}

gboolean
vb_net_platform_addr_add (VbNetPlatform *self, const char *name, const char *address,
                          guint prefix, const char *peer, GError **error)
{
  return self->ops->addr_add (self, name, address, prefix, peer, error);
}

gboolean
vb_net_platform_addr_del (VbNetPlatform *self, const char *name, const char *address,
                          guint prefix, GError **error)
{
  return self->ops->addr_del (self, name, address, prefix, error);
}

gboolean
vb_net_platform_route_add (VbNetPlatform *self, const char *name, const char *dest, guint prefix,
                           const char *gateway, guint metric, GError **error)
{
  return self->ops->route_add (self, name, dest, prefix, gateway, metric, error);
}

gboolean
vb_net_platform_shape_egress (VbNetPlatform *self, const char *name, guint64 average,
                              guint64 peak, guint64 burst, GError **error)
{
  return self->ops->shape_egress (self, name, average, peak, burst, error);
}

gboolean
vb_net_platform_tap_create (VbNetPlatform *self, const char *name_template, const VbMac *mac,
                            char **out_name, int *out_fd, GError **error)
{
  return self->ops->tap_create (self, name_template, mac, out_name, out_fd, error);
}

gboolean
vb_net_platform_tap_open (VbNetPlatform *self, const char *name, int *out_fd, GError **error)
{
  return self->ops->tap_open (self, name, out_fd, error);
}

gboolean
vb_net_platform_macvtap_create (VbNetPlatform *self, const char *name_template,
                                const char *parent, VbMacvtapMode mode, const VbMac *mac,
                                char **out_name, int *out_fd, GError **error)
{
  return self->ops->macvtap_create (self, name_template, parent, mode, mac, out_name, out_fd,
                                    error);
}

gboolean
vb_net_platform_sysctl_get (VbNetPlatform *self, VbSysctl key, int *value, GError **error)
{
  return self->ops->sysctl_get (self, key, value, error);
}

gboolean
vb_net_platform_sysctl_set (VbNetPlatform *self, VbSysctl key, int value, GError **error)
{
  return self->ops->sysctl_set (self, key, value, error);
}

GArray *
vb_net_platform_neighbours_ipv4 (VbNetPlatform *self, GError **error)
{
  if (self->ops->neighbours_ipv4 == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "this platform has no neighbour table");
    return NULL;
  }
  return self->ops->neighbours_ipv4 (self, error);
}

/* libnl implementation ------------------------------------------------------ */

typedef struct {
  VbNetPlatform parent;
  struct nl_sock *sock;
} NlPlatform;

/* libnl's types are struct tags; g_autoptr needs plain type names */
typedef struct rtnl_link NlLink;
typedef struct rtnl_addr NlRtAddr;
typedef struct nl_addr NlAddr;
typedef struct nl_msg NlMsg;
typedef struct rtnl_route NlRoute;
typedef struct rtnl_qdisc NlQdisc;
typedef struct rtnl_class NlClass;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlLink, rtnl_link_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlRtAddr, rtnl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlAddr, nl_addr_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlMsg, nlmsg_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlRoute, rtnl_route_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlQdisc, rtnl_qdisc_put)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NlClass, rtnl_class_put)

static struct nl_sock *
nl_sock (VbNetPlatform *self)
{
  return ((NlPlatform *) self)->sock;
}

static int
nl_error_code (int err)
{
  switch (-err) {
  case NLE_EXIST:
    return VB_ERROR_EXISTS;
  case NLE_NODEV:
  case NLE_OBJ_NOTFOUND:
    return VB_ERROR_NOT_FOUND;
  case NLE_PERM:
    return VB_ERROR_PERMISSION_DENIED;
  case NLE_BUSY:
    return VB_ERROR_BUSY;
  default:
    return VB_ERROR_FAILED;
  }
}

G_GNUC_PRINTF (3, 4) static gboolean
set_nl_error (GError **error, int err, const char *format, ...)
{
  va_list ap;
  g_autofree char *what = NULL;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, VB_ERROR, nl_error_code (err), "%s: %s", what, nl_geterror (err));
  return FALSE;
}

static gboolean
get_link (VbNetPlatform *self, const char *name, struct rtnl_link **out, GError **error)
{
  int err = rtnl_link_get_kernel (nl_sock (self), 0, name, out);

  if (err < 0) {
    if (-err == NLE_NODEV || -err == NLE_OBJ_NOTFOUND) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network device '%s' does not exist", name);
      return FALSE;
    }
    return set_nl_error (error, err, "cannot look up network device '%s'", name);
  }
  return TRUE;
}

static gboolean
nl_bridge_add (VbNetPlatform *self, const char *name, const VbBridgeConfig *config,
               GError **error)
{
  g_autoptr(NlMsg) msg = NULL;
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct nlattr *linkinfo = NULL, *data = NULL;
  gboolean ok;
  int err;

  if (strlen (name) >= IFNAMSIZ) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "bridge name '%s' is too long", name);
    return FALSE;
  }
  /* libnl has no setter for the bridge's own attributes (IFLA_BR_*), so the
   * message is built by hand.  One RTM_NEWLINK sets them all at creation;
   * the kernel applies the forward delay before the STP state, so a delay
   * below STP's 2 s minimum (libvirt's default is 0) is accepted. */
  msg = nlmsg_alloc_simple (RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ok = msg != NULL && nlmsg_append (msg, &ifi, sizeof (ifi), NLMSG_ALIGNTO) >= 0;
  ok = ok && nla_put_string (msg, IFLA_IFNAME, name) >= 0;
  ok = ok && (config->mtu == 0 || nla_put_u32 (msg, IFLA_MTU, config->mtu) >= 0);
  ok = ok && (!config->mac_set || nla_put (msg, IFLA_ADDRESS, VB_MAC_LEN, config->mac.bytes) >= 0);
  ok = ok && (linkinfo = nla_nest_start (msg, IFLA_LINKINFO)) != NULL;
  ok = ok && nla_put_string (msg, IFLA_INFO_KIND, "bridge") >= 0;
  ok = ok && (data = nla_nest_start (msg, IFLA_INFO_DATA)) != NULL;
  /* clock_t units: centiseconds */
  ok = ok && nla_put_u32 (msg, IFLA_BR_FORWARD_DELAY, config->forward_delay_ms / 10) >= 0;
  ok = ok && nla_put_u32 (msg, IFLA_BR_STP_STATE, config->stp ? 1 : 0) >= 0;
  if (!ok) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot build the netlink message for bridge '%s'",
                 name);
    return FALSE;
  }
  nla_nest_end (msg, data);
  nla_nest_end (msg, linkinfo);

  /* nl_send_sync frees the message */
  err = nl_send_sync (nl_sock (self), g_steal_pointer (&msg));
  if (err < 0)
    return set_nl_error (error, err, "cannot create bridge '%s'", name);
  return TRUE;
}

static gboolean
nl_link_delete (VbNetPlatform *self, const char *name, GError **error)
{
  g_autoptr(NlLink) link = rtnl_link_alloc ();
  int err;

  rtnl_link_set_name (link, name);
  err = rtnl_link_delete (nl_sock (self), link);
  if (err < 0)
    return set_nl_error (error, err, "cannot delete network device '%s'", name);
  return TRUE;
}

static gboolean
nl_link_set_up (VbNetPlatform *self, const char *name, gboolean up, GError **error)
{
  g_autoptr(NlLink) orig = NULL;
  g_autoptr(NlLink) change = rtnl_link_alloc ();
  int err;

  if (!get_link (self, name, &orig, error))
    return FALSE;
  if (up)
    rtnl_link_set_flags (change, IFF_UP);
  else
    rtnl_link_unset_flags (change, IFF_UP);
  err = rtnl_link_change (nl_sock (self), orig, change, 0);
  if (err < 0)
    return set_nl_error (error, err, "cannot set network device '%s' %s", name, up ? "up" : "down");
  return TRUE;
}

static gboolean
nl_link_set_mtu (VbNetPlatform *self, const char *name, guint mtu, GError **error)
{
  g_autoptr(NlLink) orig = NULL;
  g_autoptr(NlLink) change = rtnl_link_alloc ();
  int err;

  if (!get_link (self, name, &orig, error))
    return FALSE;
  rtnl_link_set_mtu (change, mtu);
  err = rtnl_link_change (nl_sock (self), orig, change, 0);
  if (err < 0)
    return set_nl_error (error, err, "cannot set the MTU of '%s' to %u", name, mtu);
  return TRUE;
}

static gboolean
nl_link_set_master (VbNetPlatform *self, const char *name, const char *master, GError **error)
{
  g_autoptr(NlLink) slave = NULL;
  g_autoptr(NlLink) bridge = NULL;
  int err;

  if (!get_link (self, name, &slave, error) || !get_link (self, master, &bridge, error))
    return FALSE;
  err = rtnl_link_enslave_ifindex (nl_sock (self), rtnl_link_get_ifindex (bridge),
                                   rtnl_link_get_ifindex (slave));
  if (err < 0)
    return set_nl_error (error, err, "cannot attach '%s' to bridge '%s'", name, master);
  return TRUE;
}

static gboolean
nl_link_query (VbNetPlatform *self, const char *name, VbLinkInfo *info, GError **error)
{
  g_autoptr(NlLink) link = NULL;
  const char *kind;

  if (!get_link (self, name, &link, error))
    return FALSE;
  memset (info, 0, sizeof (*info));
  info->ifindex = rtnl_link_get_ifindex (link);
  info->master_ifindex = rtnl_link_get_master (link);
  info->link_ifindex = rtnl_link_get_link (link);
  info->up = (rtnl_link_get_flags (link) & IFF_UP) != 0;
  info->mtu = rtnl_link_get_mtu (link);
  kind = rtnl_link_get_type (link);
  if (kind != NULL)
    g_strlcpy (info->kind, kind, sizeof (info->kind));
  return TRUE;
}

static char *
nl_link_name_by_index (VbNetPlatform *self, int ifindex)
{
  g_autoptr(NlLink) link = NULL;

  if (rtnl_link_get_kernel (nl_sock (self), ifindex, NULL, &link) < 0)
    return NULL;
  return g_strdup (rtnl_link_get_name (link));
}

static gboolean
build_addr (VbNetPlatform *self, const char *name, const char *address, guint prefix,
            const char *peer, struct rtnl_addr **out, GError **error)
{
  g_autoptr(NlLink) link = NULL;
  g_autoptr(NlRtAddr) addr = rtnl_addr_alloc ();
  g_autoptr(NlAddr) local = NULL;
  g_autoptr(NlAddr) remote = NULL;
  int err;

  if (!get_link (self, name, &link, error))
    return FALSE;
  err = nl_addr_parse (address, AF_UNSPEC, &local);
  if (err < 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "invalid address '%s'", address);
    return FALSE;
  }
  nl_addr_set_prefixlen (local, prefix);
  rtnl_addr_set_ifindex (addr, rtnl_link_get_ifindex (link));
  rtnl_addr_set_local (addr, local);
  if (peer != NULL) {
    if (nl_addr_parse (peer, AF_UNSPEC, &remote) < 0 ||
        nl_addr_get_family (remote) != nl_addr_get_family (local)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "invalid peer '%s' for %s", peer, address);
      return FALSE;
    }
    nl_addr_set_prefixlen (remote, prefix);
    err = rtnl_addr_set_peer (addr, remote);
    if (err < 0)
      return set_nl_error (error, err, "cannot use peer %s for %s", peer, address);
  } else if (nl_addr_get_family (local) == AF_INET && prefix < 31) {
    g_autoptr(NlAddr) bcast = nl_addr_clone (local);
    guint8 *bytes = nl_addr_get_binary_addr (bcast);
    guint32 host_bits = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1;
    guint32 be;

    memcpy (&be, bytes, 4);
    be = GUINT32_FROM_BE (be) | host_bits;
    be = GUINT32_TO_BE (be);
    memcpy (bytes, &be, 4);
    rtnl_addr_set_broadcast (addr, bcast);
  } else if (nl_addr_get_family (local) == AF_INET6) {
    rtnl_addr_set_flags (addr, IFA_F_NODAD);
  }
  *out = g_steal_pointer (&addr);
  return TRUE;
}

static gboolean
nl_addr_add (VbNetPlatform *self, const char *name, const char *address, guint prefix,
             const char *peer, GError **error)
{
  g_autoptr(NlRtAddr) addr = NULL;
  int err;

  if (!build_addr (self, name, address, prefix, peer, &addr, error))
    return FALSE;
  err = rtnl_addr_add (nl_sock (self), addr, NLM_F_EXCL);
  if (err < 0)
    return set_nl_error (error, err, "cannot add address %s/%u to '%s'", address, prefix, name);
  return TRUE;
}

static gboolean
nl_addr_del (VbNetPlatform *self, const char *name, const char *address, guint prefix,
             GError **error)
{
  g_autoptr(NlRtAddr) addr = NULL;
  int err;

  if (!build_addr (self, name, address, prefix, NULL, &addr, error))
    return FALSE;
  err = rtnl_addr_delete (nl_sock (self), addr, 0);
  if (err < 0)
    return set_nl_error (error, err, "cannot remove address %s/%u from '%s'", address, prefix, name);
  return TRUE;
}

static gboolean
nl_route_add (VbNetPlatform *self, const char *name, const char *dest, guint prefix,
              const char *gateway, guint metric, GError **error)
{
  g_autoptr(NlLink) link = NULL;
  g_autoptr(NlRoute) route = rtnl_route_alloc ();
  g_autoptr(NlAddr) dst = NULL;
  g_autoptr(NlAddr) gw = NULL;
  struct rtnl_nexthop *nh;
  int err;

  if (!get_link (self, name, &link, error))
    return FALSE;
  if (nl_addr_parse (dest, AF_UNSPEC, &dst) < 0 || nl_addr_parse (gateway, AF_UNSPEC, &gw) < 0 ||
      nl_addr_get_family (dst) != nl_addr_get_family (gw)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "invalid route to %s via %s", dest, gateway);
    return FALSE;
  }
  nl_addr_set_prefixlen (dst, prefix);
  rtnl_route_set_family (route, nl_addr_get_family (dst));
  rtnl_route_set_dst (route, dst);
  rtnl_route_set_table (route, RT_TABLE_MAIN);
  rtnl_route_set_protocol (route, RTPROT_STATIC);
  rtnl_route_set_scope (route, RT_SCOPE_UNIVERSE);
  if (metric > 0)
    rtnl_route_set_priority (route, metric);
  nh = rtnl_route_nh_alloc ();
  rtnl_route_nh_set_ifindex (nh, rtnl_link_get_ifindex (link));
  rtnl_route_nh_set_gateway (nh, gw);
  rtnl_route_add_nexthop (route, nh); /* the route owns it now */
  err = rtnl_route_add (nl_sock (self), route, NLM_F_EXCL);
  if (err < 0)
    return set_nl_error (error, err, "cannot add route to %s/%u via %s on '%s'", dest, prefix,
                         gateway, name);
  return TRUE;
}

static gboolean
nl_shape_egress (VbNetPlatform *self, const char *name, guint64 average, guint64 peak,
                 guint64 burst, GError **error)
{
  g_autoptr(NlLink) link = NULL;
  g_autoptr(NlQdisc) qdisc = rtnl_qdisc_alloc ();
  g_autoptr(NlClass) klass = rtnl_class_alloc ();
  int err;

  if (!get_link (self, name, &link, error))
    return FALSE;
  rtnl_tc_set_link (TC_CAST (qdisc), link);
  rtnl_tc_set_parent (TC_CAST (qdisc), TC_H_ROOT);
  rtnl_tc_set_handle (TC_CAST (qdisc), TC_HANDLE (1, 0));
  rtnl_tc_set_kind (TC_CAST (qdisc), "htb");
  rtnl_htb_set_defcls (qdisc, TC_HANDLE (1, 1));
  err = rtnl_qdisc_add (nl_sock (self), qdisc, NLM_F_CREATE | NLM_F_REPLACE);
  if (err < 0)
    return set_nl_error (error, err, "cannot set up traffic shaping (htb) on '%s'", name);

  rtnl_tc_set_link (TC_CAST (klass), link);
  rtnl_tc_set_parent (TC_CAST (klass), TC_HANDLE (1, 0));
  rtnl_tc_set_handle (TC_CAST (klass), TC_HANDLE (1, 1));
  rtnl_tc_set_kind (TC_CAST (klass), "htb");
  rtnl_htb_set_rate64 (klass, average * 1000);
  rtnl_htb_set_ceil64 (klass, (peak > average ? peak : average) * 1000);
  if (burst > 0) {
    rtnl_htb_set_rbuffer (klass, (guint32) MIN (burst * 1024, G_MAXUINT32));
    rtnl_htb_set_cbuffer (klass, (guint32) MIN (burst * 1024, G_MAXUINT32));
  }
  err = rtnl_class_add (nl_sock (self), klass, NLM_F_CREATE);
  if (err < 0)
    return set_nl_error (error, err, "cannot set the rate class on '%s'", name);
  return TRUE;
}

static gboolean
set_link_mac (VbNetPlatform *self, const char *name, const VbMac *mac, GError **error)
{
  g_autoptr(NlLink) orig = NULL;
  g_autoptr(NlLink) change = rtnl_link_alloc ();
  g_autoptr(NlAddr) lladdr = nl_addr_build (AF_LLC, mac->bytes, VB_MAC_LEN);
  int err;

  if (!get_link (self, name, &orig, error))
    return FALSE;
  rtnl_link_set_addr (change, lladdr);
  err = rtnl_link_change (nl_sock (self), orig, change, 0);
  if (err < 0)
    return set_nl_error (error, err, "cannot set the MAC address of '%s'", name);
  return TRUE;
}

static gboolean
nl_tap_create (VbNetPlatform *self, const char *name_template, const VbMac *mac, char **out_name,
               int *out_fd, GError **error)
{
  struct ifreq ifr = { 0 };
  int fd;

  if (strlen (name_template) >= IFNAMSIZ) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "interface name '%s' is too long",
                 name_template);
    return FALSE;
  }
  /* libnl cannot make a tap: the tun driver only creates one for the fd
   * that asks, and the device lives as long as that fd (the guest's). */
  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot open /dev/net/tun: %s",
                 g_strerror (saved));
    return FALSE;
  }
  /* without IFF_TUN_EXCL the kernel would attach us to a tap of that name
   * if there is one */
  ifr.ifr_flags = (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL); /* 0x8000: the sign bit */
  g_strlcpy (ifr.ifr_name, name_template, sizeof (ifr.ifr_name));
  if (ioctl (fd, TUNSETIFF, &ifr) < 0) {
    int saved = errno;
    close (fd);
    if (saved == EBUSY)
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "cannot create tap '%s': a network device of that name exists",
                   name_template);
    else
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot create tap '%s': %s", name_template,
                   g_strerror (saved));
    return FALSE;
  }
  if (mac != NULL && !set_link_mac (self, ifr.ifr_name, mac, error)) {
    close (fd);
    return FALSE;
  }
  *out_name = g_strdup (ifr.ifr_name);
  *out_fd = fd;
  return TRUE;
}

static gboolean
nl_tap_open (VbNetPlatform *self, const char *name, int *out_fd, GError **error)
{
  struct ifreq ifr = { 0 };
  int fd;

  if (strlen (name) >= IFNAMSIZ) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "interface name '%s' is too long", name);
    return FALSE;
  }
  if (!vb_net_platform_link_exists (self, name)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "tap device '%s' does not exist", name);
    return FALSE;
  }
  fd = open ("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot open /dev/net/tun: %s", g_strerror (saved));
    return FALSE;
  }
  /* the flags must match the device's, or the kernel refuses (EINVAL):
   * a tun (IP-level) device, a multi-queue tap or any other kind of link */
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
  g_strlcpy (ifr.ifr_name, name, sizeof (ifr.ifr_name));
  if (ioctl (fd, TUNSETIFF, &ifr) < 0) {
    int saved = errno;
    close (fd);
    if (saved == EINVAL)
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "network device '%s' is not a single-queue tap device", name);
    else if (saved == EBUSY)
      g_set_error (error, VB_ERROR, VB_ERROR_BUSY, "tap device '%s' is in use by another process", name);
    else
      g_set_error (error, VB_ERROR, saved == EPERM ? VB_ERROR_PERMISSION_DENIED : VB_ERROR_FAILED,
                   "cannot open tap device '%s': %s", name, g_strerror (saved));
    return FALSE;
  }
  /* the tap may have gone since the look-up, and TUNSETIFF then made a new
   * one: that one is not persistent, and goes with our fd */
  if (ioctl (fd, TUNGETIFF, &ifr) < 0 || !(ifr.ifr_flags & IFF_PERSIST)) {
    close (fd);
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "tap device '%s' does not exist (or is not persistent)",
                 name);
    return FALSE;
  }
  *out_fd = fd;
  return TRUE;
}

static int
macvtap_mode_bits (VbMacvtapMode mode)
{
  switch (mode) {
  case VB_MACVTAP_PRIVATE:
    return MACVLAN_MODE_PRIVATE;
  case VB_MACVTAP_VEPA:
    return MACVLAN_MODE_VEPA;
  case VB_MACVTAP_PASSTHROUGH:
    return MACVLAN_MODE_PASSTHRU;
  case VB_MACVTAP_BRIDGE:
  case VB_MACVTAP_NONE:
  default:
    return MACVLAN_MODE_BRIDGE;
  }
}

/* One attempt at creating macvtap @name; NLE_EXIST tells the caller to try
 * the next name. */
static int
macvtap_add (VbNetPlatform *self, const char *name, int parent_ifindex, VbMacvtapMode mode,
             const VbMac *mac)
{
  g_autoptr(NlLink) link = rtnl_link_macvtap_alloc ();

  rtnl_link_set_name (link, name);
  rtnl_link_set_link (link, parent_ifindex);
  rtnl_link_macvtap_set_mode (link, macvtap_mode_bits (mode));
  if (mac != NULL) {
    g_autoptr(NlAddr) lladdr = nl_addr_build (AF_LLC, mac->bytes, VB_MAC_LEN);
    rtnl_link_set_addr (link, lladdr);
  }
  return rtnl_link_add (nl_sock (self), link, NLM_F_CREATE | NLM_F_EXCL);
}

static gboolean
nl_macvtap_create (VbNetPlatform *self, const char *name_template, const char *parent,
                   VbMacvtapMode mode, const VbMac *mac, char **out_name, int *out_fd,
                   GError **error)
{
  g_autoptr(NlLink) parent_link = NULL;
  g_autofree char *name = NULL;
  g_autofree char *node = NULL;
  gboolean numbered = strstr (name_template, "%d") != NULL;
  VbLinkInfo info;
  int err = -NLE_EXIST;
  int fd;

  if (!get_link (self, parent, &parent_link, error))
    return FALSE;
  /* Names are picked here rather than by the kernel's "%d" expansion so
   * that we know which one we got without a second lookup by MAC. */
  for (guint n = 0; n < 4096 && err == -NLE_EXIST; n++) {
    g_free (name);
    name = numbered ? g_strdup_printf ("%.*s%u", (int) (strstr (name_template, "%d") - name_template),
                                       name_template, n)
                    : g_strdup (name_template);
    if (strlen (name) >= IFNAMSIZ) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "interface name '%s' is too long", name);
      return FALSE;
    }
    if (numbered && vb_net_platform_link_exists (self, name))
      continue;
    err = macvtap_add (self, name, rtnl_link_get_ifindex (parent_link), mode, mac);
    if (!numbered)
      break;
  }
  if (err < 0)
    return set_nl_error (error, err, "cannot create macvtap '%s' (%s) on '%s'", name,
                         vb_macvtap_mode_to_string (mode), parent);

  if (!nl_link_query (self, name, &info, error))
    return FALSE;
  /* the character device is named after the ifindex */
  node = g_strdup_printf ("/dev/tap%d", info.ifindex);
  fd = open (node, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot open %s for macvtap '%s': %s", node,
                 name, g_strerror (saved));
    nl_link_delete (self, name, NULL);
    return FALSE;
  }
  *out_name = g_steal_pointer (&name);
  *out_fd = fd;
  return TRUE;
}

static const char *
sysctl_path (VbSysctl key)
{
  return key == VB_SYSCTL_IPV6_FORWARD ? "/proc/sys/net/ipv6/conf/all/forwarding"
                                       : "/proc/sys/net/ipv4/ip_forward";
}

static gboolean
nl_sysctl_get (VbNetPlatform *self, VbSysctl key, int *value, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (sysctl_path (key), &contents, NULL, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  *value = atoi (contents);
  return TRUE;
}

static gboolean
nl_sysctl_set (VbNetPlatform *self, VbSysctl key, int value, GError **error)
{
  g_autofree char *text = g_strdup_printf ("%d\n", value);
  int fd = open (sysctl_path (key), O_WRONLY | O_CLOEXEC);
  gssize n;

  if (fd < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open %s: %s", sysctl_path (key),
                 g_strerror (saved));
    return FALSE;
  }
  n = write (fd, text, strlen (text));
  if (n < 0) {
    int saved = errno;
    close (fd);
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write %s: %s", sysctl_path (key),
                 g_strerror (saved));
    return FALSE;
  }
  close (fd);
  return TRUE;
}

static GArray *
nl_neighbours_ipv4 (VbNetPlatform *self, GError **error)
{
  struct nl_cache *cache = NULL;
  GArray *out;
  int err = rtnl_neigh_alloc_cache (nl_sock (self), &cache);

  if (err < 0) {
    set_nl_error (error, err, "cannot read the neighbour table");
    return NULL;
  }
  out = g_array_new (FALSE, TRUE, sizeof (VbNeighbour));
  for (struct nl_object *o = nl_cache_get_first (cache); o; o = nl_cache_get_next (o)) {
    struct rtnl_neigh *neigh = (struct rtnl_neigh *) o;
    struct nl_addr *dst = rtnl_neigh_get_dst (neigh);
    struct nl_addr *lladdr = rtnl_neigh_get_lladdr (neigh);
    int state = rtnl_neigh_get_state (neigh);
    VbNeighbour n = { 0 };

    /* an entry still being resolved, or that failed to be, has no peer */
    if (rtnl_neigh_get_family (neigh) != AF_INET || dst == NULL || lladdr == NULL ||
        nl_addr_get_len (lladdr) != sizeof n.mac.bytes || (state >= 0 && (state & (NUD_INCOMPLETE | NUD_FAILED))))
      continue;
    n.ifindex = rtnl_neigh_get_ifindex (neigh);
    memcpy (n.mac.bytes, nl_addr_get_binary_addr (lladdr), sizeof n.mac.bytes);
    if (inet_ntop (AF_INET, nl_addr_get_binary_addr (dst), n.address, sizeof n.address) == NULL)
      continue;
    g_array_append_val (out, n);
  }
  nl_cache_free (cache);
  return out;
}

static void
nl_free (VbNetPlatform *self)
{
  NlPlatform *nl = (NlPlatform *) self;

  nl_socket_free (nl->sock);
  g_free (nl);
}

static const VbNetPlatformOps nl_ops = {
  .bridge_add = nl_bridge_add,
  .link_delete = nl_link_delete,
  .link_set_up = nl_link_set_up,
  .link_set_mtu = nl_link_set_mtu,
  .link_set_master = nl_link_set_master,
  .link_query = nl_link_query,
  .link_name_by_index = nl_link_name_by_index,
  .addr_add = nl_addr_add,
  .addr_del = nl_addr_del,
  .route_add = nl_route_add,
  .shape_egress = nl_shape_egress,
  .tap_create = nl_tap_create,
  .tap_open = nl_tap_open,
  .macvtap_create = nl_macvtap_create,
  .sysctl_get = nl_sysctl_get,
  .sysctl_set = nl_sysctl_set,
  .neighbours_ipv4 = nl_neighbours_ipv4,
  .free = nl_free,
};

VbNetPlatform *
vb_net_platform_new_netlink (GError **error)
{
  NlPlatform *nl = g_new0 (NlPlatform, 1);
  int err;

  nl->parent.ops = &nl_ops;
  nl->sock = nl_socket_alloc ();
  if (nl->sock == NULL) {
    g_free (nl);
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot allocate a netlink socket");
    return NULL;
  }
  err = nl_connect (nl->sock, NETLINK_ROUTE);
  if (err < 0) {
    nl_socket_free (nl->sock);
    g_free (nl);
    set_nl_error (error, err, "cannot connect to rtnetlink");
    return NULL;
  }
  return &nl->parent;
}
