# SPDX-License-Identifier: LGPL-2.1-or-later
"""<interface type='ethernet'>: a tap on no bridge, in a network namespace of
each test's own (the harness of test_qemu_network.py).  Needs root.

- managed taps, named by <target dev> or handed out as vnetN: up, on no
  bridge, with the <source> addresses (also point-to-point) and routes and
  the <mtu>, shown in the live XML, gone when the guest stops;
- an admin's persistent tap (managed='no'): opened as it is, left when the
  guest stops; a missing one, a device that is no tap, a tap in use and a
  taken name for a managed tap are refused with no qemu left;
- <script> is refused;
- a booted guest sends through its tap; hot-unplug and hot-plug;
- kill -9 of the daemon: a restarted one still deletes managed taps and
  never the admin's ones.
"""
import json
import os
import time

import pytest

from qemutest import SignalRecorder, bare_domain, guest_domain, guest_files, kill_qemu, qemu_pids, wait_for
# the namespace harness, its fixture and its skip conditions
from test_qemu_network import expect_error, live_xml, netenv, pytestmark, start_bare  # noqa: F401

AFFECT_LIVE = 1


def link(env, name):
    """`ip -d link show` of @name as a dict, None when there is none."""
    out = env.netns.run('ip', '-j', '-d', 'link', 'show', 'dev', name, check=False)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)[0]


def is_tap(info):
    if info is None:
        return False
    linkinfo = info.get('linkinfo', {})
    return linkinfo.get('info_kind') == 'tun' and linkinfo.get('info_data', {}).get('type') == 'tap'


def addresses(env, name):
    out = env.netns.run('ip', '-j', 'addr', 'show', 'dev', name).stdout
    return [(a['local'], a['prefixlen'], a.get('address')) for a in json.loads(out)[0]['addr_info']]


def routes(env, name):
    return env.netns.run('ip', 'route', 'show', 'dev', name).stdout


def rx_packets(env, name):
    out = env.netns.run('ip', '-j', '-s', 'link', 'show', 'dev', name, check=False)
    if out.returncode != 0:
        return 0
    return json.loads(out.stdout)[0]['stats64']['rx']['packets']


def targets(xml):
    """<target dev> of every interface of a live XML, in order."""
    return [part.split("'", 1)[0] for part in xml.split("<target dev='")[1:]]


def qemu_holds_tap(name, marker):
    """Whether a qemu of @marker has a tun fd attached to tap @name."""
    for pid in qemu_pids(marker):
        fddir = f'/proc/{pid}/fdinfo'
        for fd in os.listdir(fddir):
            try:
                with open(os.path.join(fddir, fd)) as f:
                    if f'iff:\t{name}\n' in f.read():
                        return True
            except OSError:
                continue
    return False


def eth(mac, target=None, managed=None, source='', extra='', model='virtio'):
    attrs = (f" dev='{target}'" if target else '') + (f" managed='{managed}'" if managed else '')
    tgt = f'<target{attrs}/>' if attrs else ''
    src = f'<source>{source}</source>' if source else ''
    return (f"<interface type='ethernet'><mac address='{mac}'/>{src}{tgt}"
            f"<model type='{model}'/>{extra}</interface>")


def persistent_tap(env, name):
    env.netns.run('ip', 'tuntap', 'add', 'dev', name, 'mode', 'tap')
    env.netns.run('ip', 'link', 'set', name, 'up')


def destroy(env, path, marker):
    env.daemon.domain(path).Destroy(0)
    wait_for(lambda: not qemu_pids(marker), 15, f'qemu of {marker} to exit')


def test_managed_taps(netenv):
    named = eth('52:54:00:6a:00:01', target='vqeth0',
                source="<ip address='192.168.160.1' prefix='24'/>"
                       "<route family='ipv4' address='192.168.161.0' prefix='24' gateway='192.168.160.2'/>",
                extra="<mtu size='1400'/>")
    auto = eth('52:54:00:6a:00:02', source="<ip address='10.7.0.1' prefix='32' peer='10.7.0.2'/>")
    # a vnet name is ours to hand out: it is not taken as given
    reserved = eth('52:54:00:6a:00:03', target='vnet77', source="<ip address='fd00:6a::1' prefix='64'/>")
    path = start_bare(netenv, 'ethm', named + auto + reserved)
    live = live_xml(netenv, path)
    names = targets(live)
    assert names[0] == 'vqeth0', live
    assert names[1].startswith('vnet') and names[2].startswith('vnet') and 'vnet77' not in names, live
    assert len(set(names)) == 3

    for name in names:
        info = link(netenv, name)
        assert info is not None and is_tap(info), info
        assert 'UP' in info['flags'], info
        assert 'master' not in info, info
        assert qemu_holds_tap(name, 'guest=ethm')
    # the host side differs from the guest's MAC by its first byte
    assert link(netenv, 'vqeth0')['address'] == 'fe:54:00:6a:00:01'
    assert link(netenv, 'vqeth0')['mtu'] == 1400
    assert ('192.168.160.1', 24, None) in addresses(netenv, 'vqeth0')
    assert '192.168.161.0/24 via 192.168.160.2' in routes(netenv, 'vqeth0')
    assert ('10.7.0.1', 32, '10.7.0.2') in addresses(netenv, names[1])
    assert ('fd00:6a::1', 64, None) in addresses(netenv, names[2])
    # and the guest is told the MTU
    with open(f"/proc/{qemu_pids('guest=ethm')[0]}/cmdline", 'rb') as f:
        cmdline = f.read().split(b'\0')
    assert any(b'host_mtu=1400' in arg and b'52:54:00:6a:00:01' in arg for arg in cmdline), cmdline

    destroy(netenv, path, 'guest=ethm')
    for name in names:
        assert link(netenv, name) is None, name
    assert '192.168.161.0' not in netenv.netns.run('ip', 'route').stdout


def test_admin_tap_left_as_is(netenv):
    persistent_tap(netenv, 'vqpt0')
    netenv.netns.run('ip', 'addr', 'add', '192.168.163.1/24', 'dev', 'vqpt0')
    before = link(netenv, 'vqpt0')
    path = start_bare(netenv, 'ethu', eth('52:54:00:6b:00:01', target='vqpt0', managed='no'))
    live = live_xml(netenv, path)
    assert "<target dev='vqpt0' managed='no'/>" in live, live
    assert qemu_holds_tap('vqpt0', 'guest=ethu')
    now = link(netenv, 'vqpt0')
    assert now['address'] == before['address'] and now['mtu'] == before['mtu']

    # held by that guest: a second one cannot have it
    msg = expect_error(start_bare, netenv, 'ethu2', eth('52:54:00:6b:00:02', target='vqpt0', managed='no'))
    assert 'vqpt0' in msg and 'in use' in msg, msg
    assert not qemu_pids('guest=ethu2')

    destroy(netenv, path, 'guest=ethu')
    after = link(netenv, 'vqpt0')
    assert after is not None and is_tap(after), after
    assert after['address'] == before['address']
    assert ('192.168.163.1', 24, None) in addresses(netenv, 'vqpt0')

    # it can be used again, also by a name under the reserved prefix
    persistent_tap(netenv, 'vnet42')
    path = start_bare(netenv, 'ethu3', eth('52:54:00:6b:00:03', target='vnet42', managed='no'))
    assert targets(live_xml(netenv, path)) == ['vnet42']
    destroy(netenv, path, 'guest=ethu3')
    assert link(netenv, 'vnet42') is not None


def test_ethernet_refusals_leave_nothing(netenv, tmp_path):
    ns = netenv.netns
    persistent_tap(netenv, 'vqpt1')
    ns.veth('vqv0', 'vqv1')
    before = ns.links()
    marker = tmp_path / 'script-ran'
    script = tmp_path / 'ifup'
    script.write_text(f'#!/bin/sh\ntouch {marker}\n')
    script.chmod(0o755)
    cases = [
        (eth('52:54:00:6c:00:01', target='vqnosuch0', managed='no'), 'does not exist'),
        (eth('52:54:00:6c:00:02', target='vqv0', managed='no'), 'not a single-queue tap'),
        (eth('52:54:00:6c:00:03', managed='no'), '<target dev>'),
        (eth('52:54:00:6c:00:04', target='vqpt1', managed='no', source="<ip address='192.168.164.1' prefix='24'/>"),
         "admin's tap"),
        (eth('52:54:00:6c:00:05', target='vqpt1', managed='no', extra="<mtu size='1400'/>"), "admin's tap"),
        # a managed tap never takes over a device that is there already
        (eth('52:54:00:6c:00:06', target='vqpt1'), 'exists'),
        (eth('52:54:00:6c:00:07', target='vqv1'), 'exists'),
        (eth('52:54:00:6c:00:08', extra=f"<script path='{script}'/>"), 'script'),
        (eth('52:54:00:6c:00:09', extra=f"<downscript path='{script}'/>"), 'downscript'),
        # the second interface fails: the first one's tap goes again
        (eth('52:54:00:6c:00:0a', target='vqgone0') + eth('52:54:00:6c:00:0b', target='vqnosuch1', managed='no'),
         'vqnosuch1'),
        # the kernel refuses the route: the tap made for it goes
        (eth('52:54:00:6c:00:0c', target='vqgone1',
             source="<ip address='192.168.165.1' prefix='24'/>"
                    "<route address='192.168.166.0' prefix='24' gateway='10.99.0.1'/>"), 'route'),
    ]
    for i, (devices, fragment) in enumerate(cases):
        name = f'ethbad{i}'
        msg = expect_error(start_bare, netenv, name, devices)
        assert fragment in msg, (i, msg)
        assert not qemu_pids(f'guest={name}'), i
        assert ns.links() == before, (i, ns.links())
    assert not marker.exists()
    assert is_tap(link(netenv, 'vqpt1'))

    # malformed host addresses are refused when the XML is read
    connect = netenv.connect()
    for source, fragment in (("<ip address='192.168.1.300'/>", '192.168.1.300'),
                             ("<ip address='10.0.0.1' peer='fd00::1'/>", 'family'),
                             ("<route address='10.1.0.0' prefix='16'/>", 'gateway')):
        expect_error(connect.DomainDefineXML, bare_domain('ethxml', extra_devices=eth('52:54:00:6c:01:01',
                                                                                      source=source)),
                     fragment=fragment)
    expect_error(connect.DomainDefineXML,
                 bare_domain('ethxml', extra_devices=eth('52:54:00:6c:01:02', target='x', managed='maybe')),
                 fragment='managed')
    assert len(connect.ListDomains(0)) == 0


def test_booted_guest_and_hotplug(netenv, tmp_path):
    files = guest_files()
    if files is None:
        pytest.skip('the test guest cannot be built here (tools/build-test-guest.sh)')
    kernel, initrd = files
    d = netenv.daemon
    connect = netenv.connect()
    serial = tmp_path / 'serial.log'
    first = eth('52:54:00:6d:00:01', target='vqboot0', source="<ip address='192.168.167.1' prefix='24'/>")
    xml = guest_domain('ethguest', kernel, initrd, serial, options='virtbus.dhcp', devices=first)
    path = connect.DomainCreateXML(xml, 0)
    # the guest brings eth0 up and asks for DHCP: its frames reach the host
    # side of the tap, where nothing answers
    try:
        wait_for(lambda: rx_packets(netenv, 'vqboot0') > 0, 120, 'frames from the guest on vqboot0')
    except AssertionError:
        print('---- guest serial ----\n' + (serial.read_text(errors='replace') if serial.exists() else ''))
        raise

    # hot-plug: a managed tap and an admin's one
    persistent_tap(netenv, 'vqpt2')
    added = SignalRecorder(d.bus, dbus_interface='org.libvirt.Domain', signal_name='DeviceAdded', path=path)
    hot = eth('52:54:00:6d:00:02', target='vqhot0', source="<ip address='192.168.168.1' prefix='24'/>",
              extra="<mtu size='1300'/>")
    admin = eth('52:54:00:6d:00:03', target='vqpt2', managed='no')
    d.domain(path).AttachDevice(hot, AFFECT_LIVE)
    d.domain(path).AttachDevice(admin, AFFECT_LIVE)
    added.wait(lambda items: len(items) >= 2, timeout=15)
    live = live_xml(netenv, path)
    assert targets(live) == ['vqboot0', 'vqhot0', 'vqpt2'], live
    info = link(netenv, 'vqhot0')
    assert is_tap(info) and 'UP' in info['flags'] and 'master' not in info, info
    assert info['mtu'] == 1300
    assert ('192.168.168.1', 24, None) in addresses(netenv, 'vqhot0')
    assert qemu_holds_tap('vqhot0', 'guest=ethguest') and qemu_holds_tap('vqpt2', 'guest=ethguest')
    # refused before anything is plugged
    expect_error(d.domain(path).AttachDevice, eth('52:54:00:6d:00:04', target='vqnosuch2', managed='no'),
                 AFFECT_LIVE, fragment='does not exist')
    expect_error(d.domain(path).AttachDevice, eth('52:54:00:6d:00:05', extra="<script path='/bin/true'/>"),
                 AFFECT_LIVE, fragment='script')
    assert targets(live_xml(netenv, path)) == ['vqboot0', 'vqhot0', 'vqpt2']

    # hot-unplug: the managed taps go, the admin's stays
    removed = SignalRecorder(d.bus, dbus_interface='org.libvirt.Domain', signal_name='DeviceRemoved', path=path)
    for xml_ in (first, hot, admin):
        d.domain(path).DetachDevice(xml_, AFFECT_LIVE)
    removed.wait(lambda items: len(items) >= 3, timeout=30)
    wait_for(lambda: link(netenv, 'vqboot0') is None and link(netenv, 'vqhot0') is None, 10,
             'the managed taps to go')
    assert is_tap(link(netenv, 'vqpt2'))
    wait_for(lambda: not qemu_holds_tap('vqpt2', 'guest=ethguest'), 10, 'qemu to let go of vqpt2')
    assert targets(live_xml(netenv, path)) == []
    destroy(netenv, path, 'guest=ethguest')
    assert is_tap(link(netenv, 'vqpt2'))


def test_kill9_restart(netenv):
    persistent_tap(netenv, 'vqpt3')
    persistent_tap(netenv, 'vqpt4')
    a = start_bare(netenv, 'ethk9a', eth('52:54:00:6e:00:01', target='vqk9a') +
                   eth('52:54:00:6e:00:02', target='vqpt3', managed='no'))
    start_bare(netenv, 'ethk9b', eth('52:54:00:6e:00:03', target='vqk9b') +
               eth('52:54:00:6e:00:04', target='vqpt4', managed='no'))
    assert link(netenv, 'vqk9a') and link(netenv, 'vqk9b')

    netenv.kill9()
    # a guest that dies while no daemon watches
    assert kill_qemu('guest=ethk9b')
    netenv.start()
    connect = netenv.connect()
    assert len(connect.ListDomains(0)) == 1
    assert link(netenv, 'vqk9b') is None
    assert is_tap(link(netenv, 'vqpt4'))

    assert targets(live_xml(netenv, a)) == ['vqk9a', 'vqpt3']
    destroy(netenv, a, 'guest=ethk9a')
    # the managed tap goes, the admin's stays
    wait_for(lambda: link(netenv, 'vqk9a') is None, 10, 'the managed tap to go')
    assert is_tap(link(netenv, 'vqpt3'))
    time.sleep(0.2)
    assert is_tap(link(netenv, 'vqpt3'))
