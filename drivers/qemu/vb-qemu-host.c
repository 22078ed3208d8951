/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-qemu-host.h"

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vb-capabilities.h"
#include "vb-driver-ops.h"
#include "vb-error.h"
#include "vb-qemu-firmware.h"

typedef struct {
  guint cpus;        /* online */
  guint mhz;
  guint sockets, cores, threads;
  char *model_name;
} CpuInfo;

static void
cpu_info_clear (CpuInfo *info)
{
  g_free (info->model_name);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CpuInfo, cpu_info_clear)

static const char *
cpuinfo_value (const char *line)
{
  const char *colon = strchr (line, ':');

  return colon ? colon + 1 + (colon[1] == ' ') : "";
}

/* /proc/cpuinfo: "cpu cores" per package, "siblings" threads per package */
static void
read_cpu_info (CpuInfo *info)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint siblings = 0;
  long online = sysconf (_SC_NPROCESSORS_ONLN);

  memset (info, 0, sizeof *info);
  info->cpus = online > 0 ? (guint) online : 1;
  if (g_file_get_contents ("/proc/cpuinfo", &contents, NULL, NULL)) {
    lines = g_strsplit (contents, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
      const char *l = lines[i];

      if (info->mhz == 0 && g_str_has_prefix (l, "cpu MHz"))
        info->mhz = (guint) g_ascii_strtod (cpuinfo_value (l), NULL);
      else if (info->cores == 0 && g_str_has_prefix (l, "cpu cores"))
        info->cores = (guint) g_ascii_strtoull (cpuinfo_value (l), NULL, 10);
      else if (siblings == 0 && g_str_has_prefix (l, "siblings"))
        siblings = (guint) g_ascii_strtoull (cpuinfo_value (l), NULL, 10);
      else if (info->model_name == NULL && g_str_has_prefix (l, "model name"))
        info->model_name = g_strdup (cpuinfo_value (l));
    }
  }
  if (info->cores == 0)
    info->cores = info->cpus;
  info->threads = siblings >= info->cores && info->cores ? siblings / info->cores : 1;
  info->sockets = MAX (1, info->cpus / MAX (1, info->cores * info->threads));
}

/* /proc/meminfo in KiB */
static guint64
meminfo (const char *key)
{
  g_autofree char *contents = NULL;
  g_autofree char *needle = g_strconcat ("\n", key, ":", NULL);
  const char *p;

  if (!g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL))
    return 0;
  if (g_str_has_prefix (contents, needle + 1))
    p = contents + strlen (needle + 1);
  else if ((p = strstr (contents, needle)) != NULL)
    p += strlen (needle);
  else
    return 0;
  return g_ascii_strtoull (p, NULL, 10);
}

static const char *
host_arch (void)
{
  static struct utsname uts;

  if (uts.machine[0] == '\0' && uname (&uts) < 0)
    return "x86_64";
  return uts.machine;
}

/* "0-3,6" → bitmap up to @max entries */
static GArray *
parse_cpu_list (const char *list)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (gboolean));
  g_auto(GStrv) parts = g_strsplit (list ? list : "", ",", -1);

  for (guint i = 0; parts[i]; i++) {
    char *dash;
    guint64 lo, hi;

    g_strstrip (parts[i]);
    if (*parts[i] == '\0')
      continue;
    dash = strchr (parts[i], '-');
    lo = g_ascii_strtoull (parts[i], NULL, 10);
    hi = dash ? g_ascii_strtoull (dash + 1, NULL, 10) : lo;
    if (hi >= 65536 || lo > hi)
      continue;
    if (out->len <= hi)
      g_array_set_size (out, (guint) hi + 1);
    for (guint64 c = lo; c <= hi; c++)
      g_array_index (out, gboolean, c) = TRUE;
  }
  return out;
}

static char *
read_sys (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strstrip (contents);
}

static char *
format_capabilities (const VbQemuCaps *caps)
{
  static const guint page_sizes[] = { 4, 2048 };
  g_auto(CpuInfo) cpu;
  GString *s = vb_caps_new ();
  g_autofree char *uuid = read_sys ("/sys/class/dmi/id/product_uuid");
  g_autofree VbCapsCpu *cpus = NULL;

  read_cpu_info (&cpu);
  if (uuid)
    g_string_append_printf (s, "    <uuid>%s</uuid>\n", uuid);
  g_string_append_printf (s, "    <cpu>\n      <arch>%s</arch>\n", host_arch ());
  g_string_append_printf (s, "      <topology sockets='%u' dies='1' cores='%u' threads='%u'/>\n",
                          cpu.sockets, cpu.cores, cpu.threads);
  vb_caps_append_cpu_pages (s, page_sizes, G_N_ELEMENTS (page_sizes));
  vb_caps_append_topology_start (s, 1);
  cpus = g_new (VbCapsCpu, cpu.cpus);
  for (guint i = 0; i < cpu.cpus; i++)
    cpus[i] = (VbCapsCpu) { i, i / MAX (1, cpu.cores * cpu.threads), (i / MAX (1, cpu.threads)) % MAX (1, cpu.cores) };
  vb_caps_append_cell (s, 0, meminfo ("MemTotal"), NULL, 0, cpus, cpu.cpus);
  vb_caps_append_host_end (s, "none", "0");
  if (caps) {
    static const char *const arches[] = { "i686", "x86_64" };

    for (guint a = 0; a < G_N_ELEMENTS (arches); a++) {
      vb_caps_append_guest_start (s, "hvm", arches[a], a == 0 ? 32 : 64, caps->emulator);
      for (guint i = 0; i < caps->machines->len; i++) {
        const VbQemuMachine *m = g_ptr_array_index (caps->machines, i);

        if (m->alias)
          g_string_append_printf (s, "      <machine canonical='%s' maxCpus='%d'>%s</machine>\n", m->name,
                                  m->cpu_max, m->alias);
        g_string_append_printf (s, "      <machine maxCpus='%d'%s>%s</machine>\n", m->cpu_max,
                                m->deprecated ? " deprecated='yes'" : "", m->name);
      }
      g_string_append (s, "      <domain type='qemu'/>\n");
      if (caps->kvm_usable)
        g_string_append (s, "      <domain type='kvm'/>\n");
      vb_caps_append_guest_end (s, "      <acpi default='on' toggle='yes'/>\n"
                                   "      <apic default='on' toggle='no'/>\n      <cpuselection/>\n"
                                   "      <deviceboot/>\n      <disksnapshot default='on' toggle='no'/>\n");
    }
  }
  return vb_caps_free_to_string (s);
}

static void
enum_values (GString *s, const char *indent, const char *name, const char *const *values)
{
  g_string_append_printf (s, "%s<enum name='%s'>\n", indent, name);
  for (guint i = 0; values[i]; i++)
    g_string_append_printf (s, "%s  <value>%s</value>\n", indent, values[i]);
  g_string_append_printf (s, "%s</enum>\n", indent);
}

/* The loaders libvirt would offer: those of the descriptors for this
 * machine, which also make 'efi' a firmware to ask for. */
static void
format_os (GString *s, const char *machine)
{
  static const char *const loader_types[] = { "rom", "pflash", NULL };
  static const char *const yes_no[] = { "yes", "no", NULL };
  g_autoptr(GPtrArray) firmwares = vb_qemu_firmware_load (NULL, geteuid () != 0);
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();
  gboolean efi = FALSE, secure = FALSE;

  for (guint i = 0; i < firmwares->len; i++) {
    const VbQemuFirmware *fw = g_ptr_array_index (firmwares, i);

    if (!vb_qemu_firmware_matches_machine (fw, "x86_64", machine) ||
        g_strcmp0 (fw->device, "kernel") == 0)
      continue;
    efi |= g_strv_contains ((const char *const *) fw->interface_types, "uefi");
    secure |= vb_qemu_firmware_has_feature (fw, "secure-boot");
    if (!g_ptr_array_find_with_equal_func (paths, fw->executable, g_str_equal, NULL))
      g_ptr_array_add (paths, fw->executable);
  }
  g_string_append (s, "  <os supported='yes'>\n");
  if (efi)
    g_string_append (s, "    <enum name='firmware'>\n      <value>efi</value>\n    </enum>\n");
  else
    g_string_append (s, "    <enum name='firmware'/>\n");
  g_string_append (s, "    <loader supported='yes'>\n");
  for (guint i = 0; i < paths->len; i++) {
    g_autofree char *escaped = g_markup_escape_text (g_ptr_array_index (paths, i), -1);

    g_string_append_printf (s, "      <value>%s</value>\n", escaped);
  }
  enum_values (s, "      ", "type", loader_types);
  enum_values (s, "      ", "readonly", yes_no);
  enum_values (s, "      ", "secure", secure ? yes_no : yes_no + 1);
  g_string_append (s, "    </loader>\n  </os>\n");
}

static char *
format_domain_capabilities (const VbQemuCaps *caps, const char *machine_name, const char *virttype,
                            GError **error)
{
  static const char *const disk_devices[] = { "disk", "cdrom", NULL };
  static const char *const disk_buses[] = { "ide", "scsi", "virtio", "sata", NULL };
  /* spice and qxl only where this qemu has them (its spice modules installed) */
  const char *const graphics[] = { "vnc", caps->spice ? "spice" : NULL, NULL };
  g_autoptr(GStrvBuilder) video_builder = g_strv_builder_new ();
  g_auto(GStrv) videos = NULL;
  static const char *const rng_models[] = { "virtio", NULL };
  static const char *const rng_backends[] = { "random", NULL };
  static const char *const input_types[] = { "mouse", "keyboard", "tablet", NULL };
  static const char *const input_buses[] = { "usb", "ps2", "virtio", NULL };
  const VbQemuMachine *machine = vb_qemu_caps_lookup_machine (caps, machine_name);
  gboolean kvm = g_strcmp0 (virttype, "kvm") == 0;
  GString *s;

  if (machine == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "the machine '%s' is not supported by emulator '%s'",
                 machine_name, caps->emulator);
    return NULL;
  }
  if (kvm && !caps->kvm_usable) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "KVM is not available on this host");
    return NULL;
  }
  g_strv_builder_add_many (video_builder, "vga", "cirrus", "virtio", NULL);
  if (vb_qemu_caps_has_device (caps, "qxl-vga"))
    g_strv_builder_add (video_builder, "qxl");
  g_strv_builder_add_many (video_builder, "bochs", "ramfb", "none", NULL);
  videos = g_strv_builder_end (video_builder);
  s = g_string_new ("<domainCapabilities>\n");
  g_string_append_printf (s, "  <path>%s</path>\n  <domain>%s</domain>\n  <machine>%s</machine>\n"
                             "  <arch>x86_64</arch>\n  <vcpu max='%d'/>\n  <iothreads supported='yes'/>\n",
                          caps->emulator, kvm ? "kvm" : "qemu", machine->name, machine->cpu_max);
  format_os (s, machine->name);
  g_string_append (s, "  <cpu>\n");
  g_string_append_printf (s, "    <mode name='host-passthrough' supported='%s'/>\n", kvm ? "yes" : "no");
  g_string_append (s, "    <mode name='maximum' supported='yes'/>\n"
                      "    <mode name='host-model' supported='yes'/>\n"
                      "    <mode name='custom' supported='yes'>\n");
  for (guint i = 0; caps->cpu_models && caps->cpu_models[i]; i++)
    g_string_append_printf (s, "      <model usable='%s'>%s</model>\n",
                            g_strv_contains ((const char *const *) caps->usable_cpu_models, caps->cpu_models[i])
                              ? "yes" : "no", caps->cpu_models[i]);
  g_string_append (s, "    </mode>\n  </cpu>\n  <devices>\n    <disk supported='yes'>\n");
  enum_values (s, "      ", "diskDevice", disk_devices);
  enum_values (s, "      ", "bus", disk_buses);
  g_string_append (s, "    </disk>\n    <graphics supported='yes'>\n");
  enum_values (s, "      ", "type", graphics);
  g_string_append (s, "    </graphics>\n    <video supported='yes'>\n");
  enum_values (s, "      ", "modelType", (const char *const *) videos);
  g_string_append (s, "    </video>\n    <hostdev supported='no'/>\n    <rng supported='yes'>\n");
  enum_values (s, "      ", "model", rng_models);
  enum_values (s, "      ", "backendModel", rng_backends);
  g_string_append (s, "    </rng>\n    <input supported='yes'>\n");
  enum_values (s, "      ", "type", input_types);
  enum_values (s, "      ", "bus", input_buses);
  g_string_append (s, "    </input>\n    <filesystem supported='no'/>\n    <tpm supported='no'/>\n"
                      "  </devices>\n  <features>\n    <gic supported='no'/>\n"
                      "    <vmcoreinfo supported='no'/>\n    <genid supported='no'/>\n"
                      "    <sev supported='no'/>\n  </features>\n</domainCapabilities>\n");
  return g_string_free (s, FALSE);
}

static void
add_sysinfo_entry (GString *s, const char *name, const char *file)
{
  g_autofree char *path = g_build_filename ("/sys/class/dmi/id", file, NULL);
  g_autofree char *value = read_sys (path);
  g_autofree char *escaped = NULL;

  if (value == NULL || *value == '\0')
    return;
  escaped = g_markup_escape_text (value, -1);
  g_string_append_printf (s, "    <entry name='%s'>%s</entry>\n", name, escaped);
}

static char *
format_sysinfo (void)
{
  g_auto(CpuInfo) cpu;
  GString *s = g_string_new ("<sysinfo type='smbios'>\n  <bios>\n");
  g_autofree char *model = NULL;

  read_cpu_info (&cpu);
  add_sysinfo_entry (s, "vendor", "bios_vendor");
  add_sysinfo_entry (s, "version", "bios_version");
  add_sysinfo_entry (s, "date", "bios_date");
  add_sysinfo_entry (s, "release", "bios_release");
  g_string_append (s, "  </bios>\n  <system>\n");
  add_sysinfo_entry (s, "manufacturer", "sys_vendor");
  add_sysinfo_entry (s, "product", "product_name");
  add_sysinfo_entry (s, "version", "product_version");
  add_sysinfo_entry (s, "uuid", "product_uuid");
  add_sysinfo_entry (s, "family", "product_family");
  g_string_append (s, "  </system>\n");
  model = g_markup_escape_text (cpu.model_name ? cpu.model_name : "", -1);
  for (guint i = 0; i < cpu.sockets; i++)
    g_string_append_printf (s, "  <processor>\n    <entry name='socket_destination'>CPU %u</entry>\n"
                               "    <entry name='version'>%s</entry>\n"
                               "    <entry name='max_speed'>%u MHz</entry>\n  </processor>\n",
                            i, model, cpu.mhz);
  g_string_append_printf (s, "  <memory_device>\n    <entry name='size'>%" G_GUINT64_FORMAT " MB</entry>\n"
                             "  </memory_device>\n</sysinfo>\n", meminfo ("MemTotal") / 1024);
  return g_string_free (s, FALSE);
}

static gboolean
check_flags (guint flags, GError **error)
{
  if (flags) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unsupported flags (0x%x)", flags);
    return FALSE;
  }
  return TRUE;
}

/* /proc/stat "cpu" or "cpuN": libvirt's kernel/user/idle/iowait in ns */
static GVariant *
cpu_stats (int cpu, GError **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *prefix = cpu < 0 ? g_strdup ("cpu ") : g_strdup_printf ("cpu%d ", cpu);
  g_auto(GStrv) lines = NULL;
  guint64 ns_per_tick = 1000000000ull / (guint64) sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/stat", &contents, NULL, error))
    return NULL;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    g_auto(GStrv) f = NULL;
    GVariantBuilder b;

    if (!g_str_has_prefix (lines[i], prefix))
      continue;
    f = g_strsplit_set (lines[i] + strlen (prefix), " ", -1);
    {
      guint64 v[8] = { 0 };
      guint n = 0;

      for (guint j = 0; f[j] && n < G_N_ELEMENTS (v); j++)
        if (*f[j])
          v[n++] = g_ascii_strtoull (f[j], NULL, 10);
      g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
      g_variant_builder_add (&b, "{st}", "kernel", (v[2] + v[5] + v[6]) * ns_per_tick);
      g_variant_builder_add (&b, "{st}", "user", (v[0] + v[1]) * ns_per_tick);
      g_variant_builder_add (&b, "{st}", "idle", v[3] * ns_per_tick);
      g_variant_builder_add (&b, "{st}", "iowait", v[4] * ns_per_tick);
    }
    return g_variant_builder_end (&b);
  }
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "Invalid cpuNum in %s", "NodeGetCPUStats");
  return NULL;
}

gboolean
vb_qemu_host_run (VbOp op, GVariant *args, const VbQemuCaps *caps, GVariant **out, GError **error)
{
  guint flags = 0;

  switch (op) {
  case VB_OP_GET_CAPABILITIES:
    *out = g_variant_new_take_string (format_capabilities (caps));
    return TRUE;

  case VB_OP_GET_DOMAIN_CAPABILITIES: {
    const char *emulator, *arch, *machine, *virttype;
    char *xml;

    g_variant_get (args, "(m&sm&sm&sm&su)", &emulator, &arch, &machine, &virttype, &flags);
    if (!check_flags (flags, error))
      return FALSE;
    if (arch && !g_str_equal (arch, "x86_64") && !g_str_equal (arch, "i686")) {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "architecture '%s' is not supported", arch);
      return FALSE;
    }
    if (virttype && !g_str_equal (virttype, "qemu") && !g_str_equal (virttype, "kvm")) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "unknown virttype: %s", virttype);
      return FALSE;
    }
    xml = format_domain_capabilities (caps, machine,
                                      virttype ? virttype : (caps->kvm_usable ? "kvm" : "qemu"), error);
    if (xml == NULL)
      return FALSE;
    *out = g_variant_new_take_string (xml);
    return TRUE;
  }

  case VB_OP_GET_SYSINFO:
    g_variant_get (args, "(u)", &flags);
    if (!check_flags (flags, error))
      return FALSE;
    *out = g_variant_new_take_string (format_sysinfo ());
    return TRUE;

  case VB_OP_GET_CPU_MODEL_NAMES:
    return vb_op_get_cpu_model_names (args, (const char *const *) caps->cpu_models, out, error);

  case VB_OP_GET_HOSTNAME:
    *out = g_variant_new_string (g_get_host_name ());
    return TRUE;

  case VB_OP_GET_VERSION:
    *out = g_variant_new_uint64 (caps->version);
    return TRUE;

  case VB_OP_NODE_GET_INFO: {
    g_auto(CpuInfo) cpu;

    read_cpu_info (&cpu);
    *out = g_variant_new ("(stuuuuuu)", host_arch (), meminfo ("MemTotal"), cpu.cpus, cpu.mhz, 1,
                          cpu.sockets, cpu.cores, cpu.threads);
    return TRUE;
  }

  case VB_OP_NODE_GET_FREE_MEMORY:
    *out = g_variant_new_uint64 (meminfo ("MemFree") * 1024);
    return TRUE;

  case VB_OP_NODE_GET_CPU_MAP: {
    g_autofree char *present = read_sys ("/sys/devices/system/cpu/present");
    g_autofree char *online = read_sys ("/sys/devices/system/cpu/online");
    g_autoptr(GArray) present_map = parse_cpu_list (present);
    g_autoptr(GArray) online_map = parse_cpu_list (online);
    GVariantBuilder b;

    g_variant_get (args, "(u)", &flags);
    if (!check_flags (flags, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("ab"));
    for (guint i = 0; i < present_map->len; i++)
      g_variant_builder_add (&b, "b", i < online_map->len && g_array_index (online_map, gboolean, i));
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  case VB_OP_NODE_GET_CPU_STATS: {
    int cpu;

    g_variant_get (args, "(iu)", &cpu, &flags);
    if (!check_flags (flags, error))
      return FALSE;
    *out = cpu_stats (cpu, error);
    return *out != NULL;
  }

  case VB_OP_NODE_GET_MEMORY_STATS: {
    int cell;
    GVariantBuilder b;

    g_variant_get (args, "(iu)", &cell, &flags);
    if (!check_flags (flags, error))
      return FALSE;
    /* one cell: the host's NUMA layout is not read */
    if (!vb_op_check_cell (cell, 1, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
    g_variant_builder_add (&b, "{st}", "total", meminfo ("MemTotal"));
    g_variant_builder_add (&b, "{st}", "free", meminfo ("MemFree"));
    if (cell == -1) {
      g_variant_builder_add (&b, "{st}", "buffers", meminfo ("Buffers"));
      g_variant_builder_add (&b, "{st}", "cached", meminfo ("Cached"));
    }
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  case VB_OP_NODE_GET_CELLS_FREE_MEMORY: {
    int start, max;
    GVariantBuilder b;

    g_variant_get (args, "(iiu)", &start, &max, &flags);
    if (!check_flags (flags, error))
      return FALSE;
    if (!vb_op_check_cell_range (start, max, 1, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("at"));
    if (max > 0)
      g_variant_builder_add (&b, "t", meminfo ("MemFree") * 1024);
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  case VB_OP_NODE_GET_SECURITY_MODEL:
    *out = g_variant_new ("(ss)", "none", "0");
    return TRUE;

  default:
    return vb_op_unsupported (op, error);
  }
}
