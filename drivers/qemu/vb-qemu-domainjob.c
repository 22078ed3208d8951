/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Jobs: polling a migration (save, restore) and a core dump to their end,
 * job progress and abort. */
#include "vb-qemu-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* Migration to and from files ------------------------------------------------- */

static gboolean migrate_poll_tick (gpointer user_data);

static void
migrate_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbQemuMigrateInfo) info = vb_qemu_monitor_query_migrate_finish (VB_QEMU_MONITOR (source), result,
                                                                            &error);

  if (vm->exited || vm->migrate_done == NULL)
    return;
  if (info == NULL) {
    vm->migrate_done (vm, error->message);
  } else if (info->status == VB_QEMU_JOB_STATUS_COMPLETED) {
    vm->migrate_done (vm, NULL);
  } else if (info->status == VB_QEMU_JOB_STATUS_FAILED || info->status == VB_QEMU_JOB_STATUS_CANCELLED) {
    vm->migrate_done (vm, info->error_desc ? info->error_desc : info->status_name);
  } else {
    vm->migrate_poll = g_timeout_add_full (G_PRIORITY_DEFAULT, 10, migrate_poll_tick, vm_ref (vm),
                                           (GDestroyNotify) vm_unref);
  }
}

static gboolean
migrate_poll_tick (gpointer user_data)
{
  QemuVm *vm = user_data;

  vm->migrate_poll = 0;
  vb_qemu_monitor_query_migrate_async (vm->mon, NULL, migrate_status, vm_ref (vm));
  return G_SOURCE_REMOVE;
}

/* Waits for the migration the monitor runs (either direction) to end. */
void
migrate_wait (QemuVm *vm, void (*done) (gpointer vm, const char *error))
{
  vm->migrate_done = done;
  vb_qemu_monitor_query_migrate_async (vm->mon, NULL, migrate_status, vm_ref (vm));
}

/* Core dumps -------------------------------------------------------------------- */

#define DUMP_POLL_INTERVAL_MS 50

/* by libvirt's VIR_DOMAIN_CORE_DUMP_FORMAT_* */
static const char *const dump_formats[] = { "elf", "kdump-zlib", "kdump-lzo", "kdump-snappy", "win-dmp" };

static void
dump_finish (QemuVm *vm, const char *message)
{
  g_autoptr(GTask) task = g_steal_pointer (&vm->dump_task);
  guint flags = vm->dump_flags;

  if (task == NULL)
    return;
  /* a crash dump stays the job until qemu is gone: its STOP, on the way
   * out, is no pause */
  vm->dumping = message == NULL && (flags & VB_DUMP_CRASH);
  if (message) {
    g_unlink (vm->dump_path);
    if (vm->dump_paused && vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_RUNNING)
      vb_qemu_monitor_cont_async (vm->mon, NULL, NULL, NULL);
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "core dump of '%s' failed: %s",
                             vb_domain_get_name (vm->dom), message);
    return;
  }
  if (flags & VB_DUMP_CRASH) {
    /* answered once qemu is gone and the domain shows as crashed */
    vm->dump_crashed = TRUE;
    g_ptr_array_add (vm->stop_waiters, g_steal_pointer (&task));
    vb_qemu_monitor_quit_async (vm->mon, NULL, NULL, NULL);
    vm_watch_foreign (vm);
    return;
  }
  if (flags & VB_DUMP_RESET)
    vb_qemu_monitor_system_reset_async (vm->mon, NULL, NULL, NULL);
  if (vm->dump_paused && vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_RUNNING)
    vb_qemu_monitor_cont_async (vm->mon, NULL, NULL, NULL);
  g_task_return_pointer (task, NULL, NULL);
}

static gboolean dump_poll_tick (gpointer user_data);

static void
dump_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbQemuDumpInfo) info = vb_qemu_monitor_query_dump_finish (VB_QEMU_MONITOR (source), result, &error);

  if (vm->exited || !vm->dumping)
    return;
  if (info == NULL)
    dump_finish (vm, error->message);
  else if (info->status == VB_QEMU_JOB_STATUS_COMPLETED)
    dump_finish (vm, NULL);
  else if (info->status == VB_QEMU_JOB_STATUS_FAILED)
    dump_finish (vm, "qemu could not write the dump");
  else
    g_timeout_add_full (G_PRIORITY_DEFAULT, DUMP_POLL_INTERVAL_MS, dump_poll_tick, vm_ref (vm),
                        (GDestroyNotify) vm_unref);
}

static gboolean
dump_poll_tick (gpointer user_data)
{
  QemuVm *vm = user_data;

  if (!vm->exited && vm->dumping)
    vb_qemu_monitor_query_dump_async (vm->mon, NULL, dump_status, vm_ref (vm));
  return G_SOURCE_REMOVE;
}

static void
dump_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error);

  if (vm->exited || !vm->dumping)
    return;
  if (!ok) {
    dump_finish (vm, error->message);
    return;
  }
  vb_qemu_monitor_query_dump_async (vm->mon, NULL, dump_status, vm_ref (vm));
}

/* CoreDumpWithFormat: qemu's dump-guest-memory into @to, detached and
 * polled with query-dump so that the monitor stays free.  Unless live,
 * the guest is paused for it and resumed after, as libvirt does; with
 * crash the run ends as crashed, with reset the guest reboots. */
gboolean
domain_core_dump (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                  GError **error)
{
  const char *path;
  guint format, flags;
  QemuVm *vm;
  int fd;

  g_variant_get (args, "(&suu)", &path, &format, &flags);
  if (!vb_check_flags (flags, VB_DUMP_CRASH | VB_DUMP_LIVE | VB_DUMP_BYPASS_CACHE | VB_DUMP_RESET |
                                VB_DUMP_MEMORY_ONLY, error))
    return FALSE;
  if ((flags & VB_DUMP_CRASH) && (flags & (VB_DUMP_LIVE | VB_DUMP_RESET))) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "crash and live or reset flags are mutually exclusive");
    return FALSE;
  }
  if (format >= G_N_ELEMENTS (dump_formats)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown core dump format %u", format);
    return FALSE;
  }
  if (!check_active (dom, error))
    return FALSE;
  if (!vb_path_check_absolute (path, error))
    return FALSE;
  /* ours, handed over: a confined qemu may not open it */
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write the core dump %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  vm = domain_vm (dom);
  vm->dumping = TRUE;
  vm->dump_crashed = FALSE;
  vm->dump_flags = flags;
  vm->job_started = g_get_monotonic_time ();
  g_free (vm->dump_path);
  vm->dump_path = g_strdup (path);
  g_clear_object (&vm->dump_task);
  vm->dump_task = g_object_ref (task);
  vm->dump_paused = !(flags & VB_DUMP_LIVE) && vb_domain_get_state (dom, NULL) == VB_DOMAIN_RUNNING;
  if (vm->dump_paused)
    vb_qemu_monitor_stop_async (vm->mon, NULL, NULL, NULL);
  /* in order: a getfd that failed fails the dump too */
  vb_qemu_monitor_getfd_async (vm->mon, "dump", fd, NULL, NULL, NULL);
  vb_qemu_monitor_dump_guest_memory_async (vm->mon, "fd:dump", dump_formats[format], NULL, dump_started, vm_ref (vm));
  *handed = TRUE;
  return TRUE;
}

/* Job progress ------------------------------------------------------------------ */

/* libvirt's virDomainJobType and virDomainJobOperation */
enum {
  QEMU_JOB_NONE = 0,
  QEMU_JOB_UNBOUNDED = 2,
  QEMU_JOB_OPERATION_SAVE = 2,
  QEMU_JOB_OPERATION_DUMP = 8,
  QEMU_JOB_STATS_COMPLETED = 1 << 0,
  QEMU_JOB_STATS_KEEP_COMPLETED = 1 << 1,
};

typedef struct {
  int type;
  int operation;
  guint64 elapsed_ms;
  guint64 data_total, data_processed, data_remaining;
  gboolean memory;   /* the data is the guest's RAM (a migration stream) */
} JobProgress;

static GVariant *
job_progress_variant (VbOp op, const JobProgress *p)
{
  GVariantBuilder b;

  if (op == VB_OP_DOMAIN_GET_JOB_INFO) {
    guint64 mem_total = p->memory ? p->data_total : 0;
    guint64 mem_processed = p->memory ? p->data_processed : 0;
    guint64 mem_remaining = p->memory ? p->data_remaining : 0;

    return g_variant_new ("(ittttttttttt)", p->type, p->elapsed_ms, (guint64) 0, p->data_total, p->data_processed,
                          p->data_remaining, mem_total, mem_processed, mem_remaining, (guint64) 0, (guint64) 0,
                          (guint64) 0);
  }
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (p->type != QEMU_JOB_NONE) {
    g_variant_builder_add (&b, "{sv}", "operation", g_variant_new_int32 (p->operation));
    g_variant_builder_add (&b, "{sv}", "time_elapsed", g_variant_new_uint64 (p->elapsed_ms));
    g_variant_builder_add (&b, "{sv}", "data_total", g_variant_new_uint64 (p->data_total));
    g_variant_builder_add (&b, "{sv}", "data_processed", g_variant_new_uint64 (p->data_processed));
    g_variant_builder_add (&b, "{sv}", "data_remaining", g_variant_new_uint64 (p->data_remaining));
    if (p->memory) {
      g_variant_builder_add (&b, "{sv}", "memory_total", g_variant_new_uint64 (p->data_total));
      g_variant_builder_add (&b, "{sv}", "memory_processed", g_variant_new_uint64 (p->data_processed));
      g_variant_builder_add (&b, "{sv}", "memory_remaining", g_variant_new_uint64 (p->data_remaining));
    }
  }
  return g_variant_new ("(ia{sv})", p->type, &b);
}

/* Whether a save or dump still runs: one that wrote its file and only
 * waits for qemu to quit is over. */
static gboolean
vm_job_running (QemuVm *vm)
{
  return !vm->exited && ((vm->saving && !vm->saved) || (vm->dumping && !vm->dump_crashed));
}

/* The counts of the job that runs, from query-migrate's "ram" or
 * query-dump (@ok FALSE: the query failed); a job that ended in between
 * shows as none. */
static void
job_query_return (OpCall *q, gboolean ok, const GError *error, JobProgress *counts)
{
  JobProgress none = { QEMU_JOB_NONE };

  if (!vm_job_running (q->vm)) {
    vb_driver_task_return_variant (q->task, job_progress_variant (q->op, &none));
    return;
  }
  if (!ok) {
    g_task_return_new_error (q->task, VB_ERROR, VB_ERROR_FAILED, "cannot read the job progress of '%s': %s",
                             vb_domain_get_name (q->vm->dom), error->message);
    return;
  }
  counts->type = QEMU_JOB_UNBOUNDED;
  counts->operation = q->vm->saving ? QEMU_JOB_OPERATION_SAVE : QEMU_JOB_OPERATION_DUMP;
  counts->elapsed_ms = (guint64) (g_get_monotonic_time () - q->vm->job_started) / 1000;
  vb_driver_task_return_variant (q->task, job_progress_variant (q->op, counts));
}

static void
job_migrate_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OpCall) q = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbQemuMigrateInfo) info = vb_qemu_monitor_query_migrate_finish (VB_QEMU_MONITOR (source), result,
                                                                            &error);
  JobProgress p = { QEMU_JOB_NONE };

  if (info) {
    p.memory = TRUE;
    p.data_total = info->ram_total;
    p.data_processed = info->ram_transferred;
    p.data_remaining = info->ram_remaining;
  }
  job_query_return (q, info != NULL, error, &p);
}

static void
job_dump_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(OpCall) q = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbQemuDumpInfo) info = vb_qemu_monitor_query_dump_finish (VB_QEMU_MONITOR (source), result, &error);
  JobProgress p = { QEMU_JOB_NONE };

  if (info) {
    p.data_total = info->total;
    p.data_processed = info->completed;
    p.data_remaining = info->total > info->completed ? info->total - info->completed : 0;
  }
  job_query_return (q, info != NULL, error, &p);
}

/* GetJobInfo and GetJobStats: the save (managed or not) or dump that
 * runs, from qemu's own counters. */
void
domain_get_job_info (VbDomain *dom, VbOp op, GVariant *args, GTask *task)
{
  g_autoptr(GError) error = NULL;
  JobProgress none = { QEMU_JOB_NONE };
  OpCall *q;
  QemuVm *vm;
  guint flags = 0;

  if (op == VB_OP_DOMAIN_GET_JOB_STATS)
    g_variant_get (args, "(u)", &flags);
  if (!vb_check_flags (flags, QEMU_JOB_STATS_COMPLETED | QEMU_JOB_STATS_KEEP_COMPLETED, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (flags & QEMU_JOB_STATS_COMPLETED) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "statistics of completed jobs are not kept by this driver");
    return;
  }
  if (!check_active (dom, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  vm = domain_vm (dom);
  if (!vm_job_running (vm)) {
    vb_driver_task_return_variant (task, job_progress_variant (op, &none));
    return;
  }
  q = g_new0 (OpCall, 1);
  q->task = g_object_ref (task);
  q->vm = vm_ref (vm);
  q->op = op;
  if (vm->saving)
    vb_qemu_monitor_query_migrate_async (vm->mon, NULL, job_migrate_reply, q);
  else
    vb_qemu_monitor_query_dump_async (vm->mon, NULL, job_dump_reply, q);
}

/* AbortJob: a save is cancelled (its call fails, the guest runs on as it
 * did); qemu cannot stop a dump or an incoming stream half way. */
void
domain_abort_job (VbDomain *dom, GTask *task)
{
  g_autoptr(GError) error = NULL;
  QemuVm *vm = domain_vm (dom);

  if (vm && vm->starting && vm->restore_path) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "cannot abort the restore of '%s': destroy the domain instead",
                             vb_domain_get_name (dom));
    return;
  }
  if (!check_active (dom, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  if (vm->dumping) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "the core dump of '%s' cannot be aborted", vb_domain_get_name (dom));
    return;
  }
  if (!vm->saving || vm->migrate_done == NULL) {
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_STATE, "no job is active on domain '%s'",
                             vb_domain_get_name (dom));
    return;
  }
  vm_command (vm, VB_OP_DOMAIN_ABORT_JOB, vb_qemu_monitor_migrate_cancel_async, task);
}
