/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What dnsmasq needs for one network, generated from its definition: a
 * config file, a DHCP hosts file and an additional hosts file (both
 * re-read on SIGHUP, so static hosts change without a restart), and the
 * lease file dnsmasq keeps, read back for GetDHCPLeases. */

#include <glib.h>

#include "vb-network-def.h"

G_BEGIN_DECLS

typedef struct {
  char *conf;
  char *hostsfile;
  char *addnhosts;
  char *leases;
  char *pidfile;
} VbDnsmasqPaths;

void vb_dnsmasq_paths_init (VbDnsmasqPaths *paths, const char *run_dir, const char *network_name);
void vb_dnsmasq_paths_clear (VbDnsmasqPaths *paths);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VbDnsmasqPaths, vb_dnsmasq_paths_clear)

/* Whether the network runs a dnsmasq at all: a bridge of ours, and DNS
 * not disabled or some DHCP/RA to serve. */
gboolean vb_dnsmasq_needed (const VbNetworkDef *def);

/* Whether dnsmasq must restart (not just reload) to go from @old to @new:
 * anything but static hosts and DNS host records changed. */
gboolean vb_dnsmasq_needs_restart (const VbNetworkDef *old_def, const VbNetworkDef *new_def);

char *vb_dnsmasq_build_config (const VbNetworkDef *def, const VbDnsmasqPaths *paths);
char *vb_dnsmasq_build_hostsfile (const VbNetworkDef *def);
char *vb_dnsmasq_build_addnhosts (const VbNetworkDef *def);

/* Writes the three generated files. */
gboolean vb_dnsmasq_write_files (const VbNetworkDef *def, const VbDnsmasqPaths *paths,
                                 GError **error);
void vb_dnsmasq_remove_files (const VbDnsmasqPaths *paths);

/* The leases in @lease_file (dnsmasq's own format) as a(sxisssuss):
 * interface, expiry, type (0 IPv4, 1 IPv6), MAC, IAID, address, prefix,
 * hostname, client id; expired ones skipped; @mac (or NULL/"") filters.
 * A missing file is an empty list. */
GVariant *vb_dnsmasq_read_leases (const char *lease_file, const VbNetworkDef *def,
                                  const char *mac);

G_END_DECLS
