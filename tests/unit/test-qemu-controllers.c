/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include <glib.h>

#include "vb-error.h"
#include "vb-qemu-command.h"

/* The command line of controllers against a hand-made capability set: a
 * device the emulator lacks is refused before any process could start. */

static void
machine_free (VbQemuMachine *m)
{
  g_free (m->name);
  g_free (m->alias);
  g_free (m);
}

static VbQemuCaps *
make_caps (const char *const *devices)
{
  VbQemuCaps *caps = g_atomic_rc_box_new0 (VbQemuCaps);
  VbQemuMachine *q35 = g_new0 (VbQemuMachine, 1);

  caps->emulator = g_strdup ("/usr/bin/qemu-system-x86_64");
  caps->arch = g_strdup ("x86_64");
  caps->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) machine_free);
  q35->name = g_strdup ("pc-q35-7.2");
  q35->alias = g_strdup ("q35");
  q35->cpu_max = 288;
  g_ptr_array_add (caps->machines, q35);
  caps->cpu_models = g_new0 (char *, 1);
  caps->usable_cpu_models = g_new0 (char *, 1);
  caps->device_types = g_strdupv ((char **) devices);
  return caps;
}

static GStrv
build (const VbQemuCaps *caps, const char *devices_xml, GError **error)
{
  g_autofree char *xml = g_strdup_printf ("<domain type='qemu'><name>c</name><memory>65536</memory><vcpu>1</vcpu>"
                                          "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
                                          "<devices>%s</devices></domain>", devices_xml);
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(VbDomainDef) def = vb_domain_def_parse (xml, 0, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_build_command (def, caps, 3, "/nonexistent/c.pid", NULL, error);
}

static gboolean
has_device (GStrv argv, const char *device)
{
  for (guint i = 0; argv[i] && argv[i + 1]; i++)
    if (g_str_equal (argv[i], "-device") && g_str_equal (argv[i + 1], device))
      return TRUE;
  return FALSE;
}

static void
test_missing_device_refused (void)
{
  const char *without_xhci[] = { "piix3-usb-uhci", "virtio-scsi-pci", NULL };
  const char *all[] = { "piix3-usb-uhci", "qemu-xhci", "virtio-scsi-pci", "pcie-root-port", "usb-tablet", NULL };
  g_autoptr(VbQemuCaps) lacking = make_caps (without_xhci);
  g_autoptr(VbQemuCaps) full = make_caps (all);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) argv = NULL;

  argv = build (lacking, "<controller type='usb' index='0' model='qemu-xhci'/>", &error);
  g_assert_null (argv);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "qemu-xhci"));
  g_clear_error (&error);

  argv = build (lacking, "<controller type='pci' index='1' model='pcie-root-port'/>", &error);
  g_assert_null (argv);
  g_assert_nonnull (strstr (error->message, "pcie-root-port"));
  g_clear_error (&error);

  /* q35's default USB controller falls back when qemu-xhci is missing */
  argv = build (lacking, "", &error);
  g_assert_no_error (error);
  g_assert_true (has_device (argv, "piix3-usb-uhci,id=usb"));
  g_clear_pointer (&argv, g_strfreev);

  argv = build (full, "<input type='tablet' bus='usb'/>", &error);
  g_assert_no_error (error);
  g_assert_true (has_device (argv, "qemu-xhci,id=usb"));
  g_assert_true (has_device (argv, "usb-tablet,id=input0,bus=usb.0"));
  g_clear_pointer (&argv, g_strfreev);

  argv = build (full, "<controller type='pci' index='1' model='pcie-root-port'/>", &error);
  g_assert_no_error (error);
  g_assert_true (has_device (argv, "pcie-root-port,port=1,chassis=1,id=pci.1,bus=pcie.0"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-controllers/missing-device", test_missing_device_refused);
  return g_test_run ();
}
