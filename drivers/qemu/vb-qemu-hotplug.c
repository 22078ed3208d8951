/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Hot-plug: attaching, detaching and updating devices of a running domain, and its balloon. */
#include "vb-qemu-private.h"
#include "vb-qemu-confine.h"

#include <string.h>

#include <glib/gstdio.h>

void
detach_free (Detach *d)
{
  g_clear_handle_id (&d->timeout_id, g_source_remove);
  if (d->task)
    g_task_return_new_error (d->task, VB_ERROR, VB_ERROR_FAILED, "the domain stopped before the device was removed");
  g_clear_object (&d->task);
  g_free (d->xml);
  g_free (d->backend);
  g_free (d);
}

/* Hot-plug ---------------------------------------------------------------------- */

/* virDomainModificationImpact resolved against the domain's state. */
gboolean
resolve_affect (VbDomain *dom, guint *flags, GError **error)
{
  if (!vb_check_flags (*flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG, error))
    return FALSE;
  return vb_domain_resolve_affect (dom, flags, error);
}

typedef struct {
  GTask *task;
  QemuVm *vm;
  VbDomainDef *live;    /* live definition with the new device */
  VbDomainDef *config;  /* persistent one with it too, or NULL */
  char *alias;
  char *backend;
  gboolean is_disk;
  gboolean backend_added;
  gboolean lent;        /* the disk's file, to a confined qemu's user */
  guint pending;        /* replies outstanding: they may come in any order when the monitor closes */
  GError *error;
  QemuNic *nic;         /* the device plugged for a network/bridge/direct NIC */
  char *fdname;         /* its fd's name in qemu (getfd) */
  VbDomainInterfaceDef *iface; /* in @live: the NIC whose device is being made */
  VbDomainDiskDef *disk;       /* in @live: the disk attached, or NULL */
  const char *device;          /* qemu's device type */
  GVariant *device_props;
} Attach;

/* Confined guests open a disk's file as the qemu user: what is plugged
 * is lent for as long as a disk of the guest names it. */
static gboolean
disk_source_used (const VbDomainDef *def, const char *path)
{
  for (guint i = 0; def && def->disks && i < def->disks->len; i++)
    if (g_strcmp0 (((VbDomainDiskDef *) g_ptr_array_index (def->disks, i))->source, path) == 0)
      return TRUE;
  return FALSE;
}

static char *
disk_source_of (const VbDomainDef *def, const char *alias)
{
  for (guint i = 0; def && def->disks && alias && i < def->disks->len; i++) {
    VbDomainDiskDef *disk = g_ptr_array_index (def->disks, i);
    g_autofree char *name = vb_qemu_device_alias (&disk->info);

    if (g_strcmp0 (name, alias) == 0)
      return g_strdup (disk->source);
  }
  return NULL;
}

static void
unlend_unless_used (QemuVm *vm, const VbDomainDef *live, const char *path)
{
  if (vm->driver->system && path && !disk_source_used (live, path))
    vb_qemu_confine_unlend (vb_domain_get_uuid_string (vm->dom), path);
}

static void
attach_free (Attach *a)
{
  g_clear_pointer (&a->nic, nic_free);
  g_free (a->fdname);
  g_clear_object (&a->task);
  vm_unref (a->vm);
  g_clear_pointer (&a->live, vb_domain_def_free);
  g_clear_pointer (&a->config, vb_domain_def_free);
  g_free (a->alias);
  g_free (a->backend);
  g_clear_error (&a->error);
  g_clear_pointer (&a->device_props, g_variant_unref);
  g_free (a);
}

static void attach_finish (Attach *a);

/* The backend of a device that is gone, or never came. */
static void
backend_del (QemuVm *vm, gboolean is_disk, const char *backend)
{
  if (is_disk)
    vb_qemu_monitor_blockdev_del_async (vm->mon, backend, NULL, NULL, NULL);
  else
    vb_qemu_monitor_netdev_del_async (vm->mon, backend, NULL, NULL, NULL);
}

static void
attach_backend_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attach *a = user_data;
  g_autoptr(GError) error = NULL;

  if (vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error))
    a->backend_added = TRUE;
  else if (a->error == NULL)
    a->error = g_steal_pointer (&error);
  if (--a->pending == 0)
    attach_finish (a);
}

static void
attach_device_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attach *a = user_data;
  g_autoptr(GError) error = NULL;

  if (!vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error) && a->error == NULL)
    a->error = g_steal_pointer (&error);
  if (--a->pending == 0)
    attach_finish (a);
}

static void
attach_finish (Attach *a)
{
  QemuVm *vm = a->vm;

  if (a->error) {
    /* no half-plugged device: drop the backend again */
    if (a->backend_added && !vm->exited)
      backend_del (vm, a->is_disk, a->backend);
    if (a->lent)
      unlend_unless_used (vm, vb_domain_get_live_def (vm->dom), a->disk->source);
    if (a->nic) {
      /* qemu may still hold the fd by name when netdev_add failed */
      if (!vm->exited)
        vb_qemu_monitor_closefd_async (vm->mon, a->fdname, NULL, NULL, NULL);
      nic_release (vm->driver, a->nic);
    }
    g_task_return_new_error (a->task, VB_ERROR, VB_ERROR_FAILED, "cannot attach the device to '%s': %s",
                             vb_domain_get_name (vm->dom), a->error->message);
    attach_free (a);
    return;
  }
  if (!vm->exited) {
    g_autoptr(GError) store_error = NULL;

    vb_domain_set_live_def (vm->dom, g_steal_pointer (&a->live));
    if (a->nic)
      g_ptr_array_add (vm->nics, g_steal_pointer (&a->nic));
    vm_save_status (vm);
    if (!apply_config (vm->driver, vm->dom, &a->config, &store_error))
      g_warning ("domain '%s': device attached live, but not to the config: %s",
                 vb_domain_get_name (vm->dom), store_error->message);
    vb_driver_emit_event (VB_DRIVER (vm->driver), vm->dom, &(VbEvent) {
      .kind = VB_EVENT_DOMAIN_DEVICE_ADDED, .device = { a->alias } });
  } else if (a->nic) {
    /* the guest went while the device was plugged: the run's end
     * released the others already */
    nic_release (vm->driver, a->nic);
  }
  g_task_return_pointer (a->task, NULL, NULL);
  attach_free (a);
}

/* The device just appended to @live (the last disk or interface). */
static VbDomainDeviceInfo *
last_device_info (VbDomainDef *live, VbDomainDeviceKind kind, gpointer *out_dev)
{
  GPtrArray *devs = vb_domain_def_get_devices (live, kind);

  if (devs == NULL || devs->len == 0)
    return NULL;
  *out_dev = g_ptr_array_index (devs, devs->len - 1);
  return kind == VB_DOMAIN_DEVICE_DISK ? &((VbDomainDiskDef *) *out_dev)->info
                                       : &((VbDomainInterfaceDef *) *out_dev)->info;
}

/* Hands the device to qemu: its backend (with the NIC's fd, @tap_fd,
 * passed first) and the device itself. */
static void
attach_send (Attach *a, int tap_fd)
{
  a->pending = 2;
  if (a->nic) {
    a->pending++;
    vb_qemu_monitor_getfd_async (a->vm->mon, a->fdname, tap_fd, NULL, attach_device_reply, a);
  }
  if (a->disk)
    vb_qemu_monitor_blockdev_add_file_async (a->vm->mon, a->backend,
                                             a->disk->driver_type ? a->disk->driver_type : "raw",
                                             a->disk->source, a->disk->readonly, NULL, attach_backend_reply, a);
  else
    vb_qemu_monitor_netdev_add_async (a->vm->mon, a->nic ? "tap" : "user", a->backend, a->fdname, NULL,
                                      attach_backend_reply, a);
  vb_qemu_monitor_device_add_async (a->vm->mon, a->device, a->alias, a->device_props, NULL, attach_device_reply, a);
}

static void
attach_lent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attach *a = user_data;
  GError *error = NULL;

  if (!vb_qemu_confine_lend_finish (result, &error)) {
    g_task_return_error (a->task, error);
    attach_free (a);
    return;
  }
  a->lent = TRUE;
  if (a->vm->exited) {
    /* the run's end gave back what it knew of before this */
    vb_qemu_confine_unlend (vb_domain_get_uuid_string (a->vm->dom), a->disk->source);
    g_task_return_new_error (a->task, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                             vb_domain_get_name (a->vm->dom));
    attach_free (a);
    return;
  }
  attach_send (a, -1);
}

static void
attach_plugged (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attach *a = user_data;
  GError *error = NULL;
  int tap_fd;

  a->nic = plug_interface_finish (VB_QEMU_DRIVER (source), result, &tap_fd, &error);
  if (a->nic == NULL) {
    g_task_return_error (a->task, error);
    attach_free (a);
    return;
  }
  if (a->vm->exited) {
    /* the guest went while its device was being made */
    close (tap_fd);
    nic_release (a->vm->driver, a->nic);
    g_task_return_new_error (a->task, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                             vb_domain_get_name (a->vm->dom));
    attach_free (a);
    return;
  }
  vb_network_port_show_in_interface (a->iface, a->nic->port, a->nic->ifname);
  a->fdname = g_strdup_printf ("fd-%s", a->alias);
  attach_send (a, tap_fd);
}

gboolean
domain_attach (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  const char *xml;
  guint flags;
  g_autoptr(VbDomainDevice) parsed = NULL;
  g_autoptr(VbDomainDef) config = NULL;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(GVariant) device_props = NULL;
  const char *device = "virtio-blk-pci";
  VbDomainDiskDef *disk = NULL;
  VbDomainDeviceInfo *info;
  gpointer dev = NULL;
  Attach *a;
  char mac[18];

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!resolve_affect (dom, &flags, error) || (parsed = vb_domain_device_parse (xml, error)) == NULL)
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_attach_device (config, xml, error))
      return FALSE;
  }
  if (!(flags & VB_DOMAIN_AFFECT_LIVE)) {
    return apply_config (self, dom, &config, error);
  }

  if (parsed->kind != VB_DOMAIN_DEVICE_DISK && parsed->kind != VB_DOMAIN_DEVICE_INTERFACE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "live attach of <%s> is not supported",
                 vb_domain_device_kind_to_string (parsed->kind));
    return FALSE;
  }
  live = vb_domain_def_copy (vb_domain_get_live_def (dom));
  if (!vb_domain_def_attach_device (live, xml, error))
    return FALSE;
  info = last_device_info (live, parsed->kind, &dev);
  g_assert (info != NULL);
  a = g_new0 (Attach, 1);
  a->is_disk = parsed->kind == VB_DOMAIN_DEVICE_DISK;
  if (a->is_disk) {
    const char *fmt;

    disk = dev;
    fmt = disk->driver_type ? disk->driver_type : "raw";
    if (g_strcmp0 (disk->target_bus, "virtio") != 0 || g_strcmp0 (disk->device, "cdrom") == 0 ||
        (disk->type && !g_str_equal (disk->type, "file")) || disk->source == NULL ||
        (!g_str_equal (fmt, "raw") && !g_str_equal (fmt, "qcow2"))) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "live attach supports file disks (raw, qcow2) on the virtio bus");
      attach_free (a);
      return FALSE;
    }
    if (!g_file_test (disk->source, G_FILE_TEST_EXISTS)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "cannot access storage file '%s': No such file or directory",
                   disk->source);
      attach_free (a);
      return FALSE;
    }
    a->alias = vb_qemu_next_alias (live, vb_qemu_disk_alias_prefix (disk));
    a->backend = g_strdup_printf ("drive-%s", a->alias);
    device_props = g_variant_ref_sink (g_variant_new_parsed ("{'drive': <%s>}", a->backend));
  } else {
    VbDomainInterfaceDef *iface = dev;
    gboolean tap = vb_qemu_interface_uses_tap (iface);

    device = vb_qemu_nic_device (iface->model);
    if ((g_strcmp0 (iface->type, "user") != 0 && !tap) || device == NULL) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "live attach supports interfaces of type user, network, bridge, direct and ethernet "
                           "(virtio, e1000, e1000e, rtl8139)");
      attach_free (a);
      return FALSE;
    }
    a->alias = vb_qemu_next_alias (live, "net");
    a->backend = g_strdup_printf ("host%s", a->alias);
    vb_mac_format (&iface->mac, mac);
    if (tap) {
      /* the device first, as at start; its fd goes to qemu by name */
      vb_qemu_set_alias (&iface->info, a->alias);
      a->iface = iface;
    }
    if (vb_qemu_interface_guest_mtu (iface) > 0)
      device_props = g_variant_ref_sink (g_variant_new_parsed ("{'netdev': <%s>, 'mac': <%s>, 'host_mtu': <%u>}",
                                                               a->backend, mac, vb_qemu_interface_guest_mtu (iface)));
    else
      device_props = g_variant_ref_sink (g_variant_new_parsed ("{'netdev': <%s>, 'mac': <%s>}", a->backend, mac));
  }
  vb_qemu_set_alias (info, a->alias);
  a->task = g_object_ref (task);
  a->vm = vm_ref (domain_vm (dom));
  a->live = g_steal_pointer (&live);
  a->config = g_steal_pointer (&config);
  a->disk = disk;
  a->device = device;
  a->device_props = g_steal_pointer (&device_props);
  *handed = TRUE;
  if (a->iface) {
    plug_interface_async (self, dom, a->iface, attach_plugged, a);
    return TRUE;
  }
  if (a->disk && self->system) {
    vb_qemu_confine_lend_async (vb_config_store_get_run_dir (self->store), vb_domain_get_uuid_string (dom),
                                a->disk->source, attach_lent, a);
    return TRUE;
  }
  attach_send (a, -1);
  return TRUE;
}

/* The detach of @alias is complete: its signal, then the caller's answer. */
static void
device_removed (QemuVm *vm, const char *alias, GTask *task)
{
  vb_driver_emit_event (VB_DRIVER (vm->driver), vm->dom, &(VbEvent) {
    .kind = VB_EVENT_DOMAIN_DEVICE_REMOVED, .device = { alias } });
  if (task)
    g_task_return_pointer (task, NULL, NULL);
}

typedef struct {
  QemuVm *vm;
  char *alias;
  GTask *task;
} NicRemoval;

static void
nic_removal_free (NicRemoval *r)
{
  vm_unref (r->vm);
  g_free (r->alias);
  g_clear_object (&r->task);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NicRemoval, nic_removal_free)

static void
nic_device_released (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(NicRemoval) r = user_data;

  vb_network_driver_released_finish (VB_NETWORK_DRIVER (source), result);
  device_removed (r->vm, r->alias, g_steal_pointer (&r->task));
}

/* DEVICE_DELETED: the guest let go; now the device leaves the live XML. */
void
vm_device_deleted (QemuVm *vm, const char *alias)
{
  Detach *d = alias ? g_hash_table_lookup (vm->detaches, alias) : NULL;
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unplugged_source = NULL;

  if (d == NULL)
    return;
  if (d->is_disk)
    unplugged_source = disk_source_of (vb_domain_get_live_def (vm->dom), alias);
  live = vb_domain_def_copy (vb_domain_get_live_def (vm->dom));
  if (vb_domain_def_detach_device (live, d->xml, &error)) {
    vb_domain_set_live_def (vm->dom, g_steal_pointer (&live));
    vm_save_status (vm);
    unlend_unless_used (vm, vb_domain_get_live_def (vm->dom), unplugged_source);
  } else {
    g_warning ("domain '%s': %s", vb_domain_get_name (vm->dom), error->message);
  }
  backend_del (vm, d->is_disk, d->backend);
  if (!d->is_disk && vm->driver->net) {
    NicRemoval *r = g_new0 (NicRemoval, 1);

    r->vm = vm_ref (vm);
    r->alias = g_strdup (alias);
    r->task = g_steal_pointer (&d->task);
    vm_release_nic (vm, alias);
    vm_save_status (vm);
    g_hash_table_remove (vm->detaches, r->alias);
    /* as a stop, the detach is complete once the kernel worker deleted
     * the NIC's tap or macvtap */
    vb_network_driver_released_async (vm->driver->net, nic_device_released, r);
    return;
  }
  if (!d->is_disk) {
    vm_release_nic (vm, alias);
    vm_save_status (vm);
  }
  device_removed (vm, alias, g_steal_pointer (&d->task));
  g_hash_table_remove (vm->detaches, alias);
}

static gboolean
detach_timed_out (gpointer user_data)
{
  Detach *d = user_data;

  /* libvirt's answer too: the request stands, the event tells the rest */
  d->timeout_id = 0;
  if (d->task)
    g_task_return_pointer (g_steal_pointer (&d->task), NULL, NULL);
  return G_SOURCE_REMOVE;
}

typedef struct {
  QemuVm *vm;
  char *alias;
} DetachCall;

static void
detach_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DetachCall *call = user_data;
  g_autoptr(QemuVm) vm = call->vm;
  g_autofree char *alias = call->alias;
  g_autoptr(GError) error = NULL;
  gboolean ok = vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error);
  Detach *d = vm->detaches ? g_hash_table_lookup (vm->detaches, alias) : NULL;

  g_free (call);
  if (ok || d == NULL)
    return;
  if (d->task)
    g_task_return_new_error (g_steal_pointer (&d->task), VB_ERROR, VB_ERROR_FAILED,
                             "cannot detach '%s' from '%s': %s", alias, vb_domain_get_name (vm->dom), error->message);
  g_hash_table_remove (vm->detaches, alias);
}

gboolean
domain_detach (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  const char *xml;
  guint flags;
  g_autoptr(VbDomainDevice) parsed = NULL;
  g_autoptr(VbDomainDef) config = NULL;
  const VbDomainDef *live;
  GPtrArray *devs;
  g_autofree char *alias = NULL;
  QemuVm *vm;
  Detach *d;
  DetachCall *call;

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!resolve_affect (dom, &flags, error) || (parsed = vb_domain_device_parse (xml, error)) == NULL)
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_detach_device (config, xml, error))
      return FALSE;
  }
  if (!(flags & VB_DOMAIN_AFFECT_LIVE))
    return apply_config (self, dom, &config, error);

  if (parsed->kind != VB_DOMAIN_DEVICE_DISK && parsed->kind != VB_DOMAIN_DEVICE_INTERFACE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "live detach of <%s> is not supported",
                 vb_domain_device_kind_to_string (parsed->kind));
    return FALSE;
  }
  live = vb_domain_get_live_def (dom);
  devs = vb_domain_def_get_devices (live, parsed->kind);
  for (guint i = 0; devs && i < devs->len && alias == NULL; i++) {
    if (parsed->kind == VB_DOMAIN_DEVICE_DISK) {
      VbDomainDiskDef *disk = g_ptr_array_index (devs, i);
      if (g_strcmp0 (disk->target_dev, ((VbDomainDiskDef *) parsed->data)->target_dev) == 0)
        alias = vb_qemu_device_alias (&disk->info);
    } else {
      VbDomainInterfaceDef *iface = g_ptr_array_index (devs, i);
      if (memcmp (&iface->mac, &((VbDomainInterfaceDef *) parsed->data)->mac, sizeof iface->mac) == 0)
        alias = vb_qemu_device_alias (&iface->info);
    }
  }
  if (alias == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no matching device found in the running domain");
    return FALSE;
  }
  vm = domain_vm (dom);
  if (g_hash_table_contains (vm->detaches, alias)) {
    g_set_error (error, VB_ERROR, VB_ERROR_BUSY, "removal of '%s' is already in progress", alias);
    return FALSE;
  }
  /* the config part is done at once: the live part may wait on the guest */
  if (!apply_config (self, dom, &config, error))
    return FALSE;
  d = g_new0 (Detach, 1);
  d->task = g_object_ref (task);
  d->xml = g_strdup (xml);
  d->is_disk = parsed->kind == VB_DOMAIN_DEVICE_DISK;
  d->backend = g_strdup_printf ("%s%s", d->is_disk ? "drive-" : "host", alias);
  d->timeout_id = g_timeout_add (DETACH_WAIT_MS, detach_timed_out, d);
  g_hash_table_insert (vm->detaches, g_strdup (alias), d);
  call = g_new0 (DetachCall, 1);
  call->vm = vm_ref (vm);
  call->alias = g_strdup (alias);
  *handed = TRUE;
  vb_qemu_monitor_device_del_async (vm->mon, alias, NULL, detach_reply, call);
  return TRUE;
}

/* Tuning -------------------------------------------------------------------------- */

typedef struct {
  GTask *task;
  QemuVm *vm;
  guint64 kib;
} BalloonCall;

static void
balloon_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BalloonCall *call = user_data;
  QemuVm *vm = call->vm;
  g_autoptr(GError) error = NULL;

  if (!vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error)) {
    g_task_return_new_error (call->task, VB_ERROR, VB_ERROR_FAILED, "cannot set the memory of '%s': %s",
                             vb_domain_get_name (vm->dom), error->message);
  } else {
    if (!vm->exited) {
      VbDomainDef *live = vb_domain_def_copy (vb_domain_get_live_def (vm->dom));

      live->current_memory_kib = call->kib;
      vb_domain_set_live_def (vm->dom, live);
      vm_save_status (vm);
    }
    g_task_return_pointer (call->task, NULL, NULL);
  }
  g_object_unref (call->task);
  vm_unref (call->vm);
  g_free (call);
}

gboolean
domain_set_memory (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                   GError **error)
{
  guint64 kib;
  guint flags;
  g_autoptr(VbDomainDef) config = NULL;
  BalloonCall *call;
  const VbDomainDef *live;

  g_variant_get (args, "(tu)", &kib, &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_MEM_MAXIMUM, error) ||
      !vb_domain_resolve_set_memory (dom, kib, &flags, FALSE, error))
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_set_memory (config, kib, flags, error))
      return FALSE;
  }
  if (flags & VB_DOMAIN_AFFECT_LIVE) {
    live = vb_domain_get_live_def (dom);
    if (kib > live->memory_kib) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot set memory higher than max memory");
      return FALSE;
    }
    if (live->memballoon == NULL || g_strcmp0 (live->memballoon->model, "virtio") != 0) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "the running domain has no memory balloon to change its memory with");
      return FALSE;
    }
  }
  if (!apply_config (self, dom, &config, error))
    return FALSE;
  if (!(flags & VB_DOMAIN_AFFECT_LIVE))
    return TRUE;
  call = g_new0 (BalloonCall, 1);
  call->task = g_object_ref (task);
  call->vm = vm_ref (domain_vm (dom));
  call->kib = kib;
  *handed = TRUE;
  vb_qemu_monitor_balloon_async (call->vm->mon, kib * 1024, NULL, balloon_reply, call);
  return TRUE;
}

/* Takes the <link> out of the device's untyped children (NULL: none). */
static xmlNode *
info_steal_link (VbDomainDeviceInfo *info)
{
  xmlNode *link = info_link (info);
  guint index;

  if (link == NULL || !g_ptr_array_find (info->extra, link, &index))
    return NULL;
  return g_ptr_array_steal_index (info->extra, index);
}

static void
info_add_link (VbDomainDeviceInfo *info, xmlNode *link)
{
  if (link == NULL)
    return;
  if (info->extra == NULL)
    info->extra = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_xml_opaque_free);
  g_ptr_array_add (info->extra, link);
}

/* Moves the <link> elements between @a and @b (either may have none). */
static void
swap_links (VbDomainDeviceInfo *a, VbDomainDeviceInfo *b)
{
  xmlNode *la = info_steal_link (a);
  xmlNode *lb = info_steal_link (b);

  info_add_link (a, lb);
  info_add_link (b, la);
}

#define SWAP_FIELD(a, b, field) \
  G_STMT_START { gpointer tmp_ = (a)->field; (a)->field = (b)->field; (b)->field = tmp_; } G_STMT_END

/* The media of a disk: what a cdrom's media change replaces. */
static void
swap_media (VbDomainDiskDef *a, VbDomainDiskDef *b)
{
  SWAP_FIELD (a, b, type);
  SWAP_FIELD (a, b, source);
  SWAP_FIELD (a, b, source_protocol);
  SWAP_FIELD (a, b, source_volume);
  SWAP_FIELD (a, b, source_node);
  SWAP_FIELD (a, b, driver_type);
}

static char *
device_xml (VbDomainDeviceKind kind, gpointer data)
{
  VbDomainDevice dev = { kind, data };

  return vb_domain_device_format (&dev, VB_DOMAIN_FORMAT_SECURE);
}

#define INHERIT_STRING(to, from, field) \
  G_STMT_START { if ((to)->field == NULL && (from)->field) (to)->field = g_strdup ((from)->field); } G_STMT_END

/* What the running domain shows of a NIC's plumbing (vb_network_port_show_in_interface)
 * is not the caller's to repeat: an update without it keeps it. */
static void
iface_inherit_actual (VbDomainInterfaceDef *update, const VbDomainInterfaceDef *old)
{
  if (g_strcmp0 (update->type, old->type) != 0)
    return;
  INHERIT_STRING (update, old, target);
  INHERIT_STRING (update, old, portid);
  INHERIT_STRING (update, old, portgroup);
  if (g_strcmp0 (old->type, "network") == 0) {
    INHERIT_STRING (update, old, bridge);
    INHERIT_STRING (update, old, dev);
    INHERIT_STRING (update, old, mode);
  }
  if (update->virtualport == NULL && old->virtualport)
    update->virtualport = vb_virtualport_copy (old->virtualport);
  if (update->vlan == NULL && old->vlan)
    update->vlan = vb_vlan_copy (old->vlan);
  if (update->bandwidth == NULL && old->bandwidth)
    update->bandwidth = vb_bandwidth_copy (old->bandwidth);
}

/* What an update changes, found in one definition. */
typedef struct {
  char *alias;             /* the device's qemu id */
  gboolean media_changed;  /* disk */
  char *source;            /* new media, NULL for an eject */
  char *format;
  gboolean link_changed;   /* interface */
  gboolean link_up;
} DeviceUpdate;

static void
device_update_clear (DeviceUpdate *u)
{
  g_free (u->alias);
  g_free (u->source);
  g_free (u->format);
}

/* Puts @xml's media (disks) or link state (interfaces) into the matching
 * device of @def; anything else that differs is refused. */
static gboolean
update_device_in_def (VbDomainDef *def, const char *xml, DeviceUpdate *out, GError **error)
{
  g_autoptr(VbDomainDevice) update = vb_domain_device_parse (xml, error);
  GPtrArray *devs;
  g_autofree char *old_xml = NULL;
  g_autofree char *new_xml = NULL;
  VbDomainDeviceInfo *old_info = NULL, *new_info;
  gpointer old = NULL;

  if (update == NULL)
    return FALSE;
  if (update->kind != VB_DOMAIN_DEVICE_DISK && update->kind != VB_DOMAIN_DEVICE_INTERFACE) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "updating <%s> devices is not supported",
                 vb_domain_device_kind_to_string (update->kind));
    return FALSE;
  }
  devs = vb_domain_def_get_devices (def, update->kind);
  for (guint i = 0; devs && i < devs->len && old == NULL; i++) {
    gpointer dev = g_ptr_array_index (devs, i);

    if (update->kind == VB_DOMAIN_DEVICE_DISK &&
        g_strcmp0 (((VbDomainDiskDef *) dev)->target_dev, ((VbDomainDiskDef *) update->data)->target_dev) == 0)
      old = dev;
    else if (update->kind == VB_DOMAIN_DEVICE_INTERFACE &&
             memcmp (&((VbDomainInterfaceDef *) dev)->mac, &((VbDomainInterfaceDef *) update->data)->mac,
                     sizeof (VbMac)) == 0)
      old = dev;
  }
  if (old == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_FOUND,
                         update->kind == VB_DOMAIN_DEVICE_DISK ? "no disk with this target in the domain"
                                                               : "no interface with this MAC address in the domain");
    return FALSE;
  }
  old_info = update->kind == VB_DOMAIN_DEVICE_DISK ? &((VbDomainDiskDef *) old)->info
                                                   : &((VbDomainInterfaceDef *) old)->info;
  new_info = update->kind == VB_DOMAIN_DEVICE_DISK ? &((VbDomainDiskDef *) update->data)->info
                                                   : &((VbDomainInterfaceDef *) update->data)->info;
  /* the caller need not repeat what the domain assigned */
  if (new_info->alias == NULL && old_info->alias)
    new_info->alias = vb_xml_opaque_copy (old_info->alias);
  if (new_info->address == NULL && old_info->address)
    new_info->address = vb_xml_opaque_copy (old_info->address);

  /* With the changeable part swapped in, the device equals the update
   * when nothing else changed. */
  if (update->kind == VB_DOMAIN_DEVICE_DISK) {
    VbDomainDiskDef *disk = old;
    VbDomainDiskDef *new_disk = update->data;
    g_autofree char *before = device_xml (VB_DOMAIN_DEVICE_DISK, disk);

    new_xml = device_xml (VB_DOMAIN_DEVICE_DISK, new_disk);
    swap_media (disk, new_disk);
    old_xml = device_xml (VB_DOMAIN_DEVICE_DISK, disk);
    if (!g_str_equal (old_xml, new_xml)) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "only the media of disk '%s' can be changed, not its other settings", disk->target_dev);
      return FALSE;
    }
    out->media_changed = !g_str_equal (before, old_xml);
    if (out->media_changed && g_strcmp0 (disk->device, "cdrom") != 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "the media of disk '%s' cannot be changed: only cdrom devices have removable media",
                   disk->target_dev);
      return FALSE;
    }
    if (disk->source && disk->type && !g_str_equal (disk->type, "file") && !g_str_equal (disk->type, "block")) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "media of type '%s' is not supported", disk->type);
      return FALSE;
    }
    out->source = g_strdup (disk->source);
    out->format = g_strdup (disk->driver_type ? disk->driver_type : "raw");
  } else {
    VbDomainInterfaceDef *iface = old;
    gboolean was_up = link_is_up (iface);

    iface_inherit_actual (update->data, iface);
    new_xml = device_xml (VB_DOMAIN_DEVICE_INTERFACE, update->data);
    swap_links (&iface->info, new_info);
    old_xml = device_xml (VB_DOMAIN_DEVICE_INTERFACE, iface);
    if (!g_str_equal (old_xml, new_xml)) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "only the link state of an interface can be changed, not its other settings");
      return FALSE;
    }
    out->link_up = link_is_up (iface);
    out->link_changed = out->link_up != was_up;
  }
  out->alias = vb_qemu_device_alias (old_info);
  return TRUE;
}

/* The live part of an update: QMP commands run one after the other; the
 * new definitions replace the old ones once all succeeded. */
typedef enum {
  UPDATE_OPEN_TRAY,
  UPDATE_CHANGE_MEDIUM,
  UPDATE_REMOVE_MEDIUM,
  UPDATE_CLOSE_TRAY,
  UPDATE_LINK_DOWN,
  UPDATE_LINK_UP,
} UpdateStep;

typedef struct {
  GTask *task;
  QemuVm *vm;
  VbDomainDef *live;
  VbDomainDef *config;
  DeviceUpdate change;
  UpdateStep steps[3];
  guint n_steps;
  guint next;
  gboolean lent;  /* the new media, to a confined qemu's user */
} UpdateCall;

static void
update_call_free (UpdateCall *u)
{
  g_clear_object (&u->task);
  vm_unref (u->vm);
  g_clear_pointer (&u->live, vb_domain_def_free);
  g_clear_pointer (&u->config, vb_domain_def_free);
  device_update_clear (&u->change);
  g_free (u);
}

static void
update_add_step (UpdateCall *u, UpdateStep step)
{
  g_assert (u->n_steps < G_N_ELEMENTS (u->steps));
  u->steps[u->n_steps++] = step;
}

static void update_send_next (UpdateCall *u);

static void
update_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UpdateCall *u = user_data;
  QemuVm *vm = u->vm;
  g_autoptr(GError) error = NULL;

  if (!vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error)) {
    /* the old media stays: not behind an open tray */
    if (u->steps[0] == UPDATE_OPEN_TRAY && u->next > 1 && !vm->exited)
      vb_qemu_monitor_blockdev_close_tray_async (vm->mon, u->change.alias, NULL, NULL, NULL);
    if (u->lent)
      unlend_unless_used (vm, vb_domain_get_live_def (vm->dom), u->change.source);
    g_task_return_new_error (u->task, VB_ERROR, VB_ERROR_FAILED, "cannot update the device of '%s': %s",
                             vb_domain_get_name (vm->dom), error->message);
    update_call_free (u);
    return;
  }
  if (u->next < u->n_steps) {
    update_send_next (u);
    return;
  }
  if (!vm->exited) {
    g_autoptr(GError) store_error = NULL;
    g_autofree char *old_media = u->change.media_changed ? disk_source_of (vb_domain_get_live_def (vm->dom),
                                                                            u->change.alias)
                                                         : NULL;

    vb_domain_set_live_def (vm->dom, g_steal_pointer (&u->live));
    vm_save_status (vm);
    unlend_unless_used (vm, vb_domain_get_live_def (vm->dom), old_media);
    if (!apply_config (vm->driver, vm->dom, &u->config, &store_error))
      g_warning ("domain '%s': device updated live, but not in the config: %s", vb_domain_get_name (vm->dom),
                 store_error->message);
  }
  g_task_return_pointer (u->task, NULL, NULL);
  update_call_free (u);
}

static void
update_send_next (UpdateCall *u)
{
  VbQemuMonitor *mon = u->vm->mon;
  const char *alias = u->change.alias;

  switch (u->steps[u->next++]) {
  case UPDATE_OPEN_TRAY:
    vb_qemu_monitor_blockdev_open_tray_async (mon, alias, TRUE, NULL, update_reply, u);
    break;
  case UPDATE_CHANGE_MEDIUM:
    vb_qemu_monitor_blockdev_change_medium_async (mon, alias, u->change.source, u->change.format, NULL,
                                                  update_reply, u);
    break;
  case UPDATE_REMOVE_MEDIUM:
    vb_qemu_monitor_blockdev_remove_medium_async (mon, alias, NULL, update_reply, u);
    break;
  case UPDATE_CLOSE_TRAY:
    vb_qemu_monitor_blockdev_close_tray_async (mon, alias, NULL, update_reply, u);
    break;
  case UPDATE_LINK_DOWN:
  case UPDATE_LINK_UP:
  default:
    vb_qemu_monitor_set_link_async (mon, alias, u->steps[u->next - 1] == UPDATE_LINK_UP, NULL, update_reply, u);
    break;
  }
}

static void
update_lent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  UpdateCall *u = user_data;
  GError *error = NULL;

  if (!vb_qemu_confine_lend_finish (result, &error)) {
    g_task_return_error (u->task, error);
    update_call_free (u);
    return;
  }
  u->lent = TRUE;
  if (u->vm->exited) {
    vb_qemu_confine_unlend (vb_domain_get_uuid_string (u->vm->dom), u->change.source);
    g_task_return_new_error (u->task, VB_ERROR, VB_ERROR_INVALID_STATE, "domain '%s' is not running",
                             vb_domain_get_name (u->vm->dom));
    update_call_free (u);
    return;
  }
  update_send_next (u);
}

gboolean
domain_update_device (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed,
                      GError **error)
{
  const char *xml;
  guint flags;
  g_autoptr(VbDomainDef) config = NULL;
  g_autoptr(VbDomainDef) live = NULL;
  DeviceUpdate change = { 0 };
  UpdateCall *u;

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!resolve_affect (dom, &flags, error))
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    DeviceUpdate config_change = { 0 };
    gboolean ok;

    config = vb_domain_def_copy (vb_domain_get_def (dom));
    ok = update_device_in_def (config, xml, &config_change, error);
    device_update_clear (&config_change);
    if (!ok)
      return FALSE;
  }
  if (!(flags & VB_DOMAIN_AFFECT_LIVE))
    return apply_config (self, dom, &config, error);

  live = vb_domain_def_copy (vb_domain_get_live_def (dom));
  if (!update_device_in_def (live, xml, &change, error)) {
    device_update_clear (&change);
    return FALSE;
  }
  if (change.media_changed && change.source && !g_file_test (change.source, G_FILE_TEST_EXISTS)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "cannot access storage file '%s': No such file or directory",
                 change.source);
    device_update_clear (&change);
    return FALSE;
  }
  if ((change.media_changed || change.link_changed) && change.alias == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_FAILED, "the device has no alias in the running domain");
    device_update_clear (&change);
    return FALSE;
  }
  u = g_new0 (UpdateCall, 1);
  u->vm = vm_ref (domain_vm (dom));
  u->live = g_steal_pointer (&live);
  u->config = g_steal_pointer (&config);
  u->change = change;
  /* As libvirt does: the tray opened by force first, as a guest that
   * locked it would refuse; at the end it is closed again, empty or with
   * the new media. */
  if (change.media_changed)
    update_add_step (u, UPDATE_OPEN_TRAY);
  if (change.media_changed && change.source) {
    update_add_step (u, UPDATE_CHANGE_MEDIUM);
  } else if (change.media_changed) {
    update_add_step (u, UPDATE_REMOVE_MEDIUM);
    update_add_step (u, UPDATE_CLOSE_TRAY);
  }
  if (change.link_changed)
    update_add_step (u, change.link_up ? UPDATE_LINK_UP : UPDATE_LINK_DOWN);
  if (u->n_steps == 0) {
    /* nothing the guest sees changes */
    gboolean ok = apply_config (self, dom, &u->config, error);

    if (ok)
      vb_domain_set_live_def (dom, g_steal_pointer (&u->live));
    update_call_free (u);
    return ok;
  }
  u->task = g_object_ref (task);
  *handed = TRUE;
  if (self->system && change.media_changed && change.source) {
    vb_qemu_confine_lend_async (vb_config_store_get_run_dir (self->store), vb_domain_get_uuid_string (dom),
                                change.source, update_lent, u);
    return TRUE;
  }
  update_send_next (u);
  return TRUE;
}
