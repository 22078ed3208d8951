/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer entry point for storage volume XML.  A volume is read against
 * its pool's type, which changes what <format> and <features> mean, so
 * each input is read once for every pool type: parse → validate → format
 * → parse again must be a fixed point, and a copy must format the same. */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-storage-vol-def.h"
#include "vb-util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check (const VbStoragePoolDef *pool, const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbStorageVolDef) def = vb_storage_vol_def_parse (pool, xml, VB_STORAGE_VOL_PARSE_NO_CAPACITY,
                                                             &error);
  g_autoptr(VbStorageVolDef) again = NULL;
  g_autoptr(VbStorageVolDef) copy = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *copied = NULL;

  if (def == NULL)
    return;
  if (!vb_storage_vol_def_validate (def, &error))
    g_clear_error (&error);
  out = vb_storage_vol_def_format (def);
  /* the output always has a capacity: no flag needed to read it back */
  again = vb_storage_vol_def_parse (pool, out, 0, &error);
  if (again == NULL) {
    fprintf (stderr, "formatted output does not parse (pool type %s): %s\n%s",
             vb_storage_pool_type_to_string (pool->type), error->message, out);
    abort ();
  }
  out2 = vb_storage_vol_def_format (again);
  if (strcmp (out, out2) != 0) {
    fprintf (stderr, "format is not a fixed point:\n%s---\n%s", out, out2);
    abort ();
  }
  copy = vb_storage_vol_def_copy (def);
  g_clear_pointer (&def, vb_storage_vol_def_free);
  copied = vb_storage_vol_def_format (copy);
  if (strcmp (out, copied) != 0) {
    fprintf (stderr, "the copy formats differently:\n%s---\n%s", out, copied);
    abort ();
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *xml = g_strndup ((const char *) data, size);

  vb_util_set_deterministic (TRUE);
  for (int type = 0; type < VB_STORAGE_POOL_TYPE_LAST; type++) {
    /* volume parsing reads nothing of the pool but its type */
    VbStoragePoolDef pool = { .type = (VbStoragePoolType) type };

    check (&pool, xml);
  }
  return 0;
}
