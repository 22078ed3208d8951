# SPDX-License-Identifier: LGPL-2.1-or-later
"""Crash-safe starts: virtbusd SIGKILLed at random points of a Create.

Whatever the instant, the restarted daemon must leave either no qemu of
the domain (reported shut off) or the one qemu it re-attached to
(reported running), no temp file of an interrupted atomic write, and a
domain that starts again.  The delays are drawn from [0, 2 x a measured
Create] (a restarted daemon's first Create is slower); VIRTBUS_CRASH_SEED
replays a run, VIRTBUS_CRASH_ROUNDS sets how many kills (30 by default)."""
import os
import random
import re
import time

import dbus
import dbus.lowlevel

from qemutest import RUNNING, SHUTOFF, bare_domain, qemu_pids, requires_qemu

pytestmark = requires_qemu

UUID = '5a1e0c4a-7b2d-4c1e-9f00-c4a5ed000001'
PATH = '/org/libvirt/QEMU/domain/_' + UUID.replace('-', '_')
# "<key>.xml.XXXXXX", "<key>.status.XXXXXX": GLib's and our atomic writes
TEMP_FILE = re.compile(r'\.(xml|status)\.[A-Za-z0-9]{6}$')


def send_create(daemon):
    """Domain.Create(0) without waiting for its answer: the daemon is
    killed while it works on it."""
    msg = dbus.lowlevel.MethodCallMessage('org.libvirt', PATH, 'org.libvirt.Domain', 'Create')
    msg.append(dbus.UInt32(0))
    daemon.bus.send_message(msg)
    daemon.bus.flush()


def status_pid(env):
    path = os.path.join(env.state_dir, 'run', 'qemu', UUID + '.status')
    with open(path) as f:
        m = re.search(r'^pid=(\d+)$', f.read(), re.M)
    return int(m.group(1)) if m else None


def temp_files(top):
    found = []
    for d, _dirs, files in os.walk(top):
        found += [os.path.join(d, f) for f in files if TEMP_FILE.search(f)]
    return found


def test_sigkill_during_create(env):
    seed = int(os.environ.get('VIRTBUS_CRASH_SEED', random.randrange(1 << 32)))
    rounds = int(os.environ.get('VIRTBUS_CRASH_ROUNDS', 30))
    rng = random.Random(seed)
    print(f'VIRTBUS_CRASH_SEED={seed}')

    c = env.connect()
    assert str(c.DomainDefineXML(bare_domain('crashy', UUID))) == PATH
    dom = env.daemon.domain(PATH)
    # the first start waits for the capabilities probe: not typical
    times = []
    for _ in range(4):
        t0 = time.monotonic()
        dom.Create(0)
        times.append(time.monotonic() - t0)
        dom.Destroy(0)
    typical = sorted(times[1:])[1]

    outcomes = {'running': 0, 'qemu killed': 0, 'no qemu': 0}
    for i in range(rounds):
        delay = rng.uniform(0, 2 * typical)
        send_create(env.daemon)
        time.sleep(delay)
        env.kill9()
        # what a kill in the middle of a definition's or a status file's
        # write leaves, whatever this round's instant was
        for name in (os.path.join('config', 'qemu', UUID + '.xml.Ab3dE9'),
                     os.path.join('run', 'qemu', UUID + '.status.zY7xW1')):
            with open(os.path.join(env.state_dir, name), 'w') as f:
                f.write('<half')
        env.start()
        dom = env.daemon.domain(PATH)
        state = int(dom.GetState(0)[0])
        pids = qemu_pids(UUID)
        where = f'round {i}, killed {delay * 1000:.0f} ms into Create (seed {seed})'
        assert state in (RUNNING, SHUTOFF), where
        if state == RUNNING:
            outcomes['running'] += 1
        elif 'killing qemu' in env.daemon.output():
            outcomes['qemu killed'] += 1
        else:
            outcomes['no qemu'] += 1
        if state == RUNNING:
            assert pids == [status_pid(env)], where
        else:
            assert pids == [], where
        assert temp_files(env.state_dir) == [], where

        if state == RUNNING:
            dom.Destroy(0)
        dom.Create(0)
        assert int(dom.GetState(0)[0]) == RUNNING, where
        dom.Destroy(0)
        assert qemu_pids(UUID) == [], where
    print(f'typical Create {typical * 1000:.0f} ms; outcomes: {outcomes}')


def test_pidfile_without_status(env):
    """A qemu that only its pidfile names (a status file gone missing, or
    a daemon older than the start records) is killed at start-up: nothing
    could re-attach to it, and its lock on the pidfile would fail every
    later start."""
    c = env.connect()
    c.DomainDefineXML(bare_domain('crashy', UUID))
    dom = env.daemon.domain(PATH)
    dom.Create(0)
    [pid] = qemu_pids(UUID)
    env.kill9()
    os.unlink(os.path.join(env.state_dir, 'run', 'qemu', UUID + '.status'))
    env.start()
    dom = env.daemon.domain(PATH)
    assert int(dom.GetState(0)[0]) == SHUTOFF
    assert qemu_pids(UUID) == []
    assert 'killing qemu (pid %d)' % pid in env.daemon.output()
    dom.Create(0)
    dom.Destroy(0)
