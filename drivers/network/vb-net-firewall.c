/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-net-firewall.h"

#include <nftables/libnftables.h>
#include <string.h>

#include "vb-error.h"
#include "vb-net-ip.h"

typedef struct nft_ctx NftCtx;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NftCtx, nft_ctx_free)

char *
vb_net_firewall_table_name (const char *network_name)
{
  GString *s = g_string_new ("virtbus-");

  for (const char *p = network_name; *p; p++) {
    if (g_ascii_isalnum (*p) || *p == '.' || *p == '-')
      g_string_append_c (s, *p);
    else
      g_string_append_printf (s, "_%02x", (guint8) *p);
  }
  return g_string_free (s, FALSE);
}

/* Interface names go into the ruleset quoted; refuse what would break out
 * of the quotes rather than escape it (the kernel allows few such names
 * and nft has no escape for them). */
static gboolean
check_ifname (const char *name, GError **error)
{
  for (const char *p = name; *p; p++) {
    if (*p == '"' || *p == '\\' || g_ascii_iscntrl (*p)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "interface name '%s' cannot be used in firewall rules", name);
      return FALSE;
    }
  }
  return TRUE;
}

static struct nft_ctx *
new_ctx (void)
{
  struct nft_ctx *ctx = nft_ctx_new (NFT_CTX_DEFAULT);

  nft_ctx_buffer_output (ctx);
  nft_ctx_buffer_error (ctx);
  return ctx;
}

static gboolean
run (const char *commands, GError **error)
{
  g_autoptr(NftCtx) ctx = new_ctx ();

  if (nft_run_cmd_from_buffer (ctx, commands) != 0) {
    g_autofree char *msg = g_strstrip (g_strdup (nft_ctx_get_error_buffer (ctx)));
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "nftables: %s", msg);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_net_firewall_exists (const char *network_name)
{
  g_autofree char *table = vb_net_firewall_table_name (network_name);
  g_autofree char *cmd = g_strdup_printf ("list table inet %s", table);

  return run (cmd, NULL);
}

/* One family's subnets of the network: the IPv4 ones, or the IPv6 ones. */
static GPtrArray *
subnets (const VbNetworkDef *def, gboolean v6)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; def->ips && i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    char *net;

    if (vb_network_ip_is_ipv6 (ip) != v6)
      continue;
    net = vb_net_ip_network (ip);
    if (net)
      g_ptr_array_add (out, net);
  }
  return out;
}

static void
append_forward_rules (GString *s, const VbNetworkDef *def, const char *br, const char *fwdev)
{
  g_autofree char *out_dev = fwdev ? g_strdup_printf (" oifname \"%s\"", fwdev) : g_strdup ("");
  g_autofree char *in_dev = fwdev ? g_strdup_printf (" iifname \"%s\"", fwdev) : g_strdup ("");

  for (int fam = 0; fam < 2; fam++) {
    g_autoptr(GPtrArray) nets = subnets (def, fam == 1);
    const char *ipk = fam == 1 ? "ip6" : "ip";

    for (guint i = 0; i < nets->len; i++) {
      const char *net = g_ptr_array_index (nets, i);

      g_string_append_printf (s, "    iifname \"%s\"%s %s saddr %s accept\n", br, out_dev, ipk, net);
      if (def->forward_mode == VB_NETWORK_FORWARD_NAT)
        g_string_append_printf (s, "    oifname \"%s\"%s %s daddr %s ct state related,established accept\n",
                                br, in_dev, ipk, net);
      else
        g_string_append_printf (s, "    oifname \"%s\"%s %s daddr %s accept\n", br, in_dev, ipk, net);
    }
  }
}

static void
append_nat_rules (GString *s, const VbNetworkDef *def, const char *fwdev)
{
  g_autofree char *out_dev = fwdev ? g_strdup_printf (" oifname \"%s\"", fwdev) : g_strdup ("");
  g_autofree char *ports = NULL;
  g_autofree char *snat_v4 = NULL;

  /* libvirt keeps guests' source ports unprivileged unless told otherwise */
  if (def->nat_port_start || def->nat_port_end)
    ports = g_strdup_printf ("%u-%u", def->nat_port_start, def->nat_port_end ? def->nat_port_end : def->nat_port_start);
  else
    ports = g_strdup ("1024-65535");
  if (def->nat_addr_start)
    snat_v4 = g_strdup_printf ("%s-%s", def->nat_addr_start,
                               def->nat_addr_end ? def->nat_addr_end : def->nat_addr_start);

  for (int fam = 0; fam < 2; fam++) {
    g_autoptr(GPtrArray) nets = NULL;
    const char *ipk = fam == 1 ? "ip6" : "ip";

    /* IPv6 is masqueraded only when asked (<nat ipv6='yes'>) */
    if (fam == 1 && def->nat_ipv6 != VB_TRISTATE_YES)
      continue;
    nets = subnets (def, fam == 1);
    for (guint i = 0; i < nets->len; i++) {
      const char *net = g_ptr_array_index (nets, i);

      if (fam == 0) {
        g_string_append_printf (s, "    ip saddr %s ip daddr 224.0.0.0/24 return\n", net);
        g_string_append_printf (s, "    ip saddr %s ip daddr 255.255.255.255 return\n", net);
      }
      if (fam == 0 && snat_v4) {
        g_string_append_printf (s, "    meta l4proto { tcp, udp } ip saddr %s ip daddr != %s%s snat ip to %s:%s\n",
                                net, net, out_dev, snat_v4, ports);
        g_string_append_printf (s, "    ip saddr %s ip daddr != %s%s snat ip to %s\n", net, net,
                                out_dev, snat_v4);
      } else {
        g_string_append_printf (s, "    meta l4proto { tcp, udp } %s saddr %s %s daddr != %s%s masquerade to :%s\n",
                                ipk, net, ipk, net, out_dev, ports);
        g_string_append_printf (s, "    %s saddr %s %s daddr != %s%s masquerade\n", ipk, net, ipk,
                                net, out_dev);
      }
    }
  }
}

char *
vb_net_firewall_build (const VbNetworkDef *def, GError **error)
{
  g_autoptr(GString) s = NULL;
  g_autofree char *table = NULL;
  const char *br = def->bridge_name;
  const char *fwdev = NULL;
  gboolean forwards;

  switch (def->forward_mode) {
  case VB_NETWORK_FORWARD_NONE:
  case VB_NETWORK_FORWARD_NAT:
  case VB_NETWORK_FORWARD_ROUTE:
    break;
  default:
    return NULL;
  }
  g_return_val_if_fail (br != NULL, NULL);
  if (!check_ifname (br, error))
    return NULL;
  /* <forward dev='…'> (the first pool member for nat/route) restricts
   * where the guests' traffic may leave */
  if (def->forward_ifaces && def->forward_ifaces->len > 0) {
    const VbNetworkForwardIface *f = g_ptr_array_index (def->forward_ifaces, 0);
    if (f->type == VB_NETWORK_POOL_NETDEV)
      fwdev = f->dev;
  }
  if (fwdev && !check_ifname (fwdev, error))
    return NULL;
  forwards = def->forward_mode != VB_NETWORK_FORWARD_NONE;

  table = vb_net_firewall_table_name (def->name);
  s = g_string_new (NULL);
  g_string_append_printf (s, "table inet %s {\n", table);

  /* DHCP and DNS served on the bridge; accepted here in case the host's
   * own ruleset drops input by default */
  g_string_append (s, "  chain input {\n    type filter hook input priority filter; policy accept;\n");
  g_string_append_printf (s, "    iifname \"%s\" udp dport { 53, 67, 547 } accept\n", br);
  g_string_append_printf (s, "    iifname \"%s\" tcp dport 53 accept\n", br);
  g_string_append (s, "  }\n");

  g_string_append (s, "  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
  g_string_append_printf (s, "    iifname \"%s\" oifname \"%s\" accept\n", br, br);
  if (forwards)
    append_forward_rules (s, def, br, fwdev);
  /* everything else into or out of the bridge is refused: isolation for
   * isolated networks, anti-spoofing for nat and route */
  g_string_append_printf (s, "    iifname \"%s\" reject\n", br);
  g_string_append_printf (s, "    oifname \"%s\" reject\n", br);
  g_string_append (s, "  }\n");

  if (def->forward_mode == VB_NETWORK_FORWARD_NAT) {
    g_string_append (s, "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
    append_nat_rules (s, def, fwdev);
    g_string_append (s, "  }\n");
  }
  g_string_append (s, "}\n");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

gboolean
vb_net_firewall_apply (const VbNetworkDef *def, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *rules = vb_net_firewall_build (def, &local);
  g_autofree char *table = NULL;
  g_autofree char *batch = NULL;

  if (rules == NULL) {
    if (local) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    return TRUE;
  }
  table = vb_net_firewall_table_name (def->name);
  /* "add" makes the "delete" valid whether or not a stale table is there */
  batch = g_strdup_printf ("add table inet %s\ndelete table inet %s\n%s", table, table, rules);
  if (!run (batch, error)) {
    g_prefix_error (error, "cannot load the firewall rules of network '%s': ", def->name);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_net_firewall_remove (const char *network_name, GError **error)
{
  g_autofree char *table = vb_net_firewall_table_name (network_name);
  g_autofree char *batch = NULL;

  /* one transaction whether or not the table is there: the "add" makes
   * the "delete" valid (nft 1.0.6 has no "destroy") */
  batch = g_strdup_printf ("add table inet %s\ndelete table inet %s\n", table, table);
  if (!run (batch, error)) {
    g_prefix_error (error, "cannot remove the firewall rules of network '%s': ", network_name);
    return FALSE;
  }
  return TRUE;
}
