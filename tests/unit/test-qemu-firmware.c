/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <glib.h>

#include "vb-error.h"

#include "vb-qemu-firmware.h"

/* Descriptor loading and selection over the fixture directories in
 * tests/unit/firmware: "system" as a distribution ships them (plus a
 * broken file and one the driver cannot use), "override" as an admin
 * changes them (a replacement and an empty file that masks). */

static char *
fixture_dir (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "firmware", name, NULL);
}

static GPtrArray *
load (gboolean with_override)
{
  g_autofree char *system = fixture_dir ("system");
  g_autofree char *override = fixture_dir ("override");
  const char *dirs[] = { system, with_override ? override : NULL, NULL };

  return vb_qemu_firmware_load (dirs, FALSE);
}

static const char *
select_name (GPtrArray *fws, const char *interface, const char *arch, const char *machine,
             const char *const *required, const char *const *forbidden)
{
  const VbQemuFirmware *fw = vb_qemu_firmware_select (fws, interface, arch, machine, required, forbidden);

  return fw ? fw->name : NULL;
}

static void
test_load_order_and_broken_files (void)
{
  g_autoptr(GPtrArray) fws = load (FALSE);
  const char *expected[] = { "10-seabios.json", "40-secure-enrolled.json", "50-secure.json", "55-qcow2.json",
                             "60-plain.json", "70-aarch64.json" };
  const VbQemuFirmware *plain;

  g_assert_cmpuint (fws->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < fws->len; i++)
    g_assert_cmpstr (((VbQemuFirmware *) g_ptr_array_index (fws, i))->name, ==, expected[i]);
  plain = g_ptr_array_index (fws, 4);
  g_assert_cmpstr (plain->device, ==, "flash");
  g_assert_cmpstr (plain->mode, ==, "split");
  g_assert_cmpstr (plain->executable, ==, "/fw/CODE.fd");
  g_assert_cmpstr (plain->nvram_template, ==, "/fw/VARS.fd");
  g_assert_true (vb_qemu_firmware_has_feature (plain, "acpi-s3"));
  g_assert_false (vb_qemu_firmware_has_feature (plain, "secure-boot"));
}

static void
test_parse_errors (void)
{
  g_autofree char *dir = fixture_dir ("system");
  g_autofree char *broken = g_build_filename (dir, "80-broken.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "99-missing.json", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (vb_qemu_firmware_parse (broken, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "80-broken.json"));
  g_clear_error (&error);
  g_assert_null (vb_qemu_firmware_parse (missing, &error));
  g_assert_nonnull (error);
}

static void
test_select_like_libvirt (void)
{
  g_autoptr(GPtrArray) fws = load (FALSE);
  const char *secure[] = { "secure-boot", NULL };
  const char *secure_enrolled[] = { "secure-boot", "enrolled-keys", NULL };
  const char *no_keys[] = { "enrolled-keys", NULL };
  const char *no_acpi_s3[] = { "acpi-s3", NULL };

  /* plain UEFI: neither the Secure Boot builds (not asked for) nor the
   * qcow2 one (not usable) although they come first */
  g_assert_cmpstr (select_name (fws, "uefi", "x86_64", "pc-q35-7.2", NULL, NULL), ==, "60-plain.json");
  g_assert_cmpstr (select_name (fws, "uefi", "x86_64", "pc-i440fx-7.2", NULL, NULL), ==, "60-plain.json");
  g_assert_cmpstr (select_name (fws, "uefi", "x86_64", "pc-q35-7.2", secure, no_keys), ==, "50-secure.json");
  g_assert_cmpstr (select_name (fws, "uefi", "x86_64", "pc-q35-7.2", secure_enrolled, NULL), ==,
                   "40-secure-enrolled.json");
  /* machine globs and architectures */
  g_assert_null (select_name (fws, "uefi", "x86_64", "pc-i440fx-7.2", secure, NULL));
  g_assert_null (select_name (fws, "uefi", "x86_64", "microvm", NULL, NULL));
  g_assert_null (select_name (fws, "uefi", "x86_64", "q35", NULL, NULL));
  g_assert_cmpstr (select_name (fws, "uefi", "aarch64", "virt-7.2", NULL, NULL), ==, "70-aarch64.json");
  /* interfaces and forbidden features */
  g_assert_cmpstr (select_name (fws, "bios", "x86_64", "pc-i440fx-7.2", NULL, NULL), ==, "10-seabios.json");
  g_assert_null (select_name (fws, "uefi", "x86_64", "pc-q35-7.2", NULL, no_acpi_s3));
  g_assert_null (select_name (NULL, "uefi", "x86_64", "pc-q35-7.2", NULL, NULL));
}

static void
test_override_and_mask (void)
{
  g_autoptr(GPtrArray) fws = load (TRUE);
  const char *secure[] = { "secure-boot", NULL };
  const VbQemuFirmware *fw = vb_qemu_firmware_select (fws, "uefi", "x86_64", "pc-q35-7.2", NULL, NULL);

  g_assert_nonnull (fw);
  g_assert_cmpstr (fw->executable, ==, "/etc/fw/CODE.fd");
  /* the replacement no longer targets i440fx */
  g_assert_null (select_name (fws, "uefi", "x86_64", "pc-i440fx-7.2", NULL, NULL));
  /* the masked Secure Boot build is gone; only the enrolled one is left */
  g_assert_null (select_name (fws, "uefi", "x86_64", "pc-q35-7.2", secure, NULL));
}

static VbDomainDef *
parse (const char *os)
{
  g_autofree char *xml = g_strdup_printf ("<domain type='qemu'><name>efi-a</name><memory>65536</memory>"
                                          "<os%s</os><devices/></domain>", os);
  g_autoptr(GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, 0, &error);

  g_assert_no_error (error);
  return def;
}

static void
test_fill_domain (void)
{
  g_autoptr(GPtrArray) fws = load (FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomainDef) efi = parse (" firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>");
  g_autoptr(VbDomainDef) secure = parse (" firmware='efi'><type arch='x86_64'>hvm</type>"
                                         "<firmware><feature enabled='yes' name='secure-boot'/></firmware>");
  g_autoptr(VbDomainDef) loader = parse ("><type arch='x86_64'>hvm</type>"
                                         "<loader readonly='yes' type='pflash'>/fw/CODE.fd</loader>");
  g_autoptr(VbDomainDef) none = parse (" firmware='efi'><type arch='x86_64'>hvm</type>");
  g_autoptr(VbDomainDef) bad = parse (" firmware='uboot'><type arch='x86_64'>hvm</type>");
  g_autofree char *xml = NULL;

  g_assert_true (vb_qemu_firmware_fill_domain (efi, fws, "pc-q35-7.2", "/var/nv", &error));
  g_assert_no_error (error);
  xml = vb_domain_def_format (efi, VB_DOMAIN_FORMAT_INACTIVE);
  g_assert_nonnull (strstr (xml, "<os firmware='efi'>"));
  g_assert_nonnull (strstr (xml, "<loader readonly='yes' type='pflash'>/fw/CODE.fd</loader>"));
  g_assert_nonnull (strstr (xml, "<nvram template='/fw/VARS.fd'>/var/nv/efi-a_VARS.fd</nvram>"));
  g_clear_pointer (&xml, g_free);

  g_assert_true (vb_qemu_firmware_fill_domain (secure, fws, "pc-q35-7.2", "/var/nv", &error));
  xml = vb_domain_def_format (secure, VB_DOMAIN_FORMAT_INACTIVE);
  g_assert_nonnull (strstr (xml, "<loader readonly='yes' secure='yes' type='pflash'>/fw/CODE.secboot.fd</loader>"));
  g_clear_pointer (&xml, g_free);

  /* an explicit loader keeps itself and gets its descriptor's template */
  g_assert_true (vb_qemu_firmware_fill_domain (loader, fws, "pc-i440fx-7.2", "/var/nv", &error));
  xml = vb_domain_def_format (loader, VB_DOMAIN_FORMAT_INACTIVE);
  g_assert_nonnull (strstr (xml, "<nvram template='/fw/VARS.fd'>/var/nv/efi-a_VARS.fd</nvram>"));
  g_clear_pointer (&xml, g_free);

  /* nothing fits: an error, and the definition as it was */
  g_assert_false (vb_qemu_firmware_fill_domain (none, fws, "microvm", "/var/nv", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  g_assert_null (vb_qemu_firmware_loader (none));
  g_assert_null (vb_qemu_firmware_nvram (none));
  g_assert_false (vb_qemu_firmware_fill_domain (bad, fws, "pc-q35-7.2", "/var/nv", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-firmware/load", test_load_order_and_broken_files);
  g_test_add_func ("/qemu-firmware/parse-errors", test_parse_errors);
  g_test_add_func ("/qemu-firmware/select", test_select_like_libvirt);
  g_test_add_func ("/qemu-firmware/override", test_override_and_mask);
  g_test_add_func ("/qemu-firmware/fill-domain", test_fill_domain);
  return g_test_run ();
}
