# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bus tests against real qemu-system: a private bus, and a virtbusd whose
whole state (config store, status files, monitor sockets, logs) lives in a
temporary --state-dir.  Every qemu started under that directory is killed
at the end of the test, whatever happened.

Reuses the bus harness of tests/bus (vbtest: PrivateBus, Daemon,
SignalRecorder).  Run with the system python (python3-dbus, python3-gi):

    VIRTBUSD=build/service/virtbusd /usr/bin/python3 -m pytest tests/qemu

The two real-guest tests build the tiny guest on first use
(tools/build-test-guest.sh, cached) and skip when that cannot be done.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import dbus
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

sys.path.insert(0, os.path.join(TOP, 'tests', 'bus'))
from vbtest import Daemon, PrivateBus, SignalRecorder, libvirt_error  # noqa: E402

QEMU_ROOT = '/org/libvirt/QEMU'
QEMU = shutil.which('qemu-system-x86_64')

# libvirt's virDomainEventType, details and states
DEFINED, UNDEFINED, STARTED, SUSPENDED, RESUMED, STOPPED, SHUTDOWN = 0, 1, 2, 3, 4, 5, 6
STOPPED_SHUTDOWN, STOPPED_DESTROYED, STOPPED_FAILED = 0, 1, 5
SHUTDOWN_GUEST = 1
RUNNING, PAUSED, STATE_SHUTDOWN, SHUTOFF = 1, 3, 4, 5
SHUTOFF_SHUTDOWN, SHUTOFF_DESTROYED, SHUTOFF_CRASHED = 1, 2, 3

requires_qemu = pytest.mark.skipif(QEMU is None, reason='qemu-system-x86_64 is not installed')


def qemu_pids(marker):
    """Pids of qemu processes whose command line mentions @marker."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as f:
                cmdline = f.read().decode(errors='replace')
            with open(f'/proc/{entry}/stat') as f:
                state = f.read().rsplit(')', 1)[1].split()[0]
        except OSError:
            continue
        if 'qemu-system' in cmdline and marker in cmdline and state != 'Z':
            pids.append(int(entry))
    return pids


def kill_qemu(marker, timeout=10):
    """SIGKILLs the qemu processes of @marker and waits until each is dead
    or a zombie, as a daemon's /proc check will see it (its command line
    empties earlier, while the kernel still tears the process down)."""
    pids = qemu_pids(marker)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)

    def dead(pid):
        try:
            with open(f'/proc/{pid}/stat') as f:
                return f.read().rsplit(')', 1)[1].split()[0] in ('Z', 'X')
        except OSError:
            return True
    wait_for(lambda: all(dead(pid) for pid in pids), timeout, f'qemu of {marker} to die')
    return pids


class QemuEnv:
    """A state dir and the daemons run on it (one at a time)."""

    def __init__(self, bus_address):
        self.bus_address = bus_address
        # short: the monitor sockets live in here (108-byte sun_path)
        self.state_dir = tempfile.mkdtemp(prefix='vbq-')
        self.daemon = None

    def start(self):
        self.daemon = Daemon(self.bus_address, ['--state-dir', self.state_dir])
        return self.daemon

    def kill9(self):
        self.daemon.proc.kill()
        self.daemon.proc.wait()
        self.daemon.bus.close()

    def connect(self):
        return self.daemon.connect(QEMU_ROOT)

    def events(self):
        return SignalRecorder(self.daemon.bus, dbus_interface='org.libvirt.Connect',
                              signal_name='DomainEvent', path=QEMU_ROOT)

    def cleanup(self):
        for pid in qemu_pids(self.state_dir):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.state_dir, ignore_errors=True)


def guest_files():
    """The tiny test guest (kernel, initrd), built on first use; None if it
    cannot be built here."""
    try:
        out = subprocess.run([os.path.join(TOP, 'tools', 'build-test-guest.sh')], check=True,
                             capture_output=True, text=True, timeout=300).stdout.strip().splitlines()
    except (subprocess.SubprocessError, OSError):
        return None
    d = out[-1] if out else ''
    kernel, initrd = os.path.join(d, 'vmlinuz'), os.path.join(d, 'initrd.gz')
    if os.path.exists(kernel) and os.path.exists(initrd):
        return kernel, initrd
    return None


def bare_domain(name, uuid=None, extra_devices=''):
    """No kernel, no disk: the firmware idles. Enough for lifecycle tests."""
    uuid_el = f'<uuid>{uuid}</uuid>' if uuid else ''
    return f'''<domain type='qemu'>
  <name>{name}</name>{uuid_el}
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    {extra_devices}
    <memballoon model='none'/>
  </devices>
</domain>'''


def guest_domain(name, kernel, initrd, serial_log, options='', devices=''):
    """The tiny guest; @options go on its kernel command line (virtbus.dhcp,
    virtbus.suspend: see tools/build-test-guest.sh), @devices into <devices>."""
    cmdline = f'console=ttyS0 quiet panic=-1 {options}'.strip()
    return f'''<domain type='qemu'>
  <name>{name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    {devices}
    <serial type='file'><source path='{serial_log}'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>'''


def expect_error(call, *args, fragment=None):
    """Runs call(*args), which must fail with org.libvirt.Error (whose
    message holds @fragment); returns the message."""
    with pytest.raises(dbus.DBusException) as e:
        call(*args)
    name, message = libvirt_error(e)
    assert name == 'org.libvirt.Error', message
    if fragment:
        assert fragment in message, message
    return message


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out after {timeout}s waiting for {what}')
        time.sleep(0.02)


def lifecycle(rec):
    return [(int(i[2][1]), int(i[2][2])) for i in rec.items]
