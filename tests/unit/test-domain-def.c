/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <string.h>

#include "vb-domain-def.h"
#include "vb-error.h"
#include "vb-test-common.h"

#define DOMAIN_HEAD \
  "<domain type='qemu'><name>d</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>" \
  "<memory unit='MiB'>1</memory><vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os>"
#define DOMAIN(devices) DOMAIN_HEAD "<devices>" devices "</devices></domain>"

static void
assert_invalid (const char *xml, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomainDef) def = vb_domain_def_parse (xml, 0, &error);

  g_assert_null (def);
  vb_test_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG, fragment);
}

static void
test_validation (void)
{
  assert_invalid ("<domain type='qemu'><name>a/b</name><memory>1</memory><os><type>hvm</type></os></domain>", "'/'");
  assert_invalid ("<domain><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>", "type");
  assert_invalid ("<domain type='qemu'><memory>1</memory><os><type>hvm</type></os></domain>", "<name>");
  assert_invalid ("<domain type='qemu'><name>a</name><os><type>hvm</type></os></domain>", "<memory>");
  assert_invalid ("<domain type='qemu'><name>a</name><memory>1</memory></domain>", "<os>");
  assert_invalid ("<domain type='qemu'><name>a</name><uuid>xyz</uuid><memory>1</memory><os><type>hvm</type></os></domain>", "UUID");
  assert_invalid ("<domain type='qemu'><name>a</name><memory unit='parsec'>1</memory><os><type>hvm</type></os></domain>", "unit");
  assert_invalid ("<domain type='qemu'><name>a</name><memory>1</memory><vcpu current='3'>2</vcpu><os><type>hvm</type></os></domain>", "current");
  assert_invalid ("<domain type='qemu'><name>a</name><title>x\ny</title><memory>1</memory><os><type>hvm</type></os></domain>", "newline");
  assert_invalid (DOMAIN ("<disk type='file'><source file='/x'/></disk>"), "target");
  assert_invalid (DOMAIN ("<interface type='network'/>"), "network");
  assert_invalid (DOMAIN ("<interface type='bridge'><mac address='01:00:00:00:00:01'/><source bridge='b'/></interface>"), "multicast");
  assert_invalid (DOMAIN ("<channel type='tcp'><source mode='bind' service='1'/><target type='virtio'/></channel>"), "host");
  assert_invalid (DOMAIN ("<channel type='tcp'><source mode='bind' host='h'/><target type='virtio'/></channel>"), "service");
  assert_invalid (DOMAIN ("<serial type='unix'><source mode='bind'/></serial>"), "path");
  assert_invalid (DOMAIN ("<serial type='file'/>"), "path");
  assert_invalid (DOMAIN ("<graphics type='vnc' listen='1.1.1.1'><listen type='address' address='2.2.2.2'/></graphics>"), "match");
  assert_invalid (DOMAIN ("<graphics type='vnc'><listen type='network'/></graphics>"), "network");
  assert_invalid (DOMAIN ("<graphics type='vnc' socket='/a'><listen type='socket' socket='/b'/></graphics>"), "socket");
  assert_invalid (DOMAIN ("<memballoon/>"), "model");
  assert_invalid (DOMAIN_HEAD "<cputune><cachetune vcpus='0'><cache id='0' level='3' type='code' size='1' unit='KiB'/></cachetune>"
                  "<cachetune vcpus='0-1'><cache id='0' level='3' type='data' size='1' unit='KiB'/></cachetune></cputune>"
                  "<devices/></domain>", "overlap");
  assert_invalid (DOMAIN_HEAD "<cpu><topology sockets='1' cores='1' threads='1'/></cpu><devices/></domain>", "topology");
}

/* x86_64 is the parser's default architecture unless a driver with
 * another default asks to see the attribute as written. */
static void
test_default_arch (void)
{
  const char *bare = "<domain type='test'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>";
  const char *given = "<domain type='test'><name>a</name><memory>1</memory><os><type arch='i686'>hvm</type></os></domain>";
  g_autoptr(VbDomainDef) defaulted = vb_domain_def_parse (bare, 0, NULL);
  g_autoptr(VbDomainDef) unset = vb_domain_def_parse (bare, VB_DOMAIN_PARSE_NO_DEFAULT_ARCH, NULL);
  g_autoptr(VbDomainDef) explicit = vb_domain_def_parse (given, VB_DOMAIN_PARSE_NO_DEFAULT_ARCH, NULL);

  g_assert_cmpstr (defaulted->os_arch, ==, "x86_64");
  g_assert_null (unset->os_arch);
  g_assert_cmpstr (explicit->os_arch, ==, "i686");
}

static void
test_memory_units (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (
      "<domain type='qemu'><name>m</name><memory unit='GiB'>1</memory>"
      "<currentMemory unit='b'>1025</currentMemory><os><type>hvm</type></os></domain>");
  g_autofree char *xml = NULL;

  g_assert_cmpuint (def->memory_kib, ==, 1024 * 1024);
  /* bytes round up to whole KiB */
  g_assert_cmpuint (def->current_memory_kib, ==, 2);
  xml = vb_domain_def_format (def, 0);
  g_assert_nonnull (strstr (xml, "<memory unit='KiB'>1048576</memory>"));
  g_assert_nonnull (strstr (xml, "<currentMemory unit='KiB'>2</currentMemory>"));

  /* currentMemory defaults to memory */
  {
    g_autoptr(VbDomainDef) d2 = vb_test_parse_domain (DOMAIN (""));
    g_assert_cmpuint (d2->current_memory_kib, ==, 1024);
  }
}

static void
test_live_inactive (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (DOMAIN ("<graphics type='vnc' passwd='secret'/>"));
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;
  g_autofree char *secure = NULL;

  g_assert_cmpint (def->id, ==, -1);
  def->id = 7;
  live = vb_domain_def_format (def, 0);
  inactive = vb_domain_def_format (def, VB_DOMAIN_FORMAT_INACTIVE);
  secure = vb_domain_def_format (def, VB_DOMAIN_FORMAT_SECURE);
  g_assert_true (g_str_has_prefix (live, "<domain type='qemu' id='7'>"));
  g_assert_true (g_str_has_prefix (inactive, "<domain type='qemu'>"));
  g_assert_null (strstr (live, "secret"));
  g_assert_nonnull (strstr (secure, "passwd='secret'"));
}

static void
test_metadata (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (DOMAIN (""));
  g_autoptr(GError) error = NULL;
  g_autofree char *got = NULL;
  g_autofree char *xml = NULL;
  char *tmp;

  tmp = vb_domain_def_get_metadata (def, VB_DOMAIN_METADATA_TITLE, NULL, &error);
  g_assert_null (tmp);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "metadata not found");
  g_clear_error (&error);

  g_assert_true (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_TITLE, "T", NULL, NULL, &error));
  g_assert_true (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_DESCRIPTION, "D", NULL, NULL, &error));
  tmp = vb_domain_def_get_metadata (def, VB_DOMAIN_METADATA_TITLE, NULL, &error);
  g_assert_cmpstr (tmp, ==, "T");
  g_free (tmp);

  g_assert_true (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "<app><x a='1'/></app>",
                                             "my", "http://example.org/my", &error));
  g_assert_no_error (error);
  got = vb_domain_def_get_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "http://example.org/my", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (got, "<my:app xmlns:my=\"http://example.org/my\">"));
  xml = vb_domain_def_format (def, 0);
  g_assert_nonnull (strstr (xml, "<metadata>\n    <my:app"));
  g_assert_nonnull (strstr (xml, "<title>T</title>"));

  /* a second set replaces, an empty one removes */
  g_assert_true (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "<b/>", "my",
                                             "http://example.org/my", &error));
  tmp = vb_domain_def_get_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "http://example.org/my", &error);
  g_assert_cmpstr (tmp, ==, "<my:b xmlns:my=\"http://example.org/my\"/>");
  g_free (tmp);
  g_assert_true (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_ELEMENT, NULL, NULL,
                                             "http://example.org/my", &error));
  tmp = vb_domain_def_get_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "http://example.org/my", &error);
  g_assert_null (tmp);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_TITLE, "", NULL, NULL, &error));
  g_assert_null (def->title);

  g_assert_false (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "<a/>", "bad key", "u", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARG);
  g_clear_error (&error);
  g_assert_false (vb_domain_def_set_metadata (def, VB_DOMAIN_METADATA_ELEMENT, "<a", "k", "u", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
}

static void
test_attach_detach (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (DOMAIN (""));
  g_autoptr(GError) error = NULL;
  const char *disk = "<disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/></disk>";
  const char *nic = "<interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/></interface>";
  g_autofree char *xml = NULL;

  g_assert_true (vb_domain_def_attach_device (def, disk, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (def->disks->len, ==, 1);
  g_assert_false (vb_domain_def_attach_device (def, disk, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_true (vb_domain_def_attach_device (def, nic, &error));
  g_assert_cmpuint (def->interfaces->len, ==, 1);
  xml = vb_domain_def_format (def, 0);
  g_assert_nonnull (strstr (xml, "<mac address='52:54:00:aa:bb:cc'/>"));

  /* detach matches a disk by target dev, an interface by MAC */
  g_assert_true (vb_domain_def_detach_device (def, "<disk><target dev='vda'/></disk>", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (def->disks ? def->disks->len : 0, ==, 0);
  g_assert_false (vb_domain_def_detach_device (def, "<disk><target dev='vda'/></disk>", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (vb_domain_def_detach_device (def, "<interface type='network'><mac address='52:54:00:AA:BB:CC'/>"
                                                   "<source network='x'/></interface>", &error));
  g_assert_cmpuint (def->interfaces ? def->interfaces->len : 0, ==, 0);

  g_assert_true (vb_domain_def_attach_device (def, "<watchdog model='i6300esb' action='reset'/>", &error));
  g_assert_true (vb_domain_def_detach_device (def, "<watchdog model='i6300esb' action='reset'/>", &error));
  g_assert_false (vb_domain_def_attach_device (def, "<bogus/>", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
}

/* virtbusd holds thousands of definitions: a minimal one allocates none
 * of its arrays, tables or sections, and still formats and takes devices. */
static void
test_minimal_is_lazy (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain ("<domain type='test'><name>m</name><memory>131072</memory>"
                                         "<vcpu>1</vcpu><os><type>hvm</type></os></domain>");
  g_autoptr(VbDomainDef) built = vb_domain_def_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *built_xml = NULL;

  g_assert_null (def->disks);
  g_assert_null (def->controllers);
  g_assert_null (def->interfaces);
  g_assert_null (def->serials);
  g_assert_null (def->consoles);
  g_assert_null (def->graphics);
  g_assert_null (def->videos);
  g_assert_null (def->other_devices);
  g_assert_null (def->os_other);
  g_assert_null (def->opaque);
  g_assert_null (def->namespaces);
  g_assert_null (def->cpu);
  for (int k = 0; k < VB_DOMAIN_DEVICE_LAST; k++)
    g_assert_null (vb_domain_def_get_devices (def, k));
  /* the default boot device is the one array a minimal hvm domain has */
  g_assert_cmpuint (def->os_boot_devs->len, ==, 1);
  xml = vb_domain_def_format (def, VB_DOMAIN_FORMAT_INACTIVE);
  g_assert_nonnull (strstr (xml, "<boot dev='hd'/>"));
  g_assert_null (strstr (xml, "<cpu"));

  g_assert_true (vb_domain_def_attach_device (def, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vb_domain_def_get_devices (def, VB_DOMAIN_DEVICE_RNG)->len, ==, 1);
  g_assert_null (vb_domain_def_get_devices (def, VB_DOMAIN_DEVICE_WATCHDOG));
  g_assert_true (vb_domain_def_detach_device (def, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>", &error));
  g_assert_no_error (error);

  /* what the client library builds field by field */
  built->name = g_strdup ("b");
  built->virt_type = g_strdup ("kvm");
  built->os_type = g_strdup ("hvm");
  built->memory_kib = built->current_memory_kib = 1024;
  built->vcpus = built->current_vcpus = 1;
  built_xml = vb_domain_def_format (built, 0);
  g_assert_nonnull (strstr (built_xml, "<devices>"));
}

static void
test_copy_and_mac (void)
{
  g_autoptr(VbDomainDef) def = NULL;
  g_autoptr(VbDomainDef) copy = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  VbDomainInterfaceDef *nic;

  vb_util_set_deterministic (TRUE);
  def = vb_test_parse_domain (DOMAIN ("<interface type='bridge'><mac address='00:00:00:00:00:00'/><source bridge='br0'/></interface>"
                          "<disk type='block' device='cdrom'><target dev='hdc'/></disk>"));
  nic = g_ptr_array_index (def->interfaces, 0);
  g_assert_cmpuint (nic->mac.bytes[0], ==, 0x52);
  g_assert_cmpstr (((VbDomainDiskDef *) g_ptr_array_index (def->disks, 0))->target_bus, ==, "ide");
  copy = vb_domain_def_copy (def);
  a = vb_domain_def_format (def, 0);
  b = vb_domain_def_format (copy, 0);
  g_assert_cmpstr (a, ==, b);
  /* the IDE disk got its drive address and its controller */
  g_assert_nonnull (strstr (a, "<address type='drive' controller='0' bus='1' target='0' unit='0'/>"));
  g_assert_nonnull (strstr (a, "<controller type='ide' index='0'/>"));
  vb_util_set_deterministic (FALSE);
}

/* The copy shares nothing with its original: changing strings, arrays,
 * nested structs, kept XML nodes and tables of the copy leaves the
 * original's XML as it was. */
static void
test_copy_is_deep (void)
{
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (
      "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
      "<name>d</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
      "<metadata><a:x xmlns:a='urn:a'>1</a:x></metadata>"
      "<memory unit='MiB'>1</memory><vcpu>2</vcpu><sysinfo type='smbios'><bios><entry name='vendor'>v</entry></bios></sysinfo>"
      "<os><type arch='x86_64'>hvm</type><boot dev='cdrom'/></os><features><acpi/></features>"
      "<cpu mode='custom'><model>qemu64</model><feature policy='require' name='svm'/></cpu>"
      "<devices><disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/><iotune><total_bytes_sec>1</total_bytes_sec></iotune></disk>"
      "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/>"
      "<bandwidth><inbound average='5'/></bandwidth></interface>"
      "<serial type='pty'/><graphics type='vnc'><listen type='address' address='127.0.0.1'/></graphics>"
      "<video><model type='vga'/></video><memballoon model='virtio'/><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
      "</devices><qemu:commandline><qemu:arg value='-x'/></qemu:commandline></domain>");
  g_autoptr(VbDomainDef) copy = vb_domain_def_copy (def);
  g_autofree char *before = vb_domain_def_format (def, VB_DOMAIN_FORMAT_SECURE);
  g_autofree char *after = NULL;
  g_autofree char *copied = NULL;
  VbDomainDiskDef *disk = g_ptr_array_index (copy->disks, 0);
  VbDomainInterfaceDef *nic = g_ptr_array_index (copy->interfaces, 0);
  VbDomainGraphicsDef *gfx = g_ptr_array_index (copy->graphics, 0);
  VbGraphicsListen *listen = g_ptr_array_index (gfx->listens, 0);
  GPtrArray *rngs = vb_domain_def_get_devices (copy, VB_DOMAIN_DEVICE_RNG);

  g_assert_cmpstr (before, ==, (copied = vb_domain_def_format (copy, VB_DOMAIN_FORMAT_SECURE)));
  g_free (copy->name);
  copy->name = g_strdup ("e");
  g_free (disk->source);
  disk->source = g_strdup ("/b");
  xmlSetProp (disk->info.address ? disk->info.address : disk->target, (const xmlChar *) "bus", (const xmlChar *) "sata");
  nic->bandwidth->in->average = 7;
  g_free (listen->address);
  listen->address = g_strdup ("0.0.0.0");
  g_free (copy->memballoon->model);
  copy->memballoon->model = g_strdup ("none");
  xmlSetProp (g_ptr_array_index (rngs, 0), (const xmlChar *) "model", (const xmlChar *) "other");
  g_ptr_array_set_size (copy->os_boot_devs, 0);
  g_ptr_array_set_size (copy->cpu->children, 0);
  g_hash_table_remove_all (copy->opaque);
  g_hash_table_remove_all (copy->namespaces);
  g_assert_true (vb_domain_def_set_metadata (copy, 2, NULL, NULL, "urn:a", NULL));
  g_assert_true (vb_domain_def_detach_device (copy, "<serial type='pty'><target port='0'/></serial>", NULL));

  after = vb_domain_def_format (def, VB_DOMAIN_FORMAT_SECURE);
  g_assert_cmpstr (before, ==, after);
  g_clear_pointer (&copied, g_free);
  copied = vb_domain_def_format (copy, VB_DOMAIN_FORMAT_SECURE);
  g_assert_cmpstr (before, !=, copied);
}

/* Devices a driver adds as defaults are built as structures; they must come
 * out as the XML snippets drivers used to parse for them, and adding them
 * keeps the checks of attaching. */
static void
test_default_devices_built (void)
{
  g_autoptr(VbDomainDef) built = vb_test_parse_domain (DOMAIN ("<graphics type='vnc'/>"));
  g_autoptr(VbDomainDef) parsed = vb_test_parse_domain (DOMAIN ("<graphics type='vnc'/>"));
  g_autoptr(VbDomainDevice) disk = NULL;
  g_autoptr(VbDomainDevice) again = NULL;
  g_autoptr(GError) error = NULL;
  VbDomainVideoDef *video = vb_domain_video_def_new ("cirrus");

  video->vram = 16384;
  video->heads = 1;
  video->primary = TRUE;
  g_assert_true (vb_domain_def_add_device (built, VB_DOMAIN_DEVICE_VIDEO, video, &error));
  g_assert_no_error (error);
  g_assert_true (vb_domain_def_add_device (built, VB_DOMAIN_DEVICE_MEMBALLOON,
                                           vb_domain_memballoon_def_new ("virtio"), &error));
  g_assert_true (vb_domain_def_attach_device (parsed, "<memballoon model='virtio'/>", &error));
  g_assert_true (vb_domain_def_attach_device (
      parsed, "<video><model type='cirrus' vram='16384' heads='1' primary='yes'/></video>", &error));
  g_assert_no_error (error);
  for (guint flags = 0; flags <= (VB_DOMAIN_FORMAT_INACTIVE | VB_DOMAIN_FORMAT_SECURE); flags++) {
    g_autofree char *a = vb_domain_def_format (built, flags);
    g_autofree char *b = vb_domain_def_format (parsed, flags);

    g_assert_cmpstr (a, ==, b);
  }

  g_assert_false (vb_domain_def_add_device (built, VB_DOMAIN_DEVICE_MEMBALLOON,
                                            vb_domain_memballoon_def_new ("none"), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_EXISTS);
  g_clear_error (&error);
  disk = vb_domain_device_parse ("<disk type='file'><source file='/a'/><target dev='sda'/></disk>", &error);
  again = vb_domain_device_parse ("<disk type='file'><source file='/b'/><target dev='sda'/></disk>", &error);
  g_assert_no_error (error);
  g_assert_true (vb_domain_def_add_device (built, disk->kind, g_steal_pointer (&disk->data), &error));
  /* a disk added in C gets its drive address as an attached one does */
  g_assert_nonnull (((VbDomainDiskDef *) g_ptr_array_index (built->disks, 0))->info.address);
  g_assert_false (vb_domain_def_add_device (built, again->kind, g_steal_pointer (&again->data), &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_EXISTS);
}

/* <interface type='ethernet'>: the host side's addresses and routes inside
 * <source>, the target's managed attribute and the <mtu> are typed for the
 * driver, and the XML is written back as given. */
static void
test_ethernet_interface (void)
{
  const char *xml = DOMAIN ("<interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
                            "<source><ip address='192.168.1.1' prefix='24'/><ip address='10.0.0.1' peer='10.0.0.2'/>"
                            "<ip address='fd00::1'/>"
                            "<route family='ipv4' address='192.168.2.0' netmask='255.255.255.0' gateway='192.168.1.2' metric='5'/>"
                            "<route address='192.168.3.0' gateway='192.168.1.2'/>\n      </source>"
                            "<target dev='tap0' managed='no'/><model type='virtio'/><mtu size='1400'/></interface>");
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (xml);
  g_autoptr(VbDomainDef) copy = vb_domain_def_copy (def);
  VbDomainInterfaceDef *nic = g_ptr_array_index (def->interfaces, 0);
  const VbNetdevIp *ip;
  const VbNetdevRoute *route;
  g_autofree char *a = vb_domain_def_format (def, 0);
  g_autofree char *b = vb_domain_def_format (copy, 0);

  g_assert_cmpstr (nic->target, ==, "tap0");
  g_assert_cmpstr (nic->target_managed, ==, "no");
  g_assert_cmpuint (nic->mtu, ==, 1400);
  g_assert_cmpuint (nic->host_ips->len, ==, 3);
  ip = g_ptr_array_index (nic->host_ips, 0);
  g_assert_cmpstr (ip->address, ==, "192.168.1.1");
  g_assert_cmpuint (ip->prefix, ==, 24);
  g_assert_null (ip->peer);
  /* no prefix: by class for IPv4, 64 for IPv6 */
  ip = g_ptr_array_index (nic->host_ips, 1);
  g_assert_cmpstr (ip->peer, ==, "10.0.0.2");
  g_assert_cmpuint (ip->prefix, ==, 8);
  ip = g_ptr_array_index (nic->host_ips, 2);
  g_assert_cmpuint (ip->prefix, ==, 64);
  g_assert_cmpuint (nic->host_routes->len, ==, 2);
  route = g_ptr_array_index (nic->host_routes, 0);
  g_assert_cmpstr (route->address, ==, "192.168.2.0");
  g_assert_true (route->prefix_set);
  g_assert_cmpuint (route->prefix, ==, 24);
  g_assert_cmpstr (route->gateway, ==, "192.168.1.2");
  g_assert_cmpuint (route->metric, ==, 5);
  route = g_ptr_array_index (nic->host_routes, 1);
  g_assert_false (route->prefix_set);
  g_assert_nonnull (strstr (a, "<route address='192.168.3.0' gateway='192.168.1.2'/>\n      </source>"));
  g_assert_nonnull (strstr (a, "<mtu size='1400'/>"));
  g_assert_nonnull (strstr (a, "<target dev='tap0' managed='no'/>"));
  g_assert_cmpstr (a, ==, b);
  g_assert_cmpuint (((VbDomainInterfaceDef *) g_ptr_array_index (copy->interfaces, 0))->host_ips->len, ==, 3);

  /* only ethernet's <source> carries them */
  {
    g_autoptr(VbDomainDef) other = vb_test_parse_domain (DOMAIN ("<interface type='bridge'><source bridge='br0'/></interface>"));

    g_assert_null (((VbDomainInterfaceDef *) g_ptr_array_index (other->interfaces, 0))->host_ips);
  }
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><ip address='300.1.1.1'/></source></interface>"), "300.1.1.1");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><ip prefix='24'/></source></interface>"), "address");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><ip address='10.0.0.1' prefix='33'/></source></interface>"), "prefix");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><ip address='10.0.0.1' peer='fd00::2'/></source></interface>"), "family");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><ip address='10.0.0.1' family='ipv6'/></source></interface>"), "family");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><ip address='224.0.0.5'/></source></interface>"), "prefix");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><route address='10.1.0.0' prefix='16'/></source></interface>"), "gateway");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><route address='10.1.0.0' gateway='fd00::1'/></source></interface>"), "family");
  assert_invalid (DOMAIN ("<interface type='ethernet'><source><route address='10.1.0.0' netmask='255.0.255.0' gateway='10.0.0.1'/></source></interface>"), "netmask");
  assert_invalid (DOMAIN ("<interface type='ethernet'><target dev='t' managed='perhaps'/></interface>"), "managed");
  assert_invalid (DOMAIN ("<interface type='ethernet'><mtu size='big'/></interface>"), "size");
  assert_invalid (DOMAIN ("<interface type='ethernet'><mtu/></interface>"), "size");
}

/* An automatic port is no configuration: a definition forgets it, the
 * live state of a running domain (status file, copy) keeps it. */
static void
test_graphics_live_ports (void)
{
  const char *xml = DOMAIN ("<graphics type='spice' port='5901' autoport='yes'><listen type='address' address='127.0.0.1'/></graphics>"
                            "<graphics type='vnc' port='5902' autoport='yes'/>");
  g_autoptr(VbDomainDef) config = vb_test_parse_domain (xml);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDomainDef) live = vb_domain_def_parse (xml, VB_DOMAIN_PARSE_LIVE, &error);
  g_autoptr(VbDomainDef) copy = NULL;
  g_autofree char *config_xml = NULL;
  g_autofree char *live_xml = NULL;
  g_autofree char *copy_xml = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (((VbDomainGraphicsDef *) g_ptr_array_index (config->graphics, 0))->port, ==, 0);
  g_assert_cmpint (((VbDomainGraphicsDef *) g_ptr_array_index (config->graphics, 1))->port, ==, 0);
  g_assert_cmpint (((VbDomainGraphicsDef *) g_ptr_array_index (live->graphics, 0))->port, ==, 5901);
  g_assert_cmpint (((VbDomainGraphicsDef *) g_ptr_array_index (live->graphics, 1))->port, ==, 5902);
  config_xml = vb_domain_def_format (config, VB_DOMAIN_FORMAT_INACTIVE);
  g_assert_nonnull (strstr (config_xml, "<graphics type='spice' port='-1' tlsPort='-1' autoport='yes'"));
  /* a running display shows the port it got, and no TLS port it has not */
  live_xml = vb_domain_def_format (live, 0);
  g_assert_nonnull (strstr (live_xml, "<graphics type='spice' port='5901' autoport='yes' listen='127.0.0.1'>"));
  g_assert_nonnull (strstr (live_xml, "<graphics type='vnc' port='5902' autoport='yes'"));
  copy = vb_domain_def_copy (live);
  copy_xml = vb_domain_def_format (copy, 0);
  g_assert_cmpstr (copy_xml, ==, live_xml);
}

/* Elements libvirt's schema allows but the model does not type are kept
 * and written back at their place; elements outside the schema are
 * dropped, as libvirt drops them.  Both are deliberate, and this test says
 * so. */
static void
test_opaque_and_unknown_elements (void)
{
  const char *kept[] = {
    "<tpm model='tpm-tis'>", "<backend type='emulator' version='2.0'/>",
    "<watchdog model='i6300esb' action='reset'/>", "<sound model='ich6'/>",
    "<hostdev mode='subsystem' type='pci' managed='yes'>",
    "<address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>",
    "<backend model='random'>/dev/urandom</backend>", "<hyperv mode='custom'>",
    "<relaxed state='on'/>", NULL,
  };
  g_autoptr(VbDomainDef) def = vb_test_parse_domain (
    "<domain type='kvm'><name>d</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
    "<memory unit='MiB'>1</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>"
    "<frobnicator level='11'/>"
    "<features><acpi/><hyperv mode='custom'><relaxed state='on'/></hyperv></features>"
    "<devices>"
    "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
    "<address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source></hostdev>"
    "<warpdrive/>"
    "<watchdog model='i6300esb' action='reset'/>"
    "<sound model='ich6'/>"
    "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"
    "<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>"
    "</devices></domain>");
  g_autofree char *xml = vb_domain_def_format (def, VB_DOMAIN_FORMAT_INACTIVE);
  g_autoptr(VbDomainDef) again = vb_test_parse_domain (xml);
  g_autofree char *xml2 = vb_domain_def_format (again, VB_DOMAIN_FORMAT_INACTIVE);

  for (guint i = 0; kept[i]; i++)
    if (strstr (xml, kept[i]) == NULL)
      g_error ("'%s' was dropped:\n%s", kept[i], xml);
  /* libvirt's device order: sound before watchdog, tpm before sound */
  g_assert_true (strstr (xml, "<tpm") < strstr (xml, "<sound"));
  g_assert_true (strstr (xml, "<sound") < strstr (xml, "<hostdev"));
  g_assert_true (strstr (xml, "<hostdev") < strstr (xml, "<watchdog"));
  g_assert_null (strstr (xml, "frobnicator"));
  g_assert_null (strstr (xml, "warpdrive"));
  g_assert_cmpstr (xml, ==, xml2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-def/validation", test_validation);
  g_test_add_func ("/domain-def/memory-units", test_memory_units);
  g_test_add_func ("/domain-def/default-arch", test_default_arch);
  g_test_add_func ("/domain-def/live-inactive", test_live_inactive);
  g_test_add_func ("/domain-def/metadata", test_metadata);
  g_test_add_func ("/domain-def/attach-detach", test_attach_detach);
  g_test_add_func ("/domain-def/minimal-is-lazy", test_minimal_is_lazy);
  g_test_add_func ("/domain-def/copy", test_copy_and_mac);
  g_test_add_func ("/domain-def/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/domain-def/default-devices-built", test_default_devices_built);
  g_test_add_func ("/domain-def/ethernet-interface", test_ethernet_interface);
  g_test_add_func ("/domain-def/graphics-live-ports", test_graphics_live_ports);
  g_test_add_func ("/domain-def/opaque-and-unknown", test_opaque_and_unknown_elements);
  return g_test_run ();
}
