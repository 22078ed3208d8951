/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The host side of a guest's <interface>, for any hypervisor driver
 * (QEMU now, LXC next): the connection resolved from the interface's
 * definition, for every type that gets a device of ours (network,
 * bridge, direct, ethernet), and the device made. */

#include "vb-domain-def.h"
#include "vb-network-driver.h"

G_BEGIN_DECLS

/* Resolves @iface and creates its device: for type 'network' a port of
 * the running network (vb_network_driver_port_allocate_async), for
 * 'bridge', 'direct' and 'ethernet' the port its <source> and <target>
 * describe (vb_network_driver_plug_async, nothing charged); the device
 * is made in the network driver's kernel worker, never on the calling
 * thread.  <target dev> names the device unless it is under the prefixes
 * the driver hands out (vnet, macvtap).  @label names the interface in
 * errors ("interface net0 of 'vm1'").  @iface is read before this
 * returns, never after. */
void vb_network_driver_plug_interface_async (VbNetworkDriver *self, const VbDomainInterfaceDef *iface,
                                             const char *label, GAsyncReadyCallback callback,
                                             gpointer user_data);

/* Returns the port (NULL when nothing was charged), the device's name
 * and its fd, all the caller's, and whether the device is an admin's own
 * tap (ethernet, managed='no') that must never be deleted.  Nothing
 * stays created or charged on failure. */
gboolean vb_network_driver_plug_interface_finish (VbNetworkDriver *self, GAsyncResult *result,
                                                  VbNetworkPort **out_port, char **out_ifname, int *out_fd,
                                                  gboolean *out_borrowed, GError **error);

/* The live definition shows the actual connection, as libvirt's does:
 * the device made (<target dev>), and from @port (may be NULL) the bridge
 * or the pool device and macvtap mode picked and what the portgroup
 * merged in. */
void vb_network_port_show_in_interface (VbDomainInterfaceDef *iface, const VbNetworkPort *port,
                                        const char *ifname);

G_END_DECLS
