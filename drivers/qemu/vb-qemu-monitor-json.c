/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The typed QMP commands and events: arguments built and answers taken
 * apart here, so that the rest of the driver deals in C values. */
#include "vb-qemu-monitor-json.h"

#include <unistd.h>

#include "vb-error.h"

/* Members --------------------------------------------------------------------- */

/* Members of the type QMP documents, or the fallback: an answer with a
 * member of another type is treated as one without it. */
static JsonNode *
member_value (JsonObject *o, const char *name, GType type)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != type)
    return NULL;
  return n;
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = member_value (o, name, G_TYPE_STRING);

  return n ? json_node_get_string (n) : NULL;
}

static gint64
member_int (JsonObject *o, const char *name, gint64 fallback)
{
  JsonNode *n = member_value (o, name, G_TYPE_INT64);

  return n ? json_node_get_int (n) : fallback;
}

static gboolean
member_bool (JsonObject *o, const char *name, gboolean fallback)
{
  JsonNode *n = member_value (o, name, G_TYPE_BOOLEAN);

  return n ? json_node_get_boolean (n) : fallback;
}

static JsonObject *
member_object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonObject *
reply_object (JsonNode *ret, const char *command, GError **error)
{
  if (ret == NULL || !JSON_NODE_HOLDS_OBJECT (ret)) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s: QEMU's answer is not an object", command);
    return NULL;
  }
  return json_node_get_object (ret);
}

static JsonArray *
reply_array (JsonNode *ret, const char *command, GError **error)
{
  if (ret == NULL || !JSON_NODE_HOLDS_ARRAY (ret)) {
    g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s: QEMU's answer is not a list", command);
    return NULL;
  }
  return json_node_get_array (ret);
}

static gboolean
missing (const char *command, const char *member, GError **error)
{
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s: QEMU's answer lacks '%s'", command, member);
  return FALSE;
}

/* Sending --------------------------------------------------------------------- */

/* How a command's answer becomes its result: NULL parse for commands
 * whose answer carries nothing. */
typedef struct {
  const char *name;
  gpointer (*parse) (JsonNode *ret, GError **error);
  GDestroyNotify free;
} QmpCommand;

static void
typed_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  const QmpCommand *cmd = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);
  gpointer value;

  if (ret == NULL) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (cmd->parse == NULL) {
    g_task_return_pointer (task, NULL, NULL);
    return;
  }
  value = cmd->parse (ret, &error);
  if (value == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, value, cmd->free);
}

/* @args: a{sv} (may be floating) or NULL */
static void
send_command (VbQemuMonitor *self, const QmpCommand *cmd, GVariant *args, int fd, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(JsonNode) json = args ? vb_qemu_json_args (args) : NULL;

  g_task_set_source_tag (task, send_command);
  g_task_set_task_data (task, (gpointer) cmd, NULL);
  vb_qemu_monitor_command_with_fd_async (self, cmd->name, json, fd, cancellable, typed_reply, task);
}

static void
send_json (VbQemuMonitor *self, const QmpCommand *cmd, JsonNode *args, GCancellable *cancellable,
           GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, send_command);
  g_task_set_task_data (task, (gpointer) cmd, NULL);
  vb_qemu_monitor_command_async (self, cmd->name, args, cancellable, typed_reply, task);
}

static gpointer
finish_value (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == send_command, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
vb_qemu_monitor_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  GTask *task = G_TASK (result);
  const QmpCommand *cmd = g_task_get_task_data (task);
  gpointer value;

  if (g_task_had_error (task)) {
    g_task_propagate_pointer (task, error);
    return FALSE;
  }
  value = finish_value (self, result, error);
  if (value && cmd->free)
    cmd->free (value);
  return TRUE;
}

#define SIMPLE_COMMAND(func, qmp_name)                                                                           \
  void func (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data) \
  {                                                                                                              \
    static const QmpCommand cmd = { qmp_name, NULL, NULL };                                                      \
    send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);                                       \
  }

SIMPLE_COMMAND (vb_qemu_monitor_cont_async, "cont")
SIMPLE_COMMAND (vb_qemu_monitor_stop_async, "stop")
SIMPLE_COMMAND (vb_qemu_monitor_system_powerdown_async, "system_powerdown")
SIMPLE_COMMAND (vb_qemu_monitor_system_reset_async, "system_reset")
SIMPLE_COMMAND (vb_qemu_monitor_system_wakeup_async, "system_wakeup")
SIMPLE_COMMAND (vb_qemu_monitor_quit_async, "quit")
SIMPLE_COMMAND (vb_qemu_monitor_inject_nmi_async, "inject-nmi")
SIMPLE_COMMAND (vb_qemu_monitor_migrate_cancel_async, "migrate_cancel")

/* Devices ---------------------------------------------------------------------- */

void
vb_qemu_monitor_device_add_async (VbQemuMonitor *self, const char *driver, const char *id, GVariant *props,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "device_add", NULL, NULL };
  g_autoptr(GVariant) owned = props ? g_variant_ref_sink (props) : NULL;
  GVariantDict dict;

  g_variant_dict_init (&dict, owned);
  g_variant_dict_insert (&dict, "driver", "s", driver);
  g_variant_dict_insert (&dict, "id", "s", id);
  send_command (self, &cmd, g_variant_dict_end (&dict), -1, cancellable, callback, user_data);
}

/* Commands whose one argument is a string. */
static void
send_one_string (VbQemuMonitor *self, const QmpCommand *cmd, const char *member, const char *value, int fd,
                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, member, "s", value);
  send_command (self, cmd, g_variant_dict_end (&dict), fd, cancellable, callback, user_data);
}

void
vb_qemu_monitor_device_del_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "device_del", NULL, NULL };

  send_one_string (self, &cmd, "id", id, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_blockdev_add_file_async (VbQemuMonitor *self, const char *node_name, const char *format,
                                         const char *filename, gboolean read_only, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "blockdev-add", NULL, NULL };

  send_command (self, &cmd,
                g_variant_new_parsed ("{'driver': <%s>, 'node-name': <%s>, 'read-only': <%b>, "
                                      "'file': <{'driver': <'file'>, 'filename': <%s>}>}",
                                      format, node_name, read_only, filename),
                -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_blockdev_del_async (VbQemuMonitor *self, const char *node_name, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "blockdev-del", NULL, NULL };

  send_one_string (self, &cmd, "node-name", node_name, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_netdev_add_async (VbQemuMonitor *self, const char *type, const char *id, const char *fdname,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "netdev_add", NULL, NULL };
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "type", "s", type);
  g_variant_dict_insert (&dict, "id", "s", id);
  if (fdname)
    g_variant_dict_insert (&dict, "fd", "s", fdname);
  send_command (self, &cmd, g_variant_dict_end (&dict), -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_netdev_del_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "netdev_del", NULL, NULL };

  send_one_string (self, &cmd, "id", id, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_getfd_async (VbQemuMonitor *self, const char *fdname, int fd, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "getfd", NULL, NULL };

  send_one_string (self, &cmd, "fdname", fdname, fd, cancellable, callback, user_data);
}

void
vb_qemu_monitor_closefd_async (VbQemuMonitor *self, const char *fdname, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "closefd", NULL, NULL };

  send_one_string (self, &cmd, "fdname", fdname, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_add_client_async (VbQemuMonitor *self, const char *protocol, const char *fdname, gboolean skipauth,
                                  GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "add_client", NULL, NULL };

  send_command (self, &cmd,
                g_variant_new_parsed ("{'protocol': <%s>, 'fdname': <%s>, 'skipauth': <%b>, 'tls': <false>}",
                                      protocol, fdname, skipauth),
                -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_set_link_async (VbQemuMonitor *self, const char *name, gboolean up, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "set_link", NULL, NULL };

  send_command (self, &cmd, g_variant_new_parsed ("{'name': <%s>, 'up': <%b>}", name, up), -1, cancellable,
                callback, user_data);
}

void
vb_qemu_monitor_blockdev_open_tray_async (VbQemuMonitor *self, const char *id, gboolean force,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data)
{
  static const QmpCommand cmd = { "blockdev-open-tray", NULL, NULL };

  send_command (self, &cmd, g_variant_new_parsed ("{'id': <%s>, 'force': <%b>}", id, force), -1, cancellable,
                callback, user_data);
}

void
vb_qemu_monitor_blockdev_close_tray_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "blockdev-close-tray", NULL, NULL };

  send_one_string (self, &cmd, "id", id, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_blockdev_change_medium_async (VbQemuMonitor *self, const char *id, const char *filename,
                                              const char *format, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "blockdev-change-medium", NULL, NULL };

  send_command (self, &cmd,
                g_variant_new_parsed ("{'id': <%s>, 'filename': <%s>, 'format': <%s>}", id, filename, format), -1,
                cancellable, callback, user_data);
}

void
vb_qemu_monitor_blockdev_remove_medium_async (VbQemuMonitor *self, const char *id, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "blockdev-remove-medium", NULL, NULL };

  send_one_string (self, &cmd, "id", id, -1, cancellable, callback, user_data);
}

/* Guest ------------------------------------------------------------------------- */

void
vb_qemu_monitor_balloon_async (VbQemuMonitor *self, guint64 bytes, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "balloon", NULL, NULL };

  send_command (self, &cmd, g_variant_new_parsed ("{'value': <%t>}", bytes), -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_send_key_async (VbQemuMonitor *self, const guint *qnums, gsize n_keys, guint hold_time_ms,
                                GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "send-key", NULL, NULL };
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) args = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "keys");
  json_builder_begin_array (b);
  for (gsize i = 0; i < n_keys; i++) {
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "number");
    json_builder_set_member_name (b, "data");
    json_builder_add_int_value (b, qnums[i]);
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  if (hold_time_ms > 0) {
    json_builder_set_member_name (b, "hold-time");
    json_builder_add_int_value (b, hold_time_ms);
  }
  json_builder_end_object (b);
  args = json_builder_get_root (b);
  send_json (self, &cmd, args, cancellable, callback, user_data);
}

void
vb_qemu_monitor_migrate_async (VbQemuMonitor *self, const char *uri, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "migrate", NULL, NULL };

  send_one_string (self, &cmd, "uri", uri, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_migrate_incoming_async (VbQemuMonitor *self, const char *uri, GCancellable *cancellable,
                                        GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "migrate-incoming", NULL, NULL };

  send_one_string (self, &cmd, "uri", uri, -1, cancellable, callback, user_data);
}

void
vb_qemu_monitor_dump_guest_memory_async (VbQemuMonitor *self, const char *protocol, const char *format,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  static const QmpCommand cmd = { "dump-guest-memory", NULL, NULL };

  send_command (self, &cmd,
                g_variant_new_parsed ("{'paging': <false>, 'protocol': <%s>, 'detach': <true>, 'format': <%s>}",
                                      protocol, format),
                -1, cancellable, callback, user_data);
}

/* Queries ---------------------------------------------------------------------- */

void
vb_qemu_status_free (VbQemuStatus *status)
{
  g_free (status->status);
  g_free (status);
}

VbQemuStatus *
vb_qemu_parse_query_status (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-status", error);
  VbQemuStatus *status;

  if (o == NULL)
    return NULL;
  if (member_value (o, "running", G_TYPE_BOOLEAN) == NULL) {
    missing ("query-status", "running", error);
    return NULL;
  }
  if (member_string (o, "status") == NULL) {
    missing ("query-status", "status", error);
    return NULL;
  }
  status = g_new0 (VbQemuStatus, 1);
  status->running = member_bool (o, "running", FALSE);
  status->status = g_strdup (member_string (o, "status"));
  return status;
}

void
vb_qemu_monitor_query_status_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  static const QmpCommand cmd = { "query-status", (gpointer) vb_qemu_parse_query_status,
                                  (GDestroyNotify) vb_qemu_status_free };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

VbQemuStatus *
vb_qemu_monitor_query_status_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

static gpointer
parse_query_balloon (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-balloon", error);
  guint64 *actual;

  if (o == NULL)
    return NULL;
  if (member_value (o, "actual", G_TYPE_INT64) == NULL) {
    missing ("query-balloon", "actual", error);
    return NULL;
  }
  actual = g_new (guint64, 1);
  *actual = (guint64) member_int (o, "actual", 0);
  return actual;
}

void
vb_qemu_monitor_query_balloon_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  static const QmpCommand cmd = { "query-balloon", parse_query_balloon, g_free };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

gboolean
vb_qemu_monitor_query_balloon_finish (VbQemuMonitor *self, GAsyncResult *result, guint64 *out_actual,
                                      GError **error)
{
  g_autofree guint64 *actual = finish_value (self, result, error);

  if (actual == NULL)
    return FALSE;
  *out_actual = *actual;
  return TRUE;
}

static VbQemuJobStatus
job_status_from_string (const char *status)
{
  if (status == NULL || g_str_equal (status, "none"))
    return VB_QEMU_JOB_STATUS_NONE;
  if (g_str_equal (status, "completed"))
    return VB_QEMU_JOB_STATUS_COMPLETED;
  if (g_str_equal (status, "failed"))
    return VB_QEMU_JOB_STATUS_FAILED;
  if (g_str_equal (status, "cancelled"))
    return VB_QEMU_JOB_STATUS_CANCELLED;
  return VB_QEMU_JOB_STATUS_ACTIVE;
}

void
vb_qemu_migrate_info_free (VbQemuMigrateInfo *info)
{
  g_free (info->status_name);
  g_free (info->error_desc);
  g_free (info);
}

/* Before a migration starts, qemu answers {}: no status. */
VbQemuMigrateInfo *
vb_qemu_parse_query_migrate (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-migrate", error);
  JsonObject *ram;
  VbQemuMigrateInfo *info;

  if (o == NULL)
    return NULL;
  ram = member_object (o, "ram");
  info = g_new0 (VbQemuMigrateInfo, 1);
  info->status = job_status_from_string (member_string (o, "status"));
  info->status_name = g_strdup (member_string (o, "status") ? member_string (o, "status") : "");
  info->error_desc = g_strdup (member_string (o, "error-desc"));
  info->ram_total = (guint64) member_int (ram, "total", 0);
  info->ram_transferred = (guint64) member_int (ram, "transferred", 0);
  info->ram_remaining = (guint64) member_int (ram, "remaining", 0);
  return info;
}

void
vb_qemu_monitor_query_migrate_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  static const QmpCommand cmd = { "query-migrate", (gpointer) vb_qemu_parse_query_migrate,
                                  (GDestroyNotify) vb_qemu_migrate_info_free };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

VbQemuMigrateInfo *
vb_qemu_monitor_query_migrate_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

VbQemuDumpInfo *
vb_qemu_parse_query_dump (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-dump", error);
  VbQemuDumpInfo *info;

  if (o == NULL)
    return NULL;
  if (member_string (o, "status") == NULL) {
    missing ("query-dump", "status", error);
    return NULL;
  }
  info = g_new0 (VbQemuDumpInfo, 1);
  info->status = job_status_from_string (member_string (o, "status"));
  info->total = (guint64) member_int (o, "total", 0);
  info->completed = (guint64) member_int (o, "completed", 0);
  return info;
}

void
vb_qemu_monitor_query_dump_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data)
{
  static const QmpCommand cmd = { "query-dump", (gpointer) vb_qemu_parse_query_dump, g_free };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

VbQemuDumpInfo *
vb_qemu_monitor_query_dump_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

void
vb_qemu_hotpluggable_cpu_free (VbQemuHotpluggableCpu *cpu)
{
  g_free (cpu->type);
  g_free (cpu->qom_path);
  g_clear_pointer (&cpu->props, g_variant_unref);
  g_free (cpu);
}

/* Entries without a type or props are no slots one can plug into. */
GPtrArray *
vb_qemu_parse_query_hotpluggable_cpus (JsonNode *ret, GError **error)
{
  JsonArray *arr = reply_array (ret, "query-hotpluggable-cpus", error);
  g_autoptr(GPtrArray) cpus = NULL;

  if (arr == NULL)
    return NULL;
  cpus = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_hotpluggable_cpu_free);
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *n = json_array_get_element (arr, i);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
    JsonObject *props = member_object (o, "props");
    VbQemuHotpluggableCpu *cpu;

    if (props == NULL || member_string (o, "type") == NULL)
      continue;
    cpu = g_new0 (VbQemuHotpluggableCpu, 1);
    cpu->type = g_strdup (member_string (o, "type"));
    cpu->qom_path = g_strdup (member_string (o, "qom-path"));
    cpu->vcpus_count = member_int (o, "vcpus-count", 1);
    cpu->socket_id = member_int (props, "socket-id", 0);
    cpu->die_id = member_int (props, "die-id", 0);
    cpu->cluster_id = member_int (props, "cluster-id", 0);
    cpu->core_id = member_int (props, "core-id", 0);
    cpu->thread_id = member_int (props, "thread-id", 0);
    cpu->props = g_variant_ref_sink (json_gvariant_deserialize (json_object_get_member (o, "props"), "a{sv}", NULL));
    if (cpu->props == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "query-hotpluggable-cpus: the props of slot %u are not usable",
                   i);
      vb_qemu_hotpluggable_cpu_free (cpu);
      return NULL;
    }
    g_ptr_array_add (cpus, cpu);
  }
  return g_steal_pointer (&cpus);
}

void
vb_qemu_monitor_query_hotpluggable_cpus_async (VbQemuMonitor *self, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "query-hotpluggable-cpus", (gpointer) vb_qemu_parse_query_hotpluggable_cpus,
                                  (GDestroyNotify) g_ptr_array_unref };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

GPtrArray *
vb_qemu_monitor_query_hotpluggable_cpus_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

void
vb_qemu_chardev_free (VbQemuChardev *chr)
{
  g_free (chr->label);
  g_free (chr->filename);
  g_free (chr);
}

GPtrArray *
vb_qemu_parse_query_chardev (JsonNode *ret, GError **error)
{
  JsonArray *arr = reply_array (ret, "query-chardev", error);
  g_autoptr(GPtrArray) chardevs = NULL;

  if (arr == NULL)
    return NULL;
  chardevs = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_chardev_free);
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *n = json_array_get_element (arr, i);
    JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
    VbQemuChardev *chr;

    if (member_string (o, "label") == NULL || member_string (o, "filename") == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "query-chardev: entry %u lacks its label or filename", i);
      return NULL;
    }
    chr = g_new0 (VbQemuChardev, 1);
    chr->label = g_strdup (member_string (o, "label"));
    chr->filename = g_strdup (member_string (o, "filename"));
    g_ptr_array_add (chardevs, chr);
  }
  return g_steal_pointer (&chardevs);
}

void
vb_qemu_monitor_query_chardev_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  static const QmpCommand cmd = { "query-chardev", (gpointer) vb_qemu_parse_query_chardev,
                                  (GDestroyNotify) g_ptr_array_unref };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

GPtrArray *
vb_qemu_monitor_query_chardev_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

/* query-vnc's service, in a one-string box so that none is no failure */
static gpointer
parse_query_vnc (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-vnc", error);

  if (o == NULL)
    return NULL;
  return g_strdupv ((char *[]) { (char *) member_string (o, "service"), NULL });
}

void
vb_qemu_monitor_query_vnc_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data)
{
  static const QmpCommand cmd = { "query-vnc", parse_query_vnc, (GDestroyNotify) g_strfreev };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

gboolean
vb_qemu_monitor_query_vnc_finish (VbQemuMonitor *self, GAsyncResult *result, char **out_service, GError **error)
{
  g_auto(GStrv) box = finish_value (self, result, error);

  if (box == NULL)
    return FALSE;
  *out_service = g_strdup (box[0]);
  return TRUE;
}

static gpointer
parse_query_spice (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-spice", error);
  gint64 *port;

  if (o == NULL)
    return NULL;
  port = g_new (gint64, 1);
  *port = member_int (o, "port", 0);
  return port;
}

void
vb_qemu_monitor_query_spice_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  static const QmpCommand cmd = { "query-spice", parse_query_spice, g_free };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

gboolean
vb_qemu_monitor_query_spice_finish (VbQemuMonitor *self, GAsyncResult *result, gint64 *out_port, GError **error)
{
  g_autofree gint64 *port = finish_value (self, result, error);

  if (port == NULL)
    return FALSE;
  *out_port = *port;
  return TRUE;
}

/* Probing ---------------------------------------------------------------------- */

void
vb_qemu_version_free (VbQemuVersion *version)
{
  g_free (version->package);
  g_free (version);
}

VbQemuVersion *
vb_qemu_parse_query_version (JsonNode *ret, GError **error)
{
  JsonObject *o = reply_object (ret, "query-version", error);
  JsonObject *q = member_object (o, "qemu");
  VbQemuVersion *version;

  if (o == NULL)
    return NULL;
  if (q == NULL || member_value (q, "major", G_TYPE_INT64) == NULL || member_value (q, "minor", G_TYPE_INT64) == NULL ||
      member_value (q, "micro", G_TYPE_INT64) == NULL) {
    missing ("query-version", "qemu", error);
    return NULL;
  }
  version = g_new0 (VbQemuVersion, 1);
  version->major = member_int (q, "major", 0);
  version->minor = member_int (q, "minor", 0);
  version->micro = member_int (q, "micro", 0);
  version->package = g_strdup (member_string (o, "package"));
  return version;
}

void
vb_qemu_monitor_query_version_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data)
{
  static const QmpCommand cmd = { "query-version", (gpointer) vb_qemu_parse_query_version,
                                  (GDestroyNotify) vb_qemu_version_free };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

VbQemuVersion *
vb_qemu_monitor_query_version_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

/* The object of entry @i of @arr, or NULL. */
static JsonObject *
array_object (JsonArray *arr, guint i)
{
  JsonNode *n = json_array_get_element (arr, i);

  return JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

GPtrArray *
vb_qemu_parse_query_machines (JsonNode *ret, GError **error)
{
  JsonArray *arr = reply_array (ret, "query-machines", error);
  g_autoptr(GPtrArray) machines = NULL;

  if (arr == NULL)
    return NULL;
  machines = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_machine_free);
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonObject *o = array_object (arr, i);
    const char *name = member_string (o, "name");
    VbQemuMachine *m;

    if (name == NULL || g_str_equal (name, "none"))
      continue;
    m = g_new0 (VbQemuMachine, 1);
    m->name = g_strdup (name);
    m->alias = g_strdup (member_string (o, "alias"));
    m->is_default = member_bool (o, "is-default", FALSE);
    m->cpu_max = (int) member_int (o, "cpu-max", 0);
    m->deprecated = member_bool (o, "deprecated", FALSE);
    g_ptr_array_add (machines, m);
  }
  return g_steal_pointer (&machines);
}

void
vb_qemu_monitor_query_machines_async (VbQemuMonitor *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  static const QmpCommand cmd = { "query-machines", (gpointer) vb_qemu_parse_query_machines,
                                  (GDestroyNotify) g_ptr_array_unref };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

GPtrArray *
vb_qemu_monitor_query_machines_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

void
vb_qemu_cpu_model_free (VbQemuCpuModel *model)
{
  g_free (model->name);
  g_free (model);
}

static gpointer
parse_query_cpu_definitions (JsonNode *ret, GError **error)
{
  JsonArray *arr = reply_array (ret, "query-cpu-definitions", error);
  g_autoptr(GPtrArray) models = NULL;

  if (arr == NULL)
    return NULL;
  models = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_cpu_model_free);
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    JsonObject *o = array_object (arr, i);
    JsonNode *blockers = o ? json_object_get_member (o, "unavailable-features") : NULL;
    VbQemuCpuModel *model;

    if (member_string (o, "name") == NULL)
      continue;
    model = g_new0 (VbQemuCpuModel, 1);
    model->name = g_strdup (member_string (o, "name"));
    model->usable = blockers == NULL || !JSON_NODE_HOLDS_ARRAY (blockers) ||
                    json_array_get_length (json_node_get_array (blockers)) == 0;
    g_ptr_array_add (models, model);
  }
  return g_steal_pointer (&models);
}

void
vb_qemu_monitor_query_cpu_definitions_async (VbQemuMonitor *self, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "query-cpu-definitions", parse_query_cpu_definitions,
                                  (GDestroyNotify) g_ptr_array_unref };

  send_command (self, &cmd, NULL, -1, cancellable, callback, user_data);
}

GPtrArray *
vb_qemu_monitor_query_cpu_definitions_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

static gpointer
parse_qom_list_types (JsonNode *ret, GError **error)
{
  JsonArray *arr = reply_array (ret, "qom-list-types", error);
  g_autoptr(GStrvBuilder) types = NULL;

  if (arr == NULL)
    return NULL;
  types = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (arr); i++) {
    const char *name = member_string (array_object (arr, i), "name");

    if (name)
      g_strv_builder_add (types, name);
  }
  return g_strv_builder_end (types);
}

void
vb_qemu_monitor_qom_list_types_async (VbQemuMonitor *self, const char *implements, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  static const QmpCommand cmd = { "qom-list-types", parse_qom_list_types, (GDestroyNotify) g_strfreev };

  send_command (self, &cmd, g_variant_new_parsed ("{'implements': <%s>, 'abstract': <false>}", implements), -1,
                cancellable, callback, user_data);
}

GStrv
vb_qemu_monitor_qom_list_types_finish (VbQemuMonitor *self, GAsyncResult *result, GError **error)
{
  return finish_value (self, result, error);
}

void
vb_qemu_monitor_query_command_line_options_async (VbQemuMonitor *self, const char *option,
                                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                                  gpointer user_data)
{
  static const QmpCommand cmd = { "query-command-line-options", NULL, NULL };

  send_one_string (self, &cmd, "option", option, -1, cancellable, callback, user_data);
}

/* Events ----------------------------------------------------------------------- */

static const struct {
  const char *name;
  VbQemuEventType type;
} event_names[] = {
  { "STOP", VB_QEMU_EVENT_STOP },
  { "RESUME", VB_QEMU_EVENT_RESUME },
  { "SHUTDOWN", VB_QEMU_EVENT_SHUTDOWN },
  { "RESET", VB_QEMU_EVENT_RESET },
  { "BLOCK_IO_ERROR", VB_QEMU_EVENT_BLOCK_IO_ERROR },
  { "BALLOON_CHANGE", VB_QEMU_EVENT_BALLOON_CHANGE },
  { "DEVICE_DELETED", VB_QEMU_EVENT_DEVICE_DELETED },
  { "SUSPEND", VB_QEMU_EVENT_SUSPEND },
  { "SUSPEND_DISK", VB_QEMU_EVENT_SUSPEND_DISK },
  { "WAKEUP", VB_QEMU_EVENT_WAKEUP },
  { "RTC_CHANGE", VB_QEMU_EVENT_RTC_CHANGE },
  { "DEVICE_TRAY_MOVED", VB_QEMU_EVENT_DEVICE_TRAY_MOVED },
  { "GUEST_PANICKED", VB_QEMU_EVENT_GUEST_PANICKED },
};

void
vb_qemu_event_free (VbQemuEvent *event)
{
  switch (event->type) {
  case VB_QEMU_EVENT_BLOCK_IO_ERROR:
    g_free (event->block_io_error.device);
    g_free (event->block_io_error.node_name);
    g_free (event->block_io_error.action);
    g_free (event->block_io_error.reason);
    break;
  case VB_QEMU_EVENT_DEVICE_DELETED:
    g_free (event->device_deleted.device);
    g_free (event->device_deleted.path);
    break;
  case VB_QEMU_EVENT_DEVICE_TRAY_MOVED:
    g_free (event->tray_moved.id);
    break;
  default:
    break;
  }
  g_free (event->name);
  g_free (event);
}

VbQemuEvent *
vb_qemu_event_parse (const char *name, JsonNode *data)
{
  JsonObject *o = data && JSON_NODE_HOLDS_OBJECT (data) ? json_node_get_object (data) : NULL;
  VbQemuEvent *event = g_new0 (VbQemuEvent, 1);

  event->name = g_strdup (name);
  for (guint i = 0; i < G_N_ELEMENTS (event_names); i++)
    if (g_str_equal (name, event_names[i].name))
      event->type = event_names[i].type;
  switch (event->type) {
  case VB_QEMU_EVENT_SHUTDOWN:
    event->shutdown.guest = member_bool (o, "guest", FALSE);
    break;
  case VB_QEMU_EVENT_BLOCK_IO_ERROR:
    event->block_io_error.device = g_strdup (member_string (o, "device"));
    event->block_io_error.node_name = g_strdup (member_string (o, "node-name"));
    event->block_io_error.action = g_strdup (member_string (o, "action"));
    event->block_io_error.reason = g_strdup (member_string (o, "reason"));
    break;
  case VB_QEMU_EVENT_BALLOON_CHANGE:
    event->balloon_change.actual = (guint64) member_int (o, "actual", 0);
    break;
  case VB_QEMU_EVENT_DEVICE_DELETED:
    event->device_deleted.device = g_strdup (member_string (o, "device"));
    event->device_deleted.path = g_strdup (member_string (o, "path"));
    break;
  case VB_QEMU_EVENT_RTC_CHANGE:
    event->rtc_change.offset = member_int (o, "offset", 0);
    break;
  case VB_QEMU_EVENT_DEVICE_TRAY_MOVED:
    event->tray_moved.id = g_strdup (member_string (o, "id"));
    event->tray_moved.tray_open = member_bool (o, "tray-open", FALSE);
    break;
  default:
    break;
  }
  return event;
}
