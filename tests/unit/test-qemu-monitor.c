/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>
#include <sys/socket.h>

#include <gio/gio.h>

#include "vb-error.h"

#include "vb-qemu-monitor-json.h"

/* The typed QMP layer: canned answers and events through its parsers,
 * and through a monitor talking to a fake qemu on a socket pair. */

static JsonNode *
node (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonNode *n = json_from_string (json, &error);

  g_assert_no_error (error);
  return n;
}

static void
test_status (void)
{
  g_autoptr(JsonNode) ok = node ("{\"running\": true, \"singlestep\": false, \"status\": \"running\"}");
  g_autoptr(JsonNode) suspended = node ("{\"running\": false, \"status\": \"suspended\"}");
  g_autoptr(JsonNode) no_running = node ("{\"status\": \"paused\"}");
  g_autoptr(JsonNode) wrong_type = node ("{\"running\": \"yes\", \"status\": \"running\"}");
  g_autoptr(JsonNode) list = node ("[]");
  g_autoptr(VbQemuStatus) status = vb_qemu_parse_query_status (ok, NULL);
  g_autoptr(VbQemuStatus) sleeping = vb_qemu_parse_query_status (suspended, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (status);
  g_assert_true (status->running);
  g_assert_cmpstr (status->status, ==, "running");
  g_assert_false (sleeping->running);
  g_assert_cmpstr (sleeping->status, ==, "suspended");

  g_assert_null (vb_qemu_parse_query_status (no_running, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "query-status: QEMU's answer lacks 'running'");
  g_clear_error (&error);
  g_assert_null (vb_qemu_parse_query_status (wrong_type, &error));
  g_assert_cmpstr (error->message, ==, "query-status: QEMU's answer lacks 'running'");
  g_clear_error (&error);
  g_assert_null (vb_qemu_parse_query_status (list, &error));
  g_assert_cmpstr (error->message, ==, "query-status: QEMU's answer is not an object");
  g_clear_error (&error);
  g_assert_null (vb_qemu_parse_query_status (NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_FAILED);
}

static void
test_migrate_and_dump (void)
{
  g_autoptr(JsonNode) empty = node ("{}");
  g_autoptr(JsonNode) active = node ("{\"status\": \"active\", \"ram\": {\"total\": 1000, \"transferred\": 250, "
                                     "\"remaining\": 750, \"duplicate\": 3}}");
  g_autoptr(JsonNode) failed = node ("{\"status\": \"failed\", \"error-desc\": \"disk full\"}");
  g_autoptr(JsonNode) dump = node ("{\"status\": \"completed\", \"completed\": 4096, \"total\": 4096}");
  g_autoptr(JsonNode) dump_bad = node ("{\"completed\": 1}");
  g_autoptr(VbQemuMigrateInfo) none = vb_qemu_parse_query_migrate (empty, NULL);
  g_autoptr(VbQemuMigrateInfo) running = vb_qemu_parse_query_migrate (active, NULL);
  g_autoptr(VbQemuMigrateInfo) broken = vb_qemu_parse_query_migrate (failed, NULL);
  g_autoptr(VbQemuDumpInfo) done = vb_qemu_parse_query_dump (dump, NULL);
  g_autoptr(GError) error = NULL;

  /* before a migration starts qemu answers {} */
  g_assert_cmpint (none->status, ==, VB_QEMU_JOB_STATUS_NONE);
  g_assert_cmpstr (none->status_name, ==, "");
  g_assert_cmpint (running->status, ==, VB_QEMU_JOB_STATUS_ACTIVE);
  g_assert_cmpuint (running->ram_total, ==, 1000);
  g_assert_cmpuint (running->ram_transferred, ==, 250);
  g_assert_cmpuint (running->ram_remaining, ==, 750);
  g_assert_cmpint (broken->status, ==, VB_QEMU_JOB_STATUS_FAILED);
  g_assert_cmpstr (broken->error_desc, ==, "disk full");
  g_assert_cmpint (done->status, ==, VB_QEMU_JOB_STATUS_COMPLETED);
  g_assert_cmpuint (done->total, ==, 4096);
  g_assert_cmpuint (done->completed, ==, 4096);
  g_assert_null (vb_qemu_parse_query_dump (dump_bad, &error));
  g_assert_cmpstr (error->message, ==, "query-dump: QEMU's answer lacks 'status'");
}

static void
test_hotpluggable_cpus (void)
{
  g_autoptr(JsonNode) ret = node (
    "[{\"props\": {\"core-id\": 0, \"thread-id\": 0, \"socket-id\": 1}, \"vcpus-count\": 1, "
    "  \"type\": \"qemu64-x86_64-cpu\"},"
    " {\"props\": {\"core-id\": 0, \"thread-id\": 0, \"socket-id\": 0}, \"vcpus-count\": 1, "
    "  \"qom-path\": \"/machine/unattached/device[0]\", \"type\": \"qemu64-x86_64-cpu\"},"
    " {\"vcpus-count\": 1, \"type\": \"no-props\"},"
    " 42]");
  g_autoptr(JsonNode) object = node ("{}");
  g_autoptr(GPtrArray) cpus = vb_qemu_parse_query_hotpluggable_cpus (ret, NULL);
  const VbQemuHotpluggableCpu *empty, *booted;
  g_autoptr(GError) error = NULL;
  gint64 socket_id = -1;

  /* entries that are no slot are left out, qemu's order is kept */
  g_assert_cmpuint (cpus->len, ==, 2);
  empty = g_ptr_array_index (cpus, 0);
  booted = g_ptr_array_index (cpus, 1);
  g_assert_cmpstr (empty->type, ==, "qemu64-x86_64-cpu");
  g_assert_null (empty->qom_path);
  g_assert_cmpint (empty->socket_id, ==, 1);
  g_assert_cmpint (empty->vcpus_count, ==, 1);
  g_assert_cmpstr (booted->qom_path, ==, "/machine/unattached/device[0]");
  g_assert_true (g_variant_is_of_type (empty->props, G_VARIANT_TYPE ("a{sv}")));
  g_assert_true (g_variant_lookup (empty->props, "socket-id", "x", &socket_id));
  g_assert_cmpint (socket_id, ==, 1);

  g_assert_null (vb_qemu_parse_query_hotpluggable_cpus (object, &error));
  g_assert_cmpstr (error->message, ==, "query-hotpluggable-cpus: QEMU's answer is not a list");
}

static void
test_chardev_version_machines (void)
{
  g_autoptr(JsonNode) chardevs = node ("[{\"frontend-open\": true, \"filename\": \"pty:/dev/pts/7\", "
                                       "\"label\": \"charserial0\"}]");
  g_autoptr(JsonNode) chardev_bad = node ("[{\"label\": \"charserial0\"}]");
  g_autoptr(JsonNode) version = node ("{\"qemu\": {\"micro\": 19, \"minor\": 2, \"major\": 7}, "
                                      "\"package\": \"Debian 1:7.2+dfsg-7\"}");
  g_autoptr(JsonNode) version_bad = node ("{\"package\": \"\"}");
  g_autoptr(JsonNode) machines = node ("[{\"name\": \"none\"}, {\"name\": \"pc-i440fx-7.2\", \"alias\": \"pc\", "
                                       "\"is-default\": true, \"cpu-max\": 255, \"deprecated\": false}]");
  g_autoptr(GPtrArray) chr = vb_qemu_parse_query_chardev (chardevs, NULL);
  g_autoptr(VbQemuVersion) v = vb_qemu_parse_query_version (version, NULL);
  g_autoptr(GPtrArray) m = vb_qemu_parse_query_machines (machines, NULL);
  const VbQemuMachine *pc;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (chr->len, ==, 1);
  g_assert_cmpstr (((VbQemuChardev *) g_ptr_array_index (chr, 0))->filename, ==, "pty:/dev/pts/7");
  g_assert_null (vb_qemu_parse_query_chardev (chardev_bad, &error));
  g_assert_cmpstr (error->message, ==, "query-chardev: entry 0 lacks its label or filename");
  g_clear_error (&error);

  g_assert_cmpint (v->major, ==, 7);
  g_assert_cmpint (v->minor, ==, 2);
  g_assert_cmpint (v->micro, ==, 19);
  g_assert_cmpstr (v->package, ==, "Debian 1:7.2+dfsg-7");
  g_assert_null (vb_qemu_parse_query_version (version_bad, &error));
  g_assert_cmpstr (error->message, ==, "query-version: QEMU's answer lacks 'qemu'");

  /* "none" is no machine a guest can have */
  g_assert_cmpuint (m->len, ==, 1);
  pc = g_ptr_array_index (m, 0);
  g_assert_cmpstr (pc->name, ==, "pc-i440fx-7.2");
  g_assert_cmpstr (pc->alias, ==, "pc");
  g_assert_true (pc->is_default);
  g_assert_cmpint (pc->cpu_max, ==, 255);
}

static void
test_events (void)
{
  g_autoptr(JsonNode) shutdown = node ("{\"guest\": true, \"reason\": \"guest-shutdown\"}");
  g_autoptr(JsonNode) io_error = node ("{\"device\": \"\", \"node-name\": \"drive-virtio-disk1\", "
                                       "\"operation\": \"write\", \"action\": \"stop\", \"reason\": \"No space\"}");
  g_autoptr(JsonNode) deleted = node ("{\"path\": \"/machine/peripheral/vcpu3/lapic\"}");
  g_autoptr(JsonNode) tray = node ("{\"device\": \"\", \"id\": \"sata0-0-0\", \"tray-open\": true}");
  g_autoptr(JsonNode) balloon = node ("{\"actual\": 536870912}");
  g_autoptr(JsonNode) wrong_types = node ("{\"offset\": \"soon\"}");
  g_autoptr(VbQemuEvent) e1 = vb_qemu_event_parse ("SHUTDOWN", shutdown);
  g_autoptr(VbQemuEvent) e2 = vb_qemu_event_parse ("BLOCK_IO_ERROR", io_error);
  g_autoptr(VbQemuEvent) e3 = vb_qemu_event_parse ("DEVICE_DELETED", deleted);
  g_autoptr(VbQemuEvent) e4 = vb_qemu_event_parse ("DEVICE_TRAY_MOVED", tray);
  g_autoptr(VbQemuEvent) e5 = vb_qemu_event_parse ("BALLOON_CHANGE", balloon);
  g_autoptr(VbQemuEvent) e6 = vb_qemu_event_parse ("RTC_CHANGE", wrong_types);
  g_autoptr(VbQemuEvent) e7 = vb_qemu_event_parse ("NIC_RX_FILTER_CHANGED", NULL);
  g_autoptr(VbQemuEvent) e8 = vb_qemu_event_parse ("STOP", NULL);

  g_assert_cmpint (e1->type, ==, VB_QEMU_EVENT_SHUTDOWN);
  g_assert_true (e1->shutdown.guest);
  g_assert_cmpint (e2->type, ==, VB_QEMU_EVENT_BLOCK_IO_ERROR);
  g_assert_cmpstr (e2->block_io_error.device, ==, "");
  g_assert_cmpstr (e2->block_io_error.node_name, ==, "drive-virtio-disk1");
  g_assert_cmpstr (e2->block_io_error.action, ==, "stop");
  g_assert_cmpstr (e2->block_io_error.reason, ==, "No space");
  g_assert_cmpint (e3->type, ==, VB_QEMU_EVENT_DEVICE_DELETED);
  g_assert_null (e3->device_deleted.device);
  g_assert_cmpstr (e3->device_deleted.path, ==, "/machine/peripheral/vcpu3/lapic");
  g_assert_cmpint (e4->type, ==, VB_QEMU_EVENT_DEVICE_TRAY_MOVED);
  g_assert_cmpstr (e4->tray_moved.id, ==, "sata0-0-0");
  g_assert_true (e4->tray_moved.tray_open);
  g_assert_cmpuint (e5->balloon_change.actual, ==, 536870912);
  /* a member of the wrong type counts as absent */
  g_assert_cmpint (e6->type, ==, VB_QEMU_EVENT_RTC_CHANGE);
  g_assert_cmpint (e6->rtc_change.offset, ==, 0);
  g_assert_cmpint (e7->type, ==, VB_QEMU_EVENT_OTHER);
  g_assert_cmpstr (e7->name, ==, "NIC_RX_FILTER_CHANGED");
  g_assert_cmpint (e8->type, ==, VB_QEMU_EVENT_STOP);
}

/* A fake qemu: greets, then answers each command from a table, sending
 * an event ahead of the answer to query-status.  Every command line it
 * read goes to @lines. */
typedef struct {
  GSocketConnection *conn;
  GAsyncQueue *lines;
} Peer;

static const struct {
  const char *command;
  const char *answer;
} peer_answers[] = {
  { "qmp_capabilities", "{\"return\": {}, \"id\": \"%s\"}" },
  { "query-status", "{\"return\": {\"running\": false, \"status\": \"paused\"}, \"id\": \"%s\"}" },
  { "query-dump", "{\"return\": [1, 2], \"id\": \"%s\"}" },
  { "stop", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"not now\"}, \"id\": \"%s\"}" },
  { "device_add", "{\"return\": {}, \"id\": \"%s\"}" },
};

static gpointer
peer_run (gpointer data)
{
  Peer *peer = data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (peer->conn));
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (peer->conn)));
  const char *greeting = "{\"QMP\": {\"version\": {}, \"capabilities\": []}}\n";
  char *line;

  g_assert_true (g_output_stream_write_all (out, greeting, strlen (greeting), NULL, NULL, NULL));
  while ((line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL)) != NULL) {
    g_autoptr(JsonNode) cmd = node (line);
    JsonObject *o = json_node_get_object (cmd);
    const char *name = json_object_get_string_member (o, "execute");
    const char *id = json_object_get_string_member (o, "id");

    g_async_queue_push (peer->lines, line);
    if (g_str_equal (name, "query-status")) {
      const char *event = "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"vcpu3\", "
                          "\"path\": \"/machine/peripheral/vcpu3\"}, \"timestamp\": {\"seconds\": 1}}\n";

      g_assert_true (g_output_stream_write_all (out, event, strlen (event), NULL, NULL, NULL));
    }
    for (guint i = 0; i < G_N_ELEMENTS (peer_answers); i++) {
      if (g_str_equal (name, peer_answers[i].command)) {
        g_autofree char *answer = g_strdup_printf (peer_answers[i].answer, id);

        g_assert_true (g_output_stream_write_all (out, answer, strlen (answer), NULL, NULL, NULL));
        g_assert_true (g_output_stream_write_all (out, "\n", 1, NULL, NULL, NULL));
      }
    }
  }
  return NULL;
}

typedef struct {
  guint pending;
  VbQemuStatus *status;
  GError *dump_error;
  GError *stop_error;
  gboolean device_added;
  VbQemuEvent *event;
} Results;

static void
on_event (VbQemuMonitor *mon, const VbQemuEvent *event, gpointer user_data)
{
  Results *r = user_data;

  g_assert_null (r->event);
  r->event = g_new0 (VbQemuEvent, 1);
  r->event->type = event->type;
  r->event->name = g_strdup (event->name);
  r->event->device_deleted.device = g_strdup (event->device_deleted.device);
  r->event->device_deleted.path = g_strdup (event->device_deleted.path);
}

static void
status_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Results *r = user_data;

  r->status = vb_qemu_monitor_query_status_finish (VB_QEMU_MONITOR (source), result, NULL);
  /* the event was sent before the answer */
  g_assert_nonnull (r->event);
  r->pending--;
}

static void
dump_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Results *r = user_data;

  g_assert_null (vb_qemu_monitor_query_dump_finish (VB_QEMU_MONITOR (source), result, &r->dump_error));
  r->pending--;
}

static void
stop_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Results *r = user_data;

  g_assert_false (vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &r->stop_error));
  r->pending--;
}

static void
device_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Results *r = user_data;

  r->device_added = vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, NULL);
  r->pending--;
}

static GSocketConnection *
connection_from_fd (int fd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, &error);

  g_assert_no_error (error);
  return g_socket_connection_factory_create_connection (socket);
}

static void
test_over_socket (void)
{
  int fds[2];
  Peer peer = { 0 };
  g_autoptr(GThread) thread = NULL;
  g_autoptr(GSocketConnection) ours = NULL;
  g_autoptr(VbQemuMonitor) mon = vb_qemu_monitor_new ();
  Results r = { .pending = 4 };
  char *line;
  g_autoptr(JsonNode) device_add = NULL;
  JsonObject *args;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  ours = connection_from_fd (fds[0]);
  peer.conn = connection_from_fd (fds[1]);
  peer.lines = g_async_queue_new_full (g_free);
  thread = g_thread_new ("fake-qemu", peer_run, &peer);

  g_signal_connect (mon, "event", G_CALLBACK (on_event), &r);
  /* queued before the stream is there, sent behind qmp_capabilities */
  vb_qemu_monitor_query_status_async (mon, NULL, status_done, &r);
  vb_qemu_monitor_attach (mon, G_IO_STREAM (ours));
  vb_qemu_monitor_query_dump_async (mon, NULL, dump_done, &r);
  vb_qemu_monitor_stop_async (mon, NULL, stop_done, &r);
  vb_qemu_monitor_device_add_async (mon, "qemu64-x86_64-cpu", "vcpu1",
                                    g_variant_new_parsed ("{'socket-id': <int64 1>, 'core-id': <int64 0>}"), NULL,
                                    device_done, &r);
  while (r.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_nonnull (r.status);
  g_assert_false (r.status->running);
  g_assert_cmpstr (r.status->status, ==, "paused");
  g_assert_error (r.dump_error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_cmpstr (r.dump_error->message, ==, "query-dump: QEMU's answer is not an object");
  g_assert_error (r.stop_error, VB_ERROR, VB_ERROR_FAILED);
  g_assert_cmpstr (r.stop_error->message, ==, "not now");
  g_assert_true (r.device_added);
  g_assert_cmpint (r.event->type, ==, VB_QEMU_EVENT_DEVICE_DELETED);
  g_assert_cmpstr (r.event->device_deleted.device, ==, "vcpu3");
  g_assert_cmpstr (r.event->device_deleted.path, ==, "/machine/peripheral/vcpu3");

  /* what went over the wire: capabilities first, then in order */
  line = g_async_queue_pop (peer.lines);
  g_assert_nonnull (strstr (line, "\"qmp_capabilities\""));
  g_free (line);
  line = g_async_queue_pop (peer.lines);
  g_assert_nonnull (strstr (line, "\"query-status\""));
  g_free (line);
  g_free (g_async_queue_pop (peer.lines));
  g_free (g_async_queue_pop (peer.lines));
  line = g_async_queue_pop (peer.lines);
  device_add = node (line);
  g_free (line);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (device_add), "execute"), ==, "device_add");
  args = json_object_get_object_member (json_node_get_object (device_add), "arguments");
  g_assert_cmpstr (json_object_get_string_member (args, "driver"), ==, "qemu64-x86_64-cpu");
  g_assert_cmpstr (json_object_get_string_member (args, "id"), ==, "vcpu1");
  g_assert_cmpint (json_object_get_int_member (args, "socket-id"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (args, "core-id"), ==, 0);

  vb_qemu_monitor_close (mon);
  g_io_stream_close (G_IO_STREAM (ours), NULL, NULL);
  g_thread_join (g_steal_pointer (&thread));
  g_object_unref (peer.conn);
  g_async_queue_unref (peer.lines);
  vb_qemu_status_free (r.status);
  g_error_free (r.dump_error);
  g_error_free (r.stop_error);
  vb_qemu_event_free (r.event);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-monitor/query-status", test_status);
  g_test_add_func ("/qemu-monitor/query-migrate-and-dump", test_migrate_and_dump);
  g_test_add_func ("/qemu-monitor/query-hotpluggable-cpus", test_hotpluggable_cpus);
  g_test_add_func ("/qemu-monitor/chardev-version-machines", test_chardev_version_machines);
  g_test_add_func ("/qemu-monitor/events", test_events);
  g_test_add_func ("/qemu-monitor/over-a-socket", test_over_socket);
  return g_test_run ();
}
