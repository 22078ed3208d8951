/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The capabilities document builders the drivers share. */
#include <glib.h>

#include "vb-capabilities.h"

static void
test_document (void)
{
  static const guint sizes[] = { 4, 2048 };
  static const VbCapsPages pages[] = { { 4, 256 } };
  static const VbCapsCpu cpus[] = { { 0, 0, 0 }, { 1, 0, 1 } };
  GString *s = vb_caps_new ();
  g_autofree char *xml = NULL;

  g_string_append (s, "    <cpu>\n      <arch>x86_64</arch>\n");
  vb_caps_append_cpu_pages (s, sizes, G_N_ELEMENTS (sizes));
  vb_caps_append_topology_start (s, 1);
  vb_caps_append_cell (s, 0, 1024, pages, G_N_ELEMENTS (pages), cpus, G_N_ELEMENTS (cpus));
  vb_caps_append_host_end (s, "none", "0");
  vb_caps_append_guest_start (s, "hvm", "i686", 32, "/usr/bin/qemu");
  g_string_append (s, "      <domain type='qemu'/>\n");
  vb_caps_append_guest_end (s, "      <pae/>\n");
  xml = vb_caps_free_to_string (s);
  g_assert_cmpstr (xml, ==,
    "<capabilities>\n"
    "\n"
    "  <host>\n"
    "    <cpu>\n"
    "      <arch>x86_64</arch>\n"
    "      <pages unit='KiB' size='4'/>\n"
    "      <pages unit='KiB' size='2048'/>\n"
    "    </cpu>\n"
    "    <power_management/>\n"
    "    <iommu support='no'/>\n"
    "    <topology>\n"
    "      <cells num='1'>\n"
    "        <cell id='0'>\n"
    "          <memory unit='KiB'>1024</memory>\n"
    "          <pages unit='KiB' size='4'>256</pages>\n"
    "          <cpus num='2'>\n"
    "            <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0'/>\n"
    "            <cpu id='1' socket_id='0' die_id='0' core_id='1' siblings='1'/>\n"
    "          </cpus>\n"
    "        </cell>\n"
    "      </cells>\n"
    "    </topology>\n"
    "    <secmodel>\n"
    "      <model>none</model>\n"
    "      <doi>0</doi>\n"
    "    </secmodel>\n"
    "  </host>\n"
    "\n"
    "  <guest>\n"
    "    <os_type>hvm</os_type>\n"
    "    <arch name='i686'>\n"
    "      <wordsize>32</wordsize>\n"
    "      <emulator>/usr/bin/qemu</emulator>\n"
    "      <domain type='qemu'/>\n"
    "    </arch>\n"
    "    <features>\n"
    "      <pae/>\n"
    "    </features>\n"
    "  </guest>\n"
    "\n"
    "</capabilities>\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capabilities/document", test_document);
  return g_test_run ();
}
