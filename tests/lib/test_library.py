# SPDX-License-Identifier: LGPL-2.1-or-later
"""libvirtbus from Python: the typelib in the build tree, a real virtbusd
on a private bus, everything asynchronous in the GLib main loop."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from vblibtest import (BUILDDIR, TEST_DOMAIN_UUID, TEST_NETWORK_UUID, TOP, Daemon, GLib,
                      Virtbus, iterate_until, run_async, settle)


# A bound on waiting, not on speed: a QEMU call (save, restore, a dump)
# under TCG on a busy machine can take long.
CALL_TIMEOUT = 120


def domain_call(domain, name, *args):
    """domain.<name>_async(*args, None, cb) → domain.<name>_finish(result)"""
    return run_async(lambda cb: getattr(domain, name + '_async')(*args, None, cb),
                     lambda res: getattr(domain, name + '_finish')(res), CALL_TIMEOUT)


def conn_call(conn, name, *args):
    return run_async(lambda cb: getattr(conn, name + '_async')(*args, None, cb),
                     lambda res: getattr(conn, name + '_finish')(res), CALL_TIMEOUT)


def error_code(excinfo):
    e = excinfo.value
    assert e.domain == 'virtbus-error-quark', (e.domain, e.message)
    return Virtbus.Error(e.code)


def make_domain_config(name='lib-vm'):
    cfg = Virtbus.DomainConfig.new(name)
    cfg.set_virt_type('test')
    cfg.set_memory(256 * 1024)
    cfg.set_vcpus(2)
    cfg.set_title('A test machine')
    cfg.set_description('made by tests/lib')
    cfg.set_os_arch('i686')
    return cfg


def collect(obj, names):
    """Records (signal, detail nick) for each of a domain's event signals."""
    seen = []
    for name in names:
        obj.connect(name, lambda _o, *args, name=name:
                    seen.append((name, args[0].value_nick if args else None)))
    return seen


DOMAIN_EVENTS = ('defined', 'undefined', 'started', 'suspended', 'resumed', 'stopped',
                 'shutdown', 'pmsuspended', 'crashed')


# Connection and lists ------------------------------------------------------------

def test_connect_and_list(connection):
    assert connection.props.daemon_running
    assert connection.get_driver() == 'Test'
    domains = connection.get_domains()
    assert [d.props.name for d in domains] == ['test']
    test = domains[0]
    assert test.props.uuid == TEST_DOMAIN_UUID
    assert test.props.active and test.props.persistent
    assert test.props.id >= 1
    assert test.props.os_type == 'hvm'
    assert test.props.object_path == '/org/libvirt/Test/domain/_' + TEST_DOMAIN_UUID.replace('-', '_')
    assert test.get_connection() is connection
    iterate_until(lambda: test.props.state == Virtbus.DomainState.RUNNING, what='initial state')
    networks = connection.get_networks()
    assert [n.props.name for n in networks] == ['default']
    assert networks[0].props.uuid == TEST_NETWORK_UUID and networks[0].props.active
    assert connection.find_domain_by_name('test') is test
    assert connection.find_domain_by_uuid(TEST_DOMAIN_UUID.upper()) is test
    assert connection.find_network_by_name('default') is networks[0]
    assert connection.find_domain_by_name('nope') is None


def test_domains_and_networks_share_the_object_base(connection):
    test = connection.find_domain_by_name('test')
    net = connection.find_network_by_name('default')
    for obj, kind in ((test, Virtbus.Domain), (net, Virtbus.Network)):
        assert isinstance(obj, Virtbus.Object) and isinstance(obj, kind)
        base = Virtbus.Object
        # the kind's own getters and the base's read the same fields
        for field in ('connection', 'object_path', 'name', 'uuid', 'active', 'persistent',
                      'autostart'):
            own = getattr(kind, 'get_' + field)(obj)
            assert own == getattr(base, 'get_' + field)(obj), field
            assert own == obj.get_property(field.replace('_', '-')), field
    assert test.get_uuid() == TEST_DOMAIN_UUID and net.get_uuid() == TEST_NETWORK_UUID
    assert test.get_object_path() != net.get_object_path()
    # a property the base keeps notifies on the subclass instance
    seen = []
    net.connect('notify::autostart', lambda n, p: seen.append(n.get_autostart()))
    before = net.get_autostart()
    run_async(lambda cb: net.set_autostart_async(not before, None, cb), net.set_autostart_finish)
    iterate_until(lambda: seen, what='autostart notify')
    assert seen == [not before] and Virtbus.Object.get_autostart(net) == (not before)


def test_sync_connection_and_lookups(private_bus, daemon):
    conn = Virtbus.Connection.new_for_address_sync(private_bus.address, 'Test', None)
    test = conn.lookup_domain_by_name_sync('test', None)
    assert test is conn.find_domain_by_name('test')
    assert conn.lookup_domain_by_uuid_sync(TEST_DOMAIN_UUID, None) is test
    net = conn.lookup_network_by_uuid_sync(TEST_NETWORK_UUID, None)
    assert net.props.name == 'default'
    assert conn.lookup_network_by_name_sync('default', None) is net
    caps = conn.get_capabilities_sync(None)
    assert ET.fromstring(caps).tag == 'capabilities'


def test_unknown_driver_is_an_error(private_bus, daemon):
    with pytest.raises(GLib.Error) as excinfo:
        Virtbus.Connection.new_for_address_sync(private_bus.address, 'Nope', None)
    assert error_code(excinfo) == Virtbus.Error.NOT_FOUND
    assert "no driver 'Nope'" in excinfo.value.message


# Define from a typed config, lifecycle with signals and notify -------------------

def test_define_start_stop_with_signals(connection):
    added = []
    connection.connect('domain-added', lambda c, d: added.append(d))
    cfg = make_domain_config()
    domain = conn_call(connection, 'define_domain_config', cfg)
    assert domain.props.name == 'lib-vm'
    assert domain.props.uuid == cfg.get_uuid()
    assert domain.props.persistent and not domain.props.active
    iterate_until(lambda: added, what='domain-added')
    assert added == [domain]
    assert connection.find_domain_by_name('lib-vm') is domain

    seen = collect(domain, DOMAIN_EVENTS)
    destroyed = []
    domain.connect('stopped::destroyed', lambda d, detail: destroyed.append(detail))
    active = []
    domain.connect('notify::active', lambda d, p: active.append(d.props.active))
    ids = []
    domain.connect('notify::id', lambda d, p: ids.append(d.props.id))

    domain_call(domain, 'start', Virtbus.DomainStartFlags.NONE)
    iterate_until(lambda: ('started', 'booted') in seen, what='started::booted')
    assert active == [True] and domain.props.active
    assert ids and ids[-1] > 0

    assert domain.props.state == Virtbus.DomainState.RUNNING
    domain_call(domain, 'suspend')
    iterate_until(lambda: ('suspended', 'paused') in seen, what='suspended::paused')
    state, reason = domain_call(domain, 'get_state')
    assert state == Virtbus.DomainState.PAUSED
    assert domain.props.state == Virtbus.DomainState.PAUSED

    domain_call(domain, 'resume')
    iterate_until(lambda: ('resumed', 'unpaused') in seen, what='resumed::unpaused')

    domain_call(domain, 'shutdown', Virtbus.DomainShutdownFlags.DEFAULT)
    iterate_until(lambda: ('stopped', 'shutdown') in seen, what='stopped::shutdown')
    assert destroyed == [], 'stopped::destroyed must not fire for a shutdown'
    assert active == [True, False] and domain.props.id == -1

    domain_call(domain, 'start', Virtbus.DomainStartFlags.NONE)
    domain_call(domain, 'destroy', Virtbus.DomainDestroyFlags.DEFAULT)
    iterate_until(lambda: destroyed, what='stopped::destroyed')
    assert destroyed == [Virtbus.DomainStoppedDetail.DESTROYED]
    state, reason = domain.get_state_sync(None)
    assert state == Virtbus.DomainState.SHUTOFF and reason == 2   # VIR_DOMAIN_SHUTOFF_DESTROYED
    assert domain.props.state == Virtbus.DomainState.SHUTOFF

    removed = []
    connection.connect('domain-removed', lambda c, d: removed.append(d))
    domain_call(domain, 'undefine', Virtbus.DomainUndefineFlags.NONE)
    iterate_until(lambda: removed and ('undefined', 'removed') in seen, what='undefine signals')
    assert removed == [domain]
    assert connection.find_domain_by_name('lib-vm') is None
    assert [s for s, _ in seen] == ['started', 'suspended', 'resumed', 'stopped', 'started',
                                    'stopped', 'undefined']


def test_defined_signal_detail(connection):
    got = []

    def on_added(conn, domain):
        domain.connect('defined', lambda d, detail: got.append(detail))
    connection.connect('domain-added', on_added)
    cfg = make_domain_config('lib-defined')
    domain = conn_call(connection, 'define_domain_config', cfg)
    iterate_until(lambda: got, what='defined::added')
    assert got == [Virtbus.DomainDefinedDetail.ADDED]
    updated = []
    domain.connect('defined::updated', lambda d, detail: updated.append(detail))
    cfg.set_vcpus(3)
    again = conn_call(connection, 'define_domain', cfg.to_xml())
    assert again is domain
    iterate_until(lambda: updated, what='defined::updated')


def test_sync_define_then_signals(connection):
    """A sync call does not run the caller's main loop, so the new object
    is built from its properties; InterfacesAdded arriving later must not
    announce it twice, and its notifications must flow."""
    added = []
    connection.connect('domain-added', lambda c, d: added.append(d))
    domain = connection.define_domain_config_sync(make_domain_config('lib-sync'), None)
    assert added == [domain]
    assert domain.props.name == 'lib-sync' and domain.props.persistent
    settle()
    assert added == [domain]
    iterate_until(lambda: domain.props.state == Virtbus.DomainState.SHUTOFF, what='state fetched')
    active = []
    domain.connect('notify::active', lambda d, p: active.append(d.props.active))
    seen = collect(domain, DOMAIN_EVENTS)
    domain.start_sync(Virtbus.DomainStartFlags.NONE, None)
    iterate_until(lambda: active == [True] and ('started', 'booted') in seen,
                  what='notify and started after a sync define')


def test_transient_domain(connection):
    cfg = make_domain_config('lib-transient')
    removed = []
    connection.connect('domain-removed', lambda c, d: removed.append(d.props.name))
    domain = conn_call(connection, 'create_domain', cfg.to_xml(), Virtbus.DomainStartFlags.NONE)
    assert domain.props.active and not domain.props.persistent
    stopped = []
    domain.connect('stopped', lambda d, detail: stopped.append(detail.value_nick))
    domain.destroy_sync(0, None)
    iterate_until(lambda: removed and stopped, what='transient removal')
    assert removed == ['lib-transient'] and stopped == ['destroyed']


def test_domain_settings(connection):
    domain = connection.find_domain_by_name('test')
    autostart = []
    domain.connect('notify::autostart', lambda d, p: autostart.append(d.props.autostart))
    domain_call(domain, 'set_autostart', True)
    iterate_until(lambda: autostart == [True], what='notify::autostart')

    domain_call(domain, 'set_vcpus', 1, Virtbus.DomainAffectFlags.LIVE)
    domain_call(domain, 'set_memory', 1024 * 1024, Virtbus.DomainAffectFlags.LIVE)
    xml = domain_call(domain, 'get_xml_desc', Virtbus.DomainXMLFlags.NONE)
    cfg = Virtbus.DomainConfig.new_from_xml(xml)
    assert cfg.get_name() == 'test' and cfg.get_uuid() == TEST_DOMAIN_UUID
    assert cfg.get_vcpus() >= 1

    domain_call(domain, 'set_metadata', Virtbus.DomainMetadataType.TITLE, 'Hello', None, None,
                Virtbus.DomainAffectFlags.LIVE)
    assert domain_call(domain, 'get_metadata', Virtbus.DomainMetadataType.TITLE, None,
                       Virtbus.DomainAffectFlags.LIVE) == 'Hello'
    domain_call(domain, 'set_metadata', Virtbus.DomainMetadataType.ELEMENT,
                '<app>1</app>', 'app', 'http://example.org/app', Virtbus.DomainAffectFlags.LIVE)
    element = domain.get_metadata_sync(Virtbus.DomainMetadataType.ELEMENT,
                                       'http://example.org/app', Virtbus.DomainAffectFlags.LIVE,
                                       None)
    assert '<app>1</app>' in element.replace('"', "'") or 'app' in element

    seen = collect(domain, DOMAIN_EVENTS)
    domain_call(domain, 'reboot', Virtbus.DomainShutdownFlags.DEFAULT)
    domain_call(domain, 'reset')
    domain_call(domain, 'managed_save', Virtbus.DomainSaveFlags.NONE)
    iterate_until(lambda: ('stopped', 'saved') in seen, what='stopped::saved')
    domain_call(domain, 'managed_save_remove')
    domain_call(domain, 'start', Virtbus.DomainStartFlags.NONE)
    iterate_until(lambda: ('started', 'booted') in seen, what='started again')


# Errors --------------------------------------------------------------------------

def test_typed_errors(connection):
    test = connection.find_domain_by_name('test')
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'start', 0)
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'resume')
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
    with pytest.raises(GLib.Error) as excinfo:
        conn_call(connection, 'lookup_domain_by_name', 'no-such-vm')
    assert error_code(excinfo) == Virtbus.Error.NOT_FOUND
    assert 'no-such-vm' in excinfo.value.message
    assert not excinfo.value.message.startswith('GDBus.Error')
    with pytest.raises(GLib.Error) as excinfo:
        conn_call(connection, 'define_domain', '<domain type="test"><name>x</name')
    assert error_code(excinfo) == Virtbus.Error.INVALID_XML
    with pytest.raises(GLib.Error) as excinfo:
        conn_call(connection, 'define_domain', "<domain type='test'><name>a/b</name>"
                  "<memory>1024</memory><os><type>hvm</type></os></domain>")
    assert error_code(excinfo) == Virtbus.Error.INVALID_CONFIG
    other = make_domain_config('test')   # name taken, different UUID
    with pytest.raises(GLib.Error) as excinfo:
        conn_call(connection, 'define_domain_config', other)
    assert error_code(excinfo) == Virtbus.Error.EXISTS
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'set_vcpus', 0, Virtbus.DomainAffectFlags.LIVE)
    assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'get_metadata', Virtbus.DomainMetadataType.ELEMENT,
                    'http://example.org/none', 0)
    assert error_code(excinfo) == Virtbus.Error.NOT_FOUND
    net = connection.find_network_by_name('default')
    with pytest.raises(GLib.Error) as excinfo:
        run_async(lambda cb: net.get_dhcp_leases_async(None, None, cb), net.get_dhcp_leases_finish)
    assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED
    # sync wrappers raise the same
    with pytest.raises(GLib.Error) as excinfo:
        test.suspend_sync(None)
        test.suspend_sync(None)
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE


def test_config_errors_are_local():
    with pytest.raises(GLib.Error) as excinfo:
        Virtbus.DomainConfig.new_from_xml('<domain>')
    assert error_code(excinfo) == Virtbus.Error.INVALID_XML
    with pytest.raises(GLib.Error) as excinfo:
        Virtbus.NetworkConfig.new_from_xml('<network><name>n</name><forward mode="bogus"/></network>')
    assert error_code(excinfo) == Virtbus.Error.INVALID_CONFIG
    cfg = Virtbus.DomainConfig.new('ok')
    with pytest.raises(GLib.Error) as excinfo:
        cfg.set_name('a/b')
    assert error_code(excinfo) == Virtbus.Error.INVALID_CONFIG
    with pytest.raises(GLib.Error) as excinfo:
        cfg.set_uuid('not-a-uuid')
    assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT
    with pytest.raises(GLib.Error) as excinfo:
        cfg.set_title('two\nlines')
    assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT


# Networks ------------------------------------------------------------------------

def build_network():
    cfg = Virtbus.NetworkConfig.new('lib-ovs')
    cfg.set_forward_mode(Virtbus.NetworkForwardMode.BRIDGE)
    cfg.set_bridge('ovsbr0')
    vp = Virtbus.VirtualPort.new(Virtbus.VirtualPortType.OPENVSWITCH)
    cfg.set_virtual_port(vp)
    gold = Virtbus.NetworkPortgroup.new('gold')
    gold.set_default(True)
    gvp = Virtbus.VirtualPort.new(Virtbus.VirtualPortType.OPENVSWITCH)
    gvp.set_parameter('profileid', 'gold-profile')
    gold.set_virtual_port(gvp)
    cfg.add_portgroup(gold)
    cfg.add_portgroup(Virtbus.NetworkPortgroup.new('silver'))
    return cfg


def test_network_config_without_xml():
    cfg = build_network()
    xml = cfg.to_xml()
    root = ET.fromstring(xml)
    assert root.find('forward').get('mode') == 'bridge'
    assert root.find('bridge').get('name') == 'ovsbr0'
    assert root.find('virtualport').get('type') == 'openvswitch'
    pgs = root.findall('portgroup')
    assert [p.get('name') for p in pgs] == ['gold', 'silver']
    assert pgs[0].get('default') == 'yes'
    assert pgs[0].find('virtualport/parameters').get('profileid') == 'gold-profile'
    cfg.validate()

    back = Virtbus.NetworkConfig.new_from_xml(xml)
    assert back.get_name() == 'lib-ovs' and back.get_uuid() == cfg.get_uuid()
    assert back.get_forward_mode() == Virtbus.NetworkForwardMode.BRIDGE
    pgs = back.get_portgroups()
    assert [(p.get_name(), p.get_default()) for p in pgs] == [('gold', True), ('silver', False)]
    assert pgs[0].get_virtual_port().get_parameter('profileid') == 'gold-profile'
    assert pgs[0].get_virtual_port().get_port_type() == Virtbus.VirtualPortType.OPENVSWITCH

    with pytest.raises(GLib.Error) as excinfo:
        back.add_portgroup(Virtbus.NetworkPortgroup.new('gold'))
    assert error_code(excinfo) == Virtbus.Error.EXISTS
    second_default = Virtbus.NetworkPortgroup.new('bronze')
    second_default.set_default(True)
    with pytest.raises(GLib.Error) as excinfo:
        back.add_portgroup(second_default)
    assert error_code(excinfo) == Virtbus.Error.INVALID_CONFIG
    back.remove_portgroup('silver')
    assert [p.get_name() for p in back.get_portgroups()] == ['gold']
    with pytest.raises(GLib.Error) as excinfo:
        back.remove_portgroup('silver')
    assert error_code(excinfo) == Virtbus.Error.NOT_FOUND

    # the forward device pool of a macvtap bridge network
    pool = Virtbus.NetworkConfig.new('lib-pool')
    with pytest.raises(GLib.Error):
        pool.add_forward_device('eth1')   # isolated networks take no pool
    pool.set_forward_mode(Virtbus.NetworkForwardMode.BRIDGE)
    pool.add_forward_device('eth1')
    pool.add_forward_device('eth2')
    assert pool.get_forward_devices() == ['eth1', 'eth2']
    with pytest.raises(GLib.Error) as excinfo:
        pool.add_forward_device('eth1')
    assert error_code(excinfo) == Virtbus.Error.EXISTS
    pool.remove_forward_device('eth1')
    assert pool.get_forward_devices() == ['eth2']
    pool.validate()

    vp = Virtbus.VirtualPort.new(Virtbus.VirtualPortType.IEEE_8021QBG)
    vp.set_parameter('managerid', '11')
    assert vp.get_parameter('managerid') == '11'
    with pytest.raises(GLib.Error) as excinfo:
        vp.set_parameter('managerid', '300')
    assert error_code(excinfo) == Virtbus.Error.INVALID_CONFIG
    with pytest.raises(GLib.Error) as excinfo:
        vp.set_parameter('profileid', 'x')     # not an 802.1Qbg parameter
    assert error_code(excinfo) == Virtbus.Error.INVALID_CONFIG


def test_network_lifecycle(connection):
    added = []
    connection.connect('network-added', lambda c, n: added.append(n))
    cfg = build_network()
    net = conn_call(connection, 'define_network_config', cfg)
    assert net.props.name == 'lib-ovs' and net.props.persistent and not net.props.active
    iterate_until(lambda: added == [net], what='network-added')
    seen = collect(net, ('defined', 'undefined', 'started', 'stopped'))
    active = []
    net.connect('notify::active', lambda n, p: active.append(n.props.active))

    run_async(lambda cb: net.start_async(None, cb), net.start_finish)
    iterate_until(lambda: ('started', None) in seen, what='network started')
    assert active == [True]
    xml = run_async(lambda cb: net.get_xml_desc_async(Virtbus.NetworkXMLFlags.INACTIVE, None, cb),
                    net.get_xml_desc_finish)
    live = Virtbus.NetworkConfig.new_from_xml(xml)
    assert [p.get_name() for p in live.get_portgroups()] == ['gold', 'silver']

    net.update_sync(Virtbus.NetworkUpdateCommand.ADD_LAST, Virtbus.NetworkSection.PORTGROUP, -1,
                    "<portgroup name='bronze'/>", Virtbus.NetworkUpdateFlags.CONFIG, None)
    xml = net.get_xml_desc_sync(Virtbus.NetworkXMLFlags.INACTIVE, None)
    assert "portgroup name='bronze'" in xml

    autostart = []
    net.connect('notify::autostart', lambda n, p: autostart.append(n.props.autostart))
    net.set_autostart_sync(True, None)
    iterate_until(lambda: autostart == [True], what='network notify::autostart')

    run_async(lambda cb: net.destroy_async(None, cb), net.destroy_finish)
    iterate_until(lambda: ('stopped', None) in seen, what='network stopped')
    removed = []
    connection.connect('network-removed', lambda c, n: removed.append(n))
    net.undefine_sync(None)
    iterate_until(lambda: removed == [net] and ('undefined', None) in seen,
                  what='network undefined')
    assert [s for s, _ in seen] == ['started', 'stopped', 'undefined']


# Daemon restart ------------------------------------------------------------------

def test_daemon_restart(private_bus, daemon, connection, request):
    test = connection.find_domain_by_name('test')
    default_net = connection.find_network_by_name('default')
    transient = conn_call(connection, 'create_domain', make_domain_config('lib-gone').to_xml(), 0)
    running = []
    connection.connect('notify::daemon-running',
                       lambda c, p: running.append(c.props.daemon_running))
    removed = []
    connection.connect('domain-removed', lambda c, d: removed.append(d.props.name))
    added = []
    connection.connect('domain-added', lambda c, d: added.append(d.props.name))

    daemon.kill()
    iterate_until(lambda: running == [False], what='daemon-running = FALSE')
    # the cache keeps what the UI shows while the daemon is away
    assert connection.find_domain_by_name('test') is test
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'suspend')
    assert error_code(excinfo) == Virtbus.Error.NOT_CONNECTED

    second = Daemon(private_bus, state_dir=daemon.state_dir)
    request.addfinalizer(second.stop)
    iterate_until(lambda: running == [False, True], what='daemon-running = TRUE')
    # same objects for what came back, removal for what did not
    assert connection.find_domain_by_name('test') is test
    assert connection.find_network_by_name('default') is default_net
    assert removed == ['lib-gone'] and added == []
    assert connection.find_domain_by_name('lib-gone') is None
    assert transient.props.name == 'lib-gone'

    # signals flow from the new instance
    seen = collect(test, DOMAIN_EVENTS)
    active = []
    test.connect('notify::active', lambda d, p: active.append(d.props.active))
    domain_call(test, 'destroy', 0)
    iterate_until(lambda: ('stopped', 'destroyed') in seen, what='stopped after restart')
    assert active == [False]
    assert test.props.state == Virtbus.DomainState.SHUTOFF
    fresh = conn_call(connection, 'define_domain_config', make_domain_config('lib-after'))
    iterate_until(lambda: added == ['lib-after'], what='domain-added after restart')
    assert connection.find_domain_by_name('lib-after') is fresh


# Displays ---------------------------------------------------------------------------

def test_open_graphics_fd_not_supported_by_test_driver(connection):
    test = connection.find_domain_by_name('test')
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'open_graphics_fd', 0, Virtbus.DomainOpenGraphicsFlags.NONE)
    assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED
    assert 'OpenGraphicsFD' in excinfo.value.message
    with pytest.raises(GLib.Error) as excinfo:
        test.open_graphics_fd_sync(0, Virtbus.DomainOpenGraphicsFlags.SKIPAUTH, None)
    assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED


def kill_qemus_under(state_dir):
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as f:
                cmdline = f.read().decode(errors='replace')
        except OSError:
            continue
        if 'qemu-system' in cmdline and state_dir in cmdline:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except ProcessLookupError:
                pass


@pytest.mark.skipif(shutil.which('qemu-system-x86_64') is None, reason='qemu-system-x86_64 is not installed')
def test_open_graphics_fd_of_a_qemu_guest(private_bus, daemon, request):
    request.addfinalizer(lambda: kill_qemus_under(daemon.state_dir))
    conn = run_async(
        lambda cb: Virtbus.Connection.new_for_address_async(private_bus.address, 'QEMU', None, cb),
        Virtbus.Connection.new_for_address_finish)
    xml = ("<domain type='qemu'><name>lib-vnc</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
           "<os><type arch='x86_64' machine='pc'>hvm</type></os><devices>"
           "<graphics type='vnc' autoport='yes'/><memballoon model='none'/></devices></domain>")
    dom = conn_call(conn, 'define_domain', xml)
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(dom, 'open_graphics_fd', 0, Virtbus.DomainOpenGraphicsFlags.NONE)
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
    domain_call(dom, 'start', 0)
    try:
        fd = domain_call(dom, 'open_graphics_fd', 0, Virtbus.DomainOpenGraphicsFlags.SKIPAUTH)
        with socket.socket(fileno=fd) as sock:
            sock.settimeout(60)
            assert sock.recv(6) == b'RFB 00'
        fd = dom.open_graphics_fd_sync(0, Virtbus.DomainOpenGraphicsFlags.NONE, None)
        with socket.socket(fileno=fd) as sock:
            sock.settimeout(60)
            assert sock.recv(6) == b'RFB 00'
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(dom, 'open_graphics_fd', 3, Virtbus.DomainOpenGraphicsFlags.NONE)
        assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT
    finally:
        domain_call(dom, 'destroy', 0)


# Calls only the QEMU driver answers -------------------------------------------------
# (the test driver says "not supported" to them)

requires_qemu = pytest.mark.skipif(shutil.which('qemu-system-x86_64') is None,
                                   reason='qemu-system-x86_64 is not installed')

MODIFY = Virtbus.DomainDeviceModifyFlags
KEY_LEFTSHIFT, KEY_A = 42, 30
GUEST_MAC = '52:54:00:6c:69:62'


@pytest.fixture
def qemu(private_bus, daemon, request):
    """A connection to the QEMU root of the test's daemon; its qemus die with the test."""
    request.addfinalizer(lambda: kill_qemus_under(daemon.state_dir))
    conn = run_async(
        lambda cb: Virtbus.Connection.new_for_address_async(private_bus.address, 'QEMU', None, cb),
        Virtbus.Connection.new_for_address_finish)
    yield conn
    settle(0.05)


def bare_xml(name, devices=''):
    """No kernel, no disk: the firmware idles, which is all these calls need."""
    return (f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
            "<os><type arch='x86_64' machine='pc'>hvm</type></os><features><acpi/></features>"
            f"<devices>{devices}<memballoon model='none'/></devices></domain>")


def cdrom_xml(source=None):
    src = f"<source file='{source}'/>" if source else ''
    return (f"<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>{src}"
            "<target dev='hdc' bus='ide'/><readonly/></disk>")


def media_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(name.encode().ljust(64 * 1024, b'\0'))
    return str(path)


def device_xml(domain, flags, xpath):
    root = ET.fromstring(domain.get_xml_desc_sync(flags, None))
    return root.find(xpath)


def cdrom_source(domain, flags):
    src = device_xml(domain, flags, "devices/disk[@device='cdrom']/source")
    return None if src is None else src.get('file')


def start_bare(conn, name, devices=''):
    domain = conn_call(conn, 'define_domain', bare_xml(name, devices))
    domain_call(domain, 'start', Virtbus.DomainStartFlags.NONE)
    iterate_until(lambda: domain.props.state == Virtbus.DomainState.RUNNING, what='running')
    return domain


@requires_qemu
def test_qemu_device_update_attach_detach(qemu, tmp_path):
    first, second = media_file(tmp_path, 'first.iso'), media_file(tmp_path, 'second.iso')
    domain = start_bare(qemu, 'lib-devices', cdrom_xml(first))
    try:
        # a media change in the running guest only
        domain_call(domain, 'update_device', cdrom_xml(second), MODIFY.LIVE)
        assert cdrom_source(domain, Virtbus.DomainXMLFlags.NONE) == second
        assert cdrom_source(domain, Virtbus.DomainXMLFlags.INACTIVE) == first
        # eject, in both copies, through the blocking form
        assert domain.update_device_sync(cdrom_xml(), MODIFY.LIVE | MODIFY.CONFIG, None)
        assert cdrom_source(domain, Virtbus.DomainXMLFlags.NONE) is None
        assert cdrom_source(domain, Virtbus.DomainXMLFlags.INACTIVE) is None
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'update_device', cdrom_xml(str(tmp_path / 'missing.iso')),
                        MODIFY.LIVE)
        assert excinfo.value.domain == 'virtbus-error-quark'
        assert 'missing.iso' in excinfo.value.message
        assert cdrom_source(domain, Virtbus.DomainXMLFlags.NONE) is None

        image = tmp_path / 'extra.img'
        with open(image, 'wb') as f:
            f.truncate(8 << 20)
        disk = (f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                f"<source file='{image}'/><target dev='vdb' bus='virtio'/></disk>")
        vdb = "devices/disk/target[@dev='vdb']"
        domain_call(domain, 'attach_device', disk, MODIFY.LIVE | MODIFY.CONFIG)
        assert device_xml(domain, Virtbus.DomainXMLFlags.NONE, vdb) is not None
        assert device_xml(domain, Virtbus.DomainXMLFlags.INACTIVE, vdb) is not None
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'attach_device', disk, MODIFY.LIVE)
        assert error_code(excinfo) == Virtbus.Error.EXISTS
        # out of the definition only: the idle firmware would never release
        # a PCI device, so the live copy keeps it
        assert domain.detach_device_sync(disk, MODIFY.CONFIG, None)
        assert device_xml(domain, Virtbus.DomainXMLFlags.INACTIVE, vdb) is None
        assert device_xml(domain, Virtbus.DomainXMLFlags.NONE, vdb) is not None
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'detach_device', '<disk', MODIFY.CONFIG)
        assert error_code(excinfo) == Virtbus.Error.INVALID_XML
    finally:
        domain_call(domain, 'destroy', 0)


@requires_qemu
def test_qemu_send_key_inject_nmi_and_wakeup(qemu):
    domain = conn_call(qemu, 'define_domain', bare_xml('lib-input'))
    keys = [KEY_LEFTSHIFT, KEY_A]
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(domain, 'send_key', Virtbus.KeycodeSet.LINUX, 0, keys)
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
    with pytest.raises(GLib.Error) as excinfo:
        domain.inject_nmi_sync(None)
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE

    domain_call(domain, 'start', 0)
    try:
        domain_call(domain, 'send_key', Virtbus.KeycodeSet.LINUX, 50, keys)
        # the same keys as QEMU's numbers (PC scancodes), blocking
        assert domain.send_key_sync(Virtbus.KeycodeSet.QNUM, 0, [0x2a, 0x1e], None)
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'send_key', Virtbus.KeycodeSet.LINUX, 0, [KEY_A] * 17)
        assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT
        with pytest.raises(GLib.Error) as excinfo:
            domain.send_key_sync(Virtbus.KeycodeSet.LINUX, 0, [], None)
        assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT

        domain_call(domain, 'inject_nmi')
        assert domain.inject_nmi_sync(None)

        # a guest that does not sleep cannot be woken
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'wakeup')
        assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
        with pytest.raises(GLib.Error) as excinfo:
            domain.wakeup_sync(None)
        assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
        state, _ = domain.get_state_sync(None)
        assert state == Virtbus.DomainState.RUNNING
    finally:
        domain_call(domain, 'destroy', 0)


@requires_qemu
def test_qemu_save_and_restore(qemu, tmp_path):
    domain = start_bare(qemu, 'lib-save')
    uuid = domain.props.uuid
    seen = collect(domain, DOMAIN_EVENTS)
    image = str(tmp_path / 'lib-save.state')
    domain_call(domain, 'save', image, None, Virtbus.DomainSaveFlags.NONE)
    iterate_until(lambda: ('stopped', 'saved') in seen, 60, 'stopped::saved')
    assert not domain.props.active and os.path.getsize(image) > 0
    assert domain.props.state == Virtbus.DomainState.SHUTOFF

    conn_call(qemu, 'restore_domain', image, None, Virtbus.DomainSaveFlags.NONE)
    iterate_until(lambda: ('started', 'restored') in seen, 60, 'started::restored')
    # the same object, running again
    assert qemu.find_domain_by_uuid(uuid) is domain
    assert domain.props.active and domain.props.name == 'lib-save'
    state, _ = domain.get_state_sync(None)
    assert state == Virtbus.DomainState.RUNNING
    try:
        with pytest.raises(GLib.Error) as excinfo:
            qemu.restore_domain_sync(image, None, Virtbus.DomainSaveFlags.NONE, None)
        assert error_code(excinfo) == Virtbus.Error.INVALID_STATE

        # saved paused, restored as the file says
        assert domain.save_sync(image, None, Virtbus.DomainSaveFlags.PAUSED, None)
        assert qemu.restore_domain_sync(image, None, Virtbus.DomainSaveFlags.NONE, None)
        state, _ = domain.get_state_sync(None)
        assert state == Virtbus.DomainState.PAUSED
    finally:
        domain_call(domain, 'destroy', 0)
    with pytest.raises(GLib.Error) as excinfo:
        conn_call(qemu, 'restore_domain', str(tmp_path / 'missing.state'), None, 0)
    assert excinfo.value.domain == 'virtbus-error-quark'


@requires_qemu
def test_qemu_rename_inactive_domain(qemu):
    domain = conn_call(qemu, 'define_domain', bare_xml('lib-old-name'))
    names = []
    domain.connect('notify::name', lambda d, p: names.append(d.props.name))
    domain_call(domain, 'rename', 'lib-new-name')
    iterate_until(lambda: names == ['lib-new-name'], what='notify::name')
    assert qemu.find_domain_by_name('lib-new-name') is domain
    assert qemu.find_domain_by_name('lib-old-name') is None
    assert conn_call(qemu, 'lookup_domain_by_name', 'lib-new-name') is domain

    other = conn_call(qemu, 'define_domain', bare_xml('lib-taken'))
    with pytest.raises(GLib.Error) as excinfo:
        domain.rename_sync('lib-taken', None)
    assert error_code(excinfo) == Virtbus.Error.EXISTS
    assert domain.props.name == 'lib-new-name' and other.props.name == 'lib-taken'

    domain_call(domain, 'start', 0)
    try:
        with pytest.raises(GLib.Error) as excinfo:
            domain.rename_sync('lib-running', None)
        assert error_code(excinfo) == Virtbus.Error.INVALID_STATE
        assert domain.props.name == 'lib-new-name'
    finally:
        domain_call(domain, 'destroy', 0)


@requires_qemu
def test_qemu_interface_addresses_of_a_user_mode_nic(qemu):
    nic = (f"<interface type='user'><mac address='{GUEST_MAC}'/><model type='virtio'/>"
           "</interface>")
    domain = conn_call(qemu, 'define_domain', bare_xml('lib-addresses', nic))
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(domain, 'get_interface_addresses',
                    Virtbus.DomainInterfaceAddressesSource.LEASE)
    assert error_code(excinfo) == Virtbus.Error.INVALID_STATE

    domain_call(domain, 'start', 0)
    try:
        # qemu's own user-mode network: no lease of ours, no neighbour of the host
        assert list(domain_call(domain, 'get_interface_addresses',
                                Virtbus.DomainInterfaceAddressesSource.ARP)) == []
        assert list(domain.get_interface_addresses_sync(
            Virtbus.DomainInterfaceAddressesSource.LEASE, None)) == []
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'get_interface_addresses',
                        Virtbus.DomainInterfaceAddressesSource.AGENT)
        assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED
    finally:
        domain_call(domain, 'destroy', 0)


@requires_qemu
def test_qemu_core_dump(qemu, tmp_path):
    domain = start_bare(qemu, 'lib-dump')
    try:
        core = tmp_path / 'lib-dump.core'
        domain_call(domain, 'core_dump', str(core), Virtbus.DomainCoreDumpFormat.RAW,
                    Virtbus.DomainCoreDumpFlags.NONE)
        with open(core, 'rb') as f:
            assert f.read(4) == b'\x7fELF'
        # paused for the dump and resumed after it
        state, _ = domain.get_state_sync(None)
        assert state == Virtbus.DomainState.RUNNING

        live = tmp_path / 'lib-dump-live.core'
        assert domain.core_dump_sync(str(live), Virtbus.DomainCoreDumpFormat.RAW,
                                     Virtbus.DomainCoreDumpFlags.LIVE, None)
        with open(live, 'rb') as f:
            assert f.read(4) == b'\x7fELF'
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'core_dump', 'relative.core', Virtbus.DomainCoreDumpFormat.RAW,
                        Virtbus.DomainCoreDumpFlags.NONE)
        assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT
        with pytest.raises(GLib.Error) as excinfo:
            domain_call(domain, 'core_dump', str(core), Virtbus.DomainCoreDumpFormat.RAW,
                        Virtbus.DomainCoreDumpFlags.CRASH | Virtbus.DomainCoreDumpFlags.LIVE)
        assert error_code(excinfo) == Virtbus.Error.INVALID_ARGUMENT
    finally:
        domain_call(domain, 'destroy', 0)


def test_interface_addresses_from_the_test_driver(connection):
    """The test driver makes up an address per interface: the typed objects
    carry every field of the reply."""
    test = connection.find_domain_by_name('test')
    ifaces = domain_call(test, 'get_interface_addresses',
                         Virtbus.DomainInterfaceAddressesSource.LEASE)
    assert [(i.get_name(), i.get_hwaddr()) for i in ifaces] == [('testnet0', 'aa:bb:cc:dd:ee:ff')]
    addresses = ifaces[0].get_addresses()
    assert [(a.get_address_type(), a.get_address(), a.get_prefix()) for a in addresses] == \
        [(Virtbus.IPAddrType.IPV4, '192.168.122.3', 24)]


def test_new_calls_not_supported_by_test_driver(connection):
    test = connection.find_domain_by_name('test')
    with pytest.raises(GLib.Error) as excinfo:
        domain_call(test, 'update_device', cdrom_xml(), MODIFY.LIVE)
    assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED
    with pytest.raises(GLib.Error) as excinfo:
        test.wakeup_sync(None)
    assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED
    with pytest.raises(GLib.Error) as excinfo:
        connection.restore_domain_sync('/nonexistent/saved.state', None, 0, None)
    assert error_code(excinfo) == Virtbus.Error.NOT_SUPPORTED


# The library as a whole ------------------------------------------------------------

def gir_path():
    return os.path.join(BUILDDIR, 'Virtbus-1.0.gir')


def test_exported_symbols_match_gir():
    so = os.path.join(BUILDDIR, 'libvirtbus-1.0.so')
    out = subprocess.run(['nm', '-D', '--defined-only', so], check=True,
                         capture_output=True, text=True).stdout
    exported = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in 'TtDdBbRr':
            exported.add(parts[2].split('@')[0])
    leaked = sorted(s for s in exported if not s.startswith('virtbus_'))
    assert leaked == [], f'symbols outside the public prefix: {leaked[:20]}'

    gir = open(gir_path()).read()
    in_gir = set(re.findall(r'c:identifier="(virtbus_[a-z0-9_]+)"', gir))
    in_gir |= set(re.findall(r'glib:get-type="(virtbus_[a-z0-9_]+)"', gir))
    assert sorted(exported - in_gir) == [], 'exported but not introspectable'
    assert sorted(in_gir - exported) == [], 'in the GIR but not exported'


def test_every_public_symbol_has_a_since_version():
    core = '{http://www.gtk.org/introspection/core/1.0}'
    glib = '{http://www.gtk.org/introspection/glib/1.0}'
    kinds = {core + k for k in ('class', 'record', 'enumeration', 'bitfield', 'function',
                                'method', 'constructor', 'property', 'constant', 'callback',
                                'interface')} | {glib + 'signal'}
    unversioned = []
    for el in ET.parse(gir_path()).iter():
        if el.tag not in kinds or el.get('introspectable') == '0':
            continue
        if el.get(glib + 'is-gtype-struct-for'):
            continue
        if el.get('version') is None:
            unversioned.append(el.get('name'))
    assert unversioned == [], f'no Since: tag: {unversioned[:20]}'


def test_example_lists_domains(private_bus, daemon):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, os.path.join(TOP, 'gobject', 'examples', 'list-domains.py'),
                          '--address', private_bus.address, '--driver', 'Test'],
                         env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert re.search(r'^test\s+' + TEST_DOMAIN_UUID + r'\s+running$', out.stdout, re.M), out.stdout
    assert 'network default' in out.stdout
