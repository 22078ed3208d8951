/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <gio/gio.h>

#include "vb-error.h"

/* The table is indexed by code: a code left out of vb-error-table.h would
 * leave an empty row that the count assert in vb-error.c cannot see. */
static void
test_every_code_has_a_name (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (int code = 0; code < VB_ERROR_N_CODES; code++) {
    const char *name = vb_error_get_dbus_name (code);

    g_assert_nonnull (name);
    g_assert_true (g_dbus_is_error_name (name));
    g_assert_true (g_str_has_prefix (name, "org.libvirt.Error"));
    /* one name per code, so a name tells the code */
    g_assert_false (g_hash_table_contains (seen, name));
    g_hash_table_add (seen, (gpointer) name);
  }
  /* what libvirt-dbus sends for everything stays the name of FAILED */
  g_assert_cmpstr (vb_error_get_dbus_name (VB_ERROR_FAILED), ==, "org.libvirt.Error");
  g_assert_cmpstr (vb_error_get_dbus_name (VB_ERROR_NOT_FOUND), ==, "org.libvirt.Error.NotFound");
}

static void
test_libvirt_codes (void)
{
  /* virErrorNumber, as libvirt's clients compare them */
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_INVALID_ARG), ==, 8);
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_INVALID_XML), ==, 27);
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_INVALID_STATE), ==, 55);
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_NOT_SUPPORTED), ==, 3);
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_PERMISSION_DENIED), ==, 88);
  /* no single number: the kind of object decides */
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_NOT_FOUND), ==, -1);
  g_assert_cmpint (vb_error_get_libvirt_code (VB_ERROR_EXISTS), ==, -1);
}

static void
test_foreign_errors (void)
{
  static const struct {
    GQuark (*domain) (void);
    int code;
    VbErrorCode expected;
  } cases[] = {
    { vb_error_quark, VB_ERROR_BUSY, VB_ERROR_BUSY },
    { vb_error_quark, 9999, VB_ERROR_FAILED },
    { g_io_error_quark, G_IO_ERROR_NOT_FOUND, VB_ERROR_NOT_FOUND },
    { g_io_error_quark, G_IO_ERROR_EXISTS, VB_ERROR_EXISTS },
    { g_io_error_quark, G_IO_ERROR_PERMISSION_DENIED, VB_ERROR_PERMISSION_DENIED },
    { g_io_error_quark, G_IO_ERROR_BUSY, VB_ERROR_BUSY },
    { g_io_error_quark, G_IO_ERROR_NO_SPACE, VB_ERROR_IO },
    { g_io_error_quark, G_IO_ERROR_CANCELLED, VB_ERROR_FAILED },
    { g_file_error_quark, G_FILE_ERROR_NOENT, VB_ERROR_NOT_FOUND },
    { g_file_error_quark, G_FILE_ERROR_ACCES, VB_ERROR_PERMISSION_DENIED },
    { g_file_error_quark, G_FILE_ERROR_NOSPC, VB_ERROR_IO },
    { g_dbus_error_quark, G_DBUS_ERROR_ACCESS_DENIED, VB_ERROR_PERMISSION_DENIED },
    { g_dbus_error_quark, G_DBUS_ERROR_NO_REPLY, VB_ERROR_FAILED },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = g_error_new_literal (cases[i].domain (), cases[i].code, "x");

    g_assert_cmpint (vb_error_get_code (error), ==, cases[i].expected);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/names", test_every_code_has_a_name);
  g_test_add_func ("/error/libvirt-codes", test_libvirt_codes);
  g_test_add_func ("/error/foreign", test_foreign_errors);
  return g_test_run ();
}
