# SPDX-License-Identifier: LGPL-2.1-or-later
"""The QEMU driver of the system service (virtbusd --system, activated on a
private system bus, real polkitd): an unprivileged member of the admin group
defines and runs a real qemu guest through polkit, the definition lands in
/etc/virtbus/qemu and the live status in /run/virtbus/qemu, a caller without
a rule changes nothing, and a restarted service finds the guest again."""
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

import pytest

from test_polkit import DOMAIN, denied, ok

# not "from conftest import": with tests/qemu collected too, that names
# the other folder's
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, 'tests', 'qemu'))
from qemutest import guest_files, wait_for  # noqa: E402

QEMU_ROOT = '/org/libvirt/QEMU'
CONNECT = 'org.libvirt.Connect'
CONFIG_DIR = '/etc/virtbus/qemu'
RUN_DIR = '/run/virtbus/qemu'

pytestmark = pytest.mark.skipif(shutil.which('qemu-system-x86_64') is None,
                                reason='qemu-system-x86_64 is not installed')


def bare_xml(name, uuid):
    return f'''<domain type='qemu'>
  <name>{name}</name><uuid>{uuid}</uuid>
  <memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>'''


def qemu_pids_of(uuid):
    pids = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        if argv and argv[0].endswith(b'qemu-system-x86_64') and uuid.encode() in argv:
            pids.append(int(pid))
    return pids


@pytest.fixture
def guest():
    """A name and UUID of our own; whatever the test leaves is removed."""
    uuid = str(uuidlib.uuid4())
    yield f'vbsys-{os.getpid()}', uuid
    for pid in qemu_pids_of(uuid):
        os.kill(pid, signal.SIGKILL)
    for path in (f'{CONFIG_DIR}/{uuid}.xml', f'{RUN_DIR}/{uuid}.status', f'{RUN_DIR}/{uuid}.log',
                 f'{RUN_DIR}/{uuid}.owned'):
        if os.path.exists(path):
            os.unlink(path)


def domain_state(env, path):
    return ok(env.call_as(None, path, DOMAIN, 'GetState', 0))[0]


def test_admin_runs_a_real_guest_in_system_paths(env, guest):
    name, uuid = guest
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', bare_xml(name, uuid)))
    assert os.path.exists(f'{CONFIG_DIR}/{uuid}.xml')
    assert os.stat(CONFIG_DIR).st_mode & 0o077 == 0

    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    assert domain_state(env, path) == 1
    assert os.path.exists(f'{RUN_DIR}/{uuid}.status')
    pids = qemu_pids_of(uuid)
    assert len(pids) == 1
    # its monitor socket and pid file are in the system run directory
    with open(f'{RUN_DIR}/{uuid}.pid') as f:
        assert int(f.read()) == pids[0]

    # a caller with no rule can look, not stop it
    denied(env.call_as('vbnobody', path, DOMAIN, 'Destroy', 0), 'org.libvirt.unix.manage')
    assert domain_state(env, path) == 1

    # the service goes away (idle exit, upgrade); the guest does not, and
    # the next call's activation finds it again
    env.stop_virtbusd()
    assert qemu_pids_of(uuid) == pids
    assert domain_state(env, path) == 1
    xml = ok(env.call_as('vbadmin', path, DOMAIN, 'GetXMLDesc', 0))
    assert f"<domain type='qemu' id=" in xml

    ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
    assert domain_state(env, path) == 5
    deadline = time.monotonic() + 10
    while qemu_pids_of(uuid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert qemu_pids_of(uuid) == []
    assert not os.path.exists(f'{RUN_DIR}/{uuid}.status')
    ok(env.call_as('vbadmin', path, DOMAIN, 'Undefine', 0))
    assert not os.path.exists(f'{CONFIG_DIR}/{uuid}.xml')


def guest_xml(name, uuid, kernel, initrd, disk, serial):
    return f'''<domain type='qemu'>
  <name>{name}</name><uuid>{uuid}</uuid>
  <memory unit='MiB'>256</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel><initrd>{initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='{disk}'/><target dev='vda' bus='virtio'/></disk>
    <serial type='file'><source path='{serial}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>'''


def proc_status(pid):
    with open(f'/proc/{pid}/status') as f:
        return dict(line.rstrip('\n').split(':\t', 1) for line in f if ':\t' in line)


def daemon_pid(env):
    conn = env.connection()
    try:
        return int(conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                                      'GetConnectionUnixProcessID', 's', ['org.libvirt']))
    finally:
        conn.close()


def owner(path):
    st = os.stat(path)
    return st.st_uid, st.st_gid


def remembered(path):
    try:
        return os.getxattr(path, 'trusted.virtbus.owner')
    except OSError:
        return None


def cgroup_dir(cgroup):
    with open('/proc/self/mountinfo') as f:
        mount = next(line.split()[4] for line in f if ' - cgroup2 ' in line)
    return mount + cgroup


def devices_open_in(cgroup):
    """Which devices a process of @cgroup (v2) may open."""
    script = (f'import errno, os\n'
              f'open("{cgroup_dir(cgroup)}/cgroup.procs", "w").write("0")\n'
              f'for d in ("/dev/null", "/dev/kmsg"):\n'
              f'    try:\n'
              f'        os.close(os.open(d, os.O_RDONLY)); print(d, "ok")\n'
              f'    except OSError as e:\n'
              f'        print(d, errno.errorcode[e.errno])\n')
    out = subprocess.run(['/usr/bin/python3', '-c', script], capture_output=True, text=True, check=True)
    return dict(line.split() for line in out.stdout.splitlines())


@pytest.fixture
def guest_dir():
    """The tiny guest's kernel and initrd, a disk image of vbadmin's (0600:
    only a lent file opens) and the serial log, in a directory every user
    may enter (root's home is not one)."""
    files = guest_files()
    if files is None:
        pytest.skip('the tiny test guest cannot be built here')
    # not pytest's tmp_path: its parent is root's alone
    d = pathlib.Path(tempfile.mkdtemp(prefix='virtbus-guest-'))
    os.chmod(d, 0o755)
    for src in files:
        shutil.copy(src, d)
    disk = d / 'disk.img'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'raw', str(disk), '1M'], check=True)
    os.chmod(disk, 0o600)
    os.chown(disk, 61001, 61001)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def start_confined(env, guest, d):
    name, uuid = guest
    xml = guest_xml(name, uuid, d / 'vmlinuz', d / 'initrd.gz', d / 'disk.img', d / 'serial.log')
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', xml))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    pids = qemu_pids_of(uuid)
    assert len(pids) == 1
    return path, pids[0]


def test_system_guest_runs_confined(env, guest, guest_dir):
    name, uuid = guest
    _, quid, qgid = env.qemu_user
    disk = str(guest_dir / 'disk.img')
    path, pid = start_confined(env, guest, guest_dir)

    # the qemu user, no capabilities and no way back to any, seccomp on
    status = proc_status(pid)
    assert status['Uid'].split() == [str(quid)] * 4
    assert status['Gid'].split() == [str(qgid)] * 4
    assert status['CapEff'] == '0000000000000000'
    assert status['CapPrm'] == '0000000000000000'
    assert status['CapBnd'] == '0000000000000000'
    assert status['NoNewPrivs'] == '1'
    assert status['Seccomp'] == '2'
    # its own mount namespace, whose /dev holds only what this guest needs
    dpid = daemon_pid(env)
    assert os.readlink(f'/proc/{pid}/ns/mnt') != os.readlink(f'/proc/{dpid}/ns/mnt')
    assert sorted(os.listdir(f'/proc/{pid}/root/dev')) == sorted([
        'null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx', 'pts', 'shm',
        'fd', 'stdin', 'stdout', 'stderr'])
    # and its own cgroup, in which only those devices open
    with open(f'/proc/{pid}/cgroup') as f:
        cgroup = next(line[3:].strip() for line in f if line.startswith('0::'))
    assert cgroup.endswith(f'/virtbus-qemu-{uuid}')
    assert devices_open_in(cgroup) == {'/dev/null': 'ok', '/dev/kmsg': 'EPERM'}

    # the disk is lent for the run, its owner remembered on it
    assert owner(disk) == (quid, qgid)
    assert remembered(disk) == f'61001:61001 {uuid}'.encode()
    wait_for(lambda: 'VIRTBUS-GUEST: booted' in (guest_dir / 'serial.log').read_text(errors='replace'),
               60, 'the boot marker on the serial console')

    ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
    assert owner(disk) == (61001, 61001)
    assert remembered(disk) is None
    assert not os.path.exists(f'{RUN_DIR}/{uuid}.owned')
    assert not os.path.exists(cgroup_dir(cgroup))


def test_owner_restored_after_daemon_crash(env, guest, guest_dir):
    name, uuid = guest
    _, quid, qgid = env.qemu_user
    disk = str(guest_dir / 'disk.img')

    # killed while the guest runs: a new daemon stops the guest and gives
    # the disk back
    path, pid = start_confined(env, guest, guest_dir)
    os.kill(daemon_pid(env), signal.SIGKILL)
    assert owner(disk) == (quid, qgid)
    assert domain_state(env, path) == 1
    ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
    assert owner(disk) == (61001, 61001)
    assert remembered(disk) is None

    # and when the guest died too while no daemon ran
    path, pid = start_confined(env, guest, guest_dir)
    os.kill(daemon_pid(env), signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not qemu_pids_of(uuid), 10, 'qemu to die')
    assert domain_state(env, path) == 5
    assert owner(disk) == (61001, 61001)
    assert remembered(disk) is None
    assert not os.path.exists(f'{RUN_DIR}/{uuid}.owned')


def test_owner_restored_after_crash_while_starting(env, guest, guest_dir):
    """A daemon killed after lending a guest's files but before writing its
    status: the next one gives them back."""
    _, quid, qgid = env.qemu_user
    disk = str(guest_dir / 'disk.img')
    key = str(uuidlib.uuid4())
    record = f'{RUN_DIR}/{key}.owned'
    env.stop_virtbusd()
    os.makedirs(RUN_DIR, exist_ok=True)
    os.setxattr(disk, 'trusted.virtbus.owner', f'61001:61001 {key}'.encode())
    os.chown(disk, quid, qgid)
    with open(record, 'wb') as f:
        f.write(disk.encode() + b'\0')
    try:
        ok(env.call_as(None, QEMU_ROOT, CONNECT, 'ListDomains', 0))
        assert owner(disk) == (61001, 61001)
        assert remembered(disk) is None
        assert not os.path.exists(record)
    finally:
        if os.path.exists(record):
            os.unlink(record)


def test_uefi_guest_opens_its_variable_store(env, guest):
    """The NVRAM store under /var/lib/virtbus is lent, and the qemu user can
    reach it."""
    name, uuid = guest
    _, quid, qgid = env.qemu_user
    xml = bare_xml(name, uuid).replace("<os>", "<os firmware='efi'>")
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', xml))
    try:
        ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
        nvram = f'/var/lib/virtbus/qemu/nvram/{name}_VARS.fd'
        assert owner(nvram) == (quid, qgid)
        ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
        assert owner(nvram) == (0, 0)
    finally:
        ok(env.call_as('vbadmin', path, DOMAIN, 'Undefine', 4))  # VIR_DOMAIN_UNDEFINE_NVRAM


def test_plugged_files_are_lent_while_plugged(env, guest, guest_dir):
    """A disk attached to a running guest, and a cdrom's new media, are lent
    as the guest's own disks are, and given back when the media changes
    again or the guest stops."""
    name, uuid = guest
    _, quid, qgid = env.qemu_user
    files = {}
    for f in ('a.iso', 'b.iso', 'extra.img'):
        files[f] = str(guest_dir / f)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'raw', files[f], '1M'], check=True)
        os.chmod(files[f], 0o600)
        os.chown(files[f], 61001, 61001)
    cdrom = '''<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='{}'/><target dev='hdc' bus='ide'/><readonly/></disk>'''
    xml = bare_xml(name, uuid).replace('<devices>', '<devices>' + cdrom.format(files['a.iso']))
    xml = xml.replace('</os>', '</os><features><acpi/></features>')  # PCI hot-plug
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', xml))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    assert owner(files['a.iso']) == (quid, qgid)

    ok(env.call_as('vbadmin', path, DOMAIN, 'UpdateDevice', cdrom.format(files['b.iso']), 1))
    assert owner(files['b.iso']) == (quid, qgid)
    wait_for(lambda: owner(files['a.iso']) == (61001, 61001), 5, 'the old media to be given back')

    ok(env.call_as('vbadmin', path, DOMAIN, 'AttachDevice', f'''<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/><source file='{files['extra.img']}'/>
      <target dev='vdb' bus='virtio'/></disk>''', 1))
    assert owner(files['extra.img']) == (quid, qgid)

    ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
    for f in files.values():
        assert owner(f) == (61001, 61001), f
        assert remembered(f) is None, f


def test_confined_guest_saves_restores_and_dumps(env, guest, tmp_path):
    """qemu, confined, can open no file of root's and spawn nothing: the
    daemon hands it the save file, the saved state and the dump file."""
    name, uuid = guest
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', bare_xml(name, uuid)))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    dump = str(tmp_path / 'guest.core')
    ok(env.call_as('vbadmin', path, DOMAIN, 'CoreDump', dump, 0, 0))
    with open(dump, 'rb') as f:
        assert f.read(4) == b'\x7fELF'
    assert os.stat(dump).st_uid == 0

    ok(env.call_as('vbadmin', path, DOMAIN, 'ManagedSave', 0))
    assert domain_state(env, path) == 5
    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    assert domain_state(env, path) == 1
    ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Undefine', 0))


def test_block_disk_node_in_private_dev(env, guest, guest_dir):
    """A disk on a block device: its node, and only it, joins the guest's
    /dev, lent to the qemu user while the guest runs."""
    name, uuid = guest
    _, quid, qgid = env.qemu_user
    backing = str(guest_dir / 'block.img')
    subprocess.run(['truncate', '-s', '1M', backing], check=True)
    try:
        loop = subprocess.run(['losetup', '--find', '--show', backing], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        pytest.skip(f'no loop device: {e}')
    try:
        before = owner(loop)
        disk = f'''<disk type='block' device='disk'><driver name='qemu' type='raw'/>
          <source dev='{loop}'/><target dev='vda' bus='virtio'/></disk>'''
        xml = bare_xml(name, uuid).replace('<devices>', '<devices>' + disk)
        path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', xml))
        ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
        pid = qemu_pids_of(uuid)[0]
        assert os.path.basename(loop) in os.listdir(f'/proc/{pid}/root/dev')
        assert 'loop-control' not in os.listdir(f'/proc/{pid}/root/dev')
        assert owner(loop) == (quid, qgid)
        ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
        assert owner(loop) == before
        ok(env.call_as('vbadmin', path, DOMAIN, 'Undefine', 0))
    finally:
        subprocess.run(['losetup', '-d', loop])


def test_device_path_cannot_climb_out_of_dev(env, guest):
    """The guest's /dev is built from the definition's paths: one with ".."
    could make the daemon create a file outside it."""
    name, uuid = guest
    disk = '''<disk type='block' device='disk'><driver name='qemu' type='raw'/>
      <source dev='/dev/../dev/null'/><target dev='vda' bus='virtio'/></disk>'''
    xml = bare_xml(name, uuid).replace('<devices>', '<devices>' + disk)
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', xml))
    answer = env.call_as('vbadmin', path, DOMAIN, 'Create', 0)
    assert 'canonical form' in answer.get('message', ''), answer
    assert qemu_pids_of(uuid) == []
    ok(env.call_as('vbadmin', path, DOMAIN, 'Undefine', 0))


def test_pty_console_of_confined_guest_opens_on_the_host(env, guest):
    """A pty serial console: qemu, in its own /dev, makes it in the host's
    pty instance, so the path the live XML gives opens here."""
    name, uuid = guest
    xml = bare_xml(name, uuid).replace('<devices>', "<devices><serial type='pty'><target port='0'/></serial>")
    path = ok(env.call_as('vbadmin', QEMU_ROOT, CONNECT, 'DomainDefineXML', xml))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    live = ok(env.call_as('vbadmin', path, DOMAIN, 'GetXMLDesc', 0))
    pty = live.split("<source path='", 1)[1].split("'", 1)[0]
    assert pty.startswith('/dev/pts/')
    os.close(os.open(pty, os.O_RDWR | os.O_NOCTTY))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Destroy', 0))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Undefine', 0))
