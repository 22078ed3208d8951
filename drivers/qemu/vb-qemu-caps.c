/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-caps.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-qemu-monitor.h"

#define PROBE_TIMEOUT_MS 30000

static void
machine_free (VbQemuMachine *m)
{
  g_free (m->name);
  g_free (m->alias);
  g_free (m);
}

static void
caps_clear (gpointer data)
{
  VbQemuCaps *caps = data;

  g_free (caps->emulator);
  g_free (caps->arch);
  g_free (caps->version_string);
  g_free (caps->package);
  g_clear_pointer (&caps->machines, g_ptr_array_unref);
  g_strfreev (caps->cpu_models);
  g_strfreev (caps->usable_cpu_models);
  g_strfreev (caps->device_types);
}

VbQemuCaps *
vb_qemu_caps_ref (VbQemuCaps *caps)
{
  return g_atomic_rc_box_acquire (caps);
}

void
vb_qemu_caps_unref (VbQemuCaps *caps)
{
  g_atomic_rc_box_release_full (caps, caps_clear);
}

char *
vb_qemu_caps_default_emulator (void)
{
  const char *env = g_getenv ("VIRTBUS_QEMU");

  if (env && *env)
    return g_strdup (env);
  return g_find_program_in_path ("qemu-system-x86_64");
}

const VbQemuMachine *
vb_qemu_caps_lookup_machine (const VbQemuCaps *caps, const char *name)
{
  for (guint i = 0; i < caps->machines->len; i++) {
    const VbQemuMachine *m = g_ptr_array_index (caps->machines, i);

    if (name == NULL ? m->is_default : (g_strcmp0 (m->name, name) == 0 || g_strcmp0 (m->alias, name) == 0))
      return m;
  }
  return NULL;
}

gboolean
vb_qemu_caps_has_cpu_model (const VbQemuCaps *caps, const char *model)
{
  return caps->cpu_models && g_strv_contains ((const char *const *) caps->cpu_models, model);
}

gboolean
vb_qemu_caps_has_device (const VbQemuCaps *caps, const char *type)
{
  return caps->device_types && g_strv_contains ((const char *const *) caps->device_types, type);
}

/* Probing ------------------------------------------------------------------ */

typedef struct {
  GSubprocess *proc;
  VbQemuMonitor *mon;
  VbQemuCaps *caps;
  guint outstanding;
  GError *error;
  guint timeout_id;
  GCancellable *cancellable;
  gulong cancel_id;
} Probe;

static void
probe_free (Probe *probe)
{
  g_clear_handle_id (&probe->timeout_id, g_source_remove);
  if (probe->cancellable) {
    g_cancellable_disconnect (probe->cancellable, probe->cancel_id);
    g_object_unref (probe->cancellable);
  }
  if (probe->mon) {
    vb_qemu_monitor_close (probe->mon);
    g_object_unref (probe->mon);
  }
  g_clear_object (&probe->proc);
  if (probe->caps)
    vb_qemu_caps_unref (probe->caps);
  g_clear_error (&probe->error);
  g_free (probe);
}

static const char *
member_string (JsonObject *obj, const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
           ? json_node_get_string (n) : NULL;
}

static gint64
member_int (JsonObject *obj, const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_int (n) : 0;
}

static gboolean
member_bool (JsonObject *obj, const char *name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN
           ? json_node_get_boolean (n) : FALSE;
}

static void
parse_version (VbQemuCaps *caps, JsonNode *ret)
{
  JsonObject *obj = JSON_NODE_HOLDS_OBJECT (ret) ? json_node_get_object (ret) : NULL;
  JsonObject *q = obj && json_object_has_member (obj, "qemu") ? json_object_get_object_member (obj, "qemu") : NULL;
  gint64 major = member_int (q, "major"), minor = member_int (q, "minor"), micro = member_int (q, "micro");

  caps->version = (guint) (major * 1000000 + minor * 1000 + micro);
  caps->version_string = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                          major, minor, micro);
  caps->package = g_strdup (member_string (obj, "package"));
}

static int
compare_machines (gconstpointer a, gconstpointer b)
{
  const VbQemuMachine *ma = *(VbQemuMachine *const *) a;
  const VbQemuMachine *mb = *(VbQemuMachine *const *) b;

  return g_strcmp0 (ma->name, mb->name);
}

static void
parse_machines (VbQemuCaps *caps, JsonNode *ret)
{
  JsonArray *arr = JSON_NODE_HOLDS_ARRAY (ret) ? json_node_get_array (ret) : NULL;

  for (guint i = 0; arr && i < json_array_get_length (arr); i++) {
    JsonObject *o = json_array_get_object_element (arr, i);
    VbQemuMachine *m;

    if (o == NULL || member_string (o, "name") == NULL || g_str_equal (member_string (o, "name"), "none"))
      continue;
    m = g_new0 (VbQemuMachine, 1);
    m->name = g_strdup (member_string (o, "name"));
    m->alias = g_strdup (member_string (o, "alias"));
    m->is_default = member_bool (o, "is-default");
    m->cpu_max = (int) member_int (o, "cpu-max");
    m->deprecated = member_bool (o, "deprecated");
    g_ptr_array_add (caps->machines, m);
  }
  g_ptr_array_sort (caps->machines, compare_machines);
}

static void
parse_cpu_models (VbQemuCaps *caps, JsonNode *ret)
{
  JsonArray *arr = JSON_NODE_HOLDS_ARRAY (ret) ? json_node_get_array (ret) : NULL;
  g_autoptr(GStrvBuilder) all = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) usable = g_strv_builder_new ();

  for (guint i = 0; arr && i < json_array_get_length (arr); i++) {
    JsonObject *o = json_array_get_object_element (arr, i);
    const char *name = member_string (o, "name");
    JsonArray *blockers;

    if (name == NULL)
      continue;
    g_strv_builder_add (all, name);
    blockers = json_object_has_member (o, "unavailable-features")
                 ? json_object_get_array_member (o, "unavailable-features") : NULL;
    if (blockers == NULL || json_array_get_length (blockers) == 0)
      g_strv_builder_add (usable, name);
  }
  caps->cpu_models = g_strv_builder_end (all);
  caps->usable_cpu_models = g_strv_builder_end (usable);
}

static void
parse_device_types (VbQemuCaps *caps, JsonNode *ret)
{
  JsonArray *arr = JSON_NODE_HOLDS_ARRAY (ret) ? json_node_get_array (ret) : NULL;
  g_autoptr(GStrvBuilder) types = g_strv_builder_new ();

  for (guint i = 0; arr && i < json_array_get_length (arr); i++) {
    const char *name = member_string (json_array_get_object_element (arr, i), "name");

    if (name)
      g_strv_builder_add (types, name);
  }
  caps->device_types = g_strv_builder_end (types);
}

static void
probe_finish_if_done (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);

  if (probe->outstanding > 0)
    return;
  if (probe->error) {
    g_task_return_error (task, g_steal_pointer (&probe->error));
    return;
  }
  g_task_return_pointer (task, vb_qemu_caps_ref (probe->caps), (GDestroyNotify) vb_qemu_caps_unref);
}

static void
probe_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  probe->outstanding--;
  probe_finish_if_done (task);
}

/* qemu may exit before its reply to "quit" is read: no error either way. */
static void
quit_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(JsonNode) ret G_GNUC_UNUSED = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, NULL);

  probe->outstanding--;
  probe_finish_if_done (task);
}

static void
query_failed (Probe *probe, const char *command, const GError *error)
{
  if (probe->error == NULL)
    probe->error = g_error_new (VB_ERROR, VB_ERROR_FAILED, "cannot probe %s (%s): %s",
                                probe->caps->emulator, command, error->message);
}

static void
version_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret)
    parse_version (probe->caps, ret);
  else
    query_failed (probe, "query-version", error);
  probe->outstanding--;
  probe_finish_if_done (task);
  g_object_unref (task);
}

static void
machines_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret)
    parse_machines (probe->caps, ret);
  else
    query_failed (probe, "query-machines", error);
  probe->outstanding--;
  probe_finish_if_done (task);
  g_object_unref (task);
}

static void
cpus_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret)
    parse_cpu_models (probe->caps, ret);
  else
    query_failed (probe, "query-cpu-definitions", error);
  probe->outstanding--;
  probe_finish_if_done (task);
  g_object_unref (task);
}

static void
types_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, &error);

  if (ret)
    parse_device_types (probe->caps, ret);
  else
    query_failed (probe, "qom-list-types", error);
  probe->outstanding--;
  probe_finish_if_done (task);
  g_object_unref (task);
}

static void
spice_option_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(JsonNode) ret = vb_qemu_monitor_command_finish (VB_QEMU_MONITOR (source), result, NULL);

  /* qemu answers "invalid option name" where -spice does not exist */
  probe->caps->spice = ret != NULL;
  probe->outstanding--;
  probe_finish_if_done (task);
  g_object_unref (task);
}

static gboolean
probe_timed_out (gpointer user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);

  probe->timeout_id = 0;
  if (probe->error == NULL)
    probe->error = g_error_new (VB_ERROR, VB_ERROR_FAILED, "probing %s timed out", probe->caps->emulator);
  g_subprocess_force_exit (probe->proc);
  return G_SOURCE_REMOVE;
}

/* A daemon going away must not leave the probe behind: qemu does not
 * quit when its QMP stdio closes. */
static void
probe_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GSubprocess *proc = user_data;

  g_subprocess_force_exit (proc);
}

/* qemu does not quit when its QMP stdio closes: a daemon that dies (even
 * by SIGKILL) mid-probe takes the probe with it. */
static void
probe_child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static gboolean
kvm_usable (void)
{
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  close (fd);
  return TRUE;
}

void
vb_qemu_caps_probe_async (const char *emulator, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  Probe *probe = g_new0 (Probe, 1);

  g_task_set_source_tag (task, vb_qemu_caps_probe_async);
  g_task_set_task_data (task, probe, (GDestroyNotify) probe_free);
  probe->caps = g_atomic_rc_box_new0 (VbQemuCaps);
  probe->caps->emulator = g_strdup (emulator);
  probe->caps->arch = g_strdup ("x86_64");
  probe->caps->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) machine_free);
  probe->caps->kvm_usable = kvm_usable ();

  if (emulator == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "no qemu-system-x86_64 found (install qemu-system-x86 or set VIRTBUS_QEMU)");
    return;
  }
  /* QMP over the child's stdin/stdout: no socket to clean up, and the
   * child dies with its pipes if we do. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, probe_child_setup, NULL, NULL);
  probe->proc = g_subprocess_launcher_spawn (launcher, &error, emulator, "-S", "-no-user-config", "-nodefaults",
                                             "-display", "none", "-machine", "none", "-accel", "tcg",
                                             "-qmp", "stdio", NULL);
  if (probe->proc == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "cannot run %s: %s", emulator,
                             error->message);
    return;
  }
  stream = g_simple_io_stream_new (g_subprocess_get_stdout_pipe (probe->proc),
                                   g_subprocess_get_stdin_pipe (probe->proc));
  probe->mon = vb_qemu_monitor_new ();
  vb_qemu_monitor_attach (probe->mon, stream);

  /* one reference per outstanding callback */
  probe->outstanding = 7;
  vb_qemu_monitor_command_async (probe->mon, "query-version", NULL, NULL, version_reply, g_object_ref (task));
  vb_qemu_monitor_command_async (probe->mon, "query-machines", NULL, NULL, machines_reply, g_object_ref (task));
  vb_qemu_monitor_command_async (probe->mon, "query-cpu-definitions", NULL, NULL, cpus_reply, g_object_ref (task));
  {
    g_autoptr(JsonNode) args = json_from_string ("{\"implements\": \"device\", \"abstract\": false}", NULL);

    g_autoptr(JsonNode) spice_args = vb_qemu_json_args (g_variant_new_parsed ("{'option': <'spice'>}"));

    /* A modular qemu registers -spice only once its spice module is
     * loaded; listing the device types loads every module, so the option
     * is asked for after it (qemu answers in order). */
    vb_qemu_monitor_command_async (probe->mon, "qom-list-types", args, NULL, types_reply, g_object_ref (task));
    vb_qemu_monitor_command_async (probe->mon, "query-command-line-options", spice_args, NULL,
                                   spice_option_reply, g_object_ref (task));
  }
  vb_qemu_monitor_command_async (probe->mon, "quit", NULL, NULL, quit_reply, g_object_ref (task));
  g_subprocess_wait_async (probe->proc, NULL, probe_exited, g_object_ref (task));
  probe->timeout_id = g_timeout_add (PROBE_TIMEOUT_MS, probe_timed_out, task);
  if (cancellable) {
    probe->cancellable = g_object_ref (cancellable);
    probe->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (probe_cancelled),
                                              g_object_ref (probe->proc), g_object_unref);
  }
}

VbQemuCaps *
vb_qemu_caps_probe_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Cache ---------------------------------------------------------------------- */

#define CACHE_GROUP "qemu"
#define CACHE_FORMAT 3

static gboolean
emulator_stamp (const char *emulator, gint64 *mtime, gint64 *size)
{
  GStatBuf st;

  if (emulator == NULL || g_stat (emulator, &st) < 0)
    return FALSE;
  *mtime = (gint64) st.st_mtime;
  *size = (gint64) st.st_size;
  return TRUE;
}

void
vb_qemu_caps_save_cache (const VbQemuCaps *caps, const char *path)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  gint64 mtime, size;

  if (!emulator_stamp (caps->emulator, &mtime, &size))
    return;
  g_key_file_set_integer (kf, CACHE_GROUP, "format", CACHE_FORMAT);
  g_key_file_set_string (kf, CACHE_GROUP, "emulator", caps->emulator);
  g_key_file_set_int64 (kf, CACHE_GROUP, "mtime", mtime);
  g_key_file_set_int64 (kf, CACHE_GROUP, "size", size);
  g_key_file_set_integer (kf, CACHE_GROUP, "version", (int) caps->version);
  g_key_file_set_string (kf, CACHE_GROUP, "version-string", caps->version_string ? caps->version_string : "");
  g_key_file_set_string (kf, CACHE_GROUP, "package", caps->package ? caps->package : "");
  g_key_file_set_boolean (kf, CACHE_GROUP, "spice", caps->spice);
  g_key_file_set_string_list (kf, CACHE_GROUP, "cpu-models", (const char *const *) caps->cpu_models,
                              caps->cpu_models ? g_strv_length (caps->cpu_models) : 0);
  g_key_file_set_string_list (kf, CACHE_GROUP, "usable-cpu-models", (const char *const *) caps->usable_cpu_models,
                              caps->usable_cpu_models ? g_strv_length (caps->usable_cpu_models) : 0);
  g_key_file_set_string_list (kf, CACHE_GROUP, "device-types", (const char *const *) caps->device_types,
                              caps->device_types ? g_strv_length (caps->device_types) : 0);
  for (guint i = 0; i < caps->machines->len; i++) {
    const VbQemuMachine *m = g_ptr_array_index (caps->machines, i);
    g_autofree char *group = g_strdup_printf ("machine %s", m->name);

    g_key_file_set_string (kf, group, "alias", m->alias ? m->alias : "");
    g_key_file_set_boolean (kf, group, "default", m->is_default);
    g_key_file_set_integer (kf, group, "cpu-max", m->cpu_max);
    g_key_file_set_boolean (kf, group, "deprecated", m->deprecated);
  }
  data = g_key_file_to_data (kf, NULL, NULL);
  if (g_mkdir_with_parents (dir, 0700) < 0 ||
      !g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_debug ("cannot cache QEMU capabilities in %s: %s", path, error ? error->message : g_strerror (errno));
}

VbQemuCaps *
vb_qemu_caps_load_cache (const char *path, const char *emulator)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  g_autofree char *cached_emulator = NULL;
  VbQemuCaps *caps;
  gint64 mtime, size;

  if (!emulator_stamp (emulator, &mtime, &size) || !g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  cached_emulator = g_key_file_get_string (kf, CACHE_GROUP, "emulator", NULL);
  if (g_key_file_get_integer (kf, CACHE_GROUP, "format", NULL) != CACHE_FORMAT ||
      g_strcmp0 (cached_emulator, emulator) != 0 ||
      g_key_file_get_int64 (kf, CACHE_GROUP, "mtime", NULL) != mtime ||
      g_key_file_get_int64 (kf, CACHE_GROUP, "size", NULL) != size)
    return NULL;

  caps = g_atomic_rc_box_new0 (VbQemuCaps);
  caps->emulator = g_strdup (emulator);
  caps->arch = g_strdup ("x86_64");
  caps->kvm_usable = kvm_usable ();
  caps->version = (guint) g_key_file_get_integer (kf, CACHE_GROUP, "version", NULL);
  caps->version_string = g_key_file_get_string (kf, CACHE_GROUP, "version-string", NULL);
  caps->package = g_key_file_get_string (kf, CACHE_GROUP, "package", NULL);
  caps->spice = g_key_file_get_boolean (kf, CACHE_GROUP, "spice", NULL);
  caps->cpu_models = g_key_file_get_string_list (kf, CACHE_GROUP, "cpu-models", NULL, NULL);
  caps->usable_cpu_models = g_key_file_get_string_list (kf, CACHE_GROUP, "usable-cpu-models", NULL, NULL);
  caps->device_types = g_key_file_get_string_list (kf, CACHE_GROUP, "device-types", NULL, NULL);
  if (caps->cpu_models == NULL)
    caps->cpu_models = g_new0 (char *, 1);
  if (caps->device_types == NULL)
    caps->device_types = g_new0 (char *, 1);
  if (caps->usable_cpu_models == NULL)
    caps->usable_cpu_models = g_new0 (char *, 1);
  caps->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) machine_free);
  groups = g_key_file_get_groups (kf, NULL);
  for (guint i = 0; groups[i]; i++) {
    VbQemuMachine *m;
    g_autofree char *alias = NULL;

    if (!g_str_has_prefix (groups[i], "machine "))
      continue;
    m = g_new0 (VbQemuMachine, 1);
    m->name = g_strdup (groups[i] + strlen ("machine "));
    alias = g_key_file_get_string (kf, groups[i], "alias", NULL);
    m->alias = alias && *alias ? g_steal_pointer (&alias) : NULL;
    m->is_default = g_key_file_get_boolean (kf, groups[i], "default", NULL);
    m->cpu_max = g_key_file_get_integer (kf, groups[i], "cpu-max", NULL);
    m->deprecated = g_key_file_get_boolean (kf, groups[i], "deprecated", NULL);
    g_ptr_array_add (caps->machines, m);
  }
  g_ptr_array_sort (caps->machines, compare_machines);
  if (caps->version == 0 || caps->machines->len == 0) {
    vb_qemu_caps_unref (caps);
    return NULL;
  }
  return caps;
}
