/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-monitor-json.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gunixfdmessage.h>
#include <gio/gunixsocketaddress.h>

#include "vb-error.h"

typedef enum {
  MON_DISCONNECTED, /* no stream yet: commands queue */
  MON_GREETING,     /* qmp_capabilities and commands sent, waiting for {"QMP": …} */
  MON_READY,        /* greeted */
  MON_CLOSED,
} MonState;

struct _VbQemuMonitor {
  GObject parent_instance;
  MonState state;
  GIOStream *stream;
  GDataInputStream *input;
  GOutputStream *output;
  GCancellable *cancellable;  /* our I/O, cancelled on close */
  GQueue queued;              /* Pending* waiting for a stream */
  GHashTable *pending;        /* id → Pending*, sent and awaiting a reply */
  GQueue writes;              /* Write* to write, in order */
  gboolean writing;
  guint64 next_id;
  char *path;                 /* connected to, for messages */
  guint greeting_timeout_id;
  guint connect_failed_id;
  GError *connect_error;      /* reported from the main loop, not from connect () */
};

G_DEFINE_FINAL_TYPE (VbQemuMonitor, vb_qemu_monitor, G_TYPE_OBJECT)

enum { SIGNAL_EVENT, SIGNAL_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  char *id;
  char *line; /* the serialized command */
  GTask *task;
  int fd;     /* sent along (SCM_RIGHTS), owned until then; -1 for none */
} Pending;

static void
pending_free (Pending *p)
{
  g_free (p->id);
  g_free (p->line);
  g_clear_object (&p->task);
  if (p->fd >= 0)
    close (p->fd);
  g_free (p);
}

/* One line on its way out, with the fd that goes along with it. */
typedef struct {
  GBytes *bytes;
  int fd;
} Write;

static void
write_free (Write *w)
{
  g_bytes_unref (w->bytes);
  if (w->fd >= 0)
    close (w->fd);
  g_free (w);
}

static void read_next_line (VbQemuMonitor *self);
static void send_line (VbQemuMonitor *self, const char *line, int fd);

static void
fail_all (VbQemuMonitor *self, const GError *error)
{
  GHashTableIter iter;
  gpointer value;
  Pending *p;

  while ((p = g_queue_pop_head (&self->queued)) != NULL) {
    g_task_return_error (p->task, g_error_copy (error));
    pending_free (p);
  }
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    p = value;
    g_task_return_error (p->task, g_error_copy (error));
    g_hash_table_iter_steal (&iter);
    pending_free (p);
  }
}

static void
close_with_error (VbQemuMonitor *self, GError *error)
{
  g_autoptr(GError) owned = error;
  g_autoptr(VbQemuMonitor) keep G_GNUC_UNUSED = g_object_ref (self);

  if (self->state == MON_CLOSED)
    return;
  self->state = MON_CLOSED;
  g_clear_handle_id (&self->greeting_timeout_id, g_source_remove);
  g_clear_handle_id (&self->connect_failed_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  /* queued writes stay until finalize: a cancelled write may still hold
   * a pointer into the head one */
  if (self->stream)
    g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  fail_all (self, owned);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, owned);
}

void
vb_qemu_monitor_close (VbQemuMonitor *self)
{
  close_with_error (self, g_error_new_literal (VB_ERROR, VB_ERROR_FAILED, "monitor closed"));
}

gboolean
vb_qemu_monitor_is_closed (VbQemuMonitor *self)
{
  return self->state == MON_CLOSED;
}

static void
vb_qemu_monitor_dispose (GObject *object)
{
  VbQemuMonitor *self = VB_QEMU_MONITOR (object);

  if (self->state != MON_CLOSED) {
    self->state = MON_CLOSED;
    g_clear_handle_id (&self->greeting_timeout_id, g_source_remove);
    g_clear_handle_id (&self->connect_failed_id, g_source_remove);
    g_cancellable_cancel (self->cancellable);
    g_autoptr(GError) error = g_error_new_literal (VB_ERROR, VB_ERROR_FAILED, "monitor closed");
    fail_all (self, error);
  }
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->stream);
  G_OBJECT_CLASS (vb_qemu_monitor_parent_class)->dispose (object);
}

static void
vb_qemu_monitor_finalize (GObject *object)
{
  VbQemuMonitor *self = VB_QEMU_MONITOR (object);

  g_queue_clear_full (&self->writes, (GDestroyNotify) write_free);
  g_hash_table_unref (self->pending);
  g_clear_object (&self->cancellable);
  g_clear_error (&self->connect_error);
  g_free (self->path);
  G_OBJECT_CLASS (vb_qemu_monitor_parent_class)->finalize (object);
}

static void
vb_qemu_monitor_class_init (VbQemuMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_qemu_monitor_dispose;
  object_class->finalize = vb_qemu_monitor_finalize;
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
vb_qemu_monitor_init (VbQemuMonitor *self)
{
  self->cancellable = g_cancellable_new ();
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) pending_free);
  g_queue_init (&self->queued);
  g_queue_init (&self->writes);
}

VbQemuMonitor *
vb_qemu_monitor_new (void)
{
  return g_object_new (VB_TYPE_QEMU_MONITOR, NULL);
}

/* Writing ------------------------------------------------------------------ */

static void write_next (VbQemuMonitor *self);

static void
write_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(VbQemuMonitor) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error)) {
    if (self->state != MON_CLOSED)
      close_with_error (self, g_error_new (VB_ERROR, VB_ERROR_IO, "cannot write to the QEMU monitor: %s",
                                           error->message));
    return;
  }
  write_free (g_queue_pop_head (&self->writes));
  self->writing = FALSE;
  write_next (self);
}

static gboolean
socket_writable (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  VbQemuMonitor *self = user_data;

  self->writing = FALSE;
  write_next (self);
  return G_SOURCE_REMOVE;
}

/* The head write carries an fd: one sendmsg with SCM_RIGHTS (the stream
 * API has no room for ancillary data), on the monitor's non-blocking
 * socket; when the socket is full, wait until it is writable again.
 * FALSE when the head write is done with (sent whole, or failed). */
static gboolean
write_with_fd (VbQemuMonitor *self, Write *w)
{
  GSocket *socket = G_IS_SOCKET_CONNECTION (self->stream)
                      ? g_socket_connection_get_socket (G_SOCKET_CONNECTION (self->stream)) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketControlMessage) msg = NULL;
  GSocketControlMessage *msgs[1];
  GOutputVector vec;
  gssize sent;
  gsize len;

  if (socket == NULL) {
    /* qemu answers the command with "no file descriptor supplied" */
    g_debug ("QMP over a stream that is no socket: the fd cannot go along");
    close (w->fd);
    w->fd = -1;
    return TRUE;
  }
  msg = g_unix_fd_message_new ();
  if (!g_unix_fd_message_append_fd (G_UNIX_FD_MESSAGE (msg), w->fd, &error)) {
    close_with_error (self, g_error_new (VB_ERROR, VB_ERROR_IO, "cannot pass an fd to the QEMU monitor: %s",
                                         error->message));
    return FALSE;
  }
  msgs[0] = msg;
  vec.buffer = g_bytes_get_data (w->bytes, &len);
  vec.size = len;
  sent = g_socket_send_message (socket, NULL, &vec, 1, msgs, 1, 0, NULL, &error);
  if (sent < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    g_autoptr(GSource) source = g_socket_create_source (socket, G_IO_OUT, self->cancellable);

    self->writing = TRUE;
    g_source_set_callback (source, (GSourceFunc) (void (*) (void)) socket_writable, g_object_ref (self),
                           g_object_unref);
    g_source_attach (source, NULL);
    return FALSE;
  }
  if (sent < 0) {
    close_with_error (self, g_error_new (VB_ERROR, VB_ERROR_IO, "cannot write to the QEMU monitor: %s",
                                         error->message));
    return FALSE;
  }
  close (w->fd);
  w->fd = -1;
  if ((gsize) sent < len) {
    /* the fd went with the first bytes; the rest is an ordinary write */
    GBytes *rest = g_bytes_new_from_bytes (w->bytes, sent, len - sent);

    g_bytes_unref (w->bytes);
    w->bytes = rest;
    return TRUE;
  }
  write_free (g_queue_pop_head (&self->writes));
  return FALSE;
}

static void
write_next (VbQemuMonitor *self)
{
  Write *w;
  gsize len;
  gconstpointer data;

  while (!self->writing && self->state != MON_CLOSED && !g_queue_is_empty (&self->writes)) {
    w = g_queue_peek_head (&self->writes);
    if (w->fd >= 0 && !write_with_fd (self, w))
      continue;
    data = g_bytes_get_data (w->bytes, &len);
    self->writing = TRUE;
    g_output_stream_write_all_async (self->output, data, len, G_PRIORITY_DEFAULT, self->cancellable,
                                     write_done, g_object_ref (self));
  }
}

static void
send_line (VbQemuMonitor *self, const char *line, int fd)
{
  char *copy = g_strconcat (line, "\n", NULL);
  Write *w = g_new0 (Write, 1);

  w->bytes = g_bytes_new_take (copy, strlen (copy));
  w->fd = fd;
  g_queue_push_tail (&self->writes, w);
  write_next (self);
}

static void
send_pending (VbQemuMonitor *self, Pending *p)
{
  int fd = p->fd;

  p->fd = -1;
  g_hash_table_insert (self->pending, p->id, p);
  send_line (self, p->line, fd);
}

/* Reading ------------------------------------------------------------------ */

static char *
error_message (JsonObject *obj)
{
  JsonObject *err = json_object_get_object_member (obj, "error");
  const char *desc = err && json_object_has_member (err, "desc")
                       ? json_object_get_string_member (err, "desc") : NULL;

  return g_strdup (desc ? desc : "unknown QEMU error");
}

static void
handle_reply (VbQemuMonitor *self, JsonObject *obj)
{
  const char *id = NULL;
  Pending *p;
  JsonNode *id_node = json_object_get_member (obj, "id");

  if (id_node && JSON_NODE_HOLDS_VALUE (id_node) && json_node_get_value_type (id_node) == G_TYPE_STRING)
    id = json_node_get_string (id_node);
  p = id ? g_hash_table_lookup (self->pending, id) : NULL;
  if (p == NULL) {
    g_debug ("QMP reply without a matching command (id %s)", id ? id : "none");
    return;
  }
  g_hash_table_steal (self->pending, id);
  if (json_object_has_member (obj, "error")) {
    g_autofree char *msg = error_message (obj);

    g_task_return_new_error (p->task, VB_ERROR, VB_ERROR_FAILED, "%s", msg);
  } else {
    JsonNode *ret = json_object_get_member (obj, "return");

    g_task_return_pointer (p->task, ret ? json_node_copy (ret) : json_node_new (JSON_NODE_NULL),
                           (GDestroyNotify) json_node_unref);
  }
  pending_free (p);
}

static void
negotiated (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQemuMonitor *self = VB_QEMU_MONITOR (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (self, result, &error);

  /* the commands behind it were sent already, and fail on their own */
  if (ret == NULL && self->state != MON_CLOSED)
    close_with_error (self, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QMP negotiation failed: %s",
                                         error->message));
}

static Pending *
make_pending (VbQemuMonitor *self, const char *command, JsonNode *arguments, GTask *task)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  Pending *p = g_new0 (Pending, 1);

  p->fd = -1;
  p->id = g_strdup_printf ("vb-%" G_GUINT64_FORMAT, ++self->next_id);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "execute");
  json_builder_add_string_value (b, command);
  if (arguments) {
    json_builder_set_member_name (b, "arguments");
    json_builder_add_value (b, json_node_copy (arguments));
  }
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, p->id);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  p->line = json_generator_to_data (gen, NULL);
  p->task = task;
  return p;
}

static void
handle_line (VbQemuMonitor *self, const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *obj;

  if (!json_parser_load_from_data (parser, line, -1, &error)) {
    g_debug ("ignoring unparsable QMP line: %s", error->message);
    return;
  }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return;
  obj = json_node_get_object (root);

  if (self->state == MON_GREETING) {
    if (!json_object_has_member (obj, "QMP")) {
      close_with_error (self, g_error_new_literal (VB_ERROR, VB_ERROR_FAILED,
                                                   "the QEMU monitor did not greet with QMP"));
      return;
    }
    self->state = MON_READY;
    g_clear_handle_id (&self->greeting_timeout_id, g_source_remove);
    return;
  }
  if (json_object_has_member (obj, "event")) {
    const char *name = json_object_get_string_member (obj, "event");
    JsonNode *data = json_object_get_member (obj, "data");

    if (name) {
      g_autoptr(VbQemuEvent) event = vb_qemu_event_parse (name, data);

      g_signal_emit (self, signals[SIGNAL_EVENT], 0, event);
    }
    return;
  }
  if (json_object_has_member (obj, "return") || json_object_has_member (obj, "error"))
    handle_reply (self, obj);
}

static void
line_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(VbQemuMonitor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);

  if (self->state == MON_CLOSED)
    return;
  if (line == NULL) {
    if (error == NULL)
      error = g_error_new_literal (VB_ERROR, VB_ERROR_IO, "QEMU closed the monitor");
    else
      g_prefix_error (&error, "QEMU monitor: ");
    close_with_error (self, g_error_new_literal (VB_ERROR, VB_ERROR_IO, error->message));
    return;
  }
  handle_line (self, line);
  if (self->state != MON_CLOSED)
    read_next_line (self);
}

static void
read_next_line (VbQemuMonitor *self)
{
  g_data_input_stream_read_line_async (self->input, G_PRIORITY_DEFAULT, self->cancellable,
                                       line_read, g_object_ref (self));
}

void
vb_qemu_monitor_attach (VbQemuMonitor *self, GIOStream *stream)
{
  Pending *p;

  g_return_if_fail (self->state == MON_DISCONNECTED);

  self->stream = g_object_ref (stream);
  self->input = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  /* QMP ends lines with \r\n on some versions */
  g_data_input_stream_set_newline_type (self->input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  self->output = g_object_ref (g_io_stream_get_output_stream (stream));
  self->state = MON_GREETING;
  /* Everything goes out now, without waiting for the greeting or for
   * qmp_capabilities' answer: qemu greets before it reads, and without
   * OOB it takes one command at a time, in order, the next one only
   * once the one before has left capabilities negotiation.  That saves
   * two round trips, each one a wait on qemu's still busy main loop. */
  send_pending (self, make_pending (self, "qmp_capabilities", NULL, g_task_new (self, NULL, negotiated, NULL)));
  while ((p = g_queue_pop_head (&self->queued)) != NULL)
    send_pending (self, p);
  read_next_line (self);
}

/* Connecting ------------------------------------------------------------------ */

int
vb_qemu_monitor_listen (const char *path, GError **error)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof addr.sun_path) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "monitor socket path %s is too long for a unix socket", path);
    return -1;
  }
  g_strlcpy (addr.sun_path, path, sizeof addr.sun_path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 8) < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot listen on %s: %s", path, g_strerror (saved));
    if (fd >= 0)
      close (fd);
    return -1;
  }
  return fd;
}

static gboolean
connect_failed (gpointer user_data)
{
  VbQemuMonitor *self = user_data;

  self->connect_failed_id = 0;
  close_with_error (self, g_steal_pointer (&self->connect_error));
  return G_SOURCE_REMOVE;
}

static gboolean
greeting_timed_out (gpointer user_data)
{
  VbQemuMonitor *self = user_data;

  self->greeting_timeout_id = 0;
  close_with_error (self, g_error_new (VB_ERROR, VB_ERROR_IO, "QEMU did not greet on its monitor %s in time",
                                       self->path));
  return G_SOURCE_REMOVE;
}

/* A unix socket connect answers at once: connected (also while qemu has
 * not accepted yet: the listening socket queues it), refused or no such
 * file.  So a non-blocking socket connects without an async round trip
 * and without GSocketClient's proxy lookup, which costs more than the
 * connect. */
void
vb_qemu_monitor_connect (VbQemuMonitor *self, const char *path, guint timeout_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) addr = g_unix_socket_address_new (path);
  g_autoptr(GSocket) socket = NULL;

  g_return_if_fail (self->state == MON_DISCONNECTED);

  g_free (self->path);
  self->path = g_strdup (path);
  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  if (socket != NULL) {
    g_socket_set_blocking (socket, FALSE);
    if (g_socket_connect (socket, addr, NULL, &error)) {
      g_autoptr(GSocketConnection) conn = g_socket_connection_factory_create_connection (socket);

      vb_qemu_monitor_attach (self, G_IO_STREAM (conn));
      if (timeout_ms > 0 && self->state == MON_GREETING)
        self->greeting_timeout_id = g_timeout_add (timeout_ms, greeting_timed_out, self);
      return;
    }
  }
  /* ::closed comes from the main loop, as for any other end, not from
   * inside the caller's connect */
  self->connect_error = g_error_new (VB_ERROR, VB_ERROR_IO, "cannot connect to the QEMU monitor %s: %s",
                                     path, error->message);
  self->connect_failed_id = g_idle_add (connect_failed, self);
}

/* Commands ------------------------------------------------------------------ */

void
vb_qemu_monitor_command_async (VbQemuMonitor *self, const char *command, JsonNode *arguments,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  vb_qemu_monitor_command_with_fd_async (self, command, arguments, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_command_with_fd_async (VbQemuMonitor *self, const char *command, JsonNode *arguments,
                                       int fd, GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Pending *p;

  g_task_set_source_tag (task, vb_qemu_monitor_command_async);
  if (self->state == MON_CLOSED) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "the QEMU monitor is not connected");
    g_object_unref (task);
    if (fd >= 0)
      close (fd);
    return;
  }
  p = make_pending (self, command, arguments, task);
  p->fd = fd;
  if (self->state == MON_DISCONNECTED)
    g_queue_push_tail (&self->queued, p);
  else
    send_pending (self, p);
}

JsonNode *
vb_qemu_monitor_command_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

JsonNode *
vb_qemu_json_args (GVariant *dict)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (dict);

  return json_gvariant_serialize (owned);
}
