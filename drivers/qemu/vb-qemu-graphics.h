/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "vb-domain-def.h"
#include "vb-qemu-monitor-json.h"

G_BEGIN_DECLS

/* VNC and SPICE displays of the QEMU driver, around the command line:
 * the ports chosen before qemu runs, the ones read back after, and
 * clients handed to a display over a socket pair. */

/* Adds the TCP ports the displays of @def listen on (or will) to @ports
 * (a set of GUINT_TO_POINTER). */
void vb_qemu_graphics_add_ports (const VbDomainDef *def, GHashTable *ports);

/* Readies the displays of a live definition before the command line is
 * built: the default listen address written in, as the live XML shows
 * it, and a port for each autoport VNC or SPICE display on TCP: free to
 * bind on its address and none of @ports_in_use (those of the driver's
 * other guests), in libvirt's range 5900–65535. */
gboolean vb_qemu_graphics_prepare (VbDomainDef *live, GHashTable *ports_in_use, GError **error);

gboolean vb_qemu_graphics_has_spice (const VbDomainDef *def);
/* query-spice's answer: the port SPICE listens on (0: none), into @live. */
void vb_qemu_graphics_fill_spice_port (VbDomainDef *live, gint64 port);

/* libvirt's VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH */
#define VB_QEMU_OPEN_GRAPHICS_SKIPAUTH (1u << 0)

/* Domain.OpenGraphicsFD on a running guest: a socket pair, one end given
 * to qemu ("getfd", then "add_client" for the display @idx of @live),
 * and @task completed with the other end (an 'h' result and its fd
 * list), or with an error that changed nothing. */
void vb_qemu_graphics_open_fd (VbQemuMonitor *mon, const VbDomainDef *live, guint idx, guint flags,
                               GTask *task);

G_END_DECLS
