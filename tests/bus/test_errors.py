# SPDX-License-Identifier: LGPL-2.1-or-later
"""Error names on the bus: org.libvirt.Error for every caller, as
libvirt-dbus sends it, and the specific names of
introspection/vb-error-table.h only for a caller that asked for them with
org.libvirt.Virtbus.EnableErrorNames."""
import xml.etree.ElementTree as ET

import dbus
import pytest

from vbtest import (BUS_NAME, CONNECT_IFACE, DOMAIN_IFACE, NETWORK_IFACE, TEST_DOMAIN_UUID,
                    TEST_NETWORK_UUID, TEST_ROOT, domain_path, libvirt_error, network_path)
from test_connect import minimal_domain

VIRTBUS_PATH = '/org/libvirt'
VIRTBUS_IFACE = 'org.libvirt.Virtbus'


def connect(bus):
    return dbus.Interface(bus.get_object(BUS_NAME, TEST_ROOT), CONNECT_IFACE)


def domain(bus, uuid=TEST_DOMAIN_UUID):
    return dbus.Interface(bus.get_object(BUS_NAME, domain_path(uuid)), DOMAIN_IFACE)


def network(bus, uuid=TEST_NETWORK_UUID):
    return dbus.Interface(bus.get_object(BUS_NAME, network_path(uuid)), NETWORK_IFACE)


def enable_error_names(bus):
    dbus.Interface(bus.get_object(BUS_NAME, VIRTBUS_PATH), VIRTBUS_IFACE).EnableErrorNames()


# (what fails, the call on a bus connection, the name for a caller that
# opted in, a fragment the message must quote)
FAILURES = [
    ('unknown domain', lambda bus: connect(bus).DomainLookupByName('no-such-vm'),
     'org.libvirt.Error.NotFound', 'no-such-vm'),
    ('unknown network', lambda bus: connect(bus).NetworkLookupByName('no-such-net'),
     'org.libvirt.Error.NotFound', 'no-such-net'),
    ('unknown UUID', lambda bus: connect(bus).DomainLookupByUUID(
        '11111111-2222-3333-4444-555555555555'),
     'org.libvirt.Error.NotFound', '11111111-2222-3333-4444-555555555555'),
    ('malformed XML', lambda bus: connect(bus).DomainDefineXML('<domain type="test"><name>x</name'),
     'org.libvirt.Error.InvalidXML', None),
    ('invalid config', lambda bus: connect(bus).DomainDefineXML(minimal_domain('a/b')),
     'org.libvirt.Error.InvalidConfig', 'a/b'),
    ('wrong state', lambda bus: domain(bus).Create(0),
     'org.libvirt.Error.InvalidState', None),
    ('duplicate name', lambda bus: connect(bus).DomainDefineXML(minimal_domain('test')),
     'org.libvirt.Error.Exists', 'test'),
    ('bad flags', lambda bus: connect(bus).ListDomains(dbus.UInt32(1 << 20)),
     'org.libvirt.Error.InvalidArgument', 'ListDomains'),
    ('not supported', lambda bus: network(bus).GetDHCPLeases('', dbus.UInt32(0)),
     'org.libvirt.Error.NotSupported', None),
]


@pytest.fixture
def typed_bus(daemon):
    """A second caller on the same bus, which opted in."""
    bus = dbus.bus.BusConnection(daemon.bus_address)
    enable_error_names(bus)
    yield bus
    bus.close()


def failure(call, bus):
    with pytest.raises(dbus.DBusException) as e:
        call(bus)
    return libvirt_error(e)


@pytest.mark.parametrize('what,call,specific,fragment', FAILURES, ids=[f[0] for f in FAILURES])
def test_plain_and_typed_callers(daemon, typed_bus, what, call, specific, fragment):
    # the plain caller asks after another caller opted in: that changes
    # nothing for it
    name, message = failure(call, daemon.bus)
    assert name == 'org.libvirt.Error', (what, message)
    assert message and not message.startswith('GDBus.Error'), (what, message)
    if fragment:
        assert fragment in message, (what, message)
    typed_name, typed_message = failure(call, typed_bus)
    assert typed_name == specific, (what, typed_message)
    assert typed_message == message


def test_interface_beside_the_driver_roots(daemon):
    node = ET.fromstring(str(daemon.iface(VIRTBUS_PATH,
                                          'org.freedesktop.DBus.Introspectable').Introspect()))
    ours = [i for i in node.findall('interface') if i.get('name') == VIRTBUS_IFACE]
    assert len(ours) == 1
    assert [(m.get('name'), m.findall('arg')) for m in ours[0].findall('method')] == [
        ('EnableErrorNames', [])]
    assert 'Test' in {n.get('name') for n in node.findall('node')}


def test_enable_is_idempotent_and_needs_no_arguments(daemon, typed_bus):
    enable_error_names(typed_bus)
    name, _ = failure(FAILURES[0][1], typed_bus)
    assert name == 'org.libvirt.Error.NotFound'
    with pytest.raises(dbus.DBusException) as e:
        typed_bus.call_blocking(BUS_NAME, VIRTBUS_PATH, VIRTBUS_IFACE, 'EnableErrorNames',
                                's', ['x'])
    assert e.value.get_dbus_name() == 'org.freedesktop.DBus.Error.InvalidArgs'


def test_a_closed_caller_leaves_others_alone(daemon):
    first = dbus.bus.BusConnection(daemon.bus_address)
    enable_error_names(first)
    first.close()
    # the departure (NameOwnerChanged) costs the daemon nothing, and a new
    # caller starts plain
    second = dbus.bus.BusConnection(daemon.bus_address)
    try:
        name, _ = failure(FAILURES[0][1], second)
        assert name == 'org.libvirt.Error'
        enable_error_names(second)
        name, _ = failure(FAILURES[0][1], second)
        assert name == 'org.libvirt.Error.NotFound'
    finally:
        second.close()
    name, _ = failure(FAILURES[0][1], daemon.bus)
    assert name == 'org.libvirt.Error'
