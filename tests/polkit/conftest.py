# SPDX-License-Identifier: LGPL-2.1-or-later
"""A private system bus with real polkitd and virtbusd started by activation.

Nothing of the machine's configuration is touched: polkitd and the bus
run in a mount namespace of their own in which our actions file, our test rules and a
passwd/group with the test users are bind-mounted over the system's
(/usr/share/polkit-1/actions, /etc/polkit-1/rules.d,
/usr/share/polkit-1/rules.d, /etc/passwd, /etc/group).  The bus has its own
config, socket and service directory; virtbusd --system is activated by it
with plain Exec=.  Clients run as the test uids through setpriv.  Needs
root; skipped otherwise.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import dbus
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, 'tests', 'bus'))
from vbtest import virtbusd_binary  # noqa: E402

USERS = {
    # name: (uid, gid, supplementary group)
    'vbadmin': (61001, 61001, 61000),
    'vbnobody': (61002, 61002, None),
    'vbfoo': (61003, 61003, None),
}
ADMIN_GROUP = ('vbadmins', 61000)
# the user system guests run as, as data/sysusers.d makes it
QEMU_USER = ('virtbus-qemu', 61010, 61010)

RULES = '''
// members of vbadmins may do everything
polkit.addRule(function(action, subject) {
    if ((action.id == "org.libvirt.unix.manage" || action.id.indexOf("org.libvirt.api.") == 0) &&
        subject.isInGroup("vbadmins"))
        return polkit.Result.YES;
});
// vbfoo may start domain foo of the Test driver, and change nothing else
polkit.addRule(function(action, subject) {
    if (subject.user != "vbfoo")
        return polkit.Result.NOT_HANDLED;
    if (action.id == "org.libvirt.unix.manage")
        return polkit.Result.YES;
    if (action.id == "org.libvirt.api.domain.start" &&
        action.lookup("connect_driver") == "Test" && action.lookup("domain_name") == "foo")
        return polkit.Result.YES;
    // and may not even see domain "secret" or network "secretnet"
    if (action.id == "org.libvirt.api.domain.getattr" && action.lookup("domain_name") == "secret")
        return polkit.Result.NO;
    if (action.id == "org.libvirt.api.network.getattr" &&
        action.lookup("network_name") == "secretnet")
        return polkit.Result.NO;
    return polkit.Result.NOT_HANDLED;
});
'''


def bus_config(sock, servicedir):
    return f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <include>{TOP}/data/dbus-1/org.libvirt.conf</include>
</busconfig>
'''


class PolkitEnv:
    def __init__(self):
        self.qemu_user = QEMU_USER
        self.tmp = tempfile.mkdtemp(prefix='virtbus-polkit-')
        os.chmod(self.tmp, 0o755)
        self.procs = []
        self._write_files()
        self._start_namespace()
        self._start_bus()
        self._start_polkitd()

    def _write_files(self):
        t = self.tmp
        for d in ('actions', 'rules', 'empty', 'services'):
            os.mkdir(os.path.join(t, d))
        shutil.copy(os.path.join(TOP, 'data', 'polkit-1', 'org.libvirt.virtbus.policy'),
                    os.path.join(t, 'actions'))
        with open(os.path.join(t, 'rules', '50-virtbus-test.rules'), 'w') as f:
            f.write(RULES)
        passwd = open('/etc/passwd').read()
        group = open('/etc/group').read()
        for name, (uid, gid, _) in USERS.items():
            passwd += f'{name}:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin\n'
            group += f'{name}:x:{gid}:\n'
        name, uid, gid = QEMU_USER
        passwd += f'{name}:x:{uid}:{gid}:virtbus QEMU guests:/nonexistent:/usr/sbin/nologin\n'
        group += f'{name}:x:{gid}:\n'
        members = ','.join(n for n, u in USERS.items() if u[2] == ADMIN_GROUP[1])
        group += f'{ADMIN_GROUP[0]}:x:{ADMIN_GROUP[1]}:{members}\n'
        for name, text in (('passwd', passwd), ('group', group)):
            with open(os.path.join(t, name), 'w') as f:
                f.write(text)
        self.sock = os.path.join(t, 'system_bus_socket')
        self.address = f'unix:path={self.sock}'
        with open(os.path.join(t, 'services', 'org.libvirt.service'), 'w') as f:
            f.write(f'[D-BUS Service]\nName=org.libvirt\n'
                    f'Exec={os.path.abspath(virtbusd_binary())} --system\nUser=root\n'
                    f'SystemdService=virtbusd.service\n')
        with open(os.path.join(t, 'bus.conf'), 'w') as f:
            f.write(bus_config(self.sock, os.path.join(t, 'services')))

    def _start_namespace(self):
        # A process that only holds a private mount namespace with our
        # files over the system's; polkitd is started inside it.
        t = self.tmp
        mounts = ' && '.join(f'mount --bind {src} {dst}' for src, dst in [
            (f'{t}/actions', '/usr/share/polkit-1/actions'),
            (f'{t}/rules', '/etc/polkit-1/rules.d'),
            (f'{t}/empty', '/usr/share/polkit-1/rules.d'),
            (f'{t}/passwd', '/etc/passwd'),
            (f'{t}/group', '/etc/group'),
        ] if os.path.exists(dst))
        self.holder = subprocess.Popen(
            ['unshare', '-m', '--propagation', 'private', 'sh', '-c',
             f'{mounts} && echo ready && exec sleep 100000'],
            stdout=subprocess.PIPE, text=True)
        self.procs.append(self.holder)
        if self.holder.stdout.readline().strip() != 'ready':
            raise RuntimeError('cannot set up the mount namespace for polkitd')

    def _start_bus(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        env.pop('DBUS_SESSION_BUS_ADDRESS', None)
        self.bus_log = open(os.path.join(self.tmp, 'bus.log'), 'w+')
        # in the namespace too: the bus looks callers' uids up in passwd
        self.bus = subprocess.Popen(['nsenter', '-t', str(self.holder.pid), '-m',
                                     'dbus-daemon', '--config-file', os.path.join(self.tmp, 'bus.conf'),
                                     '--nofork', '--print-address=1'],
                                    stdout=subprocess.PIPE, stderr=self.bus_log, env=env, text=True)
        self.procs.append(self.bus)
        self.bus.stdout.readline()

    def _start_polkitd(self):
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.polkit_log = open(os.path.join(self.tmp, 'polkitd.log'), 'w+')
        self.polkitd = subprocess.Popen(
            ['nsenter', '-t', str(self.holder.pid), '-m', '/usr/lib/polkit-1/polkitd', '--no-debug'],
            env=env, stdout=self.polkit_log, stderr=subprocess.STDOUT)
        self.procs.append(self.polkitd)
        conn = self.connection()
        deadline = time.monotonic() + 10
        while not conn.name_has_owner('org.freedesktop.PolicyKit1'):
            if self.polkitd.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError('polkitd did not start: ' + self.log('polkit'))
            time.sleep(0.02)
        conn.close()

    def connection(self):
        return dbus.bus.BusConnection(self.address)

    def log(self, which):
        f = self.polkit_log if which == 'polkit' else self.bus_log
        f.seek(0)
        return f.read()

    def _client(self, user, client_args, error_names, stdin=None):
        cmd = ['/usr/bin/python3', os.path.join(HERE, 'client.py'),
               *(['--error-names'] if error_names else []), self.address, *client_args]
        if user is not None:
            uid, gid, extra = USERS[user]
            groups = f'{gid},{extra}' if extra else str(gid)
            cmd = ['setpriv', f'--reuid={uid}', f'--regid={gid}', f'--groups={groups}', '--'] + cmd
        out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)
        if out.returncode != 0 or not out.stdout.strip():
            raise RuntimeError(f'client failed: {out.stderr}')
        return json.loads(out.stdout.strip().splitlines()[-1])

    def call_as(self, user, path, interface, method, *args, error_names=False):
        """Runs client.py as @user (None: root) and returns its JSON answer;
        error_names: the client asks for specific error names first."""
        return self._client(user, [path, interface, method, json.dumps(list(args))], error_names)

    def calls_as(self, user, calls, error_names=False):
        """Runs the calls [path, interface, method, signature, args or None
        for zero values] in one client as @user; returns its answers."""
        return self._client(user, ['--batch'], error_names, stdin=json.dumps(calls))

    def stop_virtbusd(self):
        conn = self.connection()
        try:
            pid = int(conn.call_blocking('org.freedesktop.DBus', '/org/freedesktop/DBus',
                                         'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                                         's', ['org.libvirt']))
        except dbus.DBusException:
            return
        finally:
            conn.close()
        os.kill(pid, 15)
        for _ in range(500):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            # activated processes are not our children: PID 1 reaps them
            try:
                with open(f'/proc/{pid}/stat') as f:
                    if f.read().split(')')[-1].split()[0] == 'Z':
                        return
            except FileNotFoundError:
                return
            time.sleep(0.01)

    def close(self):
        self.stop_virtbusd()
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture(scope='module')
def polkit_env():
    if os.geteuid() != 0:
        pytest.skip('needs root: private mount namespace, polkitd, test uids')
    if not os.path.exists('/usr/lib/polkit-1/polkitd'):
        pytest.skip('polkitd is not installed')
    env = PolkitEnv()
    yield env
    env.close()


@pytest.fixture
def env(polkit_env):
    """A fresh virtbusd per test: the next call activates it again."""
    yield polkit_env
    polkit_env.stop_virtbusd()
