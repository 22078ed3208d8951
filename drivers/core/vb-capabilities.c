/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-capabilities.h"

GString *
vb_caps_new (void)
{
  return g_string_new ("<capabilities>\n\n  <host>\n");
}

void
vb_caps_append_cpu_pages (GString *s, const guint *sizes_kib, guint n_sizes)
{
  for (guint i = 0; i < n_sizes; i++)
    g_string_append_printf (s, "      <pages unit='KiB' size='%u'/>\n", sizes_kib[i]);
}

void
vb_caps_append_topology_start (GString *s, guint n_cells)
{
  g_string_append (s, "    </cpu>\n    <power_management/>\n    <iommu support='no'/>\n    <topology>\n");
  g_string_append_printf (s, "      <cells num='%u'>\n", n_cells);
}

void
vb_caps_append_cell (GString *s, guint id, guint64 memory_kib, const VbCapsPages *pages, guint n_pages,
                     const VbCapsCpu *cpus, guint n_cpus)
{
  g_string_append_printf (s, "        <cell id='%u'>\n", id);
  g_string_append_printf (s, "          <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n", memory_kib);
  for (guint i = 0; i < n_pages; i++)
    g_string_append_printf (s, "          <pages unit='KiB' size='%u'>%" G_GUINT64_FORMAT "</pages>\n",
                            pages[i].size_kib, pages[i].count);
  g_string_append_printf (s, "          <cpus num='%u'>\n", n_cpus);
  for (guint i = 0; i < n_cpus; i++)
    g_string_append_printf (s, "            <cpu id='%u' socket_id='%u' die_id='0' core_id='%u' siblings='%u'/>\n",
                            cpus[i].id, cpus[i].socket_id, cpus[i].core_id, cpus[i].id);
  g_string_append (s, "          </cpus>\n        </cell>\n");
}

void
vb_caps_append_host_end (GString *s, const char *secmodel, const char *doi)
{
  g_string_append_printf (s, "      </cells>\n    </topology>\n"
                             "    <secmodel>\n      <model>%s</model>\n      <doi>%s</doi>\n"
                             "    </secmodel>\n  </host>\n\n", secmodel, doi);
}

void
vb_caps_append_guest_start (GString *s, const char *os_type, const char *arch, guint wordsize,
                            const char *emulator)
{
  g_string_append_printf (s, "  <guest>\n    <os_type>%s</os_type>\n    <arch name='%s'>\n"
                             "      <wordsize>%u</wordsize>\n      <emulator>%s</emulator>\n",
                          os_type, arch, wordsize, emulator);
}

void
vb_caps_append_guest_end (GString *s, const char *features)
{
  g_string_append_printf (s, "    </arch>\n    <features>\n%s    </features>\n  </guest>\n\n", features);
}

char *
vb_caps_free_to_string (GString *s)
{
  g_string_append (s, "</capabilities>\n");
  return g_string_free (s, FALSE);
}
