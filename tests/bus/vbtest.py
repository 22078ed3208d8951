# SPDX-License-Identifier: LGPL-2.1-or-later
"""Test harness for the bus tests: a private bus, virtbusd, signal recorder.

One private dbus-daemon serves the whole run; every test gets a virtbusd of
its own, started from the build tree and stopped (it must exit cleanly: a
sanitizer report at exit fails the test).  Nothing touches the machine's own
buses.  VIRTBUSD overrides the binary (default:
build/service/virtbusd next to this checkout).
"""
import atexit
import os
import shutil
import subprocess
import tempfile
import time

import dbus
import dbus.mainloop.glib
import pytest
from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

BUS_NAME = 'org.libvirt'
TEST_ROOT = '/org/libvirt/Test'
CONNECT_IFACE = 'org.libvirt.Connect'
DOMAIN_IFACE = 'org.libvirt.Domain'
NETWORK_IFACE = 'org.libvirt.Network'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'

TEST_DOMAIN_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f'
TEST_NETWORK_UUID = 'dd8fe884-6c02-601e-7551-cca97df1c5df'

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)


def virtbusd_binary():
    path = os.environ.get('VIRTBUSD') or os.path.join(TOP, 'build', 'service', 'virtbusd')
    if not os.access(path, os.X_OK):
        pytest.fail(f'virtbusd not built at {path} (meson setup build && meson compile -C build)')
    return path


class PrivateBus:
    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='virtbus-bus-')
        config = os.path.join(self.tmp.name, 'bus.conf')
        with open(config, 'w') as f:
            f.write(f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={self.tmp.name}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
''')
        self.proc = subprocess.Popen(
            ['dbus-daemon', '--config-file', config, '--nofork', '--print-address=1'],
            stdout=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError('dbus-daemon did not start')

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self.tmp.cleanup()


class Daemon:
    """A running virtbusd with a python-dbus connection to its bus."""

    # one capability cache for every daemon of a run: the QEMU driver
    # probes qemu only once
    cache_dir = tempfile.mkdtemp(prefix='virtbus-cache-')
    atexit.register(shutil.rmtree, cache_dir, True)

    def __init__(self, bus_address, extra_args=()):
        self.bus_address = bus_address
        # per-user state of its own, so nothing lands in the caller's home
        # and no definition carries over from one test to the next
        self.home = tempfile.TemporaryDirectory(prefix='virtbus-home-')
        run_dir = os.path.join(self.home.name, 'run')
        os.mkdir(run_dir, 0o700)
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus_address,
                   XDG_CONFIG_HOME=os.path.join(self.home.name, 'config'),
                   XDG_RUNTIME_DIR=run_dir, XDG_CACHE_HOME=Daemon.cache_dir)
        self.log = tempfile.TemporaryFile(mode='w+')
        self.proc = subprocess.Popen([virtbusd_binary(), '--session', *extra_args],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.bus = dbus.bus.BusConnection(bus_address)
        deadline = time.monotonic() + 10
        while not self.bus.name_has_owner(BUS_NAME):
            if self.proc.poll() is not None:
                raise RuntimeError(f'virtbusd exited with {self.proc.returncode}: {self.output()}')
            if time.monotonic() > deadline:
                raise RuntimeError('virtbusd did not own org.libvirt in 10 s')
            time.sleep(0.01)

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def obj(self, path):
        return self.bus.get_object(BUS_NAME, path, introspect=True)

    def iface(self, path, interface):
        return dbus.Interface(self.obj(path), interface)

    def connect(self, root=TEST_ROOT):
        return self.iface(root, CONNECT_IFACE)

    def domain(self, path):
        return self.iface(path, DOMAIN_IFACE)

    def network(self, path):
        return self.iface(path, NETWORK_IFACE)

    def props(self, path):
        return self.iface(path, PROPS_IFACE)

    def get(self, path, interface, name):
        return self.props(path).Get(interface, name)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.bus.close()
        self.home.cleanup()


class SignalRecorder:
    """Collects signals from the daemon; wait() runs the main loop until a
    predicate over what arrived holds."""

    def __init__(self, bus, **match):
        self.items = []
        self._match = bus.add_signal_receiver(
            self._on_signal, sender_keyword='sender', path_keyword='path',
            member_keyword='member', interface_keyword='interface', **match)

    def _on_signal(self, *args, **kw):
        self.items.append((kw['member'], kw['path'], tuple(args), kw['interface']))

    def wait(self, predicate=None, timeout=5.0):
        predicate = predicate or (lambda items: len(items) > 0)
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        while not predicate(self.items):
            if time.monotonic() > deadline:
                raise AssertionError(f'signal not received in {timeout}s; got {self.items}')
            ctx.iteration(False) or time.sleep(0.002)
        return self.items

    def settle(self, seconds=0.2):
        """Lets pending signals arrive (to check that nothing more comes)."""
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ctx.iteration(False) or time.sleep(0.002)
        return self.items

    def of(self, member):
        return [i for i in self.items if i[0] == member]

    def remove(self):
        self._match.remove()


def domain_path(uuid, root=TEST_ROOT):
    return f'{root}/domain/_' + uuid.replace('-', '_')


def network_path(uuid, root=TEST_ROOT):
    return f'{root}/network/_' + uuid.replace('-', '_')


def libvirt_error(excinfo):
    """The name and message of a D-Bus error raised by a call."""
    e = excinfo.value
    return e.get_dbus_name(), e.get_dbus_message()
