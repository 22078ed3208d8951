# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.libvirt.Network against the test hypervisor."""
import dbus
import pytest

from vbtest import (NETWORK_IFACE, TEST_NETWORK_UUID, TEST_ROOT, SignalRecorder,
                      network_path)
from test_domain import expect_error

DEFAULT_NETWORK = network_path(TEST_NETWORK_UUID)
DEFINED, UNDEFINED, STARTED, STOPPED = 0, 1, 2, 3

NET_XML = """<network>
  <name>{name}</name>
  <bridge name='virbr9'/>
  <forward mode='nat'/>
  <ip address='192.168.150.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.150.2' end='192.168.150.254'/></dhcp>
  </ip>
</network>"""


def events(daemon):
    return SignalRecorder(daemon.bus, dbus_interface='org.libvirt.Connect',
                          signal_name='NetworkEvent', path=TEST_ROOT)


def wait_events(rec, n):
    rec.wait(lambda items: len(items) >= n)
    rec.settle(0.1)
    return [(str(i[2][0]), int(i[2][1])) for i in rec.items]


def test_default_network(daemon):
    props = daemon.props(DEFAULT_NETWORK).GetAll(NETWORK_IFACE)
    assert props == {'Active': True, 'Autostart': False, 'Name': 'default',
                     'Persistent': True, 'UUID': TEST_NETWORK_UUID}
    xml = daemon.network(DEFAULT_NETWORK).GetXMLDesc(0)
    assert "<forward mode='nat'/>" in xml
    assert "<bridge name='virbr0'" in xml


def test_lifecycle(daemon):
    connect = daemon.connect()
    rec = events(daemon)
    path = connect.NetworkDefineXML(NET_XML.format(name='net1'))
    assert wait_events(rec, 1) == [(path, DEFINED)]
    net = daemon.network(path)
    assert daemon.get(path, NETWORK_IFACE, 'Active') == False
    net.Create()
    assert wait_events(rec, 2)[-1] == (path, STARTED)
    assert daemon.get(path, NETWORK_IFACE, 'Active') == True
    expect_error(net.Create, fragment='already')
    net.Destroy()
    assert wait_events(rec, 3)[-1] == (path, STOPPED)
    expect_error(net.Destroy, fragment='not active')
    net.Undefine()
    assert wait_events(rec, 4)[-1] == (path, UNDEFINED)
    assert path not in connect.ListNetworks(0)
    assert len(rec.settle()) == 4


def test_transient_network(daemon):
    connect = daemon.connect()
    rec = events(daemon)
    path = connect.NetworkCreateXML(NET_XML.format(name='tmp'))
    assert wait_events(rec, 1) == [(path, STARTED)]
    assert daemon.get(path, NETWORK_IFACE, 'Persistent') == False
    daemon.network(path).Destroy()
    wait_events(rec, 2)
    assert path not in connect.ListNetworks(0)


def test_autostart(daemon):
    props = daemon.props(DEFAULT_NETWORK)
    props.Set(NETWORK_IFACE, 'Autostart', True)
    assert props.Get(NETWORK_IFACE, 'Autostart') == True
    assert DEFAULT_NETWORK in daemon.connect().ListNetworks(16)


def test_update_dhcp_host(daemon):
    net = daemon.network(DEFAULT_NETWORK)
    host = "<host mac='52:54:00:aa:bb:cc' name='guest' ip='192.168.122.50'/>"
    # command add-last (3), section ip-dhcp-host (4), live+config (1|2)
    net.Update(3, 4, -1, host, 3)
    assert "name='guest'" in net.GetXMLDesc(0)
    assert "name='guest'" in net.GetXMLDesc(1)
    # a duplicate is refused and changes nothing
    expect_error(net.Update, 3, 4, -1, host, 3)
    net.Update(2, 4, -1, host, 3)  # delete
    assert "name='guest'" not in net.GetXMLDesc(0)


def test_bad_network_xml_changes_nothing(daemon):
    connect = daemon.connect()
    rec = events(daemon)
    for xml in ['<network>', '<network><name>a/b</name></network>',
                "<network><name>x</name><forward mode='bogus'/></network>"]:
        expect_error(connect.NetworkDefineXML, xml)
    expect_error(connect.NetworkDefineXML, NET_XML.format(name='default'), fragment='already')
    assert list(connect.ListNetworks(0)) == [DEFAULT_NETWORK]
    assert rec.settle(0.1) == []


def test_dhcp_leases_unsupported(daemon):
    msg = expect_error(daemon.network(DEFAULT_NETWORK).GetDHCPLeases, '', 0)
    assert 'not supported' in msg


def test_test_driver_invents_no_bridge_mac(daemon):
    assert '<mac ' not in daemon.network(DEFAULT_NETWORK).GetXMLDesc(0)
