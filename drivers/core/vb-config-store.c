/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-config-store.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-util.h"

#define DEF_SUFFIX ".xml"
#define STATUS_SUFFIX ".status"

struct _VbConfigStore {
  GObject parent_instance;
  char *config_dir;
  char *autostart_dir;
  char *run_dir;
  int lock_fd;
};

/* How long a new store waits for the lock of a daemon that is still
 * shutting down: a restart by systemd or by activation overlaps the old
 * process's exit by a moment. */
static guint lock_wait_ms = 10000;

G_DEFINE_FINAL_TYPE (VbConfigStore, vb_config_store, G_TYPE_OBJECT)

/* The writer ------------------------------------------------------------
 *
 * One thread for every store of the process: a FIFO of the one thread of a
 * GThreadPool keeps the writes in the order the main loop made them, so a
 * define followed by an undefine of the same key never lands reversed. */

typedef enum {
  STORE_OP_WRITE,
  STORE_OP_REMOVE,
  STORE_OP_FLUSH,
} StoreOpKind;

typedef struct {
  StoreOpKind kind;
  guint64 seq;
  char *path;
  char *contents;  /* WRITE */
  GTask *task;     /* FLUSH: completed in the context that asked */
  guint64 mark;    /* FLUSH: report failures of ops after this one */
} StoreOp;

typedef struct {
  guint64 seq;
  GError *error;
} StoreFailure;

static GMutex writer_lock;
static GCond writer_cond;
static GThreadPool *writer;
/* ops handed to the writer, and ops it finished (under writer_lock) */
static guint64 queued_seq;
static guint64 done_seq;
/* failed writes not yet too old to report (under writer_lock) */
static GArray *failures;

#define MAX_FAILURES 32

static void
store_op_free (StoreOp *op)
{
  g_free (op->path);
  g_free (op->contents);
  g_clear_object (&op->task);
  g_free (op);
}

static void
clear_failure (gpointer data)
{
  g_clear_error (&((StoreFailure *) data)->error);
}

/* Called with writer_lock held. */
static GError *
failure_after (guint64 mark, guint64 until)
{
  for (guint i = 0; failures && i < failures->len; i++) {
    StoreFailure *f = &g_array_index (failures, StoreFailure, i);

    if (f->seq > mark && f->seq <= until)
      return g_error_copy (f->error);
  }
  return NULL;
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

static void
store_worker (gpointer data, gpointer user_data)
{
  StoreOp *op = data;
  g_autoptr(GError) error = NULL;

  switch (op->kind) {
  case STORE_OP_WRITE:
    vb_file_write_atomic (op->path, op->contents, strlen (op->contents), &error);
    break;
  case STORE_OP_REMOVE:
    remove_file (op->path, &error);
    break;
  case STORE_OP_FLUSH:
  default:
    break;
  }

  g_mutex_lock (&writer_lock);
  if (error) {
    StoreFailure failure = { op->seq, g_error_copy (error) };

    g_warning ("%s", error->message);
    if (failures == NULL) {
      failures = g_array_new (FALSE, FALSE, sizeof (StoreFailure));
      g_array_set_clear_func (failures, clear_failure);
    }
    if (failures->len == MAX_FAILURES)
      g_array_remove_index (failures, 0);
    g_array_append_val (failures, failure);
  }
  if (op->kind == STORE_OP_FLUSH) {
    GError *failed = failure_after (op->mark, op->seq);

    if (failed)
      g_task_return_error (op->task, failed);
    else
      g_task_return_boolean (op->task, TRUE);
  }
  done_seq = op->seq;
  g_cond_broadcast (&writer_cond);
  g_mutex_unlock (&writer_lock);
  store_op_free (op);
}

static void
store_queue (StoreOpKind kind, char *path, char *contents, GTask *task, guint64 mark)
{
  StoreOp *op = g_new0 (StoreOp, 1);

  op->kind = kind;
  op->path = path;
  op->contents = contents;
  op->task = task;
  op->mark = mark;
  g_mutex_lock (&writer_lock);
  if (writer == NULL)
    writer = g_thread_pool_new (store_worker, NULL, 1, FALSE, NULL);
  op->seq = ++queued_seq;
  /* pushed under the lock: the pool's queue order is the seq order */
  g_thread_pool_push (writer, op, NULL);
  g_mutex_unlock (&writer_lock);
}

guint64
vb_config_store_write_mark (void)
{
  guint64 mark;

  g_mutex_lock (&writer_lock);
  mark = queued_seq;
  g_mutex_unlock (&writer_lock);
  return mark;
}

gboolean
vb_config_store_written_since (guint64 mark)
{
  return vb_config_store_write_mark () > mark;
}

void
vb_config_store_flush_async (guint64 mark, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, vb_config_store_flush_async);
  store_queue (STORE_OP_FLUSH, NULL, NULL, task, mark);
}

gboolean
vb_config_store_flush_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_config_store_wait_written (void)
{
  g_mutex_lock (&writer_lock);
  while (done_seq < queued_seq)
    g_cond_wait (&writer_cond, &writer_lock);
  g_mutex_unlock (&writer_lock);
}

/* The store ------------------------------------------------------------- */

static void
vb_config_store_finalize (GObject *object)
{
  VbConfigStore *self = VB_CONFIG_STORE (object);

  /* what this store queued must land before its directories are forgotten */
  vb_config_store_wait_written ();

  if (self->lock_fd >= 0)
    close (self->lock_fd);
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
  self->lock_fd = -1;
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

/* g_mkstemp's six characters, which GLib's atomic writes and
 * vb_file_write_runtime() append to the target's name after a dot. */
static gboolean
is_temp_tail (const char *tail)
{
  if (tail[0] != '.' || strlen (tail) != 7)
    return FALSE;
  for (guint i = 1; i < 7; i++)
    if (!g_ascii_isalnum (tail[i]))
      return FALSE;
  return TRUE;
}

/* Whether @name in @dir is what an atomic write of this store leaves when
 * the daemon dies between the temp file's creation and its rename:
 * "<key><suffix>.XXXXXX".  A real file of ours ends in @suffix, never in
 * a temp tail; with no suffix (autostart marks) the name is a temp only
 * when no definition of that key exists. */
static gboolean
is_stale_temp (const char *name, const char *suffix, const char *config_dir)
{
  gsize len = strlen (name);
  g_autofree char *target = NULL;
  g_autofree char *def = NULL;
  g_autofree char *def_path = NULL;

  if (*name == '.' || len <= strlen (suffix) + 7 || !is_temp_tail (name + len - 7))
    return FALSE;
  target = g_strndup (name, len - 7);
  if (*suffix)
    return g_str_has_suffix (target, suffix);
  def = g_strconcat (name, DEF_SUFFIX, NULL);
  def_path = g_build_filename (config_dir, def, NULL);
  return !g_file_test (def_path, G_FILE_TEST_EXISTS);
}

/* Temp files of atomic writes cut short by a SIGKILL: nothing renames
 * them later, and nothing else would ever remove them.  Only regular
 * files of our exact naming go; anything else in the directory stays. */
static void
remove_stale_temps (const char *dir, const char *suffix, const char *config_dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL) {
    g_autofree char *path = NULL;
    GStatBuf st;

    if (!is_stale_temp (name, suffix, config_dir))
      continue;
    path = g_build_filename (dir, name, NULL);
    if (g_lstat (path, &st) < 0 || !S_ISREG (st.st_mode))
      continue;
    g_message ("removing %s, left by an interrupted write", path);
    if (g_unlink (path) < 0 && errno != ENOENT)
      g_warning ("cannot remove %s: %s", path, g_strerror (errno));
  }
}

void
vb_config_store_remove_temps (const char *dir, const char *suffix)
{
  g_return_if_fail (suffix != NULL && *suffix != '\0');
  remove_stale_temps (dir, suffix, NULL);
}

void
vb_config_store_set_lock_wait_for_testing (guint wait_ms)
{
  lock_wait_ms = wait_ms;
}

/* One daemon per directory: a second one (started by hand beside the
 * activated one) would take the first one's temp files for leftovers of
 * a crash, and its starts for ones that never finished.  The lock lives
 * as long as the store and goes with the process, however it ends. */
static gboolean
lock_run_dir (VbConfigStore *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->run_dir, ".lock", NULL);
  gint64 deadline = g_get_monotonic_time () + (gint64) lock_wait_ms * 1000;

  self->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (self->lock_fd < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  while (flock (self->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    int saved = errno;

    if (saved == EINTR)
      continue;
    if (saved != EWOULDBLOCK || g_get_monotonic_time () >= deadline) {
      g_set_error (error, VB_ERROR, VB_ERROR_BUSY,
                   saved == EWOULDBLOCK ? "another virtbusd is using %s" : "cannot lock %s: %s",
                   self->run_dir, g_strerror (saved));
      return FALSE;
    }
    g_usleep (50 * 1000);
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
      !make_dir (self->autostart_dir, 0700, error) || !lock_run_dir (self, error))
    return NULL;
  remove_stale_temps (self->config_dir, DEF_SUFFIX, self->config_dir);
  remove_stale_temps (self->autostart_dir, "", self->config_dir);
  remove_stale_temps (self->run_dir, STATUS_SUFFIX, self->config_dir);
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
  store_queue (STORE_OP_WRITE, g_steal_pointer (&path), g_strdup (contents), NULL, 0);
  return TRUE;
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
  vb_config_store_wait_written ();
  return read_file (self->config_dir, key, DEF_SUFFIX, error);
}

gboolean
vb_config_store_delete (VbConfigStore *self, const char *key, GError **error)
{
  g_autofree char *path = NULL;

  if (!check_key (key, error) || !vb_config_store_set_autostart (self, key, FALSE, error))
    return FALSE;
  path = key_path (self->config_dir, key, DEF_SUFFIX);
  store_queue (STORE_OP_REMOVE, g_steal_pointer (&path), NULL, NULL, 0);
  return TRUE;
}

GStrv
vb_config_store_list (VbConfigStore *self, GError **error)
{
  vb_config_store_wait_written ();
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
  store_queue (autostart ? STORE_OP_WRITE : STORE_OP_REMOVE, g_steal_pointer (&path),
               autostart ? g_strdup ("") : NULL, NULL, 0);
  return TRUE;
}

gboolean
vb_config_store_get_autostart (VbConfigStore *self, const char *key)
{
  g_autofree char *path = NULL;

  if (!check_key (key, NULL))
    return FALSE;
  vb_config_store_wait_written ();
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
