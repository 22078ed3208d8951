# SPDX-License-Identifier: LGPL-2.1-or-later
"""What Cockpit's Machines page asks of a running guest besides its
lifecycle: an NMI (InjectNMI), keys (SendKey, e.g. Ctrl+Alt+Del), a cdrom's
media change or eject and a NIC's link state (UpdateDevice), and a wake-up
from PM suspend (PMWakeup), as libvirt's qemu driver answers them."""
import os
import time
import xml.etree.ElementTree as ET

import pytest

from qemutest import (RUNNING, SignalRecorder, bare_domain, expect_error, guest_domain, guest_files, qemu_pids,
                      requires_qemu, wait_for)
# the namespace harness for a NIC with a tap behind it
import test_qemu_network
from test_qemu_network import live_xml, netenv, start_bare  # noqa: F401

pytestmark = requires_qemu

AFFECT_LIVE, AFFECT_CONFIG = 1, 2
# libvirt's VIR_KEYCODE_SET_RFB is another name of QNUM (9)
CODESET_LINUX, CODESET_XT, CODESET_ATSET1, CODESET_XT_KBD, CODESET_QNUM = 0, 1, 2, 6, 9
CODESET_USB = 7
KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE, KEY_F2 = 29, 56, 111, 60
BOOTED = 'VIRTBUS-GUEST: booted'
TRAY_OPENED, TRAY_CLOSED = 0, 1


@pytest.fixture(scope='module')
def guest():
    files = guest_files()
    if files is None:
        pytest.skip('the tiny test guest cannot be built here')
    return files


def define(env, xml):
    c = env.connect()
    return env.daemon.domain(c.DomainDefineXML(xml))


def start(env, xml):
    dom = define(env, xml)
    dom.Create(0)
    assert tuple(dom.GetState(0))[0] == RUNNING
    return dom


def boot_guest(env, guest, name):
    serial = os.path.join(env.state_dir, f'{name}.serial')
    dom = start(env, guest_domain(name, guest[0], guest[1], serial))
    wait_for(lambda: BOOTED in read(serial), 180, 'the boot marker')
    return dom, serial


def read(path):
    try:
        with open(path, errors='replace') as f:
            return f.read()
    except FileNotFoundError:
        return ''


def media_file(env, name, content):
    path = os.path.join(env.state_dir, name)
    with open(path, 'wb') as f:
        f.write(content.ljust(64 * 1024, b'\0'))
    return path


def qemu_open_files(env):
    """The files the (single) qemu process holds open."""
    pids = qemu_pids(env.state_dir)
    assert len(pids) == 1, pids
    fd_dir = f'/proc/{pids[0]}/fd'
    out = set()
    for fd in os.listdir(fd_dir):
        try:
            out.add(os.readlink(os.path.join(fd_dir, fd)))
        except OSError:
            pass
    return out


def cdrom_xml(source=None, bus='ide'):
    src = f"<source file='{source}'/>" if source else ''
    return f'''<disk type='file' device='cdrom'>
  <driver name='qemu' type='raw'/>{src}
  <target dev='hdc' bus='{bus}'/>
  <readonly/>
</disk>'''


def cdrom_source(dom, flags=0):
    disk = ET.fromstring(str(dom.GetXMLDesc(flags))).find("devices/disk[@device='cdrom']")
    src = disk.find('source')
    return None if src is None else src.get('file')


# InjectNMI ------------------------------------------------------------------------


def test_inject_nmi_running_and_inactive(env):
    dom = start(env, bare_domain('nmi-bare'))
    dom.InjectNMI(0)
    expect_error(dom.InjectNMI, 1, fragment='flags')
    dom.Destroy(0)
    expect_error(dom.InjectNMI, 0, fragment='not running')


def test_inject_nmi_reaches_the_guest_kernel(env, guest):
    dom, serial = boot_guest(env, guest, 'nmi-guest')
    dom.InjectNMI(0)
    # Linux reports an NMI nobody claims on the console at KERN_EMERG,
    # which "quiet" does not hide
    wait_for(lambda: 'NMI received for unknown reason' in read(serial), 60, 'the kernel reporting the NMI')
    assert tuple(dom.GetState(0))[0] == RUNNING


# SendKey --------------------------------------------------------------------------


def test_send_key_ctrl_alt_del_to_the_guest(env, guest):
    dom, serial = boot_guest(env, guest, 'keys-guest')
    # Cockpit's Ctrl+Alt+Del; the test guest's init (a shell as pid 1) has
    # no handler for the kernel's SIGINT, so the guest carries on
    dom.SendKey(CODESET_LINUX, 0, [KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE], 0)
    dom.SendKey(CODESET_LINUX, 50, [KEY_LEFTCTRL, KEY_LEFTALT, KEY_F2], 0)
    time.sleep(1)
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert 'Kernel panic' not in read(serial)


@pytest.mark.parametrize('codeset,keys', [
    (CODESET_LINUX, [KEY_LEFTALT, 99, 35]),
    (CODESET_ATSET1, [0x38, 0xe037, 0x23]),
    (CODESET_XT_KBD, [0x38, 0x137, 0x23]),
    (CODESET_QNUM, [0x38, 0xb7, 0x23]),
    (CODESET_XT, [0x38, 0x54, 0x23]),
], ids=['linux', 'atset1', 'xt_kbd', 'qnum', 'xt'])
def test_send_key_magic_sysrq_reaches_the_guest(env, guest, codeset, keys):
    dom, serial = boot_guest(env, guest, 'sysrq-guest')
    # Alt+SysRq+H: the guest kernel prints its SysRq help on the console,
    # which proves the keys, the prefixed SysRq among them, got through
    dom.SendKey(codeset, 0, keys, 0)
    wait_for(lambda: 'sysrq: HELP' in read(serial), 60, 'the SysRq help from the guest kernel')


def test_send_key_codesets(env):
    dom = start(env, bare_domain('keys-sets'))
    dom.SendKey(CODESET_XT, 0, [0x1d, 0x38, 0x53], 0)
    dom.SendKey(CODESET_ATSET1, 0, [0x1d, 0x38, 0xe053], 0)
    dom.SendKey(CODESET_XT_KBD, 0, [0x1d, 0x38, 0x153], 0)
    dom.SendKey(CODESET_QNUM, 0, [0x1d, 0x38, 0xd3], 0)
    # the extended keys of the linux set: right ctrl, arrows, meta, keypad enter
    dom.SendKey(CODESET_LINUX, 0, [97, 103, 108, 125, 96], 0)


@pytest.mark.parametrize('codeset,holdtime,keys,flags,fragment', [
    (CODESET_LINUX, 0, [], 0, 'between 1 and 16'),
    (CODESET_LINUX, 0, [KEY_LEFTCTRL] * 17, 0, 'between 1 and 16'),
    (CODESET_LINUX, 0, [84], 0, 'cannot translate keycode 84 of the linux keycode set'),
    (CODESET_LINUX, 0, [0], 0, 'cannot translate keycode 0'),
    (CODESET_LINUX, 0, [KEY_LEFTCTRL, 5000], 0, 'cannot translate keycode 5000'),
    (CODESET_XT, 0, [0x80], 0, 'of the xt keycode set'),
    (CODESET_ATSET1, 0, [0xe080], 0, 'of the atset1 keycode set'),
    (CODESET_QNUM, 0, [0x100], 0, 'of the qnum keycode set'),
    (CODESET_USB, 0, [4], 0, 'keycode set 7 is not supported'),
    (10, 0, [1], 0, 'keycode set 10 is not supported'),
    (99, 0, [1], 0, 'keycode set 99 is not supported'),
    (CODESET_LINUX, 0, [KEY_LEFTCTRL], 1, 'flags'),
])
def test_send_key_refused(env, codeset, holdtime, keys, flags, fragment):
    dom = start(env, bare_domain('keys-bad'))
    expect_error(dom.SendKey, codeset, holdtime, keys, flags, fragment=fragment)


def test_send_key_inactive(env):
    dom = define(env, bare_domain('keys-off'))
    expect_error(dom.SendKey, CODESET_LINUX, 0, [KEY_LEFTCTRL], 0, fragment='not running')


# PMWakeup -------------------------------------------------------------------------


def test_pm_wakeup_refused_unless_suspended(env):
    dom = define(env, bare_domain('pm'))
    expect_error(dom.PMWakeup, 0, fragment='not running')
    dom.Create(0)
    expect_error(dom.PMWakeup, 1, fragment='flags')
    # libvirt's own answer: the guest is not suspended
    expect_error(dom.PMWakeup, 0, fragment='not in PMSuspended state')
    assert tuple(dom.GetState(0))[0] == RUNNING


PMSUSPENDED, EVENT_STARTED, EVENT_PMSUSPENDED = 7, 2, 7
STARTED_WAKEUP, PMSUSPENDED_MEMORY, RUNNING_WAKEUP = 4, 0, 8


def test_guest_suspend_to_ram_and_pm_wakeup(env, guest):
    """The tiny guest sleeps (ACPI S3) on its own once booted with
    virtbus.suspend: the domain is pmsuspended, and PMWakeup wakes it."""
    serial = os.path.join(env.state_dir, 'sleepy.serial')
    xml = guest_domain('sleepy', guest[0], guest[1], serial, options='virtbus.suspend')
    rec = env.events()
    signals = SignalRecorder(env.daemon.bus, dbus_interface='org.libvirt.Domain')
    dom = start(env, xml)
    wait_for(lambda: tuple(dom.GetState(0)) == (PMSUSPENDED, 0), 180, 'the guest to suspend itself')
    rec.wait(lambda items: any(tuple(i[2][1:]) == (EVENT_PMSUSPENDED, PMSUSPENDED_MEMORY) for i in items), 10)
    signals.wait(lambda items: any(i[0] == 'PMSuspend' for i in items), 10)
    assert 'VIRTBUS-GUEST: resumed' not in read(serial)
    # asleep is not paused: Resume is no way to wake it (libvirt's answer)
    expect_error(dom.Resume, fragment='domain is pmsuspended')
    expect_error(dom.Suspend, fragment='domain is pmsuspended')
    assert tuple(dom.GetState(0)) == (PMSUSPENDED, 0)

    dom.PMWakeup(0)
    wait_for(lambda: tuple(dom.GetState(0)) == (RUNNING, RUNNING_WAKEUP), 30, 'the guest to run again')
    rec.wait(lambda items: any(tuple(i[2][1:]) == (EVENT_STARTED, STARTED_WAKEUP) for i in items), 10)
    signals.wait(lambda items: any(i[0] == 'PMWakeup' for i in items), 10)
    wait_for(lambda: 'VIRTBUS-GUEST: resumed' in read(serial), 60, 'the guest to say it woke up')
    expect_error(dom.PMWakeup, 0, fragment='not in PMSuspended state')
    dom.Destroy(0)


# UpdateDevice ---------------------------------------------------------------------


def test_cdrom_media_change_and_eject(env):
    first = media_file(env, 'first.iso', b'first')
    second = media_file(env, 'second.iso', b'second')
    dom = start(env, bare_domain('media', extra_devices=cdrom_xml(first)))
    assert cdrom_source(dom) == first
    assert first in qemu_open_files(env)
    trays = SignalRecorder(env.daemon.bus, dbus_interface='org.libvirt.Domain', signal_name='TrayChange',
                           path=dom.object_path)

    dom.UpdateDevice(cdrom_xml(second), 0)
    assert cdrom_source(dom) == second
    # qemu itself now reads the new media, and let go of the old
    wait_for(lambda: second in qemu_open_files(env) and first not in qemu_open_files(env), 30,
             'qemu switching to the new media')
    # the live change alone: the persistent definition keeps its media
    assert cdrom_source(dom, 2) == first
    # qemu moved the tray out and in for the change
    items = trays.wait(lambda items: [int(i[2][1]) for i in items][-1:] == [TRAY_CLOSED], timeout=30)
    alias = ET.fromstring(str(dom.GetXMLDesc(0))).find("devices/disk[@device='cdrom']/alias").get('name')
    assert {str(i[2][0]) for i in items} == {alias}
    assert TRAY_OPENED in [int(i[2][1]) for i in items]

    dom.UpdateDevice(cdrom_xml(), 0)
    assert cdrom_source(dom) is None
    wait_for(lambda: second not in qemu_open_files(env), 30, 'qemu letting go of the ejected media')
    disk = ET.fromstring(str(dom.GetXMLDesc(0))).find("devices/disk[@device='cdrom']")
    assert disk.find('target').get('dev') == 'hdc' and disk.find('alias') is not None

    # and media into the empty drive again, live and config together
    dom.UpdateDevice(cdrom_xml(first), AFFECT_LIVE | AFFECT_CONFIG)
    assert cdrom_source(dom) == first
    assert cdrom_source(dom, 2) == first
    wait_for(lambda: first in qemu_open_files(env), 30, 'qemu opening the media')


def test_cdrom_update_refusals_change_nothing(env):
    first = media_file(env, 'first.iso', b'first')
    dom = start(env, bare_domain('media-bad', extra_devices=cdrom_xml(first)))
    before_live, before_config = str(dom.GetXMLDesc(0)), str(dom.GetXMLDesc(2))

    missing = os.path.join(env.state_dir, 'missing.iso')
    expect_error(dom.UpdateDevice, cdrom_xml(missing), 0, fragment=f"cannot access storage file '{missing}'")
    expect_error(dom.UpdateDevice, cdrom_xml(first, bus='sata'), 0,
                 fragment="only the media of disk 'hdc' can be changed")
    expect_error(dom.UpdateDevice, cdrom_xml(first).replace('hdc', 'hdd'), 0, fragment='no disk with this target')
    expect_error(dom.UpdateDevice, "<video><model type='vga'/></video>", 0, fragment='updating <video>')
    expect_error(dom.UpdateDevice, '<disk', 0)
    expect_error(dom.UpdateDevice, cdrom_xml(first), 4, fragment='flags')

    assert str(dom.GetXMLDesc(0)) == before_live
    assert str(dom.GetXMLDesc(2)) == before_config
    assert first in qemu_open_files(env)


def test_disk_media_is_not_removable(env):
    image = media_file(env, 'disk.img', b'disk')
    other = media_file(env, 'other.img', b'other')
    disk = "<disk type='file' device='disk'><source file='{}'/><target dev='vda' bus='virtio'/></disk>"
    dom = start(env, bare_domain('media-disk', extra_devices=disk.format(image)))
    expect_error(dom.UpdateDevice, disk.format(other), 0, fragment='only cdrom devices have removable media')
    # the same device again changes nothing, and is fine
    dom.UpdateDevice(disk.format(image), 0)


def test_cdrom_config_only_on_an_inactive_domain(env):
    first = media_file(env, 'first.iso', b'first')
    dom = define(env, bare_domain('media-off', extra_devices=cdrom_xml(first)))
    expect_error(dom.UpdateDevice, cdrom_xml(), AFFECT_LIVE, fragment='not running')
    # the file need not exist for the config: it is checked at start, as in libvirt
    missing = os.path.join(env.state_dir, 'later.iso')
    dom.UpdateDevice(cdrom_xml(missing), 0)
    assert cdrom_source(dom) == missing
    dom.UpdateDevice(cdrom_xml(), AFFECT_CONFIG)
    assert cdrom_source(dom) is None
    dom.Create(0)
    assert cdrom_source(dom) is None


def nic_xml(state=None, model='virtio'):
    link = f"<link state='{state}'/>" if state else ''
    return f'''<interface type='user'>
  <mac address='52:54:00:12:34:56'/>
  <model type='{model}'/>{link}
</interface>'''


def link_state(dom, flags=0):
    link = ET.fromstring(str(dom.GetXMLDesc(flags))).find('devices/interface/link')
    return None if link is None else link.get('state')


def test_interface_link_state(env):
    dom = start(env, bare_domain('link', extra_devices=nic_xml()))
    assert link_state(dom) is None
    dom.UpdateDevice(nic_xml('down'), 0)
    assert link_state(dom) == 'down'
    assert link_state(dom, 2) is None
    dom.UpdateDevice(nic_xml('up'), AFFECT_LIVE | AFFECT_CONFIG)
    assert link_state(dom) == 'up'
    assert link_state(dom, 2) == 'up'

    before = str(dom.GetXMLDesc(0))
    expect_error(dom.UpdateDevice, nic_xml('down', model='e1000'), 0, fragment='only the link state')
    expect_error(dom.UpdateDevice, nic_xml('down').replace('12:34:56', '65:43:21'), 0,
                 fragment='no interface with this MAC address')
    assert str(dom.GetXMLDesc(0)) == before


def test_link_state_survives_a_daemon_restart(env):
    dom = start(env, bare_domain('link-restart', extra_devices=nic_xml()))
    dom.UpdateDevice(nic_xml('down'), AFFECT_LIVE)
    path = dom.object_path
    env.daemon.stop()
    env.start()
    dom = env.daemon.domain(path)
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert link_state(dom) == 'down'


def test_link_down_from_the_definition(env):
    # qemu has no option for it: set before the guest first runs, which
    # fails the start if qemu does not know the NIC by its alias
    dom = start(env, bare_domain('link-start', extra_devices=nic_xml('down')))
    assert link_state(dom) == 'down'
    dom.UpdateDevice(nic_xml('up'), 0)
    assert link_state(dom) == 'up'
    assert link_state(dom, 2) == 'down'


def test_cdrom_media_qemu_refuses_leaves_the_old_media(env):
    first = media_file(env, 'first.iso', b'first')
    raw = media_file(env, 'raw.iso', b'raw')
    dom = start(env, bare_domain('media-fail', extra_devices=cdrom_xml(first)))
    trays = SignalRecorder(env.daemon.bus, dbus_interface='org.libvirt.Domain', signal_name='TrayChange',
                           path=dom.object_path)
    before = str(dom.GetXMLDesc(0))
    # a raw file announced as qcow2: qemu's refusal, after the tray opened
    expect_error(dom.UpdateDevice, cdrom_xml(raw).replace("type='raw'", "type='qcow2'"), 0, fragment='qcow2')
    assert str(dom.GetXMLDesc(0)) == before
    assert first in qemu_open_files(env)
    # and the tray is closed again over the old media
    trays.wait(lambda items: [int(i[2][1]) for i in items][-1:] == [TRAY_CLOSED], timeout=30)
    # which still changes afterwards
    dom.UpdateDevice(cdrom_xml(raw), 0)
    assert cdrom_source(dom) == raw



# root and iproute2, as the namespace harness needs
@test_qemu_network.pytestmark[1]
@test_qemu_network.pytestmark[2]
def test_link_state_of_a_bridged_nic(netenv):
    ns = netenv.netns
    ns.run('ip', 'link', 'add', 'vqlbr0', 'type', 'bridge')
    ns.run('ip', 'link', 'set', 'vqlbr0', 'up')
    nic = ("<interface type='bridge'><mac address='52:54:00:5f:00:01'/><source bridge='vqlbr0'/>"
           "<model type='virtio'/>{}</interface>")
    path = start_bare(netenv, 'bridged-link', nic.format(''))
    assert "<target dev='vnet" in live_xml(netenv, path)
    # the caller's XML need not repeat the tap the domain got
    netenv.daemon.domain(path).UpdateDevice(nic.format("<link state='down'/>"), 0)
    live = live_xml(netenv, path)
    assert "<link state='down'/>" in live and "<target dev='vnet" in live, live
