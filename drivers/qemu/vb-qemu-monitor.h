/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An asynchronous QMP client.
 *
 * Commands may be issued at once: they queue until the stream is attached,
 * then go out in order right behind qmp_capabilities, without waiting for
 * the greeting or the negotiation's answer (qemu handles them in order),
 * each with its own id so replies are matched even when events come in
 * between.  Nothing here blocks: lines are read with
 * g_data_input_stream_read_line_async and written with async writes.
 *
 * Signals:
 *   ::event (const VbQemuEvent *event)          parsed (vb-qemu-monitor-json.h)
 *   ::closed (GError *reason)                   once; every pending command fails */
#define VB_TYPE_QEMU_MONITOR (vb_qemu_monitor_get_type ())
G_DECLARE_FINAL_TYPE (VbQemuMonitor, vb_qemu_monitor, VB, QEMU_MONITOR, GObject)

VbQemuMonitor *vb_qemu_monitor_new (void);

/* Speaks QMP over @stream (a socket connection, or a subprocess' pipes). */
void vb_qemu_monitor_attach (VbQemuMonitor *self, GIOStream *stream);

/* A listening unix socket bound to @path (which must not exist), for
 * qemu to take over as its QMP server ("fd=N"): made before qemu runs,
 * it accepts a connect at once, so nobody waits for qemu to create it,
 * and a restarted daemon still finds qemu at @path.  -1 on error;
 * close-on-exec, the caller owns it. */
int vb_qemu_monitor_listen (const char *path, GError **error);

/* Connects to the unix socket at @path, once: a socket that refuses or
 * does not exist closes the monitor (from the main loop).  A connection
 * the server has not accepted yet is fine: commands wait in the socket.
 * Closes too when no greeting came within @timeout_ms (0: no limit). */
void vb_qemu_monitor_connect (VbQemuMonitor *self, const char *path, guint timeout_ms);

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
