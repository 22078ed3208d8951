/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "virtbus-config-private.h"

gboolean
virtbus_config_set_name (char **field, const char *name, const char *what, GError **error)
{
  g_autoptr(GError) local = NULL;

  if (!vb_name_validate (name, what, &local)) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  g_free (*field);
  *field = g_strdup (name);
  return TRUE;
}

gboolean
virtbus_config_set_uuid (VbUuid *field, const char *uuid, GError **error)
{
  g_autoptr(GError) local = NULL;
  VbUuid parsed;

  if (!vb_uuid_parse (uuid, &parsed, &local)) {
    virtbus_propagate_core_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  *field = parsed;
  return TRUE;
}
