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
#include "vb-qemu-monitor-json.h"

#define PROBE_TIMEOUT_MS 30000

void
vb_qemu_machine_free (VbQemuMachine *m)
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

static int
compare_machines (gconstpointer a, gconstpointer b)
{
  const VbQemuMachine *ma = *(VbQemuMachine *const *) a;
  const VbQemuMachine *mb = *(VbQemuMachine *const *) b;

  return g_strcmp0 (ma->name, mb->name);
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

  vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, NULL);
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
  g_autoptr(VbQemuVersion) v = vb_qemu_monitor_query_version_finish (VB_QEMU_MONITOR (source), result, &error);

  if (v) {
    probe->caps->version = (guint) (v->major * 1000000 + v->minor * 1000 + v->micro);
    probe->caps->version_string = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                                   v->major, v->minor, v->micro);
    probe->caps->package = g_strdup (v->package);
  } else
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
  g_autoptr(GPtrArray) machines = vb_qemu_monitor_query_machines_finish (VB_QEMU_MONITOR (source), result, &error);

  if (machines) {
    g_ptr_array_extend_and_steal (probe->caps->machines, g_steal_pointer (&machines));
    g_ptr_array_sort (probe->caps->machines, compare_machines);
  } else
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
  g_autoptr(GPtrArray) models = vb_qemu_monitor_query_cpu_definitions_finish (VB_QEMU_MONITOR (source), result,
                                                                               &error);

  if (models) {
    g_autoptr(GStrvBuilder) all = g_strv_builder_new ();
    g_autoptr(GStrvBuilder) usable = g_strv_builder_new ();

    for (guint i = 0; i < models->len; i++) {
      const VbQemuCpuModel *model = g_ptr_array_index (models, i);

      g_strv_builder_add (all, model->name);
      if (model->usable)
        g_strv_builder_add (usable, model->name);
    }
    probe->caps->cpu_models = g_strv_builder_end (all);
    probe->caps->usable_cpu_models = g_strv_builder_end (usable);
  } else
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
  GStrv types = vb_qemu_monitor_qom_list_types_finish (VB_QEMU_MONITOR (source), result, &error);

  if (types)
    probe->caps->device_types = types;
  else
    query_failed (probe, "qom-list-types", error);
  probe->outstanding--;
  probe_finish_if_done (task);
  g_object_unref (task);
}

/* A command-line option qemu was asked about, and where its answer goes. */
typedef struct {
  GTask *task;
  gboolean *exists;
} OptionQuery;

static void
option_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OptionQuery *q = user_data;
  Probe *probe = g_task_get_task_data (q->task);

  /* qemu answers "invalid option name" where the option does not exist
   * (no -spice without its module, no -sandbox without seccomp) */
  *q->exists = vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, NULL);
  probe->outstanding--;
  probe_finish_if_done (q->task);
  g_object_unref (q->task);
  g_free (q);
}

static void
query_option (Probe *probe, GTask *task, const char *option, gboolean *exists)
{
  OptionQuery *q = g_new0 (OptionQuery, 1);

  q->task = g_object_ref (task);
  q->exists = exists;
  vb_qemu_monitor_query_command_line_options_async (probe->mon, option, NULL, option_reply, q);
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
  probe->caps->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_machine_free);
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
  probe->outstanding = 8;
  vb_qemu_monitor_query_version_async (probe->mon, NULL, version_reply, g_object_ref (task));
  vb_qemu_monitor_query_machines_async (probe->mon, NULL, machines_reply, g_object_ref (task));
  vb_qemu_monitor_query_cpu_definitions_async (probe->mon, NULL, cpus_reply, g_object_ref (task));
  /* A modular qemu registers -spice only once its spice module is
   * loaded; listing the device types loads every module, so the option
   * is asked for after it (qemu answers in order). */
  vb_qemu_monitor_qom_list_types_async (probe->mon, "device", NULL, types_reply, g_object_ref (task));
  query_option (probe, task, "spice", &probe->caps->spice);
  query_option (probe, task, "sandbox", &probe->caps->sandbox);
  vb_qemu_monitor_quit_async (probe->mon, NULL, quit_reply, g_object_ref (task));
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
#define CACHE_FORMAT 4

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
  g_key_file_set_boolean (kf, CACHE_GROUP, "sandbox", caps->sandbox);
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
  caps->sandbox = g_key_file_get_boolean (kf, CACHE_GROUP, "sandbox", NULL);
  caps->cpu_models = g_key_file_get_string_list (kf, CACHE_GROUP, "cpu-models", NULL, NULL);
  caps->usable_cpu_models = g_key_file_get_string_list (kf, CACHE_GROUP, "usable-cpu-models", NULL, NULL);
  caps->device_types = g_key_file_get_string_list (kf, CACHE_GROUP, "device-types", NULL, NULL);
  if (caps->cpu_models == NULL)
    caps->cpu_models = g_new0 (char *, 1);
  if (caps->device_types == NULL)
    caps->device_types = g_new0 (char *, 1);
  if (caps->usable_cpu_models == NULL)
    caps->usable_cpu_models = g_new0 (char *, 1);
  caps->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_machine_free);
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
