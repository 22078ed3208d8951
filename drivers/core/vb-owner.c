/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Remembered owners of files lent to confined guests (see vb-owner.h).
 * The attribute reads "UID:GID HOLDER HOLDER…": the first owner, then the
 * guests that hold the file, so a release is idempotent and a shared
 * read-only image goes back only when its last guest has stopped. */
#include "vb-owner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vb-error.h"

/* Where records go when the file cannot carry one: trusted.* attributes
 * need CAP_SYS_ADMIN, which the shipped systemd unit does not grant, and
 * device nodes take no user.* ones.  One file per lent path, named by a
 * hash of the path, written durably before the chown like the attribute. */
static char *fallback_dir;

void
vb_owner_set_fallback_dir (const char *dir)
{
  g_free (fallback_dir);
  fallback_dir = g_strdup (dir);
}

static char *
fallback_path (const char *path)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);

  return fallback_dir ? g_build_filename (fallback_dir, hash, NULL) : NULL;
}

static gboolean
xattr_refused (int err)
{
  return err == EPERM || err == ENOTSUP;
}

/* The record's text in @buf (NUL-ended); -1 with errno as getxattr. */
static ssize_t
attr_get (const char *path, char *buf, size_t size)
{
  ssize_t len = getxattr (path, VB_OWNER_XATTR, buf, size - 1);
  g_autofree char *side = NULL;
  g_autofree char *data = NULL;
  gsize data_len;

  /* without CAP_SYS_ADMIN trusted.* reads as absent rather than refused */
  if (len >= 0 || !(xattr_refused (errno) || errno == ENODATA) || (side = fallback_path (path)) == NULL) {
    if (len >= 0)
      buf[len] = '\0';
    return len;
  }
  if (!g_file_get_contents (side, &data, &data_len, NULL)) {
    errno = ENODATA;
    return -1;
  }
  /* "PATH\nRECORD": the path, so that a hash collision is never taken for
   * another file's record */
  if (!g_str_has_prefix (data, path) || data[strlen (path)] != '\n' || data_len - strlen (path) - 1 >= size) {
    errno = ENODATA;
    return -1;
  }
  len = (ssize_t) (data_len - strlen (path) - 1);
  memcpy (buf, data + strlen (path) + 1, (size_t) len);
  buf[len] = '\0';
  return len;
}

static int
attr_set (const char *path, const char *value, gsize len)
{
  g_autofree char *side = NULL;
  g_autofree char *data = NULL;

  if (setxattr (path, VB_OWNER_XATTR, value, len, 0) == 0)
    return 0;
  if (!xattr_refused (errno) || (side = fallback_path (path)) == NULL)
    return -1;
  data = g_strdup_printf ("%s\n%.*s", path, (int) len, value);
  if (!g_file_set_contents_full (side, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL)) {
    errno = EIO;
    return -1;
  }
  return 0;
}

static int
attr_remove (const char *path)
{
  g_autofree char *side = NULL;

  if (removexattr (path, VB_OWNER_XATTR) < 0 && errno != ENODATA && !xattr_refused (errno))
    return -1;
  /* whichever of the two held it */
  side = fallback_path (path);
  return side == NULL || g_unlink (side) == 0 || errno == ENOENT ? 0 : -1;
}

typedef struct {
  uid_t uid;
  gid_t gid;
  GPtrArray *holders;
} OwnerRecord;

static void
owner_record_clear (OwnerRecord *rec)
{
  g_clear_pointer (&rec->holders, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OwnerRecord, owner_record_clear)

/* FALSE with no error: @path has no record. */
static gboolean
owner_read (const char *path, OwnerRecord *rec, GError **error)
{
  char buf[4096];
  ssize_t len = attr_get (path, buf, sizeof buf);
  g_auto(GStrv) words = NULL;
  guint64 uid, gid;
  char *colon;

  if (len < 0) {
    int saved = errno;

    if (saved == ENODATA)
      return FALSE;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot read the remembered owner of %s: %s", path,
                 g_strerror (saved));
    return FALSE;
  }
  words = g_strsplit (buf, " ", -1);
  colon = strchr (words[0], ':');
  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, G_MAXUINT32 - 1, &gid, NULL)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "%s has a malformed %s attribute", path, VB_OWNER_XATTR);
    return FALSE;
  }
  *colon = '\0';
  if (!g_ascii_string_to_unsigned (words[0], 10, 0, G_MAXUINT32 - 1, &uid, NULL)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "%s has a malformed %s attribute", path, VB_OWNER_XATTR);
    return FALSE;
  }
  rec->uid = (uid_t) uid;
  rec->gid = (gid_t) gid;
  rec->holders = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 1; words[i]; i++)
    if (*words[i])
      g_ptr_array_add (rec->holders, g_strdup (words[i]));
  return TRUE;
}

static gboolean
owner_write (const char *path, const OwnerRecord *rec, GError **error)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_string_printf (s, "%u:%u", (guint) rec->uid, (guint) rec->gid);
  for (guint i = 0; i < rec->holders->len; i++)
    g_string_append_printf (s, " %s", (const char *) g_ptr_array_index (rec->holders, i));
  if (attr_set (path, s->str, s->len) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot remember the owner of %s (%s): %s", path,
                 VB_OWNER_XATTR, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

static gboolean
holder_index (const OwnerRecord *rec, const char *holder, guint *index)
{
  return g_ptr_array_find_with_equal_func (rec->holders, holder, g_str_equal, index);
}

gboolean
vb_owner_take (const char *path, const char *holder, uid_t uid, gid_t gid, GError **error)
{
  g_auto(OwnerRecord) rec = { 0 };
  g_autoptr(GError) local = NULL;
  struct stat st;

  g_return_val_if_fail (holder != NULL && *holder && strchr (holder, ' ') == NULL, FALSE);

  if (g_stat (path, &st) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot hand %s to the guest: %s", path, g_strerror (saved));
    return FALSE;
  }
  if (!owner_read (path, &rec, &local)) {
    if (local) {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
    /* the first holder: what it finds is what goes back */
    rec.uid = st.st_uid;
    rec.gid = st.st_gid;
    rec.holders = g_ptr_array_new_with_free_func (g_free);
  }
  if (!holder_index (&rec, holder, NULL))
    g_ptr_array_add (rec.holders, g_strdup (holder));
  /* remembered before it changes: a crash in between leaves a record
   * whose release is a no-op chown */
  if (!owner_write (path, &rec, error))
    return FALSE;
  if ((st.st_uid != uid || st.st_gid != gid) && chown (path, uid, gid) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot hand %s to the guest's user: %s", path, g_strerror (saved));
    vb_owner_release (path, holder, NULL);
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_owner_release (const char *path, const char *holder, GError **error)
{
  g_auto(OwnerRecord) rec = { 0 };
  g_autoptr(GError) local = NULL;
  guint index;

  if (!owner_read (path, &rec, &local)) {
    /* no record (never ours), or the file went with its guest */
    if (local == NULL || !g_file_test (path, G_FILE_TEST_EXISTS))
      return TRUE;
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  if (!holder_index (&rec, holder, &index) && rec.holders->len > 0)
    return TRUE;
  if (rec.holders->len > 0)
    g_ptr_array_remove_index (rec.holders, index);
  if (rec.holders->len > 0)
    return owner_write (path, &rec, error);
  /* the owner first, the record after: a crash in between leaves a record
   * with no holders, which the next take or release completes */
  if (chown (path, rec.uid, rec.gid) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot give %s back to %u:%u: %s", path, (guint) rec.uid,
                 (guint) rec.gid, g_strerror (saved));
    return FALSE;
  }
  if (attr_remove (path) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot drop the remembered owner of %s: %s", path,
                 g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_owner_get_original (const char *path, uid_t *uid, gid_t *gid, GError **error)
{
  g_auto(OwnerRecord) rec = { 0 };

  if (!owner_read (path, &rec, error))
    return FALSE;
  *uid = rec.uid;
  *gid = rec.gid;
  return TRUE;
}

/* The record: the paths, each ended by a NUL. */
static char **
record_load (const char *record)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_get_contents (record, &data, &len, NULL))
    return NULL;
  for (gsize at = 0; at < len;) {
    gsize n = strnlen (data + at, len - at);

    if (n > 0)
      g_ptr_array_add (paths, g_strndup (data + at, n));
    at += n + 1;
  }
  g_ptr_array_add (paths, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&paths), FALSE);
}

gboolean
vb_owner_take_all (const char *record, const char *const *paths, const char *holder, uid_t uid, gid_t gid,
                   GError **error)
{
  g_autoptr(GString) data = g_string_new (NULL);
  g_auto(GStrv) before = record_load (record);

  /* a record left by a run that ended unseen is released first: its
   * paths may differ from this run's */
  if (before)
    vb_owner_release_all (record, holder);
  for (guint i = 0; paths[i]; i++)
    g_string_append_len (data, paths[i], strlen (paths[i]) + 1);
  if (!g_file_set_contents_full (record, data->str, data->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  for (guint i = 0; paths[i]; i++) {
    if (!vb_owner_take (paths[i], holder, uid, gid, error)) {
      vb_owner_release_all (record, holder);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
vb_owner_take_one_more (const char *record, const char *path, const char *holder, uid_t uid, gid_t gid,
                        GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GString) more = NULL;

  if (!g_file_get_contents (record, &data, &len, NULL))
    len = 0;
  more = g_string_new_len (data, len);
  g_string_append_len (more, path, strlen (path) + 1);
  if (!g_file_set_contents_full (record, more->str, more->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  return vb_owner_take (path, holder, uid, gid, error);
}

void
vb_owner_release_all (const char *record, const char *holder)
{
  g_auto(GStrv) paths = record_load (record);

  if (paths == NULL)
    return;
  for (guint i = 0; paths[i]; i++) {
    g_autoptr(GError) error = NULL;

    if (!vb_owner_release (paths[i], holder, &error))
      g_warning ("%s", error->message);
  }
  g_unlink (record);
}
