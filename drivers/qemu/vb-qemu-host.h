/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vb-driver.h"
#include "vb-qemu-caps.h"

G_BEGIN_DECLS

/* Host facts for /org/libvirt/QEMU read from the real machine (/proc,
 * /sys, uname) and from the probed emulator.  Each answers one host op;
 * all are quick reads of kernel files, safe on the main thread. */
gboolean vb_qemu_host_run (VbOp op, GVariant *args, const VbQemuCaps *caps, GVariant **out,
                           GError **error);

G_END_DECLS
