# SPDX-License-Identifier: LGPL-2.1-or-later
"""Introspection data on every path, from the embedded interface XML."""
import xml.etree.ElementTree as ET

from vbtest import TEST_DOMAIN_UUID, TEST_NETWORK_UUID, TEST_ROOT, domain_path, network_path


def introspect(daemon, path):
    data = daemon.iface(path, 'org.freedesktop.DBus.Introspectable').Introspect()
    return ET.fromstring(str(data))


def interfaces(node):
    return {i.get('name') for i in node.findall('interface')}


def children(node):
    return {n.get('name') for n in node.findall('node')}


def test_tree(daemon):
    assert 'org' in children(introspect(daemon, '/'))
    assert 'libvirt' in children(introspect(daemon, '/org'))
    assert 'Test' in children(introspect(daemon, '/org/libvirt'))
    assert children(introspect(daemon, TEST_ROOT)) >= {'domain', 'network'}
    assert children(introspect(daemon, TEST_ROOT + '/domain')) == {
        '_' + TEST_DOMAIN_UUID.replace('-', '_')}
    assert children(introspect(daemon, TEST_ROOT + '/network')) == {
        '_' + TEST_NETWORK_UUID.replace('-', '_')}


def test_root_interfaces(daemon):
    node = introspect(daemon, TEST_ROOT)
    assert {'org.libvirt.Connect', 'org.freedesktop.DBus.ObjectManager',
            'org.freedesktop.DBus.Properties'} <= interfaces(node)
    connect = [i for i in node.findall('interface') if i.get('name') == 'org.libvirt.Connect'][0]
    methods = {m.get('name') for m in connect.findall('method')}
    assert {'ListDomains', 'DomainDefineXML', 'GetCapabilities'} <= methods
    signals = {s.get('name') for s in connect.findall('signal')}
    assert {'DomainEvent', 'NetworkEvent'} <= signals


def test_object_interfaces(daemon):
    dom = introspect(daemon, domain_path(TEST_DOMAIN_UUID))
    assert 'org.libvirt.Domain' in interfaces(dom)
    net = introspect(daemon, network_path(TEST_NETWORK_UUID))
    assert 'org.libvirt.Network' in interfaces(net)
