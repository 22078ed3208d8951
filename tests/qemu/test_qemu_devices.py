# SPDX-License-Identifier: LGPL-2.1-or-later
"""Controllers and firmware on /org/libvirt/QEMU: the controllers of a
definition become devices of the qemu process (seen on its command line),
disks and USB input land on the controller they name, models qemu lacks
or the driver cannot build are refused before any qemu starts, and UEFI
guests boot under OVMF with a per-domain variable store made from the
descriptor's template."""
import glob
import os
import xml.etree.ElementTree as ET

import pytest

from qemutest import (RUNNING, bare_domain, expect_error, guest_domain, guest_files, qemu_pids,
                      requires_qemu, wait_for)

pytestmark = requires_qemu

UNDEFINE_NVRAM = 1 << 2
UNDEFINE_KEEP_NVRAM = 1 << 3
OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd'
OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd'
requires_ovmf = pytest.mark.skipif(not glob.glob('/usr/share/qemu/firmware/*.json') or
                                   not os.path.exists(OVMF_CODE),
                                   reason='no OVMF with firmware descriptors (Debian package ovmf)')


@pytest.fixture(scope='module')
def guest():
    files = guest_files()
    if files is None:
        pytest.skip('the tiny test guest cannot be built here')
    return files


def qemu_argv(env):
    pids = qemu_pids(env.state_dir)
    assert len(pids) == 1, pids
    with open(f'/proc/{pids[0]}/cmdline', 'rb') as f:
        return f.read().decode().split('\0')


def devices(argv):
    """The -device option strings, keyed by their id."""
    out = {}
    for i, a in enumerate(argv[:-1]):
        if a == '-device':
            props = dict(p.split('=', 1) if '=' in p else ('driver', p) for p in argv[i + 1].split(','))
            out[props.get('id', argv[i + 1])] = props
    return out


def domain_xml(name, machine, devices_xml, os_extra='', firmware=''):
    return f'''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os{firmware}><type arch='x86_64' machine='{machine}'>hvm</type>{os_extra}</os>
  <features><acpi/></features>
  <devices>
    {devices_xml}
    <memballoon model='none'/>
  </devices>
</domain>'''


def start(env, xml):
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(xml))
    dom.Create(0)
    assert tuple(dom.GetState(0))[0] == RUNNING
    return dom


@requires_ovmf
def test_uefi_guest_boots_with_its_own_nvram(env, guest):
    kernel, initrd = guest
    serial = os.path.join(env.state_dir, 'serial.log')
    xml = guest_domain('efi1', kernel, initrd, serial).replace("<os>", "<os firmware='efi'>")
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(xml))

    # settled at define time, as libvirt does
    os_el = ET.fromstring(str(dom.GetXMLDesc(0))).find('os')
    assert os_el.get('firmware') == 'efi'
    loader, nvram = os_el.find('loader'), os_el.find('nvram')
    assert loader.text == OVMF_CODE
    assert loader.get('type') == 'pflash' and loader.get('readonly') == 'yes'
    assert nvram.get('template') == OVMF_VARS
    assert nvram.text.startswith(env.state_dir) and nvram.text.endswith('/efi1_VARS.fd')
    assert not os.path.exists(nvram.text)

    dom.Create(0)
    assert os.path.exists(nvram.text)
    with open(nvram.text, 'rb') as made, open(OVMF_VARS, 'rb') as template:
        assert len(made.read()) == len(template.read())
    argv = qemu_argv(env)
    assert f'file={OVMF_CODE},if=pflash,format=raw,unit=0,readonly=on' in argv
    assert f'file={nvram.text},if=pflash,format=raw,unit=1' in argv
    live = ET.fromstring(str(dom.GetXMLDesc(0))).find('os')
    assert live.find('nvram').text == nvram.text

    def booted():
        try:
            with open(serial, errors='replace') as f:
                return 'VIRTBUS-GUEST: booted' in f.read()
        except FileNotFoundError:
            return False
    # OVMF under TCG takes its time; only the marker matters
    wait_for(booted, 180, 'the boot marker under OVMF')
    dom.Destroy(0)

    expect_error(dom.Undefine, 0, fragment='nvram')
    assert os.path.exists(nvram.text)
    expect_error(dom.Undefine, UNDEFINE_NVRAM | UNDEFINE_KEEP_NVRAM, fragment='mutually exclusive')
    dom.Undefine(UNDEFINE_NVRAM)
    assert not os.path.exists(nvram.text)
    assert list(c.ListDomains(0)) == []


@requires_ovmf
def test_uefi_keep_nvram_and_explicit_loader(env):
    c = env.connect()
    nvram = os.path.join(env.state_dir, 'mine_VARS.fd')
    os_extra = (f"<loader readonly='yes' type='pflash'>{OVMF_CODE}</loader>"
                f"<nvram template='{OVMF_VARS}'>{nvram}</nvram>")
    dom = start(env, domain_xml('efi2', 'q35', '', os_extra))
    assert os.path.exists(nvram)
    assert f'file={nvram},if=pflash,format=raw,unit=1' in qemu_argv(env)
    dom.Destroy(0)
    dom.Undefine(UNDEFINE_KEEP_NVRAM)
    assert os.path.exists(nvram)
    assert list(c.ListDomains(0)) == []


@requires_ovmf
def test_rename_moves_our_nvram_file_only(env):
    dom = start(env, domain_xml('efi-old', 'q35', '', firmware=" firmware='efi'"))
    dom.Destroy(0)
    old = ET.fromstring(str(dom.GetXMLDesc(0))).find('os/nvram').text
    assert old.endswith('/efi-old_VARS.fd') and os.path.exists(old)

    # a file already under the new name is somebody's store: refused, nothing moves
    blocker = old.replace('efi-old_VARS', 'efi-taken_VARS')
    open(blocker, 'wb').close()
    expect_error(dom.Rename, 'efi-taken', 0, fragment='already exists')
    assert os.path.exists(old)
    assert '<name>efi-old</name>' in str(dom.GetXMLDesc(0))
    os.unlink(blocker)

    dom.Rename('efi-new', 0)
    new = ET.fromstring(str(dom.GetXMLDesc(0))).find('os/nvram').text
    assert new == old.replace('efi-old_VARS', 'efi-new_VARS')
    assert os.path.exists(new) and not os.path.exists(old)
    dom.Create(0)
    assert f'file={new},if=pflash,format=raw,unit=1' in qemu_argv(env)
    dom.Destroy(0)

    # a store the user placed elsewhere keeps its path
    mine = os.path.join(env.state_dir, 'elsewhere_VARS.fd')
    os_extra = (f"<loader readonly='yes' type='pflash'>{OVMF_CODE}</loader>"
                f"<nvram template='{OVMF_VARS}'>{mine}</nvram>")
    other = start(env, domain_xml('efi-mine', 'q35', '', os_extra))
    other.Destroy(0)
    other.Rename('efi-mine2', 0)
    assert ET.fromstring(str(other.GetXMLDesc(0))).find('os/nvram').text == mine
    assert os.path.exists(mine)


@requires_ovmf
def test_uefi_secure_boot_on_request(env, guest):
    kernel, initrd = guest
    serial = os.path.join(env.state_dir, 'serial.log')
    features = "<firmware><feature enabled='yes' name='secure-boot'/><feature enabled='no' name='enrolled-keys'/></firmware>"
    xml = (guest_domain('sb1', kernel, initrd, serial)
           .replace("<os>", "<os firmware='efi'>")
           .replace("machine='pc'>hvm</type>", "machine='q35'>hvm</type>" + features))
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(xml))
    loader = ET.fromstring(str(dom.GetXMLDesc(0))).find('os').find('loader')
    assert loader.text == '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd'
    assert loader.get('secure') == 'yes'
    dom.Create(0)
    argv = qemu_argv(env)
    assert 'smm=on' in argv and 'driver=cfi.pflash01,property=secure,value=on' in argv
    # no keys enrolled: the unsigned test kernel still boots
    wait_for(lambda: 'VIRTBUS-GUEST: booted' in open(serial, errors='replace').read(), 180,
             'the boot marker under Secure Boot OVMF')
    dom.Destroy(0)
    dom.Undefine(UNDEFINE_NVRAM)


@requires_ovmf
def test_rom_loader_and_bad_firmware(env):
    c = env.connect()
    dom = start(env, domain_xml('rom1', 'pc', '', "<loader type='rom'>/usr/share/seabios/bios-256k.bin</loader>"))
    argv = qemu_argv(env)
    assert argv[argv.index('-bios') + 1] == '/usr/share/seabios/bios-256k.bin'
    assert not any('if=pflash' in a for a in argv)
    dom.Destroy(0)
    dom.Undefine(0)

    # secure boot was asked for, but the pc machine has no descriptor with it
    secure = "<firmware><feature enabled='yes' name='secure-boot'/></firmware>"
    expect_error(c.DomainDefineXML, domain_xml('sb', 'pc', '', secure, " firmware='efi'"),
                 fragment="satisfy 'efi'")
    expect_error(c.DomainDefineXML, domain_xml('fw', 'pc', '', '', " firmware='coreboot'"),
                 fragment='coreboot')
    dom = env.daemon.domain(c.DomainDefineXML(
        domain_xml('gone', 'pc', '', "<loader type='rom'>/nonexistent/bios.bin</loader>")))
    expect_error(dom.Create, 0, fragment='/nonexistent/bios.bin')
    assert qemu_pids(env.state_dir) == []
    assert list(c.ListDomains(0)) == [c.DomainLookupByName('gone')]


@requires_ovmf
def test_domain_capabilities_list_ovmf(env):
    c = env.connect()
    dcaps = ET.fromstring(str(c.GetDomainCapabilities('', 'x86_64', 'q35', 'qemu', 0)))
    os_el = dcaps.find('os')
    firmware = [v.text for e in os_el.findall('enum') if e.get('name') == 'firmware' for v in e.findall('value')]
    assert firmware == ['efi']
    loader = os_el.find('loader')
    assert loader.get('supported') == 'yes'
    assert OVMF_CODE in [v.text for v in loader.findall('value')]
    enums = {e.get('name'): [v.text for v in e.findall('value')] for e in loader.findall('enum')}
    assert enums['type'] == ['rom', 'pflash']
    assert enums['readonly'] == ['yes', 'no']


def disk_image(env, name, size=1 << 20):
    path = os.path.join(env.state_dir, name)
    with open(path, 'wb') as f:
        f.truncate(size)
    return path


def test_controllers_on_q35(env):
    scsi0, scsi1, sata = (disk_image(env, n) for n in ('scsi0.img', 'scsi1.img', 'sata.img'))
    controllers = f'''
    <disk type='file' device='disk'><source file='{scsi0}'/><target dev='sda' bus='scsi'/></disk>
    <disk type='file' device='disk'>
      <source file='{scsi1}'/><target dev='sdb' bus='scsi'/>
      <address type='drive' controller='1' bus='0' target='0' unit='3'/>
    </disk>
    <disk type='file' device='disk'><source file='{sata}'/><target dev='sdc' bus='sata'/></disk>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='scsi' index='0' model='virtio-scsi'/>
    <controller type='scsi' index='1' model='virtio-scsi'/>
    <controller type='sata' index='0'/>
    <controller type='virtio-serial' index='0' ports='8'/>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/><target chassis='1' port='0x10'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <model name='pcie-root-port'/><target chassis='2' port='0x11'/>
    </controller>
    <controller type='pci' index='3' model='pcie-to-pci-bridge'>
      <model name='pcie-pci-bridge'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </controller>
    <input type='tablet' bus='usb'/>'''
    dom = start(env, domain_xml('ctl-q35', 'q35', controllers))
    dev = devices(qemu_argv(env))
    assert dev['usb']['driver'] == 'qemu-xhci'
    assert dev['scsi0']['driver'] == 'virtio-scsi-pci' and dev['scsi1']['driver'] == 'virtio-scsi-pci'
    assert dev['virtio-serial0'] == {'driver': 'virtio-serial-pci', 'id': 'virtio-serial0', 'max_ports': '8'}
    assert dev['pci.1'] == {'driver': 'pcie-root-port', 'port': '16', 'chassis': '1', 'id': 'pci.1',
                            'bus': 'pcie.0'}
    assert dev['pci.2']['chassis'] == '2'
    assert dev['pci.3'] == {'driver': 'pcie-pci-bridge', 'id': 'pci.3', 'bus': 'pci.1'}
    # disks on the controllers their addresses name, the SATA one on q35's own AHCI
    assert dev['scsi-disk0']['bus'] == 'scsi0.0'
    assert dev['scsi-disk1']['bus'] == 'scsi1.0' and dev['scsi-disk1']['lun'] == '3'
    assert dev['sata-disk0']['bus'] == 'ide.2'  # sdc: the third port, as libvirt places it
    assert dev['input0'] == {'driver': 'usb-tablet', 'id': 'input0', 'bus': 'usb.0'}
    assert not any(d['driver'] == 'ich9-ahci' for d in dev.values())
    # the live XML names each controller's qemu id, as libvirt's does
    live = ET.fromstring(str(dom.GetXMLDesc(0)))
    aliases = {(c.get('type'), c.get('index')): c.find('alias').get('name')
               for c in live.find('devices').findall('controller')}
    assert aliases == {('usb', '0'): 'usb', ('scsi', '0'): 'scsi0', ('scsi', '1'): 'scsi1', ('sata', '0'): 'ide',
                       ('virtio-serial', '0'): 'virtio-serial0', ('pci', '0'): 'pcie.0', ('pci', '1'): 'pci.1',
                       ('pci', '2'): 'pci.2', ('pci', '3'): 'pci.3'}
    assert ET.fromstring(str(dom.GetXMLDesc(2))).find('devices/controller/alias') is None  # inactive
    dom.Destroy(0)


def test_usb_defaults_and_ehci_companions(env):
    # no controller element: libvirt's default USB controller for pc
    dom = start(env, bare_domain('usb-default', extra_devices="<input type='tablet' bus='usb'/>"))
    dev = devices(qemu_argv(env))
    assert dev['usb']['driver'] == 'piix3-usb-uhci'
    assert dev['input0']['bus'] == 'usb.0'
    dom.Destroy(0)

    ehci = '''
    <controller type='usb' index='0' model='ich9-ehci1'/>
    <controller type='usb' index='0' model='ich9-uhci1'/>
    <controller type='usb' index='0' model='ich9-uhci2'/>
    <controller type='usb' index='0' model='ich9-uhci3'/>
    <controller type='usb' index='1' model='nec-xhci'/>
    <controller type='pci' index='1' model='pci-bridge'/>
    <input type='keyboard' bus='usb'><address type='usb' bus='1' port='1'/></input>
    <input type='mouse' bus='usb'/>'''
    dom = start(env, domain_xml('usb-ehci', 'pc', ehci))
    argv = qemu_argv(env)
    dev = devices(argv)
    assert dev['usb']['driver'] == 'ich9-usb-ehci1' and dev['usb1']['driver'] == 'nec-usb-xhci'
    companions = [argv[i + 1] for i, a in enumerate(argv[:-1])
                  if a == '-device' and argv[i + 1].startswith('ich9-usb-uhci')]
    assert companions == ['ich9-usb-uhci1,masterbus=usb.0,firstport=0', 'ich9-usb-uhci2,masterbus=usb.0,firstport=2',
                          'ich9-usb-uhci3,masterbus=usb.0,firstport=4']
    assert argv.index(companions[0]) > argv.index(next(a for a in argv if a.startswith('ich9-usb-ehci1')))
    assert dev['pci.1'] == {'driver': 'pci-bridge', 'chassis_nr': '1', 'id': 'pci.1', 'bus': 'pci.0'}
    assert dev['input0']['bus'] == 'usb1.0' and dev['input1']['bus'] == 'usb.0'
    dom.Destroy(0)


def test_usb_none(env):
    c = env.connect()
    dom = start(env, bare_domain('usb-none', extra_devices="<controller type='usb' model='none'/>"))
    argv = qemu_argv(env)
    assert not any('usb' in a for a in argv if not a.startswith('guest='))
    dom.Destroy(0)

    tablet = "<controller type='usb' model='none'/><input type='tablet' bus='usb'/>"
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain('usb-none-tablet', extra_devices=tablet)))
    expect_error(dom.Create, 0, fragment='USB is disabled')
    expect_error(c.DomainCreateXML, bare_domain('usb-none-t2', extra_devices=tablet), 0,
                 fragment='USB is disabled')
    assert qemu_pids(env.state_dir) == []


@pytest.mark.parametrize('controllers, fragment', [
    ("<controller type='scsi' index='0' model='buslogic'/>", "SCSI controller model 'buslogic'"),
    ("<controller type='usb' index='0' model='pci-ohci'/>", "USB controller model 'pci-ohci'"),
    ("<controller type='pci' index='1' model='pcie-root-port'/>", 'PCI Express'),
    ("<controller type='pci' index='0' model='pcie-root'/>", "'pcie-root'"),
    ("<controller type='ide' index='1'/>", 'IDE controller 1'),
    ("<controller type='ccid' index='0'/>", "controller type 'ccid'"),
    ("<controller type='usb' index='0' model='none'/><controller type='usb' index='1' model='qemu-xhci'/>",
     'disables USB'),
    ("<controller type='scsi' index='0'/><controller type='scsi' index='0'/>", 'more than one'),
])
def test_unsupported_controllers_leave_no_qemu(env, controllers, fragment):
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain('bad-ctl', extra_devices=controllers)))
    expect_error(dom.Create, 0, fragment=fragment)
    assert qemu_pids(env.state_dir) == []
    assert tuple(dom.GetState(0))[0] != RUNNING
    # the definition is kept as it was
    assert 'controller' in str(dom.GetXMLDesc(0))
