/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

#include "vb-error-table.h"
#include "vb-error.h"

/* The names virtbusd sends, from the table it shares with the library,
 * plus one of the library's own: NOT_CONNECTED is about reaching the
 * daemon, which the daemon never reports. */
static const GDBusErrorEntry error_entries[] = {
#define VIRTBUS_ERROR_ENTRY(core, lib, name, libvirt) { VIRTBUS_ERROR_##lib, name },
  VB_ERROR_TABLE (VIRTBUS_ERROR_ENTRY)
#undef VIRTBUS_ERROR_ENTRY
  { VIRTBUS_ERROR_NOT_CONNECTED, VB_DBUS_ERROR_NAME ".NotConnected" },
};

/* One entry per code; new codes are added at the end of the enum. */
G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == VIRTBUS_ERROR_IO + 1);

/**
 * virtbus_error_quark:
 *
 * The error domain of libvirtbus, with the D-Bus error names of its codes
 * registered so that GDBus maps them.
 *
 * Returns: the [alias@GLib.Quark] of %VIRTBUS_ERROR
 *
 * Since: 1.0
 */
GQuark
virtbus_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("virtbus-error-quark", &quark, error_entries,
                                      G_N_ELEMENTS (error_entries));
  return (GQuark) quark;
}

void
virtbus_error_enable_names (GDBusConnection *bus)
{
  /* Registered before the first reply can arrive, so GDBus maps the names
   * to VIRTBUS_ERROR itself. */
  virtbus_error_quark ();
  /* No reply asked for: the bus delivers this before any later call of
   * ours, and an older virtbusd without the method leaves every failure
   * VIRTBUS_ERROR_FAILED.  Nor does a reply wait for a main context that a
   * _sync constructor may never iterate again. */
  g_dbus_connection_call (bus, VIRTBUS_BUS_NAME, VB_VIRTBUS_PATH, VB_VIRTBUS_IFACE,
                          VB_VIRTBUS_ENABLE_ERROR_NAMES, NULL, NULL, G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, NULL, NULL);
}

static VirtbusError
code_from_dbus_error (int code)
{
  switch (code) {
  case G_DBUS_ERROR_ACCESS_DENIED:
  case G_DBUS_ERROR_AUTH_FAILED:
    return VIRTBUS_ERROR_PERMISSION_DENIED;
  case G_DBUS_ERROR_UNKNOWN_METHOD:
  case G_DBUS_ERROR_UNKNOWN_OBJECT:
  case G_DBUS_ERROR_UNKNOWN_INTERFACE:
    /* the object went away between the cache and the call */
    return VIRTBUS_ERROR_NOT_FOUND;
  case G_DBUS_ERROR_SERVICE_UNKNOWN:
  case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
  case G_DBUS_ERROR_NO_REPLY:
  case G_DBUS_ERROR_DISCONNECTED:
  case G_DBUS_ERROR_NO_SERVER:
  case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
    return VIRTBUS_ERROR_NOT_CONNECTED;
  case G_DBUS_ERROR_INVALID_ARGS:
    return VIRTBUS_ERROR_INVALID_ARGUMENT;
  case G_DBUS_ERROR_NOT_SUPPORTED:
    return VIRTBUS_ERROR_NOT_SUPPORTED;
  default:
    return VIRTBUS_ERROR_FAILED;
  }
}

static gboolean
code_from_name (const char *name, VirtbusError *code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_entries); i++) {
    if (g_str_equal (error_entries[i].dbus_error_name, name)) {
      *code = error_entries[i].error_code;
      return TRUE;
    }
  }
  return FALSE;
}

GError *
virtbus_error_from_dbus (const GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);
  g_autoptr(GError) copy = g_error_copy (error);
  VirtbusError code = VIRTBUS_ERROR_FAILED;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_steal_pointer (&copy);
  g_dbus_error_strip_remote_error (copy);
  /* By name rather than by GError domain: GDBus maps a name to our domain
   * only once virtbus_error_quark() has registered it. */
  if (remote && code_from_name (remote, &code))
    return g_error_new_literal (VIRTBUS_ERROR, code, copy->message);
  if (copy->domain == VIRTBUS_ERROR)
    return g_steal_pointer (&copy);
  if (copy->domain == G_DBUS_ERROR)
    code = code_from_dbus_error (copy->code);
  else if (g_error_matches (copy, G_IO_ERROR, G_IO_ERROR_CLOSED))
    code = VIRTBUS_ERROR_NOT_CONNECTED;
  return g_error_new_literal (VIRTBUS_ERROR, code, copy->message);
}

GError *
virtbus_error_from_core (const GError *error)
{
  static const VirtbusError map[] = {
#define VIRTBUS_ERROR_FROM_CORE(core, lib, name, libvirt) [VB_ERROR_##core] = VIRTBUS_ERROR_##lib,
    VB_ERROR_TABLE (VIRTBUS_ERROR_FROM_CORE)
#undef VIRTBUS_ERROR_FROM_CORE
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (map) == VB_ERROR_N_CODES);
  return g_error_new_literal (VIRTBUS_ERROR, map[vb_error_get_code (error)], error->message);
}

void
virtbus_propagate_core_error (GError **dest, GError *src)
{
  g_autoptr(GError) owned = src;

  g_propagate_error (dest, virtbus_error_from_core (owned));
}
