/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "vb-test-driver.h"

#include <string.h>

/* vb-driver.h (through vb-types.h) must come before vb-domain-def.h: the
 * latter #defines the metadata type names that vb-types.h declares as
 * enumerators. */
#include "vb-capabilities.h"
#include "vb-define.h"
#include "vb-driver-ops.h"
#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-network-def.h"

/* libvirt's test driver never invents a bridge MAC (only the real network
 * driver does), so test:///default's network XML stays the same on every
 * start. */
#define TEST_NETWORK_PARSE_FLAGS VB_NETWORK_PARSE_NO_GENERATE_MAC

/* The embedded fixtures (drivers/test/test-default-*.xml), compiled in by meson. */
GResource *vb_test_driver_get_resource (void);

#define TEST_RESOURCE_DOMAIN  "/org/virtbus/test/test-default-domain.xml"
#define TEST_RESOURCE_NETWORK "/org/virtbus/test/test-default-network.xml"

/* libvirt's test driver constants: defaultNodeInfo, the two NUMA cells of
 * testOpenDefault(), the guest clock of testDomainObjPrivateAlloc(). */
#define TEST_MODEL          "i686"
#define TEST_EMULATOR       "/usr/bin/test-hv"
#define TEST_MEMORY_KIB     (1024 * 1024 * 3)
#define TEST_CPUS           16
#define TEST_MHZ            1400
#define TEST_NODES          2
#define TEST_SOCKETS        2
#define TEST_CORES          2
#define TEST_THREADS        2
#define TEST_N_CELLS        2
#define TEST_CELL_CPUS      8
#define TEST_MAX_VCPUS      32
#define TEST_GUEST_SECONDS  627319920
#define TEST_MAX_IFNAMES    1024

/* Values of libvirt's public enums used only here. */
enum {
  TEST_DOMAIN_REBOOT_ALL = 0x1f, /* acpi, agent, initctl, signal, paravirt */
  TEST_DOMAIN_TIME_SYNC = 1 << 0,
  TEST_NETWORK_UPDATE_AFFECT_LIVE = 1 << 0,
  TEST_NETWORK_UPDATE_AFFECT_CONFIG = 1 << 1,
  TEST_INTERFACE_ADDRESSES_SRC_LAST = 3, /* lease, agent, arp */
  TEST_KEYCODE_SET_LAST = 10,
  TEST_SEND_KEY_MAX_KEYS = 16,
};

/* the stats groups it answers, and the GetAllDomainStats flags */
enum {
  TEST_STATS_SUPPORTED = VB_DOMAIN_STATS_STATE | VB_DOMAIN_STATS_BALLOON | VB_DOMAIN_STATS_VCPU |
                         VB_DOMAIN_STATS_INTERFACE | VB_DOMAIN_STATS_BLOCK,
  TEST_STATS_FILTERS = 0xff,
  TEST_STATS_NOWAIT = 1 << 29,
  TEST_STATS_BACKING = 1 << 30,
  TEST_STATS_ENFORCE = 1u << 31,
};

struct _VbTestDriver {
  VbDriver parent_instance;
  gboolean opened;
  /* how it defines each kind; everything stays in memory, as
   * test:///default's state does */
  VbDefineConfig domains;
  VbDefineConfig networks;
};

G_DEFINE_FINAL_TYPE (VbTestDriver, vb_test_driver, VB_TYPE_DRIVER)

/* Per-domain state the definitions do not hold: the guest clock. */
typedef struct {
  gint64 seconds;
  guint nseconds;
} TestDomainData;

static TestDomainData *
domain_data (VbDomain *dom)
{
  TestDomainData *data = vb_domain_get_driver_data (dom);

  if (data == NULL) {
    data = g_new0 (TestDomainData, 1);
    data->seconds = TEST_GUEST_SECONDS;
    vb_domain_set_driver_data (dom, data, g_free);
  }
  return data;
}

/* Helpers ---------------------------------------------------------------- */

static gboolean
def_has_balloon (const VbDomainDef *def)
{
  return def->memballoon != NULL && g_strcmp0 (def->memballoon->model, "none") != 0;
}

/* libvirt's test driver names every guest NIC without a target testnetN,
 * N the first number no NIC of the domain uses. */
static void
generate_ifnames (VbDomainDef *def)
{
  if (def->interfaces == NULL)
    return;
  for (guint i = 0; i < def->interfaces->len; i++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (def->interfaces, i);

    if (iface->target != NULL)
      continue;
    for (int n = 0; n < TEST_MAX_IFNAMES && iface->target == NULL; n++) {
      g_autofree char *name = g_strdup_printf ("testnet%d", n);
      gboolean used = FALSE;

      for (guint j = 0; j < def->interfaces->len && !used; j++) {
        VbDomainInterfaceDef *other = g_ptr_array_index (def->interfaces, j);
        used = g_strcmp0 (other->target, name) == 0;
      }
      if (!used)
        iface->target = g_steal_pointer (&name);
    }
  }
}

/* A domain document as the test driver accepts it: its capabilities
 * offer only domain type 'test', os types hvm and xen, arch i686. */
static gboolean
domain_post_parse (gpointer data, const char *xml, gpointer user_data, GError **error)
{
  VbDomainDef *def = data;

  if (g_strcmp0 (def->virt_type, "test") != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "could not find capabilities for domaintype=%s",
                 def->virt_type ? def->virt_type : "(none)");
    return FALSE;
  }
  if (def->os_type && g_strcmp0 (def->os_type, "hvm") != 0 && g_strcmp0 (def->os_type, "xen") != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "no guest options available for os type '%s'", def->os_type);
    return FALSE;
  }
  if (def->os_arch && g_strcmp0 (def->os_arch, TEST_MODEL) != 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG,
                 "no guest options available for arch '%s'", def->os_arch);
    return FALSE;
  }
  /* the driver's default arch, which libvirt writes back */
  g_free (def->os_arch);
  def->os_arch = g_strdup (TEST_MODEL);
  generate_ifnames (def);
  return TRUE;
}

/* Lifecycle --------------------------------------------------------------- */

/* Sets the run state of a start; the caller emits the events once the
 * domain is registered. */
static void
domain_start (VbTestDriver *self, VbDomain *dom, VbDomainDef *live, gboolean paused)
{
  if (live == NULL)
    live = vb_domain_def_copy (vb_domain_get_def (dom));
  vb_driver_domain_started (VB_DRIVER (self), dom, live, paused, VB_DOMAIN_RUNNING_BOOTED, TRUE);
}

/* Shuts the domain off, drops it when transient, then tells. */
/* The caller holds a reference: the domain outlives its removal here. */
static void
domain_stop (VbTestDriver *self, VbDomain *dom, int reason, int detail)
{
  vb_driver_domain_stopped (VB_DRIVER (self), dom, reason);
  vb_driver_emit_domain_event (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_STOPPED, detail);
}

/* Creation ops ------------------------------------------------------------ */

static VbDomain *
domain_create_xml (VbTestDriver *self, GVariant *args, GTask *task, GError **error)
{
  const char *xml;
  guint flags;
  gboolean paused, is_new;
  g_autoptr(VbDomainDef) def = NULL;
  g_autoptr(VbDomain) dom = NULL;

  g_variant_get (args, "(&su)", &xml, &flags);
  if (!vb_check_flags (flags, VB_DOMAIN_START_PAUSED | VB_DOMAIN_START_VALIDATE, error))
    return NULL;
  paused = (flags & VB_DOMAIN_START_PAUSED) != 0;
  def = vb_define_parse_for_task (&self->domains, task, xml, error);
  if (def == NULL)
    return NULL;
  dom = (VbDomain *) vb_define_create_target (VB_DRIVER (self), &self->domains, def, &is_new, error);
  if (dom == NULL)
    return NULL;
  domain_start (self, dom, g_steal_pointer (&def), paused);
  if (is_new)
    vb_driver_add_domain (VB_DRIVER (self), dom);
  vb_driver_emit_domain_started (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_STARTED_BOOTED, paused);
  return g_steal_pointer (&dom);
}

static void
network_start (VbNetwork *net, VbNetworkDef *live)
{
  if (live == NULL)
    live = vb_network_def_copy (vb_network_get_def (net));
  vb_network_set_live_def (net, live);
  vb_network_set_active (net, TRUE);
}

static VbNetwork *
network_create_xml (VbTestDriver *self, GVariant *args, GTask *task, GError **error)
{
  const char *xml;
  gboolean is_new;
  g_autoptr(VbNetworkDef) def = NULL;
  g_autoptr(VbNetwork) net = NULL;

  g_variant_get (args, "(&s)", &xml);
  def = vb_define_parse_for_task (&self->networks, task, xml, error);
  if (def == NULL)
    return NULL;
  net = (VbNetwork *) vb_define_create_target (VB_DRIVER (self), &self->networks, def, &is_new, error);
  if (net == NULL)
    return NULL;
  network_start (net, g_steal_pointer (&def));
  if (is_new)
    vb_driver_add_network (VB_DRIVER (self), net);
  vb_driver_emit_network_event (VB_DRIVER (self), net, VB_NETWORK_EVENT_STARTED);
  return g_steal_pointer (&net);
}

/* DomainDefineXML and NetworkDefineXML: the core's define path. */
static VbObject *
define_xml (VbTestDriver *self, const VbDefineConfig *config, GVariant *args, GTask *task, GError **error)
{
  const char *xml;
  gpointer def;

  g_variant_get (args, "(&s)", &xml);
  def = vb_define_parse_for_task (config, task, xml, error);
  return def ? vb_define (VB_DRIVER (self), config, def, error) : NULL;
}

/* Host ops ---------------------------------------------------------------- */

static char *
format_capabilities (void)
{
  static const guint page_sizes[] = { 4, 8, 2048, 1024 * 1024 };
  static const char *const guest_os[] = { "hvm", "xen" };
  GString *s = vb_caps_new ();

  g_string_append (s, "    <cpu>\n      <arch>" TEST_MODEL "</arch>\n"
                      "      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n");
  vb_caps_append_cpu_pages (s, page_sizes, G_N_ELEMENTS (page_sizes));
  vb_caps_append_topology_start (s, TEST_N_CELLS);
  for (guint cell = 0; cell < TEST_N_CELLS; cell++) {
    guint64 mem = (guint64) (cell + 1) * 2048 * 1024;
    /* libvirt gives the second cell 8 KiB base pages */
    guint base = cell == 1 ? page_sizes[1] : page_sizes[0];
    const VbCapsPages pages[] = { { base, mem / base }, { page_sizes[2], 0 }, { page_sizes[3], 0 } };
    VbCapsCpu cpus[TEST_CELL_CPUS];

    for (guint i = 0; i < TEST_CELL_CPUS; i++)
      cpus[i] = (VbCapsCpu) { cell * TEST_CELL_CPUS + i, cell, i };
    vb_caps_append_cell (s, cell, mem, pages, G_N_ELEMENTS (pages), cpus, TEST_CELL_CPUS);
  }
  vb_caps_append_host_end (s, "testSecurity", "");
  for (guint i = 0; i < G_N_ELEMENTS (guest_os); i++) {
    vb_caps_append_guest_start (s, guest_os[i], TEST_MODEL, 32, TEST_EMULATOR);
    g_string_append (s, "      <domain type='test'/>\n");
    vb_caps_append_guest_end (s, "      <pae/>\n      <nonpae/>\n");
  }
  return vb_caps_free_to_string (s);
}

static const char test_sysinfo[] =
  "<sysinfo type='smbios'>\n"
  "  <bios>\n"
  "    <entry name='vendor'>LENOVO</entry>\n"
  "    <entry name='version'>G4ETA1WW (2.61 )</entry>\n"
  "    <entry name='date'>05/07/2014</entry>\n"
  "    <entry name='release'>2.61</entry>\n"
  "  </bios>\n"
  "</sysinfo>\n";

static const char *const x86_cpu_models[] = {
  "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo",
  "qemu32", "kvm32", "qemu64", "kvm64", "Conroe", "Penryn", "Nehalem", "Westmere",
  "SandyBridge", "IvyBridge", "Haswell", "Broadwell", "Skylake-Client", "Skylake-Server",
  "Cascadelake-Server", "Icelake-Server", "athlon", "phenom", "Opteron_G1", "Opteron_G2",
  "Opteron_G3", "Opteron_G4", "Opteron_G5", "EPYC", NULL,
};

static gboolean
run_host (VbTestDriver *self, VbOp op, GVariant *args, GVariant **out, GError **error)
{
  switch (op) {
  case VB_OP_GET_CAPABILITIES:
    *out = g_variant_new_take_string (format_capabilities ());
    return TRUE;

  case VB_OP_GET_SYSINFO: {
    guint flags;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    *out = g_variant_new_string (test_sysinfo);
    return TRUE;
  }

  case VB_OP_GET_CPU_MODEL_NAMES:
    return vb_op_get_cpu_model_names (args, x86_cpu_models, out, error);

  case VB_OP_GET_HOSTNAME:
    *out = g_variant_new_string (g_get_host_name ());
    return TRUE;

  case VB_OP_GET_VERSION:
    *out = g_variant_new_uint64 (2);
    return TRUE;

  case VB_OP_NODE_GET_INFO:
    *out = g_variant_new ("(stuuuuuu)", TEST_MODEL, (guint64) TEST_MEMORY_KIB, TEST_CPUS, TEST_MHZ,
                          TEST_NODES, TEST_SOCKETS, TEST_CORES, TEST_THREADS);
    return TRUE;

  case VB_OP_NODE_GET_FREE_MEMORY:
    /* libvirt sums the cells' free memory as stored, in KiB, and hands
     * the sum out as bytes: clients of test:///default see 3145728. */
    *out = g_variant_new_uint64 (1024 * 1024 + 2 * 1024 * 1024);
    return TRUE;

  case VB_OP_NODE_GET_CPU_MAP: {
    /* libvirt's canned answer: 8 CPUs, 0, 2 and 4 online (map 0x15) */
    static const gboolean online[8] = { TRUE, FALSE, TRUE, FALSE, TRUE, FALSE, FALSE, FALSE };
    GVariantBuilder b;
    guint flags;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("ab"));
    for (guint i = 0; i < G_N_ELEMENTS (online); i++)
      g_variant_builder_add (&b, "b", online[i]);
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  case VB_OP_NODE_GET_CPU_STATS: {
    GVariantBuilder b;
    int cpu;
    guint flags;

    g_variant_get (args, "(iu)", &cpu, &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
    g_variant_builder_add (&b, "{st}", "user", (guint64) 9797400000);
    g_variant_builder_add (&b, "{st}", "kernel", (guint64) 34678723400000);
    g_variant_builder_add (&b, "{st}", "idle", (guint64) 87264900000);
    g_variant_builder_add (&b, "{st}", "iowait", (guint64) 763600000);
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  case VB_OP_NODE_GET_MEMORY_STATS: {
    GVariantBuilder b;
    int cell;
    guint flags;

    g_variant_get (args, "(iu)", &cell, &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    if (!vb_op_check_cell (cell, TEST_N_CELLS, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
    if (cell == -1) {
      g_variant_builder_add (&b, "{st}", "total", (guint64) TEST_MEMORY_KIB);
      g_variant_builder_add (&b, "{st}", "free", (guint64) 1024 * 1024);
      g_variant_builder_add (&b, "{st}", "buffers", (guint64) 64 * 1024);
      g_variant_builder_add (&b, "{st}", "cached", (guint64) 512 * 1024);
    } else {
      g_variant_builder_add (&b, "{st}", "total", (guint64) (cell + 1) * 2048 * 1024);
      g_variant_builder_add (&b, "{st}", "free", (guint64) (cell + 1) * 1024 * 1024);
    }
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  case VB_OP_NODE_GET_SECURITY_MODEL:
    *out = g_variant_new ("(ss)", "testSecurity", "");
    return TRUE;

  case VB_OP_NODE_GET_CELLS_FREE_MEMORY: {
    GVariantBuilder b;
    int start, max;
    guint flags;

    g_variant_get (args, "(iiu)", &start, &max, &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    if (!vb_op_check_cell_range (start, max, TEST_N_CELLS, error))
      return FALSE;
    g_variant_builder_init (&b, G_VARIANT_TYPE ("at"));
    /* libvirt answers with each cell's size, not its free memory */
    for (int cell = start; cell < TEST_N_CELLS && cell - start < max; cell++)
      g_variant_builder_add (&b, "t", (guint64) (cell + 1) * 2048 * 1024);
    *out = g_variant_builder_end (&b);
    return TRUE;
  }

  default:
    return vb_op_unsupported (op, error);
  }
}

/* Domain queries ----------------------------------------------------------- */

static GVariant *
domain_stats (VbDomain *dom, guint stats, guint flags, GError **error)
{
  const VbDomainDef *def = vb_domain_get_current_def (dom);
  gboolean active = vb_domain_is_active (dom);
  GVariantBuilder b;

  if (!vb_check_flags (flags, TEST_STATS_FILTERS | TEST_STATS_NOWAIT | TEST_STATS_BACKING |
                    TEST_STATS_ENFORCE, error))
    return NULL;
  if ((flags & TEST_STATS_ENFORCE) && (stats & ~TEST_STATS_SUPPORTED)) {
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                 "Stats types bits 0x%x are not supported by this daemon",
                 stats & ~TEST_STATS_SUPPORTED);
    return NULL;
  }
  if (stats == 0)
    stats = TEST_STATS_SUPPORTED;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  vb_domain_add_stats (dom, stats, &b);
  if ((stats & VB_DOMAIN_STATS_INTERFACE) && active) {
    guint n = def->interfaces ? def->interfaces->len : 0;

    g_variant_builder_add (&b, "{sv}", "net.count", g_variant_new_uint32 (n));
    for (guint i = 0; i < n; i++) {
      VbDomainInterfaceDef *iface = g_ptr_array_index (def->interfaces, i);
      g_autofree char *key = g_strdup_printf ("net.%u.name", i);

      g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (iface->target ? iface->target : ""));
    }
  }
  if ((stats & VB_DOMAIN_STATS_BLOCK) && active) {
    guint n = def->disks ? def->disks->len : 0;

    g_variant_builder_add (&b, "{sv}", "block.count", g_variant_new_uint32 (n));
    for (guint i = 0; i < n; i++) {
      VbDomainDiskDef *disk = g_ptr_array_index (def->disks, i);
      g_autofree char *name = g_strdup_printf ("block.%u.name", i);

      g_variant_builder_add (&b, "{sv}", name, g_variant_new_string (disk->target_dev ? disk->target_dev : ""));
      if (disk->source) {
        g_autofree char *path = g_strdup_printf ("block.%u.path", i);
        g_variant_builder_add (&b, "{sv}", path, g_variant_new_string (disk->source));
      }
    }
  }
  return g_variant_builder_end (&b);
}

static GVariant *
domain_memory_stats (VbDomain *dom, GError **error)
{
  const VbDomainDef *def = vb_domain_get_live_def (dom);
  GVariantBuilder b;
  guint64 cur;
  const struct { int tag; guint64 div; guint64 fixed; } rows[] = {
    { VB_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, 1, 0 }, { VB_DOMAIN_MEMORY_STAT_SWAP_IN, 0, 0 },
    { VB_DOMAIN_MEMORY_STAT_SWAP_OUT, 0, 0 }, { VB_DOMAIN_MEMORY_STAT_MAJOR_FAULT, 0, 0 },
    { VB_DOMAIN_MEMORY_STAT_MINOR_FAULT, 0, 0 }, { VB_DOMAIN_MEMORY_STAT_UNUSED, 2, 0 },
    { VB_DOMAIN_MEMORY_STAT_AVAILABLE, 1, 0 }, { VB_DOMAIN_MEMORY_STAT_USABLE, 2, 0 },
    { VB_DOMAIN_MEMORY_STAT_LAST_UPDATE, 0, TEST_GUEST_SECONDS }, { VB_DOMAIN_MEMORY_STAT_DISK_CACHES, 8, 0 },
    { VB_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, 0, 0 }, { VB_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, 0, 0 },
    { VB_DOMAIN_MEMORY_STAT_RSS, 2, 0 },
  };

  if (!vb_domain_check_active (dom, error))
    return NULL;
  cur = vb_domain_def_get_current_memory (def);
  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{it}"));
  if (def_has_balloon (def))
    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      g_variant_builder_add (&b, "{it}", rows[i].tag,
                             rows[i].div ? cur / rows[i].div : rows[i].fixed);
  return g_variant_builder_end (&b);
}

/* A dotted IPv4 or IPv6 address plus @offset (IPv6: on the last byte). */
static char *
address_add (const char *addr, guint offset, gboolean *is_ipv6)
{
  g_autoptr(GInetAddress) in = g_inet_address_new_from_string (addr);
  g_autoptr(GInetAddress) result = NULL;
  guint8 bytes[16];
  gsize len;

  if (in == NULL)
    return NULL;
  len = g_inet_address_get_native_size (in);
  memcpy (bytes, g_inet_address_to_bytes (in), len);
  *is_ipv6 = g_inet_address_get_family (in) == G_SOCKET_FAMILY_IPV6;
  if (*is_ipv6) {
    bytes[15] = (guint8) (bytes[15] + offset);
  } else {
    guint32 v = ((guint32) bytes[0] << 24 | (guint32) bytes[1] << 16 | (guint32) bytes[2] << 8 | bytes[3]) + offset;

    bytes[0] = v >> 24;
    bytes[1] = v >> 16;
    bytes[2] = v >> 8;
    bytes[3] = v;
  }
  result = g_inet_address_new_from_bytes (bytes, g_inet_address_get_family (in));
  return g_inet_address_to_string (result);
}

/* virSocketAddrGetIPPrefix: explicit prefix, else the netmask's bits, else
 * the classful default. */
static guint
network_ip_prefix (const VbNetworkIp *ip, gboolean is_ipv6)
{
  if (ip->prefix_set && ip->prefix > 0)
    return ip->prefix;
  if (ip->netmask) {
    g_autoptr(GInetAddress) mask = g_inet_address_new_from_string (ip->netmask);

    if (mask) {
      const guint8 *bytes = g_inet_address_to_bytes (mask);
      guint bits = 0;

      for (gsize i = 0; i < g_inet_address_get_native_size (mask); i++)
        bits += __builtin_popcount (bytes[i]);
      return bits;
    }
  }
  if (is_ipv6)
    return 64;
  if (ip->address) {
    guint first = (guint) g_ascii_strtoull (ip->address, NULL, 10);
    return first < 128 ? 8 : first < 192 ? 16 : 24;
  }
  return 24;
}

/* libvirt's test driver makes up one address per NIC: for a NIC on a
 * network, the network's first DHCP range start (or its address) plus
 * 20 * (domain id - 1) + index + 1; for any other NIC 192.168.0.(index + 1)/24. */
static GVariant *
domain_interface_addresses (VbTestDriver *self, VbDomain *dom, guint source, guint flags,
                            GError **error)
{
  const VbDomainDef *def = vb_domain_get_live_def (dom);
  GVariantBuilder b;

  if (!vb_check_flags (flags, 0, error))
    return NULL;
  if (source >= TEST_INTERFACE_ADDRESSES_SRC_LAST) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "Unknown IP address data source %u", source);
    return NULL;
  }
  if (!vb_domain_check_active (dom, error))
    return NULL;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a(ssa(isu))"));
  for (guint i = 0; def->interfaces && i < def->interfaces->len; i++) {
    VbDomainInterfaceDef *iface = g_ptr_array_index (def->interfaces, i);
    char mac[18];
    g_autofree char *addr = NULL;
    gboolean is_ipv6 = FALSE;
    guint prefix = 24;

    vb_mac_format (&iface->mac, mac);
    if (g_strcmp0 (iface->type, "network") == 0) {
      VbNetwork *net = iface->network ? vb_driver_lookup_network_by_name (VB_DRIVER (self), iface->network) : NULL;
      const VbNetworkDef *ndef = net ? vb_network_get_current_def (net) : NULL;
      const VbNetworkIp *ip = ndef && ndef->ips && ndef->ips->len > 0 ? g_ptr_array_index (ndef->ips, 0) : NULL;
      guint offset = 20 * (guint) (vb_domain_get_id (dom) - 1) + i + 1;
      const char *base;

      if (net == NULL) {
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "no network with matching name '%s'",
                     iface->network ? iface->network : "");
        return NULL;
      }
      if (ip == NULL || ip->address == NULL) {
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "network '%s' has no IP address",
                     vb_network_get_name (net));
        return NULL;
      }
      base = ip->ranges && ip->ranges->len > 0
               ? ((VbDhcpRange *) g_ptr_array_index (ip->ranges, 0))->start
               : ip->address;
      addr = address_add (base, offset, &is_ipv6);
      if (addr == NULL) {
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "network '%s' has an invalid address '%s'",
                     vb_network_get_name (net), base);
        return NULL;
      }
      prefix = network_ip_prefix (ip, is_ipv6);
    } else {
      addr = g_strdup_printf ("192.168.0.%u", i + 1);
    }
    g_variant_builder_open (&b, G_VARIANT_TYPE ("(ssa(isu))"));
    g_variant_builder_add (&b, "s", iface->target ? iface->target : "");
    g_variant_builder_add (&b, "s", mac);
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a(isu)"));
    g_variant_builder_add (&b, "(isu)", is_ipv6 ? 1 : 0, addr, prefix);
    g_variant_builder_close (&b);
    g_variant_builder_close (&b);
  }
  return g_variant_builder_end (&b);
}

static gboolean
run_domain_query (VbTestDriver *self, VbOp op, VbDomain *dom, GVariant *args, GVariant **out,
                  GError **error)
{
  const char *name = vb_domain_get_name (dom);

  switch (op) {
  case VB_OP_DOMAIN_GET_INFO:
    *out = vb_op_domain_get_info (dom, vb_domain_is_active (dom) ? (guint32) (g_get_real_time () / G_USEC_PER_SEC) : 0);
    return TRUE;

  case VB_OP_DOMAIN_GET_STATS: {
    guint stats, flags;

    g_variant_get (args, "(uu)", &stats, &flags);
    *out = domain_stats (dom, stats, flags, error);
    return *out != NULL;
  }

  case VB_OP_DOMAIN_MEMORY_STATS: {
    guint flags;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    *out = domain_memory_stats (dom, error);
    return *out != NULL;
  }

  case VB_OP_DOMAIN_GET_VCPUS:
    return vb_op_domain_get_vcpus (dom, args, out, error);

  case VB_OP_DOMAIN_INTERFACE_ADDRESSES: {
    guint source, flags;

    g_variant_get (args, "(uu)", &source, &flags);
    *out = domain_interface_addresses (self, dom, source, flags, error);
    return *out != NULL;
  }

  case VB_OP_DOMAIN_GET_TIME: {
    guint flags;
    TestDomainData *data;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    if (!vb_domain_check_running (dom, vb_domain_get_state (dom, NULL) == VB_DOMAIN_RUNNING, error))
      return FALSE;
    data = domain_data (dom);
    *out = g_variant_new ("(tu)", (guint64) data->seconds, data->nseconds);
    return TRUE;
  }

  case VB_OP_DOMAIN_GET_HOSTNAME: {
    guint flags;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error) || !vb_domain_check_active (dom, error))
      return FALSE;
    *out = g_variant_new_take_string (g_strdup_printf ("%shost", name));
    return TRUE;
  }

  case VB_OP_DOMAIN_GET_SCHEDULER_TYPE:
    *out = g_variant_new ("(si)", "fair", 1);
    return TRUE;

  default:
    return vb_op_unsupported (op, error);
  }
}

/* Domain jobs ---------------------------------------------------------------- */

static gboolean
domain_set_vcpus (VbDomain *dom, guint count, guint flags, GError **error)
{
  g_autoptr(VbDomainDef) live = NULL;
  g_autoptr(VbDomainDef) config = NULL;

  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_VCPU_MAXIMUM, error) ||
      !vb_domain_resolve_set_vcpus (dom, count, TEST_MAX_VCPUS, &flags, error))
    return FALSE;
  if ((flags & VB_DOMAIN_VCPU_MAXIMUM) && (flags & VB_DOMAIN_AFFECT_LIVE)) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG,
                         "the maximum vCPU count of a running domain cannot be changed");
    return FALSE;
  }

  /* Check everything before changing anything. */
  if (flags & VB_DOMAIN_AFFECT_LIVE) {
    live = vb_domain_def_copy (vb_domain_get_live_def (dom));
    if (!vb_domain_def_set_vcpus (live, count, flags, error))
      return FALSE;
  }
  if (flags & VB_DOMAIN_AFFECT_CONFIG) {
    config = vb_domain_def_copy (vb_domain_get_def (dom));
    if (!vb_domain_def_set_vcpus (config, count, flags, error))
      return FALSE;
  }
  if (live)
    vb_domain_set_live_def (dom, g_steal_pointer (&live));
  if (config)
    vb_domain_set_def (dom, g_steal_pointer (&config));
  return TRUE;
}

static gboolean
domain_set_memory (VbDomain *dom, guint64 kib, guint flags, GError **error)
{
  g_autoptr(VbDomainDef) def = NULL;

  if (!vb_check_flags (flags, VB_DOMAIN_AFFECT_LIVE | VB_DOMAIN_AFFECT_CONFIG | VB_DOMAIN_MEM_MAXIMUM, error) ||
      !vb_domain_resolve_set_memory (dom, kib, &flags, TRUE, error))
    return FALSE;
  def = vb_domain_def_copy ((flags & VB_DOMAIN_AFFECT_LIVE) ? vb_domain_get_live_def (dom)
                                                            : vb_domain_get_def (dom));
  if (!vb_domain_def_set_memory (def, kib, flags, error))
    return FALSE;
  if (flags & VB_DOMAIN_AFFECT_LIVE)
    vb_domain_set_live_def (dom, g_steal_pointer (&def));
  else
    vb_domain_set_def (dom, g_steal_pointer (&def));
  return TRUE;
}

/* on_poweroff / on_reboot: whether the guest comes back up afterwards */
static gboolean
action_restarts (const char *action, gboolean default_restarts)
{
  if (action == NULL)
    return default_restarts;
  return g_str_equal (action, "restart") || g_str_equal (action, "restart-rename");
}

static gboolean
run_domain_job (VbTestDriver *self, VbOp op, VbDomain *dom, GVariant *args, GError **error)
{
  guint flags = 0;

  switch (op) {
  case VB_OP_DOMAIN_CREATE: {
    gboolean paused;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_START_PAUSED | VB_DOMAIN_START_FORCE_BOOT, error))
      return FALSE;
    if (!vb_domain_check_not_running (dom, vb_domain_is_active (dom), error))
      return FALSE;
    /* Starting from a managed save drops the image; libvirt's test driver
     * reports that as an ordinary boot. */
    paused = (flags & VB_DOMAIN_START_PAUSED) != 0;
    domain_start (self, dom, NULL, paused);
    vb_driver_emit_domain_started (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_STARTED_BOOTED, paused);
    return TRUE;
  }

  case VB_OP_DOMAIN_UNDEFINE: {
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_UNDEFINE_MANAGED_SAVE | VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, error))
      return FALSE;
    if (!vb_domain_check_can_undefine (dom, flags, error) ||
        !vb_define_undefine (VB_DRIVER (self), &self->domains, VB_OBJECT (dom), error))
      return FALSE;
    vb_domain_set_managed_save (dom, FALSE);
    return TRUE;
  }

  case VB_OP_DOMAIN_SHUTDOWN:
  case VB_OP_DOMAIN_REBOOT: {
    const VbDomainDef *live;
    gboolean restarts;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, op == VB_OP_DOMAIN_REBOOT ? TEST_DOMAIN_REBOOT_ALL : 0, error) ||
        !vb_domain_check_active (dom, error))
      return FALSE;
    live = vb_domain_get_live_def (dom);
    restarts = op == VB_OP_DOMAIN_SHUTDOWN ? action_restarts (live->on_poweroff, FALSE)
                                           : action_restarts (live->on_reboot, TRUE);
    if (!restarts) {
      domain_stop (self, dom, VB_DOMAIN_SHUTOFF_SHUTDOWN, VB_DOMAIN_EVENT_STOPPED_SHUTDOWN);
      return TRUE;
    }
    /* The guest comes straight back: no lifecycle event, as in libvirt. */
    vb_domain_set_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_BOOTED);
    if (op == VB_OP_DOMAIN_REBOOT)
      vb_driver_emit_event (VB_DRIVER (self), dom, &(VbEvent) { .kind = VB_EVENT_DOMAIN_REBOOT });
    return TRUE;
  }

  case VB_OP_DOMAIN_RESET:
  case VB_OP_DOMAIN_INJECT_NMI:
    g_variant_get (args, "(u)", &flags);
    return vb_check_flags (flags, 0, error) && vb_domain_check_active (dom, error);

  case VB_OP_DOMAIN_DESTROY:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_DESTROY_GRACEFUL, error) || !vb_domain_check_active (dom, error))
      return FALSE;
    domain_stop (self, dom, VB_DOMAIN_SHUTOFF_DESTROYED, VB_DOMAIN_EVENT_STOPPED_DESTROYED);
    return TRUE;

  case VB_OP_DOMAIN_SUSPEND:
    if (!vb_domain_check_active (dom, error) || !vb_domain_check_can_suspend (dom, error))
      return FALSE;
    vb_domain_set_state (dom, VB_DOMAIN_PAUSED, VB_DOMAIN_PAUSED_USER);
    vb_driver_emit_domain_event (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_SUSPENDED,
                                 VB_DOMAIN_EVENT_SUSPENDED_PAUSED);
    return TRUE;

  case VB_OP_DOMAIN_RESUME:
    if (!vb_domain_check_can_resume (dom, error))
      return FALSE;
    vb_domain_set_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_UNPAUSED);
    vb_driver_emit_domain_event (VB_DRIVER (self), dom, VB_DOMAIN_EVENT_RESUMED,
                                 VB_DOMAIN_EVENT_RESUMED_UNPAUSED);
    return TRUE;

  case VB_OP_DOMAIN_MANAGED_SAVE:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_DOMAIN_SAVE_ALL, error) || !vb_domain_check_active (dom, error) ||
        !vb_domain_check_can_managed_save (dom, error))
      return FALSE;
    domain_stop (self, dom, VB_DOMAIN_SHUTOFF_SAVED, VB_DOMAIN_EVENT_STOPPED_SAVED);
    vb_domain_set_managed_save (dom, TRUE);
    return TRUE;

  case VB_OP_DOMAIN_MANAGED_SAVE_REMOVE:
    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, 0, error))
      return FALSE;
    vb_domain_set_managed_save (dom, FALSE);
    return TRUE;

  case VB_OP_DOMAIN_SET_VCPUS: {
    guint count;

    g_variant_get (args, "(uu)", &count, &flags);
    return domain_set_vcpus (dom, count, flags, error);
  }

  case VB_OP_DOMAIN_SET_MEMORY: {
    guint64 kib;

    g_variant_get (args, "(tu)", &kib, &flags);
    return domain_set_memory (dom, kib, flags, error);
  }

  case VB_OP_DOMAIN_SET_METADATA:
    return vb_define_domain_set_metadata (VB_DRIVER (self), &self->domains, dom, args, error);

  case VB_OP_DOMAIN_SET_AUTOSTART: {
    gboolean autostart;

    g_variant_get (args, "(b)", &autostart);
    return vb_define_set_autostart (&self->domains, VB_OBJECT (dom), autostart, error);
  }

  case VB_OP_DOMAIN_RENAME: {
    const char *new_name;

    g_variant_get (args, "(&su)", &new_name, &flags);
    return vb_check_flags (flags, 0, error) &&
           vb_define_rename (VB_DRIVER (self), &self->domains, VB_OBJECT (dom), new_name, error);
  }

  case VB_OP_DOMAIN_SEND_KEY: {
    guint codeset, holdtime;
    g_autoptr(GVariant) keys = NULL;

    g_variant_get (args, "(uu@auu)", &codeset, &holdtime, &keys, &flags);
    if (!vb_check_flags (flags, 0, error) || !vb_domain_check_active (dom, error))
      return FALSE;
    if (codeset >= TEST_KEYCODE_SET_LAST) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "invalid keycode set %u", codeset);
      return FALSE;
    }
    if (g_variant_n_children (keys) == 0 || g_variant_n_children (keys) > TEST_SEND_KEY_MAX_KEYS) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARG, "between 1 and %d keycodes are needed",
                   TEST_SEND_KEY_MAX_KEYS);
      return FALSE;
    }
    return TRUE;
  }

  case VB_OP_DOMAIN_SET_TIME: {
    guint64 seconds;
    guint nseconds;
    TestDomainData *data;

    g_variant_get (args, "(tuu)", &seconds, &nseconds, &flags);
    if (!vb_check_flags (flags, TEST_DOMAIN_TIME_SYNC, error) || !vb_domain_check_active (dom, error))
      return FALSE;
    if (nseconds >= G_USEC_PER_SEC * 1000 || seconds > G_MAXINT64) {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_ARG, "time out of range");
      return FALSE;
    }
    data = domain_data (dom);
    /* TIME_SYNC reads the host clock into the guest: nothing to store */
    if (!(flags & TEST_DOMAIN_TIME_SYNC)) {
      data->seconds = (gint64) seconds;
      data->nseconds = nseconds;
    }
    return TRUE;
  }

  default:
    return vb_op_unsupported (op, error);
  }
}

/* Save to file and core dump: the write runs asynchronously; the domain
 * stops only once the file is complete, so a failed write changes nothing. */

#define TEST_SAVE_MAGIC "VirtbusTestSave 1"
#define TEST_DUMP_MAGIC "VirtbusTestDump 1"

typedef struct {
  GTask *task;
  VbDomain *dom;
  VbOp op;
  gboolean crash;
  GBytes *contents;
} FileJob;

static void
file_job_free (FileJob *job)
{
  g_object_unref (job->task);
  g_object_unref (job->dom);
  g_bytes_unref (job->contents);
  g_free (job);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FileJob, file_job_free)

static void
file_job_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(FileJob) job = user_data;
  VbTestDriver *self = VB_TEST_DRIVER (g_task_get_source_object (job->task));
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error)) {
    g_autofree char *path = g_file_get_path (G_FILE (source));

    g_task_return_new_error (job->task, VB_ERROR, VB_ERROR_IO, "cannot write '%s': %s",
                             path ? path : "?", error->message);
    return;
  }
  if (job->op == VB_OP_DOMAIN_SAVE)
    domain_stop (self, job->dom, VB_DOMAIN_SHUTOFF_SAVED, VB_DOMAIN_EVENT_STOPPED_SAVED);
  else if (job->crash)
    domain_stop (self, job->dom, VB_DOMAIN_SHUTOFF_CRASHED, VB_DOMAIN_EVENT_STOPPED_CRASHED);
  g_task_return_pointer (job->task, NULL, NULL);
}

/* The save image: a header line "VirtbusTestSave 1 <state> <reason>"
 * followed by the live definition (secure). */
static void
run_file_job (VbTestDriver *self, VbOp op, VbDomain *dom, GVariant *args, GTask *task)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(FileJob) job = g_new0 (FileJob, 1);
  GBytes *contents;
  const char *path;
  guint flags;

  job->task = g_object_ref (task);
  job->dom = g_object_ref (dom);
  job->op = op;

  if (op == VB_OP_DOMAIN_SAVE) {
    const char *dxml;
    int reason;
    VbDomainState state = vb_domain_get_state (dom, &reason);
    g_autofree char *xml = NULL;
    g_autofree char *image = NULL;
    gsize len;

    g_variant_get (args, "(&s&su)", &path, &dxml, &flags);
    if (!vb_check_flags (flags, 0, &error) || !vb_domain_check_active (dom, &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    if (*dxml) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "xml modification unsupported");
      return;
    }
    xml = vb_domain_def_format (vb_domain_get_live_def (dom), VB_DOMAIN_FORMAT_SECURE);
    image = g_strdup_printf (TEST_SAVE_MAGIC " %d %d\n%s", state, reason, xml);
    len = strlen (image);
    job->contents = g_bytes_new_take (g_steal_pointer (&image), len);
  } else {
    guint format;

    g_variant_get (args, "(&suu)", &path, &format, &flags);
    if (!vb_check_flags (flags, VB_DUMP_CRASH, &error) || !vb_domain_check_active (dom, &error)) {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
    if (format != 0) {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "kdump-compressed format is not supported here");
      return;
    }
    job->crash = (flags & VB_DUMP_CRASH) != 0;
    job->contents = g_bytes_new_static (TEST_DUMP_MAGIC "\n", strlen (TEST_DUMP_MAGIC "\n"));
  }

  if (!vb_path_check_absolute (path, &error)) {
    g_task_return_error (task, g_steal_pointer (&error));
    return;
  }
  file = g_file_new_for_path (path);
  /* the job is handed over in the same call: read what it holds first */
  contents = job->contents;
  g_file_replace_contents_bytes_async (file, contents, NULL, FALSE,
                                       G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       g_task_get_cancellable (task), file_job_written,
                                       g_steal_pointer (&job));
}

/* Networks --------------------------------------------------------------- */

static gboolean
run_network (VbTestDriver *self, VbOp op, VbNetwork *net, GVariant *args, GVariant **out,
             GError **error)
{
  const char *name = vb_network_get_name (net);

  switch (op) {
  case VB_OP_NETWORK_GET_XML_DESC: {
    const VbNetworkDef *def = vb_network_get_current_def (net);
    guint flags, format = VB_NETWORK_FORMAT_LIVE;

    g_variant_get (args, "(u)", &flags);
    if (!vb_check_flags (flags, VB_NETWORK_XML_INACTIVE, error))
      return FALSE;
    if (flags & VB_NETWORK_XML_INACTIVE) {
      format = VB_NETWORK_FORMAT_INACTIVE;
      if (vb_network_is_persistent (net))
        def = vb_network_get_def (net);
    }
    *out = g_variant_new_take_string (vb_network_def_format (def, format));
    return TRUE;
  }

  case VB_OP_NETWORK_GET_BRIDGE_NAME: {
    const VbNetworkDef *def = vb_network_get_current_def (net);

    if (def->bridge_name == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "network '%s' does not have a bridge name", name);
      return FALSE;
    }
    *out = g_variant_new_string (def->bridge_name);
    return TRUE;
  }

  case VB_OP_NETWORK_CREATE:
    if (!vb_network_check_not_active (net, error))
      return FALSE;
    network_start (net, NULL);
    vb_driver_emit_network_event (VB_DRIVER (self), net, VB_NETWORK_EVENT_STARTED);
    return TRUE;

  case VB_OP_NETWORK_DESTROY: {
    if (!vb_network_check_active (net, error))
      return FALSE;
    vb_network_set_live_def (net, NULL);
    vb_network_set_active (net, FALSE);
    if (!vb_network_is_persistent (net))
      vb_driver_remove_network (VB_DRIVER (self), net);
    vb_driver_emit_network_event (VB_DRIVER (self), net, VB_NETWORK_EVENT_STOPPED);
    return TRUE;
  }

  case VB_OP_NETWORK_UNDEFINE:
    return vb_define_undefine (VB_DRIVER (self), &self->networks, VB_OBJECT (net), error);

  case VB_OP_NETWORK_UPDATE: {
    guint command, section, flags;
    int parent_index;
    const char *xml;
    g_autoptr(VbNetworkDef) live = NULL;
    g_autoptr(VbNetworkDef) config = NULL;

    g_variant_get (args, "(uui&su)", &command, &section, &parent_index, &xml, &flags);
    if (!vb_check_flags (flags, TEST_NETWORK_UPDATE_AFFECT_LIVE | TEST_NETWORK_UPDATE_AFFECT_CONFIG, error))
      return FALSE;
    /* AFFECT_CURRENT: the live network when it runs, else its config */
    if ((flags & (TEST_NETWORK_UPDATE_AFFECT_LIVE | TEST_NETWORK_UPDATE_AFFECT_CONFIG)) == 0)
      flags |= vb_network_is_active (net) ? TEST_NETWORK_UPDATE_AFFECT_LIVE : TEST_NETWORK_UPDATE_AFFECT_CONFIG;
    if ((flags & TEST_NETWORK_UPDATE_AFFECT_LIVE) && !vb_network_is_active (net)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE, "network '%s' is not running", name);
      return FALSE;
    }
    if ((flags & TEST_NETWORK_UPDATE_AFFECT_CONFIG) && !vb_network_is_persistent (net)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_STATE,
                   "cannot change persistent config of transient network '%s'", name);
      return FALSE;
    }
    if (flags & TEST_NETWORK_UPDATE_AFFECT_LIVE) {
      live = vb_network_def_copy (vb_network_get_live_def (net));
      if (!vb_network_def_update (live, command, section, parent_index, xml, error))
        return FALSE;
    }
    if (flags & TEST_NETWORK_UPDATE_AFFECT_CONFIG) {
      config = vb_network_def_copy (vb_network_get_def (net));
      if (!vb_network_def_update (config, command, section, parent_index, xml, error))
        return FALSE;
    }
    if (live)
      vb_network_set_live_def (net, g_steal_pointer (&live));
    if (config)
      vb_network_set_def (net, g_steal_pointer (&config));
    return TRUE;
  }

  case VB_OP_NETWORK_SET_AUTOSTART: {
    gboolean autostart;

    g_variant_get (args, "(b)", &autostart);
    return vb_define_set_autostart (&self->networks, VB_OBJECT (net), autostart, error);
  }

  default:
    return vb_op_unsupported (op, error);
  }
}

/* VbDriver ----------------------------------------------------------------- */

static char *
load_fixture (const char *path, GError **error)
{
  g_autoptr(GBytes) bytes = g_resource_lookup_data (vb_test_driver_get_resource (), path,
                                                    G_RESOURCE_LOOKUP_FLAGS_NONE, error);

  if (bytes == NULL)
    return NULL;
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static gboolean
vb_test_driver_open (VbDriver *driver, GError **error)
{
  VbTestDriver *self = VB_TEST_DRIVER (driver);
  g_autofree char *dom_xml = NULL;
  g_autofree char *net_xml = NULL;
  g_autoptr(VbDomainDef) dom_def = NULL;
  g_autoptr(VbNetworkDef) net_def = NULL;
  g_autoptr(VbDomain) dom = NULL;
  g_autoptr(VbNetwork) net = NULL;

  /* One hypervisor state per driver, as test:///default is per process. */
  if (self->opened)
    return TRUE;

  dom_xml = load_fixture (TEST_RESOURCE_DOMAIN, error);
  net_xml = dom_xml ? load_fixture (TEST_RESOURCE_NETWORK, error) : NULL;
  if (net_xml == NULL)
    return FALSE;
  dom_def = vb_define_parse (&self->domains, dom_xml, error);
  if (dom_def == NULL) {
    g_prefix_error (error, "test driver fixture: ");
    return FALSE;
  }
  net_def = vb_define_parse (&self->networks, net_xml, error);
  if (net_def == NULL) {
    g_prefix_error (error, "test driver fixture: ");
    return FALSE;
  }

  /* The fixture has no test:runstate, so libvirt starts the domain and
   * then overwrites the reason with 0: "running (unknown)". */
  dom = vb_domain_new (g_steal_pointer (&dom_def), TRUE);
  domain_start (self, dom, NULL, FALSE);
  vb_domain_set_state (dom, VB_DOMAIN_RUNNING, VB_DOMAIN_RUNNING_UNKNOWN);
  vb_driver_add_domain (driver, dom);

  net = vb_network_new (g_steal_pointer (&net_def), TRUE);
  network_start (net, NULL);
  vb_driver_add_network (driver, net);

  self->opened = TRUE;
  return TRUE;
}

/* The core keeps @object referenced until @task completes, so an object
 * removed from the registry here stays valid for the rest of the call. */
static void
vb_test_driver_run (VbDriver *driver, VbOp op, gpointer object, GVariant *args, GTask *task)
{
  VbTestDriver *self = VB_TEST_DRIVER (driver);
  const VbOpInfo *info = vb_op_get_info (op);
  GError *error = NULL;
  GVariant *out = NULL;
  gboolean ok;

  switch (op) {
  case VB_OP_DOMAIN_DEFINE_XML:
  case VB_OP_DOMAIN_CREATE_XML:
  case VB_OP_NETWORK_DEFINE_XML:
  case VB_OP_NETWORK_CREATE_XML: {
    g_autoptr(GObject) created = NULL;

    if (op == VB_OP_DOMAIN_DEFINE_XML)
      created = G_OBJECT (define_xml (self, &self->domains, args, task, &error));
    else if (op == VB_OP_DOMAIN_CREATE_XML)
      created = G_OBJECT (domain_create_xml (self, args, task, &error));
    else if (op == VB_OP_NETWORK_DEFINE_XML)
      created = G_OBJECT (define_xml (self, &self->networks, args, task, &error));
    else
      created = G_OBJECT (network_create_xml (self, args, task, &error));
    if (created)
      vb_driver_task_return_object (task, created);
    else
      g_task_return_error (task, error);
    return;
  }

  /* What libvirt's test driver does not implement either. */
  case VB_OP_GET_DOMAIN_CAPABILITIES:
  case VB_OP_DOMAIN_GET_JOB_INFO:
  case VB_OP_DOMAIN_GET_JOB_STATS:
  case VB_OP_DOMAIN_ATTACH_DEVICE:
  case VB_OP_DOMAIN_DETACH_DEVICE:
  case VB_OP_DOMAIN_UPDATE_DEVICE:
  case VB_OP_DOMAIN_PM_WAKEUP:
  case VB_OP_DOMAIN_PM_SUSPEND:
  case VB_OP_DOMAIN_ABORT_JOB:
  case VB_OP_DOMAIN_RESTORE:
  case VB_OP_DOMAIN_SAVE_IMAGE_DEFINE_XML:
  case VB_OP_DOMAIN_SAVE_IMAGE_GET_XML_DESC:
  case VB_OP_DOMAIN_OPEN_GRAPHICS_FD:
  case VB_OP_NETWORK_GET_DHCP_LEASES:
  case VB_OP_LAST:
    vb_driver_task_return_unsupported (task, op);
    return;

  case VB_OP_DOMAIN_SAVE:
  case VB_OP_DOMAIN_CORE_DUMP:
    run_file_job (self, op, VB_DOMAIN (object), args, task);
    return;

  default:
    break;
  }

  switch (info->target) {
  case VB_OP_TARGET_HOST:
    ok = run_host (self, op, args, &out, &error);
    break;
  case VB_OP_TARGET_DOMAIN:
    if (info->job)
      ok = run_domain_job (self, op, VB_DOMAIN (object), args, &error);
    else
      ok = run_domain_query (self, op, VB_DOMAIN (object), args, &out, &error);
    break;
  case VB_OP_TARGET_NETWORK:
    ok = run_network (self, op, VB_NETWORK (object), args, &out, &error);
    break;
  default:
    g_assert_not_reached ();
  }
  vb_driver_task_return_result (task, ok, out, error);
}

/* Its "running" domains are entries in memory: nothing real would be left
 * behind, so they never keep an idle daemon alive. */
static gboolean
vb_test_driver_is_busy (VbDriver *driver)
{
  return FALSE;
}

static void
vb_test_driver_class_init (VbTestDriverClass *klass)
{
  VbDriverClass *driver_class = VB_DRIVER_CLASS (klass);

  driver_class->name = "Test";
  driver_class->open = vb_test_driver_open;
  driver_class->run = vb_test_driver_run;
  driver_class->is_busy = vb_test_driver_is_busy;
}

static void
vb_test_driver_init (VbTestDriver *self)
{
  self->domains.kind = VB_TYPE_DOMAIN;
  self->domains.post_parse = domain_post_parse;
  self->domains.undefine_active = VB_UNDEFINE_ACTIVE_TRANSIENT;
  /* the parser's default arch is not the driver's: see the one written */
  self->domains.parse_flags = VB_DOMAIN_PARSE_NO_DEFAULT_ARCH;
  vb_driver_set_parse_flags (VB_DRIVER (self), VB_TYPE_DOMAIN, VB_DOMAIN_PARSE_NO_DEFAULT_ARCH);
  self->networks.kind = VB_TYPE_NETWORK;
  self->networks.parse_flags = TEST_NETWORK_PARSE_FLAGS;
  vb_driver_set_parse_flags (VB_DRIVER (self), VB_TYPE_NETWORK, TEST_NETWORK_PARSE_FLAGS);
  /* libvirt's test driver refuses, where the network driver would make
   * the network transient */
  self->networks.undefine_active = VB_UNDEFINE_ACTIVE_REFUSE;
}

VbDriver *
vb_test_driver_new (const VbDriverConfig *config)
{
  return g_object_new (VB_TYPE_TEST_DRIVER, NULL);
}
