/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <glib.h>
#include <string.h>

#include "vb-error.h"
#include "vb-network-def.h"

#define U "<uuid>81ff0d90-c91e-6742-64da-4a736edb9a9b</uuid>"

typedef struct {
  const char *name;
  const char *xml;
  int code;
} Case;

/* Every rule the parser enforces, each with the smallest document that
 * breaks it. */
static const Case parse_errors[] = {
  { "malformed", "<network><name>x</name>", VB_ERROR_INVALID_XML },
  { "wrong-root", "<domain><name>x</name></domain>", VB_ERROR_INVALID_XML },
  { "empty", "", VB_ERROR_INVALID_XML },
  { "no-name", "<network>" U "</network>", VB_ERROR_INVALID_CONFIG },
  { "empty-name", "<network><name></name></network>", VB_ERROR_INVALID_CONFIG },
  { "name-slash", "<network><name>a/b</name></network>", VB_ERROR_INVALID_CONFIG },
  { "bad-uuid", "<network><name>x</name><uuid>nope</uuid></network>", VB_ERROR_INVALID_CONFIG },
  { "bad-ipv6-attr", "<network ipv6='maybe'><name>x</name></network>", VB_ERROR_INVALID_CONFIG },
  { "bad-trust", "<network trustGuestRxFilters='1'><name>x</name></network>", VB_ERROR_INVALID_CONFIG },
  { "bad-forward-mode", "<network><name>x</name><forward mode='teleport'/></network>", VB_ERROR_INVALID_CONFIG },
  { "open-with-dev", "<network><name>x</name><forward mode='open' dev='eth0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "open-with-interface", "<network><name>x</name><forward mode='open'><interface dev='eth0'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-dev-mismatch", "<network><name>x</name><forward mode='nat' dev='eth0'><interface dev='eth1'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-dev-empty", "<network><name>x</name><forward mode='nat' dev=''/></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-interface-no-dev", "<network><name>x</name><forward mode='vepa'><interface/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-two-pf", "<network><name>x</name><forward mode='hostdev'><pf dev='a'/><pf dev='b'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-pf-no-dev", "<network><name>x</name><forward mode='hostdev'><pf/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-address-and-interface", "<network><name>x</name><forward mode='hostdev'><interface dev='a'/><address type='pci' bus='1' slot='0' function='0'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-address-and-dev", "<network><name>x</name><forward mode='hostdev' dev='a'><address type='pci' bus='1' slot='0' function='0'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-address-not-pci", "<network><name>x</name><forward mode='hostdev'><address type='usb' bus='1' slot='0' function='0'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-address-slot-range", "<network><name>x</name><forward mode='hostdev'><address type='pci' bus='1' slot='0x20' function='0'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-address-no-function", "<network><name>x</name><forward mode='hostdev'><address type='pci' bus='1' slot='0'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-bad-managed", "<network><name>x</name><forward mode='hostdev' managed='sure'/></network>", VB_ERROR_INVALID_CONFIG },
  { "forward-bad-driver", "<network><name>x</name><forward mode='hostdev'><driver name='xen'/></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-in-route-mode", "<network><name>x</name><forward mode='route'><nat><port start='1' end='2'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-port-reversed", "<network><name>x</name><forward mode='nat'><nat><port start='2000' end='1000'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-port-range", "<network><name>x</name><forward mode='nat'><nat><port start='1' end='70000'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-port-half", "<network><name>x</name><forward mode='nat'><nat><port start='1'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-address-reversed", "<network><name>x</name><forward mode='nat'><nat><address start='10.0.0.9' end='10.0.0.1'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-address-ipv6", "<network><name>x</name><forward mode='nat'><nat><address start='::1' end='::2'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "nat-address-bad", "<network><name>x</name><forward mode='nat'><nat><address start='10.0.0.1' end='10.0.0'/></nat></forward></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-name-in-vepa", "<network><name>x</name><forward mode='vepa'><interface dev='a'/></forward><bridge name='br0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-name-and-pool", "<network><name>x</name><forward mode='bridge'><interface dev='a'/></forward><bridge name='br0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-name-too-long", "<network><name>x</name><bridge name='abcdefghijklmnopq'/></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-bad-stp", "<network><name>x</name><bridge name='b' stp='yes'/></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-bad-delay", "<network><name>x</name><bridge name='b' delay='-1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-bad-mtm", "<network><name>x</name><bridge name='b' macTableManager='switch'/></network>", VB_ERROR_INVALID_CONFIG },
  { "bridge-bad-zone", "<network><name>x</name><bridge name='b' zone='a zone'/></network>", VB_ERROR_INVALID_CONFIG },
  { "mtu-zero", "<network><name>x</name><mtu size='0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "mtu-range", "<network><name>x</name><mtu size='70000'/></network>", VB_ERROR_INVALID_CONFIG },
  { "mac-bad", "<network><name>x</name><mac address='52:54:00:zz:00:00'/></network>", VB_ERROR_INVALID_CONFIG },
  { "mac-multicast", "<network><name>x</name><mac address='01:00:5e:00:00:01'/></network>", VB_ERROR_INVALID_CONFIG },
  { "domain-no-name", "<network><name>x</name><domain localOnly='yes'/></network>", VB_ERROR_INVALID_CONFIG },
  { "domain-bad-localonly", "<network><name>x</name><domain name='a' localOnly='perhaps'/></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-forwarder-empty", "<network><name>x</name><dns><forwarder/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-forwarder-bad-addr", "<network><name>x</name><dns><forwarder addr='8.8.8'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-txt-no-name", "<network><name>x</name><dns><txt value='v'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-txt-space", "<network><name>x</name><dns><txt name='a b' value='v'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-txt-no-value", "<network><name>x</name><dns><txt name='a'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-srv-no-service", "<network><name>x</name><dns><srv protocol='tcp'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-srv-long-service", "<network><name>x</name><dns><srv service='abcdefghijklmnop' protocol='tcp'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-srv-bad-protocol", "<network><name>x</name><dns><srv service='s' protocol='sctp'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-srv-port-range", "<network><name>x</name><dns><srv service='s' protocol='tcp' target='t' port='65536'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-srv-port-no-target", "<network><name>x</name><dns><srv service='s' protocol='tcp' port='80'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-host-no-ip", "<network><name>x</name><dns><host><hostname>a</hostname></host></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-host-no-hostname", "<network><name>x</name><dns><host ip='10.0.0.1'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-host-empty-hostname", "<network><name>x</name><dns><host ip='10.0.0.1'><hostname> </hostname></host></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-disabled-with-records", "<network><name>x</name><dns enable='no'><txt name='a' value='b'/></dns></network>", VB_ERROR_INVALID_CONFIG },
  { "dns-bad-enable", "<network><name>x</name><dns enable='off'/></network>", VB_ERROR_INVALID_CONFIG },
  { "virtualport-bad-type", "<network><name>x</name><virtualport type='vmware'/></network>", VB_ERROR_INVALID_CONFIG },
  { "virtualport-managerid-range", "<network><name>x</name><virtualport type='802.1Qbg'><parameters managerid='256'/></virtualport></network>", VB_ERROR_INVALID_CONFIG },
  { "virtualport-typeid-range", "<network><name>x</name><virtualport type='802.1Qbg'><parameters typeid='16777216'/></virtualport></network>", VB_ERROR_INVALID_CONFIG },
  { "virtualport-bad-instanceid", "<network><name>x</name><virtualport type='802.1Qbg'><parameters instanceid='xyz'/></virtualport></network>", VB_ERROR_INVALID_CONFIG },
  { "virtualport-param-wrong-type", "<network><name>x</name><virtualport type='802.1Qbh'><parameters managerid='1'/></virtualport></network>", VB_ERROR_INVALID_CONFIG },
  { "virtualport-profileid-too-long", "<network><name>x</name><virtualport type='802.1Qbh'><parameters profileid='0123456789012345678901234567890123456789'/></virtualport></network>", VB_ERROR_INVALID_CONFIG },
  { "portgroup-no-name", "<network><name>x</name><portgroup/></network>", VB_ERROR_INVALID_CONFIG },
  { "portgroup-bad-default", "<network><name>x</name><portgroup name='a' default='true'/></network>", VB_ERROR_INVALID_CONFIG },
  { "portgroup-bad-vlan", "<network><name>x</name><portgroup name='a'><vlan/></portgroup></network>", VB_ERROR_INVALID_CONFIG },
  { "bandwidth-no-average", "<network><name>x</name><bandwidth><inbound peak='10'/></bandwidth></network>", VB_ERROR_INVALID_CONFIG },
  { "bandwidth-two-inbound", "<network><name>x</name><bandwidth><inbound average='1'/><inbound average='2'/></bandwidth></network>", VB_ERROR_INVALID_CONFIG },
  { "bandwidth-floor-outbound", "<network><name>x</name><portgroup name='a'><bandwidth><outbound average='1' floor='1'/></bandwidth></portgroup></network>", VB_ERROR_INVALID_CONFIG },
  { "bandwidth-floor-network", "<network><name>x</name><bandwidth><inbound average='10' floor='1'/></bandwidth></network>", VB_ERROR_INVALID_CONFIG },
  { "bandwidth-bad-number", "<network><name>x</name><bandwidth><inbound average='fast'/></bandwidth></network>", VB_ERROR_INVALID_CONFIG },
  { "vlan-no-tag", "<network><name>x</name><vlan/></network>", VB_ERROR_INVALID_CONFIG },
  { "vlan-tag-range", "<network><name>x</name><vlan><tag id='4096'/></vlan></network>", VB_ERROR_INVALID_CONFIG },
  { "vlan-tag-no-id", "<network><name>x</name><vlan><tag/></vlan></network>", VB_ERROR_INVALID_CONFIG },
  { "vlan-no-trunk-many", "<network><name>x</name><vlan trunk='no'><tag id='1'/><tag id='2'/></vlan></network>", VB_ERROR_INVALID_CONFIG },
  { "vlan-two-native", "<network><name>x</name><vlan><tag id='1' nativeMode='tagged'/><tag id='2' nativeMode='untagged'/></vlan></network>", VB_ERROR_INVALID_CONFIG },
  { "vlan-bad-native", "<network><name>x</name><vlan><tag id='1' nativeMode='both'/></vlan></network>", VB_ERROR_INVALID_CONFIG },
  { "port-bad-isolated", "<network><name>x</name><port isolated='1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-no-address", "<network><name>x</name><ip netmask='255.255.255.0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-bad-address", "<network><name>x</name><ip address='300.1.1.1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-bad-family", "<network><name>x</name><ip family='ipx' address='10.0.0.1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-family-mismatch", "<network><name>x</name><ip family='ipv6' address='10.0.0.1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-netmask-and-prefix", "<network><name>x</name><ip address='10.0.0.1' netmask='255.0.0.0' prefix='8'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-netmask-ipv6", "<network><name>x</name><ip address='2001:db8::1' netmask='255.0.0.0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-netmask-holes", "<network><name>x</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-prefix-range", "<network><name>x</name><ip address='10.0.0.1' prefix='33'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-no-default-prefix", "<network><name>x</name><ip address='230.0.0.1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-bad-localptr", "<network><name>x</name><ip address='10.0.0.1' prefix='8' localPtr='y'/></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-tftp-ipv6", "<network><name>x</name><ip address='2001:db8::1' prefix='64'><tftp root='/t'/></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-tftp-no-root", "<network><name>x</name><ip address='10.0.0.1' prefix='8'><tftp/></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "ip-two-dhcp", "<network><name>x</name><ip address='10.0.0.1' prefix='8'><dhcp/><dhcp/></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "range-outside", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.2.2' end='192.168.2.9'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "range-reversed", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.9' end='192.168.1.2'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "range-family", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='::1' end='::2'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "range-no-end", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.2'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "lease-no-expiry", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.2' end='192.168.1.3'><lease/></range></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "lease-bad-unit", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.2' end='192.168.1.3'><lease expiry='1' unit='days'/></range></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "lease-too-long", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.2' end='192.168.1.3'><lease expiry='4294967295' unit='hours'/></range></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-v4-no-key", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><host ip='192.168.1.5'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-v6-mac", "<network><name>x</name><ip address='2001:db8::1' prefix='64'><dhcp><host mac='00:16:3e:77:e2:ed' ip='2001:db8::5'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-v6-no-key", "<network><name>x</name><ip address='2001:db8::1' prefix='64'><dhcp><host ip='2001:db8::5'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-bad-mac", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><host mac='00:16' ip='192.168.1.5'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-multicast-mac", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><host mac='01:16:3e:77:e2:ed' ip='192.168.1.5'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-no-ip", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><host name='a'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "host-ip-family", "<network><name>x</name><ip address='192.168.1.1' prefix='24'><dhcp><host name='a' ip='::5'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "bootp-ipv6", "<network><name>x</name><ip address='2001:db8::1' prefix='64'><dhcp><bootp file='f'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "bootp-no-file", "<network><name>x</name><ip address='10.0.0.1' prefix='8'><dhcp><bootp server='s'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "dhcp-option-no-number", "<network><name>x</name><ip address='10.0.0.1' prefix='8'><dhcp><option value='v'/></dhcp></ip></network>", VB_ERROR_INVALID_CONFIG },
  { "route-no-gateway", "<network><name>x</name><route address='10.1.0.0' prefix='16'/></network>", VB_ERROR_INVALID_CONFIG },
  { "route-family-mix", "<network><name>x</name><route address='10.1.0.0' prefix='16' gateway='::1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "route-netmask-and-prefix", "<network><name>x</name><route address='10.1.0.0' netmask='255.255.0.0' prefix='16' gateway='10.0.0.1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "route-bad-metric", "<network><name>x</name><route address='10.1.0.0' prefix='16' gateway='10.0.0.1' metric='-1'/></network>", VB_ERROR_INVALID_CONFIG },
  { "dnsmasq-option-no-value", "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>x</name><dnsmasq:options><dnsmasq:option/></dnsmasq:options></network>", VB_ERROR_INVALID_CONFIG },
};

/* Documents the parser (and libvirt's lenient test driver) accepts but the
 * real network driver refuses. */
static const Case validate_errors[] = {
  { "ip-on-bridge", "<network><name>x</name><forward mode='bridge'/><bridge name='br0'/><ip address='10.0.0.1' prefix='8'/></network>" },
  { "dns-on-vepa", "<network><name>x</name><forward mode='vepa'><interface dev='a'/></forward><dns><txt name='a' value='b'/></dns></network>" },
  { "mac-on-passthrough", "<network><name>x</name><forward mode='passthrough'><interface dev='a'/></forward><mac address='52:54:00:01:02:03'/></network>" },
  { "domain-on-private", "<network><name>x</name><forward mode='private'><interface dev='a'/></forward><domain name='example.com'/></network>" },
  { "bandwidth-on-passthrough", "<network><name>x</name><forward mode='passthrough'><interface dev='a'/></forward><bandwidth><inbound average='1'/></bandwidth></network>" },
  { "bandwidth-on-bridge-pool", "<network><name>x</name><forward mode='bridge'><interface dev='a'/></forward><bandwidth><inbound average='1'/></bandwidth></network>" },
  { "pf-and-address", "<network><name>x</name><forward mode='hostdev'><pf dev='eth0'/><address type='pci' bus='1' slot='0' function='1'/></forward></network>" },
  { "pf-and-interface", "<network><name>x</name><forward mode='passthrough'><pf dev='eth0'/><interface dev='eth1'/></forward></network>" },
  { "address-not-hostdev", "<network><name>x</name><forward mode='passthrough'><address type='pci' bus='1' slot='0' function='1'/></forward></network>" },
  { "hostdev-netdev", "<network><name>x</name><forward mode='hostdev'><interface dev='eth1'/></forward></network>" },
  { "two-ipv4-dhcp", "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.3'/></dhcp></ip><ip address='10.1.0.1' prefix='24'><dhcp><range start='10.1.0.2' end='10.1.0.3'/></dhcp></ip></network>" },
  { "two-ipv6-dhcp", "<network><name>x</name><ip address='2001:db8::1' prefix='64'><dhcp><range start='2001:db8::2' end='2001:db8::3'/></dhcp></ip><ip address='2001:db9::1' prefix='64'><dhcp><range start='2001:db9::2' end='2001:db9::3'/></dhcp></ip></network>" },
  { "two-tftp", "<network><name>x</name><ip address='10.0.0.1' prefix='24'><tftp root='/a'/></ip><ip address='10.1.0.1' prefix='24'><tftp root='/b'/></ip></network>" },
  { "two-default-portgroups", "<network><name>x</name><bridge name='b'/><portgroup name='a' default='yes'/><portgroup name='b' default='yes'/></network>" },
  { "duplicate-portgroup", "<network><name>x</name><bridge name='b'/><portgroup name='a'/><portgroup name='a'/></network>" },
  { "vlan-on-nat", "<network><name>x</name><forward mode='nat'/><vlan><tag id='5'/></vlan></network>" },
  { "vlan-on-bridge-without-ovs", "<network><name>x</name><forward mode='bridge'/><bridge name='br0'/><vlan><tag id='5'/></vlan></network>" },
  { "portgroup-vlan-on-vepa", "<network><name>x</name><forward mode='vepa'><interface dev='a'/></forward><portgroup name='p'><vlan><tag id='5'/></vlan></portgroup></network>" },
  { "portgroup-bandwidth-hostdev", "<network><name>x</name><forward mode='hostdev'><pf dev='eth0'/></forward><portgroup name='p'><bandwidth><inbound average='1'/></bandwidth></portgroup></network>" },
};

/* Documents every rule above lets through. */
static const char *const validate_ok[] = {
  "<network><name>x</name><forward mode='bridge'/><bridge name='br0'/><virtualport type='openvswitch'/><vlan><tag id='5'/></vlan></network>",
  "<network><name>x</name><forward mode='passthrough'><interface dev='a'/></forward><vlan><tag id='5'/></vlan></network>",
  /* a network vlan is tolerated where a default portgroup can override it */
  "<network><name>x</name><forward mode='vepa'><interface dev='a'/></forward><vlan><tag id='5'/></vlan><portgroup name='p' default='yes'/></network>",
  "<network><name>x</name><forward mode='bridge'/><bridge name='br0'/><bandwidth><inbound average='1'/></bandwidth></network>",
  "<network><name>x</name><forward mode='hostdev'><pf dev='eth0'/></forward></network>",
  "<network><name>x</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.3'/></dhcp></ip><ip address='2001:db8::1' prefix='64'><dhcp><range start='2001:db8::2' end='2001:db8::3'/></dhcp></ip></network>",
};

static void
test_parse_error (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetworkDef) def = vb_network_def_parse (c->xml, 0, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, c->code);
  g_test_message ("%s: %s", c->name, error->message);
}

static void
test_validate_error (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetworkDef) def = vb_network_def_parse (c->xml, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (def);
  g_assert_false (vb_network_def_validate (def, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_CONFIG);
  g_test_message ("%s: %s", c->name, error->message);
}

static void
test_validate_ok (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (validate_ok); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(VbNetworkDef) def = vb_network_def_parse (validate_ok[i], 0, &error);

    g_assert_no_error (error);
    g_assert_true (vb_network_def_validate (def, &error));
    g_assert_no_error (error);
  }
}

static VbNetworkDef *
parse_ok (const char *xml)
{
  g_autoptr(GError) error = NULL;
  VbNetworkDef *def = vb_network_def_parse (xml, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (def);
  return def;
}

static void
test_uuid_generated (void)
{
  g_autoptr(VbNetworkDef) a = parse_ok ("<network><name>a</name></network>");
  g_autoptr(VbNetworkDef) b = parse_ok ("<network><name>a</name></network>");
  g_autofree char *xml = vb_network_def_format (a, 0);
  g_autoptr(VbNetworkDef) again = parse_ok (xml);

  g_assert_false (vb_uuid_is_null (&a->uuid));
  g_assert_false (vb_uuid_equal (&a->uuid, &b->uuid));
  /* the generated UUID is written out and so survives a round trip */
  g_assert_true (vb_uuid_equal (&a->uuid, &again->uuid));
}

static void
test_mac_generated (void)
{
  const char *own[] = {
    "<network><name>a</name></network>",
    "<network><name>a</name><forward/></network>",
    "<network><name>a</name><forward mode='route'/></network>",
    "<network><name>a</name><forward mode='open'/></network>",
  };
  const char *none[] = {
    "<network><name>a</name><forward mode='bridge'/><bridge name='br0'/></network>",
    "<network><name>a</name><forward mode='vepa'><interface dev='eth0'/></forward></network>",
    "<network><name>a</name><forward mode='hostdev'><pf dev='eth0'/></forward></network>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (own); i++) {
    g_autoptr(VbNetworkDef) def = parse_ok (own[i]);
    g_autofree char *xml = vb_network_def_format (def, 0);

    g_assert_true (def->mac_set);
    g_assert_cmpuint (def->mac.bytes[0], ==, 0x52);
    g_assert_cmpuint (def->mac.bytes[1], ==, 0x54);
    g_assert_cmpuint (def->mac.bytes[2], ==, 0x00);
    g_assert_nonnull (strstr (xml, "<mac address='52:54:00:"));
  }
  for (guint i = 0; i < G_N_ELEMENTS (none); i++) {
    g_autoptr(VbNetworkDef) def = parse_ok (none[i]);
    g_assert_false (def->mac_set);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(VbNetworkDef) def = vb_network_def_parse ("<network><name>a</name></network>",
                                                        VB_NETWORK_PARSE_NO_GENERATE_MAC, &error);
    g_assert_false (def->mac_set);
  }
  {
    /* a given MAC is kept, lower-cased */
    g_autoptr(VbNetworkDef) def = parse_ok ("<network><name>a</name><mac address='52:54:00:AB:CD:EF'/></network>");
    g_autofree char *xml = vb_network_def_format (def, 0);
    g_assert_nonnull (strstr (xml, "<mac address='52:54:00:ab:cd:ef'/>"));
  }
  {
    vb_util_set_deterministic (TRUE);
    g_autoptr(VbNetworkDef) def = parse_ok ("<network><name>a</name></network>");
    g_autofree char *xml = vb_network_def_format (def, 0);
    vb_util_set_deterministic (FALSE);
    g_assert_nonnull (strstr (xml, "<mac address='52:54:00:00:00:00'/>"));
  }
}

static void
test_forward_dev_normalised (void)
{
  g_autoptr(VbNetworkDef) a = parse_ok ("<network><name>a</name><forward dev='eth1'/></network>");
  g_autoptr(VbNetworkDef) b = parse_ok ("<network><name>a</name><forward><interface dev='eth1'/></forward></network>");
  g_autofree char *xa = vb_network_def_format (a, 0);
  g_autofree char *xb = vb_network_def_format (b, 0);
  const char *want = "<forward dev='eth1' mode='nat'>\n    <interface dev='eth1'/>\n  </forward>";

  g_assert_nonnull (strstr (xa, want));
  g_assert_nonnull (strstr (xb, want));
  g_assert_cmpuint (a->forward_ifaces->len, ==, 1);
}

static void
test_live_vs_inactive (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetworkDef) def = vb_network_def_parse (
      "<network connections='3'><name>h</name><forward mode='hostdev' managed='yes'><pf dev='eth2'/>"
      "<address type='pci' domain='0' bus='3' slot='0' function='1' connections='2'/></forward></network>",
      VB_NETWORK_PARSE_STATUS, &error);
  g_autofree char *live = NULL;
  g_autofree char *inactive = NULL;
  g_autoptr(VbNetworkDef) plain = parse_ok (
      "<network connections='3'><name>h</name><forward mode='nat'><interface dev='e' connections='4'/></forward></network>");
  g_autofree char *plain_xml = vb_network_def_format (plain, 0);

  g_assert_no_error (error);
  live = vb_network_def_format (def, VB_NETWORK_FORMAT_LIVE);
  inactive = vb_network_def_format (def, VB_NETWORK_FORMAT_INACTIVE);
  g_assert_nonnull (strstr (live, "<network connections='3'>"));
  g_assert_nonnull (strstr (live, "function='0x1' connections='2'/>"));
  g_assert_null (strstr (inactive, "connections"));
  g_assert_null (strstr (inactive, "<address"));
  g_assert_nonnull (strstr (inactive, "<pf dev='eth2'/>"));
  /* a user's definition never carries live counts */
  g_assert_null (strstr (plain_xml, "connections"));
}

static void
test_copy (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (
      "<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'><name>c</name>"
      "<metadata><a:x xmlns:a='urn:a'>1</a:x></metadata>"
      "<forward mode='nat'><nat><port start='1024' end='2048'/></nat></forward>"
      "<bridge name='virbr1' stp='off' delay='2'/><domain name='d' localOnly='yes'/>"
      "<dns><forwarder addr='8.8.8.8'/><host ip='10.0.0.9'><hostname>h</hostname></host></dns>"
      "<ip address='10.0.0.1' prefix='24'><dhcp/></ip>"
      "<route address='10.9.0.0' prefix='16' gateway='10.0.0.2' metric='3'/>"
      "<portgroup name='p' default='yes'><bandwidth><inbound average='5' floor='2'/></bandwidth></portgroup>"
      "<dnsmasq:options><dnsmasq:option value='a=b'/></dnsmasq:options></network>");
  g_autoptr(VbNetworkDef) copy = vb_network_def_copy (def);
  g_autofree char *a = vb_network_def_format (def, 0);
  g_autofree char *b = vb_network_def_format (copy, 0);
  VbNetworkIp *ip = g_ptr_array_index (copy->ips, 0);

  g_assert_cmpstr (a, ==, b);
  g_assert_true (vb_uuid_equal (&def->uuid, &copy->uuid));
  g_assert_true (ip->has_dhcp);
  g_assert_true (def->portgroups != copy->portgroups);
}

/* The copy shares nothing with its original: changing strings, arrays and
 * nested structs of the copy leaves the original's XML as it was. */
static void
test_copy_is_deep (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (
      "<network><name>c</name><metadata><a:x xmlns:a='urn:a'>1</a:x></metadata>"
      "<forward mode='nat'/><bridge name='virbr1'/>"
      "<dns><txt name='t' value='v'/><host ip='10.0.0.9'><hostname>h</hostname></host></dns>"
      "<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/>"
      "<host mac='00:16:3e:77:e2:ed' name='a' ip='10.0.0.10'/></dhcp></ip>"
      "<portgroup name='p' default='yes'><bandwidth><inbound average='5'/></bandwidth></portgroup></network>");
  g_autoptr(VbNetworkDef) copy = vb_network_def_copy (def);
  g_autofree char *before = vb_network_def_format (def, 0);
  g_autofree char *after = NULL;
  g_autofree char *copied = NULL;
  VbNetworkIp *ip = g_ptr_array_index (copy->ips, 0);
  VbDhcpRange *range = g_ptr_array_index (ip->ranges, 0);
  VbDnsHost *host = g_ptr_array_index (copy->dns.hosts, 0);
  VbNetworkPortGroup *pg = g_ptr_array_index (copy->portgroups, 0);

  g_free (copy->bridge_name);
  copy->bridge_name = g_strdup ("virbr2");
  g_free (range->end);
  range->end = g_strdup ("10.0.0.8");
  g_ptr_array_remove_index (ip->hosts, 0);
  g_free (g_ptr_array_index (host->hostnames, 0));
  g_ptr_array_index (host->hostnames, 0) = g_strdup ("k");
  pg->bandwidth->in->average = 6;
  g_ptr_array_set_size (copy->dns.txts, 0);
  xmlSetProp (xmlFirstElementChild (copy->metadata), (const xmlChar *) "y", (const xmlChar *) "2");

  after = vb_network_def_format (def, 0);
  g_assert_cmpstr (before, ==, after);
  copied = vb_network_def_format (copy, 0);
  g_assert_cmpstr (before, !=, copied);
}

#define UPD_NET \
  "<network><name>u</name>" U "<forward mode='nat'><interface dev='eth0'/></forward>" \
  "<bridge name='virbr0'/><dns><txt name='t1' value='v'/>" \
  "<srv service='s' protocol='tcp' domain='d' target='t' port='1'/>" \
  "<host ip='192.168.122.9'><hostname>nine</hostname></host></dns>" \
  "<ip address='192.168.122.1' netmask='255.255.255.0'><dhcp>" \
  "<range start='192.168.122.100' end='192.168.122.200'/>" \
  "<host mac='00:16:3e:77:e2:ed' name='a' ip='192.168.122.10'/></dhcp></ip>" \
  "<ip family='ipv6' address='2001:db8::1' prefix='64'/>" \
  "<portgroup name='p1' default='yes'/></network>"

static void
update_ok (VbNetworkDef *def, guint cmd, guint section, int idx, const char *xml)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_network_def_update (def, cmd, section, idx, xml, &error));
  g_assert_no_error (error);
}

static void
update_fails (VbNetworkDef *def, guint cmd, guint section, int idx, const char *xml, int code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = vb_network_def_format (def, 0);
  g_autofree char *after = NULL;

  g_assert_false (vb_network_def_update (def, cmd, section, idx, xml, &error));
  g_assert_error (error, VB_ERROR, code);
  g_test_message ("update rejected: %s", error->message);
  after = vb_network_def_format (def, 0);
  g_assert_cmpstr (before, ==, after);
}

static void
test_update_dhcp_host (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (UPD_NET);
  VbNetworkIp *ip;

  update_ok (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
             "<host mac='00:16:3e:00:00:02' name='b' ip='192.168.122.11'/>");
  update_ok (def, VB_NETWORK_UPDATE_ADD_FIRST, VB_NETWORK_SECTION_IP_DHCP_HOST, 0,
             "<host mac='00:16:3e:00:00:01' name='c' ip='192.168.122.12'/>");
  ip = g_ptr_array_index (def->ips, 0);
  g_assert_cmpuint (ip->hosts->len, ==, 3);
  g_assert_cmpstr (((VbDhcpHost *) g_ptr_array_index (ip->hosts, 0))->name, ==, "c");
  g_assert_cmpstr (((VbDhcpHost *) g_ptr_array_index (ip->hosts, 2))->name, ==, "b");
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<host mac='00:16:3e:77:e2:ed' name='z' ip='192.168.122.50'/>", VB_ERROR_EXISTS);
  update_ok (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
             "<host mac='00:16:3E:77:E2:ED' name='renamed' ip='192.168.122.10'/>");
  ip = g_ptr_array_index (def->ips, 0);
  g_assert_cmpstr (((VbDhcpHost *) g_ptr_array_index (ip->hosts, 1))->name, ==, "renamed");
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<host mac='00:16:3e:99:99:99' name='q' ip='192.168.122.60'/>", VB_ERROR_NOT_FOUND);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
             "<host mac='00:16:3e:00:00:02' name='b' ip='192.168.122.11'/>");
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<host mac='00:16:3e:00:00:02' name='b' ip='192.168.122.11'/>", VB_ERROR_NOT_FOUND);
  /* IPv6 <ip> picked by index */
  update_ok (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, 1,
             "<host id='0:3:0:1:0:16:3e:11:22:33' ip='2001:db8::20'/>");
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, 5,
                "<host mac='00:16:3e:00:00:09' ip='192.168.122.19'/>", VB_ERROR_NOT_FOUND);
  /* invalid entry: not applied */
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<host ip='192.168.122.19'/>", VB_ERROR_INVALID_CONFIG);
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<host mac='00:16:3e:00:00:09' ip='192.168.122.19'", VB_ERROR_INVALID_XML);
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<range start='192.168.122.2' end='192.168.122.3'/>", VB_ERROR_INVALID_XML);
}

static void
test_update_dhcp_range (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (UPD_NET);
  VbNetworkIp *ip = NULL;

  update_ok (def, VB_NETWORK_UPDATE_ADD_FIRST, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
             "<range start='192.168.122.2' end='192.168.122.50'/>");
  ip = g_ptr_array_index (def->ips, 0);
  g_assert_cmpuint (ip->ranges->len, ==, 2);
  g_assert_cmpstr (((VbDhcpRange *) g_ptr_array_index (ip->ranges, 0))->start, ==, "192.168.122.2");
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                "<range start='192.168.122.2' end='192.168.122.50'/>", VB_ERROR_EXISTS);
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                "<range start='192.168.122.2' end='192.168.122.50'/>", VB_ERROR_NOT_SUPPORTED);
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                "<range start='10.0.0.2' end='10.0.0.50'/>", VB_ERROR_INVALID_CONFIG);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
             "<range start='192.168.122.100' end='192.168.122.200'/>");
  ip = g_ptr_array_index (def->ips, 0);
  g_assert_cmpuint (ip->ranges->len, ==, 1);
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_IP_DHCP_RANGE, -1,
                "<range start='192.168.122.100' end='192.168.122.200'/>", VB_ERROR_NOT_FOUND);
}

static void
test_update_forward_interface (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (UPD_NET);
  g_autoptr(GError) error = NULL;
  g_autoptr(VbNetworkDef) busy = vb_network_def_parse (
      "<network><name>b</name><forward mode='vepa'><interface dev='eth0' connections='1'/></forward></network>",
      VB_NETWORK_PARSE_STATUS, &error);

  update_ok (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_FORWARD_INTERFACE, -1,
             "<interface dev='eth1'/>");
  g_assert_cmpuint (def->forward_ifaces->len, ==, 2);
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_FORWARD_INTERFACE, -1,
                "<interface dev='eth1'/>", VB_ERROR_EXISTS);
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_FORWARD_INTERFACE, -1,
                "<interface dev='eth1'/>", VB_ERROR_NOT_SUPPORTED);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_FORWARD_INTERFACE, -1,
             "<interface dev='eth0'/>");
  g_assert_cmpstr (((VbNetworkForwardIface *) g_ptr_array_index (def->forward_ifaces, 0))->dev, ==, "eth1");
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_FORWARD_INTERFACE, -1,
                "<interface dev='eth0'/>", VB_ERROR_NOT_FOUND);
  g_assert_no_error (error);
  update_fails (busy, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_FORWARD_INTERFACE, -1,
                "<interface dev='eth0'/>", VB_ERROR_BUSY);
}

static void
test_update_portgroup (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (UPD_NET);

  update_ok (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_PORTGROUP, -1,
             "<portgroup name='p2'><bandwidth><inbound average='10'/></bandwidth></portgroup>");
  g_assert_cmpuint (def->portgroups->len, ==, 2);
  update_fails (def, VB_NETWORK_UPDATE_ADD_FIRST, VB_NETWORK_SECTION_PORTGROUP, -1,
                "<portgroup name='p2'/>", VB_ERROR_EXISTS);
  update_fails (def, VB_NETWORK_UPDATE_ADD_FIRST, VB_NETWORK_SECTION_PORTGROUP, -1,
                "<portgroup name='p3' default='yes'/>", VB_ERROR_INVALID_CONFIG);
  update_ok (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_PORTGROUP, -1,
             "<portgroup name='p1' default='yes' trustGuestRxFilters='yes'/>");
  g_assert_cmpint (((VbNetworkPortGroup *) g_ptr_array_index (def->portgroups, 0))->trust_guest_rx_filters,
                   ==, VB_TRISTATE_YES);
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_PORTGROUP, -1,
                "<portgroup name='nope'/>", VB_ERROR_NOT_FOUND);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_PORTGROUP, -1, "<portgroup name='p1'/>");
  update_ok (def, VB_NETWORK_UPDATE_ADD_FIRST, VB_NETWORK_SECTION_PORTGROUP, -1,
             "<portgroup name='p3' default='yes'/>");
  g_assert_cmpstr (((VbNetworkPortGroup *) g_ptr_array_index (def->portgroups, 0))->name, ==, "p3");
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_PORTGROUP, -1,
                "<portgroup name='p1'/>", VB_ERROR_NOT_FOUND);
}

static void
test_update_dns (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (UPD_NET);

  update_ok (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_DNS_HOST, -1,
             "<host ip='192.168.122.8'><hostname>eight</hostname></host>");
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_DNS_HOST, -1,
                "<host ip='192.168.122.8'><hostname>other</hostname></host>", VB_ERROR_EXISTS);
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_DNS_HOST, -1,
                "<host ip='192.168.122.8'><hostname>other</hostname></host>", VB_ERROR_NOT_SUPPORTED);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_HOST, -1,
             "<host ip='192.168.122.9'><hostname>nine</hostname></host>");
  g_assert_cmpuint (def->dns.hosts->len, ==, 1);
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_HOST, -1,
                "<host ip='192.168.122.9'><hostname>nine</hostname></host>", VB_ERROR_NOT_FOUND);

  update_ok (def, VB_NETWORK_UPDATE_ADD_FIRST, VB_NETWORK_SECTION_DNS_TXT, -1, "<txt name='t0' value='x'/>");
  g_assert_cmpstr (((VbDnsTxt *) g_ptr_array_index (def->dns.txts, 0))->name, ==, "t0");
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_DNS_TXT, -1,
                "<txt name='t1' value='y'/>", VB_ERROR_EXISTS);
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_DNS_TXT, -1,
                "<txt name='t1' value='y'/>", VB_ERROR_NOT_SUPPORTED);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_TXT, -1, "<txt name='t1'/>");
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_TXT, -1, "<txt name='t1'/>",
                VB_ERROR_NOT_FOUND);

  update_ok (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_DNS_SRV, -1,
             "<srv service='s' protocol='tcp' domain='e' target='t' port='2'/>");
  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_DNS_SRV, -1,
                "<srv service='s' protocol='tcp' domain='e'/>", VB_ERROR_EXISTS);
  /* ambiguous delete: both records match service+protocol */
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_SRV, -1,
                "<srv service='s' protocol='tcp'/>", VB_ERROR_INVALID_ARG);
  update_ok (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_SRV, -1,
             "<srv service='s' protocol='tcp' domain='e'/>");
  g_assert_cmpuint (def->dns.srvs->len, ==, 1);
  update_fails (def, VB_NETWORK_UPDATE_DELETE, VB_NETWORK_SECTION_DNS_SRV, -1,
                "<srv service='s' protocol='udp'/>", VB_ERROR_NOT_FOUND);
  update_fails (def, VB_NETWORK_UPDATE_MODIFY, VB_NETWORK_SECTION_DNS_SRV, -1,
                "<srv service='s' protocol='tcp'/>", VB_ERROR_NOT_SUPPORTED);
}

static void
test_update_unsupported (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok (UPD_NET);
  const guint sections[] = {
    0, VB_NETWORK_SECTION_BRIDGE, VB_NETWORK_SECTION_DOMAIN, VB_NETWORK_SECTION_IP,
    VB_NETWORK_SECTION_FORWARD, VB_NETWORK_SECTION_FORWARD_PF, 13, 1000,
  };

  for (guint i = 0; i < G_N_ELEMENTS (sections); i++)
    update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, sections[i], -1, "<bridge name='x'/>",
                  VB_ERROR_NOT_SUPPORTED);
  update_fails (def, 0, VB_NETWORK_SECTION_DNS_TXT, -1, "<txt name='a' value='b'/>", VB_ERROR_INVALID_ARG);
  update_fails (def, 5, VB_NETWORK_SECTION_DNS_TXT, -1, "<txt name='a' value='b'/>", VB_ERROR_INVALID_ARG);
}

static void
test_update_no_ipv4 (void)
{
  g_autoptr(VbNetworkDef) def = parse_ok ("<network><name>v6</name><ip address='2001:db8::1' prefix='64'/></network>");

  update_fails (def, VB_NETWORK_UPDATE_ADD_LAST, VB_NETWORK_SECTION_IP_DHCP_HOST, -1,
                "<host mac='00:16:3e:00:00:09' ip='10.0.0.9'/>", VB_ERROR_NOT_FOUND);
}

static void
test_forward_mode_strings (void)
{
  g_assert_null (vb_network_forward_mode_to_string (VB_NETWORK_FORWARD_NONE));
  g_assert_cmpstr (vb_network_forward_mode_to_string (VB_NETWORK_FORWARD_NAT), ==, "nat");
  g_assert_cmpstr (vb_network_forward_mode_to_string (VB_NETWORK_FORWARD_HOSTDEV), ==, "hostdev");
  g_assert_null (vb_network_forward_mode_to_string ((VbNetworkForwardMode) 99));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parse_errors); i++) {
    g_autofree char *path = g_strdup_printf ("/network-def/parse-error/%s", parse_errors[i].name);
    g_test_add_data_func (path, &parse_errors[i], test_parse_error);
  }
  for (guint i = 0; i < G_N_ELEMENTS (validate_errors); i++) {
    g_autofree char *path = g_strdup_printf ("/network-def/validate-error/%s", validate_errors[i].name);
    g_test_add_data_func (path, &validate_errors[i], test_validate_error);
  }
  g_test_add_func ("/network-def/validate-ok", test_validate_ok);
  g_test_add_func ("/network-def/uuid-generated", test_uuid_generated);
  g_test_add_func ("/network-def/mac-generated", test_mac_generated);
  g_test_add_func ("/network-def/forward-dev-normalised", test_forward_dev_normalised);
  g_test_add_func ("/network-def/live-vs-inactive", test_live_vs_inactive);
  g_test_add_func ("/network-def/copy", test_copy);
  g_test_add_func ("/network-def/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/network-def/update/dhcp-host", test_update_dhcp_host);
  g_test_add_func ("/network-def/update/dhcp-range", test_update_dhcp_range);
  g_test_add_func ("/network-def/update/forward-interface", test_update_forward_interface);
  g_test_add_func ("/network-def/update/portgroup", test_update_portgroup);
  g_test_add_func ("/network-def/update/dns", test_update_dns);
  g_test_add_func ("/network-def/update/unsupported", test_update_unsupported);
  g_test_add_func ("/network-def/update/no-ipv4", test_update_no_ipv4);
  g_test_add_func ("/network-def/forward-mode-strings", test_forward_mode_strings);
  return g_test_run ();
}
