/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-domain-def.h"
#include "vb-qemu-caps.h"

G_BEGIN_DECLS

/* The qemu-system argv for @def: always -no-user-config -nodefaults and
 * -S (the driver issues "cont" once it holds the monitor), the accelerator
 * the domain type asks for (kvm: only where /dev/kvm opens; qemu: TCG),
 * SPICE displays on the port already in @def (the driver picks autoport
 * ports: qemu has no "first free port" for SPICE),
 * and only machine types and CPU models @caps lists.  Devices the driver
 * cannot yet build, and files that do not exist, are errors here, before
 * any process starts.  Interfaces for which vb_qemu_interface_uses_tap()
 * is TRUE need a device the driver created: @tap_fds, one entry per
 * interface of @def (-1 for the others), gives the fd the child holds;
 * @qmp_fd is the child's listening socket for QMP
 * (vb_qemu_monitor_listen); qemu writes its pid to @pid_path. */
GStrv vb_qemu_build_command (const VbDomainDef *def, const VbQemuCaps *caps, int qmp_fd,
                             const char *pid_path, const int *tap_fds, GError **error);

/* Network, bridge, direct and ethernet interfaces: a tap or macvtap the
 * driver creates (or, for an ethernet one with managed='no', opens) and
 * passes to qemu as an open fd. */
gboolean vb_qemu_interface_uses_tap (const VbDomainInterfaceDef *iface);
/* The MTU the NIC announces to the guest (virtio-net's host_mtu); 0: none. */
guint vb_qemu_interface_guest_mtu (const VbDomainInterfaceDef *iface);

/* qemu device ids are the devices' <alias name=…> in the live definition,
 * libvirt style ("virtio-disk0", "net1"), so hot-unplug finds them again,
 * also after a daemon restart. */
void vb_qemu_assign_aliases (VbDomainDef *def);
void vb_qemu_assign_controller_aliases (VbDomainDef *def, const VbQemuCaps *caps);
char *vb_qemu_device_alias (const VbDomainDeviceInfo *info);
void vb_qemu_set_alias (VbDomainDeviceInfo *info, const char *name);
/* The first "<prefix>N" no disk or interface of @def uses. */
char *vb_qemu_next_alias (const VbDomainDef *def, const char *prefix);
const char *vb_qemu_disk_alias_prefix (const VbDomainDiskDef *disk);
/* Where a VNC or SPICE display listens: its <listen type='address'>, or
 * VB_QEMU_DEFAULT_LISTEN. */
#define VB_QEMU_DEFAULT_LISTEN "127.0.0.1"
const char *vb_qemu_graphics_listen_address (const VbDomainGraphicsDef *g);
/* The unix socket path a display listens on (a socket <listen> or the
 * socket attribute), NULL for TCP. */
const char *vb_qemu_graphics_socket (const VbDomainGraphicsDef *g);

/* The qemu device of a NIC model; NULL when the driver has none. */
const char *vb_qemu_nic_device (const char *model);

G_END_DECLS
