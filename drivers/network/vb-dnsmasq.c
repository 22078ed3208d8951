/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-dnsmasq.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-error.h"
#include "vb-net-ip.h"

void
vb_dnsmasq_paths_init (VbDnsmasqPaths *paths, const char *run_dir, const char *name)
{
  paths->conf = g_strdup_printf ("%s/%s.conf", run_dir, name);
  paths->hostsfile = g_strdup_printf ("%s/%s.hostsfile", run_dir, name);
  paths->addnhosts = g_strdup_printf ("%s/%s.addnhosts", run_dir, name);
  paths->leases = g_strdup_printf ("%s/%s.leases", run_dir, name);
  paths->pidfile = g_strdup_printf ("%s/%s.pid", run_dir, name);
}

void
vb_dnsmasq_paths_clear (VbDnsmasqPaths *paths)
{
  g_clear_pointer (&paths->conf, g_free);
  g_clear_pointer (&paths->hostsfile, g_free);
  g_clear_pointer (&paths->addnhosts, g_free);
  g_clear_pointer (&paths->leases, g_free);
  g_clear_pointer (&paths->pidfile, g_free);
}

static gboolean
has_own_bridge (const VbNetworkDef *def)
{
  return def->forward_mode == VB_NETWORK_FORWARD_NONE || def->forward_mode == VB_NETWORK_FORWARD_NAT ||
         def->forward_mode == VB_NETWORK_FORWARD_ROUTE || def->forward_mode == VB_NETWORK_FORWARD_OPEN;
}

static gboolean
has_dhcp (const VbNetworkDef *def)
{
  for (guint i = 0; def->ips && i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    if ((ip->ranges && ip->ranges->len) || (ip->hosts && ip->hosts->len))
      return TRUE;
  }
  return FALSE;
}

static gboolean
has_ipv6 (const VbNetworkDef *def)
{
  for (guint i = 0; def->ips && i < def->ips->len; i++) {
    if (vb_network_ip_is_ipv6 (g_ptr_array_index (def->ips, i)))
      return TRUE;
  }
  return FALSE;
}

gboolean
vb_dnsmasq_needed (const VbNetworkDef *def)
{
  if (!has_own_bridge (def) || def->ips == NULL || def->ips->len == 0)
    return FALSE;
  return def->dns.enable != VB_TRISTATE_NO || has_dhcp (def) || has_ipv6 (def);
}

gboolean
vb_dnsmasq_needs_restart (const VbNetworkDef *old_def, const VbNetworkDef *new_def)
{
  /* paths do not change between the two; any placeholder compares */
  char placeholder[] = "p";
  VbDnsmasqPaths paths = { placeholder, placeholder, placeholder, placeholder, placeholder };
  g_autofree char *a = vb_dnsmasq_build_config (old_def, &paths);
  g_autofree char *b = vb_dnsmasq_build_config (new_def, &paths);

  return g_strcmp0 (a, b) != 0;
}

/* dnsmasq lease time: "1h", "30m", "45" (seconds), "infinite" */
static char *
lease_time (const VbDhcpLease *lease)
{
  static const char units[] = { 'm', 0, 'm', 'h' };

  if (!lease->set)
    return NULL;
  if (lease->expiry == 0)
    return g_strdup ("infinite");
  if (lease->unit == VB_LEASE_UNIT_SECONDS)
    return g_strdup_printf ("%" G_GUINT64_FORMAT, lease->expiry);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "%c", lease->expiry, units[lease->unit]);
}

static void
append_ranges (GString *s, const VbNetworkIp *ip, int prefix, guint *lease_max)
{
  gboolean v6 = vb_network_ip_is_ipv6 (ip);

  for (guint j = 0; ip->ranges && j < ip->ranges->len; j++) {
    const VbDhcpRange *r = g_ptr_array_index (ip->ranges, j);
    g_autofree char *lt = lease_time (&r->lease);
    g_autofree char *mask = v6 ? g_strdup_printf ("%d", prefix) : vb_net_prefix_to_netmask (prefix);

    g_string_append_printf (s, "dhcp-range=%s,%s,%s%s%s\n", r->start, r->end, mask, lt ? "," : "",
                            lt ? lt : "");
    *lease_max += 256; /* a bound, not a count: dnsmasq only needs a ceiling */
  }
}

char *
vb_dnsmasq_build_config (const VbNetworkDef *def, const VbDnsmasqPaths *paths)
{
  GString *s = g_string_new ("##WARNING:  THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
                             "##OVERWRITTEN AND LOST. Changes to this configuration should be made using\n"
                             "##the network's definition (virtbus).\n");
  const VbNetworkDns *dns = &def->dns;
  gboolean dhcp = has_dhcp (def);
  gboolean resolv_needed = TRUE;
  gboolean dhcp_hosts = FALSE;
  guint lease_max = 0;

  g_string_append (s, "strict-order\n");
  /* the pid file is how a restarted daemon finds this dnsmasq again */
  g_string_append_printf (s, "pid-file=%s\n", paths->pidfile);
  g_string_append (s, "except-interface=lo\nbind-dynamic\n");
  g_string_append_printf (s, "interface=%s\n", def->bridge_name);

  if (dns->enable == VB_TRISTATE_NO) {
    g_string_append (s, "port=0\n");
  } else {
    if (def->domain_name) {
      g_string_append_printf (s, "domain=%s\n", def->domain_name);
      if (def->domain_local_only == VB_TRISTATE_YES)
        g_string_append_printf (s, "local=/%s/\n", def->domain_name);
      g_string_append (s, "expand-hosts\n");
    }
    if (dns->forward_plain_names == VB_TRISTATE_NO)
      g_string_append (s, "domain-needed\nlocal=//\n");
    for (guint i = 0; dns->forwarders && i < dns->forwarders->len; i++) {
      const VbDnsForwarder *f = g_ptr_array_index (dns->forwarders, i);

      if (f->domain && f->addr)
        g_string_append_printf (s, "server=/%s/%s\n", f->domain, f->addr);
      else if (f->domain)
        g_string_append_printf (s, "server=/%s/\n", f->domain);
      else if (f->addr)
        g_string_append_printf (s, "server=%s\n", f->addr);
      /* a forwarder for everything replaces the host's resolvers */
      if (f->addr && !f->domain)
        resolv_needed = FALSE;
    }
    if (!resolv_needed)
      g_string_append (s, "no-resolv\n");
    for (guint i = 0; dns->txts && i < dns->txts->len; i++) {
      const VbDnsTxt *t = g_ptr_array_index (dns->txts, i);
      g_string_append_printf (s, "txt-record=%s,%s\n", t->name, t->value ? t->value : "");
    }
    for (guint i = 0; dns->srvs && i < dns->srvs->len; i++) {
      const VbDnsSrv *r = g_ptr_array_index (dns->srvs, i);

      g_string_append_printf (s, "srv-host=_%s._%s", r->service, r->protocol);
      if (r->domain)
        g_string_append_printf (s, ".%s", r->domain);
      if (r->target) {
        g_string_append_printf (s, ",%s", r->target);
        if (r->port_set)
          g_string_append_printf (s, ",%u", r->port);
        if (r->priority_set)
          g_string_append_printf (s, ",%u", r->priority);
        if (r->weight_set)
          g_string_append_printf (s, ",%u", r->weight);
      }
      g_string_append_c (s, '\n');
    }
  }

  for (guint i = 0; def->ips && i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    int prefix = vb_net_ip_prefix (ip);

    append_ranges (s, ip, prefix, &lease_max);
    if (ip->hosts && ip->hosts->len > 0)
      dhcp_hosts = TRUE;
    if (vb_network_ip_is_ipv6 (ip) && ip->hosts && ip->hosts->len > 0 &&
        (ip->ranges == NULL || ip->ranges->len == 0)) {
      g_autofree char *net = vb_net_ip_network (ip);
      g_autofree char *base = g_strndup (net, strchr (net, '/') - net);
      g_string_append_printf (s, "dhcp-range=%s,static,%d\n", base, prefix);
    } else if (!vb_network_ip_is_ipv6 (ip) && ip->hosts && ip->hosts->len > 0 &&
               (ip->ranges == NULL || ip->ranges->len == 0)) {
      g_autofree char *net = vb_net_ip_network (ip);
      g_autofree char *base = g_strndup (net, strchr (net, '/') - net);
      g_autofree char *mask = vb_net_prefix_to_netmask (prefix);
      g_string_append_printf (s, "dhcp-range=%s,static,%s\n", base, mask);
    }
    if (ip->bootp_file) {
      if (ip->bootp_server)
        g_string_append_printf (s, "dhcp-boot=%s,,%s\n", ip->bootp_file, ip->bootp_server);
      else
        g_string_append_printf (s, "dhcp-boot=%s\n", ip->bootp_file);
    }
    if (ip->tftp_root)
      g_string_append_printf (s, "enable-tftp\ntftp-root=%s\n", ip->tftp_root);
    for (guint j = 0; ip->options && j < ip->options->len; j++) {
      const VbDhcpOption *o = g_ptr_array_index (ip->options, j);
      g_string_append_printf (s, "dhcp-option=%u%s%s\n", o->number, o->value ? "," : "",
                              o->value ? o->value : "");
    }
  }
  if (dhcp) {
    /* the guests' addresses come only from us; skipping the ICMP probe
     * saves about 3 s per new lease */
    g_string_append (s, "dhcp-no-override\ndhcp-authoritative\nno-ping\n");
    g_string_append_printf (s, "dhcp-lease-max=%u\n", MAX (lease_max, 256));
    g_string_append_printf (s, "dhcp-leasefile=%s\n", paths->leases);
  }
  if (dhcp_hosts || dhcp)
    g_string_append_printf (s, "dhcp-hostsfile=%s\n", paths->hostsfile);
  g_string_append_printf (s, "addn-hosts=%s\n", paths->addnhosts);
  if (has_ipv6 (def))
    g_string_append (s, "enable-ra\n");
  for (guint i = 0; def->dnsmasq_options && i < def->dnsmasq_options->len; i++)
    g_string_append_printf (s, "%s\n", (const char *) g_ptr_array_index (def->dnsmasq_options, i));
  return g_string_free (s, FALSE);
}

char *
vb_dnsmasq_build_hostsfile (const VbNetworkDef *def)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; def->ips && i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    gboolean v6 = vb_network_ip_is_ipv6 (ip);

    for (guint j = 0; ip->hosts && j < ip->hosts->len; j++) {
      const VbDhcpHost *h = g_ptr_array_index (ip->hosts, j);
      g_autofree char *lt = lease_time (&h->lease);
      GPtrArray *fields = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *line = NULL;

      if (v6 && h->id)
        g_ptr_array_add (fields, g_strdup_printf ("id:%s", h->id));
      else if (h->mac)
        g_ptr_array_add (fields, g_strdup (h->mac));
      if (h->ip)
        g_ptr_array_add (fields, v6 ? g_strdup_printf ("[%s]", h->ip) : g_strdup (h->ip));
      if (h->name)
        g_ptr_array_add (fields, g_strdup (h->name));
      if (lt)
        g_ptr_array_add (fields, g_steal_pointer (&lt));
      g_ptr_array_add (fields, NULL);
      line = g_strjoinv (",", (char **) fields->pdata);
      g_string_append_printf (s, "%s\n", line);
      g_ptr_array_unref (fields);
    }
  }
  return g_string_free (s, FALSE);
}

char *
vb_dnsmasq_build_addnhosts (const VbNetworkDef *def)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; def->dns.hosts && i < def->dns.hosts->len; i++) {
    const VbDnsHost *h = g_ptr_array_index (def->dns.hosts, i);

    g_string_append (s, h->ip);
    for (guint j = 0; h->hostnames && j < h->hostnames->len; j++)
      g_string_append_printf (s, "\t%s", (const char *) g_ptr_array_index (h->hostnames, j));
    g_string_append_c (s, '\n');
  }
  return g_string_free (s, FALSE);
}

static gboolean
write_file (const char *path, const char *contents, GError **error)
{
  g_autoptr(GError) local = NULL;

  /* dnsmasq drops to an unprivileged user and re-reads the hosts files on
   * SIGHUP, so they must be world-readable; they hold nothing secret */
  if (!g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "%s", local->message);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_dnsmasq_write_files (const VbNetworkDef *def, const VbDnsmasqPaths *paths, GError **error)
{
  g_autofree char *conf = vb_dnsmasq_build_config (def, paths);
  g_autofree char *hosts = vb_dnsmasq_build_hostsfile (def);
  g_autofree char *addn = vb_dnsmasq_build_addnhosts (def);

  return write_file (paths->hostsfile, hosts, error) && write_file (paths->addnhosts, addn, error) &&
         write_file (paths->conf, conf, error);
}

void
vb_dnsmasq_remove_files (const VbDnsmasqPaths *paths)
{
  g_unlink (paths->conf);
  g_unlink (paths->hostsfile);
  g_unlink (paths->addnhosts);
  g_unlink (paths->pidfile);
}

static guint
lease_prefix (const VbNetworkDef *def, const char *address)
{
  for (guint i = 0; def->ips && i < def->ips->len; i++) {
    const VbNetworkIp *ip = g_ptr_array_index (def->ips, i);
    if (vb_net_ip_contains (ip, address))
      return (guint) MAX (vb_net_ip_prefix (ip), 0);
  }
  return 0;
}

static const char *
star_empty (const char *s)
{
  return g_strcmp0 (s, "*") == 0 ? "" : s;
}

GVariant *
vb_dnsmasq_read_leases (const char *lease_file, const VbNetworkDef *def, const char *mac)
{
  GVariantBuilder b;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean v6_section = FALSE;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(sxisssuss)"));
  if (!g_file_get_contents (lease_file, &contents, NULL, NULL))
    return g_variant_builder_end (&b);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);
    gint64 expiry;
    gboolean v6;
    const char *lease_mac, *iaid;

    /* IPv4 lines first; after "duid <server duid>" the IPv6 ones, whose
     * second field is the IAID */
    if (g_strv_length (f) == 2 && g_str_equal (f[0], "duid")) {
      v6_section = TRUE;
      continue;
    }
    if (g_strv_length (f) < 5)
      continue;
    expiry = g_ascii_strtoll (f[0], NULL, 10);
    if (expiry != 0 && expiry < now)
      continue;
    v6 = v6_section || strchr (f[2], ':') != NULL;
    lease_mac = v6 ? "" : f[1];
    iaid = v6 ? f[1] : "";
    if (mac && *mac && g_ascii_strcasecmp (mac, lease_mac) != 0)
      continue;
    g_variant_builder_add (&b, "(sxisssuss)", def->bridge_name ? def->bridge_name : "", expiry,
                           v6 ? 1 : 0, lease_mac, iaid, f[2], lease_prefix (def, f[2]),
                           star_empty (f[3]), star_empty (f[4]));
  }
  return g_variant_builder_end (&b);
}
