/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-private.h"

#include "vb-error.h"

/* The D-Bus names of the codes.  Today virtbusd (like libvirt-dbus) sends
 * every failure as the one name org.libvirt.Error, which maps to FAILED and
 * is then refined from the message (error_patterns below).  The specific
 * names are where a future daemon can say the code outright; clients that
 * know only org.libvirt.Error are unaffected because the library accepts
 * both. */
static const GDBusErrorEntry error_entries[] = {
  { VIRTBUS_ERROR_FAILED, "org.libvirt.Error" },
  { VIRTBUS_ERROR_NOT_FOUND, "org.libvirt.Error.NotFound" },
  { VIRTBUS_ERROR_INVALID_XML, "org.libvirt.Error.InvalidXML" },
  { VIRTBUS_ERROR_INVALID_CONFIG, "org.libvirt.Error.InvalidConfig" },
  { VIRTBUS_ERROR_INVALID_ARGUMENT, "org.libvirt.Error.InvalidArgument" },
  { VIRTBUS_ERROR_INVALID_STATE, "org.libvirt.Error.InvalidState" },
  { VIRTBUS_ERROR_NOT_SUPPORTED, "org.libvirt.Error.NotSupported" },
  { VIRTBUS_ERROR_PERMISSION_DENIED, "org.libvirt.Error.PermissionDenied" },
  { VIRTBUS_ERROR_EXISTS, "org.libvirt.Error.Exists" },
  { VIRTBUS_ERROR_NOT_CONNECTED, "org.libvirt.Error.NotConnected" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_entries) == VIRTBUS_ERROR_NOT_CONNECTED + 1);

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

/* org.libvirt.Error carries one name for every failure, so the code is
 * recovered from the message.  The patterns are the messages virtbusd
 * produces: the service (service/vb-service*.c: lookups, flags,
 * unsupported members), the driver core (drivers/core: XML parsing and
 * validation, registry conflicts, vanished objects) and the test driver
 * (drivers/test/vb-test-driver.c: state checks, argument ranges).  First
 * match wins, so the more specific codes come first; a message no pattern
 * knows stays FAILED.  When a message in the daemon changes, this table is
 * what to update (tests/lib checks the common cases end to end). */
static const struct {
  VirtbusError code;
  const char *pattern;
} error_patterns[] = {
  { VIRTBUS_ERROR_NOT_FOUND,
    "^(Domain|Network) not found:|no longer exists|^no (domain|network) with matching|"
    "^metadata not found|has no (portgroup|DHCP|DNS|<ip>|IPv4 <ip>|forward interface)|"
    "^no matching" },
  { VIRTBUS_ERROR_INVALID_XML,
    "^malformed XML|^empty XML document|exceeds the limit of|^expected a <|"
    "^not a device XML|not a well-formed" },
  { VIRTBUS_ERROR_EXISTS, "already exists|already defined|already has" },
  { VIRTBUS_ERROR_INVALID_STATE,
    "is not running|is already (active|running|paused)|is not (paused|active)|is still running|"
    "transient (domain|network)|has no persistent config|^cannot rename active|"
    "^refusing to undefine|on an active domain|of a running domain|"
    "^Unable to wake up domain which is not" },
  { VIRTBUS_ERROR_PERMISSION_DENIED, "not authori[sz]ed|[Pp]ermission denied|[Aa]ccess denied" },
  { VIRTBUS_ERROR_NOT_SUPPORTED,
    "^not supported by this driver|is not supported here|not supported by this daemon|"
    "^xml modification unsupported|cannot be modified, only added|^updating network section|"
    "^can only open VNC or SPICE graphics|^addresses from the guest agent are not supported" },
  { VIRTBUS_ERROR_INVALID_ARGUMENT,
    "^unsupported flags|mutually exclusive|must be at least|exceeds maximum|"
    "must be greater than|greater than the maximum|higher than max|^unknown metadata type|"
    "^invalid keycode|keycodes are needed|^time out of range|is not absolute|"
    "^Unknown IP address data source|^cell number|^Range exceeds|^cannot find architecture|"
    "arguments of type|^unknown network update command|needs a namespace URI|"
    "^invalid metadata key|must not contain a newline|must give its MAC|^missing UUID|"
    "^invalid UUID|^malformed UUID|^no graphics device with index" },
  { VIRTBUS_ERROR_INVALID_CONFIG,
    "^<|^network '[^']*': |is not supported in network|^could not find capabilities|"
    "^no guest options available|^invalid value|^invalid size|^unknown size unit|"
    "^size .* is too large|must not be empty|is not valid UTF-8|cannot contain|^conflicting <|"
    "cannot take a forward|is already the default" },
};

static VirtbusError
code_from_message (const char *message)
{
  for (gsize i = 0; i < G_N_ELEMENTS (error_patterns); i++) {
    if (g_regex_match_simple (error_patterns[i].pattern, message, 0, 0))
      return error_patterns[i].code;
  }
  return VIRTBUS_ERROR_FAILED;
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
  if (remote && code_from_name (remote, &code)) {
    /* the generic name: only the message tells */
    if (code == VIRTBUS_ERROR_FAILED)
      code = code_from_message (copy->message);
    return g_error_new_literal (VIRTBUS_ERROR, code, copy->message);
  }
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
  static const struct {
    int core;
    VirtbusError code;
  } map[] = {
    { VB_ERROR_INVALID_XML, VIRTBUS_ERROR_INVALID_XML },
    { VB_ERROR_INVALID_CONFIG, VIRTBUS_ERROR_INVALID_CONFIG },
    { VB_ERROR_INVALID_ARG, VIRTBUS_ERROR_INVALID_ARGUMENT },
    { VB_ERROR_NOT_FOUND, VIRTBUS_ERROR_NOT_FOUND },
    { VB_ERROR_EXISTS, VIRTBUS_ERROR_EXISTS },
    { VB_ERROR_INVALID_STATE, VIRTBUS_ERROR_INVALID_STATE },
    { VB_ERROR_NOT_SUPPORTED, VIRTBUS_ERROR_NOT_SUPPORTED },
    { VB_ERROR_PERMISSION_DENIED, VIRTBUS_ERROR_PERMISSION_DENIED },
  };
  VirtbusError code = VIRTBUS_ERROR_FAILED;

  if (error->domain == VB_ERROR) {
    for (gsize i = 0; i < G_N_ELEMENTS (map); i++) {
      if (map[i].core == error->code)
        code = map[i].code;
    }
  }
  return g_error_new_literal (VIRTBUS_ERROR, code, error->message);
}

void
virtbus_propagate_core_error (GError **dest, GError *src)
{
  g_autoptr(GError) owned = src;

  g_propagate_error (dest, virtbus_error_from_core (owned));
}
