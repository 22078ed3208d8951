/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Where one driver keeps what must survive a daemon restart.
 *
 * Two directories: the config directory holds persistent definitions
 * (<key>.xml) and autostart marks (autostart/<key>), the run directory
 * holds the status of what runs (<key>.status) plus whatever sockets and
 * logs the driver puts there.  Keys are chosen by the driver (UUIDs, so a
 * name with odd characters never becomes a path).  Every write is atomic:
 * temp file, fsync, rename, fsync of the directory; a daemon killed at any
 * moment leaves the old or the new file, never a torn one. */
#define VB_TYPE_CONFIG_STORE (vb_config_store_get_type ())
G_DECLARE_FINAL_TYPE (VbConfigStore, vb_config_store, VB, CONFIG_STORE, GObject)

/* The directories for @driver ("qemu", "lxc", "network"):
 * @state_dir set (tests): <state_dir>/config/<driver>, <state_dir>/run/<driver>;
 * system: /etc/virtbus/<driver>, /run/virtbus/<driver>;
 * session: $XDG_CONFIG_HOME/virtbus/<driver>, $XDG_RUNTIME_DIR/virtbus/<driver>. */
void vb_config_store_default_dirs (const char *driver, gboolean system, const char *state_dir,
                                   char **out_config_dir, char **out_run_dir);

/* Creates both directories (mode 0700) when missing, takes the run
 * directory's lock (waiting a few seconds for a daemon that is exiting;
 * fails when another daemon holds it), and removes the temp files
 * ("<key>.xml.XXXXXX", "<key>.status.XXXXXX", autostart marks') that a
 * daemon killed in the middle of a write left in them. */
VbConfigStore *vb_config_store_new (const char *config_dir, const char *run_dir, GError **error);
void vb_config_store_set_lock_wait_for_testing (guint wait_ms);

/* The same removal for a directory a driver writes outside its store
 * with vb_file_write_atomic(): temp files of "<name>@suffix". */
void vb_config_store_remove_temps (const char *dir, const char *suffix);

const char *vb_config_store_get_config_dir (VbConfigStore *self);
const char *vb_config_store_get_run_dir (VbConfigStore *self);
/* <run_dir>/<key><suffix>, for sockets and logs that belong to @key. */
char *vb_config_store_run_path (VbConfigStore *self, const char *key, const char *suffix);

/* Persistent definitions.
 *
 * Saving, deleting and autostart marks are durable writes (fsync of the
 * file and its directory: milliseconds on a real disk), so they leave the
 * main loop: each is checked at once, then queued to one writer thread
 * that performs them in the order they were made.  A caller that answers
 * a client waits for them with vb_config_store_flush_async() before it
 * says "done", so nothing confirmed is lost when the daemon is killed.
 * Reads (load, list, autostart) first wait for what is queued, so they
 * always see the last write. */
gboolean vb_config_store_save (VbConfigStore *self, const char *key, const char *xml, GError **error);
char *vb_config_store_load (VbConfigStore *self, const char *key, GError **error);
/* Removes the definition and its autostart mark; a missing one is fine. */
gboolean vb_config_store_delete (VbConfigStore *self, const char *key, GError **error);
/* Keys of every stored definition, sorted. */
GStrv vb_config_store_list (VbConfigStore *self, GError **error);

gboolean vb_config_store_set_autostart (VbConfigStore *self, const char *key, gboolean autostart,
                                        GError **error);
gboolean vb_config_store_get_autostart (VbConfigStore *self, const char *key);

/* A mark of the writes queued so far, from any store. */
guint64 vb_config_store_write_mark (void);
/* Whether writes were queued after @mark. */
gboolean vb_config_store_written_since (guint64 mark);
/* Completes once every write queued until now is on disk, with the first
 * failure among those queued after @mark. */
void vb_config_store_flush_async (guint64 mark, GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean vb_config_store_flush_finish (GAsyncResult *result, GError **error);
/* Blocks until every queued write is done (reads, shutdown, tests). */
void vb_config_store_wait_written (void);

/* Run-time status: replaced whole, but not synced to disk (see
 * vb_file_write_runtime). */
gboolean vb_config_store_save_status (VbConfigStore *self, const char *key, const char *contents,
                                      GError **error);
char *vb_config_store_load_status (VbConfigStore *self, const char *key, GError **error);
gboolean vb_config_store_delete_status (VbConfigStore *self, const char *key, GError **error);
GStrv vb_config_store_list_status (VbConfigStore *self, GError **error);

G_END_DECLS
