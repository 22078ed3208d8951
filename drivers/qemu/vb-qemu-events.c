/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* QMP events: what each event of a running guest changes in the domain and
 * which events it reports. */
#include "vb-qemu-private.h"

#include <string.h>

#include <glib/gstdio.h>

void
vm_set_paused (QemuVm *vm, int reason)
{
  VbDomainState state = vb_domain_get_state (vm->dom, NULL);

  if (state != VB_DOMAIN_RUNNING)
    return;
  vb_domain_set_state (vm->dom, VB_DOMAIN_PAUSED, reason);
  vm_save_status (vm);
  vb_driver_emit_domain_event (VB_DRIVER (vm->driver), vm->dom, VB_DOMAIN_EVENT_SUSPENDED,
                               reason == VB_DOMAIN_PAUSED_IOERROR ? VB_DOMAIN_EVENT_SUSPENDED_IOERROR
                                                                  : VB_DOMAIN_EVENT_SUSPENDED_PAUSED);
}

/* BLOCK_IO_ERROR: libvirt's IOError signal, and with werror=stop the STOP
 * that follows is a pause for an I/O error. */
static void
vm_block_io_error (QemuVm *vm, const VbQemuEvent *event)
{
  const char *device = event->block_io_error.device ? event->block_io_error.device : "";
  /* hot-plugged disks have no BlockBackend name, only their node */
  const char *node = event->block_io_error.node_name ? event->block_io_error.node_name : "";
  const char *action = event->block_io_error.action ? event->block_io_error.action : "";
  const char *backend = *device ? device : node;
  const char *alias = g_str_has_prefix (backend, "drive-") ? backend + strlen ("drive-") : backend;
  GPtrArray *disks = vb_domain_def_get_devices (vb_domain_get_current_def (vm->dom), VB_DOMAIN_DEVICE_DISK);
  const char *path = NULL;
  VbDomainIOErrorAction io_action = g_str_equal (action, "stop") ? VB_DOMAIN_IO_ERROR_PAUSE
                                    : g_str_equal (action, "report") ? VB_DOMAIN_IO_ERROR_REPORT
                                    : VB_DOMAIN_IO_ERROR_NONE;

  for (guint i = 0; disks && i < disks->len; i++) {
    VbDomainDiskDef *disk = g_ptr_array_index (disks, i);
    g_autofree char *disk_alias = vb_qemu_device_alias (&disk->info);

    if (g_strcmp0 (disk_alias, alias) == 0 && disk->source)
      path = disk->source;
  }
  if (io_action == VB_DOMAIN_IO_ERROR_PAUSE)
    vm->pause_reason = VB_DOMAIN_PAUSED_IOERROR;
  vb_driver_emit_event (VB_DRIVER (vm->driver), vm->dom, &(VbEvent) {
    .kind = VB_EVENT_DOMAIN_IO_ERROR,
    .io_error = { path, alias, io_action, event->block_io_error.reason } });
}

void
vm_set_running (QemuVm *vm, int reason)
{
  VbDomainState state = vb_domain_get_state (vm->dom, NULL);

  if (state != VB_DOMAIN_PAUSED)
    return;
  vb_domain_set_state (vm->dom, VB_DOMAIN_RUNNING, reason);
  vm_save_status (vm);
  vb_driver_emit_domain_event (VB_DRIVER (vm->driver), vm->dom, VB_DOMAIN_EVENT_RESUMED,
                               VB_DOMAIN_EVENT_RESUMED_UNPAUSED);
}

/* The guest put itself to sleep (ACPI S3, qemu's SUSPEND) or into
 * hibernation (S4, SUSPEND_DISK, after which it powers off), as libvirt
 * reports them: state pmsuspended, the lifecycle event and the
 * PMSuspend/PMSuspendDisk signal. */
void
vm_set_pmsuspended (QemuVm *vm, gboolean disk)
{
  VbDriver *driver = VB_DRIVER (vm->driver);

  if (vb_domain_get_state (vm->dom, NULL) != VB_DOMAIN_PMSUSPENDED) {
    vb_domain_set_state (vm->dom, VB_DOMAIN_PMSUSPENDED, 0 /* VIR_DOMAIN_PMSUSPENDED_UNKNOWN */);
    vm_save_status (vm);
  }
  vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_PMSUSPENDED,
                               disk ? VB_DOMAIN_EVENT_PMSUSPENDED_DISK : VB_DOMAIN_EVENT_PMSUSPENDED_MEMORY);
  vb_driver_emit_event (driver, vm->dom, &(VbEvent) {
    .kind = disk ? VB_EVENT_DOMAIN_PM_SUSPEND_DISK : VB_EVENT_DOMAIN_PM_SUSPEND });
}

/* WAKEUP: a sleeping guest runs again (libvirt's started/wakeup); the
 * PMWakeup signal comes whatever the state was. */
static void
vm_woke_up (QemuVm *vm)
{
  VbDriver *driver = VB_DRIVER (vm->driver);

  if (vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_PMSUSPENDED) {
    vb_domain_set_state (vm->dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_WAKEUP);
    vm_save_status (vm);
    vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_STARTED, VB_DOMAIN_EVENT_STARTED_WAKEUP);
  }
  vb_driver_emit_event (driver, vm->dom, &(VbEvent) { .kind = VB_EVENT_DOMAIN_PM_WAKEUP });
}

static void vm_tray_moved (QemuVm *vm, const VbQemuEvent *event);

void
on_monitor_event (VbQemuMonitor *mon, const VbQemuEvent *event, gpointer user_data)
{
  QemuVm *vm = user_data;
  VbDriver *driver = VB_DRIVER (vm->driver);

  /* while starting or saving, the state is ours to set at the end */
  if (vm->starting || vm->exited ||
      ((vm->saving || vm->dumping) && (event->type == VB_QEMU_EVENT_STOP || event->type == VB_QEMU_EVENT_RESUME)))
    return;
  switch (event->type) {
  case VB_QEMU_EVENT_STOP:
    vm_set_paused (vm, vm->pause_reason);
    if (vm->pause_reason == VB_DOMAIN_PAUSED_IOERROR)
      vm->pause_reason = VB_DOMAIN_PAUSED_UNKNOWN;
    break;
  case VB_QEMU_EVENT_RESUME:
    vm_set_running (vm, VB_DOMAIN_RUNNING_UNPAUSED);
    break;
  case VB_QEMU_EVENT_SHUTDOWN:
    if (vm->destroying || vm->shutdown_seen || vm->saved || vm->dump_crashed)
      return;
    vm->shutdown_seen = TRUE;
    vb_domain_set_state (vm->dom, VB_DOMAIN_SHUTDOWN, QEMU_DOMAIN_SHUTDOWN_USER);
    vm_save_status (vm);
    vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_SHUTDOWN,
                                 event->shutdown.guest ? VB_DOMAIN_EVENT_SHUTDOWN_GUEST
                                                       : VB_DOMAIN_EVENT_SHUTDOWN_HOST);
    break;
  case VB_QEMU_EVENT_BLOCK_IO_ERROR:
    vm_block_io_error (vm, event);
    break;
  case VB_QEMU_EVENT_BALLOON_CHANGE: {
    guint64 actual = event->balloon_change.actual;

    vb_driver_emit_event (driver, vm->dom, &(VbEvent) {
      .kind = VB_EVENT_DOMAIN_BALLOON_CHANGE, .balloon_change = { actual / 1024 } });
    break;
  }
  case VB_QEMU_EVENT_DEVICE_DELETED:
    vm_device_deleted (vm, event->device_deleted.device);
    vm_vcpu_deleted (vm, event->device_deleted.device, event->device_deleted.path);
    break;
  case VB_QEMU_EVENT_RESET:
    vb_driver_emit_event (driver, vm->dom, &(VbEvent) { .kind = VB_EVENT_DOMAIN_REBOOT });
    break;
  case VB_QEMU_EVENT_SUSPEND:
  case VB_QEMU_EVENT_SUSPEND_DISK:
    vm_set_pmsuspended (vm, event->type == VB_QEMU_EVENT_SUSPEND_DISK);
    break;
  case VB_QEMU_EVENT_WAKEUP:
    vm_woke_up (vm);
    break;
  case VB_QEMU_EVENT_RTC_CHANGE: {
    gint64 offset = event->rtc_change.offset;

    vb_driver_emit_event (driver, vm->dom, &(VbEvent) {
      .kind = VB_EVENT_DOMAIN_RTC_CHANGE, .rtc_change = { offset } });
    break;
  }
  case VB_QEMU_EVENT_DEVICE_TRAY_MOVED:
    vm_tray_moved (vm, event);
    break;
  case VB_QEMU_EVENT_GUEST_PANICKED:
    vb_domain_set_state (vm->dom, VB_DOMAIN_CRASHED, QEMU_DOMAIN_CRASHED_PANICKED);
    vm_save_status (vm);
    vb_driver_emit_domain_event (driver, vm->dom, VB_DOMAIN_EVENT_CRASHED, VB_DOMAIN_EVENT_CRASHED_PANICKED);
    break;
  case VB_QEMU_EVENT_OTHER:
  default:
    break;
  }
}

void
on_monitor_closed (VbQemuMonitor *mon, GError *reason, gpointer user_data)
{
  QemuVm *vm = user_data;

  if (vm->exited)
    return;
  if (vm->starting) {
    vm_fail_start (vm, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU monitor of '%s': %s",
                                    vb_domain_get_name (vm->dom), reason ? reason->message : "closed"));
    return;
  }
  vm_watch_foreign (vm);
}

/* DEVICE_TRAY_MOVED: libvirt's TrayChange, by the disk's alias. */
static void
vm_tray_moved (QemuVm *vm, const VbQemuEvent *event)
{
  const char *alias = event->tray_moved.id;
  gboolean tray_open = event->tray_moved.tray_open;

  if (alias == NULL || *alias == '\0')
    return;
  vb_driver_emit_event (VB_DRIVER (vm->driver), vm->dom, &(VbEvent) {
    .kind = VB_EVENT_DOMAIN_TRAY_CHANGE,
    .tray_change = { alias, tray_open ? VB_DOMAIN_TRAY_CHANGE_OPEN : VB_DOMAIN_TRAY_CHANGE_CLOSE } });
}
