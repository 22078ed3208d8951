/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Remembered owners (vb-owner): take, shared holders, release, and the
 * release a restarted daemon does from a guest's record.  Needs root
 * (chown to other users, trusted.* attributes) and a filesystem with
 * trusted attributes for the temporary directory; skipped otherwise. */
#include <errno.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "vb-error.h"
#include "vb-owner.h"

#define GUEST_UID 61010
#define GUEST_GID 61011
#define FIRST_UID 61020
#define FIRST_GID 61021

typedef struct {
  char *dir;
  char *image;
  char *shared;
  char *record;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("vb-owner-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->image = g_build_filename (f->dir, "disk.img", NULL);
  f->shared = g_build_filename (f->dir, "cd.iso", NULL);
  f->record = g_build_filename (f->dir, "guest.owned", NULL);
  g_assert_true (g_file_set_contents (f->image, "x", 1, NULL));
  g_assert_true (g_file_set_contents (f->shared, "y", 1, NULL));
  g_assert_cmpint (chown (f->image, FIRST_UID, FIRST_GID), ==, 0);
  g_assert_cmpint (chown (f->shared, FIRST_UID, FIRST_GID), ==, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_unlink (f->image);
  g_unlink (f->shared);
  g_unlink (f->record);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->image);
  g_free (f->shared);
  g_free (f->record);
}

static void
assert_owner (const char *path, uid_t uid, gid_t gid)
{
  struct stat st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_uid, ==, uid);
  g_assert_cmpuint (st.st_gid, ==, gid);
}

static gboolean
has_record (const char *path)
{
  return getxattr (path, VB_OWNER_XATTR, NULL, 0) >= 0;
}

/* Under the shipped unit there is no CAP_SYS_ADMIN, so trusted.* is
 * refused: the record goes to a file of the fallback directory instead,
 * and the owner still comes back.  Run in a child that dropped the
 * capability, as the unit would have it. */
static void
test_fallback_without_sys_admin (Fixture *f, gconstpointer data)
{
  g_autofree char *side = g_build_filename (f->dir, "owners", NULL);
  pid_t pid;
  int status;

  g_assert_cmpint (g_mkdir (side, 0700), ==, 0);
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct caps[2] = { { 0 } };
    g_autoptr(GDir) d = NULL;
    struct stat st;
    int files = 0;

    if (syscall (SYS_capget, &hdr, caps) < 0)
      _exit (10);
    caps[0].effective &= ~(1u << CAP_SYS_ADMIN);
    if (syscall (SYS_capset, &hdr, caps) < 0)
      _exit (11);
    if (setxattr (f->image, VB_OWNER_XATTR, "x", 1, 0) == 0 || errno != EPERM)
      _exit (12); /* the premise: the attribute is refused */
    vb_owner_set_fallback_dir (side);
    if (!vb_owner_take (f->image, "guest-a", GUEST_UID, GUEST_GID, NULL))
      _exit (13);
    d = g_dir_open (side, 0, NULL);
    while (d && g_dir_read_name (d))
      files++;
    if (files != 1 || stat (f->image, &st) < 0 || st.st_uid != GUEST_UID)
      _exit (14);
    if (!vb_owner_release (f->image, "guest-a", NULL))
      _exit (15);
    if (stat (f->image, &st) < 0 || st.st_uid != FIRST_UID || st.st_gid != FIRST_GID)
      _exit (16);
    g_dir_rewind (d);
    if (g_dir_read_name (d) != NULL)
      _exit (17);
    _exit (0);
  }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_rmdir (side);
}

static void
test_take_release (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  uid_t uid;
  gid_t gid;

  g_assert_true (vb_owner_take (f->image, "guest-a", GUEST_UID, GUEST_GID, &error));
  g_assert_no_error (error);
  assert_owner (f->image, GUEST_UID, GUEST_GID);
  g_assert_true (vb_owner_get_original (f->image, &uid, &gid, &error));
  g_assert_cmpuint (uid, ==, FIRST_UID);
  g_assert_cmpuint (gid, ==, FIRST_GID);

  /* a second take by the same guest changes nothing */
  g_assert_true (vb_owner_take (f->image, "guest-a", GUEST_UID, GUEST_GID, &error));
  g_assert_true (vb_owner_release (f->image, "guest-a", &error));
  g_assert_no_error (error);
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  g_assert_false (has_record (f->image));

  /* twice is harmless, and so is a file that was never lent */
  g_assert_true (vb_owner_release (f->image, "guest-a", &error));
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  g_assert_true (vb_owner_release (f->shared, "guest-a", &error));
  g_assert_no_error (error);
}

static void
test_shared_holders (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_owner_take (f->shared, "guest-a", GUEST_UID, GUEST_GID, &error));
  g_assert_true (vb_owner_take (f->shared, "guest-b", GUEST_UID, GUEST_GID, &error));
  g_assert_no_error (error);

  /* the first to stop does not take the image from the other */
  g_assert_true (vb_owner_release (f->shared, "guest-a", &error));
  assert_owner (f->shared, GUEST_UID, GUEST_GID);
  g_assert_true (vb_owner_release (f->shared, "guest-a", &error));
  assert_owner (f->shared, GUEST_UID, GUEST_GID);
  g_assert_true (vb_owner_release (f->shared, "guest-b", &error));
  g_assert_no_error (error);
  assert_owner (f->shared, FIRST_UID, FIRST_GID);
}

static void
test_record_after_crash (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *paths[] = { f->image, f->shared, NULL };

  g_assert_true (vb_owner_take (f->shared, "guest-b", GUEST_UID, GUEST_GID, &error));
  g_assert_true (vb_owner_take_all (f->record, paths, "guest-a", GUEST_UID, GUEST_GID, &error));
  g_assert_no_error (error);
  assert_owner (f->image, GUEST_UID, GUEST_GID);

  /* the daemon that took them is gone: a new one has the record only */
  vb_owner_release_all (f->record, "guest-a");
  g_assert_false (g_file_test (f->record, G_FILE_TEST_EXISTS));
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  assert_owner (f->shared, GUEST_UID, GUEST_GID);
  vb_owner_release_all (f->record, "guest-a");
  g_assert_true (vb_owner_release (f->shared, "guest-b", &error));
  assert_owner (f->shared, FIRST_UID, FIRST_GID);
}

static void
test_one_more (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *paths[] = { f->image, NULL };

  g_assert_true (vb_owner_take_all (f->record, paths, "guest-a", GUEST_UID, GUEST_GID, &error));
  /* plugged while it runs: in the record too, so its end gives it back */
  g_assert_true (vb_owner_take_one_more (f->record, f->shared, "guest-a", GUEST_UID, GUEST_GID, &error));
  g_assert_no_error (error);
  assert_owner (f->shared, GUEST_UID, GUEST_GID);
  vb_owner_release_all (f->record, "guest-a");
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  assert_owner (f->shared, FIRST_UID, FIRST_GID);
}

static void
test_crash_before_chown (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *value = "61020:61021 guest-a";

  /* died between remembering and handing over: the record alone */
  g_assert_cmpint (setxattr (f->image, VB_OWNER_XATTR, value, strlen (value), 0), ==, 0);
  g_assert_true (vb_owner_release (f->image, "guest-a", &error));
  g_assert_no_error (error);
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  g_assert_false (has_record (f->image));

  /* died between giving back and dropping the record: no holders left */
  value = "61020:61021";
  g_assert_cmpint (setxattr (f->image, VB_OWNER_XATTR, value, strlen (value), 0), ==, 0);
  g_assert_true (vb_owner_take (f->image, "guest-b", GUEST_UID, GUEST_GID, &error));
  g_assert_true (vb_owner_release (f->image, "guest-b", &error));
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  g_assert_false (has_record (f->image));
}

static void
test_failed_take_undone (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing.img", NULL);
  const char *paths[] = { f->image, missing, NULL };

  g_assert_false (vb_owner_take_all (f->record, paths, "guest-a", GUEST_UID, GUEST_GID, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.img"));
  assert_owner (f->image, FIRST_UID, FIRST_GID);
  g_assert_false (has_record (f->image));
  g_assert_false (g_file_test (f->record, G_FILE_TEST_EXISTS));
}

static gboolean
can_run (char **why)
{
  g_autofree char *dir = NULL;
  g_autofree char *probe = NULL;
  gboolean ok;

  if (geteuid () != 0) {
    *why = g_strdup ("needs root (chown, trusted.* attributes)");
    return FALSE;
  }
  dir = g_dir_make_tmp ("vb-owner-probe-XXXXXX", NULL);
  probe = g_build_filename (dir, "probe", NULL);
  g_file_set_contents (probe, "", 0, NULL);
  ok = setxattr (probe, VB_OWNER_XATTR, "0:0", 3, 0) == 0;
  if (!ok)
    *why = g_strdup_printf ("%s: no trusted.* attributes (%s)", dir, g_strerror (errno));
  g_unlink (probe);
  g_rmdir (dir);
  return ok;
}

static void
skip_all (gconstpointer why)
{
  g_test_skip (why);
}

int
main (int argc, char **argv)
{
  g_autofree char *why = NULL;

  g_test_init (&argc, &argv, NULL);
  if (!can_run (&why)) {
    g_test_add_data_func ("/owner/skipped", why, skip_all);
    return g_test_run ();
  }
  g_test_add ("/owner/take-release", Fixture, NULL, fixture_set_up, test_take_release, fixture_tear_down);
  g_test_add ("/owner/fallback-without-sys-admin", Fixture, NULL, fixture_set_up, test_fallback_without_sys_admin,
              fixture_tear_down);
  g_test_add ("/owner/shared-holders", Fixture, NULL, fixture_set_up, test_shared_holders, fixture_tear_down);
  g_test_add ("/owner/record-after-crash", Fixture, NULL, fixture_set_up, test_record_after_crash,
              fixture_tear_down);
  g_test_add ("/owner/one-more", Fixture, NULL, fixture_set_up, test_one_more, fixture_tear_down);
  g_test_add ("/owner/crash-before-chown", Fixture, NULL, fixture_set_up, test_crash_before_chown,
              fixture_tear_down);
  g_test_add ("/owner/failed-take-undone", Fixture, NULL, fixture_set_up, test_failed_take_undone,
              fixture_tear_down);
  return g_test_run ();
}
