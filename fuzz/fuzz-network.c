/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer entry point for network XML: parse → validate → format →
 * parse again.  The formatter's output must always be accepted by the
 * parser and must be a fixed point; a copy must format as the original. */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vb-network-def.h"
#include "vb-util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_fixed_point (const VbNetworkDef *def, guint flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = vb_network_def_format (def, flags);
  g_autoptr(VbNetworkDef) again = vb_network_def_parse (out, VB_NETWORK_PARSE_STATUS, &error);
  g_autofree char *out2 = NULL;

  if (again == NULL) {
    fprintf (stderr, "formatted output does not parse: %s\n%s", error->message, out);
    abort ();
  }
  out2 = vb_network_def_format (again, flags);
  if (strcmp (out, out2) != 0) {
    fprintf (stderr, "format is not a fixed point:\n%s---\n%s", out, out2);
    abort ();
  }
}

static void
check_copy (const VbNetworkDef *def, const VbNetworkDef *copy, guint flags)
{
  g_autofree char *out = vb_network_def_format (def, flags);
  g_autofree char *out2 = vb_network_def_format (copy, flags);

  if (strcmp (out, out2) != 0) {
    fprintf (stderr, "the copy formats differently:\n%s---\n%s", out, out2);
    abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetworkDef) def = NULL;
  g_autoptr(VbNetworkDef) copy = NULL;

  vb_util_set_deterministic (TRUE);
  def = vb_network_def_parse (xml, VB_NETWORK_PARSE_STATUS, &error);
  if (def == NULL)
    return 0;
  if (!vb_network_def_validate (def, &error))
    g_clear_error (&error);
  check_fixed_point (def, VB_NETWORK_FORMAT_LIVE);
  check_fixed_point (def, VB_NETWORK_FORMAT_INACTIVE);
  copy = vb_network_def_copy (def);
  check_copy (def, copy, VB_NETWORK_FORMAT_LIVE);
  check_copy (def, copy, VB_NETWORK_FORMAT_INACTIVE);
  return 0;
}
