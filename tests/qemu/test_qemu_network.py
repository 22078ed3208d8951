# SPDX-License-Identifier: LGPL-2.1-or-later
"""Virtual networks on /org/libvirt/QEMU and guests plugged into them.

Every test runs virtbusd inside a network namespace of its own, created
here with `ip netns add` (the daemon itself never runs `ip`), so bridges,
veths, macvtaps, nft tables and sysctls never touch the host.  Needs root
(namespaces, bridges); skipped otherwise.

- a NAT network with DHCP: the tiny guest (booted with virtbus.dhcp) gets
  a lease visible in GetDHCPLeases, the masquerade rule exists, hot-unplug
  and hot-plug move its port, and stopping the network removes bridge,
  dnsmasq and rules;
- vepa and passthrough networks over a pool of veth devices, with bare
  guests held at -S: least-used device, portgroup virtualport in the live
  XML, exclusive passthrough refused with no qemu left, a stopped guest
  gives its device back;
- kill -9 of the daemon, restart: the ports are counted again;
- type bridge and direct NICs, a start that fails after qemu ran, and
  the network calls and NetworkEvent on the QEMU root.
"""
import os
import shutil
import subprocess
import tempfile
import time
import uuid

import dbus
import pytest

from qemutest import (QEMU_ROOT, QemuEnv, SignalRecorder, bare_domain, expect_error, guest_domain, guest_files,
                      kill_qemu, qemu_pids, requires_qemu, wait_for)

IP = shutil.which('ip')
NFT = shutil.which('nft')
DNSMASQ = shutil.which('dnsmasq') or ('/usr/sbin/dnsmasq' if os.path.exists('/usr/sbin/dnsmasq') else None)

pytestmark = [
    requires_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root: network namespaces, bridges, macvtaps'),
    pytest.mark.skipif(IP is None, reason='iproute2 (ip) is needed to create the test namespace'),
]

START_PAUSED = 1  # VIR_DOMAIN_START_PAUSED


class Netns:
    """A network namespace for one test; everything in it goes with it."""

    def __init__(self):
        self.name = 'vbqn-' + uuid.uuid4().hex[:8]
        subprocess.run([IP, 'netns', 'add', self.name], check=True)
        self.run('ip', 'link', 'set', 'lo', 'up')

    def run(self, *argv, check=True):
        return subprocess.run([IP, 'netns', 'exec', self.name, *argv], check=check,
                              capture_output=True, text=True)

    def link_exists(self, name):
        return self.run('ip', 'link', 'show', 'dev', name, check=False).returncode == 0

    def links(self):
        return self.run('ip', '-o', 'link', 'show').stdout

    def veth(self, a, b):
        self.run('ip', 'link', 'add', a, 'type', 'veth', 'peer', 'name', b)
        self.run('ip', 'link', 'set', a, 'up')
        self.run('ip', 'link', 'set', b, 'up')

    def close(self):
        subprocess.run([IP, 'netns', 'delete', self.name], check=False)


class NetnsEnv(QemuEnv):
    """QemuEnv whose daemons run inside @netns."""

    def __init__(self, bus_address, netns):
        super().__init__(bus_address)
        self.netns = netns
        self.wrapper_dir = tempfile.mkdtemp(prefix='vbqn-bin-')

    def start(self):
        # the harness runs VIRTBUSD; a wrapper puts it into the namespace
        # (ip netns exec execs it: the pid stays the daemon's)
        real = os.path.abspath(os.environ.get('VIRTBUSD') or
                               os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
                                   os.path.abspath(__file__)))), 'build', 'service', 'virtbusd'))
        wrapper = os.path.join(self.wrapper_dir, 'virtbusd')
        with open(wrapper, 'w') as f:
            f.write(f'#!/bin/sh\nexec {IP} netns exec {self.netns.name} {real} "$@"\n')
        os.chmod(wrapper, 0o755)
        saved = os.environ.get('VIRTBUSD')
        os.environ['VIRTBUSD'] = wrapper
        try:
            return super().start()
        finally:
            if saved is None:
                del os.environ['VIRTBUSD']
            else:
                os.environ['VIRTBUSD'] = saved

    def cleanup(self):
        super().cleanup()
        for pid in dnsmasq_pids(self.state_dir):
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.wrapper_dir, ignore_errors=True)


def dnsmasq_pids(marker):
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as f:
                cmdline = f.read().decode(errors='replace')
        except OSError:
            continue
        if 'dnsmasq' in cmdline and marker in cmdline:
            pids.append(int(entry))
    return pids


@pytest.fixture
def netenv(private_bus, request):
    ns = Netns()
    e = NetnsEnv(private_bus.address, ns)
    try:
        e.start()
        yield e
        d = e.daemon
        rep = getattr(request.node, 'rep_call', None)
        if d.proc.poll() is None:
            d.stop()
            assert d.proc.returncode == 0, f'virtbusd exited with {d.proc.returncode}:\n{d.output()}'
        if rep is not None and rep.failed:
            print('---- virtbusd output ----\n' + d.output())
    finally:
        e.cleanup()
        ns.close()


def nic(network, mac, portgroup=None):
    pg = f" portgroup='{portgroup}'" if portgroup else ''
    return (f"<interface type='network'><mac address='{mac}'/>"
            f"<source network='{network}'{pg}/><model type='virtio'/></interface>")


def start_bare(env, name, devices):
    """A transient guest held at -S (firmware never runs): enough to own
    its NICs."""
    path = env.connect().DomainCreateXML(bare_domain(name, extra_devices=devices), START_PAUSED)
    return path


def live_xml(env, path):
    return str(env.daemon.domain(path).GetXMLDesc(0))


def net_xml(env, path):
    return str(env.daemon.network(path).GetXMLDesc(0))


NAT_XML = '''<network>
  <name>nat0</name>
  <forward mode='nat'/>
  <bridge name='vbqbr0'/>
  <ip address='192.168.151.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.151.10' end='192.168.151.50'/></dhcp>
  </ip>
</network>'''


@pytest.mark.skipif(DNSMASQ is None, reason='dnsmasq is not installed')
@pytest.mark.skipif(NFT is None, reason='nft is needed to check the ruleset')
def test_nat_network_guest_gets_lease(netenv, tmp_path):
    files = guest_files()
    if files is None:
        pytest.skip('the test guest cannot be built here (tools/build-test-guest.sh)')
    kernel, initrd = files
    connect = netenv.connect()
    d = netenv.daemon

    netpath = connect.NetworkDefineXML(NAT_XML)
    assert str(netpath).startswith(QEMU_ROOT + '/network/')
    assert netpath in connect.ListNetworks(0)
    d.network(netpath).Create()
    assert netenv.netns.link_exists('vbqbr0')
    ruleset = netenv.netns.run('nft', 'list', 'ruleset').stdout
    assert 'masquerade' in ruleset, ruleset

    serial = tmp_path / 'serial.log'
    mac = '52:54:00:5b:00:01'
    xml = guest_domain('natguest', kernel, initrd, serial, options='virtbus.dhcp', devices=nic('nat0', mac))
    dompath = connect.DomainCreateXML(xml, 0)
    live = live_xml(netenv, dompath)
    assert "network='nat0'" in live and "bridge='vbqbr0'" in live, live
    assert "<target dev='vnet" in live, live
    assert 'connections=\'1\'' in net_xml(netenv, netpath)

    def leased():
        return serial.exists() and 'VIRTBUS-GUEST: dhcp 192.168.151.' in serial.read_text(errors='replace')
    try:
        wait_for(leased, 60, 'the guest to get a DHCP lease')
    except AssertionError:
        print('---- guest serial ----\n' + (serial.read_text(errors='replace') if serial.exists() else ''))
        print('---- namespace links ----\n' + netenv.netns.links())
        raise
    leases = d.network(netpath).GetDHCPLeases('', 0)
    assert any(str(lease[3]).lower() == mac and str(lease[5]).startswith('192.168.151.') for lease in leases), leases
    only = d.network(netpath).GetDHCPLeases(mac, 0)
    assert len(only) == 1

    # hot-unplug gives the port back and removes the tap
    removed = SignalRecorder(d.bus, dbus_interface='org.libvirt.Domain', signal_name='DeviceRemoved',
                             path=dompath)
    d.domain(dompath).DetachDevice(nic('nat0', mac), 1)  # AFFECT_LIVE
    removed.wait(lambda items: len(items) >= 1, timeout=15)
    assert 'vnet' not in netenv.netns.links()
    assert 'connections' not in net_xml(netenv, netpath)
    assert mac not in live_xml(netenv, dompath)

    # hot-plug: a tap made by the driver, handed to qemu over the monitor
    added = SignalRecorder(d.bus, dbus_interface='org.libvirt.Domain', signal_name='DeviceAdded', path=dompath)
    d.domain(dompath).AttachDevice(nic('nat0', '52:54:00:5b:00:03'), 1)
    added.wait(lambda items: len(items) >= 1, timeout=10)
    live = live_xml(netenv, dompath)
    assert '52:54:00:5b:00:03' in live and "<target dev='vnet" in live, live
    assert 'vnet' in netenv.netns.links()
    assert "connections='1'" in net_xml(netenv, netpath)
    # refused before anything is plugged when the network is not there
    expect_error(d.domain(dompath).AttachDevice, nic('nosuchnet', '52:54:00:5b:00:04'), 1,
                 fragment='nosuchnet')

    # a guest that goes takes its taps along
    second = connect.DomainCreateXML(bare_domain('natbare', extra_devices=nic('nat0', '52:54:00:5b:00:02')),
                                     START_PAUSED)
    assert 'vnet' in netenv.netns.links()
    for path in (dompath, second):
        d.domain(path).Destroy(0)
    wait_for(lambda: not qemu_pids(netenv.state_dir), 10, 'qemu to exit')
    assert 'vnet' not in netenv.netns.links()
    assert 'connections' not in net_xml(netenv, netpath)

    # stopping the network leaves nothing behind in the namespace
    d.network(netpath).Destroy()
    assert not netenv.netns.link_exists('vbqbr0')
    wait_for(lambda: not dnsmasq_pids(netenv.state_dir), 5, 'dnsmasq to exit')
    ruleset = netenv.netns.run('nft', 'list', 'ruleset').stdout
    assert 'virtbus' not in ruleset and 'masquerade' not in ruleset, ruleset


def test_network_must_be_active(netenv):
    connect = netenv.connect()
    connect.NetworkDefineXML(NAT_XML.replace('nat0', 'idle0').replace('vbqbr0', 'vbqbr1'))
    msg = expect_error(connect.DomainCreateXML,
                       bare_domain('noport', extra_devices=nic('idle0', '52:54:00:5b:00:09')), START_PAUSED)
    assert 'not active' in msg, msg
    expect_error(connect.DomainCreateXML,
                 bare_domain('nonet', extra_devices=nic('nosuchnet', '52:54:00:5b:00:0a')), START_PAUSED,
                 fragment='nosuchnet')
    time.sleep(0.2)
    assert not qemu_pids('guest=noport') and not qemu_pids('guest=nonet')


VEPA_XML = '''<network>
  <name>vepa0</name>
  <forward mode='vepa'><interface dev='vqa0'/><interface dev='vqa1'/></forward>
  <portgroup name='eng' default='yes'>
    <virtualport type='802.1Qbg'>
      <parameters managerid='11' typeid='1193047' typeidversion='2'/>
    </virtualport>
  </portgroup>
  <portgroup name='ops'>
    <virtualport type='802.1Qbg'>
      <parameters managerid='12' typeid='1193048' typeidversion='3'/>
    </virtualport>
  </portgroup>
</network>'''

PASS_XML = '''<network>
  <name>pass0</name>
  <forward mode='passthrough'><interface dev='vqp0'/></forward>
</network>'''


def pool_setup(env):
    ns = env.netns
    ns.veth('vqa0', 'vqb0')
    ns.veth('vqa1', 'vqb1')
    ns.veth('vqp0', 'vqq0')
    connect = env.connect()
    vepa = connect.NetworkCreateXML(VEPA_XML)
    passthrough = connect.NetworkCreateXML(PASS_XML)
    return vepa, passthrough


def macvtap_parent(env, live):
    """(target dev, parent) of the guest's one macvtap, from the live XML
    and the kernel."""
    target = live.split("<target dev='", 1)[1].split("'", 1)[0]
    out = env.netns.run('ip', '-o', 'link', 'show', 'dev', target).stdout
    # "12: macvtap0@vqa0: <…"
    return target, out.split(':', 2)[1].strip().split('@', 1)[1]


def test_pools_least_used_and_exclusive(netenv):
    vepa, passthrough = pool_setup(netenv)
    connect = netenv.connect()
    d = netenv.daemon

    a = start_bare(netenv, 'poola', nic('vepa0', '52:54:00:5c:00:01'))
    b = start_bare(netenv, 'poolb', nic('vepa0', '52:54:00:5c:00:02', portgroup='ops'))
    la, lb = live_xml(netenv, a), live_xml(netenv, b)
    assert "dev='vqa0'" in la and "mode='vepa'" in la, la
    assert "dev='vqa1'" in lb, lb
    assert macvtap_parent(netenv, la)[1] == 'vqa0'
    assert macvtap_parent(netenv, lb)[1] == 'vqa1'
    # the portgroup's virtualport: by default, and by name
    assert "portgroup='eng'" in la and "type='802.1Qbg'" in la and "managerid='11'" in la, la
    assert "portgroup='ops'" in lb and "managerid='12'" in lb, lb
    xml = net_xml(netenv, vepa)
    assert "connections='2'" in xml and "<interface dev='vqa0' connections='1'/>" in xml, xml

    # stopping a guest gives its device back to the pool
    d.domain(a).Destroy(0)
    wait_for(lambda: not qemu_pids('guest=poola'), 10, 'qemu of poola to exit')
    assert "<interface dev='vqa0' connections" not in net_xml(netenv, vepa)
    c = start_bare(netenv, 'poolc', nic('vepa0', '52:54:00:5c:00:03'))
    assert "dev='vqa0'" in live_xml(netenv, c)

    # passthrough holds its only device: the second guest is refused
    p1 = start_bare(netenv, 'passa', nic('pass0', '52:54:00:5c:00:11'))
    lp = live_xml(netenv, p1)
    assert "dev='vqp0'" in lp and "mode='passthrough'" in lp, lp
    links = netenv.netns.links()
    msg = expect_error(start_bare, netenv, 'passb', nic('pass0', '52:54:00:5c:00:12'))
    assert 'pass0' in msg and 'in use' in msg, msg
    time.sleep(0.2)
    assert not qemu_pids('guest=passb')
    assert netenv.netns.links() == links
    assert dbus.ObjectPath(p1) in connect.ListDomains(0)

    # given back on stop, it can be taken again
    d.domain(p1).Destroy(0)
    wait_for(lambda: not qemu_pids('guest=passa'), 10, 'qemu of passa to exit')
    p2 = start_bare(netenv, 'passc', nic('pass0', '52:54:00:5c:00:13'))
    assert "dev='vqp0'" in live_xml(netenv, p2)
    for path in (b, c, p2):
        d.domain(path).Destroy(0)
    wait_for(lambda: not qemu_pids(netenv.state_dir), 10, 'every qemu to exit')
    assert 'macvtap' not in netenv.netns.links()
    assert 'connections' not in net_xml(netenv, vepa)


def test_ports_recounted_after_kill9(netenv):
    vepa, passthrough = pool_setup(netenv)

    start_bare(netenv, 'k9a', nic('vepa0', '52:54:00:5d:00:01'))
    start_bare(netenv, 'k9b', nic('vepa0', '52:54:00:5d:00:02'))
    start_bare(netenv, 'k9c', nic('vepa0', '52:54:00:5d:00:03'))
    start_bare(netenv, 'k9p', nic('pass0', '52:54:00:5d:00:11'))
    assert "connections='3'" in net_xml(netenv, vepa)

    netenv.kill9()
    # a guest that dies while no daemon watches is not counted again
    assert kill_qemu('guest=k9c')
    d = netenv.start()
    connect = netenv.connect()

    assert len(connect.ListDomains(0)) == 3
    xml = net_xml(netenv, vepa)
    assert "connections='2'" in xml, xml
    assert "<interface dev='vqa0' connections='1'/>" in xml, xml
    assert "<interface dev='vqa1' connections='1'/>" in xml, xml
    assert "connections='1'" in net_xml(netenv, passthrough)
    # the dead guest's macvtap went with the recount
    assert sum(1 for line in netenv.netns.links().splitlines() if 'macvtap' in line) == 3

    # the exclusive device is still held
    expect_error(start_bare, netenv, 'k9q', nic('pass0', '52:54:00:5d:00:12'), fragment='in use')
    assert not qemu_pids('guest=k9q')

    # and stopping a re-attached guest gives its port back
    k9a = [p for p in connect.ListDomains(0) if 'k9a' in str(d.domain(p).GetXMLDesc(0))][0]
    d.domain(k9a).Destroy(0)
    wait_for(lambda: not qemu_pids('guest=k9a'), 10, 'qemu of k9a to exit')
    wait_for(lambda: "connections='1'" in net_xml(netenv, vepa), 5, 'the port of k9a to be released')


def test_bridge_and_direct_interfaces(netenv):
    ns = netenv.netns
    ns.run('ip', 'link', 'add', 'vqhbr0', 'type', 'bridge')
    ns.run('ip', 'link', 'set', 'vqhbr0', 'up')
    ns.veth('vqd0', 'vqe0')
    devices = ("<interface type='bridge'><mac address='52:54:00:5e:00:01'/><source bridge='vqhbr0'/>"
               "<model type='virtio'/></interface>"
               "<interface type='direct'><mac address='52:54:00:5e:00:02'/><source dev='vqd0' mode='bridge'/>"
               "<model type='virtio'/></interface>")
    path = start_bare(netenv, 'hostnics', devices)
    live = live_xml(netenv, path)
    assert "<target dev='vnet" in live and "<target dev='macvtap" in live, live
    tap = live.split("<target dev='vnet", 1)[1].split("'", 1)[0]
    assert 'master vqhbr0' in ns.run('ip', '-o', 'link', 'show', 'dev', 'vnet' + tap).stdout
    assert 'macvtap' in ns.links()

    # a bridge that does not exist: refused before any qemu runs
    expect_error(start_bare, netenv, 'nobridge',
                 "<interface type='bridge'><source bridge='nosuchbr'/><model type='virtio'/></interface>",
                 fragment='nosuchbr')
    assert not qemu_pids('guest=nobridge')

    netenv.daemon.domain(path).Destroy(0)
    wait_for(lambda: not qemu_pids('guest=hostnics'), 10, 'qemu to exit')
    links = ns.links()
    assert 'vnet' not in links and 'macvtap' not in links, links


NETWORK_IFACE = 'org.libvirt.Network'
NET_DEFINED, NET_UNDEFINED, NET_STARTED, NET_STOPPED = 0, 1, 2, 3


def test_network_api_on_qemu_root(netenv):
    """The network calls and signals libvirt-dbus has on /org/libvirt/QEMU."""
    connect = netenv.connect()
    d = netenv.daemon
    rec = SignalRecorder(d.bus, dbus_interface='org.libvirt.Connect', signal_name='NetworkEvent',
                         path=QEMU_ROOT)
    xml = NAT_XML.replace('nat0', 'api0').replace('vbqbr0', 'vbqbr2').replace('192.168.151.', '192.168.152.')
    path = connect.NetworkDefineXML(xml)
    net = d.network(path)
    net.Create()
    assert netenv.netns.link_exists('vbqbr2')
    host = "<host mac='52:54:00:aa:bb:cc' name='guest' ip='192.168.152.60'/>"
    net.Update(3, 4, -1, host, 3)  # add-last, ip-dhcp-host, live+config
    assert "name='guest'" in str(net.GetXMLDesc(0)) and "name='guest'" in str(net.GetXMLDesc(1))
    props = d.props(path)
    props.Set(NETWORK_IFACE, 'Autostart', True)
    assert props.Get(NETWORK_IFACE, 'Autostart')
    net.Destroy()
    rec.wait(lambda items: len(items) >= 3)
    assert [(str(i[2][0]), int(i[2][1])) for i in rec.items[:3]] == [
        (str(path), NET_DEFINED), (str(path), NET_STARTED), (str(path), NET_STOPPED)]

    # autostart: a new daemon starts it, from the definition under the
    # QEMU driver's state
    d.stop()
    assert os.path.exists(os.path.join(netenv.state_dir, 'config', 'qemu', 'networks', 'api0.xml'))
    d = netenv.start()
    wait_for(lambda: bool(d.props(path).Get(NETWORK_IFACE, 'Active')), 10, 'the autostarted network')
    assert netenv.netns.link_exists('vbqbr2')
    d.network(path).Destroy()
    d.network(path).Undefine()
    assert path not in netenv.connect().ListNetworks(0)
    assert not netenv.netns.link_exists('vbqbr2')


def test_failed_start_releases_port(netenv):
    """qemu runs, then fails (no memory for the guest): the port goes back
    and the macvtap goes."""
    vepa, passthrough = pool_setup(netenv)
    xml = bare_domain('nomem', extra_devices=nic('pass0', '52:54:00:5f:00:01')).replace(
        "<memory unit='MiB'>64</memory>", "<memory unit='TiB'>64</memory>")
    expect_error(netenv.connect().DomainCreateXML, xml, START_PAUSED)
    assert not qemu_pids('guest=nomem')
    assert 'connections' not in net_xml(netenv, passthrough)
    assert 'macvtap' not in netenv.netns.links()
    # the exclusive device is free again
    path = start_bare(netenv, 'nomem2', nic('pass0', '52:54:00:5f:00:02'))
    netenv.daemon.domain(path).Destroy(0)


def test_impossible_networks_leave_nothing(netenv):
    ns = netenv.netns
    ns.run('ip', 'link', 'add', 'vqtaken0', 'type', 'bridge')
    connect = netenv.connect()
    before = ns.links()
    ruleset = ns.run('nft', 'list', 'ruleset').stdout if NFT else ''
    taken = NAT_XML.replace('nat0', 'taken0').replace('vbqbr0', 'vqtaken0')
    nodev = ("<network><name>nodev0</name><forward mode='vepa'><interface dev='vqnosuch0'/></forward>"
             "</network>")
    for xml, fragment in ((taken, 'vqtaken0'), (nodev, 'vqnosuch0')):
        path = connect.NetworkDefineXML(xml)
        expect_error(netenv.daemon.network(path).Create, fragment=fragment)
        assert not netenv.daemon.props(path).Get(NETWORK_IFACE, 'Active')
    assert ns.links() == before
    if NFT:
        assert ns.run('nft', 'list', 'ruleset').stdout == ruleset
    assert not dnsmasq_pids(netenv.state_dir)
    expect_error(connect.NetworkCreateXML, '<network><name>bad</name><forward mode=', fragment='')
