/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-error.h"

#include <gio/gio.h>
#include <stdarg.h>

#include "vb-error-table.h"

G_DEFINE_QUARK (vb-error-quark, vb_error)

static const struct {
  const char *dbus_name;
  int libvirt_code;
} error_table[] = {
#define VB_ERROR_ENTRY(core, lib, name, libvirt) [VB_ERROR_##core] = { name, libvirt },
  VB_ERROR_TABLE (VB_ERROR_ENTRY)
#undef VB_ERROR_ENTRY
};

/* Indexed by code: a code missing from the table would leave a hole (or
 * shorten it, when last), and the unit test walks every index for holes. */
G_STATIC_ASSERT (G_N_ELEMENTS (error_table) == VB_ERROR_N_CODES);

gboolean
vb_error_invalid_config (GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, msg);
  return FALSE;
}

static VbErrorCode
code_from_io_error (int code)
{
  switch (code) {
  case G_IO_ERROR_NOT_FOUND:
    return VB_ERROR_NOT_FOUND;
  case G_IO_ERROR_EXISTS:
    return VB_ERROR_EXISTS;
  case G_IO_ERROR_PERMISSION_DENIED:
    return VB_ERROR_PERMISSION_DENIED;
  case G_IO_ERROR_NOT_SUPPORTED:
    return VB_ERROR_NOT_SUPPORTED;
  case G_IO_ERROR_INVALID_ARGUMENT:
  case G_IO_ERROR_INVALID_FILENAME:
    return VB_ERROR_INVALID_ARG;
  case G_IO_ERROR_BUSY:
  case G_IO_ERROR_ADDRESS_IN_USE:
    return VB_ERROR_BUSY;
  case G_IO_ERROR_CANCELLED:
    /* given up on, not broken */
    return VB_ERROR_FAILED;
  default:
    return VB_ERROR_IO;
  }
}

static VbErrorCode
code_from_file_error (int code)
{
  switch (code) {
  case G_FILE_ERROR_NOENT:
    return VB_ERROR_NOT_FOUND;
  case G_FILE_ERROR_EXIST:
    return VB_ERROR_EXISTS;
  case G_FILE_ERROR_ACCES:
  case G_FILE_ERROR_PERM:
    return VB_ERROR_PERMISSION_DENIED;
  default:
    return VB_ERROR_IO;
  }
}

VbErrorCode
vb_error_get_code (const GError *error)
{
  if (error->domain == VB_ERROR && error->code >= 0 && error->code < VB_ERROR_N_CODES)
    return error->code;
  if (error->domain == G_IO_ERROR)
    return code_from_io_error (error->code);
  if (error->domain == G_FILE_ERROR)
    return code_from_file_error (error->code);
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_AUTH_FAILED))
    return VB_ERROR_PERMISSION_DENIED;
  return VB_ERROR_FAILED;
}

const char *
vb_error_get_dbus_name (VbErrorCode code)
{
  g_return_val_if_fail ((guint) code < VB_ERROR_N_CODES, VB_DBUS_ERROR_NAME);
  return error_table[code].dbus_name;
}

int
vb_error_get_libvirt_code (VbErrorCode code)
{
  g_return_val_if_fail ((guint) code < VB_ERROR_N_CODES, -1);
  return error_table[code].libvirt_code;
}
