/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-network-def.h"

#include <string.h>

#include "vb-network-def-private.h"

const char *const vb_network_forward_modes[] = {
  "nat", "route", "open", "bridge", "private", "vepa", "passthrough", "hostdev", NULL
};

const char *
vb_network_forward_mode_to_string (VbNetworkForwardMode mode)
{
  if (mode <= VB_NETWORK_FORWARD_NONE || mode > VB_NETWORK_FORWARD_HOSTDEV)
    return NULL;
  return vb_network_forward_modes[mode - 1];
}

gboolean
vb_network_forward_mode_has_own_bridge (VbNetworkForwardMode mode)
{
  return mode == VB_NETWORK_FORWARD_NONE || mode == VB_NETWORK_FORWARD_NAT ||
         mode == VB_NETWORK_FORWARD_ROUTE || mode == VB_NETWORK_FORWARD_OPEN;
}

/* Freeing ----------------------------------------------------------------- */

void
vb_network_forward_iface_free (gpointer p)
{
  VbNetworkForwardIface *f = p;

  if (f == NULL)
    return;
  g_free (f->dev);
  g_free (f);
}

void
vb_network_portgroup_free (gpointer p)
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

void
vb_dhcp_range_free (gpointer p)
{
  VbDhcpRange *r = p;

  if (r == NULL)
    return;
  g_free (r->start);
  g_free (r->end);
  g_free (r);
}

void
vb_dhcp_host_free (gpointer p)
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

void
vb_dhcp_option_free (gpointer p)
{
  VbDhcpOption *o = p;

  g_free (o->value);
  g_free (o);
}

void
vb_network_ip_free (gpointer p)
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

void
vb_network_route_free (gpointer p)
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

static void
forwarder_free (gpointer p)
{
  VbDnsForwarder *f = p;

  g_free (f->addr);
  g_free (f->domain);
  g_free (f);
}

void
vb_dns_txt_free (gpointer p)
{
  VbDnsTxt *t = p;

  if (t == NULL)
    return;
  g_free (t->name);
  g_free (t->value);
  g_free (t);
}

void
vb_dns_srv_free (gpointer p)
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

void
vb_dns_host_free (gpointer p)
{
  VbDnsHost *h = p;

  if (h == NULL)
    return;
  g_free (h->ip);
  g_ptr_array_unref (h->hostnames);
  g_free (h);
}

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

VbNetworkDef *
vb_network_def_alloc (void)
{
  VbNetworkDef *def = g_new0 (VbNetworkDef, 1);

  def->forward_ifaces = g_ptr_array_new_with_free_func (vb_network_forward_iface_free);
  def->portgroups = g_ptr_array_new_with_free_func (vb_network_portgroup_free);
  def->dns.forwarders = g_ptr_array_new_with_free_func (forwarder_free);
  def->dns.txts = g_ptr_array_new_with_free_func (vb_dns_txt_free);
  def->dns.srvs = g_ptr_array_new_with_free_func (vb_dns_srv_free);
  def->dns.hosts = g_ptr_array_new_with_free_func (vb_dns_host_free);
  def->ips = g_ptr_array_new_with_free_func (vb_network_ip_free);
  def->routes = g_ptr_array_new_with_free_func (vb_network_route_free);
  def->dnsmasq_options = g_ptr_array_new_with_free_func (g_free);
  return def;
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
  gboolean own_bridge = vb_network_forward_mode_has_own_bridge (def->forward_mode);
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
  gboolean own_bridge = vb_network_forward_mode_has_own_bridge (def->forward_mode);
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
