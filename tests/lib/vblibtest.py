# SPDX-License-Identifier: LGPL-2.1-or-later
"""The harness of the library tests (a module of its own name, as
tests/bus/vbtest.py, so it never collides with another folder's conftest).

libvirtbus is used through PyGObject with the typelib and the library from
the build tree: LIBVIRTBUS_BUILDDIR (default: build/gobject next to this
checkout).  VIRTBUSD overrides the daemon binary (default:
build/service/virtbusd).  One private dbus-daemon serves the run; every
test gets its own virtbusd.  Nothing touches the machine's own buses.
"""
import os
import signal
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.path.abspath(os.environ.get('LIBVIRTBUS_BUILDDIR')
                           or os.path.join(TOP, 'build', 'gobject'))

# Before Virtbus is imported: the typelib search path, and the library
# path GI dlopen()s from (LD_LIBRARY_PATH is read only at process start,
# so it is set for child processes and told to GI directly).
os.environ['GI_TYPELIB_PATH'] = os.pathsep.join(
    p for p in (BUILDDIR, os.environ.get('GI_TYPELIB_PATH')) if p)
os.environ['LD_LIBRARY_PATH'] = os.pathsep.join(
    p for p in (BUILDDIR, os.environ.get('LD_LIBRARY_PATH')) if p)

import gi  # noqa: E402
gi.require_version('GIRepository', '2.0')
from gi.repository import GIRepository  # noqa: E402

GIRepository.Repository.prepend_search_path(BUILDDIR)
GIRepository.Repository.prepend_library_path(BUILDDIR)

gi.require_version('Virtbus', '1.0')
from gi.repository import GLib, Gio, Virtbus  # noqa: E402,F401 (re-exported)

BUS_NAME = 'org.libvirt'
TEST_DOMAIN_UUID = '6695eb01-f6a4-8304-79aa-97f2502e193f'
TEST_NETWORK_UUID = 'dd8fe884-6c02-601e-7551-cca97df1c5df'


def virtbusd_binary():
    path = os.environ.get('VIRTBUSD') or os.path.join(TOP, 'build', 'service', 'virtbusd')
    if not os.access(path, os.X_OK):
        pytest.fail(f'virtbusd not built at {path} (meson setup build && meson compile -C build)')
    return path


class PrivateBus:
    """A session-like dbus-daemon of our own (as tests/bus/conftest.py)."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix='virtbus-libtest-')
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
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError('dbus-daemon did not start')
        # a plain GDBus connection to watch the daemon's name
        self.bus = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)

    def has_owner(self, name=BUS_NAME):
        reply = self.bus.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                   'org.freedesktop.DBus', 'NameHasOwner',
                                   GLib.Variant('(s)', (name,)), GLib.VariantType('(b)'),
                                   Gio.DBusCallFlags.NONE, -1, None)
        return reply.unpack()[0]

    def close(self):
        self.bus.close_sync(None)
        self.proc.terminate()
        self.proc.wait(timeout=5)
        self.tmp.cleanup()


class Daemon:
    """One virtbusd on the private bus, output kept for failures."""

    def __init__(self, bus, state_dir=None):
        """state_dir: the directory of a previous daemon, for a restart."""
        self.bus = bus
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus.address)
        self.owned_state = None if state_dir else tempfile.TemporaryDirectory(
            prefix='virtbusd-state-')
        self.state_dir = state_dir or self.owned_state.name
        env['VIRTBUS_STATE_DIR'] = self.state_dir
        env['XDG_CONFIG_HOME'] = os.path.join(self.state_dir, 'config')
        env['XDG_RUNTIME_DIR'] = os.path.join(self.state_dir, 'run')
        os.makedirs(env['XDG_RUNTIME_DIR'], mode=0o700, exist_ok=True)
        self.log = tempfile.TemporaryFile(mode='w+')
        self.killed = False
        self.proc = subprocess.Popen([virtbusd_binary(), '--session'], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while not bus.has_owner():
            if self.proc.poll() is not None:
                raise RuntimeError(f'virtbusd exited with {self.proc.returncode}: {self.output()}')
            if time.monotonic() > deadline:
                raise RuntimeError('virtbusd did not own org.libvirt in 10 s')
            time.sleep(0.01)

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def kill(self):
        """SIGKILL: the daemon vanishes without a goodbye."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.killed = True

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.owned_state:
            self.owned_state.cleanup()


def iterate_until(predicate, timeout=5.0, what='condition'):
    """Runs the default main context until predicate() holds."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f'{what} not reached in {timeout}s')
        ctx.iteration(False) or time.sleep(0.002)


def settle(seconds=0.2):
    """Lets pending signals arrive (to check that nothing more comes)."""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ctx.iteration(False) or time.sleep(0.002)


def run_async(start, finish, timeout=10.0):
    """Calls start(callback) and runs the main loop until the callback came;
    returns finish(result) (which raises the call's GLib.Error)."""
    box = {}

    def done(source, result, *user_data):
        box['result'] = result

    start(done)
    iterate_until(lambda: 'result' in box, timeout, 'async completion')
    return finish(box['result'])
