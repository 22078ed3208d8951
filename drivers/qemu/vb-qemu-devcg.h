/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One device a guest's cgroup may open: 'c' or 'b', its major, and its
 * minor or -1 for every minor of the major. */
typedef struct {
  char type;
  guint32 major;
  gint64 minor;
} VbQemuDevRule;

/* Attaches to the cgroup v2 directory @cgroup_dir a device program that
 * lets its processes open (read, write, mknod) the devices @rules name
 * and nothing else: cgroup v2's device controller is a BPF program. */
gboolean vb_qemu_devcg_attach (const char *cgroup_dir, const VbQemuDevRule *rules, guint n_rules,
                               GError **error);

G_END_DECLS
