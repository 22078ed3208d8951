/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Save images: managed save and Save files (their header and the migration
 * stream written through qemu), and the definition a save file holds. */
#include "vb-qemu-private.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* Managed save images: <save_dir>/<uuid>.save (qemu's migration stream)
 * and <uuid>.save.xml (the definition it ran with). */
char *
save_image_path (VbQemuDriver *self, VbDomain *dom, const char *suffix)
{
  g_autofree char *base = g_strconcat (vb_domain_get_uuid_string (dom), ".save", suffix, NULL);

  return g_build_filename (self->save_dir, base, NULL);
}

void
remove_save_image (VbQemuDriver *self, VbDomain *dom)
{
  g_autofree char *image = save_image_path (self, dom, "");
  g_autofree char *xml = save_image_path (self, dom, ".xml");

  g_unlink (image);
  g_unlink (xml);
  vb_domain_set_managed_save (dom, FALSE);
}

static void
save_failed (QemuVm *vm, const char *message)
{
  g_autoptr(GTask) task = g_steal_pointer (&vm->save_task);
  g_autofree char *part = g_strconcat (vm->save_path, ".part", NULL);

  vm->saving = FALSE;
  vm->migrate_done = NULL;
  g_unlink (part);
  /* the guest was paused for the save: give it back as it was */
  if (vb_domain_get_state (vm->dom, NULL) == VB_DOMAIN_RUNNING)
    vb_qemu_monitor_cont_async (vm->mon, NULL, NULL, NULL);
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "%s of '%s' failed: %s",
                           vm->save_managed ? "managed save" : "save", vb_domain_get_name (vm->dom), message);
}

static void
save_migrated (gpointer data, const char *message)
{
  QemuVm *vm = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *part = g_strconcat (vm->save_path, ".part", NULL);
  g_autofree char *xml_path = g_strconcat (vm->save_path, ".xml", NULL);
  g_autofree char *xml = NULL;

  vm->migrate_done = NULL;
  if (message) {
    save_failed (vm, message);
    return;
  }
  /* a file of the caller's holds its definition in its header already */
  xml = vb_domain_def_format (vb_domain_get_live_def (vm->dom), VB_DOMAIN_FORMAT_SECURE);
  if (vm->save_managed && !vb_file_write_atomic (xml_path, xml, strlen (xml), &error)) {
    save_failed (vm, error->message);
    return;
  }
  if (g_rename (part, vm->save_path) < 0) {
    int saved_errno = errno;
    if (vm->save_managed)
      g_unlink (xml_path);
    save_failed (vm, g_strerror (saved_errno));
    return;
  }
  /* the image is complete: this run ends as "saved" once qemu is gone */
  vm->saved = TRUE;
  vb_qemu_monitor_quit_async (vm->mon, NULL, NULL, NULL);
  vm_watch_foreign (vm);
}

static void
save_migrate_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(QemuVm) vm = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = vb_qemu_monitor_finish (VB_QEMU_MONITOR (source), result, &error);

  if (vm->exited)
    return;
  if (!ok) {
    save_failed (vm, error->message);
    return;
  }
  migrate_wait (vm, save_migrated);
}

/* The guest's state into @path (its "<path>.part" until complete), the
 * domain off once it is: libvirt's managed save (@managed: the next start
 * restores it) and Save.  QEMU 7.2 has no file: migration URI, so the
 * stream goes to an fd of ours (a confined qemu may neither open the file
 * nor spawn a writer); a Save's header is written there first and the
 * stream appended. */
static void
vm_save (QemuVm *vm, const char *path, gboolean managed, GTask *task)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  int fd = open (part, O_WRONLY | O_CLOEXEC | O_NOCTTY | (managed ? O_CREAT | O_TRUNC : O_APPEND), 0600);

  if (fd < 0) {
    int saved = errno;

    if (!managed)
      g_unlink (part);
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_IO, "cannot write %s: %s", part, g_strerror (saved));
    return;
  }

  vm->saving = TRUE;
  vm->job_started = g_get_monotonic_time ();
  vm->save_managed = managed;
  vm->save_task = g_object_ref (task);
  g_free (vm->save_path);
  vm->save_path = g_strdup (path);
  vb_qemu_monitor_stop_async (vm->mon, NULL, NULL, NULL);
  /* in order: a getfd that failed fails the migrate too */
  vb_qemu_monitor_getfd_async (vm->mon, "migrate-save", fd, NULL, NULL, NULL);
  vb_qemu_monitor_migrate_async (vm->mon, "fd:migrate-save", NULL, save_migrate_started, vm_ref (vm));
}

/* Domain.Create of a domain with a managed save image: the guest comes
 * back from it, with the definition it ran with. */
gboolean
domain_start_managed_save (VbQemuDriver *self, VbDomain *dom, gboolean paused, GTask *task, gboolean *handed,
                           GError **error)
{
  g_autofree char *image = save_image_path (self, dom, "");
  g_autofree char *xml_path = save_image_path (self, dom, ".xml");
  g_autofree char *xml = NULL;
  g_autoptr(VbDomainDef) saved_def = NULL;
  QemuRestore restore = { .path = image, .managed = TRUE };

  if (!g_file_get_contents (xml_path, &xml, NULL, error) || (saved_def = qemu_parse_domain (xml, error)) == NULL) {
    g_prefix_error (error, "managed save image of '%s' is unusable (start with force-boot to discard it): ",
                    vb_domain_get_name (dom));
    return FALSE;
  }
  *handed = TRUE;
  domain_start (self, dom, g_steal_pointer (&saved_def), paused, FALSE, &restore, task);
  return TRUE;
}

void
domain_managed_save (VbQemuDriver *self, VbDomain *dom, GTask *task)
{
  g_autofree char *path = save_image_path (self, dom, "");

  vm_save (domain_vm (dom), path, TRUE, task);
}

/* Save files: a fixed header, the domain's XML in a NUL-padded area
 * (room for DomainSaveImageDefineXML to edit it in place), then qemu's
 * migration stream.  Numbers little-endian. */
#define SAVE_FILE_MAGIC "VirtbusQemuSave\n"
#define SAVE_FILE_VERSION 1
#define SAVE_FILE_XML_MAX (16 * 1024 * 1024)
#define SAVE_FILE_XML_ROOM 4096

typedef struct {
  char magic[16];
  guint32 version;
  guint32 xml_area;     /* bytes of the XML area that follows */
  guint32 was_running;  /* 1: the guest ran when saved, 0: it was paused */
  guint32 reserved[5];
} SaveFileHeader;

G_STATIC_ASSERT (sizeof (SaveFileHeader) == 48);

/* The header and the XML area of @area bytes (which @xml fits in). */
static char *
save_file_header_new (const char *xml, gsize area, gboolean running)
{
  char *buf = g_malloc0 (sizeof (SaveFileHeader) + area);
  SaveFileHeader h = { 0 };

  memcpy (h.magic, SAVE_FILE_MAGIC, sizeof h.magic);
  h.version = GUINT32_TO_LE (SAVE_FILE_VERSION);
  h.xml_area = GUINT32_TO_LE ((guint32) area);
  h.was_running = GUINT32_TO_LE (running ? 1 : 0);
  memcpy (buf, &h, sizeof h);
  memcpy (buf + sizeof h, xml, strlen (xml));
  return buf;
}

static gboolean
save_file_write_header (const char *path, const char *xml, gboolean running, GError **error)
{
  gsize area = (strlen (xml) + 1 + SAVE_FILE_XML_ROOM + 4095) / 4096 * 4096;
  g_autofree char *buf = save_file_header_new (xml, area, running);

  g_autoptr(GError) local = NULL;

  if (!g_file_set_contents_full (path, buf, sizeof (SaveFileHeader) + area, G_FILE_SET_CONTENTS_NONE, 0600, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write the save file: %s", local->message);
    return FALSE;
  }
  return TRUE;
}

/* The XML of the save file @path, where its stream starts, and whether
 * the guest ran; files not written by Save are refused. */
char *
save_file_read_header (const char *path, guint64 *out_stream_offset, gboolean *out_running, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &local);
  SaveFileHeader h;
  gsize got = 0;
  guint32 area;
  g_autofree char *xml = NULL;

  /* qemu reads the stream with the path as given, from its own directory */
  if (!vb_path_check_absolute (path, error))
    return NULL;
  if (in == NULL) {
    g_set_error (error, VB_ERROR,
                 g_error_matches (local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? VB_ERROR_NOT_FOUND : VB_ERROR_IO,
                 "cannot open save file: %s", local->message);
    return NULL;
  }
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), &h, sizeof h, &got, NULL, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot read save file %s: %s", path, local->message);
    return NULL;
  }
  area = GUINT32_FROM_LE (h.xml_area);
  if (got != sizeof h || memcmp (h.magic, SAVE_FILE_MAGIC, sizeof h.magic) != 0 ||
      GUINT32_FROM_LE (h.version) != SAVE_FILE_VERSION || area == 0 || area > SAVE_FILE_XML_MAX) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "%s is not a save file of this driver", path);
    return NULL;
  }
  xml = g_malloc0 ((gsize) area + 1);
  if (!g_input_stream_read_all (G_INPUT_STREAM (in), xml, area, &got, NULL, &local)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot read save file %s: %s", path, local->message);
    return NULL;
  }
  if (got != area) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "save file %s is truncated", path);
    return NULL;
  }
  *out_stream_offset = sizeof h + (guint64) area;
  *out_running = GUINT32_FROM_LE (h.was_running) != 0;
  return g_steal_pointer (&xml);
}

gboolean
check_save_flags (guint flags, GError **error)
{
  if (!vb_check_flags (flags, VB_DOMAIN_SAVE_ALL, error))
    return FALSE;
  if ((flags & VB_DOMAIN_SAVE_RUNNING) && (flags & VB_DOMAIN_SAVE_PAUSED)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "running and paused flags are mutually exclusive");
    return FALSE;
  }
  return TRUE;
}

gboolean
domain_save (VbQemuDriver *self, VbDomain *dom, GVariant *args, GTask *task, gboolean *handed, GError **error)
{
  const char *path, *xml;
  guint flags;
  g_autofree char *live_xml = NULL;
  g_autofree char *part = NULL;
  gboolean running;

  g_variant_get (args, "(&s&su)", &path, &xml, &flags);
  if (!check_save_flags (flags, error) || !check_active (dom, error))
    return FALSE;
  if (*xml) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "a replacement XML for the save file is not supported");
    return FALSE;
  }
  if (!vb_path_check_absolute (path, error))
    return FALSE;
  running = (flags & VB_DOMAIN_SAVE_RUNNING) ||
            (!(flags & VB_DOMAIN_SAVE_PAUSED) && vb_domain_get_state (dom, NULL) == VB_DOMAIN_RUNNING);
  live_xml = vb_domain_def_format (vb_domain_get_live_def (dom), VB_DOMAIN_FORMAT_SECURE);
  part = g_strconcat (path, ".part", NULL);
  if (!save_file_write_header (part, live_xml, running, error))
    return FALSE;
  *handed = TRUE;
  vm_save (domain_vm (dom), path, FALSE, task);
  return TRUE;
}

/* DomainSaveImageGetXMLDesc: the definition a save file holds. */
char *
save_image_get_xml (GVariant *args, GError **error)
{
  const char *path;
  guint flags;
  guint64 offset;
  gboolean running;
  g_autofree char *xml = NULL;
  g_autoptr(VbDomainDef) def = NULL;

  g_variant_get (args, "(&su)", &path, &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_XML_SECURE, error) ||
      (xml = save_file_read_header (path, &offset, &running, error)) == NULL ||
      (def = qemu_parse_domain (xml, error)) == NULL)
    return NULL;
  return vb_domain_def_format (def, (flags & VB_DOMAIN_XML_SECURE) ? VB_DOMAIN_FORMAT_SECURE : 0);
}

/* DomainSaveImageDefineXML: a new definition of the same domain, and with
 * the running/paused flags the state the restore gives it, written over
 * the header in place (the stream behind it stays where it is). */
gboolean
save_image_define_xml (GVariant *args, GError **error)
{
  const char *path, *xml;
  guint flags;
  guint64 offset;
  gboolean running;
  g_autofree char *old_xml = NULL;
  g_autoptr(VbDomainDef) old_def = NULL;
  g_autoptr(VbDomainDef) def = NULL;
  g_autofree char *formatted = NULL;
  g_autofree char *header = NULL;
  gsize area;
  int fd;
  gboolean ok;

  g_variant_get (args, "(&s&su)", &path, &xml, &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_SAVE_RUNNING | VB_DOMAIN_SAVE_PAUSED, error) || !check_save_flags (flags, error) ||
      (old_xml = save_file_read_header (path, &offset, &running, error)) == NULL ||
      (old_def = qemu_parse_domain (old_xml, error)) == NULL || (def = qemu_parse_domain (xml, error)) == NULL)
    return FALSE;
  if (!vb_uuid_equal (&def->uuid, &old_def->uuid) || g_strcmp0 (def->name, old_def->name) != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "the save file %s holds domain '%s': its definition cannot become another domain's", path,
                 old_def->name);
    return FALSE;
  }
  formatted = vb_domain_def_format (def, VB_DOMAIN_FORMAT_SECURE);
  area = offset - sizeof (SaveFileHeader);
  if (strlen (formatted) + 1 > area) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "the new definition does not fit in the %" G_GSIZE_FORMAT " bytes the save file has for it", area);
    return FALSE;
  }
  if (flags & VB_DOMAIN_SAVE_RUNNING)
    running = TRUE;
  else if (flags & VB_DOMAIN_SAVE_PAUSED)
    running = FALSE;
  header = save_file_header_new (formatted, area, running);
  fd = g_open (path, O_WRONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open save file %s: %s", path, g_strerror (errno));
    return FALSE;
  }
  ok = pwrite (fd, header, offset, 0) == (ssize_t) offset;
  if (!ok)
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write save file %s: %s", path, g_strerror (errno));
  close (fd);
  return ok;
}
