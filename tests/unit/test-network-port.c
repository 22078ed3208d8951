/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>

#include "vb-error.h"
#include "vb-network-port.h"
#include "vb-xml.h"

static VbNetworkDef *
net (const char *xml)
{
  g_autoptr(GError) error = NULL;
  VbNetworkDef *def = vb_network_def_parse (xml, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (def);
  return def;
}

static VbVirtualPort *
vport (const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "virtualport", &error);
  VbVirtualPort *vp;

  g_assert_no_error (error);
  vp = vb_virtualport_parse (xmlDocGetRootElement (doc), &error);
  g_assert_no_error (error);
  return vp;
}

static VbVlan *
vlan (const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "vlan", &error);
  VbVlan *v;

  g_assert_no_error (error);
  v = vb_vlan_parse (xmlDocGetRootElement (doc), &error);
  g_assert_no_error (error);
  return v;
}

static VbBandwidth *
bandwidth (const char *xml)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(xmlDoc) doc = vb_xml_parse (xml, "bandwidth", &error);
  VbBandwidth *b;

  g_assert_no_error (error);
  b = vb_bandwidth_parse (xmlDocGetRootElement (doc), &error);
  g_assert_no_error (error);
  return b;
}

static VbNetworkPort *
alloc_ok (const VbNetworkDef *def, VbNetworkUsage *usage, const VbPortRequest *req)
{
  g_autoptr(GError) error = NULL;
  VbNetworkPort *port = NULL;

  g_assert_true (vb_network_port_allocate (def, usage, req, &port, &error));
  g_assert_no_error (error);
  g_assert_nonnull (port);
  return port;
}

static void
alloc_fails (const VbNetworkDef *def, VbNetworkUsage *usage, const VbPortRequest *req, int code)
{
  g_autoptr(GError) error = NULL;
  VbNetworkPort *port = NULL;
  guint before = usage->connections;

  g_assert_false (vb_network_port_allocate (def, usage, req, &port, &error));
  g_assert_null (port);
  g_assert_error (error, VB_ERROR, code);
  g_test_message ("rejected: %s", error->message);
  g_assert_cmpuint (usage->connections, ==, before);
}

#define NAT_NET \
  "<network><name>n</name><uuid>11111111-2222-3333-4444-555555555555</uuid>" \
  "<forward mode='nat'/><bridge name='virbr9' macTableManager='libvirt'/>" \
  "<port isolated='yes'/></network>"

static void
test_mode_nat (void)
{
  g_autoptr(VbNetworkDef) def = net (NAT_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "n" };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_cmpint (port->type, ==, VB_PORT_TYPE_NETWORK);
  g_assert_cmpstr (port->bridge_name, ==, "virbr9");
  g_assert_cmpint (port->mac_table_manager, ==, 2);
  g_assert_cmpint (port->port_isolated, ==, VB_TRISTATE_YES);
  g_assert_null (port->dev);
  g_assert_cmpuint (usage->connections, ==, 1);
  vb_network_port_release (def, usage, port);
  g_assert_cmpuint (usage->connections, ==, 0);
}

static void
test_mode_isolated_and_route (void)
{
  const char *xmls[] = {
    "<network><name>i</name><bridge name='virbr3'/></network>",
    "<network><name>r</name><forward mode='route'/><bridge name='virbr4'/></network>",
    "<network><name>o</name><forward mode='open'/><bridge name='virbr5'/></network>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (xmls); i++) {
    g_autoptr(VbNetworkDef) def = net (xmls[i]);
    g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
    VbPortRequest req = { .network = def->name, .port_isolated = VB_TRISTATE_NO };
    g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

    g_assert_cmpint (port->type, ==, VB_PORT_TYPE_NETWORK);
    g_assert_cmpint (port->port_isolated, ==, VB_TRISTATE_NO);
  }
}

static void
test_mode_nat_rejects_virtualport (void)
{
  g_autoptr(VbNetworkDef) def = net (NAT_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVirtualPort) vp = vport ("<virtualport type='openvswitch'/>");
  VbPortRequest req = { .network = "n", .virtualport = vp };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
}

static void
test_mode_bridge_host (void)
{
  g_autoptr(VbNetworkDef) def = net ("<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "b" };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_cmpint (port->type, ==, VB_PORT_TYPE_BRIDGE);
  g_assert_cmpstr (port->bridge_name, ==, "br0");
  g_assert_null (port->virtualport);
}

static void
test_mode_bridge_ovs (void)
{
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>ovs</name><forward mode='bridge'/><bridge name='ovsbr0'/>"
      "<virtualport type='openvswitch'/>"
      "<portgroup name='bob' default='yes'><vlan><tag id='42'/></vlan>"
      "<virtualport><parameters profileid='bob-profile'/></virtualport></portgroup></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "ovs" };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_cmpint (port->type, ==, VB_PORT_TYPE_BRIDGE);
  g_assert_nonnull (port->virtualport);
  g_assert_cmpint (port->virtualport->type, ==, VB_VIRTUALPORT_OPENVSWITCH);
  g_assert_cmpstr (port->virtualport->profileid, ==, "bob-profile");
  /* the missing interfaceid is generated, as libvirt does */
  g_assert_true (port->virtualport->interfaceid_set);
  g_assert_cmpstr (port->portgroup, ==, "bob");
  g_assert_nonnull (port->vlan);
  g_assert_cmpuint (port->vlan->tags[0].id, ==, 42);
}

static void
test_mode_bridge_wrong_virtualport (void)
{
  g_autoptr(VbNetworkDef) def = net ("<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVirtualPort) vp = vport ("<virtualport type='802.1Qbh'><parameters profileid='p'/></virtualport>");
  VbPortRequest req = { .network = "b", .virtualport = vp };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
}

static void
test_mode_bridge_vlan_without_ovs (void)
{
  g_autoptr(VbNetworkDef) def = net ("<network><name>b</name><forward mode='bridge'/><bridge name='br0'/></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVlan) v = vlan ("<vlan><tag id='5'/></vlan>");
  VbPortRequest req = { .network = "b", .vlan = v };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
}

#define POOL_NET(mode) \
  "<network><name>pool</name><forward mode='" mode "'>" \
  "<interface dev='eth1'/><interface dev='eth2'/><interface dev='eth3'/></forward></network>"

static void
test_pool_least_used (void)
{
  const char *modes[] = { POOL_NET ("bridge"), POOL_NET ("vepa"), POOL_NET ("private") };
  const VbMacvtapMode expect[] = { VB_MACVTAP_BRIDGE, VB_MACVTAP_VEPA, VB_MACVTAP_PRIVATE };

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++) {
    g_autoptr(VbNetworkDef) def = net (modes[m]);
    g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
    VbPortRequest req = { .network = "pool" };
    g_autoptr(GPtrArray) ports = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_network_port_free);
    const char *order[] = { "eth1", "eth2", "eth3", "eth1", "eth2" };

    for (guint i = 0; i < G_N_ELEMENTS (order); i++) {
      VbNetworkPort *p = alloc_ok (def, usage, &req);
      g_assert_cmpint (p->type, ==, VB_PORT_TYPE_DIRECT);
      g_assert_cmpint (p->macvtap_mode, ==, expect[m]);
      g_assert_cmpstr (p->dev, ==, order[i]);
      g_ptr_array_add (ports, p);
    }
    g_assert_cmpuint (vb_network_usage_device_count (usage, "eth1"), ==, 2);
    g_assert_cmpuint (vb_network_usage_device_count (usage, "eth3"), ==, 1);
    /* releasing a port on eth3 makes it the least used */
    vb_network_port_release (def, usage, g_ptr_array_index (ports, 2));
    {
      g_autoptr(VbNetworkPort) p = alloc_ok (def, usage, &req);
      g_assert_cmpstr (p->dev, ==, "eth3");
    }
  }
}

static void
test_passthrough_exhaustion (void)
{
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>pt</name><forward mode='passthrough'>"
      "<interface dev='eth1'/><interface dev='eth2'/></forward></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "pt" };
  g_autoptr(VbNetworkPort) a = alloc_ok (def, usage, &req);
  g_autoptr(VbNetworkPort) b = alloc_ok (def, usage, &req);

  g_assert_cmpint (a->macvtap_mode, ==, VB_MACVTAP_PASSTHROUGH);
  g_assert_cmpstr (a->dev, ==, "eth1");
  g_assert_cmpstr (b->dev, ==, "eth2");
  alloc_fails (def, usage, &req, VB_ERROR_BUSY);
}

static void
test_release_returns_device (void)
{
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>pt</name><forward mode='passthrough'><interface dev='eth1'/></forward></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "pt" };
  g_autoptr(VbNetworkPort) a = alloc_ok (def, usage, &req);
  g_autoptr(VbNetworkPort) b = NULL;

  alloc_fails (def, usage, &req, VB_ERROR_BUSY);
  vb_network_port_release (def, usage, a);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "eth1"), ==, 0);
  g_assert_cmpuint (usage->connections, ==, 0);
  b = alloc_ok (def, usage, &req);
  g_assert_cmpstr (b->dev, ==, "eth1");

  /* a restart rebuilds the same counts from the surviving ports */
  vb_network_usage_reset (usage);
  vb_network_usage_add_port (usage, b);
  g_assert_cmpuint (usage->connections, ==, 1);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "eth1"), ==, 1);
}

static void
test_private_qbh_exclusive (void)
{
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>q</name><forward mode='private'>"
      "<interface dev='eth1'/><interface dev='eth2'/></forward>"
      "<virtualport type='802.1Qbh'><parameters profileid='spongebob24'/></virtualport></network>");
  g_autoptr(VbNetworkDef) qbg = net (
      "<network><name>g</name><forward mode='private'><interface dev='eth1'/></forward>"
      "<virtualport type='802.1Qbg'><parameters managerid='1' typeid='2' typeidversion='3'/></virtualport></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbNetworkUsage) usage2 = vb_network_usage_new ();
  VbPortRequest req = { .network = "q" };
  g_autoptr(VbNetworkPort) a = alloc_ok (def, usage, &req);
  g_autoptr(VbNetworkPort) b = alloc_ok (def, usage, &req);
  g_autoptr(VbNetworkPort) c = NULL;
  g_autoptr(VbNetworkPort) d = NULL;

  g_assert_cmpstr (a->dev, ==, "eth1");
  g_assert_cmpstr (b->dev, ==, "eth2");
  g_assert_cmpstr (a->virtualport->profileid, ==, "spongebob24");
  alloc_fails (def, usage, &req, VB_ERROR_BUSY);

  /* a port that would share (no profile of its own, on a typeless
   * network) still cannot take a device held exclusively */
  {
    g_autoptr(VbNetworkDef) shared = net (
        "<network><name>s</name><forward mode='private'>"
        "<interface dev='eth1'/><interface dev='eth2'/></forward></network>");
    g_autoptr(VbNetworkUsage) u = vb_network_usage_new ();
    g_autoptr(VbVirtualPort) qbh = vport ("<virtualport type='802.1Qbh'><parameters profileid='p'/></virtualport>");
    VbPortRequest excl = { .network = "s", .virtualport = qbh };
    VbPortRequest plain = { .network = "s" };
    g_autoptr(VbNetworkPort) e = alloc_ok (shared, u, &excl);
    g_autoptr(VbNetworkPort) p1 = alloc_ok (shared, u, &plain);
    g_autoptr(VbNetworkPort) p2 = alloc_ok (shared, u, &plain);

    g_assert_cmpstr (e->dev, ==, "eth1");
    g_assert_true (e->exclusive);
    g_assert_cmpstr (p1->dev, ==, "eth2");
    g_assert_cmpstr (p2->dev, ==, "eth2");
    alloc_fails (shared, u, &excl, VB_ERROR_BUSY);
    vb_network_port_release (shared, u, e);
    {
      g_autoptr(VbNetworkPort) p3 = alloc_ok (shared, u, &plain);
      g_assert_cmpstr (p3->dev, ==, "eth1");
    }
  }

  /* with 802.1Qbg the same private pool is shared */
  req.network = "g";
  c = alloc_ok (qbg, usage2, &req);
  d = alloc_ok (qbg, usage2, &req);
  g_assert_cmpstr (c->dev, ==, "eth1");
  g_assert_cmpstr (d->dev, ==, "eth1");
  /* instanceid was missing: generated */
  g_assert_true (c->virtualport->instanceid_set);
}

static void
test_direct_no_devices (void)
{
  g_autoptr(VbNetworkDef) def = net ("<network><name>v</name><forward mode='vepa'/></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "v" };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
}

static void
test_direct_wrong_virtualport (void)
{
  g_autoptr(VbNetworkDef) def = net (POOL_NET ("vepa"));
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVirtualPort) vp = vport ("<virtualport type='openvswitch'/>");
  VbPortRequest req = { .network = "pool", .virtualport = vp };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "eth1"), ==, 0);
}

static void
test_hostdev (void)
{
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>h</name><forward mode='hostdev' managed='yes'><driver name='vfio'/>"
      "<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/>"
      "<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x2'/>"
      "</forward></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVlan) v = vlan ("<vlan><tag id='7'/></vlan>");
  VbPortRequest req = { .network = "h", .vlan = v };
  g_autoptr(VbNetworkPort) a = alloc_ok (def, usage, &req);
  g_autoptr(VbNetworkPort) b = alloc_ok (def, usage, &req);

  g_assert_cmpint (a->type, ==, VB_PORT_TYPE_HOSTDEV);
  g_assert_true (a->hostdev_managed);
  g_assert_cmpstr (a->hostdev_driver, ==, "vfio");
  g_assert_cmpuint (a->pci.bus, ==, 3);
  g_assert_cmpuint (a->pci.function, ==, 1);
  g_assert_cmpuint (b->pci.function, ==, 2);
  g_assert_cmpstr (a->device_key, ==, "0000:03:00.1");
  g_assert_nonnull (a->vlan);
  alloc_fails (def, usage, &req, VB_ERROR_BUSY);
}

#define PG_NET \
  "<network><name>pg</name><forward mode='passthrough'>" \
  "<interface dev='eth1'/><interface dev='eth2'/><interface dev='eth3'/></forward>" \
  "<vlan><tag id='1'/></vlan>" \
  "<virtualport type='802.1Qbg'><parameters managerid='11' typeid='1193047'/></virtualport>" \
  "<portgroup name='bob' default='yes' trustGuestRxFilters='yes'>" \
  "<vlan><tag id='2'/></vlan><bandwidth><inbound average='1000'/></bandwidth>" \
  "<virtualport><parameters typeidversion='2'/></virtualport></portgroup>" \
  "<portgroup name='alice'>" \
  "<virtualport type='802.1Qbg'><parameters managerid='12'/></virtualport></portgroup>" \
  "<portgroup name='carol'><virtualport><parameters typeidversion='4'/></virtualport></portgroup>" \
  "</network>"

static void
test_default_portgroup (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "pg" };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_cmpstr (port->portgroup, ==, "bob");
  g_assert_cmpuint (port->vlan->tags[0].id, ==, 2);
  g_assert_cmpuint (port->bandwidth->in->average, ==, 1000);
  g_assert_cmpint (port->trust_guest_rx_filters, ==, VB_TRISTATE_YES);
  /* merged: managerid/typeid from the network, typeidversion from bob */
  g_assert_cmpint (port->virtualport->type, ==, VB_VIRTUALPORT_8021QBG);
  g_assert_cmpuint (port->virtualport->managerid, ==, 11);
  g_assert_cmpuint (port->virtualport->typeid, ==, 1193047);
  g_assert_cmpuint (port->virtualport->typeidversion, ==, 2);
}

static void
test_portgroup_by_name (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "pg", .portgroup = "carol" };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_cmpstr (port->portgroup, ==, "carol");
  /* carol has no vlan: the network's applies; no bandwidth at all */
  g_assert_cmpuint (port->vlan->tags[0].id, ==, 1);
  g_assert_null (port->bandwidth);
  g_assert_cmpint (port->trust_guest_rx_filters, ==, VB_TRISTATE_ABSENT);
  g_assert_cmpuint (port->virtualport->typeidversion, ==, 4);
}

static void
test_unknown_portgroup (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "pg", .portgroup = "mallory" };

  alloc_fails (def, usage, &req, VB_ERROR_NOT_FOUND);
}

static void
test_virtualport_conflict (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  /* alice says managerid 12, the network 11 */
  VbPortRequest req = { .network = "pg", .portgroup = "alice" };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
}

static void
test_virtualport_conflict_iface (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVirtualPort) vp = vport ("<virtualport type='802.1Qbh'/>");
  VbPortRequest req = { .network = "pg", .virtualport = vp };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
}

static void
test_virtualport_merge_iface (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVirtualPort) vp = vport ("<virtualport><parameters instanceid='b153fa89-1b87-9719-ec12-99e0054fb844'/></virtualport>");
  VbPortRequest req = { .network = "pg", .virtualport = vp };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);
  char buf[VB_UUID_STRING_LEN + 1];

  vb_uuid_format (&port->virtualport->instanceid, buf);
  g_assert_cmpstr (buf, ==, "b153fa89-1b87-9719-ec12-99e0054fb844");
  g_assert_cmpuint (port->virtualport->typeidversion, ==, 2);
}

static void
test_virtualport_incomplete (void)
{
  /* typeidversion is missing everywhere */
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>v</name><forward mode='vepa'><interface dev='eth1'/></forward>"
      "<virtualport type='802.1Qbg'><parameters managerid='11' typeid='1193047'/></virtualport></network>");
  g_autoptr(VbNetworkDef) qbh = net (
      "<network><name>h</name><forward mode='vepa'><interface dev='eth1'/></forward>"
      "<virtualport type='802.1Qbh'/></network>");
  g_autoptr(VbNetworkDef) typeless = net (
      "<network><name>t</name><forward mode='vepa'><interface dev='eth1'/></forward>"
      "<virtualport><parameters managerid='1'/></virtualport></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "v" };

  alloc_fails (def, usage, &req, VB_ERROR_INVALID_CONFIG);
  alloc_fails (qbh, usage, &req, VB_ERROR_INVALID_CONFIG);
  alloc_fails (typeless, usage, &req, VB_ERROR_INVALID_CONFIG);
  g_assert_cmpuint (vb_network_usage_device_count (usage, "eth1"), ==, 0);
}

static void
test_precedence_iface_wins (void)
{
  g_autoptr(VbNetworkDef) def = net (PG_NET);
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  g_autoptr(VbVlan) v = vlan ("<vlan trunk='yes'><tag id='3'/><tag id='4'/></vlan>");
  g_autoptr(VbBandwidth) bw = bandwidth ("<bandwidth><outbound average='5'/></bandwidth>");
  VbPortRequest req = { .network = "pg", .vlan = v, .bandwidth = bw,
                        .trust_guest_rx_filters = VB_TRISTATE_NO };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_true (vb_vlan_equal (port->vlan, v));
  g_assert_true (vb_bandwidth_equal (port->bandwidth, bw));
  g_assert_null (port->bandwidth->in);
  g_assert_cmpint (port->trust_guest_rx_filters, ==, VB_TRISTATE_NO);
}

static void
test_network_bandwidth_not_per_port (void)
{
  g_autoptr(VbNetworkDef) def = net (
      "<network><name>n</name><bridge name='virbr1'/>"
      "<bandwidth><inbound average='100'/></bandwidth></network>");
  g_autoptr(VbNetworkUsage) usage = vb_network_usage_new ();
  VbPortRequest req = { .network = "n" };
  g_autoptr(VbNetworkPort) port = alloc_ok (def, usage, &req);

  g_assert_null (port->bandwidth);
}

static void
test_virtualport_merge_unit (void)
{
  g_autoptr(VbVirtualPort) a = vport ("<virtualport type='openvswitch'><parameters profileid='x'/></virtualport>");
  g_autoptr(VbVirtualPort) b = vport ("<virtualport><parameters profileid='y'/></virtualport>");
  g_autoptr(VbVirtualPort) c = vport ("<virtualport><parameters managerid='1'/></virtualport>");
  g_autoptr(VbVirtualPort) out = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (vb_virtualport_merge (a, b, NULL, &out, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
  g_clear_error (&error);
  /* managerid is not an openvswitch parameter */
  g_assert_false (vb_virtualport_merge (a, NULL, c, &out, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
  g_clear_error (&error);
  g_assert_true (vb_virtualport_merge (NULL, NULL, NULL, &out, &error));
  g_assert_null (out);
  g_assert_true (vb_virtualport_merge (a, NULL, a, &out, &error));
  g_assert_true (vb_virtualport_equal (out, a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  vb_util_set_deterministic (TRUE);
  g_test_add_func ("/network-port/mode/nat", test_mode_nat);
  g_test_add_func ("/network-port/mode/isolated-route-open", test_mode_isolated_and_route);
  g_test_add_func ("/network-port/mode/nat-rejects-virtualport", test_mode_nat_rejects_virtualport);
  g_test_add_func ("/network-port/mode/bridge-host", test_mode_bridge_host);
  g_test_add_func ("/network-port/mode/bridge-ovs", test_mode_bridge_ovs);
  g_test_add_func ("/network-port/mode/bridge-wrong-virtualport", test_mode_bridge_wrong_virtualport);
  g_test_add_func ("/network-port/mode/bridge-vlan-without-ovs", test_mode_bridge_vlan_without_ovs);
  g_test_add_func ("/network-port/mode/direct-least-used", test_pool_least_used);
  g_test_add_func ("/network-port/mode/direct-no-devices", test_direct_no_devices);
  g_test_add_func ("/network-port/mode/direct-wrong-virtualport", test_direct_wrong_virtualport);
  g_test_add_func ("/network-port/mode/passthrough-exhaustion", test_passthrough_exhaustion);
  g_test_add_func ("/network-port/mode/private-qbh-exclusive", test_private_qbh_exclusive);
  g_test_add_func ("/network-port/mode/hostdev", test_hostdev);
  g_test_add_func ("/network-port/release", test_release_returns_device);
  g_test_add_func ("/network-port/portgroup/default", test_default_portgroup);
  g_test_add_func ("/network-port/portgroup/by-name", test_portgroup_by_name);
  g_test_add_func ("/network-port/portgroup/unknown", test_unknown_portgroup);
  g_test_add_func ("/network-port/virtualport/conflict-portgroup", test_virtualport_conflict);
  g_test_add_func ("/network-port/virtualport/conflict-type", test_virtualport_conflict_iface);
  g_test_add_func ("/network-port/virtualport/merge-iface", test_virtualport_merge_iface);
  g_test_add_func ("/network-port/virtualport/incomplete", test_virtualport_incomplete);
  g_test_add_func ("/network-port/virtualport/merge-unit", test_virtualport_merge_unit);
  g_test_add_func ("/network-port/precedence/iface-wins", test_precedence_iface_wins);
  g_test_add_func ("/network-port/precedence/network-bandwidth", test_network_bandwidth_not_per_port);
  return g_test_run ();
}
