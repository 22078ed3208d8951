/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: whatever parses must format to something that parses
 * again, and its copy must format as it does; nothing may crash or leak on
 * hostile input. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "vb-domain-def.h"
#include "vb-util.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *xml = g_malloc (size + 1);
  g_autoptr(VbDomainDef) def = NULL;
  g_autoptr(VbDomainDef) again = NULL;
  g_autoptr(VbDomainDef) copy = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autoptr(GError) error = NULL;

  vb_util_set_deterministic (TRUE);
  memcpy (xml, data, size);
  xml[size] = '\0';
  def = vb_domain_def_parse (xml, 0, NULL);
  if (def == NULL)
    return 0;
  out = vb_domain_def_format (def, VB_DOMAIN_FORMAT_SECURE);
  again = vb_domain_def_parse (out, 0, &error);
  if (again == NULL) {
    g_printerr ("formatted output does not parse: %s\n%s", error->message, out);
    abort ();
  }
  out2 = vb_domain_def_format (again, VB_DOMAIN_FORMAT_SECURE);
  if (strcmp (out, out2) != 0) {
    g_printerr ("format is not stable:\n%s\n---\n%s", out, out2);
    abort ();
  }
  copy = vb_domain_def_copy (def);
  copied = vb_domain_def_format (copy, VB_DOMAIN_FORMAT_SECURE);
  if (strcmp (out, copied) != 0) {
    g_printerr ("the copy formats differently:\n%s\n---\n%s", out, copied);
    abort ();
  }
  return 0;
}
