# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.libvirt.Domain against the test hypervisor: lifecycle, signals with
libvirt's event and detail numbers, properties and errors."""
import dbus
import pytest

from vbtest import (DOMAIN_IFACE, PROPS_IFACE, TEST_DOMAIN_UUID, TEST_ROOT,
                      SignalRecorder, domain_path, libvirt_error)
from test_connect import minimal_domain

TEST_DOMAIN = domain_path(TEST_DOMAIN_UUID)

# libvirt's virDomainEventType and details
DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED = 0, 1, 2, 3, 4, 5
ADDED, UPDATED, RENAMED = 0, 1, 2
REMOVED = 0
BOOTED = 0
PAUSED = 0
UNPAUSED = 0
SHUTDOWN, DESTROYED, SAVED = 0, 1, 4
# virDomainState
RUNNING, STATE_PAUSED, SHUTOFF = 1, 3, 5


def events(daemon):
    return SignalRecorder(daemon.bus, dbus_interface='org.libvirt.Connect',
                          signal_name='DomainEvent', path=TEST_ROOT)


def wait_events(rec, n):
    rec.wait(lambda items: len(items) >= n)
    rec.settle(0.1)
    return [(str(i[2][0]), int(i[2][1]), int(i[2][2])) for i in rec.items]


def expect_error(call, *args, fragment=None):
    with pytest.raises(dbus.DBusException) as e:
        call(*args)
    name, message = libvirt_error(e)
    assert name == 'org.libvirt.Error', message
    if fragment:
        assert fragment in message, message
    return message


def test_domain_properties(daemon):
    props = daemon.props(TEST_DOMAIN).GetAll(DOMAIN_IFACE)
    assert props == {
        'Active': True, 'Autostart': False, 'Id': 1, 'Name': 'test', 'OSType': 'hvm',
        'Persistent': True, 'SchedulerType': props['SchedulerType'], 'Updated': False,
        'UUID': TEST_DOMAIN_UUID,
    }
    assert daemon.get(TEST_DOMAIN, DOMAIN_IFACE, 'Name') == 'test'


def test_define_start_stop_undefine(daemon):
    connect = daemon.connect()
    rec = events(daemon)
    path = connect.DomainDefineXML(minimal_domain('foo'))
    dom = daemon.domain(path)
    assert wait_events(rec, 1) == [(path, DEFINED, ADDED)]
    assert daemon.get(path, DOMAIN_IFACE, 'Active') == False
    assert daemon.get(path, DOMAIN_IFACE, 'Id') == 0xffffffff
    assert tuple(dom.GetState(0)) == (SHUTOFF, 0)

    dom.Create(0)
    assert wait_events(rec, 2)[-1] == (path, STARTED, BOOTED)
    assert daemon.get(path, DOMAIN_IFACE, 'Active') == True
    assert daemon.get(path, DOMAIN_IFACE, 'Id') == 2      # test has 1
    assert tuple(dom.GetState(0)) == (RUNNING, 1)         # booted
    assert connect.DomainLookupByID(2) == path

    dom.Suspend()
    assert wait_events(rec, 3)[-1] == (path, SUSPENDED, PAUSED)
    assert dom.GetState(0)[0] == STATE_PAUSED
    dom.Resume()
    assert wait_events(rec, 4)[-1] == (path, RESUMED, UNPAUSED)

    dom.Shutdown(0)
    assert wait_events(rec, 5)[-1] == (path, STOPPED, SHUTDOWN)
    assert dom.GetState(0)[0] == SHUTOFF

    dom.Create(0)
    assert wait_events(rec, 6)[-1] == (path, STARTED, BOOTED)
    assert daemon.get(path, DOMAIN_IFACE, 'Id') == 3      # ids only count up
    dom.Destroy(0)
    assert wait_events(rec, 7)[-1] == (path, STOPPED, DESTROYED)

    dom.Undefine(0)
    assert wait_events(rec, 8)[-1] == (path, UNDEFINED, REMOVED)
    assert path not in connect.ListDomains(0)
    expect_error(connect.DomainLookupByName, 'foo', fragment='Domain not found')
    # exactly one signal per change
    assert len(rec.settle()) == 8


def test_event_arrives_after_state_is_visible(daemon):
    rec = events(daemon)
    daemon.domain(TEST_DOMAIN).Suspend()
    wait_events(rec, 1)
    assert daemon.get(TEST_DOMAIN, DOMAIN_IFACE, 'Active') == True
    assert daemon.domain(TEST_DOMAIN).GetState(0)[0] == STATE_PAUSED


def test_properties_changed(daemon):
    rec = SignalRecorder(daemon.bus, dbus_interface=PROPS_IFACE,
                         signal_name='PropertiesChanged', path=TEST_DOMAIN)
    daemon.domain(TEST_DOMAIN).Destroy(0)
    items = rec.wait(lambda items: any('Active' in i[2][1] for i in items))
    changed = {}
    for item in items:
        assert item[2][0] == DOMAIN_IFACE
        changed.update(item[2][1])
    assert changed['Active'] == False
    assert changed['Id'] == 0xffffffff


def test_autostart_property(daemon):
    props = daemon.props(TEST_DOMAIN)
    rec = SignalRecorder(daemon.bus, dbus_interface=PROPS_IFACE,
                         signal_name='PropertiesChanged', path=TEST_DOMAIN)
    props.Set(DOMAIN_IFACE, 'Autostart', True)
    assert props.Get(DOMAIN_IFACE, 'Autostart') == True
    rec.wait(lambda items: any(i[2][1].get('Autostart') == True for i in items))
    assert TEST_DOMAIN in daemon.connect().ListDomains(1024)
    props.Set(DOMAIN_IFACE, 'Autostart', False)
    assert props.Get(DOMAIN_IFACE, 'Autostart') == False


def test_autostart_of_transient_domain_fails(daemon):
    path = daemon.connect().DomainCreateXML(minimal_domain('tmp'), 0)
    msg = expect_error(daemon.props(path).Set, DOMAIN_IFACE, 'Autostart', True)
    assert 'transient' in msg
    assert daemon.get(path, DOMAIN_IFACE, 'Autostart') == False


def test_read_only_property_cannot_be_set(daemon):
    with pytest.raises(dbus.DBusException) as e:
        daemon.props(TEST_DOMAIN).Set(DOMAIN_IFACE, 'Name', 'other')
    assert e.value.get_dbus_name() == 'org.freedesktop.DBus.Error.InvalidArgs'
    assert daemon.get(TEST_DOMAIN, DOMAIN_IFACE, 'Name') == 'test'


def test_transient_domain_lifecycle(daemon):
    connect = daemon.connect()
    rec = events(daemon)
    path = connect.DomainCreateXML(minimal_domain('tmp'), 0)
    assert wait_events(rec, 1) == [(path, STARTED, BOOTED)]
    assert daemon.get(path, DOMAIN_IFACE, 'Persistent') == False
    assert path in connect.ListDomains(8)
    daemon.domain(path).Destroy(0)
    assert wait_events(rec, 2)[-1] == (path, STOPPED, DESTROYED)
    assert path not in connect.ListDomains(0)


def test_create_xml_paused(daemon):
    path = daemon.connect().DomainCreateXML(minimal_domain('tmp'), 1)
    assert daemon.domain(path).GetState(0)[0] == STATE_PAUSED


def test_undefine_running_makes_transient(daemon):
    rec = events(daemon)
    dom = daemon.domain(TEST_DOMAIN)
    dom.Undefine(0)
    assert wait_events(rec, 1) == [(TEST_DOMAIN, UNDEFINED, REMOVED)]
    assert daemon.get(TEST_DOMAIN, DOMAIN_IFACE, 'Persistent') == False
    assert daemon.get(TEST_DOMAIN, DOMAIN_IFACE, 'Active') == True
    dom.Destroy(0)
    wait_events(rec, 2)
    assert daemon.connect().ListDomains(0) == []


def test_managed_save(daemon):
    rec = events(daemon)
    dom = daemon.domain(TEST_DOMAIN)
    dom.ManagedSave(0)
    assert wait_events(rec, 1) == [(TEST_DOMAIN, STOPPED, SAVED)]
    assert dom.HasManagedSaveImage(0) == True
    assert TEST_DOMAIN in daemon.connect().ListDomains(256)
    dom.Create(0)
    # libvirt's test driver reports a restore from a managed save as booted
    assert wait_events(rec, 2)[-1] == (TEST_DOMAIN, STARTED, BOOTED)
    assert dom.HasManagedSaveImage(0) == False
    dom.ManagedSave(0)
    dom.ManagedSaveRemove(0)
    assert dom.HasManagedSaveImage(0) == False


def test_redefine_updates(daemon):
    connect = daemon.connect()
    path = connect.DomainDefineXML(minimal_domain('foo'))
    uuid = daemon.get(path, DOMAIN_IFACE, 'UUID')
    rec = events(daemon)
    assert connect.DomainDefineXML(minimal_domain('foo', uuid)) == path
    assert wait_events(rec, 1) == [(path, DEFINED, UPDATED)]


@pytest.mark.parametrize('xml,fragment', [
    ('<domain', 'XML'),
    ('<network><name>x</name></network>', 'domain'),
    ("<domain type='test'><name>a/b</name><memory>1024</memory><os><type>hvm</type></os></domain>",
     "'/'"),
    ('', None),
])
def test_bad_xml_changes_nothing(daemon, xml, fragment):
    connect = daemon.connect()
    before = list(connect.ListDomains(0))
    rec = events(daemon)
    expect_error(connect.DomainDefineXML, xml, fragment=fragment)
    expect_error(connect.DomainCreateXML, xml, 0, fragment=fragment)
    assert list(connect.ListDomains(0)) == before
    assert rec.settle(0.1) == []


def test_duplicates_are_refused(daemon):
    connect = daemon.connect()
    # same name, another UUID
    expect_error(connect.DomainDefineXML,
                 minimal_domain('test', '11111111-2222-3333-4444-555555555555'),
                 fragment='already exists')
    # same UUID, another name
    expect_error(connect.DomainDefineXML, minimal_domain('other', TEST_DOMAIN_UUID),
                 fragment='already defined')
    expect_error(connect.DomainCreateXML, minimal_domain('test'), 0)
    assert list(connect.ListDomains(0)) == [TEST_DOMAIN]
    assert daemon.get(TEST_DOMAIN, DOMAIN_IFACE, 'Name') == 'test'


@pytest.mark.parametrize('method,args,fragment', [
    ('Create', (0,), 'running'),
    ('Resume', (), 'not paused'),
])
def test_invalid_transitions_on_running(daemon, method, args, fragment):
    rec = events(daemon)
    expect_error(getattr(daemon.domain(TEST_DOMAIN), method), *args, fragment=fragment)
    assert daemon.domain(TEST_DOMAIN).GetState(0)[0] == RUNNING
    assert rec.settle(0.1) == []


@pytest.mark.parametrize('method,args,fragment', [
    ('Destroy', (0,), 'not running'), ('Shutdown', (0,), 'not running'),
    ('Suspend', (), 'not running'), ('Resume', (), 'not paused'),
    ('Reboot', (0,), 'not running'), ('Reset', (0,), 'not running'),
    ('ManagedSave', (0,), 'not running'),
])
def test_invalid_transitions_on_inactive(daemon, method, args, fragment):
    path = daemon.connect().DomainDefineXML(minimal_domain('foo'))
    rec = events(daemon)
    expect_error(getattr(daemon.domain(path), method), *args, fragment=fragment)
    assert daemon.domain(path).GetState(0)[0] == SHUTOFF
    assert rec.settle(0.1) == []


def test_reboot_emits_domain_signal_only(daemon):
    lifecycle = events(daemon)
    reboot = SignalRecorder(daemon.bus, dbus_interface=DOMAIN_IFACE, signal_name='Reboot',
                            path=TEST_DOMAIN)
    daemon.domain(TEST_DOMAIN).Reboot(0)
    reboot.wait()
    assert lifecycle.settle(0.1) == []


def test_xml_desc(daemon):
    dom = daemon.domain(TEST_DOMAIN)
    live = dom.GetXMLDesc(0)
    assert "<domain type='test' id='1'>" in live
    inactive = dom.GetXMLDesc(2)
    assert "id='1'" not in inactive
    assert '<name>test</name>' in inactive


def test_metadata(daemon):
    dom = daemon.domain(TEST_DOMAIN)
    rec = SignalRecorder(daemon.bus, dbus_interface=DOMAIN_IFACE, signal_name='MetadataChange',
                         path=TEST_DOMAIN)
    dom.SetMetadata(1, 'a title', '', '', 0)
    assert dom.GetMetadata(1, '', 0) == 'a title'
    dom.SetMetadata(2, '<app><x>1</x></app>', 'app', 'http://example.org/app', 0)
    assert 'x>1</' in dom.GetMetadata(2, 'http://example.org/app', 0)
    items = rec.wait(lambda items: len(items) >= 2)
    assert (int(items[0][2][0]), str(items[0][2][1])) == (1, '')
    assert (int(items[1][2][0]), str(items[1][2][1])) == (2, 'http://example.org/app')
    expect_error(dom.GetMetadata, 2, 'http://example.org/none', 0, fragment='metadata')


def test_vcpus_and_memory(daemon):
    dom = daemon.domain(TEST_DOMAIN)
    assert dom.GetVcpus(0) == 2
    dom.SetVcpus(1, 1)   # live
    assert dom.GetVcpus(0) == 1
    expect_error(dom.SetVcpus, 100, 1)
    assert dom.GetVcpus(0) == 1
    dom.SetMemory(1024 * 1024, 1)
    expect_error(dom.SetMemory, 100 * 1024 * 1024 * 1024, 1)


def test_stats(daemon):
    dom = daemon.domain(TEST_DOMAIN)
    stats = dom.GetStats(0, 0)
    # libvirt's test driver leaves the preloaded domain's reason 'unknown'
    assert (stats['state.state'], stats['state.reason']) == (RUNNING, 0)
    assert tuple(dom.GetState(0)) == (RUNNING, 0)
    assert len(dom.MemoryStats(0)) > 0
    addresses = dom.InterfaceAddresses(0, 0)
    # as libvirt's test driver: first DHCP address + 20·(id−1) + index + 1
    assert [(str(i[0]), str(i[1]), [(int(a[0]), str(a[1]), int(a[2])) for a in i[2]])
            for i in addresses] == [('testnet0', 'aa:bb:cc:dd:ee:ff', [(0, '192.168.122.3', 24)])]
    seconds, nanos = dom.GetTime(0)
    assert seconds == 627319920


def test_unsupported_domain_member(daemon):
    msg = expect_error(daemon.domain(TEST_DOMAIN).MigrateToURI3, 'qemu+ssh://x/system', {}, 0)
    assert msg == 'not supported by this driver: MigrateToURI3'


def test_open_graphics_fd_not_supported(daemon):
    # as libvirt's test driver, which has no display to connect to
    dom = daemon.domain(TEST_DOMAIN)
    msg = expect_error(dom.OpenGraphicsFD, dbus.UInt32(0), dbus.UInt32(0))
    assert msg == 'not supported by this driver: OpenGraphicsFD'
    assert tuple(dom.GetState(0))[0] == RUNNING


def test_unknown_object(daemon):
    bogus = domain_path('11111111-2222-3333-4444-555555555555')
    with pytest.raises(dbus.DBusException) as e:
        daemon.domain(bogus).Create(0)
    assert e.value.get_dbus_name().startswith('org.freedesktop.DBus.Error.Unknown')


def test_object_manager_signals(daemon):
    om = SignalRecorder(daemon.bus, dbus_interface='org.freedesktop.DBus.ObjectManager',
                        path=TEST_ROOT)
    path = daemon.connect().DomainDefineXML(minimal_domain('foo'))
    added = om.wait(lambda items: any(i[0] == 'InterfacesAdded' for i in items))
    assert added[0][2][0] == path
    assert added[0][2][1]['org.libvirt.Domain']['Name'] == 'foo'
    daemon.domain(path).Undefine(0)
    om.wait(lambda items: any(i[0] == 'InterfacesRemoved' for i in items))


def test_properties_changed_precede_the_event(daemon):
    rec = SignalRecorder(daemon.bus)
    daemon.domain(TEST_DOMAIN).Destroy(0)
    items = rec.wait(lambda items: any(i[0] == 'DomainEvent' for i in items))
    members = [i[0] for i in items if i[0] in ('DomainEvent', 'PropertiesChanged')]
    assert members.index('PropertiesChanged') < members.index('DomainEvent')


def test_create_with_files(daemon):
    # the test driver has no use for the files: like DomainCreateXML / Create
    connect = daemon.connect()
    path = connect.DomainCreateXMLWithFiles(minimal_domain('tmp'), [], 0)
    assert daemon.domain(path).GetState(0)[0] == RUNNING
    other = connect.DomainDefineXML(minimal_domain('foo'))
    daemon.domain(other).CreateWithFiles([], 0)
    assert daemon.domain(other).GetState(0)[0] == RUNNING


def test_restore_and_job_stats_not_supported(daemon, tmp_path):
    # the test driver writes save files but does not read them back, and
    # keeps no jobs: both answer as any member it lacks
    msg = expect_error(daemon.connect().DomainRestore, str(tmp_path / 'x.img'), '', dbus.UInt32(0))
    assert msg == 'not supported by this driver: DomainRestore'
    msg = expect_error(daemon.domain(TEST_DOMAIN).GetJobStats, dbus.UInt32(0))
    assert msg == 'not supported by this driver: GetJobStats'
