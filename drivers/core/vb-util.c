/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "vb-error.h"

static gboolean deterministic;
static guint64 deterministic_counter;

void
vb_util_set_deterministic (gboolean value)
{
  deterministic = value;
  deterministic_counter = 0;
}

static void
random_bytes (guint8 *buf, gsize len)
{
  gsize done = 0;

  while (done < len) {
    ssize_t n = getrandom (buf + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      /* getrandom cannot fail otherwise on a kernel that has it; keep the
       * process alive with GLib's generator rather than abort. */
      for (; done < len; done++)
        buf[done] = (guint8) g_random_int_range (0, 256);
      return;
    }
    done += (gsize) n;
  }
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

gboolean
vb_uuid_parse (const char *str, VbUuid *uuid, GError **error)
{
  const char *p = str;
  guint i;

  g_return_val_if_fail (uuid != NULL, FALSE);

  if (str == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "missing UUID");
    return FALSE;
  }
  while (g_ascii_isspace (*p))
    p++;
  for (i = 0; i < VB_UUID_LEN; i++) {
    int hi, lo;

    while (*p == '-' || *p == ' ')
      p++;
    hi = hex_value (p[0]);
    lo = hi < 0 ? -1 : hex_value (p[1]);
    if (hi < 0 || lo < 0) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                   "malformed UUID '%s': expected 32 hexadecimal digits", str);
      return FALSE;
    }
    uuid->bytes[i] = (guint8) (hi << 4 | lo);
    p += 2;
  }
  while (g_ascii_isspace (*p))
    p++;
  if (*p != '\0') {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "malformed UUID '%s': trailing characters", str);
    return FALSE;
  }
  return TRUE;
}

void
vb_uuid_format (const VbUuid *uuid, char out[VB_UUID_STRING_LEN + 1])
{
  const guint8 *b = uuid->bytes;

  g_snprintf (out, VB_UUID_STRING_LEN + 1,
              "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
              b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
              b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

char *
vb_uuid_to_string (const VbUuid *uuid)
{
  char buf[VB_UUID_STRING_LEN + 1];

  vb_uuid_format (uuid, buf);
  return g_strdup (buf);
}

void
vb_uuid_generate (VbUuid *uuid)
{
  if (deterministic) {
    guint64 n = ++deterministic_counter;

    memset (uuid->bytes, 0, sizeof uuid->bytes);
    for (guint i = 0; i < 8; i++)
      uuid->bytes[VB_UUID_LEN - 1 - i] = (guint8) (n >> (8 * i));
  } else {
    random_bytes (uuid->bytes, sizeof uuid->bytes);
  }
  /* RFC 4122 version 4, variant 1 */
  uuid->bytes[6] = (uuid->bytes[6] & 0x0f) | 0x40;
  uuid->bytes[8] = (uuid->bytes[8] & 0x3f) | 0x80;
}

gboolean
vb_uuid_is_null (const VbUuid *uuid)
{
  for (guint i = 0; i < VB_UUID_LEN; i++)
    if (uuid->bytes[i] != 0)
      return FALSE;
  return TRUE;
}

gboolean
vb_uuid_equal (const VbUuid *a, const VbUuid *b)
{
  return memcmp (a->bytes, b->bytes, VB_UUID_LEN) == 0;
}

guint
vb_uuid_hash (gconstpointer uuid)
{
  const VbUuid *u = uuid;
  guint h;

  /* UUIDs are random enough that any four bytes make a good hash. */
  memcpy (&h, u->bytes + 12, sizeof h);
  return h;
}

gboolean
vb_uuid_equal_func (gconstpointer a, gconstpointer b)
{
  return vb_uuid_equal (a, b);
}

static gboolean
mac_parse_octets (const char *p, VbMac *mac)
{
  for (guint i = 0; i < VB_MAC_LEN; i++) {
    int hi = hex_value (p[0]);
    int lo;

    if (hi < 0)
      return FALSE;
    lo = hex_value (p[1]);
    if (lo < 0) {
      /* libvirt accepts single-digit octets such as 0:1:2:3:4:5 */
      mac->bytes[i] = (guint8) hi;
      p += 1;
    } else {
      mac->bytes[i] = (guint8) (hi << 4 | lo);
      p += 2;
    }
    if (i < VB_MAC_LEN - 1) {
      if (*p != ':' && *p != '-')
        return FALSE;
      p++;
    }
  }
  return *p == '\0';
}

gboolean
vb_mac_parse (const char *str, VbMac *mac, GError **error)
{
  if (str == NULL || !mac_parse_octets (str, mac)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                 "unable to parse MAC address '%s'", str ? str : "");
    return FALSE;
  }
  return TRUE;
}

void
vb_mac_format (const VbMac *mac, char out[18])
{
  const guint8 *b = mac->bytes;

  g_snprintf (out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

void
vb_mac_generate (VbMac *mac)
{
  mac->bytes[0] = 0x52;
  mac->bytes[1] = 0x54;
  mac->bytes[2] = 0x00;
  if (deterministic)
    memset (mac->bytes + 3, 0, 3);
  else
    random_bytes (mac->bytes + 3, 3);
}

gboolean
vb_mac_is_null (const VbMac *mac)
{
  for (guint i = 0; i < VB_MAC_LEN; i++)
    if (mac->bytes[i] != 0)
      return FALSE;
  return TRUE;
}

gboolean
vb_mac_is_multicast (const VbMac *mac)
{
  return (mac->bytes[0] & 1) != 0;
}

gboolean
vb_name_validate (const char *name, const char *what, GError **error)
{
  if (name == NULL || *name == '\0') {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s must not be empty", what);
    return FALSE;
  }
  if (!g_utf8_validate (name, -1, NULL)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, "%s is not valid UTF-8", what);
    return FALSE;
  }
  if (strchr (name, '/') != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "%s '%s' cannot contain '/'", what, name);
    return FALSE;
  }
  for (const char *p = name; *p; p++) {
    if ((guchar) *p < 0x20 || *p == 0x7f) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                   "%s cannot contain control characters", what);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
fsync_directory_of (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd < 0) {
    saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot open directory %s: %s",
                 dir, g_strerror (saved));
    return FALSE;
  }
  if (fsync (fd) < 0 && errno != EINVAL) {
    saved = errno;
    close (fd);
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot sync directory %s: %s",
                 dir, g_strerror (saved));
    return FALSE;
  }
  close (fd);
  return TRUE;
}

gboolean
vb_file_write_atomic (const char *path, const char *contents, gsize len, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  /* g_file_set_contents_full with DURABLE does temp file + fsync + rename;
   * the directory fsync makes the rename itself survive a power cut. */
  if (!g_file_set_contents_full (path, contents, (gssize) len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error)) {
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write %s: %s", path, local_error->message);
    return FALSE;
  }
  return fsync_directory_of (path, error);
}

gboolean
vb_file_write_runtime (const char *path, const char *contents, gsize len, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  int saved;

  if (fd < 0) {
    saved = errno;
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot create %s: %s", tmp, g_strerror (saved));
    return FALSE;
  }
  while (len > 0) {
    ssize_t n = write (fd, contents, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      saved = errno;
      close (fd);
      g_unlink (tmp);
      g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write %s: %s", tmp, g_strerror (saved));
      return FALSE;
    }
    contents += n;
    len -= (gsize) n;
  }
  if (close (fd) < 0 || g_rename (tmp, path) < 0) {
    saved = errno;
    g_unlink (tmp);
    g_set_error (error, VB_ERROR, VB_ERROR_IO, "cannot write %s: %s", path, g_strerror (saved));
    return FALSE;
  }
  return TRUE;
}

gboolean
vb_path_check_absolute (const char *path, GError **error)
{
  if (!g_path_is_absolute (path)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "path '%s' is not absolute", path);
    return FALSE;
  }
  return TRUE;
}
