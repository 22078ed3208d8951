/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An asynchronous QMP client.
 *
 * Commands may be issued at once: they queue until the stream is attached,
 * the greeting read and qmp_capabilities acknowledged, then go out in
 * order, each with its own id so replies are matched even when events come
 * in between.  Nothing here blocks: lines are read with
 * g_data_input_stream_read_line_async and written with async writes.
 *
 * Signals:
 *   ::event (const char *name, JsonNode *data)  data may be NULL
 *   ::closed (GError *reason)                   once; every pending command fails */
#define VB_TYPE_QEMU_MONITOR (vb_qemu_monitor_get_type ())
G_DECLARE_FINAL_TYPE (VbQemuMonitor, vb_qemu_monitor, VB, QEMU_MONITOR, GObject)

VbQemuMonitor *vb_qemu_monitor_new (void);

/* Speaks QMP over @stream (a socket connection, or a subprocess' pipes). */
void vb_qemu_monitor_attach (VbQemuMonitor *self, GIOStream *stream);

/* Connects to the unix socket at @path, retrying while it does not exist
 * yet or refuses (qemu creates it a little after exec), until
 * @timeout_ms has passed or @cancellable fires; then closes with the
 * last error. */
void vb_qemu_monitor_connect (VbQemuMonitor *self, const char *path, guint timeout_ms,
                              GCancellable *cancellable);

gboolean vb_qemu_monitor_is_closed (VbQemuMonitor *self);
/* Fails every pending command and emits ::closed (if not yet). */
void vb_qemu_monitor_close (VbQemuMonitor *self);

/* @arguments: a JSON object node or NULL; a floating-free reference is taken. */
void vb_qemu_monitor_command_async (VbQemuMonitor *self, const char *command, JsonNode *arguments,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
/* The same, with @fd (taken: closed once sent, or when the command
 * cannot be sent) passed along with the command line as SCM_RIGHTS, as
 * "getfd" expects.  Only a monitor on a unix socket can pass fds; over
 * other streams the command goes without it. */
void vb_qemu_monitor_command_with_fd_async (VbQemuMonitor *self, const char *command,
                                            JsonNode *arguments, int fd, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
/* The "return" member (a new reference), or NULL with @error set: QMP's
 * own error message, or why the monitor closed. */
JsonNode *vb_qemu_monitor_command_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error);

/* Command arguments from an a{sv} GVariant (may be floating). */
JsonNode *vb_qemu_json_args (GVariant *dict);

G_END_DECLS
