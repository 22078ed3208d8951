/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* virNetworkUpdate: one section of a definition changed in place. */
#include "vb-network-def-private.h"

#include <string.h>

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
  if ((h = vb_network_parse_dhcp_host (node, ip, error)) == NULL)
    return FALSE;
  v6 = vb_network_ip_is_ipv6 (ip);
  if (command == VB_NETWORK_UPDATE_MODIFY) {
    /* the key is the MAC (IPv4) or the DUID/name (IPv6) */
    for (guint i = 0; i < ip->hosts->len; i++) {
      VbDhcpHost *o = g_ptr_array_index (ip->hosts, i);
      gboolean match = v6 ? (h->id ? g_strcmp0 (o->id, h->id) == 0 : g_strcmp0 (o->name, h->name) == 0)
                          : (h->mac ? g_strcmp0 (o->mac, h->mac) == 0 : g_strcmp0 (o->name, h->name) == 0);
      if (match) {
        vb_dhcp_host_free (g_ptr_array_index (ip->hosts, i));
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
  if ((r = vb_network_parse_dhcp_range (node, ip, error)) == NULL)
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
  if ((f = vb_network_parse_forward_iface (node, 0, error)) == NULL)
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
  if ((pg = vb_network_parse_portgroup (node, error)) == NULL)
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
    vb_network_portgroup_free (def->portgroups->pdata[found]);
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
  if ((h = vb_network_parse_dns_host (node, error)) == NULL)
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
  if ((t = vb_network_parse_dns_txt (node, error)) == NULL)
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
  if ((s = vb_network_parse_dns_srv (node, error)) == NULL)
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
