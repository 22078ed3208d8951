/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* nftables rules for one network: a table "virtbus-<name>" of family inet
 * that holds every rule the network needs (NAT, routing, isolation, and
 * the DHCP/DNS openings on its bridge), loaded through libnftables in one
 * transaction and removed by deleting the table.  Rules of other tables
 * (the host's own, other networks') are never touched. */

#include <glib.h>

#include "vb-network-def.h"

G_BEGIN_DECLS

/* "virtbus-<name>" with bytes outside [A-Za-z0-9.-] escaped as _xx. */
char *vb_net_firewall_table_name (const char *network_name);

/* The ruleset text for @def (bridge_name must be set), or NULL with no
 * error when the forward mode needs no rules (open, and modes without a
 * bridge of ours). */
char *vb_net_firewall_build (const VbNetworkDef *def, GError **error);

/* Replaces the network's table with @def's rules in one transaction (a
 * stale table of the same name goes in the same commit).  No-op when the
 * mode needs no rules. */
gboolean vb_net_firewall_apply (const VbNetworkDef *def, GError **error);

/* Deletes the network's table if it exists. */
gboolean vb_net_firewall_remove (const char *network_name, GError **error);

gboolean vb_net_firewall_exists (const char *network_name);

G_END_DECLS
