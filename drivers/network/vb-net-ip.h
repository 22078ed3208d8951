/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Address arithmetic on a network's <ip> elements, shared by the firewall
 * and dnsmasq generators. */

#include <glib.h>

#include "vb-network-def.h"

G_BEGIN_DECLS

/* The prefix in force: prefix, netmask, or libvirt's classful/64 default;
 * -1 when none applies. */
int vb_net_ip_prefix (const VbNetworkIp *ip);
/* A <route>'s prefix: prefix, netmask, or -1. */
int vb_net_route_prefix (const VbNetworkRoute *route);
/* "192.168.122.0/24" */
char *vb_net_ip_network (const VbNetworkIp *ip);
/* "255.255.255.0" for an IPv4 prefix */
char *vb_net_prefix_to_netmask (guint prefix);
/* Whether @address lies in @ip's subnet. */
gboolean vb_net_ip_contains (const VbNetworkIp *ip, const char *address);

G_END_DECLS
