# SPDX-License-Identifier: LGPL-2.1-or-later
"""org.libvirt on /org/libvirt/QEMU against real qemu-system processes:
lifecycle and its events, the tiny guest's serial console and ACPI
shutdown, re-attach after kill -9 of the daemon, and bad input that must
leave no qemu behind."""
import os
import signal
import time

import pytest

from qemutest import (DEFINED, PAUSED, RESUMED, RUNNING, SHUTDOWN, SHUTDOWN_GUEST, SHUTOFF, SHUTOFF_CRASHED,
                      SHUTOFF_DESTROYED, SHUTOFF_SHUTDOWN, STARTED, STOPPED, STOPPED_DESTROYED,
                      STOPPED_FAILED, STOPPED_SHUTDOWN, SUSPENDED, SignalRecorder, bare_domain, expect_error,
                      guest_domain, guest_files, lifecycle, qemu_pids, requires_qemu, wait_for)

pytestmark = requires_qemu


def test_host_facts(env):
    c = env.connect()
    caps = str(c.GetCapabilities())
    assert "<domain type='qemu'/>" in caps and '<machine' in caps
    assert c.NodeGetFreeMemory() > 0
    assert 'qemu64' in c.GetCPUModelNames('x86_64', 0)
    assert env.daemon.get('/org/libvirt/QEMU', 'org.libvirt.Connect', 'Version') >= 7000000
    assert len(c.NodeGetCPUMap(0)) == os.cpu_count()
    assert {'user', 'kernel', 'idle', 'iowait'} <= set(c.NodeGetCPUStats(-1, 0))
    assert {'total', 'free'} <= set(c.NodeGetMemoryStats(-1, 0))
    assert str(c.GetSysinfo(0)).startswith("<sysinfo type='smbios'>")
    dcaps = str(c.GetDomainCapabilities('', 'x86_64', 'pc', 'qemu', 0))
    assert '<domain>qemu</domain>' in dcaps and 'qemu64' in dcaps


def test_lifecycle_bare(env):
    c = env.connect()
    rec = env.events()
    path = c.DomainDefineXML(bare_domain('bare1'))
    dom = env.daemon.domain(path)
    assert tuple(dom.GetState(0)) == (SHUTOFF, 0)

    dom.Create(0)
    assert tuple(dom.GetState(0))[0] == RUNNING
    xml = str(dom.GetXMLDesc(0))
    assert "<domain type='qemu' id='1'>" in xml
    assert len(qemu_pids(env.state_dir)) == 1

    dom.Suspend()
    assert tuple(dom.GetState(0)) == (PAUSED, 1)
    expect_error(dom.Suspend, fragment='already paused')
    dom.Resume()
    assert tuple(dom.GetState(0)) == (RUNNING, 5)

    dom.Destroy(0)
    assert tuple(dom.GetState(0)) == (SHUTOFF, SHUTOFF_DESTROYED)
    assert qemu_pids(env.state_dir) == []
    rec.wait(lambda items: len(items) >= 5)
    rec.settle(0.1)
    assert lifecycle(rec) == [(DEFINED, 0), (STARTED, 0), (SUSPENDED, 0), (RESUMED, 0),
                              (STOPPED, STOPPED_DESTROYED)]
    expect_error(dom.Destroy, 0, fragment='not running')

    dom.Undefine(0)
    assert c.ListDomains(0) == []


def test_start_paused_and_transient(env):
    c = env.connect()
    rec = env.events()
    path = c.DomainCreateXML(bare_domain('transient1'), 1)  # START_PAUSED
    dom = env.daemon.domain(path)
    assert tuple(dom.GetState(0)) == (PAUSED, 1)
    rec.wait(lambda items: len(items) >= 2)
    assert lifecycle(rec)[:2] == [(STARTED, 0), (SUSPENDED, 0)]
    dom.Resume()
    assert tuple(dom.GetState(0))[0] == RUNNING
    dom.Destroy(0)
    # a transient domain is gone with its process
    assert c.ListDomains(0) == []
    assert qemu_pids(env.state_dir) == []


def test_killed_from_outside(env):
    c = env.connect()
    rec = env.events()
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain('victim')))
    dom.Create(0)
    [pid] = qemu_pids(env.state_dir)
    os.kill(pid, signal.SIGKILL)
    rec.wait(lambda items: (STOPPED, STOPPED_FAILED) in lifecycle(rec))
    assert tuple(dom.GetState(0)) == (SHUTOFF, SHUTOFF_CRASHED)


def test_bad_input_leaves_no_qemu(env):
    c = env.connect()
    expect_error(c.DomainDefineXML, '<domain type="qemu"><name>x</name')
    expect_error(c.DomainDefineXML, bare_domain('x').replace("type='qemu'", "type='xen'"))
    missing = os.path.join(env.state_dir, 'no-such-disk.img')
    disk = f"<disk type='file' device='disk'><driver name='qemu' type='raw'/>" \
           f"<source file='{missing}'/><target dev='vda' bus='virtio'/></disk>"
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain('nodisk', extra_devices=disk)))
    expect_error(dom.Create, 0, fragment='no-such-disk.img')
    assert tuple(dom.GetState(0))[0] == SHUTOFF
    # qemu itself refusing (an unknown machine type fails before spawn; a
    # bad option fails inside qemu)
    bad = bare_domain('badcpu').replace('<vcpu>1</vcpu>', '<vcpu>1</vcpu><cpu><model>no-such-cpu</model></cpu>')
    dom2 = env.daemon.domain(c.DomainDefineXML(bad))
    expect_error(dom2.Create, 0, fragment='no-such-cpu')
    # qemu itself refusing: two devices with one id
    img = os.path.join(env.state_dir, 'small.img')
    with open(img, 'wb') as f:
        f.truncate(1 << 20)
    disks = ''.join(f"<disk type='file' device='disk'><source file='{img}'/><target dev='vd{d}' bus='virtio'/>"
                    f"<alias name='ua-same'/></disk>" for d in 'ab')
    dom3 = env.daemon.domain(c.DomainDefineXML(bare_domain('dupid', extra_devices=disks)))
    message = expect_error(dom3.Create, 0)
    assert 'QEMU exited' in message and 'ua-same' in message, message
    assert tuple(dom3.GetState(0))[0] == SHUTOFF
    assert qemu_pids(env.state_dir) == []


def test_definitions_survive_restart(env):
    c = env.connect()
    c.DomainDefineXML(bare_domain('keeper'))
    env.daemon.stop()
    env.start()
    names = [str(env.daemon.get(p, 'org.libvirt.Domain', 'Name')) for p in env.connect().ListDomains(0)]
    assert names == ['keeper']


def test_reattach_after_kill9(env):
    c = env.connect()
    paths = [c.DomainDefineXML(bare_domain(f'survivor{i}')) for i in range(3)]
    doms = [env.daemon.domain(p) for p in paths]
    for d in doms:
        d.Create(0)
    doms[1].Suspend()
    ids = [int(env.daemon.get(p, 'org.libvirt.Domain', 'Id')) for p in paths]
    pids = sorted(qemu_pids(env.state_dir))
    assert len(pids) == 3

    env.kill9()
    # one guest dies while no daemon watches
    [victim] = qemu_pids(paths[2].split('/_')[-1].replace('_', '-'))
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: victim not in qemu_pids(env.state_dir), 5, 'the victim to exit')

    env.start()
    c = env.connect()
    assert sorted(str(p) for p in c.ListDomains(0)) == sorted(str(p) for p in paths)
    doms = [env.daemon.domain(p) for p in paths]
    assert [int(env.daemon.get(p, 'org.libvirt.Domain', 'Id')) for p in paths[:2]] == ids[:2]
    assert tuple(doms[0].GetState(0))[0] == RUNNING
    assert tuple(doms[1].GetState(0))[0] == PAUSED
    assert tuple(doms[2].GetState(0))[0] == SHUTOFF

    # still controllable: QMP and signals reach processes that are no
    # longer our children
    rec = env.events()
    doms[1].Resume()
    doms[0].Suspend()
    assert tuple(doms[0].GetState(0))[0] == PAUSED
    doms[0].Destroy(0)
    doms[1].Destroy(0)
    assert qemu_pids(env.state_dir) == []
    rec.wait(lambda items: len(items) >= 4)
    assert sorted(lifecycle(rec)) == sorted([(RESUMED, 0), (SUSPENDED, 0), (STOPPED, STOPPED_DESTROYED),
                                             (STOPPED, STOPPED_DESTROYED)])
    # a new start gets an id above every re-attached one
    doms[2].Create(0)
    assert int(env.daemon.get(paths[2], 'org.libvirt.Domain', 'Id')) > max(ids[:2])
    doms[2].Destroy(0)


@pytest.fixture(scope='module')
def guest():
    files = guest_files()
    if files is None:
        pytest.skip('the test guest cannot be built here (tools/build-test-guest.sh)')
    return files


def test_guest_boots_and_shuts_down(env, guest):
    kernel, initrd = guest
    serial = os.path.join(env.state_dir, 'serial.log')
    c = env.connect()
    rec = env.events()
    dom = env.daemon.domain(c.DomainDefineXML(guest_domain('tiny', kernel, initrd, serial)))
    t0 = time.monotonic()
    dom.Create(0)

    def booted():
        try:
            with open(serial, errors='replace') as f:
                return 'VIRTBUS-GUEST: booted' in f.read()
        except FileNotFoundError:
            return False
    wait_for(booted, 60, 'the boot marker on the serial console')
    boot_s = time.monotonic() - t0

    dom.Suspend()
    assert tuple(dom.GetState(0))[0] == PAUSED
    dom.Resume()
    assert tuple(dom.GetState(0))[0] == RUNNING

    dom.Shutdown(0)
    rec.wait(lambda items: (STOPPED, STOPPED_SHUTDOWN) in lifecycle(rec), timeout=30)
    events = lifecycle(rec)
    assert (SHUTDOWN, SHUTDOWN_GUEST) in events, events
    assert events.index((SHUTDOWN, SHUTDOWN_GUEST)) < events.index((STOPPED, STOPPED_SHUTDOWN))
    assert tuple(dom.GetState(0)) == (SHUTOFF, SHUTOFF_SHUTDOWN)
    with open(serial) as f:
        assert 'VIRTBUS-GUEST: power button' in f.read()
    assert qemu_pids(env.state_dir) == []
    print(f'guest boot marker after {boot_s:.2f} s')


def test_reboot_and_pty_console(env):
    c = env.connect()
    serial = "<serial type='pty'><target port='0'/></serial>"
    path = c.DomainDefineXML(bare_domain('rebooter', extra_devices=serial))
    dom = env.daemon.domain(path)
    dom.Create(0)
    # the live XML names the pty qemu allocated
    xml = str(dom.GetXMLDesc(0))
    assert "<source path='/dev/pts/" in xml, xml
    rec = SignalRecorder(env.daemon.bus, dbus_interface='org.libvirt.Domain', signal_name='Reboot', path=path)
    dom.Reboot(0)
    rec.wait(timeout=5)
    assert tuple(dom.GetState(0))[0] == RUNNING
    dom.Destroy(0)


def test_managed_save_and_restore(env):
    c = env.connect()
    rec = env.events()
    path = c.DomainDefineXML(bare_domain('sleeper'))
    dom = env.daemon.domain(path)
    dom.Create(0)
    dom.ManagedSave(0)
    assert tuple(dom.GetState(0)) == (SHUTOFF, 5)  # shutoff (saved)
    assert dom.HasManagedSaveImage(0)
    assert qemu_pids(env.state_dir) == []
    expect_error(dom.Undefine, 0, fragment='managed save')

    # the image survives a daemon restart
    env.daemon.stop()
    env.start()
    dom = env.daemon.domain(path)
    assert dom.HasManagedSaveImage(0)
    rec = env.events()
    dom.Create(0)
    assert tuple(dom.GetState(0)) == (RUNNING, 3)  # running (restored)
    assert not dom.HasManagedSaveImage(0)
    rec.wait(lambda items: len(items) >= 1)
    assert lifecycle(rec)[0] == (STARTED, 2)  # started (restored)
    dom.Destroy(0)


def test_hotplug_disk_and_interface(env, guest):
    kernel, initrd = guest
    serial = os.path.join(env.state_dir, 'serial.log')
    image = os.path.join(env.state_dir, 'extra.img')
    with open(image, 'wb') as f:
        f.truncate(8 << 20)
    c = env.connect()
    path = c.DomainDefineXML(guest_domain('plug', kernel, initrd, serial))
    dom = env.daemon.domain(path)
    added = SignalRecorder(env.daemon.bus, dbus_interface='org.libvirt.Domain', signal_name='DeviceAdded', path=path)
    removed = SignalRecorder(env.daemon.bus, dbus_interface='org.libvirt.Domain', signal_name='DeviceRemoved', path=path)
    dom.Create(0)
    wait_for(lambda: 'VIRTBUS-GUEST: booted' in open(serial, errors='replace').read()
             if os.path.exists(serial) else False, 60, 'the boot marker')

    disk = f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{image}'/>" \
           "<target dev='vdb' bus='virtio'/></disk>"
    nic = "<interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>"
    dom.AttachDevice(disk, 1)  # AFFECT_LIVE
    dom.AttachDevice(nic, 1)
    xml = str(dom.GetXMLDesc(0))
    assert "<target dev='vdb' bus='virtio'/>" in xml and '52:54:00:12:34:56' in xml
    added.wait(lambda items: len(items) >= 2)
    assert [str(i[2][0]) for i in added.items] == ['virtio-disk0', 'net0']
    # only the live definition changed
    assert 'vdb' not in str(dom.GetXMLDesc(2))  # INACTIVE
    expect_error(dom.AttachDevice, disk, 1, fragment='already has')

    dom.DetachDevice(disk, 1)
    dom.DetachDevice(nic, 1)
    removed.wait(lambda items: len(items) >= 2, timeout=15)
    assert sorted(str(i[2][0]) for i in removed.items) == ['net0', 'virtio-disk0']
    xml = str(dom.GetXMLDesc(0))
    assert 'vdb' not in xml and '52:54:00:12:34:56' not in xml
    dom.Destroy(0)


def test_autostart(env):
    c = env.connect()
    path = c.DomainDefineXML(bare_domain('early-riser'))
    env.daemon.props(path).Set('org.libvirt.Domain', 'Autostart', True)
    assert env.daemon.get(path, 'org.libvirt.Domain', 'Autostart')
    env.daemon.stop()
    env.start()
    dom = env.daemon.domain(path)
    wait_for(lambda: tuple(dom.GetState(0))[0] == RUNNING, 10, 'the autostart domain to run')
    assert env.daemon.get(path, 'org.libvirt.Domain', 'Autostart')
    # capabilities came from the cache written by the first daemon
    assert env.daemon.get('/org/libvirt/QEMU', 'org.libvirt.Connect', 'Version') >= 7000000
    dom.Destroy(0)


def test_tuning_metadata_rename(env):
    c = env.connect()
    xml = bare_domain('tuned').replace("<memballoon model='none'/>", '')  # the default virtio balloon
    path = c.DomainDefineXML(xml)
    dom = env.daemon.domain(path)
    dom.SetMemory(32 * 1024, 2)  # AFFECT_CONFIG
    assert "<currentMemory unit='KiB'>32768</currentMemory>" in str(dom.GetXMLDesc(2))
    dom.SetVcpus(1, 2)
    dom.SetMetadata(0, 'a VM', '', '', 2)  # description, config
    assert '<description>a VM</description>' in str(dom.GetXMLDesc(2))
    dom.Rename('tuned2', 0)
    assert env.daemon.get(path, 'org.libvirt.Domain', 'Name') == 'tuned2'

    dom.Create(0)
    assert "model='virtio'" in str(dom.GetXMLDesc(0))
    dom.SetMemory(48 * 1024, 1)  # AFFECT_LIVE, through the balloon
    assert "<currentMemory unit='KiB'>49152</currentMemory>" in str(dom.GetXMLDesc(0))
    dom.SetVcpus(1, 1)  # live, as it is (test_qemu_vcpus.py has the rest)
    expect_error(dom.SetVcpus, 2, 1, fragment='exceeds maximum')
    expect_error(dom.Rename, 'tuned3', 0, fragment='active')
    stats = dom.GetStats(0, 0)
    assert stats['state.state'] == RUNNING and stats['balloon.current'] == 49152
    dom.Destroy(0)
    # all of it stored: a new daemon reads it back
    env.daemon.stop()
    env.start()
    xml = str(env.daemon.domain(path).GetXMLDesc(0))
    assert '<name>tuned2</name>' in xml and '<description>a VM</description>' in xml


def test_option_injection_is_harmless(env):
    c = env.connect()
    # commas are qemu's option separator: names and paths must not add options
    odd_dir = os.path.join(env.state_dir, 'a,b=c')
    os.mkdir(odd_dir)
    image = os.path.join(odd_dir, 'disk,format=qcow2.img')
    with open(image, 'wb') as f:
        f.truncate(1 << 20)
    disk = f"<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='{image}'/>" \
           "<target dev='vda' bus='virtio'/><alias name='x,id=evil'/></disk>"
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain('odd,name=1', extra_devices=disk)))
    dom.Create(0)
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert "<alias name='virtio-disk0'/>" in str(dom.GetXMLDesc(0))
    dom.Destroy(0)
    vnc = "<graphics type='vnc'><listen type='address' address='127.0.0.1,password=on'/></graphics>"
    dom2 = env.daemon.domain(c.DomainDefineXML(bare_domain('vnc-bad', extra_devices=vnc)))
    expect_error(dom2.Create, 0, fragment='not an IP address')
    vnc = "<graphics type='vnc' autoport='yes'><listen type='address' address='127.0.0.1'/></graphics>"
    dom3 = env.daemon.domain(c.DomainDefineXML(bare_domain('vnc-good', extra_devices=vnc)))
    dom3.Create(0)
    assert "type='vnc' port='59" in str(dom3.GetXMLDesc(0))
    dom3.Destroy(0)
    assert qemu_pids(env.state_dir) == []
