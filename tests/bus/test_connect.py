# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.libvirt.Connect on /org/libvirt/Test."""
import dbus
import pytest

from vbtest import (CONNECT_IFACE, TEST_DOMAIN_UUID, TEST_NETWORK_UUID, TEST_ROOT,
                      domain_path, libvirt_error, network_path)

TEST_DOMAIN = domain_path(TEST_DOMAIN_UUID)
DEFAULT_NETWORK = network_path(TEST_NETWORK_UUID)

MINIMAL_DOMAIN = """<domain type='test'>
  <name>{name}</name>
  {uuid}
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>"""


def minimal_domain(name, uuid=None):
    return MINIMAL_DOMAIN.format(name=name, uuid=f'<uuid>{uuid}</uuid>' if uuid else '')


def test_preloaded_objects(daemon):
    connect = daemon.connect()
    assert list(connect.ListDomains(0)) == [TEST_DOMAIN]
    assert list(connect.ListNetworks(0)) == [DEFAULT_NETWORK]


def test_properties(daemon):
    props = daemon.props(TEST_ROOT).GetAll(CONNECT_IFACE)
    assert set(props) == {'Encrypted', 'Hostname', 'LibVersion', 'Secure', 'Version'}
    assert props['Encrypted'] is not None and not props['Encrypted']
    assert props['Secure']
    assert props['LibVersion'] >= 9000000
    assert props['Version'] == 2
    assert isinstance(props['Hostname'], dbus.String) and props['Hostname']


@pytest.mark.parametrize('flags,expected', [
    (0, [TEST_DOMAIN]),
    (1, [TEST_DOMAIN]),        # ACTIVE
    (2, []),                   # INACTIVE
    (4, [TEST_DOMAIN]),        # PERSISTENT
    (8, []),                   # TRANSIENT
    (16, [TEST_DOMAIN]),       # RUNNING
    (32, []),                  # PAUSED
    (64, []),                  # SHUTOFF
    (1024, []),                # AUTOSTART
    (2048, [TEST_DOMAIN]),     # NO_AUTOSTART
    (512, [TEST_DOMAIN]),      # NO_MANAGEDSAVE
])
def test_list_domains_flags(daemon, flags, expected):
    assert list(daemon.connect().ListDomains(flags)) == expected


def test_list_domains_flags_combined(daemon):
    connect = daemon.connect()
    path = connect.DomainDefineXML(minimal_domain('other'))
    assert set(connect.ListDomains(0)) == {TEST_DOMAIN, path}
    assert list(connect.ListDomains(2)) == [path]          # inactive
    assert set(connect.ListDomains(1 | 2)) == {TEST_DOMAIN, path}
    assert list(connect.ListDomains(64)) == [path]         # shutoff


def test_list_bad_flags(daemon):
    with pytest.raises(dbus.DBusException) as e:
        daemon.connect().ListDomains(1 << 20)
    name, message = libvirt_error(e)
    assert name == 'org.libvirt.Error'
    assert 'flags' in message
    with pytest.raises(dbus.DBusException):
        daemon.connect().ListNetworks(1 << 10)


@pytest.mark.parametrize('flags,expected', [
    (0, [DEFAULT_NETWORK]), (1, []), (2, [DEFAULT_NETWORK]), (4, [DEFAULT_NETWORK]),
    (8, []), (16, []), (32, [DEFAULT_NETWORK]),
])
def test_list_networks_flags(daemon, flags, expected):
    assert list(daemon.connect().ListNetworks(flags)) == expected


def test_lookups(daemon):
    connect = daemon.connect()
    assert connect.DomainLookupByName('test') == TEST_DOMAIN
    assert connect.DomainLookupByUUID(TEST_DOMAIN_UUID) == TEST_DOMAIN
    assert connect.DomainLookupByUUID(TEST_DOMAIN_UUID.upper()) == TEST_DOMAIN
    assert connect.DomainLookupByID(1) == TEST_DOMAIN
    assert connect.NetworkLookupByName('default') == DEFAULT_NETWORK
    assert connect.NetworkLookupByUUID(TEST_NETWORK_UUID) == DEFAULT_NETWORK


@pytest.mark.parametrize('method,arg,fragment', [
    ('DomainLookupByName', 'nope', "name 'nope'"),
    ('DomainLookupByUUID', '11111111-2222-3333-4444-555555555555', 'uuid'),
    ('DomainLookupByUUID', 'not-a-uuid', 'UUID'),
    ('DomainLookupByID', dbus.Int32(42), 'id 42'),
    ('NetworkLookupByName', 'nope', "name 'nope'"),
    ('NetworkLookupByUUID', '11111111-2222-3333-4444-555555555555', 'uuid'),
])
def test_lookup_errors(daemon, method, arg, fragment):
    with pytest.raises(dbus.DBusException) as e:
        getattr(daemon.connect(), method)(arg)
    name, message = libvirt_error(e)
    assert name == 'org.libvirt.Error'
    assert fragment in message


def test_host_queries(daemon):
    connect = daemon.connect()
    caps = connect.GetCapabilities()
    assert caps.startswith('<capabilities>') and 'i686' in caps
    assert '<sysinfo' in connect.GetSysinfo(0)
    assert len(connect.GetCPUModelNames('x86_64', 0)) > 0
    assert connect.NodeGetFreeMemory() > 0
    # libvirt's test driver: 8 CPUs of which 0, 2 and 4 online
    cpumap = connect.NodeGetCPUMap(0)
    assert [bool(b) for b in cpumap] == [True, False, True, False, True, False, False, False]
    assert len(connect.NodeGetCPUStats(-1, 0)) > 0
    assert len(connect.NodeGetMemoryStats(-1, 0)) > 0
    model, doi = connect.NodeGetSecurityModel()
    assert model == 'testSecurity'


def test_get_all_domain_stats(daemon):
    stats = daemon.connect().GetAllDomainStats(0, 0)
    assert [s[0] for s in stats] == ['test']
    assert stats[0][1]['state.state'] == 1


def test_unsupported_member_is_an_error(daemon):
    with pytest.raises(dbus.DBusException) as e:
        daemon.connect().ListStoragePools(0)
    name, message = libvirt_error(e)
    assert name == 'org.libvirt.Error'
    assert message == 'not supported by this driver: ListStoragePools'


def test_object_manager(daemon):
    om = daemon.iface(TEST_ROOT, 'org.freedesktop.DBus.ObjectManager')
    objects = om.GetManagedObjects()
    assert set(objects) == {TEST_DOMAIN, DEFAULT_NETWORK}
    dom = objects[TEST_DOMAIN]['org.libvirt.Domain']
    assert dom['Name'] == 'test' and dom['UUID'] == TEST_DOMAIN_UUID and dom['Id'] == 1
    net = objects[DEFAULT_NETWORK]['org.libvirt.Network']
    assert net['Name'] == 'default' and net['Active']
