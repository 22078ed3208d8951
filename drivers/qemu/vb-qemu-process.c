/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Process lifecycle: spawning qemu and its start sequence, the status file,
 * re-attach after a daemon restart, the end of a run (vm_gone), destroy and
 * /proc statistics. */
#include "vb-qemu-private.h"
#include "vb-qemu-confine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib/gstdio.h>

static void
vm_clear (gpointer data)
{
  QemuVm *vm = data;

  g_clear_handle_id (&vm->kill_timer, g_source_remove);
  g_clear_handle_id (&vm->poll_timer, g_source_remove);
  g_clear_handle_id (&vm->migrate_poll, g_source_remove);
  g_free (vm->restore_path);
  g_free (vm->save_path);
  g_clear_object (&vm->save_task);
  if (vm->mon) {
    g_signal_handlers_disconnect_by_data (vm->mon, vm);
    vb_qemu_monitor_close (vm->mon);
    g_object_unref (vm->mon);
  }
  g_clear_object (&vm->cancel);
  g_clear_object (&vm->proc);
  g_clear_object (&vm->dom);
  g_free (vm->qmp_path);
  g_free (vm->log_path);
  g_clear_pointer (&vm->start_live, vb_domain_def_free);
  g_clear_object (&vm->start_task);
  g_clear_error (&vm->start_error);
  g_clear_pointer (&vm->stop_waiters, g_ptr_array_unref);
  g_free (vm->dump_path);
  g_clear_object (&vm->dump_task);
  g_clear_pointer (&vm->detaches, g_hash_table_unref);
  g_clear_pointer (&vm->nics, g_ptr_array_unref);
}

QemuVm *
vm_ref (QemuVm *vm)
{
  return g_rc_box_acquire (vm);
}

void
vm_unref (QemuVm *vm)
{
  g_rc_box_release_full (vm, vm_clear);
}

static QemuVm *
vm_new (VbQemuDriver *driver, VbDomain *dom)
{
  QemuVm *vm = g_rc_box_new0 (QemuVm);

  vm->driver = driver;
  vm->dom = g_object_ref (dom);
  vm->cancel = g_cancellable_new ();
  vm->stop_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  vm->detaches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) detach_free);
  vm->nics = g_ptr_array_new_with_free_func ((GDestroyNotify) nic_free);
  return vm;
}

QemuVm *
domain_vm (VbDomain *dom)
{
  return vb_domain_get_driver_data (dom);
}

/* Helpers ------------------------------------------------------------------ */

gboolean
check_active (VbDomain *dom, GError **error)
{
  /* active with no qemu: the run is ending, nothing can reach the guest */
  return vb_domain_check_running (dom, vb_domain_is_active (dom) && domain_vm (dom) != NULL, error);
}

/* A /proc stat file (a process's or one of its threads'): the state
 * letter, the start time and the CPU time, or FALSE when there is no
 * such process. */
gboolean
read_stat_file (const char *path, char *state, guint64 *start_time, guint64 *cpu_ticks)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *rparen;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  /* the command name may hold spaces and parentheses: skip to the last ')' */
  rparen = strrchr (contents, ')');
  if (rparen == NULL)
    return FALSE;
  fields = g_strsplit (rparen + 2, " ", -1);
  if (g_strv_length (fields) < 20)
    return FALSE;
  if (state)
    *state = fields[0][0];
  if (cpu_ticks)
    *cpu_ticks = g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10);
  if (start_time)
    *start_time = g_ascii_strtoull (fields[19], NULL, 10);
  return TRUE;
}

gboolean
read_proc_stat (GPid pid, char *state, guint64 *start_time, guint64 *cpu_ticks)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);

  return read_stat_file (path, state, start_time, cpu_ticks);
}

/* Gone: no such process, a zombie, or another process that reused the pid. */
gboolean
process_gone (GPid pid, guint64 start_time)
{
  char state = 0;
  guint64 started = 0;

  if (pid <= 0 || !read_proc_stat (pid, &state, &started, NULL))
    return TRUE;
  return state == 'Z' || state == 'X' || (start_time && started != start_time);
}

/* The last lines qemu wrote to its log, for error messages. */
static char *
log_tail (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint n, first;

  if (path == NULL || !g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  g_strstrip (contents);
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  first = n > 3 ? n - 3 : 0;
  for (guint i = first; i < n; i++) {
    if (*lines[i] == '\0')
      continue;
    if (out->len)
      g_string_append (out, "; ");
    g_string_append (out, lines[i]);
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Status files -------------------------------------------------------------- */

void
vm_save_status (QemuVm *vm)
{
  VbDomain *dom = vm->dom;
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *data = NULL;
  int reason;
  VbDomainState state = vb_domain_get_state (dom, &reason);
  const VbDomainDef *live = vb_domain_get_live_def (dom);

  if (live == NULL || vm->exited)
    return;
  xml = vb_domain_def_format (live, VB_DOMAIN_FORMAT_SECURE);
  g_key_file_set_int64 (kf, STATUS_GROUP, "pid", vm->pid);
  g_key_file_set_uint64 (kf, STATUS_GROUP, "start-time", vm->start_time);
  g_key_file_set_string (kf, STATUS_GROUP, "qmp", vm->qmp_path);
  g_key_file_set_string (kf, STATUS_GROUP, "log", vm->log_path);
  g_key_file_set_integer (kf, STATUS_GROUP, "id", vb_domain_get_id (dom));
  g_key_file_set_integer (kf, STATUS_GROUP, "state", state);
  g_key_file_set_integer (kf, STATUS_GROUP, "reason", reason);
  g_key_file_set_boolean (kf, STATUS_GROUP, "persistent", vb_domain_is_persistent (dom));
  g_key_file_set_boolean (kf, STATUS_GROUP, "shutdown-seen", vm->shutdown_seen);
  g_key_file_set_boolean (kf, STATUS_GROUP, "vcpu-removed", vm->vcpu_removed);
  g_key_file_set_string (kf, STATUS_GROUP, "xml", xml);
  nics_save (kf, vm->nics);
  data = g_key_file_to_data (kf, NULL, NULL);
  if (!vb_config_store_save_status (vm->driver->store, vb_domain_get_uuid_string (dom), data, &error))
    g_warning ("domain '%s': %s", vb_domain_get_name (dom), error->message);
}

/* Exit --------------------------------------------------------------------- */

/* Nothing more is heard from or done to the process: its timers, its
 * monitor and every pending callback's interest end. */
static void
vm_stop_watching (QemuVm *vm)
{
  vm->exited = TRUE;
  g_cancellable_cancel (vm->cancel);
  g_clear_handle_id (&vm->kill_timer, g_source_remove);
  g_clear_handle_id (&vm->poll_timer, g_source_remove);
  if (vm->mon)
    vb_qemu_monitor_close (vm->mon);
}

static void vm_gone_report (QemuVm *vm);

static void
vm_devices_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;

  vb_network_driver_released_finish (VB_NETWORK_DRIVER (source), result);
  vm_gone_report (vm);
}

/* A run's end waiting for its files to go back. */
typedef struct {
  QemuVm *vm;
  gboolean had_nics;
} GoneWait;

static void vm_gone_devices (QemuVm *vm, gboolean had_nics);
static void vm_files_released (GObject *source, GAsyncResult *result, gpointer user_data);

/* The process is gone: the one place a run ends, whatever ended it. */
static void
vm_gone (QemuVm *vm)
{
  g_autoptr(QemuVm) keep G_GNUC_UNUSED = vm_ref (vm);
  const char *key = vb_domain_get_uuid_string (vm->dom);
  g_autoptr(GError) error = NULL;
  gboolean had_nics;

  if (vm->exited)
    return;
  vm_stop_watching (vm);
  /* pending unplugs fail: the device went with the guest */
  g_hash_table_remove_all (vm->detaches);
  had_nics = vm->nics->len > 0;
  vm_release_nics (vm);
  g_unlink (vm->qmp_path);
  {
    g_autofree char *pid_path = vb_config_store_run_path (vm->driver->store, key, ".pid");

    /* qemu removes its pidfile when it exits in order, not when killed */
    g_unlink (pid_path);
  }
  if (!vb_config_store_delete_status (vm->driver->store, key, &error))
    g_warning ("%s", error->message);
  if (vm->driver->system) {
    GoneWait *w = g_new0 (GoneWait, 1);

    /* a confined guest's files go back to their owners in a worker; the
     * stop is reported after, so a Destroy's caller finds them back */
    w->vm = vm_ref (vm);
    w->had_nics = had_nics;
    vb_qemu_confine_release_async (vb_config_store_get_run_dir (vm->driver->store), key, vm_files_released, w);
    return;
  }
  vm_gone_devices (vm, had_nics);
}

static void
vm_gone_devices (QemuVm *vm, gboolean had_nics)
{
  /* the kernel worker deletes the guest's taps and macvtaps; as libvirt,
   * the stop is reported (and a Destroy answered) once they are gone */
  if (had_nics && vm->driver->net) {
    vb_network_driver_released_async (vm->driver->net, vm_devices_released, vm_ref (vm));
    return;
  }
  vm_gone_report (vm);
}

static void
vm_files_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GoneWait *w = user_data;
  g_autoptr(QemuVm) vm = w->vm;

  vm_gone_devices (vm, w->had_nics);
  g_free (w);
}

/* The run's end as readers and waiters see it. */
static void
vm_gone_report (QemuVm *vm)
{
  g_autoptr(VbDomain) dom = g_object_ref (vm->dom);
  VbDriver *driver = VB_DRIVER (vm->driver);

  if (vm->starting) {
    g_autoptr(GTask) task = g_steal_pointer (&vm->start_task);
    g_autofree char *tail = log_tail (vm->log_path);

    vm->starting = FALSE;
    g_ptr_array_remove (vm->driver->unregistered_starts, vm);
    if (domain_vm (dom) == vm)
      vb_domain_set_driver_data (dom, NULL, NULL);
    if (vm->start_error)
      g_task_return_error (task, g_steal_pointer (&vm->start_error));
    else
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "QEMU exited while starting '%s'%s%s",
                               vb_domain_get_name (dom), *tail ? ": " : "", tail);
    return;
  }

  {
    int reason, detail;
    g_autoptr(GPtrArray) waiters = g_steal_pointer (&vm->stop_waiters);

    if (vm->saved) {
      reason = VB_DOMAIN_SHUTOFF_SAVED;
      detail = VB_DOMAIN_EVENT_STOPPED_SAVED;
    } else if (vm->dump_crashed) {
      reason = VB_DOMAIN_SHUTOFF_CRASHED;
      detail = VB_DOMAIN_EVENT_STOPPED_CRASHED;
    } else if (vm->destroying) {
      reason = VB_DOMAIN_SHUTOFF_DESTROYED;
      detail = VB_DOMAIN_EVENT_STOPPED_DESTROYED;
    } else if (vm->shutdown_seen) {
      reason = VB_DOMAIN_SHUTOFF_SHUTDOWN;
      detail = VB_DOMAIN_EVENT_STOPPED_SHUTDOWN;
    } else {
      /* libvirt: the monitor went away without a SHUTDOWN event */
      reason = VB_DOMAIN_SHUTOFF_CRASHED;
      detail = VB_DOMAIN_EVENT_STOPPED_FAILED;
    }
    vb_domain_set_driver_data (dom, NULL, NULL);
    vb_domain_set_live_def (dom, NULL);
    vb_domain_set_id (dom, -1);
    vb_domain_set_state (dom, VB_DOMAIN_SHUTOFF, reason);
    if (vm->saved && vm->save_managed)
      vb_domain_set_managed_save (dom, TRUE);
    if (vm->save_task)
      g_ptr_array_add (waiters, g_steal_pointer (&vm->save_task));
    if (vm->dump_task)
      g_task_return_new_error (g_steal_pointer (&vm->dump_task), VB_ERROR, VB_ERROR_FAILED,
                               "domain '%s' stopped during its core dump", vb_domain_get_name (dom));
    if (!vb_domain_is_persistent (dom))
      vb_driver_remove_domain (driver, dom);
    vb_driver_emit_domain_event (driver, dom, VB_DOMAIN_EVENT_STOPPED, detail);
    for (guint i = 0; waiters && i < waiters->len; i++)
      g_task_return_pointer (g_ptr_array_index (waiters, i), NULL, NULL);
  }
}

static void
vm_proc_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  /* A qemu that cannot start exits by itself, having said why in its log
   * (which vm_gone quotes); its monitor, reset on the way out and often
   * noticed first, only says that it went.  Killed by us, our reason
   * stays. */
  if (vm->starting && g_subprocess_get_if_exited (G_SUBPROCESS (source)))
    g_clear_error (&vm->start_error);
  vm_gone (vm);
}

static gboolean
vm_poll_foreign (gpointer user_data)
{
  QemuVm *vm = user_data;

  if (!process_gone (vm->pid, vm->start_time))
    return G_SOURCE_CONTINUE;
  vm->poll_timer = 0;
  vm_gone (vm);
  return G_SOURCE_REMOVE;
}

/* A re-attached qemu is not our child: nothing tells us when it exits
 * but its monitor closing, after which /proc says when it is gone. */
void
vm_watch_foreign (QemuVm *vm)
{
  if (vm->proc != NULL || vm->poll_timer || vm->exited)
    return;
  if (process_gone (vm->pid, vm->start_time)) {
    vm_gone (vm);
    return;
  }
  vm->poll_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, FOREIGN_POLL_INTERVAL_MS, vm_poll_foreign,
                                       vm_ref (vm), (GDestroyNotify) vm_unref);
}

static void
vm_kill (QemuVm *vm, int sig)
{
  if (vm->exited)
    return;
  if (vm->proc)
    g_subprocess_send_signal (vm->proc, sig);
  else if (!process_gone (vm->pid, vm->start_time))
    kill (vm->pid, sig);
  vm_watch_foreign (vm);
}

static gboolean
vm_kill_timeout (gpointer user_data)
{
  QemuVm *vm = user_data;

  vm->kill_timer = 0;
  g_debug ("domain '%s' ignored SIGTERM: SIGKILL", vb_domain_get_name (vm->dom));
  vm_kill (vm, SIGKILL);
  return G_SOURCE_REMOVE;
}

/* Start failed after the spawn: kill, and let vm_gone report once the
 * process is really gone, so no qemu outlives the error. */
void
vm_fail_start (QemuVm *vm, GError *error)
{
  if (vm->start_error == NULL)
    vm->start_error = error;
  else
    g_error_free (error);
  vm_kill (vm, SIGKILL);
}

static void
vm_attach_monitor (QemuVm *vm, guint timeout_ms)
{
  vm->mon = vb_qemu_monitor_new ();
  g_signal_connect (vm->mon, "event", G_CALLBACK (on_monitor_event), vm);
  g_signal_connect (vm->mon, "closed", G_CALLBACK (on_monitor_closed), vm);
  vb_qemu_monitor_connect (vm->mon, vm->qmp_path, timeout_ms);
}

/* Start ------------------------------------------------------------------------ */

static void
vm_start_done (QemuVm *vm)
{
  VbQemuDriver *self = vm->driver;
  VbDomain *dom = vm->dom;
  g_autoptr(GTask) task = g_steal_pointer (&vm->start_task);
  gboolean paused = vm->start_paused;
  gboolean restored = vm->restore_path != NULL;

  vm->starting = FALSE;
  /* a restore from a Save file leaves a managed image where it is */
  vb_driver_domain_started (VB_DRIVER (self), dom, g_steal_pointer (&vm->start_live), paused,
                            restored ? VB_DOMAIN_RUNNING_RESTORED : VB_DOMAIN_RUNNING_BOOTED,
                            !restored || vm->restore_managed);
  /* restored once: a managed image is spent; a file of the caller's stays */
  if (restored && vm->restore_managed)
    remove_save_image (self, dom);
  if (vm->start_registers) {
    g_ptr_array_remove (self->unregistered_starts, vm);
    vb_driver_add_domain (VB_DRIVER (self), dom);
  }
  vm_save_status (vm);
  vb_driver_emit_domain_started (VB_DRIVER (self), dom,
                                 restored ? VB_DOMAIN_EVENT_STARTED_RESTORED : VB_DOMAIN_EVENT_STARTED_BOOTED, paused);
  if (vb_driver_task_get_op (task) == VB_OP_DOMAIN_CREATE_XML)
    vb_driver_task_return_object (task, dom);
  else
    g_task_return_pointer (task, NULL, NULL);
}

/* query-chardev: "pty:/dev/pts/N" for each pty serial, into the live XML */
static void
fill_pty_paths (QemuVm *vm, GPtrArray *chardevs)
{
  GPtrArray *serials = vm->start_live->serials && vm->start_live->serials->len ? vm->start_live->serials : vm->start_live->consoles;

  for (guint i = 0; i < chardevs->len; i++) {
    const VbQemuChardev *chardev = g_ptr_array_index (chardevs, i);
    const char *label = chardev->label;
    const char *filename = chardev->filename;
    int port;

    if (!g_str_has_prefix (label, "charserial") || !g_str_has_prefix (filename, "pty:"))
      continue;
    port = atoi (label + strlen ("charserial"));
    for (guint s = 0; serials && s < serials->len; s++) {
      VbDomainChardevDef *chr = g_ptr_array_index (serials, s);
      int chr_port = chr->target_port >= 0 ? chr->target_port : (int) s;

      if (chr_port == port && g_strcmp0 (chr->source.type, "pty") == 0) {
        g_free (chr->source.path);
        chr->source.path = g_strdup (filename + strlen ("pty:"));
      }
    }
  }
}

/* query-vnc: the port qemu picked for an autoport display */
static void
fill_vnc_port (QemuVm *vm, const char *service)
{
  for (guint i = 0; service && vm->start_live->graphics && i < vm->start_live->graphics->len; i++) {
    VbDomainGraphicsDef *g = g_ptr_array_index (vm->start_live->graphics, i);

    if (g_strcmp0 (g->type, "vnc") == 0 && g->socket == NULL)
      g->port = atoi (service);
  }
}

typedef enum {
  START_STEP_CHARDEV,
  START_STEP_VNC,
  START_STEP_SPICE,
  START_STEP_INCOMING,
  START_STEP_LINK,
  START_STEP_LAST,
} StartStep;

typedef struct {
  QemuVm *vm;
  StartStep step;
} StartCall;

/* The answer of @step's command, taken into the live definition while
 * the start goes well: FALSE with @error when qemu refused it. */
static gboolean
start_step_finish (QemuVm *vm, StartStep step, VbQemuMonitor *mon, GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) chardevs = NULL;
  g_autofree char *service = NULL;
  gint64 port = 0;
  gboolean wanted = vm->starting && !vm->exited && vm->start_error == NULL;

  switch (step) {
  case START_STEP_CHARDEV:
    chardevs = vb_qemu_monitor_query_chardev_finish (mon, result, error);
    if (chardevs && wanted)
      fill_pty_paths (vm, chardevs);
    return chardevs != NULL;
  case START_STEP_VNC:
    if (!vb_qemu_monitor_query_vnc_finish (mon, result, &service, error))
      return FALSE;
    if (wanted)
      fill_vnc_port (vm, service);
    return TRUE;
  case START_STEP_SPICE:
    if (!vb_qemu_monitor_query_spice_finish (mon, result, &port, error))
      return FALSE;
    if (wanted)
      vb_qemu_graphics_fill_spice_port (vm->start_live, port);
    return TRUE;
  case START_STEP_INCOMING:
  case START_STEP_LINK:
  case START_STEP_LAST:
  default:
    return vb_qemu_monitor_finish (mon, result, error);
  }
}

static void restore_migrated (gpointer data, const char *message);

static void
start_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StartCall *call = user_data;
  g_autoptr(QemuVm) vm = call->vm;
  StartStep step = call->step;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_free (call);
  ok = start_step_finish (vm, step, VB_QEMU_MONITOR (source), result, &error);
  if (!vm->starting || vm->exited)
    return;
  if (!ok) {
    if (vm->start_error == NULL)
      vm_fail_start (vm, g_error_new (VB_ERROR, VB_ERROR_FAILED, "cannot start '%s': %s",
                                      vb_domain_get_name (vm->dom), error->message));
    return;
  }
  if (vm->start_error)
    return;
  if (step == START_STEP_INCOMING)
    migrate_wait (vm, restore_migrated);
  else if (step == START_STEP_LAST)
    vm_start_done (vm);
}

/* @arg: the URI of START_STEP_INCOMING, the NIC of START_STEP_LINK */
static void
start_command (QemuVm *vm, StartStep step, const char *arg)
{
  StartCall *call = g_new0 (StartCall, 1);

  call->vm = vm_ref (vm);
  call->step = step;
  switch (step) {
  case START_STEP_CHARDEV:
    vb_qemu_monitor_query_chardev_async (vm->mon, NULL, start_reply, call);
    break;
  case START_STEP_VNC:
    vb_qemu_monitor_query_vnc_async (vm->mon, NULL, start_reply, call);
    break;
  case START_STEP_SPICE:
    vb_qemu_monitor_query_spice_async (vm->mon, NULL, start_reply, call);
    break;
  case START_STEP_INCOMING:
    vb_qemu_monitor_migrate_incoming_async (vm->mon, arg, NULL, start_reply, call);
    break;
  case START_STEP_LINK:
    vb_qemu_monitor_set_link_async (vm->mon, arg, FALSE, NULL, start_reply, call);
    break;
  case START_STEP_LAST:
  default:
    if (vm->start_paused)
      vb_qemu_monitor_query_status_async (vm->mon, NULL, start_reply, call);
    else
      vb_qemu_monitor_cont_async (vm->mon, NULL, start_reply, call);
    break;
  }
}

static void start_link_states (QemuVm *vm);

/* The last step: run, unless asked to stay paused.  cont's answer says
 * the guest runs, so nothing needs asking after it; a paused guest gets
 * a query-status, whose answer says the monitor took every command before
 * it (qemu answers in order). */
static void
start_finish_commands (QemuVm *vm)
{
  start_link_states (vm);
  start_command (vm, START_STEP_LAST, NULL);
}

static void
restore_migrated (gpointer data, const char *message)
{
  QemuVm *vm = data;

  vm->migrate_done = NULL;
  if (!vm->starting || vm->exited)
    return;
  if (message) {
    vm_fail_start (vm, g_error_new (VB_ERROR, VB_ERROR_FAILED, "cannot restore '%s' from %s: %s",
                                    vb_domain_get_name (vm->dom), vm->restore_path, message));
    return;
  }
  start_finish_commands (vm);
}

/* Whether query-chardev has a pty path to tell: the serials
 * fill_pty_paths looks at. */
static gboolean
has_pty_serial (const VbDomainDef *def)
{
  GPtrArray *serials = def->serials && def->serials->len ? def->serials : def->consoles;

  for (guint i = 0; serials && i < serials->len; i++)
    if (g_strcmp0 (((VbDomainChardevDef *) g_ptr_array_index (serials, i))->source.type, "pty") == 0)
      return TRUE;
  return FALSE;
}

static gboolean
has_vnc (const VbDomainDef *def)
{
  for (guint i = 0; def->graphics && i < def->graphics->len; i++)
    if (g_strcmp0 (((VbDomainGraphicsDef *) g_ptr_array_index (def->graphics, i))->type, "vnc") == 0)
      return TRUE;
  return FALSE;
}

/* The display ports of every other guest, running or being started
 * (whose live definition is still the start's). */
static GHashTable *
graphics_ports_in_use (VbQemuDriver *self, VbDomain *except)
{
  GHashTable *ports = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) domains = vb_driver_list_domains (VB_DRIVER (self), 0);

  for (guint i = 0; i < domains->len; i++) {
    VbDomain *other = g_ptr_array_index (domains, i);
    QemuVm *vm = domain_vm (other);

    if (other == except || vm == NULL)
      continue;
    vb_qemu_graphics_add_ports (vm->starting ? vm->start_live : vb_domain_get_live_def (other), ports);
  }
  for (guint i = 0; i < self->unregistered_starts->len; i++) {
    QemuVm *vm = g_ptr_array_index (self->unregistered_starts, i);

    vb_qemu_graphics_add_ports (vm->start_live, ports);
  }
  for (GList *l = self->plugging_starts.head; l != NULL; l = l->next)
    vb_qemu_graphics_add_ports (l->data, ports);
  return ports;
}

static void
child_setup (gpointer user_data)
{
  /* its own session: a ^C to the daemon's terminal must not reach guests */
  setsid ();
  if (user_data)
    vb_qemu_confine_child (user_data);
}

/* A start waiting for its NVRAM store to be made, for its NICs, or for
 * qemu's fork and exec. */
typedef struct {
  VbDomain *dom;
  VbDomainDef *live;
  gboolean paused;
  gboolean registers;
  gboolean restoring;
  QemuRestore restore;
  char *restore_path;
  GTask *task;
  /* the spawn: what the worker runs, and what the run keeps after */
  GSubprocessLauncher *launcher;
  char **argv;
  char *qmp_path;
  char *log_path;
  GPtrArray *nics;
  VbQemuConfine *confine; /* system guests: how their qemu is confined */
  int restore_fd;         /* the stream to restore, as qemu's fd */
} StartPrep;

static void
start_prep_free (StartPrep *prep)
{
  g_object_unref (prep->dom);
  g_clear_pointer (&prep->live, vb_domain_def_free);
  g_free (prep->restore_path);
  g_object_unref (prep->task);
  g_clear_object (&prep->launcher);
  g_strfreev (prep->argv);
  g_free (prep->qmp_path);
  g_free (prep->log_path);
  g_clear_pointer (&prep->nics, g_ptr_array_unref);
  g_clear_pointer (&prep->confine, vb_qemu_confine_free);
  g_free (prep);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StartPrep, start_prep_free)

static StartPrep *
start_prep_new (VbDomain *dom, VbDomainDef *live, gboolean paused, gboolean registers, const QemuRestore *restore,
                GTask *task)
{
  StartPrep *prep = g_new0 (StartPrep, 1);

  prep->dom = g_object_ref (dom);
  prep->live = live;
  prep->paused = paused;
  prep->registers = registers;
  prep->task = g_object_ref (task);
  if (restore) {
    prep->restoring = TRUE;
    prep->restore = *restore;
    prep->restore_path = g_strdup (restore->path);
    prep->restore.path = prep->restore_path;
  }
  return prep;
}

static void domain_spawn (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused,
                          gboolean registers, const QemuRestore *restore, GTask *task);

static void
nvram_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (source);
  g_autoptr(StartPrep) prep = user_data;
  g_autoptr(GError) error = NULL;

  if (!prepare_nvram_finish (self, result, &error)) {
    g_task_return_error (prep->task, g_steal_pointer (&error));
    return;
  }
  domain_spawn (self, prep->dom, g_steal_pointer (&prep->live), prep->paused, prep->registers,
                prep->restoring ? &prep->restore : NULL, prep->task);
}

/* Spawns qemu for @dom with @live (owned) and completes @task when the
 * guest runs (or is paused, as asked) with its monitor answering.  A
 * first start of a UEFI guest makes its NVRAM store first, in a worker. */
void
domain_start (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused, gboolean registers,
              const QemuRestore *restore, GTask *task)
{
  g_autoptr(VbDomainDef) owned = live;
  g_autoptr(GError) error = NULL;
  g_autofree char *qmp_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".qmp");
  StartPrep *prep;

  if (strlen (qmp_path) >= sizeof (((struct sockaddr_un *) NULL)->sun_path)) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                             "monitor socket path %s is too long for a unix socket", qmp_path);
    return;
  }
  vb_qemu_assign_aliases (owned);
  vb_qemu_assign_controller_aliases (owned, self->caps);
  if (!qemu_fill_firmware (self, owned, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (!nvram_needs_making (owned)) {
    domain_spawn (self, dom, g_steal_pointer (&owned), paused, registers, restore, task);
    return;
  }
  prep = start_prep_new (dom, g_steal_pointer (&owned), paused, registers, restore, task);
  prepare_nvram_async (self, prep->live, nvram_prepared, prep);
}

static void domain_exec (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, GArray *fds, GPtrArray *nics,
                         gboolean paused, gboolean registers, const QemuRestore *restore, GTask *task);

static void
interfaces_plugged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (source);
  g_autoptr(StartPrep) prep = user_data;
  g_autoptr(GError) error = NULL;
  GArray *fds;
  GPtrArray *nics;

  g_queue_remove (&self->plugging_starts, prep->live);
  if (!plug_interfaces_finish (self, result, &fds, &nics, &error)) {
    g_task_return_error (prep->task, g_steal_pointer (&error));
    return;
  }
  domain_exec (self, prep->dom, g_steal_pointer (&prep->live), fds, nics, prep->paused, prep->registers,
               prep->restoring ? &prep->restore : NULL, prep->task);
}

/* The migration stream of @restore, at its start, for qemu to read: a
 * confined qemu could neither open the file nor spawn a reader. */
static int
open_restore_stream (const QemuRestore *restore, GError **error)
{
  int fd = open (restore->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0 || lseek (fd, (off_t) restore->offset, SEEK_SET) < 0) {
    int saved = errno;

    if (fd >= 0)
      close (fd);
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot read the saved state in %s: %s", restore->path,
                 g_strerror (saved));
    return -1;
  }
  return fd;
}

static void spawn_in_worker (GTask *task, gpointer source, gpointer data, GCancellable *cancellable);
static void qemu_spawned (GObject *source, GAsyncResult *result, gpointer user_data);

static void
domain_spawn (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused,
              gboolean registers, const QemuRestore *restore, GTask *task)
{
  g_autoptr(VbDomainDef) owned = live;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) ports = graphics_ports_in_use (self, dom);
  StartPrep *prep;

  if (!vb_qemu_graphics_prepare (owned, ports, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  /* devices before the command line: it names their fds.  They are made
   * off the main loop; meanwhile the display ports just picked stay
   * taken, as they are for guests whose qemu is starting. */
  prep = start_prep_new (dom, g_steal_pointer (&owned), paused, registers, restore, task);
  g_queue_push_tail (&self->plugging_starts, prep->live);
  plug_interfaces_async (self, dom, prep->live, interfaces_plugged, prep);
}

/* Runs qemu for @dom with @live, @fds and @nics (all owned). */
static void
domain_exec (VbQemuDriver *self, VbDomain *dom, VbDomainDef *live, GArray *plugged_fds, GPtrArray *plugged_nics,
             gboolean paused, gboolean registers, const QemuRestore *restore, GTask *task)
{
  g_autoptr(VbDomainDef) owned = live;
  g_autoptr(GArray) fds = plugged_fds;
  g_autoptr(GPtrArray) nics = plugged_nics;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GTask) spawn_task = NULL;
  g_auto(GStrv) argv = NULL;
  g_autofree char *qmp_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".qmp");
  g_autofree char *log_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".log");
  g_autofree char *pid_path = vb_config_store_run_path (self->store, vb_domain_get_uuid_string (dom), ".pid");
  StartPrep *prep;
  VbQemuConfine *confine = NULL;
  int qmp_fd;
  int restore_fd = -1;

  /* a socket left by a qemu that died with us would make bind fail */
  g_unlink (qmp_path);
  /* qemu gets its monitor socket listening already, so that we connect
   * right after the spawn instead of polling for the socket to appear */
  qmp_fd = vb_qemu_monitor_listen (qmp_path, &error);
  if (qmp_fd >= 0 && restore)
    restore_fd = open_restore_stream (restore, &error);
  argv = qmp_fd < 0 || (restore && restore_fd < 0)
           ? NULL
           : vb_qemu_build_command (owned, self->caps, qmp_fd, pid_path, (const int *) (void *) fds->data, &error);
  /* before qemu can outlive us: a daemon killed from the fork on finds
   * this start's record, and kills its qemu */
  if (argv != NULL &&
      !start_record_save (self, vb_domain_get_uuid_string (dom), qmp_path, log_path, nics, &error))
    g_clear_pointer (&argv, g_strfreev);
  if (argv == NULL) {
    if (restore_fd >= 0)
      close (restore_fd);
    if (qmp_fd >= 0) {
      close (qmp_fd);
      g_unlink (qmp_path);
    }
    for (guint i = 0; i < fds->len; i++)
      if (g_array_index (fds, int, i) >= 0)
        close (g_array_index (fds, int, i));
    for (guint i = 0; i < nics->len; i++)
      nic_release (self, g_ptr_array_index (nics, i));
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (restore) {
    g_autoptr(GStrvBuilder) b = g_strv_builder_new ();

    g_strv_builder_addv (b, (const char **) argv);
    g_strv_builder_add_many (b, "-incoming", "defer", NULL);
    g_strfreev (argv);
    argv = g_strv_builder_end (b);
  }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  if (self->system)
    confine = vb_qemu_confine_new (owned, vb_config_store_get_run_dir (self->store),
                                   vb_domain_get_uuid_string (dom), pid_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, confine, NULL);
  /* each device fd keeps its number in the child, as the command line
   * says; the launcher closes our copies */
  for (guint i = 0; i < fds->len; i++)
    if (g_array_index (fds, int, i) >= 0)
      g_subprocess_launcher_take_fd (launcher, g_array_index (fds, int, i), g_array_index (fds, int, i));
  g_subprocess_launcher_take_fd (launcher, qmp_fd, qmp_fd);
  if (restore_fd >= 0)
    g_subprocess_launcher_take_fd (launcher, restore_fd, restore_fd);

  /* fork and exec of a large process take milliseconds: a worker waits
   * for them, while the display ports stay taken as for the NICs */
  prep = start_prep_new (dom, g_steal_pointer (&owned), paused, registers, restore, task);
  prep->launcher = g_steal_pointer (&launcher);
  prep->argv = g_steal_pointer (&argv);
  prep->qmp_path = g_steal_pointer (&qmp_path);
  prep->log_path = g_steal_pointer (&log_path);
  prep->nics = g_steal_pointer (&nics);
  prep->confine = confine;
  prep->restore_fd = restore_fd;
  g_queue_push_tail (&self->plugging_starts, prep->live);
  spawn_task = g_task_new (self, NULL, qemu_spawned, prep);
  g_task_set_source_tag (spawn_task, domain_exec);
  /* the main thread leaves the launcher and argv alone until the answer */
  g_task_set_task_data (spawn_task, prep, NULL);
  g_task_run_in_thread (spawn_task, spawn_in_worker);
}

static void
spawn_in_worker (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  StartPrep *prep = data;
  GError *error = NULL;
  GSubprocess *proc = NULL;

  /* lending files and reading the user database may block: here, not
   * on the main loop */
  if (prep->confine == NULL || vb_qemu_confine_prepare (prep->confine, &error))
    proc = g_subprocess_launcher_spawnv (prep->launcher, (const char *const *) prep->argv, &error);
  if (prep->confine) {
    vb_qemu_confine_spawned (prep->confine);
    if (proc == NULL)
      vb_qemu_confine_release (vb_config_store_get_run_dir (VB_QEMU_DRIVER (source)->store),
                               vb_domain_get_uuid_string (prep->dom));
  }
  if (proc == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, proc, g_object_unref);
}

static void
qemu_spawned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbQemuDriver *self = VB_QEMU_DRIVER (source);
  g_autoptr(StartPrep) prep = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = g_task_propagate_pointer (G_TASK (result), &error);
  VbDomain *dom = prep->dom;
  GTask *task = prep->task;
  const QemuRestore *restore = prep->restoring ? &prep->restore : NULL;
  gboolean paused = prep->paused;
  gboolean registers = prep->registers;
  g_autoptr(VbDomainDef) owned = g_steal_pointer (&prep->live);
  g_autoptr(GPtrArray) nics = g_steal_pointer (&prep->nics);
  g_autofree char *qmp_path = g_steal_pointer (&prep->qmp_path);
  g_autofree char *log_path = g_steal_pointer (&prep->log_path);
  QemuVm *vm;

  g_queue_remove (&self->plugging_starts, owned);
  /* our copies of the device and monitor fds go with it */
  g_clear_object (&prep->launcher);
  if (proc == NULL) {
    g_unlink (qmp_path);
    vb_config_store_delete_status (self->store, vb_domain_get_uuid_string (dom), NULL);
    for (guint i = 0; i < nics->len; i++)
      nic_release (self, g_ptr_array_index (nics, i));
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "cannot run %s: %s", prep->argv[0], error->message);
    return;
  }

  vm = vm_new (self, dom);
  vm->proc = g_steal_pointer (&proc);
  vm->pid = atoi (g_subprocess_get_identifier (vm->proc));
  read_proc_stat (vm->pid, NULL, &vm->start_time, NULL);
  vm->qmp_path = g_steal_pointer (&qmp_path);
  vm->log_path = g_steal_pointer (&log_path);
  vm->starting = TRUE;
  vm->start_paused = paused;
  vm->start_registers = registers;
  if (registers)
    g_ptr_array_add (self->unregistered_starts, vm);
  vm->start_live = g_steal_pointer (&owned);
  vm->start_task = g_object_ref (task);
  vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  g_ptr_array_extend_and_steal (vm->nics, g_steal_pointer (&nics));
  vb_domain_set_driver_data (dom, vm, (GDestroyNotify) vm_unref);

  g_subprocess_wait_async (vm->proc, NULL, vm_proc_exited, vm_ref (vm));
  vm_attach_monitor (vm, MONITOR_CONNECT_TIMEOUT_MS);
  if (has_pty_serial (vm->start_live))
    start_command (vm, START_STEP_CHARDEV, NULL);
  if (has_vnc (vm->start_live))
    start_command (vm, START_STEP_VNC, NULL);
  if (vb_qemu_graphics_has_spice (vm->start_live))
    start_command (vm, START_STEP_SPICE, NULL);
  if (restore) {
    g_autofree char *uri = g_strdup_printf ("fd:%d", prep->restore_fd);

    vm->restore_path = g_strdup (restore->path);
    vm->restore_managed = restore->managed;
    start_command (vm, START_STEP_INCOMING, uri);
  } else {
    start_finish_commands (vm);
  }
}

/* The daemon goes away, the guest of @dom stays: only our bookkeeping
 * goes, which also breaks the domain ↔ process references. */
void
vm_forget (VbDomain *dom)
{
  QemuVm *vm = domain_vm (dom);

  if (vm == NULL)
    return;
  vm_stop_watching (vm);
  vb_domain_set_driver_data (dom, NULL, NULL);
}

/* Re-attach -------------------------------------------------------------------- */

static void
reattach_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(VbQemuStatus) status = vb_qemu_monitor_query_status_finish (VB_QEMU_MONITOR (source), result, NULL);

  if (status == NULL || vm->exited)
    return;
  /* what happened while no daemon was listening */
  if (status->running)
    vm_set_running (vm, VB_DOMAIN_RUNNING_UNPAUSED);
  else if (g_strcmp0 (status->status, "paused") == 0)
    vm_set_paused (vm, VB_DOMAIN_PAUSED_UNKNOWN);
  else if (g_strcmp0 (status->status, "suspended") == 0 &&
           vb_domain_get_state (vm->dom, NULL) != VB_DOMAIN_PMSUSPENDED)
    vm_set_pmsuspended (vm, FALSE);
}

/* What a run that no daemon watched to its end left: its status, monitor
 * socket and pidfile, and the macvtaps and taps of its NICs; the recount
 * after re-attach leaves its ports uncharged. */
void
run_leftovers_remove (VbQemuDriver *self, const char *key, const char *qmp_path, GPtrArray *nics)
{
  g_autofree char *pid_path = vb_config_store_run_path (self->store, key, ".pid");

  for (guint i = 0; self->net && i < nics->len; i++) {
    QemuNic *nic = g_ptr_array_index (nics, i);

    if (!nic->borrowed)
      vb_network_driver_unplug (self->net, nic->ifname);
  }
  vb_config_store_delete_status (self->store, key, NULL);
  if (qmp_path)
    g_unlink (qmp_path);
  g_unlink (pid_path);
  /* files lent to the qemu user go back to their owners */
  if (self->system)
    vb_qemu_confine_release (vb_config_store_get_run_dir (self->store), key);
}

static void
reattach_one (VbQemuDriver *self, const char *key)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = vb_config_store_load_status (self->store, key, &error);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *xml = NULL;
  g_autofree char *qmp = NULL;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(VbDomain) dom = NULL;
  g_autoptr(GPtrArray) nics = NULL;
  VbUuid uuid;
  QemuVm *vm;
  GPid pid;
  guint64 start_time;
  int id, state, reason;

  if (data == NULL || !g_key_file_load_from_data (kf, data, -1, G_KEY_FILE_NONE, &error)) {
    g_warning ("QEMU driver: unreadable status %s: %s", key, error ? error->message : "");
    vb_config_store_delete_status (self->store, key, NULL);
    return;
  }
  if (start_record_is_starting (kf)) {
    start_record_reap (self, key, kf);
    return;
  }
  pid = (GPid) g_key_file_get_int64 (kf, STATUS_GROUP, "pid", NULL);
  start_time = g_key_file_get_uint64 (kf, STATUS_GROUP, "start-time", NULL);
  qmp = g_key_file_get_string (kf, STATUS_GROUP, "qmp", NULL);
  xml = g_key_file_get_string (kf, STATUS_GROUP, "xml", NULL);
  id = g_key_file_get_integer (kf, STATUS_GROUP, "id", NULL);
  state = g_key_file_get_integer (kf, STATUS_GROUP, "state", NULL);
  reason = g_key_file_get_integer (kf, STATUS_GROUP, "reason", NULL);
  live = xml ? vb_domain_def_parse (xml, VB_DOMAIN_PARSE_LIVE, &error) : NULL;

  nics = nics_load (kf);
  if (process_gone (pid, start_time) || qmp == NULL || live == NULL || !vb_uuid_parse (key, &uuid, NULL)) {
    /* died while no daemon watched: nobody to tell but the log.  Its
     * macvtaps outlive it; the recount after re-attach leaves its
     * ports uncharged. */
    g_message ("QEMU driver: domain %s (pid %d) is no longer running", key, pid);
    run_leftovers_remove (self, key, qmp, nics);
    return;
  }

  dom = vb_driver_lookup_domain_by_uuid (VB_DRIVER (self), &uuid);
  if (dom) {
    g_object_ref (dom);
  } else {
    dom = vb_domain_new (vb_domain_def_copy (live), FALSE);
    vb_driver_add_domain (VB_DRIVER (self), dom);
  }
  /* ids only count up: the next start gets one above every re-attached id */
  while (vb_driver_next_domain_id (VB_DRIVER (self)) < id)
    ;
  live->id = id;
  vb_domain_set_live_def (dom, g_steal_pointer (&live));
  vb_domain_set_id (dom, id);
  vb_domain_set_state (dom, state, reason);

  vm = vm_new (self, dom);
  vm->pid = pid;
  vm->start_time = start_time;
  vm->qmp_path = g_steal_pointer (&qmp);
  vm->log_path = g_key_file_get_string (kf, STATUS_GROUP, "log", NULL);
  vm->shutdown_seen = g_key_file_get_boolean (kf, STATUS_GROUP, "shutdown-seen", NULL);
  vm->vcpu_removed = g_key_file_get_boolean (kf, STATUS_GROUP, "vcpu-removed", NULL);
  vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  g_ptr_array_extend_and_steal (vm->nics, g_steal_pointer (&nics));
  vb_domain_set_driver_data (dom, vm, (GDestroyNotify) vm_unref);
  vm_attach_monitor (vm, REATTACH_CONNECT_TIMEOUT_MS);
  vb_qemu_monitor_query_status_async (vm->mon, NULL, reattach_status, vm_ref (vm));
  /* a guest may have let a vCPU go while no daemon was listening */
  vm_refresh_vcpus (vm);
}

void
op_call_free (OpCall *call)
{
  g_object_unref (call->task);
  vm_unref (call->vm);
  g_free (call);
}

OpCall *
op_call_new (QemuVm *vm, VbOp op, GTask *task)
{
  OpCall *call = g_new0 (OpCall, 1);

  call->task = g_object_ref (task);
  call->vm = vm_ref (vm);
  call->op = op;
  return call;
}

/* The answer to a command whose reply is all the caller waits for;
 * errors are reported as "<op> of '<domain>' failed: <qemu's message>". */
void
op_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OpCall) call = user_data;
  QemuVm *vm = call->vm;
  g_autoptr(GError) error = NULL;

  vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
  if (!vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error)) {
    g_task_return_new_error (call->task, VB_ERROR, VB_ERROR_FAILED, "%s of '%s' failed: %s",
                             vb_op_get_info (call->op)->name, vb_domain_get_name (vm->dom), error->message);
    return;
  }
  /* The event may come before or after the reply: whichever is first
   * changes the state, and only once. */
  if (call->op == VB_OP_DOMAIN_SUSPEND)
    vm_set_paused (vm, VB_DOMAIN_PAUSED_USER);
  else if (call->op == VB_OP_DOMAIN_RESUME)
    vm_set_running (vm, VB_DOMAIN_RUNNING_UNPAUSED);
  g_task_return_pointer (call->task, NULL, NULL);
}

void
vm_command (QemuVm *vm, VbOp op, VbQemuMonitorCommandFunc command, GTask *task)
{
  command (vm->mon, NULL, op_reply, op_call_new (vm, op, task));
}

static void
memory_stats_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OpCall) call = user_data;
  QemuVm *vm = call->vm;
  g_autoptr(GError) error = NULL;
  GVariantBuilder b;
  g_autofree char *status_path = g_strdup_printf ("/proc/%d/status", vm->pid);
  g_autofree char *status = NULL;
  guint64 actual;

  if (!vb_qemu_monitor_query_balloon_finish (VB_QEMU_MONITOR (source), result, &actual, &error)) {
    g_task_return_new_error (call->task, VB_ERROR, VB_ERROR_FAILED, "%s of '%s' failed: %s",
                             vb_op_get_info (call->op)->name, vb_domain_get_name (vm->dom), error->message);
    return;
  }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{it}"));
  g_variant_builder_add (&b, "{it}", VB_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, actual / 1024);
  if (g_file_get_contents (status_path, &status, NULL, NULL)) {
    const char *rss = strstr (status, "VmRSS:");
    if (rss)
      g_variant_builder_add (&b, "{it}", VB_DOMAIN_MEMORY_STAT_RSS, g_ascii_strtoull (rss + 6, NULL, 10));
  }
  vb_driver_task_return_variant (call->task, g_variant_builder_end (&b));
}

/* MemoryStats: the balloon's size from qemu, the RSS from /proc. */
void
vm_memory_stats (QemuVm *vm, GTask *task)
{
  vb_qemu_monitor_query_balloon_async (vm->mon, NULL, memory_stats_reply,
                                       op_call_new (vm, VB_OP_DOMAIN_MEMORY_STATS, task));
}

void
domain_destroy (VbQemuDriver *self, VbDomain *dom, guint flags, GTask *task)
{
  /* a re-attached process found already gone ends the run right here */
  g_autoptr(QemuVm) vm = vm_ref (domain_vm (dom));

  g_ptr_array_add (vm->stop_waiters, g_object_ref (task));
  vm->destroying = TRUE;
  vm_kill (vm, SIGTERM);
  if (!(flags & VB_DOMAIN_DESTROY_GRACEFUL) && vm->kill_timer == 0 && !vm->exited)
    vm->kill_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, DESTROY_KILL_TIMEOUT_MS, vm_kill_timeout,
                                         vm_ref (vm), (GDestroyNotify) vm_unref);
}

GVariant *
domain_stats (VbDomain *dom, guint stats, guint flags, GError **error)
{
  const VbDomainDef *def = vb_domain_get_current_def (dom);
  QemuVm *vm = domain_vm (dom);
  GVariantBuilder b;
  guint64 ticks = 0;

  if (stats == 0)
    stats = VB_DOMAIN_STATS_STATE | VB_DOMAIN_STATS_CPU_TOTAL | VB_DOMAIN_STATS_BALLOON | VB_DOMAIN_STATS_VCPU;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  vb_domain_add_stats (dom, stats, &b);
  if ((stats & VB_DOMAIN_STATS_CPU_TOTAL) && vm && read_proc_stat (vm->pid, NULL, NULL, &ticks)) {
    guint64 ns = ticks * (G_USEC_PER_SEC * 1000 / (guint64) sysconf (_SC_CLK_TCK));
    g_variant_builder_add (&b, "{sv}", "cpu.time", g_variant_new_uint64 (ns));
  }
  if ((stats & VB_DOMAIN_STATS_VCPU) && vm)
    add_vcpu_thread_stats (vm, def->vcpus, &b);
  return g_variant_builder_end (&b);
}

/* <link state='down'/> has no qemu option: like libvirt, the NICs it
 * names go down before the guest first runs. */
static void
start_link_states (QemuVm *vm)
{
  GPtrArray *ifaces = vb_domain_def_get_devices (vm->start_live, VB_DOMAIN_DEVICE_INTERFACE);

  for (guint i = 0; ifaces && i < ifaces->len; i++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (ifaces, i);
    g_autofree char *alias = vb_qemu_device_alias (&iface->info);

    if (alias == NULL || link_is_up (iface))
      continue;
    start_command (vm, START_STEP_LINK, alias);
  }
}

/* The networks' usage as the guests that kept running hold it: what
 * the network driver recorded may predate guests that stopped, or
 * started, just before the daemon went away. */
static void
recount_ports (VbQemuDriver *self)
{
  g_autoptr(GPtrArray) domains = NULL;

  if (self->net == NULL)
    return;
  vb_network_driver_usage_reset (self->net);
  domains = vb_driver_list_domains (VB_DRIVER (self), 0);
  for (guint i = 0; i < domains->len; i++) {
    VbDomain *dom = g_ptr_array_index (domains, i);
    QemuVm *vm = domain_vm (dom);

    for (guint j = 0; vm && j < vm->nics->len; j++) {
      QemuNic *nic = g_ptr_array_index (vm->nics, j);
      g_autoptr(GError) error = NULL;

      if (nic->port && !vb_network_driver_port_reclaim (self->net, nic->port, &error))
        g_warning ("QEMU driver: domain '%s', interface %s: %s", vb_domain_get_name (dom), nic->alias,
                   error->message);
    }
  }
}

void
reattach_all (VbQemuDriver *self)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) keys = vb_config_store_list_status (self->store, &error);

  if (keys == NULL) {
    g_warning ("QEMU driver: %s", error->message);
    return;
  }
  for (guint i = 0; keys[i]; i++)
    reattach_one (self, keys[i]);
  start_orphans_reap (self);
  if (self->system)
    vb_qemu_confine_release_orphans (vb_config_store_get_run_dir (self->store));
  recount_ports (self);
}
