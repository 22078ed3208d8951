/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#if !defined(__VIRTBUS_H_INSIDE__) && !defined(VIRTBUS_COMPILATION)
#error "Only <virtbus.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define VIRTBUS_TYPE_DHCP_LEASE (virtbus_dhcp_lease_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusDhcpLease, virtbus_dhcp_lease, VIRTBUS, DHCP_LEASE, GObject)

const char *virtbus_dhcp_lease_get_interface (VirtbusDhcpLease *self);
gint64 virtbus_dhcp_lease_get_expiry_time (VirtbusDhcpLease *self);
gboolean virtbus_dhcp_lease_get_is_ipv6 (VirtbusDhcpLease *self);
const char *virtbus_dhcp_lease_get_mac (VirtbusDhcpLease *self);
const char *virtbus_dhcp_lease_get_iaid (VirtbusDhcpLease *self);
const char *virtbus_dhcp_lease_get_ip_address (VirtbusDhcpLease *self);
guint virtbus_dhcp_lease_get_prefix (VirtbusDhcpLease *self);
const char *virtbus_dhcp_lease_get_hostname (VirtbusDhcpLease *self);
const char *virtbus_dhcp_lease_get_client_id (VirtbusDhcpLease *self);

G_END_DECLS
