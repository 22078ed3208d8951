# SPDX-License-Identifier: LGPL-2.1-or-later
"""Save to a file of the caller's and Connect.DomainRestore on
/org/libvirt/QEMU with real qemu: the domain stops as saved, comes back
from the file as the same domain (defined transiently when it is not
defined any more), and files that are not save files, or domains that do
not run, are refused with nothing left behind."""
import os

from qemutest import (RUNNING, SHUTOFF, STARTED, STOPPED, PAUSED, bare_domain, expect_error,
                      lifecycle, qemu_pids, requires_qemu)

pytestmark = requires_qemu

STOPPED_SAVED = 4      # VIR_DOMAIN_EVENT_STOPPED_SAVED
STARTED_RESTORED = 2   # VIR_DOMAIN_EVENT_STARTED_RESTORED
SHUTOFF_SAVED = 5      # VIR_DOMAIN_SHUTOFF_SAVED
RUNNING_RESTORED = 3   # VIR_DOMAIN_RUNNING_RESTORED
SAVE_PAUSED = 4        # VIR_DOMAIN_SAVE_PAUSED


def test_save_and_restore(env, tmp_path):
    c = env.connect()
    path = c.DomainDefineXML(bare_domain('saver'))
    dom = env.daemon.domain(path)
    uuid = str(dom.Get('org.libvirt.Domain', 'UUID', dbus_interface='org.freedesktop.DBus.Properties'))
    image = str(tmp_path / 'saver.img')

    expect_error(dom.Save, image, '', 0, fragment='not running')
    assert not os.path.exists(image)

    dom.Create(0)
    rec = env.events()
    dom.Save(image, '', 0)
    assert tuple(dom.GetState(0)) == (SHUTOFF, SHUTOFF_SAVED)
    assert not dom.HasManagedSaveImage(0)
    assert qemu_pids(env.state_dir) == []
    assert os.path.getsize(image) > 4096 and not os.path.exists(image + '.part')
    rec.wait(lambda items: len(items) >= 1)
    assert lifecycle(rec) == [(STOPPED, STOPPED_SAVED)]

    rec = env.events()
    c.DomainRestore(image, '', 0)
    assert tuple(dom.GetState(0)) == (RUNNING, RUNNING_RESTORED)
    assert len(qemu_pids(env.state_dir)) == 1
    rec.wait(lambda items: len(items) >= 1)
    assert lifecycle(rec)[0] == (STARTED, STARTED_RESTORED)
    # a file of the caller's stays; a running domain cannot be restored again
    assert os.path.exists(image)
    expect_error(c.DomainRestore, image, '', 0, fragment='already active')
    assert len(qemu_pids(env.state_dir)) == 1

    # saved paused, restored paused; gone from the definitions, it comes
    # back transient with its UUID
    dom.Save(image, '', SAVE_PAUSED)
    dom.Undefine(0)
    assert str(path) not in [str(p) for p in c.ListDomains(0)]
    c.DomainRestore(image, '', 0)
    restored = c.DomainLookupByUUID(uuid)
    rdom = env.daemon.domain(restored)
    assert tuple(rdom.GetState(0))[0] == PAUSED
    assert not rdom.Get('org.libvirt.Domain', 'Persistent', dbus_interface='org.freedesktop.DBus.Properties')
    rdom.Destroy(0)
    assert qemu_pids(env.state_dir) == []


def test_restore_refuses_foreign_files(env, tmp_path):
    c = env.connect()
    garbage = tmp_path / 'garbage.img'
    garbage.write_bytes(b'QEVM' + os.urandom(8192))
    expect_error(c.DomainRestore, str(garbage), '', 0, fragment='not a save file')
    empty = tmp_path / 'empty.img'
    empty.write_bytes(b'')
    expect_error(c.DomainRestore, str(empty), '', 0, fragment='not a save file')
    expect_error(c.DomainRestore, str(tmp_path / 'missing.img'), '', 0, fragment='cannot open')
    assert qemu_pids(env.state_dir) == []
    assert list(c.ListDomains(0)) == []

    # our header with a stream qemu cannot load: refused, no qemu left
    path = c.DomainDefineXML(bare_domain('victim'))
    dom = env.daemon.domain(path)
    dom.Create(0)
    image = str(tmp_path / 'victim.img')
    dom.Save(image, '', 0)
    with open(image, 'r+b') as f:
        size = os.path.getsize(image)
        f.truncate(size // 2 + 100)
        f.seek(size // 2)
        f.write(os.urandom(100))
    expect_error(c.DomainRestore, image, '', 0)
    assert qemu_pids(env.state_dir) == []
    assert tuple(dom.GetState(0))[0] == SHUTOFF
