/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vb_network_def_copy: a walk over the structures, never a format and
 * re-parse.  Each copier starts from a shallow copy of the struct, so
 * scalar fields need no line here, then replaces every pointer with its
 * own copy: a pointer left shared would be freed twice, which the ASan run
 * of the conformance corpus catches. */
#include "vb-network-def.h"

#include "vb-def-copy.h"

static gpointer
forward_iface_copy (gconstpointer data, gpointer unused)
{
  VbNetworkForwardIface *f = g_memdup2 (data, sizeof *f);

  f->dev = g_strdup (f->dev);
  return f;
}

static gpointer
portgroup_copy (gconstpointer data, gpointer unused)
{
  VbNetworkPortGroup *pg = g_memdup2 (data, sizeof *pg);

  pg->name = g_strdup (pg->name);
  pg->virtualport = vb_virtualport_copy (pg->virtualport);
  pg->bandwidth = vb_bandwidth_copy (pg->bandwidth);
  pg->vlan = vb_vlan_copy (pg->vlan);
  return pg;
}

static gpointer
range_copy (gconstpointer data, gpointer unused)
{
  VbDhcpRange *r = g_memdup2 (data, sizeof *r);

  r->start = g_strdup (r->start);
  r->end = g_strdup (r->end);
  return r;
}

static gpointer
dhcp_host_copy (gconstpointer data, gpointer unused)
{
  VbDhcpHost *h = g_memdup2 (data, sizeof *h);

  h->mac = g_strdup (h->mac);
  h->id = g_strdup (h->id);
  h->name = g_strdup (h->name);
  h->ip = g_strdup (h->ip);
  return h;
}

static gpointer
option_copy (gconstpointer data, gpointer unused)
{
  VbDhcpOption *o = g_memdup2 (data, sizeof *o);

  o->value = g_strdup (o->value);
  return o;
}

static gpointer
ip_copy (gconstpointer data, gpointer unused)
{
  VbNetworkIp *ip = g_memdup2 (data, sizeof *ip);

  ip->family = g_strdup (ip->family);
  ip->address = g_strdup (ip->address);
  ip->netmask = g_strdup (ip->netmask);
  ip->tftp_root = g_strdup (ip->tftp_root);
  ip->ranges = vb_def_copy_array (ip->ranges, range_copy);
  ip->hosts = vb_def_copy_array (ip->hosts, dhcp_host_copy);
  ip->bootp_file = g_strdup (ip->bootp_file);
  ip->bootp_server = g_strdup (ip->bootp_server);
  ip->options = vb_def_copy_array (ip->options, option_copy);
  return ip;
}

static gpointer
route_copy (gconstpointer data, gpointer unused)
{
  VbNetworkRoute *r = g_memdup2 (data, sizeof *r);

  r->family = g_strdup (r->family);
  r->address = g_strdup (r->address);
  r->netmask = g_strdup (r->netmask);
  r->gateway = g_strdup (r->gateway);
  return r;
}

static gpointer
forwarder_copy (gconstpointer data, gpointer unused)
{
  VbDnsForwarder *f = g_memdup2 (data, sizeof *f);

  f->addr = g_strdup (f->addr);
  f->domain = g_strdup (f->domain);
  return f;
}

static gpointer
txt_copy (gconstpointer data, gpointer unused)
{
  VbDnsTxt *t = g_memdup2 (data, sizeof *t);

  t->name = g_strdup (t->name);
  t->value = g_strdup (t->value);
  return t;
}

static gpointer
srv_copy (gconstpointer data, gpointer unused)
{
  VbDnsSrv *s = g_memdup2 (data, sizeof *s);

  s->service = g_strdup (s->service);
  s->protocol = g_strdup (s->protocol);
  s->domain = g_strdup (s->domain);
  s->target = g_strdup (s->target);
  return s;
}

static gpointer
dns_host_copy (gconstpointer data, gpointer unused)
{
  VbDnsHost *h = g_memdup2 (data, sizeof *h);

  h->ip = g_strdup (h->ip);
  h->hostnames = vb_def_copy_array (h->hostnames, vb_def_copy_str);
  return h;
}

VbNetworkDef *
vb_network_def_copy (const VbNetworkDef *src)
{
  VbNetworkDef *def;

  if (src == NULL)
    return NULL;
  def = g_memdup2 (src, sizeof *def);
  def->name = g_strdup (def->name);
  def->metadata = vb_xml_opaque_copy (def->metadata);
  def->bridge_name = g_strdup (def->bridge_name);
  def->bridge_zone = g_strdup (def->bridge_zone);
  def->domain_name = g_strdup (def->domain_name);
  def->forward_driver_name = g_strdup (def->forward_driver_name);
  def->forward_driver_model = g_strdup (def->forward_driver_model);
  def->forward_pf = g_strdup (def->forward_pf);
  def->forward_ifaces = vb_def_copy_array (def->forward_ifaces, forward_iface_copy);
  def->nat_addr_start = g_strdup (def->nat_addr_start);
  def->nat_addr_end = g_strdup (def->nat_addr_end);
  def->virtualport = vb_virtualport_copy (def->virtualport);
  def->portgroups = vb_def_copy_array (def->portgroups, portgroup_copy);
  def->bandwidth = vb_bandwidth_copy (def->bandwidth);
  def->vlan = vb_vlan_copy (def->vlan);
  def->dns.forwarders = vb_def_copy_array (def->dns.forwarders, forwarder_copy);
  def->dns.txts = vb_def_copy_array (def->dns.txts, txt_copy);
  def->dns.srvs = vb_def_copy_array (def->dns.srvs, srv_copy);
  def->dns.hosts = vb_def_copy_array (def->dns.hosts, dns_host_copy);
  def->ips = vb_def_copy_array (def->ips, ip_copy);
  def->routes = vb_def_copy_array (def->routes, route_copy);
  def->dnsmasq_options = vb_def_copy_array (def->dnsmasq_options, vb_def_copy_str);
  return def;
}
