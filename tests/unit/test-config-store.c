/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-config-store.h"
#include "vb-error.h"

typedef struct {
  char *dir;
  VbConfigStore *store;
  GMainLoop *loop;
  GError *flush_error;
  gboolean flushed;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = NULL;
  g_autofree char *run = NULL;

  f->dir = g_dir_make_tmp ("vb-store-XXXXXX", &error);
  g_assert_no_error (error);
  config = g_build_filename (f->dir, "config", NULL);
  run = g_build_filename (f->dir, "run", NULL);
  f->store = vb_config_store_new (config, run, &error);
  g_assert_no_error (error);
  f->loop = g_main_loop_new (NULL, FALSE);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)) != NULL) {
    g_autofree char *child = g_build_filename (path, name, NULL);

    if (g_file_test (child, G_FILE_TEST_IS_DIR))
      remove_tree (child);
    else
      g_unlink (child);
  }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  g_clear_error (&f->flush_error);
  g_main_loop_unref (f->loop);
  remove_tree (f->dir);
  g_free (f->dir);
}

static char *
definition_path (Fixture *f, const char *key)
{
  g_autofree char *file = g_strconcat (key, ".xml", NULL);

  return g_build_filename (vb_config_store_get_config_dir (f->store), file, NULL);
}

static void
on_flushed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fixture *f = user_data;

  f->flushed = TRUE;
  vb_config_store_flush_finish (result, &f->flush_error);
  g_main_loop_quit (f->loop);
}

static gboolean
flush (Fixture *f, guint64 mark)
{
  f->flushed = FALSE;
  g_clear_error (&f->flush_error);
  vb_config_store_flush_async (mark, NULL, on_flushed, f);
  g_main_loop_run (f->loop);
  g_assert_true (f->flushed);
  return f->flush_error == NULL;
}

/* A flush answers once what was queued before it is on disk, in order. */
static void
test_flush_orders_writes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = definition_path (f, "a");
  g_autofree char *contents = NULL;
  guint64 mark = vb_config_store_write_mark ();

  g_assert_false (vb_config_store_written_since (mark));
  g_assert_true (vb_config_store_save (f->store, "a", "<first/>", &error));
  g_assert_true (vb_config_store_delete (f->store, "a", &error));
  g_assert_true (vb_config_store_save (f->store, "a", "<second/>", &error));
  g_assert_true (vb_config_store_set_autostart (f->store, "a", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (vb_config_store_written_since (mark));

  g_assert_true (flush (f, mark));
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "<second/>");
  g_assert_true (vb_config_store_get_autostart (f->store, "a"));

  mark = vb_config_store_write_mark ();
  g_assert_true (vb_config_store_delete (f->store, "a", &error));
  g_assert_true (flush (f, mark));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (vb_config_store_get_autostart (f->store, "a"));
}

/* Reads wait for queued writes: a load right after a save sees it. */
static void
test_read_after_write (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *loaded = NULL;
  g_auto(GStrv) keys = NULL;

  g_assert_true (vb_config_store_save (f->store, "b", "<b/>", &error));
  loaded = vb_config_store_load (f->store, "b", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded, ==, "<b/>");
  keys = vb_config_store_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (keys, ((const char *const[]) { "b", NULL }));
}

/* A write that fails in the writer fails the flush that covers it, and
 * only that one. */
static void
test_failure_reaches_flush (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint64 mark = vb_config_store_write_mark ();

  /* a bad key is refused at once, and nothing is queued */
  g_assert_false (vb_config_store_save (f->store, "../x", "<x/>", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (vb_config_store_written_since (mark));

  /* the directory gone under the store: the write itself fails */
  remove_tree (vb_config_store_get_config_dir (f->store));
  /* expected before the save: the writer may fail it at once */
  g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, "*cannot write*");
  g_assert_true (vb_config_store_save (f->store, "c", "<c/>", &error));
  g_assert_no_error (error);
  g_assert_false (flush (f, mark));
  g_test_assert_expected_messages ();
  g_assert_error (f->flush_error, VB_ERROR, VB_ERROR_IO);

  /* a later call that wrote nothing is not blamed for it */
  mark = vb_config_store_write_mark ();
  g_assert_true (flush (f, mark));
}

static void
put_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, "", 0, NULL));
}

static gboolean
has_file (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Opening a store removes the temp files that writes cut short by a
 * SIGKILL left, and nothing that merely looks like one. */
static void
test_stale_temps_removed (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_strdup (vb_config_store_get_config_dir (f->store));
  g_autofree char *run = g_strdup (vb_config_store_get_run_dir (f->store));
  g_autofree char *autostart = g_build_filename (config, "autostart", NULL);
  g_autofree char *subdir = g_build_filename (config, "d.xml.ABCDEF", NULL);
  const char *config_kept[] = { "k.xml", "k.xml.AbC12", "k.xml.ABC-12", "notes.txt.ABCDEF", "x.ABCDEF.xml",
                                "k.xml.ABCDEF.bak", NULL };
  const char *autostart_kept[] = { "k", "x.ABCDEF", NULL };
  const char *run_kept[] = { "k.status", "k.pid", "k.qmp.ABCDEF", "k.log.a1b2c3", NULL };

  for (guint i = 0; config_kept[i]; i++)
    put_file (config, config_kept[i]);
  put_file (config, "k.xml.AbC123");
  g_assert_cmpint (g_mkdir (subdir, 0700), ==, 0);
  for (guint i = 0; autostart_kept[i]; i++)
    put_file (autostart, autostart_kept[i]);
  put_file (autostart, "k.Zz9Yy8");
  for (guint i = 0; run_kept[i]; i++)
    put_file (run, run_kept[i]);
  put_file (run, "k.status.x1y2z3");

  g_test_expect_message (NULL, G_LOG_LEVEL_MESSAGE, "*k.xml.AbC123*");
  g_test_expect_message (NULL, G_LOG_LEVEL_MESSAGE, "*k.Zz9Yy8*");
  g_test_expect_message (NULL, G_LOG_LEVEL_MESSAGE, "*k.status.x1y2z3*");
  /* the daemon that made them is gone: so must its lock be */
  g_clear_object (&f->store);
  f->store = vb_config_store_new (config, run, &error);
  g_assert_no_error (error);
  g_test_assert_expected_messages ();

  g_assert_false (has_file (config, "k.xml.AbC123"));
  g_assert_false (has_file (autostart, "k.Zz9Yy8"));
  g_assert_false (has_file (run, "k.status.x1y2z3"));
  for (guint i = 0; config_kept[i]; i++)
    g_assert_true (has_file (config, config_kept[i]));
  /* a mark whose key has a definition is a mark, whatever its name */
  for (guint i = 0; autostart_kept[i]; i++)
    g_assert_true (has_file (autostart, autostart_kept[i]));
  for (guint i = 0; run_kept[i]; i++)
    g_assert_true (has_file (run, run_kept[i]));
  g_assert_true (g_file_test (subdir, G_FILE_TEST_IS_DIR));

  /* a directory outside the store, written with the same helpers */
  put_file (f->dir, "u.save.xml.q1W2e3");
  put_file (f->dir, "u.save.q1W2e3");
  g_test_expect_message (NULL, G_LOG_LEVEL_MESSAGE, "*u.save.xml.q1W2e3*");
  vb_config_store_remove_temps (f->dir, ".xml");
  g_test_assert_expected_messages ();
  g_assert_false (has_file (f->dir, "u.save.xml.q1W2e3"));
  g_assert_true (has_file (f->dir, "u.save.q1W2e3"));
}

/* A second daemon on the same directories is refused while the first
 * one lives, and let in once it is gone. */
static void
test_one_daemon_per_dir (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbConfigStore) second = NULL;
  g_autofree char *config = g_strdup (vb_config_store_get_config_dir (f->store));
  g_autofree char *run = g_strdup (vb_config_store_get_run_dir (f->store));

  vb_config_store_set_lock_wait_for_testing (100);
  second = vb_config_store_new (config, run, &error);
  g_assert_null (second);
  g_assert_error (error, VB_ERROR, VB_ERROR_BUSY);
  g_assert_nonnull (strstr (error->message, "another virtbusd"));
  g_clear_error (&error);

  g_clear_object (&f->store);
  f->store = vb_config_store_new (config, run, &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/config-store/flush-orders-writes", Fixture, NULL, fixture_set_up,
              test_flush_orders_writes, fixture_tear_down);
  g_test_add ("/config-store/read-after-write", Fixture, NULL, fixture_set_up, test_read_after_write,
              fixture_tear_down);
  g_test_add ("/config-store/failure-reaches-flush", Fixture, NULL, fixture_set_up,
              test_failure_reaches_flush, fixture_tear_down);
  g_test_add ("/config-store/stale-temps-removed", Fixture, NULL, fixture_set_up, test_stale_temps_removed,
              fixture_tear_down);
  g_test_add ("/config-store/one-daemon-per-dir", Fixture, NULL, fixture_set_up, test_one_daemon_per_dir,
              fixture_tear_down);
  return g_test_run ();
}
