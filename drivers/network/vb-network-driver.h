/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Virtual networks for a hypervisor driver.  Not a VbDriver of its own: a
 * hypervisor driver (QEMU, LXC) owns one, forwards the VB_OP_NETWORK_*
 * operations to it from its run vfunc, and plugs its guests' NICs in
 * through the port calls below.  The networks live in the owner's
 * registry, so they appear under the owner's root on the bus
 * (/org/libvirt/QEMU/network/…), and their events are the owner's.
 *
 * Files (definitions through the core's config store, keyed by name):
 *   config_dir/<name>.xml            persistent definitions
 *   config_dir/autostart/<name>      mark: start with the daemon (a symlink
 *                                    autostart/<name>.xml, as older versions
 *                                    made, is taken over at open)
 *   run_dir/<name>.status            live state of a running network
 *   run_dir/<name>.{conf,hostsfile,addnhosts,leases,pid}  dnsmasq's
 *   run_dir/sysctl.state             forwarding sysctls we changed */

#include <gio/gio.h>

#include "vb-driver.h"
#include "vb-net-platform.h"
#include "vb-network-port.h"

G_BEGIN_DECLS

#define VB_TYPE_NETWORK_DRIVER (vb_network_driver_get_type ())
G_DECLARE_FINAL_TYPE (VbNetworkDriver, vb_network_driver, VB, NETWORK_DRIVER, GObject)

/* @owner is not referenced (it owns us).  The netlink platform is used
 * unless vb_network_driver_set_platform() is called before open. */
VbNetworkDriver *vb_network_driver_new (VbDriver *owner, const char *config_dir,
                                        const char *run_dir);

/* Takes ownership of @platform (for tests that replace the kernel).  The
 * driver then calls it from two threads, the main one (bridge names,
 * neighbours) and its kernel worker (start, stop, update, guest
 * devices), so it must be thread-safe; the netlink platform instead
 * gets a second instance for the worker. */
void vb_network_driver_set_platform (VbNetworkDriver *self, VbNetPlatform *platform);

/* Where dnsmasq is found; defaults to "dnsmasq" on PATH, then /usr/sbin. */
void vb_network_driver_set_dnsmasq_path (VbNetworkDriver *self, const char *path);

/* Loads the persisted definitions, re-attaches to networks still running
 * (bridge present, dnsmasq alive, firewall table present — what is
 * missing is restored; a network whose bridge vanished is cleaned up and
 * marked inactive), then starts the autostart ones.  A definition that
 * cannot be loaded or started is logged and skipped. */
gboolean vb_network_driver_open (VbNetworkDriver *self, GError **error);

/* TRUE for the ops vb_network_driver_run() implements. */
gboolean vb_network_driver_handles (VbOp op);

/* Runs @op as the owner's run vfunc would (same contract).  The kernel
 * side of start, stop and update (bridge, addresses, routes, nftables,
 * sysctls) runs in a worker thread; @task completes on the caller's main
 * context afterwards, where all object state changes and events happen. */
void vb_network_driver_run (VbNetworkDriver *self, VbOp op, gpointer object, GVariant *args,
                            GTask *task);

/* Ports ---------------------------------------------------------------------- */

/* Plugs a guest NIC into network @network_name: resolves @req (portgroup,
 * virtualport, vlan, bandwidth, pool device) and creates its device: a tap
 * joined to the network's (or the host's) bridge, or a macvtap in the
 * pool's mode on the device picked (least used; exclusive for
 * passthrough).  @ifname_hint names the device ("vnet%d" / "macvtap%d"
 * when NULL).  The port is charged at once, on the calling (main)
 * thread, so that the next NIC counts it; the device is made in the
 * kernel worker, after every kernel change asked for before (a network
 * starting or stopping, a device being deleted), and @callback runs on
 * the calling thread's main context.  Finish with
 * vb_network_driver_plug_finish().  Nothing stays charged or created
 * on failure. */
void vb_network_driver_port_allocate_async (VbNetworkDriver *self, const char *network_name,
                                            const VbPortRequest *req, const char *ifname_hint,
                                            GAsyncReadyCallback callback, gpointer user_data);

/* Unplugs: gives the port's share back to the network at once (a port
 * of a network that is gone or no longer running is ignored) and has the
 * kernel worker delete the device @ifname if it still exists (the caller
 * closes its fd). */
void vb_network_driver_port_release (VbNetworkDriver *self, const VbNetworkPort *port,
                                     const char *ifname);

/* A guest NIC outside any virtual network (<interface type='bridge'>,
 * 'direct' or 'ethernet'): creates the device for @port, which the caller
 * resolved itself (type VB_PORT_TYPE_BRIDGE with bridge_name,
 * VB_PORT_TYPE_DIRECT with dev and macvtap_mode, or VB_PORT_TYPE_ETHERNET
 * with its mtu, host_ips and host_routes; mac and bandwidth as for any
 * port), and charges nothing.  An ethernet port with tap_existing opens
 * the persistent tap @ifname_hint instead and changes nothing on it; the
 * caller must then never _unplug it.  Made in the kernel worker, as by
 * _port_allocate_async; finish with vb_network_driver_plug_finish(). */
void vb_network_driver_plug_async (VbNetworkDriver *self, const VbNetworkPort *port,
                                   const char *ifname_hint, GAsyncReadyCallback callback,
                                   gpointer user_data);

/* Finishes either plug: the actual connection (NULL when nothing was
 * charged; @out_port may be NULL then), the device's name and its fd
 * (the tap queue or the opened /dev/tapN), all owned by the caller. */
gboolean vb_network_driver_plug_finish (VbNetworkDriver *self, GAsyncResult *result,
                                        VbNetworkPort **out_port, char **out_ifname, int *out_fd,
                                        GError **error);

/* Has the kernel worker delete the device @ifname made by a plug, if it
 * still exists. */
void vb_network_driver_unplug (VbNetworkDriver *self, const char *ifname);

/* Completes once every device deletion (and every other kernel job)
 * queued so far is done: a guest is reported stopped only when its taps
 * and macvtaps are gone, as libvirt does. */
void vb_network_driver_released_async (VbNetworkDriver *self, GAsyncReadyCallback callback,
                                       gpointer user_data);
void vb_network_driver_released_finish (VbNetworkDriver *self, GAsyncResult *result);

/* After a daemon restart the hypervisor driver recounts: _usage_reset on
 * every network, then _port_reclaim for every port of every guest that
 * kept running.  Nothing is created or deleted. */
void vb_network_driver_usage_reset (VbNetworkDriver *self);
gboolean vb_network_driver_port_reclaim (VbNetworkDriver *self, const VbNetworkPort *port,
                                         GError **error);

/* Guest addresses ----------------------------------------------------------- */

/* The DHCP leases network @network_name holds for @mac (NULL: all), in
 * GetDHCPLeases' shape a(sxisssuss); NULL with an error when there is no
 * such network. */
GVariant *vb_network_driver_get_leases (VbNetworkDriver *self, const char *network_name,
                                        const char *mac, GError **error);

/* The host's IPv4 neighbour table (VbNeighbour), for the ARP source of
 * a guest's addresses. */
GArray *vb_network_driver_get_neighbours (VbNetworkDriver *self, GError **error);

/* Live usage of a running network (NULL if not running); for tests. */
const VbNetworkUsage *vb_network_driver_get_usage (VbNetworkDriver *self,
                                                   const char *network_name);

G_END_DECLS
