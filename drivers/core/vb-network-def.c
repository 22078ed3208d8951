/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network-def.h"

#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

#include "vb-error.h"

#define DNSMASQ_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"

/* every rejection names the element or attribute and why */
#define config_error vb_error_invalid_config

static const char *const forward_modes[] = {
  "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev", NULL
};

const char *
vb_network_forward_mode_to_string (VbNetworkForwardMode mode)
{
  if (mode <= VB_NETWORK_FORWARD_NONE || mode > VB_NETWORK_FORWARD_HOSTDEV)
    return NULL;
  return forward_modes[mode - 1];
}

/* Modes where libvirt creates and owns the bridge. */
static gboolean
mode_has_own_bridge (VbNetworkForwardMode mode)
{
  return mode == VB_NETWORK_FORWARD_NONE || mode == VB_NETWORK_FORWARD_NAT ||
         mode == VB_NETWORK_FORWARD_ROUTE || mode == VB_NETWORK_FORWARD_OPEN;
}

/* Freeing ----------------------------------------------------------------- */

static void
forward_iface_free (gpointer p)
{
  VbNetworkForwardIface *f = p;

  if (f == NULL)
    return;
  g_free (f->dev);
  g_free (f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkForwardIface, forward_iface_free)

static void
portgroup_free (gpointer p)
{
  VbNetworkPortGroup *pg = p;

  if (pg == NULL)
    return;
  g_free (pg->name);
  vb_virtualport_free (pg->virtualport);
  vb_bandwidth_free (pg->bandwidth);
  vb_vlan_free (pg->vlan);
  g_free (pg);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkPortGroup, portgroup_free)

static void
range_free (gpointer p)
{
  VbDhcpRange *r = p;

  if (r == NULL)
    return;
  g_free (r->start);
  g_free (r->end);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDhcpRange, range_free)

static void
host_free (gpointer p)
{
  VbDhcpHost *h = p;

  if (h == NULL)
    return;
  g_free (h->mac);
  g_free (h->id);
  g_free (h->name);
  g_free (h->ip);
  g_free (h);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDhcpHost, host_free)

static void
option_free (gpointer p)
{
  VbDhcpOption *o = p;

  g_free (o->value);
  g_free (o);
}

static void
ip_free (gpointer p)
{
  VbNetworkIp *ip = p;

  if (ip == NULL)
    return;
  g_free (ip->family);
  g_free (ip->address);
  g_free (ip->netmask);
  g_free (ip->tftp_root);
  g_ptr_array_unref (ip->ranges);
  g_ptr_array_unref (ip->hosts);
  g_free (ip->bootp_file);
  g_free (ip->bootp_server);
  g_ptr_array_unref (ip->options);
  g_free (ip);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkIp, ip_free)

static void
route_free (gpointer p)
{
  VbNetworkRoute *r = p;

  if (r == NULL)
    return;
  g_free (r->family);
  g_free (r->address);
  g_free (r->netmask);
  g_free (r->gateway);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkRoute, route_free)

static void
forwarder_free (gpointer p)
{
  VbDnsForwarder *f = p;

  g_free (f->addr);
  g_free (f->domain);
  g_free (f);
}

static void
txt_free (gpointer p)
{
  VbDnsTxt *t = p;

  if (t == NULL)
    return;
  g_free (t->name);
  g_free (t->value);
  g_free (t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDnsTxt, txt_free)

static void
srv_free (gpointer p)
{
  VbDnsSrv *s = p;

  if (s == NULL)
    return;
  g_free (s->service);
  g_free (s->protocol);
  g_free (s->domain);
  g_free (s->target);
  g_free (s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDnsSrv, srv_free)

static void
dns_host_free (gpointer p)
{
  VbDnsHost *h = p;

  if (h == NULL)
    return;
  g_free (h->ip);
  g_ptr_array_unref (h->hostnames);
  g_free (h);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDnsHost, dns_host_free)

void
vb_network_def_free (VbNetworkDef *def)
{
  if (def == NULL)
    return;
  g_free (def->name);
  vb_xml_opaque_free (def->metadata);
  g_free (def->bridge_name);
  g_free (def->bridge_zone);
  g_free (def->domain_name);
  g_free (def->forward_driver_name);
  g_free (def->forward_driver_model);
  g_free (def->forward_pf);
  g_ptr_array_unref (def->forward_ifaces);
  g_free (def->nat_addr_start);
  g_free (def->nat_addr_end);
  vb_virtualport_free (def->virtualport);
  g_ptr_array_unref (def->portgroups);
  vb_bandwidth_free (def->bandwidth);
  vb_vlan_free (def->vlan);
  g_ptr_array_unref (def->dns.forwarders);
  g_ptr_array_unref (def->dns.txts);
  g_ptr_array_unref (def->dns.srvs);
  g_ptr_array_unref (def->dns.hosts);
  g_ptr_array_unref (def->ips);
  g_ptr_array_unref (def->routes);
  g_ptr_array_unref (def->dnsmasq_options);
  g_free (def);
}

static VbNetworkDef *
network_def_new (void)
{
  VbNetworkDef *def = g_new0 (VbNetworkDef, 1);

  def->forward_ifaces = g_ptr_array_new_with_free_func (forward_iface_free);
  def->portgroups = g_ptr_array_new_with_free_func (portgroup_free);
  def->dns.forwarders = g_ptr_array_new_with_free_func (forwarder_free);
  def->dns.txts = g_ptr_array_new_with_free_func (txt_free);
  def->dns.srvs = g_ptr_array_new_with_free_func (srv_free);
  def->dns.hosts = g_ptr_array_new_with_free_func (dns_host_free);
  def->ips = g_ptr_array_new_with_free_func (ip_free);
  def->routes = g_ptr_array_new_with_free_func (route_free);
  def->dnsmasq_options = g_ptr_array_new_with_free_func (g_free);
  return def;
}

/* IP address helpers ------------------------------------------------------- */

typedef struct {
  gboolean v6;
  guint8 bytes[16];
} IpAddr;

static gboolean
ip_parse (const char *str, IpAddr *out)
{
  g_autoptr(GInetAddress) a = NULL;

  if (str == NULL)
    return FALSE;
  a = g_inet_address_new_from_string (str);
  if (a == NULL)
    return FALSE;
  out->v6 = g_inet_address_get_family (a) == G_SOCKET_FAMILY_IPV6;
  memset (out->bytes, 0, sizeof out->bytes);
  memcpy (out->bytes, g_inet_address_to_bytes (a), g_inet_address_get_native_size (a));
  return TRUE;
}

static char *
ip_format (const IpAddr *a)
{
  g_autoptr(GInetAddress) ia = g_inet_address_new_from_bytes (a->bytes, a->v6 ? G_SOCKET_FAMILY_IPV6
                                                                            : G_SOCKET_FAMILY_IPV4);
  return g_inet_address_to_string (ia);
}

static int
ip_compare (const IpAddr *a, const IpAddr *b)
{
  return memcmp (a->bytes, b->bytes, a->v6 ? 16 : 4);
}

static gboolean
ip_same_prefix (const IpAddr *a, const IpAddr *b, guint prefix)
{
  for (guint i = 0; i < prefix; i++) {
    guint8 mask = (guint8) (0x80 >> (i % 8));
    if ((a->bytes[i / 8] & mask) != (b->bytes[i / 8] & mask))
      return FALSE;
  }
  return TRUE;
}

/* Reads an IP-address attribute into its canonical text form; @required
 * makes absence an error. */
static gboolean
read_ip_attr (xmlNode *node, const char *attr, gboolean required, const char *ctx,
              IpAddr *out, char **text, GError **error)
{
  g_autofree char *v = vb_xml_prop (node, attr);

  *text = NULL;
  if (v == NULL) {
    if (required)
      return config_error (error, "%s: missing attribute '%s'", ctx, attr);
    return TRUE;
  }
  if (!ip_parse (v, out))
    return config_error (error, "%s: invalid IP address '%s' in attribute '%s'", ctx, v, attr);
  *text = ip_format (out);
  return TRUE;
}

static int
netmask_prefix (const IpAddr *mask)
{
  guint bits = 0;
  gboolean seen_zero = FALSE;

  for (guint i = 0; i < 32; i++) {
    gboolean one = (mask->bytes[i / 8] & (0x80 >> (i % 8))) != 0;
    if (one && seen_zero)
      return -1;
    if (one)
      bits++;
    else
      seen_zero = TRUE;
  }
  return (int) bits;
}

/* The prefix libvirt assumes when neither netmask nor prefix is given:
 * classful for IPv4, /64 for IPv6. */
static int
ip_effective_prefix (const VbNetworkIp *ip)
{
  IpAddr a, m;

  if (!ip_parse (ip->address, &a))
    return -1;
  if (ip->prefix_set)
    return (int) ip->prefix;
  if (ip->netmask && ip_parse (ip->netmask, &m))
    return netmask_prefix (&m);
  if (a.v6)
    return 64;
  if (a.bytes[0] < 128)
    return 8;
  if (a.bytes[0] < 192)
    return 16;
  if (a.bytes[0] < 224)
    return 24;
  return -1;
}

gboolean
vb_network_ip_is_ipv6 (const VbNetworkIp *ip)
{
  IpAddr a;

  return ip_parse (ip->address, &a) && a.v6;
}

/* Parsing ----------------------------------------------------------------- */

static gboolean
parse_lease (xmlNode *parent, const char *ctx, VbDhcpLease *lease, GError **error)
{
  static const char *const units[] = { "seconds", "minutes", "hours", NULL };
  static const guint64 factor[] = { 60, 1, 60, 3600 };
  xmlNode *node = vb_xml_child (parent, "lease");
  gboolean present = FALSE;
  int unit = 0;

  if (node == NULL)
    return TRUE;
  if (!vb_xml_prop_uint (node, "expiry", 10, G_MAXUINT64, &lease->expiry, &present, error))
    return FALSE;
  if (!present)
    return config_error (error, "%s <lease>: missing attribute 'expiry'", ctx);
  if (!vb_xml_prop_enum (node, "unit", units, &unit, error))
    return FALSE;
  lease->unit = (VbLeaseUnit) unit;
  /* dnsmasq takes seconds in an unsigned 32-bit value */
  if (lease->expiry > G_MAXUINT32 / factor[unit])
    return config_error (error, "%s <lease>: expiry %" G_GUINT64_FORMAT " is too large", ctx,
                         lease->expiry);
  lease->set = TRUE;
  return TRUE;
}

static VbDhcpRange *
parse_range (xmlNode *node, const VbNetworkIp *ip, GError **error)
{
  g_autoptr(VbDhcpRange) r = g_new0 (VbDhcpRange, 1);
  IpAddr start, end, net;
  int prefix = ip_effective_prefix (ip);

  if (!read_ip_attr (node, "start", TRUE, "<dhcp><range>", &start, &r->start, error) ||
      !read_ip_attr (node, "end", TRUE, "<dhcp><range>", &end, &r->end, error))
    return NULL;
  if (!ip_parse (ip->address, &net) || start.v6 != net.v6 || end.v6 != net.v6) {
    config_error (error, "<dhcp><range start='%s' end='%s'>: addresses must be of the family of <ip address='%s'>",
                  r->start, r->end, ip->address);
    return NULL;
  }
  if (ip_compare (&start, &end) > 0) {
    config_error (error, "<dhcp><range>: start '%s' is after end '%s'", r->start, r->end);
    return NULL;
  }
  if (prefix >= 0 && (!ip_same_prefix (&start, &net, (guint) prefix) ||
                      !ip_same_prefix (&end, &net, (guint) prefix))) {
    config_error (error, "<dhcp><range start='%s' end='%s'>: not within network %s/%d",
                  r->start, r->end, ip->address, prefix);
    return NULL;
  }
  if (!parse_lease (node, "<dhcp><range>", &r->lease, error))
    return NULL;
  return g_steal_pointer (&r);
}

static VbDhcpHost *
parse_dhcp_host (xmlNode *node, const VbNetworkIp *ip, GError **error)
{
  g_autoptr(VbDhcpHost) h = g_new0 (VbDhcpHost, 1);
  g_autofree char *mac = vb_xml_prop (node, "mac");
  gboolean v6 = vb_network_ip_is_ipv6 (ip);
  IpAddr a;

  h->id = vb_xml_prop (node, "id");
  h->name = vb_xml_prop (node, "name");
  if (mac != NULL) {
    VbMac m;
    char buf[18];

    if (v6) {
      config_error (error, "<dhcp><host mac='%s'>: a MAC is not allowed in an IPv6 static host; use 'id'", mac);
      return NULL;
    }
    if (!vb_mac_parse (mac, &m, NULL)) {
      config_error (error, "<dhcp><host>: invalid MAC address '%s'", mac);
      return NULL;
    }
    if (vb_mac_is_multicast (&m)) {
      config_error (error, "<dhcp><host>: MAC address '%s' is multicast", mac);
      return NULL;
    }
    vb_mac_format (&m, buf);
    h->mac = g_strdup (buf);
  }
  if (h->name != NULL && *h->name == '\0') {
    config_error (error, "<dhcp><host>: attribute 'name' is empty");
    return NULL;
  }
  if (!v6 && h->mac == NULL && h->name == NULL) {
    config_error (error, "<dhcp><host>: an IPv4 static host needs 'mac' or 'name'");
    return NULL;
  }
  if (v6 && h->id == NULL && h->name == NULL) {
    config_error (error, "<dhcp><host>: an IPv6 static host needs 'id' or 'name'");
    return NULL;
  }
  if (!read_ip_attr (node, "ip", TRUE, "<dhcp><host>", &a, &h->ip, error))
    return NULL;
  if (a.v6 != v6) {
    config_error (error, "<dhcp><host ip='%s'>: address family differs from <ip address='%s'>",
                  h->ip, ip->address);
    return NULL;
  }
  if (!parse_lease (node, "<dhcp><host>", &h->lease, error))
    return NULL;
  return g_steal_pointer (&h);
}

static VbNetworkIp *
parse_ip (xmlNode *node, GError **error)
{
  g_autoptr(VbNetworkIp) ip = g_new0 (VbNetworkIp, 1);
  IpAddr a, m;
  guint64 prefix = 0;
  xmlNode *dhcp;

  ip->ranges = g_ptr_array_new_with_free_func (range_free);
  ip->hosts = g_ptr_array_new_with_free_func (host_free);
  ip->options = g_ptr_array_new_with_free_func (option_free);
  ip->family = vb_xml_prop (node, "family");
  if (ip->family && strcmp (ip->family, "ipv4") != 0 && strcmp (ip->family, "ipv6") != 0) {
    config_error (error, "<ip>: unknown family '%s': expected 'ipv4' or 'ipv6'", ip->family);
    return NULL;
  }
  if (!read_ip_attr (node, "address", TRUE, "<ip>", &a, &ip->address, error))
    return NULL;
  if (ip->family && a.v6 != (strcmp (ip->family, "ipv6") == 0)) {
    config_error (error, "<ip address='%s'>: address does not match family '%s'", ip->address, ip->family);
    return NULL;
  }
  if (!read_ip_attr (node, "netmask", FALSE, "<ip>", &m, &ip->netmask, error) ||
      !vb_xml_prop_uint (node, "prefix", 10, a.v6 ? 128 : 32, &prefix, &ip->prefix_set, error))
    return NULL;
  ip->prefix = (guint) prefix;
  if (ip->netmask) {
    if (ip->prefix_set) {
      config_error (error, "<ip address='%s'>: 'netmask' and 'prefix' are mutually exclusive", ip->address);
      return NULL;
    }
    if (a.v6 || m.v6) {
      config_error (error, "<ip address='%s'>: 'netmask' is only for IPv4; use 'prefix'", ip->address);
      return NULL;
    }
    if (netmask_prefix (&m) < 0) {
      config_error (error, "<ip address='%s'>: netmask '%s' is not contiguous", ip->address, ip->netmask);
      return NULL;
    }
  }
  if (ip_effective_prefix (ip) < 0) {
    config_error (error, "<ip address='%s'>: needs a 'netmask' or 'prefix' (no default for this address class)",
                  ip->address);
    return NULL;
  }
  if (!vb_xml_prop_yesno (node, "localPtr", &ip->local_ptr, error))
    return NULL;

  if (vb_xml_child (node, "tftp") != NULL) {
    if (a.v6) {
      config_error (error, "<ip address='%s'>: <tftp> is only supported for IPv4", ip->address);
      return NULL;
    }
    ip->tftp_root = vb_xml_prop (vb_xml_child (node, "tftp"), "root");
    if (ip->tftp_root == NULL) {
      config_error (error, "<tftp>: missing attribute 'root'");
      return NULL;
    }
  }

  if (vb_xml_count_children (node, "dhcp") > 1) {
    config_error (error, "<ip address='%s'>: only one <dhcp> element is allowed", ip->address);
    return NULL;
  }
  dhcp = vb_xml_child (node, "dhcp");
  if (dhcp != NULL) {
    xmlNode *bootp = vb_xml_child (dhcp, "bootp");

    ip->has_dhcp = TRUE;
    for (xmlNode *c = vb_xml_child (dhcp, "range"); c; c = vb_xml_next (c, "range")) {
      VbDhcpRange *r = parse_range (c, ip, error);
      if (r == NULL)
        return NULL;
      g_ptr_array_add (ip->ranges, r);
    }
    for (xmlNode *c = vb_xml_child (dhcp, "host"); c; c = vb_xml_next (c, "host")) {
      VbDhcpHost *h = parse_dhcp_host (c, ip, error);
      if (h == NULL)
        return NULL;
      g_ptr_array_add (ip->hosts, h);
    }
    if (bootp != NULL) {
      if (a.v6) {
        config_error (error, "<ip address='%s'>: <bootp> is only supported for IPv4", ip->address);
        return NULL;
      }
      ip->bootp_file = vb_xml_prop (bootp, "file");
      ip->bootp_server = vb_xml_prop (bootp, "server");
      if (ip->bootp_file == NULL || *ip->bootp_file == '\0') {
        config_error (error, "<bootp>: missing attribute 'file'");
        return NULL;
      }
    }
    for (xmlNode *c = vb_xml_child (dhcp, "option"); c; c = vb_xml_next (c, "option")) {
      g_autofree VbDhcpOption *o = g_new0 (VbDhcpOption, 1);
      guint64 number = 0;
      gboolean present = FALSE;

      if (!vb_xml_prop_uint (c, "number", 10, 255, &number, &present, error))
        return NULL;
      if (!present) {
        config_error (error, "<dhcp><option>: missing attribute 'number'");
        return NULL;
      }
      o->number = (guint) number;
      o->value = vb_xml_prop (c, "value");
      g_ptr_array_add (ip->options, g_steal_pointer (&o));
    }
  }
  return g_steal_pointer (&ip);
}

static VbNetworkRoute *
parse_route (xmlNode *node, GError **error)
{
  g_autoptr(VbNetworkRoute) r = g_new0 (VbNetworkRoute, 1);
  IpAddr a, g, m;
  guint64 v = 0;

  r->family = vb_xml_prop (node, "family");
  if (r->family && strcmp (r->family, "ipv4") != 0 && strcmp (r->family, "ipv6") != 0) {
    config_error (error, "<route>: unknown family '%s'", r->family);
    return NULL;
  }
  if (!read_ip_attr (node, "address", TRUE, "<route>", &a, &r->address, error) ||
      !read_ip_attr (node, "gateway", TRUE, "<route>", &g, &r->gateway, error) ||
      !read_ip_attr (node, "netmask", FALSE, "<route>", &m, &r->netmask, error))
    return NULL;
  if (!vb_xml_prop_uint (node, "prefix", 10, a.v6 ? 128 : 32, &v, &r->prefix_set, error))
    return NULL;
  r->prefix = (guint) v;
  if (!vb_xml_prop_uint (node, "metric", 10, G_MAXUINT32, &v, &r->metric_set, error))
    return NULL;
  r->metric = (guint) v;
  if (a.v6 != g.v6) {
    config_error (error, "<route address='%s' gateway='%s'>: address and gateway differ in family",
                  r->address, r->gateway);
    return NULL;
  }
  if (r->family && a.v6 != (strcmp (r->family, "ipv6") == 0)) {
    config_error (error, "<route address='%s'>: address does not match family '%s'", r->address, r->family);
    return NULL;
  }
  if (r->netmask && (r->prefix_set || a.v6 || netmask_prefix (&m) < 0)) {
    config_error (error, "<route address='%s'>: invalid 'netmask' (IPv4 only, contiguous, not with 'prefix')",
                  r->address);
    return NULL;
  }
  return g_steal_pointer (&r);
}

static VbNetworkPortGroup *
parse_portgroup (xmlNode *node, GError **error)
{
  g_autoptr(VbNetworkPortGroup) pg = g_new0 (VbNetworkPortGroup, 1);
  xmlNode *c;

  pg->name = vb_xml_prop (node, "name");
  if (pg->name == NULL) {
    config_error (error, "<portgroup>: missing attribute 'name'");
    return NULL;
  }
  if (!vb_name_validate (pg->name, "portgroup name", error) ||
      !vb_xml_prop_yesno (node, "default", &pg->is_default, error) ||
      !vb_xml_prop_yesno (node, "trustGuestRxFilters", &pg->trust_guest_rx_filters, error))
    return NULL;
  if ((c = vb_xml_child (node, "virtualport")) && !(pg->virtualport = vb_virtualport_parse (c, error)))
    return NULL;
  if ((c = vb_xml_child (node, "bandwidth")) && !(pg->bandwidth = vb_bandwidth_parse (c, error)))
    return NULL;
  if ((c = vb_xml_child (node, "vlan")) && !(pg->vlan = vb_vlan_parse (c, error)))
    return NULL;
  return g_steal_pointer (&pg);
}

static VbDnsHost *
parse_dns_host (xmlNode *node, GError **error)
{
  g_autoptr(VbDnsHost) h = g_new0 (VbDnsHost, 1);
  IpAddr a;

  h->hostnames = g_ptr_array_new_with_free_func (g_free);
  if (!read_ip_attr (node, "ip", TRUE, "<dns><host>", &a, &h->ip, error))
    return NULL;
  for (xmlNode *c = vb_xml_child (node, "hostname"); c; c = vb_xml_next (c, "hostname")) {
    g_autofree char *name = g_strstrip (vb_xml_text (c));
    if (*name == '\0') {
      config_error (error, "<dns><host ip='%s'>: empty <hostname>", h->ip);
      return NULL;
    }
    g_ptr_array_add (h->hostnames, g_steal_pointer (&name));
  }
  if (h->hostnames->len == 0) {
    config_error (error, "<dns><host ip='%s'>: needs at least one <hostname>", h->ip);
    return NULL;
  }
  return g_steal_pointer (&h);
}

static VbDnsTxt *
parse_txt (xmlNode *node, GError **error)
{
  g_autoptr(VbDnsTxt) t = g_new0 (VbDnsTxt, 1);

  t->name = vb_xml_prop (node, "name");
  t->value = vb_xml_prop (node, "value");
  if (t->name == NULL || *t->name == '\0') {
    config_error (error, "<dns><txt>: missing attribute 'name'");
    return NULL;
  }
  if (strchr (t->name, ' ') != NULL) {
    config_error (error, "<dns><txt name='%s'>: the name cannot contain spaces", t->name);
    return NULL;
  }
  if (t->value == NULL) {
    config_error (error, "<dns><txt name='%s'>: missing attribute 'value'", t->name);
    return NULL;
  }
  return g_steal_pointer (&t);
}

static VbDnsSrv *
parse_srv (xmlNode *node, GError **error)
{
  g_autoptr(VbDnsSrv) s = g_new0 (VbDnsSrv, 1);
  guint64 v = 0;

  s->service = vb_xml_prop (node, "service");
  s->protocol = vb_xml_prop (node, "protocol");
  s->domain = vb_xml_prop (node, "domain");
  s->target = vb_xml_prop (node, "target");
  if (s->service == NULL || *s->service == '\0') {
    config_error (error, "<dns><srv>: missing attribute 'service'");
    return NULL;
  }
  /* dnsmasq builds "_service._protocol.domain"; libvirt caps service at 15 */
  if (strlen (s->service) > 15) {
    config_error (error, "<dns><srv service='%s'>: service name longer than 15 characters", s->service);
    return NULL;
  }
  if (s->protocol == NULL || (strcmp (s->protocol, "tcp") != 0 && strcmp (s->protocol, "udp") != 0)) {
    config_error (error, "<dns><srv service='%s'>: attribute 'protocol' must be 'tcp' or 'udp'", s->service);
    return NULL;
  }
  if (!vb_xml_prop_uint (node, "port", 10, 65535, &v, &s->port_set, error))
    return NULL;
  s->port = (guint) v;
  if (!vb_xml_prop_uint (node, "priority", 10, 65535, &v, &s->priority_set, error))
    return NULL;
  s->priority = (guint) v;
  if (!vb_xml_prop_uint (node, "weight", 10, 65535, &v, &s->weight_set, error))
    return NULL;
  s->weight = (guint) v;
  if ((s->port_set || s->priority_set || s->weight_set) && s->target == NULL) {
    config_error (error, "<dns><srv service='%s'>: 'port', 'priority' and 'weight' need a 'target'",
                  s->service);
    return NULL;
  }
  return g_steal_pointer (&s);
}

static gboolean
parse_dns (xmlNode *node, VbNetworkDns *dns, GError **error)
{
  if (!vb_xml_prop_yesno (node, "enable", &dns->enable, error) ||
      !vb_xml_prop_yesno (node, "forwardPlainNames", &dns->forward_plain_names, error))
    return FALSE;
  for (xmlNode *c = vb_xml_child (node, "forwarder"); c; c = vb_xml_next (c, "forwarder")) {
    VbDnsForwarder *f = g_new0 (VbDnsForwarder, 1);
    IpAddr a;

    g_ptr_array_add (dns->forwarders, f);
    if (!read_ip_attr (c, "addr", FALSE, "<dns><forwarder>", &a, &f->addr, error))
      return FALSE;
    f->domain = vb_xml_prop (c, "domain");
    if (f->addr == NULL && f->domain == NULL)
      return config_error (error, "<dns><forwarder>: needs 'addr', 'domain' or both");
  }
  for (xmlNode *c = vb_xml_child (node, "txt"); c; c = vb_xml_next (c, "txt")) {
    VbDnsTxt *t = parse_txt (c, error);
    if (t == NULL)
      return FALSE;
    g_ptr_array_add (dns->txts, t);
  }
  for (xmlNode *c = vb_xml_child (node, "srv"); c; c = vb_xml_next (c, "srv")) {
    VbDnsSrv *s = parse_srv (c, error);
    if (s == NULL)
      return FALSE;
    g_ptr_array_add (dns->srvs, s);
  }
  for (xmlNode *c = vb_xml_child (node, "host"); c; c = vb_xml_next (c, "host")) {
    VbDnsHost *h = parse_dns_host (c, error);
    if (h == NULL)
      return FALSE;
    g_ptr_array_add (dns->hosts, h);
  }
  if (dns->enable == VB_TRISTATE_NO &&
      (dns->forwarders->len || dns->txts->len || dns->srvs->len || dns->hosts->len ||
       dns->forward_plain_names != VB_TRISTATE_ABSENT))
    return config_error (error, "<dns enable='no'> cannot have other DNS settings");
  return TRUE;
}

static VbNetworkForwardIface *
parse_forward_iface (xmlNode *node, guint flags, GError **error)
{
  g_autoptr(VbNetworkForwardIface) f = g_new0 (VbNetworkForwardIface, 1);
  guint64 conns = 0;

  f->type = VB_NETWORK_POOL_NETDEV;
  f->dev = vb_xml_prop (node, "dev");
  if (f->dev == NULL || *f->dev == '\0') {
    config_error (error, "<forward><interface>: missing attribute 'dev'");
    return NULL;
  }
  if ((flags & VB_NETWORK_PARSE_STATUS) &&
      !vb_xml_prop_uint (node, "connections", 10, G_MAXUINT32, &conns, NULL, error))
    return NULL;
  f->connections = (guint) conns;
  return g_steal_pointer (&f);
}

static VbNetworkForwardIface *
parse_forward_address (xmlNode *node, guint flags, GError **error)
{
  g_autofree char *type = vb_xml_prop (node, "type");
  g_autofree VbNetworkForwardIface *f = g_new0 (VbNetworkForwardIface, 1);
  guint64 v[4] = { 0, 0, 0, 0 };
  static const char *const names[] = { "domain", "bus", "slot", "function" };
  static const guint64 max[] = { 0xffff, 0xff, 0x1f, 7 };
  guint64 conns = 0;

  if (g_strcmp0 (type, "pci") != 0) {
    config_error (error, "<forward><address>: attribute 'type' must be 'pci'");
    return NULL;
  }
  for (guint i = 0; i < 4; i++) {
    gboolean present = FALSE;
    if (!vb_xml_prop_uint (node, names[i], 0, max[i], &v[i], &present, error))
      return NULL;
    if (!present && i != 0) {
      config_error (error, "<forward><address>: missing attribute '%s'", names[i]);
      return NULL;
    }
  }
  if ((flags & VB_NETWORK_PARSE_STATUS) &&
      !vb_xml_prop_uint (node, "connections", 10, G_MAXUINT32, &conns, NULL, error))
    return NULL;
  f->type = VB_NETWORK_POOL_PCI;
  f->pci.domain = (guint) v[0];
  f->pci.bus = (guint) v[1];
  f->pci.slot = (guint) v[2];
  f->pci.function = (guint) v[3];
  f->connections = (guint) conns;
  return g_steal_pointer (&f);
}

char *
vb_network_forward_iface_key (const VbNetworkForwardIface *iface)
{
  if (iface->type == VB_NETWORK_POOL_NETDEV)
    return g_strdup (iface->dev);
  return g_strdup_printf ("%04x:%02x:%02x.%x", iface->pci.domain, iface->pci.bus,
                          iface->pci.slot, iface->pci.function);
}

static gboolean
parse_nat (xmlNode *nat, VbNetworkDef *def, GError **error)
{
  xmlNode *addr = vb_xml_child (nat, "address");
  xmlNode *port = vb_xml_child (nat, "port");

  if (!vb_xml_prop_yesno (nat, "ipv6", &def->nat_ipv6, error))
    return FALSE;
  if (vb_xml_count_children (nat, "address") > 1 || vb_xml_count_children (nat, "port") > 1)
    return config_error (error, "<forward><nat>: only one <address> and one <port> are allowed");
  if (addr != NULL) {
    IpAddr s, e;

    if (!read_ip_attr (addr, "start", TRUE, "<nat><address>", &s, &def->nat_addr_start, error) ||
        !read_ip_attr (addr, "end", TRUE, "<nat><address>", &e, &def->nat_addr_end, error))
      return FALSE;
    if (s.v6 || e.v6)
      return config_error (error, "<nat><address>: only IPv4 addresses are supported");
    if (ip_compare (&s, &e) > 0)
      return config_error (error, "<nat><address>: start '%s' is after end '%s'",
                           def->nat_addr_start, def->nat_addr_end);
  }
  if (port != NULL) {
    guint64 s = 0, e = 0;
    gboolean has_s = FALSE, has_e = FALSE;

    if (!vb_xml_prop_uint (port, "start", 10, 65535, &s, &has_s, error) ||
        !vb_xml_prop_uint (port, "end", 10, 65535, &e, &has_e, error))
      return FALSE;
    if (!has_s || !has_e)
      return config_error (error, "<nat><port>: needs both 'start' and 'end'");
    if (s > e)
      return config_error (error, "<nat><port>: start %u is after end %u", (guint) s, (guint) e);
    def->nat_port_start = (guint) s;
    def->nat_port_end = (guint) e;
  }
  return TRUE;
}

static gboolean
parse_forward (xmlNode *fwd, guint flags, VbNetworkDef *def, GError **error)
{
  static const char *const driver_names[] = { "kvm", "vfio", NULL };
  g_autofree char *dev = vb_xml_prop (fwd, "dev");
  xmlNode *driver = vb_xml_child (fwd, "driver");
  guint n_pf = vb_xml_count_children (fwd, "pf");
  guint n_if = vb_xml_count_children (fwd, "interface");
  guint n_addr = vb_xml_count_children (fwd, "address");
  int mode = 0;

  if (!vb_xml_prop_enum (fwd, "mode", forward_modes, &mode, error) ||
      !vb_xml_prop_yesno (fwd, "managed", &def->forward_managed, error))
    return FALSE;
  def->forward_mode = mode ? (VbNetworkForwardMode) mode : VB_NETWORK_FORWARD_NAT;

  if (driver != NULL) {
    int name = 0;

    if (!vb_xml_prop_enum (driver, "name", driver_names, &name, error))
      return FALSE;
    def->forward_driver_name = name ? g_strdup (driver_names[name - 1]) : NULL;
    def->forward_driver_model = vb_xml_prop (driver, "model");
  }

  if (n_pf > 1)
    return config_error (error, "<forward>: only one <pf> element is allowed");
  if (n_pf == 1) {
    def->forward_pf = vb_xml_prop (vb_xml_child (fwd, "pf"), "dev");
    if (def->forward_pf == NULL || *def->forward_pf == '\0')
      return config_error (error, "<forward><pf>: missing attribute 'dev'");
  }
  /* a <pf> next to members is legal to parse: a running <pf> pool is
   * written out with the VFs it expanded to (validate refuses it in a
   * definition); PCI and netdev members never mix */
  if (n_addr > 0 && (n_if > 0 || dev != NULL))
    return config_error (error, "<forward>: <address> cannot be combined with <interface> or 'dev'");

  for (xmlNode *c = vb_xml_child (fwd, "address"); c; c = vb_xml_next (c, "address")) {
    VbNetworkForwardIface *f = parse_forward_address (c, flags, error);
    if (f == NULL)
      return FALSE;
    g_ptr_array_add (def->forward_ifaces, f);
  }
  for (xmlNode *c = vb_xml_child (fwd, "interface"); c; c = vb_xml_next (c, "interface")) {
    VbNetworkForwardIface *f = parse_forward_iface (c, flags, error);
    if (f == NULL)
      return FALSE;
    g_ptr_array_add (def->forward_ifaces, f);
  }
  /* forward@dev and the first <interface> are the same thing written twice;
   * keep one pool entry and insist they agree */
  if (dev != NULL) {
    if (*dev == '\0')
      return config_error (error, "<forward>: attribute 'dev' is empty");
    if (n_if > 0) {
      VbNetworkForwardIface *first = g_ptr_array_index (def->forward_ifaces, 0);
      if (strcmp (first->dev, dev) != 0)
        return config_error (error, "<forward dev='%s'> must match the first <interface dev='%s'>",
                             dev, first->dev);
    } else {
      VbNetworkForwardIface *f = g_new0 (VbNetworkForwardIface, 1);
      f->type = VB_NETWORK_POOL_NETDEV;
      f->dev = g_steal_pointer (&dev);
      g_ptr_array_add (def->forward_ifaces, f);
    }
  }
  if (def->forward_mode == VB_NETWORK_FORWARD_OPEN && def->forward_ifaces->len > 0)
    return config_error (error, "<forward mode='open'> cannot have a 'dev' or <interface>: an open network does no forwarding of its own");

  if (vb_xml_child (fwd, "nat") != NULL) {
    if (def->forward_mode != VB_NETWORK_FORWARD_NAT)
      return config_error (error, "<forward><nat> is only allowed with mode='nat'");
    if (vb_xml_count_children (fwd, "nat") > 1)
      return config_error (error, "<forward>: only one <nat> element is allowed");
    if (!parse_nat (vb_xml_child (fwd, "nat"), def, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_bridge (xmlNode *node, VbNetworkDef *def, GError **error)
{
  static const char *const mtm[] = { "kernel", "libvirt", NULL };
  gboolean present = FALSE;

  def->bridge_name = vb_xml_prop (node, "name");
  if (def->bridge_name != NULL && (*def->bridge_name == '\0' || strlen (def->bridge_name) > 15 ||
                                   strchr (def->bridge_name, '/') != NULL))
    return config_error (error, "<bridge>: invalid name '%s' (1-15 characters, no '/')", def->bridge_name);
  def->bridge_zone = vb_xml_prop (node, "zone");
  if (def->bridge_zone != NULL) {
    if (*def->bridge_zone == '\0')
      return config_error (error, "<bridge>: attribute 'zone' is empty");
    for (const char *p = def->bridge_zone; *p; p++)
      if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
        return config_error (error, "<bridge>: invalid zone '%s'", def->bridge_zone);
  }
  if (!vb_xml_prop_onoff (node, "stp", &def->stp, error) ||
      !vb_xml_prop_uint (node, "delay", 10, G_MAXINT64, &def->delay, &present, error) ||
      !vb_xml_prop_enum (node, "macTableManager", mtm, &def->mac_table_manager, error))
    return FALSE;
  return TRUE;
}

static gboolean
parse_dnsmasq (xmlNode *root, VbNetworkDef *def, GError **error)
{
  for (xmlNode *n = root->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || n->ns == NULL || n->ns->href == NULL ||
        strcmp ((const char *) n->ns->href, DNSMASQ_NS) != 0 ||
        strcmp ((const char *) n->name, "options") != 0)
      continue;
    for (xmlNode *o = n->children; o; o = o->next) {
      char *value;

      if (o->type != XML_ELEMENT_NODE || o->ns == NULL ||
          strcmp ((const char *) o->ns->href, DNSMASQ_NS) != 0 ||
          strcmp ((const char *) o->name, "option") != 0)
        continue;
      value = vb_xml_prop (o, "value");
      if (value == NULL)
        return config_error (error, "<dnsmasq:option>: missing attribute 'value'");
      g_ptr_array_add (def->dnsmasq_options, value);
    }
  }
  return TRUE;
}

/* Drops whitespace-only text between elements so the metadata is written
 * with canonical indentation, whatever the input's; otherwise every
 * format → parse round adds another level of indentation. */
static void
strip_blank_text (xmlNode *node)
{
  xmlNode *next;

  for (xmlNode *c = node->children; c; c = next) {
    next = c->next;
    if (c->type == XML_TEXT_NODE && xmlIsBlankNode (c)) {
      xmlUnlinkNode (c);
      xmlFreeNode (c);
    } else if (c->type == XML_ELEMENT_NODE) {
      strip_blank_text (c);
    }
  }
}

static void
replace_ns (xmlNode *node, xmlNs *from, xmlNs *to)
{
  if (node->ns == from)
    node->ns = to;
  for (xmlAttr *a = node->properties; a; a = a->next)
    if (a->ns == from)
      a->ns = to;
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      replace_ns (c, from, to);
}

/* Drops namespace declarations that repeat one already in scope, as the
 * parser's NSCLEAN does on the next read; without it the first format of
 * such metadata differs from every later one. */
static void
clean_redundant_ns (xmlNode *node)
{
  xmlNs **link = &node->nsDef;

  while (node->parent && node->parent->type == XML_ELEMENT_NODE && *link) {
    xmlNs *ns = *link;
    xmlNs *outer = xmlSearchNs (node->doc, node->parent, ns->prefix);

    if (outer != NULL && outer->href && ns->href &&
        xmlStrEqual (outer->href, ns->href)) {
      replace_ns (node, ns, outer);
      *link = ns->next;
      ns->next = NULL;
      xmlFreeNs (ns);
    } else {
      link = &ns->next;
    }
  }
  for (xmlNode *c = node->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      clean_redundant_ns (c);
}

static VbNetworkDef *
parse_root (xmlNode *root, guint flags, GError **error)
{
  g_autoptr(VbNetworkDef) def = network_def_new ();
  g_autofree char *uuid = NULL;
  xmlNode *c;

  if ((flags & VB_NETWORK_PARSE_STATUS)) {
    guint64 conns = 0;
    if (!vb_xml_prop_uint (root, "connections", 10, G_MAXUINT32, &conns, NULL, error))
      return NULL;
    def->connections = (guint) conns;
  }
  if (!vb_xml_prop_yesno (root, "ipv6", &def->ipv6, error) ||
      !vb_xml_prop_yesno (root, "trustGuestRxFilters", &def->trust_guest_rx_filters, error))
    return NULL;

  if (vb_xml_child (root, "name") == NULL) {
    config_error (error, "<network>: missing <name>");
    return NULL;
  }
  def->name = vb_xml_child_text (root, "name");
  if (!vb_name_validate (def->name, "network name", error))
    return NULL;

  uuid = vb_xml_child_text (root, "uuid");
  if (uuid != NULL) {
    if (!vb_uuid_parse (uuid, &def->uuid, NULL)) {
      config_error (error, "<uuid>: malformed UUID '%s'", uuid);
      return NULL;
    }
  } else {
    vb_uuid_generate (&def->uuid);
  }

  if ((c = vb_xml_child (root, "metadata")) != NULL) {
    def->metadata = vb_xml_opaque_copy (c);
    strip_blank_text (def->metadata);
    clean_redundant_ns (def->metadata);
  }

  if ((c = vb_xml_child (root, "forward")) != NULL && !parse_forward (c, flags, def, error))
    return NULL;
  if ((c = vb_xml_child (root, "bridge")) != NULL && !parse_bridge (c, def, error))
    return NULL;
  if (def->bridge_name != NULL && !mode_has_own_bridge (def->forward_mode) &&
      def->forward_mode != VB_NETWORK_FORWARD_BRIDGE) {
    config_error (error, "<bridge name='%s'> is not allowed with <forward mode='%s'>",
                  def->bridge_name, vb_network_forward_mode_to_string (def->forward_mode));
    return NULL;
  }
  if (def->forward_mode == VB_NETWORK_FORWARD_BRIDGE && def->bridge_name != NULL &&
      def->forward_ifaces->len > 0) {
    config_error (error, "<forward mode='bridge'> takes either <bridge name='%s'> or a forward device pool, not both",
                  def->bridge_name);
    return NULL;
  }

  if ((c = vb_xml_child (root, "mtu")) != NULL) {
    guint64 mtu = 0;
    gboolean present = FALSE;

    if (!vb_xml_prop_uint (c, "size", 10, 65535, &mtu, &present, error))
      return NULL;
    if (!present || mtu == 0) {
      config_error (error, "<mtu>: attribute 'size' must be a positive integer");
      return NULL;
    }
    def->mtu = (guint) mtu;
  }

  if ((c = vb_xml_child (root, "mac")) != NULL) {
    g_autofree char *mac = vb_xml_prop (c, "address");

    if (mac == NULL || !vb_mac_parse (mac, &def->mac, NULL)) {
      config_error (error, "<mac>: invalid or missing address '%s'", mac ? mac : "");
      return NULL;
    }
    if (vb_mac_is_multicast (&def->mac)) {
      config_error (error, "<mac address='%s'>: a bridge MAC cannot be multicast", mac);
      return NULL;
    }
    def->mac_set = TRUE;
  }

  if ((c = vb_xml_child (root, "domain")) != NULL) {
    def->domain_name = vb_xml_prop (c, "name");
    if (def->domain_name == NULL || *def->domain_name == '\0') {
      config_error (error, "<domain>: missing attribute 'name'");
      return NULL;
    }
    if (!vb_xml_prop_yesno (c, "localOnly", &def->domain_local_only, error))
      return NULL;
  }

  if ((c = vb_xml_child (root, "dns")) != NULL && !parse_dns (c, &def->dns, error))
    return NULL;

  if ((c = vb_xml_child (root, "virtualport")) != NULL &&
      (def->virtualport = vb_virtualport_parse (c, error)) == NULL)
    return NULL;

  for (c = vb_xml_child (root, "portgroup"); c; c = vb_xml_next (c, "portgroup")) {
    VbNetworkPortGroup *pg = parse_portgroup (c, error);
    if (pg == NULL)
      return NULL;
    g_ptr_array_add (def->portgroups, pg);
  }

  if ((c = vb_xml_child (root, "bandwidth")) != NULL) {
    if ((def->bandwidth = vb_bandwidth_parse (c, error)) == NULL)
      return NULL;
    /* a floor is a per-port guarantee; a network has nothing to guarantee it to */
    if (def->bandwidth->in && def->bandwidth->in->floor) {
      config_error (error, "<network><bandwidth><inbound>: attribute 'floor' is only allowed on portgroups and interfaces");
      return NULL;
    }
  }
  if ((c = vb_xml_child (root, "vlan")) != NULL && (def->vlan = vb_vlan_parse (c, error)) == NULL)
    return NULL;
  if ((c = vb_xml_child (root, "port")) != NULL &&
      !vb_xml_prop_yesno (c, "isolated", &def->port_isolated, error))
    return NULL;

  for (c = vb_xml_child (root, "ip"); c; c = vb_xml_next (c, "ip")) {
    VbNetworkIp *ip = parse_ip (c, error);
    if (ip == NULL)
      return NULL;
    g_ptr_array_add (def->ips, ip);
  }
  for (c = vb_xml_child (root, "route"); c; c = vb_xml_next (c, "route")) {
    VbNetworkRoute *r = parse_route (c, error);
    if (r == NULL)
      return NULL;
    g_ptr_array_add (def->routes, r);
  }
  if (!parse_dnsmasq (root, def, error))
    return NULL;

  if (!def->mac_set && mode_has_own_bridge (def->forward_mode) &&
      !(flags & VB_NETWORK_PARSE_NO_GENERATE_MAC)) {
    vb_mac_generate (&def->mac);
    def->mac_set = TRUE;
  }
  return g_steal_pointer (&def);
}

VbNetworkDef *
vb_network_def_parse (const char *xml, guint parse_flags, GError **error)
{
  g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "network", error);

  if (doc == NULL)
    return NULL;
  return parse_root (xmlDocGetRootElement (doc), parse_flags, error);
}

const VbNetworkPortGroup *
vb_network_def_find_portgroup (const VbNetworkDef *def, const char *name)
{
  for (guint i = 0; i < def->portgroups->len; i++) {
    const VbNetworkPortGroup *pg = g_ptr_array_index (def->portgroups, i);
    if (name ? strcmp (pg->name, name) == 0 : pg->is_default == VB_TRISTATE_YES)
      return pg;
  }
  return NULL;
}

/* Validation --------------------------------------------------------------- */

static gboolean
vlan_capable (const VbNetworkDef *def, const VbVirtualPort *vp)
{
  if (def->forward_mode == VB_NETWORK_FORWARD_HOSTDEV ||
      def->forward_mode == VB_NETWORK_FORWARD_PASSTHROUGH)
    return TRUE;
  return def->forward_mode == VB_NETWORK_FORWARD_BRIDGE && def->bridge_name != NULL &&
         vp != NULL && vp->type == VB_VIRTUALPORT_OPENVSWITCH;
}

gboolean
vb_network_def_validate (const VbNetworkDef *def, GError **error)
{
  const char *mode = vb_network_forward_mode_to_string (def->forward_mode);
  gboolean own_bridge = mode_has_own_bridge (def->forward_mode);
  gboolean bridge_with_name = def->forward_mode == VB_NETWORK_FORWARD_BRIDGE && def->bridge_name;
  const VbNetworkPortGroup *default_pg = NULL;
  gboolean have_v4_dhcp = FALSE, have_v6_dhcp = FALSE, have_tftp = FALSE;

  if (!own_bridge) {
    if (def->ips->len > 0)
      return config_error (error, "<ip> is not supported in network '%s' with <forward mode='%s'>: libvirt does not manage its addresses",
                           def->name, mode);
    if (def->dns.forwarders->len || def->dns.txts->len || def->dns.srvs->len || def->dns.hosts->len)
      return config_error (error, "<dns> records are not supported in network '%s' with <forward mode='%s'>",
                           def->name, mode);
    if (def->mac_set)
      return config_error (error, "<mac> is not supported in network '%s' with <forward mode='%s'>: there is no libvirt bridge",
                           def->name, mode);
    if (def->domain_name)
      return config_error (error, "<domain> is not supported in network '%s' with <forward mode='%s'>",
                           def->name, mode);
    if (def->bandwidth && !bridge_with_name)
      return config_error (error, "<bandwidth> is not supported in network '%s' with <forward mode='%s'>",
                           def->name, mode);
  }

  if (def->forward_pf && def->forward_ifaces->len > 0)
    return config_error (error, "<forward>: <pf> and <interface>/<address> are mutually exclusive in network '%s'",
                         def->name);
  for (guint i = 0; i < def->forward_ifaces->len; i++) {
    const VbNetworkForwardIface *f = g_ptr_array_index (def->forward_ifaces, i);

    if (f->type == VB_NETWORK_POOL_PCI && def->forward_mode != VB_NETWORK_FORWARD_HOSTDEV)
      return config_error (error, "<forward><address> is only supported with mode='hostdev', not mode='%s' (network '%s')",
                           mode, def->name);
    if (f->type == VB_NETWORK_POOL_NETDEV && def->forward_mode == VB_NETWORK_FORWARD_HOSTDEV)
      return config_error (error, "<forward mode='hostdev'> takes PCI <address> or <pf> members, not <interface dev='%s'> (network '%s')",
                           f->dev, def->name);
  }

  for (guint i = 0; i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    gboolean v6 = vb_network_ip_is_ipv6 (ip);

    if (ip->has_dhcp && (ip->ranges->len || ip->hosts->len || ip->bootp_file)) {
      if (v6 ? have_v6_dhcp : have_v4_dhcp)
        return config_error (error, "network '%s': <dhcp> is supported on only one %s <ip>",
                             def->name, v6 ? "IPv6" : "IPv4");
      if (v6)
        have_v6_dhcp = TRUE;
      else
        have_v4_dhcp = TRUE;
    }
    if (ip->tftp_root) {
      if (have_tftp)
        return config_error (error, "network '%s': <tftp> is supported on only one IPv4 <ip>", def->name);
      have_tftp = TRUE;
    }
  }

  for (guint i = 0; i < def->portgroups->len; i++) {
    const VbNetworkPortGroup *pg = g_ptr_array_index (def->portgroups, i);

    for (guint j = 0; j < i; j++) {
      const VbNetworkPortGroup *other = g_ptr_array_index (def->portgroups, j);
      if (strcmp (other->name, pg->name) == 0)
        return config_error (error, "network '%s': two <portgroup> elements are named '%s'",
                             def->name, pg->name);
    }
    if (pg->is_default == VB_TRISTATE_YES) {
      if (default_pg)
        return config_error (error, "network '%s': <portgroup> '%s' and '%s' are both default='yes'; only one may be",
                             def->name, default_pg->name, pg->name);
      default_pg = pg;
    }
    if (pg->vlan && !vlan_capable (def, pg->virtualport ? pg->virtualport : def->virtualport))
      return config_error (error, "network '%s': <portgroup name='%s'> has a <vlan>, which <forward mode='%s'> cannot apply (only hostdev, passthrough, or bridge with an openvswitch virtualport)",
                           def->name, pg->name, mode ? mode : "none");
    if (pg->bandwidth && def->forward_mode == VB_NETWORK_FORWARD_HOSTDEV)
      return config_error (error, "network '%s': <portgroup name='%s'> has a <bandwidth>, which is not supported with <forward mode='hostdev'>",
                           def->name, pg->name);
  }
  if (def->vlan && !vlan_capable (def, def->virtualport) && default_pg == NULL)
    return config_error (error, "network '%s': <vlan> is not supported with <forward mode='%s'> (only hostdev, passthrough, or bridge with an openvswitch virtualport)",
                         def->name, mode ? mode : "none");
  return TRUE;
}

/* Formatting --------------------------------------------------------------- */

static void
format_lease (const VbDhcpLease *lease, VbXmlWriter *w)
{
  static const char *const units[] = { "minutes", "seconds", "minutes", "hours" };

  if (!lease->set)
    return;
  vb_xml_start (w, "lease");
  vb_xml_attr_uint (w, "expiry", lease->expiry);
  if (lease->expiry != 0)
    vb_xml_attr (w, "unit", units[lease->unit]);
  vb_xml_end_empty (w);
}

static void
format_ip (const VbNetworkIp *ip, VbXmlWriter *w)
{
  vb_xml_start (w, "ip");
  vb_xml_attr (w, "family", ip->family);
  vb_xml_attr (w, "address", ip->address);
  vb_xml_attr (w, "netmask", ip->netmask);
  if (ip->prefix_set)
    vb_xml_attr_uint (w, "prefix", ip->prefix);
  vb_xml_attr (w, "localPtr", vb_tristate_yesno (ip->local_ptr));
  vb_xml_end_open (w);
  if (ip->tftp_root) {
    vb_xml_start (w, "tftp");
    vb_xml_attr (w, "root", ip->tftp_root);
    vb_xml_end_empty (w);
  }
  if (ip->ranges->len || ip->hosts->len || ip->bootp_file || ip->options->len) {
    vb_xml_start (w, "dhcp");
    vb_xml_end_open (w);
    for (guint i = 0; i < ip->ranges->len; i++) {
      const VbDhcpRange *r = g_ptr_array_index (ip->ranges, i);
      vb_xml_start (w, "range");
      vb_xml_attr (w, "start", r->start);
      vb_xml_attr (w, "end", r->end);
      if (r->lease.set) {
        vb_xml_end_open (w);
        format_lease (&r->lease, w);
        vb_xml_close (w);
      } else {
        vb_xml_end_empty (w);
      }
    }
    for (guint i = 0; i < ip->hosts->len; i++) {
      const VbDhcpHost *h = g_ptr_array_index (ip->hosts, i);
      vb_xml_start (w, "host");
      vb_xml_attr (w, "mac", h->mac);
      vb_xml_attr (w, "id", h->id);
      vb_xml_attr (w, "name", h->name);
      vb_xml_attr (w, "ip", h->ip);
      if (h->lease.set) {
        vb_xml_end_open (w);
        format_lease (&h->lease, w);
        vb_xml_close (w);
      } else {
        vb_xml_end_empty (w);
      }
    }
    if (ip->bootp_file) {
      vb_xml_start (w, "bootp");
      vb_xml_attr (w, "file", ip->bootp_file);
      vb_xml_attr (w, "server", ip->bootp_server);
      vb_xml_end_empty (w);
    }
    for (guint i = 0; i < ip->options->len; i++) {
      const VbDhcpOption *o = g_ptr_array_index (ip->options, i);
      vb_xml_start (w, "option");
      vb_xml_attr_uint (w, "number", o->number);
      vb_xml_attr (w, "value", o->value);
      vb_xml_end_empty (w);
    }
    vb_xml_close (w);
  }
  vb_xml_close (w);
}

static void
format_dns (const VbNetworkDns *dns, VbXmlWriter *w)
{
  gboolean has_children = dns->forwarders->len || dns->txts->len || dns->srvs->len || dns->hosts->len;

  if (!has_children && dns->enable == VB_TRISTATE_ABSENT &&
      dns->forward_plain_names == VB_TRISTATE_ABSENT)
    return;
  vb_xml_start (w, "dns");
  vb_xml_attr (w, "enable", vb_tristate_yesno (dns->enable));
  vb_xml_attr (w, "forwardPlainNames", vb_tristate_yesno (dns->forward_plain_names));
  if (!has_children) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  for (guint i = 0; i < dns->forwarders->len; i++) {
    const VbDnsForwarder *f = g_ptr_array_index (dns->forwarders, i);
    vb_xml_start (w, "forwarder");
    vb_xml_attr (w, "domain", f->domain);
    vb_xml_attr (w, "addr", f->addr);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; i < dns->txts->len; i++) {
    const VbDnsTxt *t = g_ptr_array_index (dns->txts, i);
    vb_xml_start (w, "txt");
    vb_xml_attr (w, "name", t->name);
    vb_xml_attr (w, "value", t->value);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; i < dns->srvs->len; i++) {
    const VbDnsSrv *s = g_ptr_array_index (dns->srvs, i);
    vb_xml_start (w, "srv");
    vb_xml_attr (w, "service", s->service);
    vb_xml_attr (w, "protocol", s->protocol);
    vb_xml_attr (w, "domain", s->domain);
    vb_xml_attr (w, "target", s->target);
    if (s->port_set)
      vb_xml_attr_uint (w, "port", s->port);
    if (s->priority_set)
      vb_xml_attr_uint (w, "priority", s->priority);
    if (s->weight_set)
      vb_xml_attr_uint (w, "weight", s->weight);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; i < dns->hosts->len; i++) {
    const VbDnsHost *h = g_ptr_array_index (dns->hosts, i);
    vb_xml_start (w, "host");
    vb_xml_attr (w, "ip", h->ip);
    vb_xml_end_open (w);
    for (guint j = 0; j < h->hostnames->len; j++)
      vb_xml_text_element (w, "hostname", g_ptr_array_index (h->hostnames, j));
    vb_xml_close (w);
  }
  vb_xml_close (w);
}

static void
format_portgroup (const VbNetworkPortGroup *pg, VbXmlWriter *w)
{
  vb_xml_start (w, "portgroup");
  vb_xml_attr (w, "name", pg->name);
  if (pg->is_default == VB_TRISTATE_YES)
    vb_xml_attr (w, "default", "yes");
  vb_xml_attr (w, "trustGuestRxFilters", vb_tristate_yesno (pg->trust_guest_rx_filters));
  if (!pg->vlan && !pg->virtualport && !pg->bandwidth) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  vb_vlan_format (pg->vlan, w);
  vb_virtualport_format (pg->virtualport, w);
  vb_bandwidth_format (pg->bandwidth, w);
  vb_xml_close (w);
}

static void
format_forward (const VbNetworkDef *def, guint flags, VbXmlWriter *w)
{
  gboolean inactive = (flags & VB_NETWORK_FORMAT_INACTIVE) != 0;
  /* a running <pf> pool lists the VFs it expanded to; the definition doesn't */
  gboolean show_pool = def->forward_ifaces->len > 0 && (def->forward_pf == NULL || !inactive);
  gboolean has_nat = def->nat_addr_start || def->nat_port_start || def->nat_port_end ||
                     def->nat_ipv6 != VB_TRISTATE_ABSENT;
  const VbNetworkForwardIface *first = def->forward_ifaces->len ? g_ptr_array_index (def->forward_ifaces, 0)
                                                                : NULL;

  vb_xml_start (w, "forward");
  if (show_pool && first->type == VB_NETWORK_POOL_NETDEV)
    vb_xml_attr (w, "dev", first->dev);
  vb_xml_attr (w, "mode", vb_network_forward_mode_to_string (def->forward_mode));
  if (def->forward_mode == VB_NETWORK_FORWARD_HOSTDEV)
    vb_xml_attr (w, "managed", def->forward_managed == VB_TRISTATE_YES ? "yes" : "no");
  if (!show_pool && !has_nat && !def->forward_pf && !def->forward_driver_name &&
      !def->forward_driver_model) {
    vb_xml_end_empty (w);
    return;
  }
  vb_xml_end_open (w);
  if (def->forward_driver_name || def->forward_driver_model) {
    vb_xml_start (w, "driver");
    vb_xml_attr (w, "name", def->forward_driver_name);
    vb_xml_attr (w, "model", def->forward_driver_model);
    vb_xml_end_empty (w);
  }
  if (has_nat) {
    vb_xml_start (w, "nat");
    vb_xml_attr (w, "ipv6", vb_tristate_yesno (def->nat_ipv6));
    if (!def->nat_addr_start && !def->nat_port_start && !def->nat_port_end) {
      vb_xml_end_empty (w);
    } else {
      vb_xml_end_open (w);
      if (def->nat_addr_start) {
        vb_xml_start (w, "address");
        vb_xml_attr (w, "start", def->nat_addr_start);
        vb_xml_attr (w, "end", def->nat_addr_end);
        vb_xml_end_empty (w);
      }
      if (def->nat_port_start || def->nat_port_end) {
        vb_xml_start (w, "port");
        vb_xml_attr_uint (w, "start", def->nat_port_start);
        vb_xml_attr_uint (w, "end", def->nat_port_end);
        vb_xml_end_empty (w);
      }
      vb_xml_close (w);
    }
  }
  if (def->forward_pf) {
    vb_xml_start (w, "pf");
    vb_xml_attr (w, "dev", def->forward_pf);
    vb_xml_end_empty (w);
  }
  for (guint i = 0; show_pool && i < def->forward_ifaces->len; i++) {
    const VbNetworkForwardIface *f = g_ptr_array_index (def->forward_ifaces, i);

    if (f->type == VB_NETWORK_POOL_NETDEV) {
      vb_xml_start (w, "interface");
      vb_xml_attr (w, "dev", f->dev);
    } else {
      vb_xml_start (w, "address");
      vb_xml_attr (w, "type", "pci");
      vb_xml_attr_printf (w, "domain", "0x%04x", f->pci.domain);
      vb_xml_attr_printf (w, "bus", "0x%02x", f->pci.bus);
      vb_xml_attr_printf (w, "slot", "0x%02x", f->pci.slot);
      vb_xml_attr_printf (w, "function", "0x%x", f->pci.function);
    }
    if (!inactive && f->connections > 0)
      vb_xml_attr_uint (w, "connections", f->connections);
    vb_xml_end_empty (w);
  }
  vb_xml_close (w);
}

char *
vb_network_def_format (const VbNetworkDef *def, guint format_flags)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  gboolean inactive = (format_flags & VB_NETWORK_FORMAT_INACTIVE) != 0;
  gboolean own_bridge = mode_has_own_bridge (def->forward_mode);
  char uuid[VB_UUID_STRING_LEN + 1];

  vb_xml_start (w, "network");
  if (def->dnsmasq_options->len > 0)
    vb_xml_attr (w, "xmlns:dnsmasq", DNSMASQ_NS);
  if (!inactive && def->connections > 0)
    vb_xml_attr_uint (w, "connections", def->connections);
  if (def->ipv6 == VB_TRISTATE_YES)
    vb_xml_attr (w, "ipv6", "yes");
  vb_xml_attr (w, "trustGuestRxFilters", vb_tristate_yesno (def->trust_guest_rx_filters));
  vb_xml_end_open (w);

  vb_xml_text_element (w, "name", def->name);
  vb_uuid_format (&def->uuid, uuid);
  vb_xml_text_element (w, "uuid", uuid);
  if (def->metadata) {
    gboolean any = FALSE;

    for (xmlNode *c = def->metadata->children; c; c = c->next)
      any = any || c->type == XML_ELEMENT_NODE;
    vb_xml_start (w, "metadata");
    if (!any) {
      vb_xml_end_empty (w);
    } else {
      vb_xml_end_open (w);
      for (xmlNode *c = def->metadata->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
          vb_xml_write_node_dump (w, c);
      vb_xml_close (w);
    }
  }
  if (def->forward_mode != VB_NETWORK_FORWARD_NONE)
    format_forward (def, format_flags, w);

  if (own_bridge || def->bridge_name || def->mac_table_manager || def->bridge_zone) {
    vb_xml_start (w, "bridge");
    vb_xml_attr (w, "name", def->bridge_name);
    vb_xml_attr (w, "zone", def->bridge_zone);
    if (own_bridge) {
      vb_xml_attr (w, "stp", def->stp == VB_TRISTATE_NO ? "off" : "on");
      vb_xml_attr_uint (w, "delay", def->delay);
    }
    if (def->mac_table_manager)
      vb_xml_attr (w, "macTableManager", def->mac_table_manager == 1 ? "kernel" : "libvirt");
    vb_xml_end_empty (w);
  }
  if (def->mtu) {
    vb_xml_start (w, "mtu");
    vb_xml_attr_uint (w, "size", def->mtu);
    vb_xml_end_empty (w);
  }
  if (def->mac_set) {
    char mac[18];

    vb_mac_format (&def->mac, mac);
    vb_xml_start (w, "mac");
    vb_xml_attr (w, "address", mac);
    vb_xml_end_empty (w);
  }
  if (def->domain_name) {
    vb_xml_start (w, "domain");
    vb_xml_attr (w, "name", def->domain_name);
    vb_xml_attr (w, "localOnly", vb_tristate_yesno (def->domain_local_only));
    vb_xml_end_empty (w);
  }
  format_dns (&def->dns, w);
  vb_vlan_format (def->vlan, w);
  vb_bandwidth_format (def->bandwidth, w);
  if (def->port_isolated != VB_TRISTATE_ABSENT) {
    vb_xml_start (w, "port");
    vb_xml_attr (w, "isolated", vb_tristate_yesno (def->port_isolated));
    vb_xml_end_empty (w);
  }
  for (guint i = 0; i < def->ips->len; i++)
    format_ip (g_ptr_array_index (def->ips, i), w);
  for (guint i = 0; i < def->routes->len; i++) {
    const VbNetworkRoute *r = g_ptr_array_index (def->routes, i);
    vb_xml_start (w, "route");
    vb_xml_attr (w, "family", r->family);
    vb_xml_attr (w, "address", r->address);
    vb_xml_attr (w, "netmask", r->netmask);
    if (r->prefix_set)
      vb_xml_attr_uint (w, "prefix", r->prefix);
    vb_xml_attr (w, "gateway", r->gateway);
    if (r->metric_set)
      vb_xml_attr_uint (w, "metric", r->metric);
    vb_xml_end_empty (w);
  }
  vb_virtualport_format (def->virtualport, w);
  for (guint i = 0; i < def->portgroups->len; i++)
    format_portgroup (g_ptr_array_index (def->portgroups, i), w);
  if (def->dnsmasq_options->len > 0) {
    vb_xml_start (w, "dnsmasq:options");
    vb_xml_end_open (w);
    for (guint i = 0; i < def->dnsmasq_options->len; i++) {
      vb_xml_start (w, "dnsmasq:option");
      vb_xml_attr (w, "value", g_ptr_array_index (def->dnsmasq_options, i));
      vb_xml_end_empty (w);
    }
    vb_xml_close (w);
  }
  vb_xml_close (w);
  return vb_xml_writer_steal (w);
}

/* Update ------------------------------------------------------------------- */

static VbNetworkIp *
update_find_ip (VbNetworkDef *def, int parent_index, GError **error)
{
  VbNetworkIp *first_v4 = NULL;

  if (parent_index >= 0) {
    if ((guint) parent_index >= def->ips->len) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                   "network '%s' has no <ip> element with index %d", def->name, parent_index);
      return NULL;
    }
    return g_ptr_array_index (def->ips, parent_index);
  }
  for (guint i = 0; i < def->ips->len; i++) {
    VbNetworkIp *ip = g_ptr_array_index (def->ips, i);

    if (vb_network_ip_is_ipv6 (ip))
      continue;
    if (ip->has_dhcp)
      return ip;
    if (first_v4 == NULL)
      first_v4 = ip;
  }
  if (first_v4 == NULL)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                 "network '%s' has no IPv4 <ip> element to update", def->name);
  return first_v4;
}

static gboolean
check_command (guint command, gboolean modify_ok, const char *what, GError **error)
{
  if (command < VB_NETWORK_UPDATE_MODIFY || command > VB_NETWORK_UPDATE_ADD_FIRST) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown network update command %u", command);
    return FALSE;
  }
  if (command == VB_NETWORK_UPDATE_MODIFY && !modify_ok) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "%s entries cannot be modified, only added or deleted", what);
    return FALSE;
  }
  return TRUE;
}

static void
insert_item (GPtrArray *array, guint command, gpointer item)
{
  if (command == VB_NETWORK_UPDATE_ADD_FIRST)
    g_ptr_array_insert (array, 0, item);
  else
    g_ptr_array_add (array, item);
}

static gboolean
update_dhcp_host (VbNetworkDef *def, guint command, int parent_index, xmlNode *node, GError **error)
{
  VbNetworkIp *ip = update_find_ip (def, parent_index, error);
  g_autoptr(VbDhcpHost) h = NULL;
  gboolean v6;

  if (ip == NULL || !check_command (command, TRUE, "DHCP host", error))
    return FALSE;
  if ((h = parse_dhcp_host (node, ip, error)) == NULL)
    return FALSE;
  v6 = vb_network_ip_is_ipv6 (ip);
  if (command == VB_NETWORK_UPDATE_MODIFY) {
    /* the key is the MAC (IPv4) or the DUID/name (IPv6) */
    for (guint i = 0; i < ip->hosts->len; i++) {
      VbDhcpHost *o = g_ptr_array_index (ip->hosts, i);
      gboolean match = v6 ? (h->id ? g_strcmp0 (o->id, h->id) == 0 : g_strcmp0 (o->name, h->name) == 0)
                          : (h->mac ? g_strcmp0 (o->mac, h->mac) == 0 : g_strcmp0 (o->name, h->name) == 0);
      if (match) {
        host_free (g_ptr_array_index (ip->hosts, i));
        ip->hosts->pdata[i] = g_steal_pointer (&h);
        return TRUE;
      }
    }
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                 "network '%s' has no DHCP host entry with %s '%s' to modify", def->name,
                 h->mac ? "mac" : h->id ? "id" : "name", h->mac ? h->mac : h->id ? h->id : h->name);
    return FALSE;
  }
  if (command == VB_NETWORK_UPDATE_DELETE) {
    for (guint i = 0; i < ip->hosts->len; i++) {
      VbDhcpHost *o = g_ptr_array_index (ip->hosts, i);
      if ((!h->mac || g_strcmp0 (o->mac, h->mac) == 0) && (!h->id || g_strcmp0 (o->id, h->id) == 0) &&
          (!h->name || g_strcmp0 (o->name, h->name) == 0) && g_strcmp0 (o->ip, h->ip) == 0) {
        g_ptr_array_remove_index (ip->hosts, i);
        return TRUE;
      }
    }
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                 "network '%s' has no DHCP host entry matching ip '%s' to delete", def->name, h->ip);
    return FALSE;
  }
  for (guint i = 0; i < ip->hosts->len; i++) {
    VbDhcpHost *o = g_ptr_array_index (ip->hosts, i);
    if ((h->mac && g_strcmp0 (o->mac, h->mac) == 0) || (h->id && g_strcmp0 (o->id, h->id) == 0) ||
        (h->name && g_strcmp0 (o->name, h->name) == 0) || g_strcmp0 (o->ip, h->ip) == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS,
                   "network '%s' already has a DHCP host entry with the same mac, id, name or ip (ip '%s')",
                   def->name, o->ip);
      return FALSE;
    }
  }
  ip->has_dhcp = TRUE;
  insert_item (ip->hosts, command, g_steal_pointer (&h));
  return TRUE;
}

static gboolean
update_dhcp_range (VbNetworkDef *def, guint command, int parent_index, xmlNode *node, GError **error)
{
  VbNetworkIp *ip = update_find_ip (def, parent_index, error);
  g_autoptr(VbDhcpRange) r = NULL;

  if (ip == NULL || !check_command (command, FALSE, "DHCP range", error))
    return FALSE;
  if ((r = parse_range (node, ip, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < ip->ranges->len; i++) {
    VbDhcpRange *o = g_ptr_array_index (ip->ranges, i);
    if (strcmp (o->start, r->start) == 0 && strcmp (o->end, r->end) == 0) {
      if (command == VB_NETWORK_UPDATE_DELETE) {
        g_ptr_array_remove_index (ip->ranges, i);
        return TRUE;
      }
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "network '%s' already has DHCP range %s - %s",
                   def->name, r->start, r->end);
      return FALSE;
    }
  }
  if (command == VB_NETWORK_UPDATE_DELETE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no DHCP range %s - %s",
                 def->name, r->start, r->end);
    return FALSE;
  }
  ip->has_dhcp = TRUE;
  insert_item (ip->ranges, command, g_steal_pointer (&r));
  return TRUE;
}

static gboolean
update_forward_iface (VbNetworkDef *def, guint command, xmlNode *node, GError **error)
{
  g_autoptr(VbNetworkForwardIface) f = NULL;

  if (!check_command (command, FALSE, "forward interface", error))
    return FALSE;
  if ((f = parse_forward_iface (node, 0, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < def->forward_ifaces->len; i++) {
    VbNetworkForwardIface *o = g_ptr_array_index (def->forward_ifaces, i);

    if (o->type != VB_NETWORK_POOL_NETDEV || strcmp (o->dev, f->dev) != 0)
      continue;
    if (command != VB_NETWORK_UPDATE_DELETE) {
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS,
                   "network '%s' already has forward interface '%s'", def->name, f->dev);
      return FALSE;
    }
    if (o->connections > 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_BUSY,
                   "forward interface '%s' of network '%s' is in use by %u guest interfaces",
                   o->dev, def->name, o->connections);
      return FALSE;
    }
    g_ptr_array_remove_index (def->forward_ifaces, i);
    return TRUE;
  }
  if (command == VB_NETWORK_UPDATE_DELETE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                 "network '%s' has no forward interface '%s'", def->name, f->dev);
    return FALSE;
  }
  if ((def->forward_ifaces->len > 0 &&
       ((VbNetworkForwardIface *) g_ptr_array_index (def->forward_ifaces, 0))->type != VB_NETWORK_POOL_NETDEV) ||
      def->forward_mode == VB_NETWORK_FORWARD_OPEN || def->forward_mode == VB_NETWORK_FORWARD_NONE)
    return config_error (error, "network '%s' cannot take a forward <interface>", def->name);
  insert_item (def->forward_ifaces, command, g_steal_pointer (&f));
  return TRUE;
}

static gboolean
update_portgroup (VbNetworkDef *def, guint command, xmlNode *node, GError **error)
{
  g_autoptr(VbNetworkPortGroup) pg = NULL;
  int found = -1;

  if (!check_command (command, TRUE, "portgroup", error))
    return FALSE;
  if ((pg = parse_portgroup (node, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < def->portgroups->len; i++) {
    VbNetworkPortGroup *o = g_ptr_array_index (def->portgroups, i);
    if (strcmp (o->name, pg->name) == 0)
      found = (int) i;
  }
  if (command == VB_NETWORK_UPDATE_DELETE) {
    if (found < 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no portgroup '%s'", def->name, pg->name);
      return FALSE;
    }
    g_ptr_array_remove_index (def->portgroups, (guint) found);
    return TRUE;
  }
  if (command == VB_NETWORK_UPDATE_MODIFY && found < 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no portgroup '%s' to modify",
                 def->name, pg->name);
    return FALSE;
  }
  if (command != VB_NETWORK_UPDATE_MODIFY && found >= 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "network '%s' already has a portgroup '%s'",
                 def->name, pg->name);
    return FALSE;
  }
  if (pg->is_default == VB_TRISTATE_YES) {
    for (guint i = 0; i < def->portgroups->len; i++) {
      VbNetworkPortGroup *o = g_ptr_array_index (def->portgroups, i);
      if ((int) i != found && o->is_default == VB_TRISTATE_YES) {
        config_error (error, "network '%s': portgroup '%s' is already the default", def->name, o->name);
        return FALSE;
      }
    }
  }
  if (command == VB_NETWORK_UPDATE_MODIFY) {
    portgroup_free (def->portgroups->pdata[found]);
    def->portgroups->pdata[found] = g_steal_pointer (&pg);
  } else {
    insert_item (def->portgroups, command, g_steal_pointer (&pg));
  }
  return TRUE;
}

static gboolean
update_dns_host (VbNetworkDef *def, guint command, xmlNode *node, GError **error)
{
  g_autoptr(VbDnsHost) h = NULL;

  if (!check_command (command, FALSE, "DNS host", error))
    return FALSE;
  if ((h = parse_dns_host (node, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < def->dns.hosts->len; i++) {
    VbDnsHost *o = g_ptr_array_index (def->dns.hosts, i);
    if (strcmp (o->ip, h->ip) == 0) {
      if (command == VB_NETWORK_UPDATE_DELETE) {
        g_ptr_array_remove_index (def->dns.hosts, i);
        return TRUE;
      }
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "network '%s' already has a DNS host record for ip '%s'",
                   def->name, h->ip);
      return FALSE;
    }
  }
  if (command == VB_NETWORK_UPDATE_DELETE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no DNS host record for ip '%s'",
                 def->name, h->ip);
    return FALSE;
  }
  insert_item (def->dns.hosts, command, g_steal_pointer (&h));
  return TRUE;
}

static gboolean
update_dns_txt (VbNetworkDef *def, guint command, xmlNode *node, GError **error)
{
  g_autoptr(VbDnsTxt) t = NULL;

  if (!check_command (command, FALSE, "DNS TXT", error))
    return FALSE;
  /* delete needs only the name */
  if (command == VB_NETWORK_UPDATE_DELETE) {
    g_autofree char *name = vb_xml_prop (node, "name");
    for (guint i = 0; name && i < def->dns.txts->len; i++) {
      VbDnsTxt *o = g_ptr_array_index (def->dns.txts, i);
      if (strcmp (o->name, name) == 0) {
        g_ptr_array_remove_index (def->dns.txts, i);
        return TRUE;
      }
    }
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no DNS TXT record named '%s'",
                 def->name, name ? name : "");
    return FALSE;
  }
  if ((t = parse_txt (node, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < def->dns.txts->len; i++) {
    VbDnsTxt *o = g_ptr_array_index (def->dns.txts, i);
    if (strcmp (o->name, t->name) == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "network '%s' already has a DNS TXT record named '%s'",
                   def->name, t->name);
      return FALSE;
    }
  }
  insert_item (def->dns.txts, command, g_steal_pointer (&t));
  return TRUE;
}

static gboolean
srv_match (const VbDnsSrv *a, const VbDnsSrv *b)
{
  /* as libvirt: attributes absent from the request are wildcards */
  return strcmp (a->service, b->service) == 0 && strcmp (a->protocol, b->protocol) == 0 &&
         (!b->domain || g_strcmp0 (a->domain, b->domain) == 0) &&
         (!b->target || g_strcmp0 (a->target, b->target) == 0) &&
         (!b->port_set || (a->port_set && a->port == b->port)) &&
         (!b->priority_set || (a->priority_set && a->priority == b->priority)) &&
         (!b->weight_set || (a->weight_set && a->weight == b->weight));
}

static gboolean
update_dns_srv (VbNetworkDef *def, guint command, xmlNode *node, GError **error)
{
  g_autoptr(VbDnsSrv) s = NULL;
  int found = -1;
  guint matches = 0;

  if (!check_command (command, FALSE, "DNS SRV", error))
    return FALSE;
  if ((s = parse_srv (node, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < def->dns.srvs->len; i++) {
    if (srv_match (g_ptr_array_index (def->dns.srvs, i), s)) {
      if (found < 0)
        found = (int) i;
      matches++;
    }
  }
  if (command == VB_NETWORK_UPDATE_DELETE) {
    if (matches == 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "network '%s' has no matching DNS SRV record for service '%s'",
                   def->name, s->service);
      return FALSE;
    }
    if (matches > 1) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                   "DNS SRV record for service '%s' matches %u records in network '%s'; be more specific",
                   s->service, matches, def->name);
      return FALSE;
    }
    g_ptr_array_remove_index (def->dns.srvs, (guint) found);
    return TRUE;
  }
  if (matches > 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS, "network '%s' already has a matching DNS SRV record for service '%s'",
                 def->name, s->service);
    return FALSE;
  }
  insert_item (def->dns.srvs, command, g_steal_pointer (&s));
  return TRUE;
}

gboolean
vb_network_def_update (VbNetworkDef *def, guint command, guint section, int parent_index,
                       const char *xml, GError **error)
{
  static const char *const roots[] = {
    [VB_NETWORK_SECTION_IP_DHCP_HOST] = "host",
    [VB_NETWORK_SECTION_IP_DHCP_RANGE] = "range",
    [VB_NETWORK_SECTION_FORWARD_INTERFACE] = "interface",
    [VB_NETWORK_SECTION_PORTGROUP] = "portgroup",
    [VB_NETWORK_SECTION_DNS_HOST] = "host",
    [VB_NETWORK_SECTION_DNS_TXT] = "txt",
    [VB_NETWORK_SECTION_DNS_SRV] = "srv",
  };
  g_autoptr(VbNetworkDef) work = NULL;
  g_autoptr(xmlDoc) doc = NULL;
  xmlNode *node;
  gboolean ok;

  if (section >= G_N_ELEMENTS (roots) || roots[section] == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "updating network section %u is not supported", section);
    return FALSE;
  }
  if (command < VB_NETWORK_UPDATE_MODIFY || command > VB_NETWORK_UPDATE_ADD_FIRST) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown network update command %u", command);
    return FALSE;
  }
  doc = vb_xml_parse (xml, roots[section], error);
  if (doc == NULL)
    return FALSE;
  node = xmlDocGetRootElement (doc);

  /* all changes happen on a copy so a failure leaves @def untouched */
  work = vb_network_def_copy (def);
  switch (section) {
  case VB_NETWORK_SECTION_IP_DHCP_HOST:
    ok = update_dhcp_host (work, command, parent_index, node, error);
    break;
  case VB_NETWORK_SECTION_IP_DHCP_RANGE:
    ok = update_dhcp_range (work, command, parent_index, node, error);
    break;
  case VB_NETWORK_SECTION_FORWARD_INTERFACE:
    ok = update_forward_iface (work, command, node, error);
    break;
  case VB_NETWORK_SECTION_PORTGROUP:
    ok = update_portgroup (work, command, node, error);
    break;
  case VB_NETWORK_SECTION_DNS_HOST:
    ok = update_dns_host (work, command, node, error);
    break;
  case VB_NETWORK_SECTION_DNS_TXT:
    ok = update_dns_txt (work, command, node, error);
    break;
  case VB_NETWORK_SECTION_DNS_SRV:
  default:
    ok = update_dns_srv (work, command, node, error);
    break;
  }
  if (!ok)
    return FALSE;
  /* swap contents so callers' pointers to @def stay valid */
  {
    VbNetworkDef tmp = *def;
    *def = *work;
    *work = tmp;
  }
  return TRUE;
}
