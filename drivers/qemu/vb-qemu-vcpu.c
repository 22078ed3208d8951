/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* vCPUs: hot-plug and unplug of vCPUs through query-hotpluggable-cpus, and per-vCPU statistics. */
#include "vb-qemu-private.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* Hot-plugged vCPUs are devices of ours, "vcpu<N>" after the vCPU they are
 * (libvirt's names); qemu files them under this path.  The vCPUs of the
 * command line sit elsewhere and cannot be unplugged. */
#define VCPU_ALIAS_PREFIX "vcpu"
#define PERIPHERAL_PATH "/machine/peripheral/"

/* One entry of query-hotpluggable-cpus. */
typedef VbQemuHotpluggableCpu CpuSlot;

/* vCPU order, as qemu numbers them (cpu-index) and libvirt counts them. */
static int
slot_compare (gconstpointer a, gconstpointer b)
{
  const CpuSlot *x = *(const CpuSlot *const *) a, *y = *(const CpuSlot *const *) b;
  const gint64 dx[] = { x->socket_id, x->die_id, x->cluster_id, x->core_id, x->thread_id };
  const gint64 dy[] = { y->socket_id, y->die_id, y->cluster_id, y->core_id, y->thread_id };

  for (guint i = 0; i < G_N_ELEMENTS (dx); i++)
    if (dx[i] != dy[i])
      return dx[i] < dy[i] ? -1 : 1;
  return 0;
}

/* The answer of query-hotpluggable-cpus (CpuSlot*) put in vCPU order, or
 * FALSE for slots we cannot work with. */
static gboolean
cpu_slots (GPtrArray *slots, GError **error)
{
  for (guint i = 0; i < slots->len; i++) {
    const CpuSlot *slot = g_ptr_array_index (slots, i);

    /* some machines plug whole cores or sockets; x86 plugs threads */
    if (slot->vcpus_count != 1) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "this machine plugs vCPUs in groups of %" G_GINT64_FORMAT ", which is not supported",
                   slot->vcpus_count);
      return FALSE;
    }
  }
  if (slots->len == 0) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "QEMU lists no hot-pluggable vCPUs for this machine and CPU model");
    return FALSE;
  }
  g_ptr_array_sort (slots, slot_compare);
  return TRUE;
}

/* query-hotpluggable-cpus' answer in vCPU order, or NULL with @error */
static GPtrArray *
cpu_slots_finish (GObject *source, GAsyncResult *result, GError **error)
{
  g_autoptr(GPtrArray) slots = vb_qemu_monitor_query_hotpluggable_cpus_finish (VB_QEMU_MONITOR (source), result,
                                                                              error);

  if (slots == NULL || !cpu_slots (slots, error))
    return NULL;
  return g_steal_pointer (&slots);
}

static guint
slots_plugged (GPtrArray *slots)
{
  guint n = 0;

  for (guint i = 0; i < slots->len; i++)
    if (((CpuSlot *) g_ptr_array_index (slots, i))->qom_path)
      n++;
  return n;
}

/* The alias of a vCPU we hot-plugged, from its QOM path; NULL for the
 * vCPUs of the command line. */
static const char *
slot_alias (const CpuSlot *slot)
{
  const char *alias;

  if (slot->qom_path == NULL || !g_str_has_prefix (slot->qom_path, PERIPHERAL_PATH))
    return NULL;
  alias = slot->qom_path + strlen (PERIPHERAL_PATH);
  return g_str_has_prefix (alias, VCPU_ALIAS_PREFIX) ? alias : NULL;
}

static gboolean
slots_hold (GPtrArray *slots, const char *alias)
{
  for (guint i = 0; i < slots->len; i++)
    if (g_strcmp0 (slot_alias (g_ptr_array_index (slots, i)), alias) == 0)
      return TRUE;
  return FALSE;
}

#define LATE_UNPLUG_REQUERIES 100
#define LATE_UNPLUG_REQUERY_MS 50

/* A live change of the vCPU count: what qemu has, the device_add or
 * device_del commands, the guest's DEVICE_DELETED for each unplug, and at
 * the end a look at what qemu really has, which the live XML then says
 * whatever happened.  Also used with no task, to take in an unplug the
 * guest completed after the call gave up waiting. */
typedef struct _VcpuJob {
  GTask *task;
  QemuVm *vm;
  guint target;
  VbDomainDef *config;  /* to store once the live part succeeded, or NULL */
  GPtrArray *unplugging; /* aliases sent device_del, DEVICE_DELETED awaited */
  guint pending;        /* device_add/device_del replies outstanding */
  GError *error;        /* the first refusal from qemu */
  guint timeout_id;
  gboolean timed_out;
  gboolean checking;    /* the final query-hotpluggable-cpus is sent */
  char *gone;           /* no task: the vCPU the guest let go of late */
  guint requeries;
} VcpuJob;

static void
vcpu_job_free (VcpuJob *job)
{
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  if (job->vm->vcpu_unplug == job)
    job->vm->vcpu_unplug = NULL;
  g_clear_object (&job->task);
  vm_unref (job->vm);
  g_clear_pointer (&job->config, vb_domain_def_free);
  g_free (job->gone);
  g_ptr_array_unref (job->unplugging);
  g_clear_error (&job->error);
  g_free (job);
}

static VcpuJob *
vcpu_job_new (QemuVm *vm, GTask *task, guint target)
{
  VcpuJob *job = g_new0 (VcpuJob, 1);

  job->vm = vm_ref (vm);
  job->task = task ? g_object_ref (task) : NULL;
  job->target = target;
  job->unplugging = g_ptr_array_new_with_free_func (g_free);
  return job;
}

static void
vcpu_job_fail (VcpuJob *job, GError *error)
{
  if (job->error == NULL)
    job->error = error;
  else
    g_error_free (error);
}

/* The live XML takes the count qemu has. */
static void
vm_set_live_vcpus (QemuVm *vm, guint count)
{
  VbDomainDef *live;

  if (vm->exited || vb_domain_def_get_current_vcpus (vb_domain_get_live_def (vm->dom)) == count)
    return;
  live = vb_domain_def_copy (vb_domain_get_live_def (vm->dom));
  live->current_vcpus = count;
  vb_domain_set_live_def (vm->dom, live);
  vm_save_status (vm);
}

static void vcpu_requery (gpointer user_data);

static void
vcpu_check_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VcpuJob *job = user_data;
  QemuVm *vm = job->vm;
  const char *name = vb_domain_get_name (vm->dom);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) slots = cpu_slots_finish (source, result, &error);
  guint count = slots ? slots_plugged (slots) : 0;

  if (slots)
    vm_set_live_vcpus (vm, count);
  if (job->task == NULL) {
    /* qemu 7.2 reports the ejected vCPU's lapic before the vCPU itself
     * leaves its slot: ask again until it has, for a bounded while */
    if (slots && job->gone && slots_hold (slots, job->gone) && !vm->exited &&
        job->requeries++ < LATE_UNPLUG_REQUERIES) {
      g_timeout_add_once (LATE_UNPLUG_REQUERY_MS, vcpu_requery, job);
      return;
    }
    vcpu_job_free (job);
    return;
  }
  if (vm->exited) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_INVALID_STATE,
                             "domain '%s' stopped while its vCPUs were changed", name);
  } else if (slots == NULL) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "cannot tell the vCPUs '%s' has after the change: %s", name, error->message);
  } else if (job->error) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "cannot change the vCPUs of '%s' to %u: %s; it has %u now", name, job->target,
                             job->error->message, count);
  } else if (count != job->target && job->timed_out) {
    g_autofree char *aliases = NULL;

    g_ptr_array_add (job->unplugging, NULL);
    aliases = g_strjoinv (", ", (char **) job->unplugging->pdata);
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "the guest of '%s' did not release %s within %u s (the unplug request "
                             "stands); it has %u vCPUs now", name, aliases, DETACH_WAIT_MS / 1000, count);
  } else if (count != job->target) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                             "'%s' has %u vCPUs instead of the %u asked for", name, count, job->target);
  } else {
    g_autoptr(GError) store_error = NULL;

    if (!apply_config (vm->driver, vm->dom, &job->config, &store_error))
      g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_FAILED,
                               "'%s' has %u vCPUs now, but the config could not be changed: %s", name, count,
                               store_error->message);
    else
      g_task_return_pointer (job->task, NULL, NULL);
  }
  vcpu_job_free (job);
}

/* Every command answered and every unplug seen (or given up on): ask qemu
 * what it has now. */
static void
vcpu_job_check (VcpuJob *job)
{
  if (job->checking || job->pending > 0 || (job->unplugging->len > 0 && !job->timed_out))
    return;
  job->checking = TRUE;
  if (job->vm->vcpu_unplug == job)
    job->vm->vcpu_unplug = NULL;
  g_clear_handle_id (&job->timeout_id, g_source_remove);
  vb_qemu_monitor_query_hotpluggable_cpus_async (job->vm->mon, NULL, vcpu_check_reply, job);
}

static gboolean
vcpu_unplug_timed_out (gpointer user_data)
{
  VcpuJob *job = user_data;

  job->timeout_id = 0;
  job->timed_out = TRUE;
  vcpu_job_check (job);
  return G_SOURCE_REMOVE;
}

typedef struct {
  VcpuJob *job;
  char *alias;
  gboolean unplug;
} VcpuCall;

static void
vcpu_command_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VcpuCall *call = user_data;
  VcpuJob *job = call->job;
  g_autoptr(GError) error = NULL;

  if (!vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error)) {
    /* refused: no DEVICE_DELETED will come for it */
    if (call->unplug)
      g_ptr_array_remove (job->unplugging, call->alias);
    g_prefix_error (&error, "%s %s: ", call->unplug ? "unplug of" : "plug of", call->alias);
    vcpu_job_fail (job, g_steal_pointer (&error));
  }
  g_free (call->alias);
  g_free (call);
  job->pending--;
  vcpu_job_check (job);
}

/* A device_add of @slot (NULL: a device_del) of the vCPU @alias. */
static void
vcpu_send (VcpuJob *job, const CpuSlot *slot, const char *alias)
{
  VcpuCall *call = g_new0 (VcpuCall, 1);

  call->job = job;
  call->alias = g_strdup (alias);
  call->unplug = slot == NULL;
  job->pending++;
  if (slot)
    vb_qemu_monitor_device_add_async (job->vm->mon, slot->type, alias, slot->props, NULL, vcpu_command_reply, call);
  else
    vb_qemu_monitor_device_del_async (job->vm->mon, alias, NULL, vcpu_command_reply, call);
}

static void
vcpu_plug (VcpuJob *job, GPtrArray *slots, guint count)
{
  for (guint i = 0; i < slots->len && count > 0; i++) {
    const CpuSlot *slot = g_ptr_array_index (slots, i);
    g_autofree char *alias = NULL;

    if (slot->qom_path)
      continue;
    alias = g_strdup_printf (VCPU_ALIAS_PREFIX "%u", i);
    /* one at a time in vCPU order: qemu answers in order */
    vcpu_send (job, slot, alias);
    count--;
  }
}

/* The highest hot-plugged vCPUs go first, as in libvirt. */
static gboolean
vcpu_unplug (VcpuJob *job, GPtrArray *slots, guint count, GError **error)
{
  g_autoptr(GPtrArray) aliases = g_ptr_array_new ();
  guint booted = 0;

  for (guint i = 0; i < slots->len; i++) {
    const CpuSlot *slot = g_ptr_array_index (slots, i);

    if (slot->qom_path && slot_alias (slot) == NULL)
      booted++;
  }
  if (slots_plugged (slots) - count < booted) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "'%s' cannot run with fewer than the %u vCPUs it started with: only hot-plugged vCPUs "
                 "can be unplugged", vb_domain_get_name (job->vm->dom), booted);
    return FALSE;
  }
  for (guint i = slots->len; i > 0 && aliases->len < count; i--) {
    const char *alias = slot_alias (g_ptr_array_index (slots, i - 1));

    if (alias)
      g_ptr_array_add (aliases, (gpointer) alias);
  }
  for (guint i = 0; i < aliases->len; i++) {
    const char *alias = g_ptr_array_index (aliases, i);

    g_ptr_array_add (job->unplugging, g_strdup (alias));
    vcpu_send (job, NULL, alias);
  }
  job->vm->vcpu_unplug = job;
  /* the same wait as for any device: the guest has to let go */
  job->timeout_id = g_timeout_add (DETACH_WAIT_MS, vcpu_unplug_timed_out, job);
  return TRUE;
}

static void
vcpu_plan_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VcpuJob *job = user_data;
  QemuVm *vm = job->vm;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) slots = vb_qemu_monitor_query_hotpluggable_cpus_finish (VB_QEMU_MONITOR (source), result,
                                                                              &error);
  guint current;

  if (slots == NULL) {
    /* e.g. "The feature 'query-hotpluggable-cpus' is not enabled" */
    if (vm->exited)
      g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                               vb_domain_get_name (vm->dom));
    else
      g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "vCPU hot-plug is not supported by the machine of '%s': %s",
                               vb_domain_get_name (vm->dom), error->message);
    vcpu_job_free (job);
    return;
  }
  if (!cpu_slots (slots, &error)) {
    g_task_return_new_error (job->task, VB_ERROR, error->code, "cannot change the vCPUs of '%s' while it runs: %s",
                             vb_domain_get_name (vm->dom), error->message);
    vcpu_job_free (job);
    return;
  }
  current = slots_plugged (slots);
  if (job->target > slots->len) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_INVALID_ARG,
                             "requested cpu amount exceeds the %u vCPU slots of '%s'", slots->len,
                             vb_domain_get_name (vm->dom));
    vcpu_job_free (job);
    return;
  }
  /* Seen with qemu 7.2 under TCG (raw QMP, no daemon involved): the
   * first device_add of a CPU after any CPU was ejected kills qemu with
   * SIGSEGV.  Refusing keeps the guest alive; a fresh start clears it. */
  if (job->target > current && vm->vcpu_removed &&
      g_strcmp0 (vb_domain_get_live_def (vm->dom)->virt_type, "qemu") == 0) {
    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                             "cannot add vCPUs to '%s' after one was removed while it runs: qemu under TCG "
                             "crashes on it; shut the domain down and start it again first",
                             vb_domain_get_name (vm->dom));
    vcpu_job_free (job);
    return;
  }
  if (job->target > current) {
    vcpu_plug (job, slots, job->target - current);
  } else if (job->target < current && !vcpu_unplug (job, slots, current - job->target, &error)) {
    vm_set_live_vcpus (vm, current);
    g_task_return_error (job->task, g_steal_pointer (&error));
    vcpu_job_free (job);
    return;
  }
  vcpu_job_check (job);
}

/* The live XML takes the vCPU count qemu has, once it answers. */
static void
vcpu_requery (gpointer user_data)
{
  VcpuJob *job = user_data;

  if (job->vm->exited) {
    vcpu_job_free (job);
    return;
  }
  vb_qemu_monitor_query_hotpluggable_cpus_async (job->vm->mon, NULL, vcpu_check_reply, job);
}

/* What qemu has now, into the live XML; @gone, when given, is a vCPU the
 * guest just let go of, which the answer must no longer hold. */
static void
vm_refresh_vcpus_after (QemuVm *vm, const char *gone)
{
  VcpuJob *job = vcpu_job_new (vm, NULL, 0);

  job->checking = TRUE;
  job->gone = g_strdup (gone);
  vcpu_requery (job);
}

void
vm_refresh_vcpus (QemuVm *vm)
{
  vm_refresh_vcpus_after (vm, NULL);
}

/* DEVICE_DELETED of a vCPU.  QEMU 7.2 reports only the CPU's lapic for a
 * vCPU the guest ejected ("/machine/peripheral/vcpu3/lapic"), newer ones
 * the CPU itself: either says the vCPU went. */
void
vm_vcpu_deleted (QemuVm *vm, const char *device, const char *path)
{
  g_autofree char *alias = NULL;
  VcpuJob *job = vm->vcpu_unplug;

  if (device && g_str_has_prefix (device, VCPU_ALIAS_PREFIX)) {
    alias = g_strdup (device);
  } else if (path && g_str_has_prefix (path, PERIPHERAL_PATH VCPU_ALIAS_PREFIX)) {
    const char *start = path + strlen (PERIPHERAL_PATH);
    const char *slash = strchr (start, '/');

    alias = slash ? g_strndup (start, slash - start) : g_strdup (start);
  } else {
    return;
  }
  if (!vm->vcpu_removed) {
    vm->vcpu_removed = TRUE;
    vm_save_status (vm);
  }
  if (job && g_ptr_array_remove (job->unplugging, alias)) {
    vcpu_job_check (job);
    return;
  }
  /* an unplug the call stopped waiting for, done now: the live XML follows */
  vm_refresh_vcpus_after (vm, alias);
}

/* libvirt's virDomainSetVcpusFlags.  Live: device_add/device_del of
 * hot-pluggable vCPUs; with the config too, the config changes once the
 * live part succeeded. */
gboolean
domain_set_vcpus (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                  GError **error)
{
  guint count, flags, affect;
  g_autoptr(VbDomainDef) config = NULL;
  VcpuJob *job;

  g_variant_get (args, "(uu)", &count, &flags);
  if (flags & VB_DOMAIN_VCPU_GUEST) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "changing the vCPUs the guest uses needs the guest agent, which is not supported");
    return FALSE;
  }
  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM, error))
    return FALSE;
  affect = flags & (VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG);
  if (!vb_domain_resolve_set_vcpus (dom, count, 0, &affect, error))
    return FALSE;
  if ((affect & VB_DOMAIN_AFFECT_LIVE) && (flags & VB_DOMAIN_VCPU_MAXIMUM)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "maximum vcpu count of a live domain can't be modified");
    return FALSE;
  }
  if (affect & VB_DOMAIN_AFFECT_LIVE) {
    const VbDomainDef *live = vb_domain_get_live_def (dom);

    if (count > live->vcpus) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "requested cpu amount exceeds maximum (%u > %u)",
                   count, live->vcpus);
      return FALSE;
    }
  }
  if (affect & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_set_vcpus (config, count, flags, error))
      return FALSE;
    if (config->cpu && config->cpu->topology_set &&
        config->cpu->sockets * MAX (config->cpu->dies, 1) * MAX (config->cpu->clusters, 1) *
          config->cpu->cores * config->cpu->threads != config->vcpus) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                           "the new maximum does not match the CPU topology");
      return FALSE;
    }
  }
  if (!(affect & VB_DOMAIN_AFFECT_LIVE))
    return apply_config (self, dom, &config, error);

  job = vcpu_job_new (domain_vm (dom), task, count);
  job->config = g_steal_pointer (&config);
  *handed = TRUE;
  vb_qemu_monitor_query_hotpluggable_cpus_async (job->vm->mon, NULL, vcpu_plan_reply, job);
  return TRUE;
}

static guint64
ticks_to_ns (guint64 ticks)
{
  return ticks * (G_USEC_PER_SEC * 1000 / (guint64) sysconf (_SC_CLK_TCK));
}

/* vcpu.<n>.state and vcpu.<n>.time of every vCPU qemu runs.  Its threads
 * are named "CPU <n>/TCG" (or /KVM) by the debug-threads=on of every
 * command line of ours, <n> being qemu's cpu-index, which is the vCPU
 * number: /proc tells without a monitor round trip, which a read must not
 * wait for. */
void
add_vcpu_thread_stats (QemuVm *vm, guint max_vcpus, GVariantBuilder *b)
{
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", vm->pid);
  g_autoptr(GDir) dir = g_dir_open (task_dir, 0, NULL);
  g_autofree gint64 *ticks = g_new (gint64, max_vcpus);
  const char *tid;

  for (guint i = 0; i < max_vcpus; i++)
    ticks[i] = -1;
  while (dir && (tid = g_dir_read_name (dir)) != NULL) {
    g_autofree char *comm_path = g_build_filename (task_dir, tid, "comm", NULL);
    g_autofree char *stat_path = g_build_filename (task_dir, tid, "stat", NULL);
    g_autofree char *comm = NULL;
    guint64 n, thread_ticks = 0;
    char *end;

    if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_has_prefix (comm, "CPU "))
      continue;
    n = g_ascii_strtoull (comm + 4, &end, 10);
    if (end == comm + 4 || *end != '/' || n >= max_vcpus || !read_stat_file (stat_path, NULL, NULL, &thread_ticks))
      continue;
    ticks[n] = (gint64) thread_ticks;
  }
  for (guint i = 0; i < max_vcpus; i++) {
    g_autofree char *state_key = NULL;
    g_autofree char *time_key = NULL;

    if (ticks[i] < 0)
      continue;
    state_key = g_strdup_printf ("vcpu.%u.state", i);
    time_key = g_strdup_printf ("vcpu.%u.time", i);
    /* VIR_VCPU_RUNNING: qemu has the vCPU */
    g_variant_builder_add (b, "{sv}", state_key, g_variant_new_int32 (1));
    g_variant_builder_add (b, "{sv}", time_key, g_variant_new_uint64 (ticks_to_ns ((guint64) ticks[i])));
  }
}
