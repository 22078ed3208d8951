/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>

#include "vb-error.h"
#include "vb-util.h"
#include "vb-xml.h"

static void
test_uuid_roundtrip (void)
{
  VbUuid uuid;
  char out[VB_UUID_STRING_LEN + 1];
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_uuid_parse ("6695eb01-f6a4-8304-79aa-97f2502e193f", &uuid, &error));
  g_assert_no_error (error);
  vb_uuid_format (&uuid, out);
  g_assert_cmpstr (out, ==, "6695eb01-f6a4-8304-79aa-97f2502e193f");

  /* libvirt also takes upper case, no dashes and surrounding blanks */
  g_assert_true (vb_uuid_parse (" 6695EB01F6A4830479AA97F2502E193F ", &uuid, NULL));
  vb_uuid_format (&uuid, out);
  g_assert_cmpstr (out, ==, "6695eb01-f6a4-8304-79aa-97f2502e193f");
}

static void
test_uuid_invalid (void)
{
  const char *bad[] = { "", "6695eb01", "6695eb01-f6a4-8304-79aa-97f2502e193f00",
                        "zz95eb01-f6a4-8304-79aa-97f2502e193f", NULL };
  VbUuid uuid;

  for (guint i = 0; bad[i]; i++) {
    g_autoptr(GError) error = NULL;

    g_assert_false (vb_uuid_parse (bad[i], &uuid, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG);
  }
}

static void
test_uuid_generate (void)
{
  VbUuid a, b;

  vb_uuid_generate (&a);
  vb_uuid_generate (&b);
  g_assert_false (vb_uuid_equal (&a, &b));
  g_assert_cmpint (a.bytes[6] >> 4, ==, 4);
  g_assert_cmpint (a.bytes[8] & 0xc0, ==, 0x80);
  g_assert_false (vb_uuid_is_null (&a));
}

static void
test_mac (void)
{
  VbMac mac;
  char out[18];
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_mac_parse ("AA:bb:CC:dd:EE:ff", &mac, NULL));
  vb_mac_format (&mac, out);
  g_assert_cmpstr (out, ==, "aa:bb:cc:dd:ee:ff");
  g_assert_true (vb_mac_parse ("0:1:2:3:4:5", &mac, NULL));
  vb_mac_format (&mac, out);
  g_assert_cmpstr (out, ==, "00:01:02:03:04:05");
  g_assert_false (vb_mac_parse ("aa:bb:cc:dd:ee", &mac, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG);
  g_assert_false (vb_mac_parse ("aa:bb:cc:dd:ee:ff:00", &mac, NULL));

  vb_mac_generate (&mac);
  g_assert_cmpint (mac.bytes[0], ==, 0x52);
  g_assert_cmpint (mac.bytes[1], ==, 0x54);
  g_assert_cmpint (mac.bytes[2], ==, 0x00);
  g_assert_false (vb_mac_is_multicast (&mac));

  vb_util_set_deterministic (TRUE);
  vb_mac_generate (&mac);
  vb_mac_format (&mac, out);
  g_assert_cmpstr (out, ==, "52:54:00:00:00:00");
  vb_util_set_deterministic (FALSE);
}

static void
test_name_validate (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_name_validate ("guest-1 (copy)", "domain name", NULL));
  g_assert_false (vb_name_validate ("a/b", "domain name", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
  g_assert_nonnull (strstr (error->message, "domain name 'a/b'"));
  g_assert_false (vb_name_validate ("", "network name", NULL));
  g_assert_false (vb_name_validate ("a\nb", "network name", NULL));
  g_assert_false (vb_name_validate ("\xff", "network name", NULL));
}

static void
test_atomic_write (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vbutil-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "def.xml", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (dir, "nope", "def.xml", NULL);

  g_assert_true (vb_file_write_atomic (path, "one", 3, &error));
  g_assert_true (vb_file_write_atomic (path, "two", 3, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "two");
  g_assert_false (vb_file_write_atomic (missing, "x", 1, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_IO);
  g_clear_error (&error);

  /* the run-time variant: same outcome, and no temporary file left */
  g_assert_true (vb_file_write_runtime (path, "three", 5, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "three");
  g_assert_true (vb_file_write_runtime (path, "", 0, &error));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "");
  g_assert_false (vb_file_write_runtime (missing, "x", 1, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_IO);
  g_unlink (path);
  /* fails if anything but def.xml was ever left in the directory */
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_xml_writer (void)
{
  g_autoptr(VbXmlWriter) w = vb_xml_writer_new ();
  g_autofree char *out = NULL;

  vb_xml_start (w, "network");
  vb_xml_end_open (w);
  vb_xml_text_element (w, "name", "a\"b<c>&'d");
  vb_xml_start (w, "bridge");
  vb_xml_attr (w, "name", "virbr0");
  vb_xml_attr (w, "absent", NULL);
  vb_xml_attr_uint (w, "delay", 0);
  vb_xml_end_empty (w);
  vb_xml_close (w);
  out = vb_xml_writer_steal (w);
  g_assert_cmpstr (out, ==,
                   "<network>\n"
                   "  <name>a&quot;b&lt;c&gt;&amp;&apos;d</name>\n"
                   "  <bridge name='virbr0' delay='0'/>\n"
                   "</network>\n");
}

static void
test_xml_parse_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(xmlDoc) doc = NULL;

  doc = vb_xml_parse ("<network><name>x</name>", "network", &error);
  g_assert_null (doc);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  g_clear_error (&error);

  doc = vb_xml_parse ("<domain/>", "network", &error);
  g_assert_null (doc);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  g_clear_error (&error);

  /* entities are never expanded: no billion laughs, no file reads */
  doc = vb_xml_parse ("<!DOCTYPE n [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                      "<network><name>&x;</name></network>",
                      "network", &error);
  if (doc) {
    g_autofree char *text = vb_xml_child_text (xmlDocGetRootElement (doc), "name");
    g_assert_null (strstr (text, "root:"));
  }
}

static void
test_memory_units (void)
{
  const struct {
    const char *value, *unit;
    guint64 kib;
  } cases[] = {
    { "1024", NULL, 1024 },
    { "1", "MiB", 1024 },
    { "1", "M", 1024 },
    { "1", "MB", 977 }, /* 1 000 000 bytes rounded up to KiB */
    { "1", "GiB", 1024 * 1024 },
    { "2048", "b", 2 },
    { "1", "bytes", 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autofree char *xml = cases[i].unit
                               ? g_strdup_printf ("<memory unit='%s'>%s</memory>", cases[i].unit, cases[i].value)
                               : g_strdup_printf ("<memory>%s</memory>", cases[i].value);
    g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "memory", NULL);
    guint64 kib = 0;

    g_assert_true (vb_xml_memory_kib (xmlDocGetRootElement (doc), &kib, NULL));
    g_assert_cmpuint (kib, ==, cases[i].kib);
  }
  {
    g_autoptr(xmlDoc) doc = vb_xml_parse ("<memory unit='parsec'>1</memory>", "memory", NULL);
    g_autoptr(GError) error = NULL;
    guint64 kib;

    g_assert_false (vb_xml_memory_kib (xmlDocGetRootElement (doc), &kib, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
  }
  {
    g_autoptr(xmlDoc) doc = vb_xml_parse ("<memory unit='EiB'>100000</memory>", "memory", NULL);
    guint64 kib;

    g_assert_false (vb_xml_memory_kib (xmlDocGetRootElement (doc), &kib, NULL));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/util/uuid/roundtrip", test_uuid_roundtrip);
  g_test_add_func ("/util/uuid/invalid", test_uuid_invalid);
  g_test_add_func ("/util/uuid/generate", test_uuid_generate);
  g_test_add_func ("/util/mac", test_mac);
  g_test_add_func ("/util/name", test_name_validate);
  g_test_add_func ("/util/atomic-write", test_atomic_write);
  g_test_add_func ("/xml/writer", test_xml_writer);
  g_test_add_func ("/xml/parse-errors", test_xml_parse_errors);
  g_test_add_func ("/xml/memory-units", test_memory_units);
  return g_test_run ();
}
