/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the structure copies of the domain and network definitions share;
 * private to drivers/core. */

#include <glib.h>

G_BEGIN_DECLS

/* A GCopyFunc for arrays of strings */
static inline gpointer
vb_def_copy_str (gconstpointer s, gpointer unused)
{
  return g_strdup (s);
}

/* A copy of @arr (NULL gives NULL) with each element through @func;
 * g_ptr_array_copy keeps the element free function of @arr. */
static inline GPtrArray *
vb_def_copy_array (const GPtrArray *arr, GCopyFunc func)
{
  return arr ? g_ptr_array_copy ((GPtrArray *) arr, func, NULL) : NULL;
}

G_END_DECLS
