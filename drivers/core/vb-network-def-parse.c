/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsing a <network> document, and the single elements that
 * virNetworkUpdate sends. */
#include "vb-network-def-private.h"

#include <gio/gio.h>
#include <string.h>

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

VbDhcpRange *
vb_network_parse_dhcp_range (xmlNode *node, const VbNetworkIp *ip, GError **error)
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

VbDhcpHost *
vb_network_parse_dhcp_host (xmlNode *node, const VbNetworkIp *ip, GError **error)
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

  ip->ranges = g_ptr_array_new_with_free_func (vb_dhcp_range_free);
  ip->hosts = g_ptr_array_new_with_free_func (vb_dhcp_host_free);
  ip->options = g_ptr_array_new_with_free_func (vb_dhcp_option_free);
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
      VbDhcpRange *r = vb_network_parse_dhcp_range (c, ip, error);
      if (r == NULL)
        return NULL;
      g_ptr_array_add (ip->ranges, r);
    }
    for (xmlNode *c = vb_xml_child (dhcp, "host"); c; c = vb_xml_next (c, "host")) {
      VbDhcpHost *h = vb_network_parse_dhcp_host (c, ip, error);
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

VbNetworkPortGroup *
vb_network_parse_portgroup (xmlNode *node, GError **error)
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

VbDnsHost *
vb_network_parse_dns_host (xmlNode *node, GError **error)
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

VbDnsTxt *
vb_network_parse_dns_txt (xmlNode *node, GError **error)
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

VbDnsSrv *
vb_network_parse_dns_srv (xmlNode *node, GError **error)
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
    VbDnsTxt *t = vb_network_parse_dns_txt (c, error);
    if (t == NULL)
      return FALSE;
    g_ptr_array_add (dns->txts, t);
  }
  for (xmlNode *c = vb_xml_child (node, "srv"); c; c = vb_xml_next (c, "srv")) {
    VbDnsSrv *s = vb_network_parse_dns_srv (c, error);
    if (s == NULL)
      return FALSE;
    g_ptr_array_add (dns->srvs, s);
  }
  for (xmlNode *c = vb_xml_child (node, "host"); c; c = vb_xml_next (c, "host")) {
    VbDnsHost *h = vb_network_parse_dns_host (c, error);
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

VbNetworkForwardIface *
vb_network_parse_forward_iface (xmlNode *node, guint flags, GError **error)
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

  if (!vb_xml_prop_enum (fwd, "mode", vb_network_forward_modes, &mode, error) ||
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
    VbNetworkForwardIface *f = vb_network_parse_forward_iface (c, flags, error);
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
  g_autoptr(VbNetworkDef) def = vb_network_def_alloc ();
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
  if (def->bridge_name != NULL && !vb_network_forward_mode_has_own_bridge (def->forward_mode) &&
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
    VbNetworkPortGroup *pg = vb_network_parse_portgroup (c, error);
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

  if (!def->mac_set && vb_network_forward_mode_has_own_bridge (def->forward_mode) &&
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
