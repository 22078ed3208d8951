# SPDX-License-Identifier: LGPL-2.1-or-later
"""Bus activation with plain Exec=, idle exit, and the systemd unit."""
import os
import shutil
import subprocess
import tempfile
import time

import dbus
import pytest

from vbtest import TOP, virtbusd_binary


def build_dir():
    return os.path.dirname(os.path.dirname(os.path.abspath(virtbusd_binary())))


def service_file_for_tests(template, exec_args):
    """The activation file with Exec= pointing into the build tree."""
    with open(os.path.join(TOP, 'data', 'dbus-1', template)) as f:
        text = f.read()
    exec_line = [line for line in text.splitlines() if line.startswith('Exec=')][0]
    return text.replace(exec_line, f'Exec={os.path.abspath(virtbusd_binary())} {exec_args}')


def test_session_activation_and_idle_exit():
    tmp = tempfile.mkdtemp(prefix='virtbus-act-')
    services = os.path.join(tmp, 'services')
    os.mkdir(services)
    with open(os.path.join(services, 'org.libvirt.service'), 'w') as f:
        f.write(service_file_for_tests('org.libvirt.session.service.in', '--session --timeout=1'))
    with open(os.path.join(tmp, 'bus.conf'), 'w') as f:
        f.write(f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={tmp}</listen>
  <servicedir>{services}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>''')
    bus = subprocess.Popen(['dbus-daemon', '--config-file', os.path.join(tmp, 'bus.conf'),
                            '--nofork', '--print-address=1'], stdout=subprocess.PIPE, text=True)
    try:
        address = bus.stdout.readline().strip()
        conn = dbus.bus.BusConnection(address)
        assert not conn.name_has_owner('org.libvirt')
        connect = dbus.Interface(conn.get_object('org.libvirt', '/org/libvirt/Test'),
                                 'org.libvirt.Connect')
        assert len(connect.ListDomains(dbus.UInt32(0))) == 1     # started by this call
        assert conn.name_has_owner('org.libvirt')
        # nothing real runs under the test driver: it leaves after 1 s idle
        deadline = time.monotonic() + 10
        while conn.name_has_owner('org.libvirt'):
            assert time.monotonic() < deadline, 'virtbusd did not exit when idle'
            time.sleep(0.05)
        # and comes back on the next call (a new proxy: the old one is bound
        # to the unique name of the daemon that left)
        connect = dbus.Interface(conn.get_object('org.libvirt', '/org/libvirt/Test'),
                                 'org.libvirt.Connect')
        assert len(connect.ListDomains(dbus.UInt32(0))) == 1
        conn.close()
    finally:
        bus.terminate()
        bus.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def test_no_idle_exit_while_called(daemon):
    # the fixture's daemon has no --timeout: it never leaves on its own
    time.sleep(0.2)
    assert daemon.proc.poll() is None


def test_bad_timeout_is_refused():
    out = subprocess.run([virtbusd_binary(), '--session', '--timeout=-3'],
                         capture_output=True, text=True)
    assert out.returncode != 0 and 'timeout' in out.stderr


def test_systemd_unit_verifies():
    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        pytest.skip('systemd-analyze is not installed')
    unit = os.path.join(build_dir(), 'data', 'virtbusd.service')
    if not os.path.exists(unit):
        pytest.fail(f'{unit} not generated')
    with open(unit) as f:
        text = f.read()
    assert 'Type=dbus' in text and 'BusName=org.libvirt' in text
    # verify the unit as installed, but with the binary from the build tree
    exec_line = [line for line in text.splitlines() if line.startswith('ExecStart=')][0]
    binary = exec_line.split('=', 1)[1].split()[0]
    tmp = tempfile.mkdtemp(prefix='virtbus-unit-')
    try:
        path = os.path.join(tmp, 'virtbusd.service')
        with open(path, 'w') as f:
            f.write(text.replace(binary, os.path.abspath(virtbusd_binary())))
        out = subprocess.run([analyze, 'verify', '--man=no', path], capture_output=True, text=True)
        assert out.returncode == 0, out.stdout + out.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_sd_notify_ready(private_bus):
    tmp = tempfile.mkdtemp(prefix='virtbus-notify-')
    import socket
    sock_path = os.path.join(tmp, 'notify')
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(sock_path)
    sock.settimeout(10)
    env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=private_bus.address, NOTIFY_SOCKET=sock_path)
    proc = subprocess.Popen([virtbusd_binary(), '--session'], env=env)
    try:
        message = sock.recv(4096).decode()
        assert 'READY=1' in message
    finally:
        proc.terminate()
        proc.wait()
        sock.close()
        shutil.rmtree(tmp, ignore_errors=True)
