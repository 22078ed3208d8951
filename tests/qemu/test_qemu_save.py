# SPDX-License-Identifier: LGPL-2.1-or-later
"""Save to a file of the caller's and Connect.DomainRestore on
/org/libvirt/QEMU with real qemu: the domain stops as saved, comes back
from the file as the same domain (defined transiently when it is not
defined any more), and files that are not save files, or domains that do
not run, are refused with nothing left behind."""
import os
import threading

import dbus

from qemutest import (PAUSED, RESUMED, RUNNING, SHUTOFF, STARTED, STOPPED, SUSPENDED, bare_domain, expect_error,
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
    expect_error(c.DomainRestore, 'relative.img', '', 0, fragment='not absolute')
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


DUMP_CRASH, DUMP_LIVE, DUMP_MEMORY_ONLY = 1, 2, 16   # VIR_DUMP_*
STOPPED_CRASHED = 2    # VIR_DOMAIN_EVENT_STOPPED_CRASHED
SHUTOFF_CRASHED = 3    # VIR_DOMAIN_SHUTOFF_CRASHED
JOB_NONE = 0


def is_elf(path):
    with open(path, 'rb') as f:
        return f.read(4) == b'\x7fELF'


def test_core_dump(env, tmp_path):
    c = env.connect()
    path = c.DomainDefineXML(bare_domain('dumper'))
    dom = env.daemon.domain(path)
    dump = str(tmp_path / 'dumper.core')
    expect_error(dom.CoreDump, dump, 0, 0, fragment='not running')

    dom.Create(0)
    rec = env.events()
    dom.CoreDump(dump, 0, 0)
    assert is_elf(dump)
    # paused for the dump, running again after, with no event in between
    assert tuple(dom.GetState(0))[0] == RUNNING
    os.unlink(dump)
    dom.CoreDump(dump, 0, DUMP_LIVE | DUMP_MEMORY_ONLY)
    assert is_elf(dump) and tuple(dom.GetState(0))[0] == RUNNING
    rec.settle(0.3)
    assert lifecycle(rec) == []

    # a paused guest stays paused
    dom.Suspend()
    dom.CoreDump(dump, 0, 0)
    assert tuple(dom.GetState(0))[0] == PAUSED
    dom.Resume()

    # bad requests change nothing
    expect_error(dom.CoreDump, 'relative.core', 0, 0, fragment='not absolute')
    expect_error(dom.CoreDump, dump, 9, 0, fragment='format')
    expect_error(dom.CoreDump, dump, 0, DUMP_CRASH | DUMP_LIVE, fragment='mutually exclusive')
    expect_error(dom.CoreDump, str(tmp_path / 'nosuchdir' / 'x.core'), 0, 0, fragment='core dump')
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert len(qemu_pids(env.state_dir)) == 1

    os.unlink(dump)
    dom.CoreDump(dump, 0, DUMP_CRASH)
    assert is_elf(dump)
    assert tuple(dom.GetState(0)) == (SHUTOFF, SHUTOFF_CRASHED)
    assert qemu_pids(env.state_dir) == []
    # (the recorder saw the Suspend and Resume above too)
    rec.wait(lambda items: len(items) >= 3)
    rec.settle(0.3)
    assert lifecycle(rec) == [(SUSPENDED, 0), (RESUMED, 0), (STOPPED, STOPPED_CRASHED)]


def test_job_info_and_abort_without_job(env):
    c = env.connect()
    path = c.DomainDefineXML(bare_domain('idle'))
    dom = env.daemon.domain(path)
    expect_error(dom.GetJobInfo, fragment='not running')
    expect_error(dom.AbortJob, fragment='not running')
    dom.Create(0)
    info = dom.GetJobInfo()
    assert len(info) == 12 and int(info[0]) == JOB_NONE and all(int(v) == 0 for v in info[1:])
    assert (int(dom.GetJobStats(0)[0]), dict(dom.GetJobStats(0)[1])) == (JOB_NONE, {})
    expect_error(dom.GetJobStats, 1, fragment='completed')
    expect_error(dom.AbortJob, fragment='no job')
    assert tuple(dom.GetState(0))[0] == RUNNING
    dom.Destroy(0)


SAVE_RUNNING = 2       # VIR_DOMAIN_SAVE_RUNNING


def test_save_image_xml(env, tmp_path):
    c = env.connect()
    path = c.DomainDefineXML(bare_domain('imaged'))
    dom = env.daemon.domain(path)
    dom.Create(0)
    image = str(tmp_path / 'imaged.img')
    dom.Save(image, '', SAVE_PAUSED)
    xml = str(c.DomainSaveImageGetXMLDesc(image, 0))
    assert '<name>imaged</name>' in xml

    # a description added, and the restore told to run the guest
    changed = xml.replace('<name>imaged</name>', '<name>imaged</name><description>edited</description>')
    c.DomainSaveImageDefineXML(image, changed, SAVE_RUNNING)
    assert '<description>edited</description>' in str(c.DomainSaveImageGetXMLDesc(image, 0))
    # another domain's definition, or one too large, leaves the file as it was
    before = open(image, 'rb').read()
    expect_error(c.DomainSaveImageDefineXML, image, bare_domain('other'), 0, fragment="holds domain 'imaged'")
    huge = changed.replace('edited', 'x' * 100000)
    expect_error(c.DomainSaveImageDefineXML, image, huge, 0, fragment='does not fit')
    assert open(image, 'rb').read() == before
    expect_error(c.DomainSaveImageGetXMLDesc, str(tmp_path), 0)

    c.DomainRestore(image, '', 0)
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert '<description>edited</description>' in str(dom.GetXMLDesc(0))
    dom.Destroy(0)


JOB_UNBOUNDED = 2


def test_job_info_and_abort_during_save(env, tmp_path):
    """A save of a guest with a few GiB of (untouched) RAM takes a moment,
    not a guaranteed one: GetJobInfo is polled while it runs, and AbortJob
    sent as soon as a job shows.  Either the abort reached it (the save
    fails as cancelled, the guest runs on, no file) or the save was done
    first (no job left to abort, the domain saved)."""
    c = env.connect()
    xml = bare_domain('big').replace("<memory unit='MiB'>64</memory>", "<memory unit='MiB'>3072</memory>")
    path = c.DomainDefineXML(xml)
    dom = env.daemon.domain(path)
    dom.Create(0)
    image = str(tmp_path / 'big.img')
    outcome = {}

    def save():
        bus = dbus.bus.BusConnection(env.bus_address)
        other = dbus.Interface(bus.get_object('org.libvirt', str(path)), 'org.libvirt.Domain')
        try:
            other.Save(image, '', 0, timeout=120)
            outcome['saved'] = True
        except dbus.DBusException as e:
            outcome['error'] = e.get_dbus_message()
        bus.close()

    saver = threading.Thread(target=save)
    saver.start()
    abort_error = None
    aborted = False
    while saver.is_alive() and not aborted and abort_error is None:
        info = [int(v) for v in dom.GetJobInfo()]
        assert info[0] in (JOB_NONE, JOB_UNBOUNDED), info
        if info[0] == JOB_UNBOUNDED:
            assert info[4] <= info[3] and info[7] <= info[6], info
            try:
                dom.AbortJob()
                aborted = True
            except dbus.DBusException as e:
                abort_error = e.get_dbus_message()
    saver.join()
    if aborted:
        assert 'cancelled' in outcome['error'], outcome
        assert tuple(dom.GetState(0))[0] == RUNNING
        assert not os.path.exists(image) and not os.path.exists(image + '.part')
        assert len(qemu_pids(env.state_dir)) == 1
        dom.Destroy(0)
    else:
        assert abort_error is None or 'no job' in abort_error, abort_error
        assert outcome.get('saved'), outcome
        assert tuple(dom.GetState(0)) == (SHUTOFF, SHUTOFF_SAVED)


def test_restore_keeps_managed_image(env, tmp_path):
    c = env.connect()
    path = c.DomainDefineXML(bare_domain('both'))
    dom = env.daemon.domain(path)
    image = str(tmp_path / 'both.img')
    dom.Create(0)
    dom.Save(image, '', 0)
    dom.Create(0)
    dom.ManagedSave(0)
    assert dom.HasManagedSaveImage(0)
    c.DomainRestore(image, '', 0)
    assert tuple(dom.GetState(0)) == (RUNNING, RUNNING_RESTORED)
    assert dom.HasManagedSaveImage(0)
    dom.Destroy(0)
    dom.ManagedSaveRemove(0)
