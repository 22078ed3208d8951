# SPDX-License-Identifier: LGPL-2.1-or-later
"""The QEMU driver of the system service (virtbusd --system, activated on a
private system bus, real polkitd): an unprivileged member of the admin group
defines and runs a real qemu guest through polkit, the definition lands in
/etc/virtbus/qemu and the live status in /run/virtbus/qemu, a caller without
a rule changes nothing, and a restarted service finds the guest again."""
import os
import shutil
import signal
import time
import uuid as uuidlib

import pytest

from test_polkit import DOMAIN, denied, ok

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
    for path in (f'{CONFIG_DIR}/{uuid}.xml', f'{RUN_DIR}/{uuid}.status', f'{RUN_DIR}/{uuid}.log'):
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
    # the guest runs as root here (no dynamic users yet): its monitor
    # socket and pid file are in the system run directory
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
