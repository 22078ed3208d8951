/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer entry point for storage pool XML: parse → validate → format →
 * parse again.  The formatter's output must always be accepted by the
 * parser and must be a fixed point; a copy must format as the original. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-storage-pool-def.h"
#include "vb-util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStoragePoolDef) def = NULL;
  g_autoptr(VbStoragePoolDef) again = NULL;
  g_autoptr(VbStoragePoolDef) copy = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *copied = NULL;

  vb_util_set_deterministic (TRUE);
  def = vb_storage_pool_def_parse (xml, 0, &error);
  if (def == NULL)
    return 0;
  if (!vb_storage_pool_def_validate (def, &error))
    g_clear_error (&error);
  out = vb_storage_pool_def_format (def);
  again = vb_storage_pool_def_parse (out, 0, &error);
  if (again == NULL) {
    fprintf (stderr, "formatted output does not parse: %s\n%s", error->message, out);
    abort ();
  }
  out2 = vb_storage_pool_def_format (again);
  if (strcmp (out, out2) != 0) {
    fprintf (stderr, "format is not a fixed point:\n%s---\n%s", out, out2);
    abort ();
  }
  copy = vb_storage_pool_def_copy (def);
  g_clear_pointer (&def, vb_storage_pool_def_free);
  copied = vb_storage_pool_def_format (copy);
  if (strcmp (out, copied) != 0) {
    fprintf (stderr, "the copy formats differently:\n%s---\n%s", out, copied);
    abort ();
  }
  return 0;
}
