/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-config-store.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-error.h"
#include "vb-util.h"

#define DEF_SUFFIX ".xml"
#define STATUS_SUFFIX ".status"

struct _VbConfigStore {
  GObject parent_instance;
  char *config_dir;
  char *autostart_dir;
  char *run_dir;
};

G_DEFINE_FINAL_TYPE (VbConfigStore, vb_config_store, G_TYPE_OBJECT)

static void
vb_config_store_finalize (GObject *object)
{
  VbConfigStore *self = VB_CONFIG_STORE (object);

  g_free (self->config_dir);
  g_free (self->autostart_dir);
  g_free (self->run_dir);
  G_OBJECT_CLASS (vb_config_store_parent_class)->finalize (object);
}

static void
vb_config_store_class_init (VbConfigStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_config_store_finalize;
}

static void
vb_config_store_init (VbConfigStore *self)
{
}

void
vb_config_store_default_dirs (const char *driver, gboolean system, const char *state_dir,
                              char **out_config_dir, char **out_run_dir)
{
  if (state_dir != NULL && *state_dir) {
    *out_config_dir = g_build_filename (state_dir, "config", driver, NULL);
    *out_run_dir = g_build_filename (state_dir, "run", driver, NULL);
  } else if (system) {
    *out_config_dir = g_build_filename ("/etc/virtbus", driver, NULL);
    *out_run_dir = g_build_filename ("/run/virtbus", driver, NULL);
  } else {
    *out_config_dir = g_build_filename (g_get_user_config_dir (), "virtbus", driver, NULL);
    /* GLib falls back to the cache dir when XDG_RUNTIME_DIR is unset,
     * which is still per user and good enough for a status file. */
    *out_run_dir = g_build_filename (g_get_user_runtime_dir (), "virtbus", driver, NULL);
  }
}

static gboolean
make_dir (const char *path, int mode, GError **error)
{
  if (g_mkdir_with_parents (path, mode) < 0 || g_chmod (path, mode) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create directory %s: %s", path,
                 g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

VbConfigStore *
vb_config_store_new (const char *config_dir, const char *run_dir, GError **error)
{
  g_autoptr(VbConfigStore) self = g_object_new (VB_TYPE_CONFIG_STORE, NULL);

  self->config_dir = g_strdup (config_dir);
  self->autostart_dir = g_build_filename (config_dir, "autostart", NULL);
  self->run_dir = g_strdup (run_dir);
  /* Run-time state may be traversed but not listed by others: helpers
   * that drop privileges (dnsmasq runs as nobody) must reach their own
   * files below it; the status files themselves are 0600.  It is made
   * first, so that a parent it shares with the config directory is
   * traversable too. */
  if (!make_dir (self->run_dir, 0711, error) || !make_dir (self->config_dir, 0700, error) ||
      !make_dir (self->autostart_dir, 0700, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
vb_config_store_get_config_dir (VbConfigStore *self)
{
  return self->config_dir;
}

const char *
vb_config_store_get_run_dir (VbConfigStore *self)
{
  return self->run_dir;
}

/* A key becomes one path component: refuse anything that could leave the
 * directory or hide as a temp file. */
static gboolean
check_key (const char *key, GError **error)
{
  if (key == NULL || *key == '\0' || *key == '.' || strchr (key, '/') != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "invalid config store key '%s'",
                 key ? key : "(null)");
    return FALSE;
  }
  return TRUE;
}

static char *
key_path (const char *dir, const char *key, const char *suffix)
{
  g_autofree char *base = g_strconcat (key, suffix, NULL);

  return g_build_filename (dir, base, NULL);
}

char *
vb_config_store_run_path (VbConfigStore *self, const char *key, const char *suffix)
{
  return key_path (self->run_dir, key, suffix);
}

static gboolean
write_file (const char *dir, const char *key, const char *suffix, const char *contents,
            gboolean durable, GError **error)
{
  g_autofree char *path = NULL;

  if (!check_key (key, error))
    return FALSE;
  path = key_path (dir, key, suffix);
  if (!durable)
    return vb_file_write_runtime (path, contents, strlen (contents), error);
  return vb_file_write_atomic (path, contents, strlen (contents), error);
}

static char *
read_file (const char *dir, const char *key, const char *suffix, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;
  char *contents = NULL;

  if (!check_key (key, error))
    return NULL;
  path = key_path (dir, key, suffix);
  if (!g_file_get_contents (path, &contents, NULL, &local_error)) {
    g_set_error (error, VB_ERROR,
                 g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? VB_ERROR_NOT_FOUND
                                                                                 : VB_ERROR_IO,
                 "%s", local_error->message);
    return NULL;
  }
  return contents;
}

static gboolean
remove_file (const char *path, GError **error)
{
  if (g_unlink (path) < 0 && errno != ENOENT) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot remove %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static GStrv
list_dir (const char *dir, const char *suffix, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDir) d = g_dir_open (dir, 0, &local_error);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "%s", local_error->message);
    return NULL;
  }
  while ((name = g_dir_read_name (d)) != NULL) {
    /* the temp files of an interrupted atomic write start with the
     * target name and end in random characters: they never match */
    if (*name == '.' || !g_str_has_suffix (name, suffix))
      continue;
    g_ptr_array_add (keys, g_strndup (name, strlen (name) - strlen (suffix)));
  }
  g_ptr_array_sort (keys, compare_names);
  g_ptr_array_add (keys, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&keys), FALSE);
}

gboolean
vb_config_store_save (VbConfigStore *self, const char *key, const char *xml, GError **error)
{
  return write_file (self->config_dir, key, DEF_SUFFIX, xml, TRUE, error);
}

char *
vb_config_store_load (VbConfigStore *self, const char *key, GError **error)
{
  return read_file (self->config_dir, key, DEF_SUFFIX, error);
}

gboolean
vb_config_store_delete (VbConfigStore *self, const char *key, GError **error)
{
  g_autofree char *path = NULL;

  if (!check_key (key, error) || !vb_config_store_set_autostart (self, key, FALSE, error))
    return FALSE;
  path = key_path (self->config_dir, key, DEF_SUFFIX);
  return remove_file (path, error);
}

GStrv
vb_config_store_list (VbConfigStore *self, GError **error)
{
  return list_dir (self->config_dir, DEF_SUFFIX, error);
}

gboolean
vb_config_store_set_autostart (VbConfigStore *self, const char *key, gboolean autostart,
                               GError **error)
{
  g_autofree char *path = NULL;

  if (!check_key (key, error))
    return FALSE;
  path = key_path (self->autostart_dir, key, "");
  if (!autostart)
    return remove_file (path, error);
  return vb_file_write_atomic (path, "", 0, error);
}

gboolean
vb_config_store_get_autostart (VbConfigStore *self, const char *key)
{
  g_autofree char *path = NULL;

  if (!check_key (key, NULL))
    return FALSE;
  path = key_path (self->autostart_dir, key, "");
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

gboolean
vb_config_store_save_status (VbConfigStore *self, const char *key, const char *contents,
                             GError **error)
{
  return write_file (self->run_dir, key, STATUS_SUFFIX, contents, FALSE, error);
}

char *
vb_config_store_load_status (VbConfigStore *self, const char *key, GError **error)
{
  return read_file (self->run_dir, key, STATUS_SUFFIX, error);
}

gboolean
vb_config_store_delete_status (VbConfigStore *self, const char *key, GError **error)
{
  g_autofree char *path = NULL;

  if (!check_key (key, error))
    return FALSE;
  path = key_path (self->run_dir, key, STATUS_SUFFIX);
  return remove_file (path, error);
}

GStrv
vb_config_store_list_status (VbConfigStore *self, GError **error)
{
  return list_dir (self->run_dir, STATUS_SUFFIX, error);
}
