/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-error.h"

#include <stdarg.h>

G_DEFINE_QUARK (vb-error-quark, vb_error)

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
