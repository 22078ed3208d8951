/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Dynamic ownership, libvirt's idea with the owner kept on the file
 * itself: a file a confined guest must open is handed to the guest's user
 * for as long as some guest holds it, and its owner is given back when the
 * last holder lets go.  The owner and the holders live in an extended
 * attribute written before the chown, so a daemon that dies at any point
 * leaves enough to restore the file later. */
#define VB_OWNER_XATTR "trusted.virtbus.owner"

/* Where a record is kept when the file refuses the attribute (no
 * CAP_SYS_ADMIN for trusted.*, as under the shipped unit): a durable file
 * per path in @dir.  Unset, such a file cannot be lent. */
void vb_owner_set_fallback_dir (const char *dir);

/* @holder (a guest's UUID) holds @path from now on; @path belongs to
 * @uid:@gid until its last holder releases it. */
gboolean vb_owner_take (const char *path, const char *holder, uid_t uid, gid_t gid, GError **error);
/* @holder lets go of @path; the last holder gives it its first owner
 * back.  A file @holder does not hold is left alone, so releasing twice
 * (after a crash) is harmless. */
gboolean vb_owner_release (const char *path, const char *holder, GError **error);
/* The owner @path had before its first holder, if it has holders. */
gboolean vb_owner_get_original (const char *path, uid_t *uid, gid_t *gid, GError **error);

/* The same for every path of @paths, listed in @record first (a file of
 * the daemon's own): a guest's whole set is released from the list even
 * when the daemon that took it is gone.  On failure what was taken is
 * released again. */
gboolean vb_owner_take_all (const char *record, const char *const *paths, const char *holder, uid_t uid,
                            gid_t gid, GError **error);
/* One more path for @holder (a disk plugged into a running guest): added
 * to @record, then taken. */
gboolean vb_owner_take_one_more (const char *record, const char *path, const char *holder, uid_t uid, gid_t gid,
                                 GError **error);
/* Releases every path @record lists and deletes @record; no record, no
 * work.  Failures are logged, the others still released. */
void vb_owner_release_all (const char *record, const char *holder);

G_END_DECLS
