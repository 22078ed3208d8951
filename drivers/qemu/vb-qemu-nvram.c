/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* UEFI variable stores: made from their template at start, renamed with the
 * domain, kept or removed at undefine. */
#include "vb-qemu-private.h"

#include <errno.h>

#include <glib/gstdio.h>

static char *
nvram_file (const VbDomainDef *def)
{
  xmlNode *nvram = vb_qemu_firmware_nvram (def);
  char *path = nvram ? g_strstrip (vb_xml_text (nvram)) : NULL;

  if (path && *path == '\0')
    g_clear_pointer (&path, g_free);
  return path;
}

/* libvirt's rule: a guest's variable store (its boot entries, its keys)
 * is not lost by an undefine that did not say what to do with it. */
gboolean
check_undefine_nvram (const VbDomainDef *def, guint flags, GError **error)
{
  g_autofree char *path = nvram_file (def);

  if ((flags & VB_DOMAIN_UNDEFINE_NVRAM) && (flags & VB_DOMAIN_UNDEFINE_KEEP_NVRAM)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "flags VIR_DOMAIN_UNDEFINE_NVRAM and VIR_DOMAIN_UNDEFINE_KEEP_NVRAM are mutually exclusive");
    return FALSE;
  }
  if (path && g_file_test (path, G_FILE_TEST_EXISTS) &&
      !(flags & (VB_DOMAIN_UNDEFINE_NVRAM | VB_DOMAIN_UNDEFINE_KEEP_NVRAM))) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                 "cannot undefine domain '%s' with nvram (%s): pass VIR_DOMAIN_UNDEFINE_NVRAM "
                 "or VIR_DOMAIN_UNDEFINE_KEEP_NVRAM", def->name, path);
    return FALSE;
  }
  return TRUE;
}

void
remove_nvram (const VbDomainDef *def)
{
  g_autofree char *path = nvram_file (def);

  if (path && g_unlink (path) < 0 && errno != ENOENT)
    g_warning ("cannot remove NVRAM file %s: %s", path, g_strerror (errno));
}

/* The guest's own variable store, made from its template on first start
 * (a few hundred KiB: copied in place). */
gboolean
prepare_nvram (const VbDomainDef *def, GError **error)
{
  xmlNode *nvram = vb_qemu_firmware_nvram (def);
  g_autofree char *path = nvram ? g_strstrip (vb_xml_text (nvram)) : NULL;
  g_autofree char *template = nvram ? vb_xml_prop (nvram, "template") : NULL;
  g_autofree char *dir = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GFile) src = NULL;
  g_autoptr(GFile) dst = NULL;

  if (path == NULL || *path == '\0' || g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (template == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "NVRAM file '%s' does not exist and no template names where to make it from", path);
    return FALSE;
  }
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) < 0) {
    int saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", dir, g_strerror (saved));
    return FALSE;
  }
  /* under a temporary name: a half-copied store must never look made */
  tmp = g_strdup_printf ("%s.tmp", path);
  src = g_file_new_for_path (template);
  dst = g_file_new_for_path (tmp);
  if (!g_file_copy (src, dst, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error) ||
      g_chmod (tmp, 0600) < 0 || g_rename (tmp, path) < 0) {
    if (error && *error == NULL)
      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create NVRAM file '%s': %s", path, g_strerror (errno));
    else
      g_prefix_error (error, "cannot create NVRAM file '%s' from '%s': ", path, template);
    g_unlink (tmp);
    return FALSE;
  }
  return TRUE;
}

/* Whether the store of @def has to be made before qemu runs. */
gboolean
nvram_needs_making (const VbDomainDef *def)
{
  g_autofree char *path = nvram_file (def);

  return path && !g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
prepare_nvram_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (prepare_nvram (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* prepare_nvram off the main loop: a copy of a template (which may sit
 * on slow storage) must not hold up every other call.  @def is read in
 * the worker: the caller leaves it alone until @callback runs. */
void
prepare_nvram_async (VbQemuDriver *self, const VbDomainDef *def, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, prepare_nvram_async);
  g_task_set_task_data (task, (gpointer) def, NULL);
  g_task_run_in_thread (task, prepare_nvram_thread);
}

gboolean
prepare_nvram_finish (VbQemuDriver *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static char *
own_nvram_path (VbQemuDriver *self, const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s_VARS.fd", name);

  return g_build_filename (self->nvram_dir, file, NULL);
}

/* A variable store we named after the domain follows it to its new name,
 * or the next define of the old name would inherit the guest's boot
 * entries and keys.  One the user placed elsewhere stays where it is. */
gboolean
rename_own_nvram (VbQemuDriver *self, const VbDomainDef *old_def, VbDomainDef *new_def, gboolean *out_moved,
                  GError **error)
{
  g_autofree char *current = nvram_file (old_def);
  g_autofree char *ours = own_nvram_path (self, old_def->name);
  g_autofree char *renamed = NULL;

  *out_moved = FALSE;
  if (current == NULL || !g_str_equal (current, ours))
    return TRUE;
  renamed = own_nvram_path (self, new_def->name);
  if (g_file_test (renamed, G_FILE_TEST_EXISTS)) {
    g_set_error (error, VB_ERROR, VB_ERROR_EXISTS,
                 "cannot rename domain '%s' to '%s': the NVRAM file %s already exists", old_def->name,
                 new_def->name, renamed);
    return FALSE;
  }
  if (g_file_test (current, G_FILE_TEST_EXISTS)) {
    if (g_rename (current, renamed) < 0) {
      int saved = errno;

      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot rename NVRAM file %s to %s: %s", current, renamed,
                   g_strerror (saved));
      return FALSE;
    }
    *out_moved = TRUE;
  }
  xmlNodeSetContent (vb_qemu_firmware_nvram (new_def), BAD_CAST renamed);
  return TRUE;
}

void
undo_nvram_rename (VbQemuDriver *self, const char *old_name, const char *new_name)
{
  g_autofree char *from = own_nvram_path (self, new_name);
  g_autofree char *to = own_nvram_path (self, old_name);

  if (g_rename (from, to) < 0)
    g_warning ("cannot move NVRAM file %s back to %s: %s", from, to, g_strerror (errno));
}
