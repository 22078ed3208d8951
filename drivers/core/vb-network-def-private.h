/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the parts of vb-network-def share, private to drivers/core:
 *   vb-network-def.c         the definition: free, validate, format
 *   vb-network-def-parse.c   the document, and the elements updates take
 *   vb-network-def-update.c  virNetworkUpdate
 *   vb-network-def-copy.c    the structure copy */

#include "vb-error.h"
#include "vb-network-def.h"

G_BEGIN_DECLS

#define DNSMASQ_NS "http://libvirt.org/schemas/network/dnsmasq/1.0"

/* every rejection names the element or attribute and why */
#define config_error vb_error_invalid_config

/* forward modes by VbNetworkForwardMode - 1 */
extern const char *const vb_network_forward_modes[];

/* Modes where libvirt creates and owns the bridge. */
gboolean vb_network_forward_mode_has_own_bridge (VbNetworkForwardMode mode);

/* A definition with its arrays allocated, empty */
VbNetworkDef *vb_network_def_alloc (void);

/* GDestroyNotify for the elements of the definition's arrays */
void vb_network_forward_iface_free (gpointer p);
void vb_network_portgroup_free (gpointer p);
void vb_dhcp_range_free (gpointer p);
void vb_dhcp_host_free (gpointer p);
void vb_dhcp_option_free (gpointer p);
void vb_network_ip_free (gpointer p);
void vb_network_route_free (gpointer p);
void vb_dns_txt_free (gpointer p);
void vb_dns_srv_free (gpointer p);
void vb_dns_host_free (gpointer p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkForwardIface, vb_network_forward_iface_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkPortGroup, vb_network_portgroup_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDhcpRange, vb_dhcp_range_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDhcpHost, vb_dhcp_host_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkIp, vb_network_ip_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbNetworkRoute, vb_network_route_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDnsTxt, vb_dns_txt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDnsSrv, vb_dns_srv_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDnsHost, vb_dns_host_free)

/* One element each, as <network> holds them and updates send them */
VbDhcpRange *vb_network_parse_dhcp_range (xmlNode *node, const VbNetworkIp *ip, GError **error);
VbDhcpHost *vb_network_parse_dhcp_host (xmlNode *node, const VbNetworkIp *ip, GError **error);
VbNetworkPortGroup *vb_network_parse_portgroup (xmlNode *node, GError **error);
VbDnsHost *vb_network_parse_dns_host (xmlNode *node, GError **error);
VbDnsTxt *vb_network_parse_dns_txt (xmlNode *node, GError **error);
VbDnsSrv *vb_network_parse_dns_srv (xmlNode *node, GError **error);
VbNetworkForwardIface *vb_network_parse_forward_iface (xmlNode *node, guint flags, GError **error);

G_END_DECLS
