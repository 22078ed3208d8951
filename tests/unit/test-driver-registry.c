/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib/gstdio.h>

#include "vb-driver-registry.h"

/* The generated table holds exactly the drivers this build was configured
 * with (VB_EXPECTED_DRIVERS, from drivers/meson.build), in order, and each
 * constructor makes the driver its entry names. */
static void
test_builtin (void)
{
  g_auto(GStrv) expected = g_strsplit (VB_EXPECTED_DRIVERS, ",", -1);
  g_autofree char *state_dir = g_dir_make_tmp ("vb-registry-XXXXXX", NULL);
  const VbDriverConfig config = { .system = FALSE, .state_dir = state_dir };
  const VbDriverEntry *entry = vb_driver_registry_get_builtin ();
  guint n = 0;

  g_assert_nonnull (state_dir);
  for (; entry->name; entry++, n++) {
    g_autoptr(VbDriver) driver = NULL;

    g_assert_cmpuint (n, <, g_strv_length (expected));
    g_assert_cmpstr (entry->name, ==, expected[n]);
    driver = entry->new (&config);
    g_assert_true (VB_IS_DRIVER (driver));
    /* the bus root is the same name, spelled as libvirt does ("QEMU") */
    g_assert_cmpint (g_ascii_strcasecmp (vb_driver_get_name (driver), entry->name), ==, 0);
  }
  g_assert_cmpuint (n, ==, g_strv_length (expected));
  g_assert_cmpint (g_rmdir (state_dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/driver-registry/builtin", test_builtin);
  return g_test_run ();
}
