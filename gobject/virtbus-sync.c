/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

/* The blocking variants: each runs its _async call in a private main
 * context (virtbus_sync_new) and waits, like fwupd's fwupd-client-sync.c.
 * They are for scripts and tools; a UI should use the _async calls. */

/**
 * virtbus_domain_start_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.start_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.start_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_start_sync (VirtbusDomain *self, VirtbusDomainStartFlags flags,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_start_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_start_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_shutdown_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.shutdown_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.shutdown_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_shutdown_sync (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                              GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_shutdown_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_shutdown_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_reboot_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.reboot_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.reboot_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_reboot_sync (VirtbusDomain *self, VirtbusDomainShutdownFlags flags,
                            GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_reboot_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_reboot_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_reset_sync:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.reset_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_reset_sync (VirtbusDomain *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_reset_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_reset_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_destroy_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.destroy_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.destroy_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_destroy_sync (VirtbusDomain *self, VirtbusDomainDestroyFlags flags,
                             GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_destroy_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_destroy_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_suspend_sync:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.suspend_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_suspend_sync (VirtbusDomain *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_suspend_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_suspend_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_resume_sync:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.resume_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_resume_sync (VirtbusDomain *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_resume_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_resume_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_managed_save_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.managed_save_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.managed_save_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_managed_save_sync (VirtbusDomain *self, VirtbusDomainSaveFlags flags,
                                  GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_managed_save_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_managed_save_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_managed_save_remove_sync:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.managed_save_remove_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_managed_save_remove_sync (VirtbusDomain *self, GCancellable *cancellable,
                                         GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_managed_save_remove_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_managed_save_remove_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_undefine_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.undefine_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.undefine_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_undefine_sync (VirtbusDomain *self, VirtbusDomainUndefineFlags flags,
                              GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_undefine_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_undefine_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_get_xml_desc_sync:
 * @self: a [class@Virtbus.Domain]
 * @flags: as for [method@Virtbus.Domain.get_xml_desc_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.get_xml_desc_async].
 *
 * Returns: (transfer full): the result, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_domain_get_xml_desc_sync (VirtbusDomain *self, VirtbusDomainXMLFlags flags,
                                  GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_get_xml_desc_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_get_xml_desc_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_get_state_sync:
 * @self: a [class@Virtbus.Domain]
 * @reason: (out) (optional): libvirt's reason code for the state
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.get_state_async].
 *
 * Returns: the state (%VIRTBUS_DOMAIN_STATE_NOSTATE on error)
 *
 * Since: 1.0
 */
VirtbusDomainState
virtbus_domain_get_state_sync (VirtbusDomain *self, int *reason, GCancellable *cancellable,
                               GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_get_state_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_get_state_finish (self, virtbus_sync_wait (sync), reason, error);
}

/**
 * virtbus_domain_set_autostart_sync:
 * @self: a [class@Virtbus.Domain]
 * @autostart: as for [method@Virtbus.Domain.set_autostart_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.set_autostart_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_autostart_sync (VirtbusDomain *self, gboolean autostart,
                                   GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_set_autostart_async (self, autostart, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_set_autostart_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_set_vcpus_sync:
 * @self: a [class@Virtbus.Domain]
 * @vcpus: as for [method@Virtbus.Domain.set_vcpus_async]
 * @flags: as for [method@Virtbus.Domain.set_vcpus_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.set_vcpus_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_vcpus_sync (VirtbusDomain *self, guint vcpus, VirtbusDomainAffectFlags flags,
                               GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_set_vcpus_async (self, vcpus, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_set_vcpus_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_set_memory_sync:
 * @self: a [class@Virtbus.Domain]
 * @memory_kib: as for [method@Virtbus.Domain.set_memory_async]
 * @flags: as for [method@Virtbus.Domain.set_memory_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.set_memory_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_memory_sync (VirtbusDomain *self, guint64 memory_kib,
                                VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_set_memory_async (self, memory_kib, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_set_memory_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_get_metadata_sync:
 * @self: a [class@Virtbus.Domain]
 * @type: as for [method@Virtbus.Domain.get_metadata_async]
 * @uri: (nullable): as for [method@Virtbus.Domain.get_metadata_async]
 * @flags: as for [method@Virtbus.Domain.get_metadata_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.get_metadata_async].
 *
 * Returns: (transfer full): the result, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_domain_get_metadata_sync (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                  const char *uri, VirtbusDomainAffectFlags flags,
                                  GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_get_metadata_async (self, type, uri, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_get_metadata_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_open_graphics_fd_sync:
 * @self: a [class@Virtbus.Domain]
 * @idx: as for [method@Virtbus.Domain.open_graphics_fd_async]
 * @flags: as for [method@Virtbus.Domain.open_graphics_fd_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.open_graphics_fd_async].
 *
 * Returns: a socket connected to the display, which the caller owns, or
 *   -1 on error
 *
 * Since: 1.0
 */
int
virtbus_domain_open_graphics_fd_sync (VirtbusDomain *self, guint idx, VirtbusDomainOpenGraphicsFlags flags,
                                      GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_open_graphics_fd_async (self, idx, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_open_graphics_fd_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_set_metadata_sync:
 * @self: a [class@Virtbus.Domain]
 * @type: as for [method@Virtbus.Domain.set_metadata_async]
 * @metadata: (nullable): as for [method@Virtbus.Domain.set_metadata_async]
 * @key: (nullable): as for [method@Virtbus.Domain.set_metadata_async]
 * @uri: (nullable): as for [method@Virtbus.Domain.set_metadata_async]
 * @flags: as for [method@Virtbus.Domain.set_metadata_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.set_metadata_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_set_metadata_sync (VirtbusDomain *self, VirtbusDomainMetadataType type,
                                  const char *metadata, const char *key, const char *uri,
                                  VirtbusDomainAffectFlags flags, GCancellable *cancellable,
                                  GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_set_metadata_async (self, type, metadata, key, uri, flags, cancellable,
                                     virtbus_sync_done, sync);
  return virtbus_domain_set_metadata_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_attach_device_sync:
 * @self: a [class@Virtbus.Domain]
 * @xml: as for [method@Virtbus.Domain.attach_device_async]
 * @flags: as for [method@Virtbus.Domain.attach_device_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.attach_device_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_attach_device_sync (VirtbusDomain *self, const char *xml,
                                   VirtbusDomainDeviceModifyFlags flags, GCancellable *cancellable,
                                   GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_attach_device_async (self, xml, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_attach_device_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_detach_device_sync:
 * @self: a [class@Virtbus.Domain]
 * @xml: as for [method@Virtbus.Domain.detach_device_async]
 * @flags: as for [method@Virtbus.Domain.detach_device_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.detach_device_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_detach_device_sync (VirtbusDomain *self, const char *xml,
                                   VirtbusDomainDeviceModifyFlags flags, GCancellable *cancellable,
                                   GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_detach_device_async (self, xml, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_detach_device_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_update_device_sync:
 * @self: a [class@Virtbus.Domain]
 * @xml: as for [method@Virtbus.Domain.update_device_async]
 * @flags: as for [method@Virtbus.Domain.update_device_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.update_device_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_update_device_sync (VirtbusDomain *self, const char *xml,
                                   VirtbusDomainDeviceModifyFlags flags, GCancellable *cancellable,
                                   GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_update_device_async (self, xml, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_update_device_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_wakeup_sync:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.wakeup_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_wakeup_sync (VirtbusDomain *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_wakeup_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_wakeup_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_save_sync:
 * @self: a [class@Virtbus.Domain]
 * @to: as for [method@Virtbus.Domain.save_async]
 * @xml: (nullable): as for [method@Virtbus.Domain.save_async]
 * @flags: as for [method@Virtbus.Domain.save_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.save_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_save_sync (VirtbusDomain *self, const char *to, const char *xml,
                          VirtbusDomainSaveFlags flags, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_save_async (self, to, xml, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_save_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_send_key_sync:
 * @self: a [class@Virtbus.Domain]
 * @codeset: as for [method@Virtbus.Domain.send_key_async]
 * @holdtime: as for [method@Virtbus.Domain.send_key_async]
 * @keycodes: (array length=n_keycodes): as for [method@Virtbus.Domain.send_key_async]
 * @n_keycodes: the number of keys
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.send_key_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_send_key_sync (VirtbusDomain *self, VirtbusKeycodeSet codeset, guint holdtime,
                              const guint *keycodes, guint n_keycodes, GCancellable *cancellable,
                              GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_send_key_async (self, codeset, holdtime, keycodes, n_keycodes, cancellable,
                                 virtbus_sync_done, sync);
  return virtbus_domain_send_key_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_inject_nmi_sync:
 * @self: a [class@Virtbus.Domain]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.inject_nmi_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_inject_nmi_sync (VirtbusDomain *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_inject_nmi_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_inject_nmi_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_rename_sync:
 * @self: a [class@Virtbus.Domain]
 * @name: as for [method@Virtbus.Domain.rename_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.rename_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_rename_sync (VirtbusDomain *self, const char *name, GCancellable *cancellable,
                            GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_rename_async (self, name, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_rename_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_get_interface_addresses_sync:
 * @self: a [class@Virtbus.Domain]
 * @source: as for [method@Virtbus.Domain.get_interface_addresses_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.get_interface_addresses_async].
 *
 * Returns: (transfer container) (element-type VirtbusDomainInterface): the
 *   interfaces, or %NULL on error
 *
 * Since: 1.0
 */
GPtrArray *
virtbus_domain_get_interface_addresses_sync (VirtbusDomain *self,
                                             VirtbusDomainInterfaceAddressesSource source,
                                             GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_get_interface_addresses_async (self, source, cancellable, virtbus_sync_done,
                                                sync);
  return virtbus_domain_get_interface_addresses_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_domain_core_dump_sync:
 * @self: a [class@Virtbus.Domain]
 * @to: as for [method@Virtbus.Domain.core_dump_async]
 * @format: as for [method@Virtbus.Domain.core_dump_async]
 * @flags: as for [method@Virtbus.Domain.core_dump_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Domain.core_dump_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_domain_core_dump_sync (VirtbusDomain *self, const char *to,
                               VirtbusDomainCoreDumpFormat format,
                               VirtbusDomainCoreDumpFlags flags, GCancellable *cancellable,
                               GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_domain_core_dump_async (self, to, format, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_domain_core_dump_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_start_sync:
 * @self: a [class@Virtbus.Network]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.start_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_start_sync (VirtbusNetwork *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_start_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_network_start_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_destroy_sync:
 * @self: a [class@Virtbus.Network]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.destroy_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_destroy_sync (VirtbusNetwork *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_destroy_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_network_destroy_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_undefine_sync:
 * @self: a [class@Virtbus.Network]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.undefine_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_undefine_sync (VirtbusNetwork *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_undefine_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_network_undefine_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_get_xml_desc_sync:
 * @self: a [class@Virtbus.Network]
 * @flags: as for [method@Virtbus.Network.get_xml_desc_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.get_xml_desc_async].
 *
 * Returns: (transfer full): the result, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_network_get_xml_desc_sync (VirtbusNetwork *self, VirtbusNetworkXMLFlags flags,
                                   GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_get_xml_desc_async (self, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_network_get_xml_desc_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_update_sync:
 * @self: a [class@Virtbus.Network]
 * @command: as for [method@Virtbus.Network.update_async]
 * @section: as for [method@Virtbus.Network.update_async]
 * @parent_index: as for [method@Virtbus.Network.update_async]
 * @xml: as for [method@Virtbus.Network.update_async]
 * @flags: as for [method@Virtbus.Network.update_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.update_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_update_sync (VirtbusNetwork *self, VirtbusNetworkUpdateCommand command,
                             VirtbusNetworkSection section, int parent_index, const char *xml,
                             VirtbusNetworkUpdateFlags flags, GCancellable *cancellable,
                             GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_update_async (self, command, section, parent_index, xml, flags, cancellable,
                                virtbus_sync_done, sync);
  return virtbus_network_update_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_set_autostart_sync:
 * @self: a [class@Virtbus.Network]
 * @autostart: as for [method@Virtbus.Network.set_autostart_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.set_autostart_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_network_set_autostart_sync (VirtbusNetwork *self, gboolean autostart,
                                    GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_set_autostart_async (self, autostart, cancellable, virtbus_sync_done, sync);
  return virtbus_network_set_autostart_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_network_get_dhcp_leases_sync:
 * @self: a [class@Virtbus.Network]
 * @mac: (nullable): as for [method@Virtbus.Network.get_dhcp_leases_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Network.get_dhcp_leases_async].
 *
 * Returns: (transfer full) (element-type VirtbusDhcpLease): the leases
 *
 * Since: 1.0
 */
GList *
virtbus_network_get_dhcp_leases_sync (VirtbusNetwork *self, const char *mac,
                                      GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_network_get_dhcp_leases_async (self, mac, cancellable, virtbus_sync_done, sync);
  return virtbus_network_get_dhcp_leases_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_lookup_domain_by_name_sync:
 * @self: a [class@Virtbus.Connection]
 * @name: as for [method@Virtbus.Connection.lookup_domain_by_name_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.lookup_domain_by_name_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_lookup_domain_by_name_sync (VirtbusConnection *self, const char *name,
                                               GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_lookup_domain_by_name_async (self, name, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_lookup_domain_by_name_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_lookup_domain_by_uuid_sync:
 * @self: a [class@Virtbus.Connection]
 * @uuid: as for [method@Virtbus.Connection.lookup_domain_by_uuid_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.lookup_domain_by_uuid_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_lookup_domain_by_uuid_sync (VirtbusConnection *self, const char *uuid,
                                               GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_lookup_domain_by_uuid_async (self, uuid, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_lookup_domain_by_uuid_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_define_domain_sync:
 * @self: a [class@Virtbus.Connection]
 * @xml: as for [method@Virtbus.Connection.define_domain_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.define_domain_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_define_domain_sync (VirtbusConnection *self, const char *xml,
                                       GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_define_domain_async (self, xml, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_define_domain_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_define_domain_config_sync:
 * @self: a [class@Virtbus.Connection]
 * @config: as for [method@Virtbus.Connection.define_domain_config_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.define_domain_config_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_define_domain_config_sync (VirtbusConnection *self, VirtbusDomainConfig *config,
                                              GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_define_domain_config_async (self, config, cancellable, virtbus_sync_done,
                                                 sync);
  return virtbus_connection_define_domain_config_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_create_domain_sync:
 * @self: a [class@Virtbus.Connection]
 * @xml: as for [method@Virtbus.Connection.create_domain_async]
 * @flags: as for [method@Virtbus.Connection.create_domain_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.create_domain_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusDomain *
virtbus_connection_create_domain_sync (VirtbusConnection *self, const char *xml,
                                       VirtbusDomainStartFlags flags, GCancellable *cancellable,
                                       GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_create_domain_async (self, xml, flags, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_create_domain_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_lookup_network_by_name_sync:
 * @self: a [class@Virtbus.Connection]
 * @name: as for [method@Virtbus.Connection.lookup_network_by_name_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.lookup_network_by_name_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_lookup_network_by_name_sync (VirtbusConnection *self, const char *name,
                                                GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_lookup_network_by_name_async (self, name, cancellable, virtbus_sync_done,
                                                   sync);
  return virtbus_connection_lookup_network_by_name_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_lookup_network_by_uuid_sync:
 * @self: a [class@Virtbus.Connection]
 * @uuid: as for [method@Virtbus.Connection.lookup_network_by_uuid_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.lookup_network_by_uuid_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_lookup_network_by_uuid_sync (VirtbusConnection *self, const char *uuid,
                                                GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_lookup_network_by_uuid_async (self, uuid, cancellable, virtbus_sync_done,
                                                   sync);
  return virtbus_connection_lookup_network_by_uuid_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_define_network_sync:
 * @self: a [class@Virtbus.Connection]
 * @xml: as for [method@Virtbus.Connection.define_network_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.define_network_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_define_network_sync (VirtbusConnection *self, const char *xml,
                                        GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_define_network_async (self, xml, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_define_network_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_define_network_config_sync:
 * @self: a [class@Virtbus.Connection]
 * @config: as for [method@Virtbus.Connection.define_network_config_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.define_network_config_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_define_network_config_sync (VirtbusConnection *self,
                                               VirtbusNetworkConfig *config,
                                               GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_define_network_config_async (self, config, cancellable, virtbus_sync_done,
                                                  sync);
  return virtbus_connection_define_network_config_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_create_network_sync:
 * @self: a [class@Virtbus.Connection]
 * @xml: as for [method@Virtbus.Connection.create_network_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.create_network_async].
 *
 * Returns: (transfer full): the object, or %NULL on error
 *
 * Since: 1.0
 */
VirtbusNetwork *
virtbus_connection_create_network_sync (VirtbusConnection *self, const char *xml,
                                        GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_create_network_async (self, xml, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_create_network_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_get_capabilities_sync:
 * @self: a [class@Virtbus.Connection]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.get_capabilities_async].
 *
 * Returns: (transfer full): the result, or %NULL on error
 *
 * Since: 1.0
 */
char *
virtbus_connection_get_capabilities_sync (VirtbusConnection *self, GCancellable *cancellable,
                                          GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_get_capabilities_async (self, cancellable, virtbus_sync_done, sync);
  return virtbus_connection_get_capabilities_finish (self, virtbus_sync_wait (sync), error);
}

/**
 * virtbus_connection_restore_domain_sync:
 * @self: a [class@Virtbus.Connection]
 * @from: as for [method@Virtbus.Connection.restore_domain_async]
 * @xml: (nullable): as for [method@Virtbus.Connection.restore_domain_async]
 * @flags: as for [method@Virtbus.Connection.restore_domain_async]
 * @cancellable: (nullable): a [class@Gio.Cancellable]
 * @error: return location for a [struct@GLib.Error]
 *
 * The blocking form of [method@Virtbus.Connection.restore_domain_async].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
virtbus_connection_restore_domain_sync (VirtbusConnection *self, const char *from,
                                        const char *xml, VirtbusDomainSaveFlags flags,
                                        GCancellable *cancellable, GError **error)
{
  g_autoptr(VirtbusSync) sync = virtbus_sync_new ();

  virtbus_connection_restore_domain_async (self, from, xml, flags, cancellable,
                                           virtbus_sync_done, sync);
  return virtbus_connection_restore_domain_finish (self, virtbus_sync_wait (sync), error);
}
