# SPDX-License-Identifier: LGPL-2.1-or-later
"""virtbusd.service, the unit from the build tree: how exposed
`systemd-analyze security` rates it, and whether a guest on a NAT network
still runs under its sandbox.

The second test needs a systemd to run the unit.  Where systemd is not
PID 1 (containers, CI VMs), it boots one: /lib/systemd/systemd --system as
PID 1 of new PID, mount and network namespaces, with a tmpfs /run, tmpfs
over /etc/virtbus, /var/lib/virtbus and /var/cache/virtbus, the unified
cgroup hierarchy alone (so it leaves the host's v1 hierarchies and the
/sys/fs/cgroup tmpfs alone) from a cgroup of its own, and a unit path
holding just the unit under test.  Everything goes with the PID namespace
at the end.  The unit file is
loaded unchanged; a drop-in replaces ExecStart (the build tree's daemon),
makes it Type=notify (the private bus is no system bus systemd watches),
drops the default dependencies (no sysinit.target here) and sends its
output to a file.  Nothing of the sandbox is changed or left out.  Needs
root; skipped otherwise.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import dbus
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tests', 'qemu'))
from qemutest import bare_domain, guest_domain, guest_files, qemu_pids, wait_for  # noqa: E402
from test_qemu_network import dnsmasq_pids  # noqa: E402
SYSTEMD = '/lib/systemd/systemd'
ANALYZE = shutil.which('systemd-analyze')
QEMU = shutil.which('qemu-system-x86_64')
DNSMASQ = shutil.which('dnsmasq') or ('/usr/sbin/dnsmasq' if os.path.exists('/usr/sbin/dnsmasq') else None)
MAX_EXPOSURE = 3.0
# the test systemd sees the unified hierarchy alone, mounted at
# /sys/fs/cgroup: the v1 ones (memory, cpu, ...) of a hybrid host stay the
# host's business
CGROUP2 = next((d for d in ('/sys/fs/cgroup/unified', '/sys/fs/cgroup')
                if os.path.exists(os.path.join(d, 'cgroup.controllers'))), None)


def build_root():
    virtbusd = os.environ.get('VIRTBUSD') or os.path.join(TOP, 'build', 'service', 'virtbusd')
    return os.path.dirname(os.path.dirname(os.path.abspath(virtbusd)))


def unit_path():
    path = os.environ.get('VIRTBUSD_UNIT') or os.path.join(build_root(), 'data', 'virtbusd.service')
    if not os.path.exists(path):
        pytest.fail(f'the configured unit is not at {path} (meson setup build && meson compile -C build)')
    return path


def sysusers_path():
    return os.path.join(build_root(), 'data', 'virtbus-sysusers.conf')


@pytest.mark.skipif(ANALYZE is None, reason='systemd-analyze is not installed')
def test_exposure_is_at_most_3(capsys):
    unit = unit_path()
    cmd = [ANALYZE, 'security', '--offline=true', '--no-pager', unit]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    m = re.search(r'Overall exposure level for \S+: (\d+\.\d+)', out.stdout)
    # into the test log whether it passes or not
    with capsys.disabled():
        print('\n$ ' + ' '.join(cmd))
        print(out.stdout + out.stderr)
        if m:
            print(f'exposure {m.group(1)} (limit {MAX_EXPOSURE})')
    assert m, f'no overall exposure in the output of {cmd}'
    assert float(m.group(1)) <= MAX_EXPOSURE


# -- the unit under a real systemd ----------------------------------------------

NAT_XML = '''<network>
  <name>sandboxnat</name>
  <forward mode='nat'/>
  <bridge name='vbsbbr0'/>
  <ip address='192.168.152.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.152.10' end='192.168.152.50'/></dhcp>
  </ip>
</network>'''

BUS_CONF = '''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=/run/vbtest/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
'''

DROP_IN = '''[Unit]
DefaultDependencies=no

[Service]
Type=notify
ExecStart=
ExecStart=/run/vbtest/virtbusd --system
Environment=DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/vbtest/bus
StandardOutput=append:/run/vbtest/virtbusd.log
StandardError=inherit
'''

# Run as PID 1 of the new namespaces: private /run and virtbus
# directories, then systemd.  A missing virtbus directory is made in an
# overlay of its parent, never on the host.
CONTAINER_SH = r'''
set -e
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/systemd /run/vbtest
mount -t cgroup2 cgroup2 /sys/fs/cgroup
for d in /etc/virtbus /var/lib/virtbus /var/cache/virtbus; do
  if [ -d "$d" ]; then
    mount -t tmpfs -o mode=0700 tmpfs "$d"
  else
    p=$(dirname "$d"); o=/run/vbtest/overlay$(echo "$p" | tr / _)
    if [ ! -d "$o" ]; then
      mkdir -p "$o/upper" "$o/work"
      mount -t overlay overlay -o "lowerdir=$p,upperdir=$o/upper,workdir=$o/work" "$p"
    fi
  fi
done
# the qemu user, made as a package makes it: systemd-sysusers with the
# build's sysusers.d file, over private copies of the user databases
mkdir -p /run/vbtest/root/etc
for f in passwd group shadow gshadow; do
  [ ! -e /etc/$f ] || cp -p /etc/$f /run/vbtest/root/etc/$f
done
systemd-sysusers --root=/run/vbtest/root - <"$3"
for f in passwd group shadow gshadow; do
  [ ! -e /etc/$f ] || mount --bind /run/vbtest/root/etc/$f /etc/$f
done
exec env -i container=virtbus-test SYSTEMD_UNIT_PATH="$1" "$2" --system --unit=vbtest.target \
  --log-target=console --log-level=notice
'''


class UnitContainer:
    """A systemd of our own, running the unit under test."""

    def __init__(self, unit):
        self.tmp = tempfile.mkdtemp(prefix='vbunit-')
        self.name = 'vbunit-' + uuid.uuid4().hex[:8]
        units = os.path.join(self.tmp, 'units')
        os.makedirs(os.path.join(units, 'virtbusd.service.d'))
        shutil.copy(unit, os.path.join(units, 'virtbusd.service'))
        with open(os.path.join(units, 'virtbusd.service.d', 'test.conf'), 'w') as f:
            f.write(DROP_IN)
        with open(os.path.join(units, 'vbtest.target'), 'w') as f:
            f.write('[Unit]\nDescription=virtbus unit test\n')
        self.cgroup = None
        self.pid = None
        self.proc = None
        self.log = open(os.path.join(self.tmp, 'systemd.log'), 'w+')

    def start(self):
        units = os.path.join(self.tmp, 'units')
        self.cgroup = os.path.join(CGROUP2, self.name)
        os.mkdir(self.cgroup)

        def enter_cgroup():
            with open(os.path.join(self.cgroup, 'cgroup.procs'), 'w') as f:
                f.write(str(os.getpid()))
        self.proc = subprocess.Popen(
            ['unshare', '--pid', '--fork', '--mount-proc', '--net', '--propagation', 'private',
             'sh', '-c', CONTAINER_SH, 'sh', units, SYSTEMD, sysusers_path()],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=enter_cgroup)
        self.pid = self._init_pid()
        self._wait_running()

    def _init_pid(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with open(f'/proc/{self.proc.pid}/task/{self.proc.pid}/children') as f:
                    children = f.read().split()
            except OSError:
                children = []
            if children:
                return int(children[0])
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError('the test systemd did not start:\n' + self.output())

    def _wait_running(self):
        deadline = time.monotonic() + 30
        state = ''
        while time.monotonic() < deadline:
            state = self.run('systemctl', 'is-system-running', check=False).stdout.strip()
            if state in ('running', 'degraded'):
                return
            time.sleep(0.1)
        raise RuntimeError(f'the test systemd is "{state}":\n' + self.output())

    def run(self, *argv, check=True, timeout=120):
        """@argv in the namespaces of the test systemd."""
        return subprocess.run(['nsenter', '-t', str(self.pid), '-m', '-p', '-n', *argv], check=check,
                              capture_output=True, text=True, timeout=timeout)

    def path(self, inside):
        """@inside (a path in the namespace) as seen from here."""
        return f'/proc/{self.pid}/root{inside}'

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def service_log(self):
        try:
            with open(self.path('/run/vbtest/virtbusd.log'), errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def close(self):
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)  # takes the whole PID namespace along
            except ProcessLookupError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        deadline = time.monotonic() + 10
        if self.cgroup is not None:
            for root, dirs, _ in os.walk(self.cgroup, topdown=False):
                for d in dirs:
                    rmdir_when_empty(os.path.join(root, d), deadline)
            rmdir_when_empty(self.cgroup, deadline)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def rmdir_when_empty(path, deadline):
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            # the killed processes leave their cgroups a moment later
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def kvm_usable():
    try:
        fd = os.open('/dev/kvm', os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def proc_status(pid):
    with open(f'/proc/{pid}/status') as f:
        return dict(line.rstrip('\n').split(':\t', 1) for line in f if ':\t' in line)


NIC = """<interface type='network'>
      <source network='sandboxnat'/><mac address='52:54:00:5c:00:01'/><model type='virtio'/>
    </interface>"""

CAPABILITIES = ('CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE '
                'NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO '
                'SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME '
                'SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG '
                'WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE').split()


def capability_mask(names):
    """The CapBnd mask of /proc/<pid>/status for capabilities @names."""
    return sum(1 << CAPABILITIES.index(n.removeprefix('CAP_')) for n in names)


def unit_capabilities(unit):
    names = []
    with open(unit) as f:
        for line in f:
            if line.startswith('CapabilityBoundingSet='):
                names += line.split('=', 1)[1].split()
    return names


@pytest.fixture
def container():
    if os.geteuid() != 0:
        pytest.skip('needs root: namespaces, cgroups, a systemd of its own')
    if not os.access(SYSTEMD, os.X_OK):
        pytest.skip(f'{SYSTEMD} is not installed')
    if CGROUP2 is None:
        pytest.skip('no cgroup2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified')
    c = UnitContainer(unit_path())
    try:
        c.start()
        yield c
    finally:
        print('---- test systemd ----\n' + c.output())
        if c.pid is not None:
            print('---- virtbusd ----\n' + c.service_log())
        c.close()


@pytest.mark.skipif(QEMU is None, reason='qemu-system-x86_64 is not installed')
@pytest.mark.skipif(DNSMASQ is None, reason='dnsmasq is not installed')
def test_guest_on_nat_network_under_the_unit(container, capsys):
    files = guest_files()
    if files is None:
        pytest.skip('the test guest cannot be built here (tools/build-test-guest.sh)')
    c = container
    # the daemon and the guest's files where the unit lets them be read:
    # ProtectHome= hides the build tree or the guest cache if they are
    # under /root or /home
    shutil.copy(os.environ.get('VIRTBUSD') or os.path.join(build_root(), 'service', 'virtbusd'),
                c.path('/run/vbtest/virtbusd'))
    with open(c.path('/run/vbtest/bus.conf'), 'w') as f:
        f.write(BUS_CONF)
    guest_dir = c.path('/var/lib/virtbus/test-guest')
    os.makedirs(guest_dir)
    for src in files:
        shutil.copy(src, guest_dir)

    c.run('systemd-run', '--unit=vbtest-bus', '--property=DefaultDependencies=no',
          'dbus-daemon', '--config-file=/run/vbtest/bus.conf', '--nofork')
    wait_for(lambda: os.path.exists(c.path('/run/vbtest/bus')), 10, 'the test bus')
    started = c.run('systemctl', 'start', 'virtbusd.service', check=False)
    if started.returncode != 0:
        print(c.run('systemctl', 'status', '--no-pager', 'virtbusd.service', check=False).stdout)
        raise AssertionError('virtbusd.service did not start: ' + started.stderr)
    print(c.run('systemctl', 'show', '-p', 'MainPID', '-p', 'ActiveState', '-p', 'SubState',
                'virtbusd.service').stdout)

    bus = dbus.bus.BusConnection('unix:path=' + c.path('/run/vbtest/bus'))
    root = bus.get_object('org.libvirt', '/org/libvirt/QEMU')
    connect = dbus.Interface(root, 'org.libvirt.Connect')
    netpath = connect.NetworkDefineXML(NAT_XML)
    forward_before = c.run('cat', '/proc/sys/net/ipv4/ip_forward').stdout.strip()
    dbus.Interface(bus.get_object('org.libvirt', netpath), 'org.libvirt.Network').Create()
    # forwarding is the one writable file in /proc/sys
    assert c.run('cat', '/proc/sys/net/ipv4/ip_forward').stdout.strip() == '1'

    serial = '/var/lib/virtbus/test-guest/serial.log'
    dompath = connect.DomainCreateXML(guest_domain('sandboxguest', '/var/lib/virtbus/test-guest/vmlinuz',
                                                   '/var/lib/virtbus/test-guest/initrd.gz', serial,
                                                   options='virtbus.dhcp', devices=NIC), 0)

    def leased():
        try:
            with open(c.path(serial), errors='replace') as f:
                return 'VIRTBUS-GUEST: dhcp 192.168.152.' in f.read()
        except OSError:
            return False
    try:
        wait_for(leased, 120, 'the guest to get a DHCP lease from dnsmasq')
    except AssertionError:
        if os.path.exists(c.path(serial)):
            with open(c.path(serial), errors='replace') as f:
                print('---- guest serial ----\n' + f.read())
        raise
    network = dbus.Interface(bus.get_object('org.libvirt', netpath), 'org.libvirt.Network')
    leases = network.GetDHCPLeases('', 0)
    assert any(str(lease[3]).lower() == '52:54:00:5c:00:01' for lease in leases), leases

    # qemu and dnsmasq run inside the unit's sandbox, not beside it
    expected_caps = capability_mask(unit_capabilities(unit_path()))
    for exe, pids in (('qemu', qemu_pids('sandboxguest')), ('dnsmasq', dnsmasq_pids('sandboxnat'))):
        assert pids, f'no {exe} process'
        status = proc_status(pids[0])
        with capsys.disabled():
            print(f'\n{exe} {pids[0]}: NoNewPrivs {status["NoNewPrivs"]} Seccomp {status["Seccomp"]} '
                  f'CapBnd {status["CapBnd"]}')
        assert status['NoNewPrivs'] == '1'
        assert status['Seccomp'] == '2'
        if exe == 'qemu':
            # confined further than the unit: its own user, nothing left
            # even in its bounding set
            assert int(status['CapBnd'], 16) == 0 and int(status['CapEff'], 16) == 0
            assert status['Uid'].split()[0] != '0'
        else:
            assert int(status['CapBnd'], 16) == expected_caps
        with open(f'/proc/{pids[0]}/cgroup') as f:
            assert '/system.slice/virtbusd.service' in f.read()

    dbus.Interface(bus.get_object('org.libvirt', dompath), 'org.libvirt.Domain').Destroy(0)

    # DeviceAllow= lets /dev/kvm through, where the host has a usable one
    if kvm_usable():
        # qemu runs as the qemu user, a member of kvm: the node must be
        # what Debian's udev rule makes it (root:kvm 0660), which a machine
        # without udev (this one) lacks, so the test sets it up, and back
        st = os.stat('/dev/kvm')
        c.run('sh', '-c', 'chgrp kvm /dev/kvm && chmod 0660 /dev/kvm')
        try:
            xml = bare_domain('sandboxkvm').replace("<domain type='qemu'>", "<domain type='kvm'>")
            kvm = dbus.Interface(bus.get_object('org.libvirt', connect.DomainCreateXML(xml, 0)),
                                 'org.libvirt.Domain')
            assert kvm.GetState(0)[0] == 1  # running
            kvm.Destroy(0)
        finally:
            os.chown('/dev/kvm', st.st_uid, st.st_gid)
            os.chmod('/dev/kvm', st.st_mode & 0o7777)
    network.Destroy()
    assert c.run('cat', '/proc/sys/net/ipv4/ip_forward').stdout.strip() == forward_before
    c.run('systemctl', 'stop', 'virtbusd.service')
    bus.close()
