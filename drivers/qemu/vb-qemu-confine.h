/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "vb-domain-def.h"

G_BEGIN_DECLS

/* The confinement of one guest of the system instance: its qemu runs as
 * the qemu user (VB_QEMU_USER, made by data/sysusers.d) with the files it
 * needs lent to that user (vb-owner), in a mount namespace of its own
 * whose /dev holds only the nodes its definition needs, with no
 * capabilities and no way to gain any, in a cgroup of its own.  The
 * session instance runs guests as its user and confines nothing. */
typedef struct _VbQemuConfine VbQemuConfine;

/* What @def needs, noted on the main thread: @run_dir is the driver's
 * run directory, @key the domain's UUID, @pid_path qemu's -pidfile. */
VbQemuConfine *vb_qemu_confine_new (const VbDomainDef *def, const char *run_dir, const char *key,
                                    const char *pid_path);
void vb_qemu_confine_free (VbQemuConfine *confine);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuConfine, vb_qemu_confine_free)

/* In a worker, before the fork: looks the user up, lends the files,
 * makes the cgroup and computes everything the child does (which may not
 * allocate).  Undone by vb_qemu_confine_release() on failure. */
gboolean vb_qemu_confine_prepare (VbQemuConfine *confine, GError **error);
/* In the child between fork and exec (a GSpawnChildSetupFunc): a step
 * that fails ends the child with a message on its stderr (the log);
 * qemu never runs less confined than asked. */
void vb_qemu_confine_child (gpointer confine);
/* After the spawn, whatever became of it. */
void vb_qemu_confine_spawned (VbQemuConfine *confine);

/* The run of guest @key ended, or was found ended after a restart: its
 * files go back to their owners and its cgroup goes.  Idempotent. */
void vb_qemu_confine_release (const char *run_dir, const char *key);
/* The same in a worker: @callback when done (it cannot fail; failures
 * are logged). */
void vb_qemu_confine_release_async (const char *run_dir, const char *key, GAsyncReadyCallback callback,
                                    gpointer user_data);

/* A file plugged into running guest @key (a disk, a cdrom's new media):
 * lent to the qemu user in a worker, and kept in the guest's record so
 * that the run's end gives it back. */
void vb_qemu_confine_lend_async (const char *run_dir, const char *key, const char *path,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_confine_lend_finish (GAsyncResult *result, GError **error);
/* The guest let go of @path before its run ended (unplugged, media
 * changed); in a worker, with nobody waiting. */
void vb_qemu_confine_unlend (const char *key, const char *path);

/* The driver's @dir (with @parents of its ancestors, also the driver's)
 * made, and passable to the qemu user, not readable: the NVRAM stores
 * under /var/lib/virtbus must be reachable by the guests they are lent
 * to. */
gboolean vb_qemu_confine_make_reachable (const char *dir, guint parents, GError **error);

/* After a restart, once every guest with a status file was re-attached or
 * dropped: releases the files of runs that left a record but no status
 * (a daemon killed between lending and writing the status). */
void vb_qemu_confine_release_orphans (const char *run_dir);

G_END_DECLS
