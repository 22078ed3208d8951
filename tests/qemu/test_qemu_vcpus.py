# SPDX-License-Identifier: LGPL-2.1-or-later
"""Live vCPU hot-plug and unplug (Domain.SetVcpus with VIR_DOMAIN_AFFECT_LIVE)
against real qemu: what the daemon reports is checked against the vCPU
threads qemu really runs, named "CPU <n>/TCG" by the harness's
debug-threads=on."""
import os
import re

import pytest

from qemutest import (RUNNING, bare_domain, expect_error, guest_domain, guest_files, qemu_pids,
                      requires_qemu, wait_for)

pytestmark = requires_qemu

# virDomainVcpuFlags / virDomainModificationImpact
LIVE, CONFIG, MAXIMUM, GUEST = 1, 2, 4, 8
XML_INACTIVE = 2
STATS_VCPU = 8


def vcpu_domain(xml):
    return xml.replace('<vcpu>1</vcpu>', "<vcpu current='1'>4</vcpu>")


def vcpu_threads(env):
    """The vCPU numbers qemu runs a thread for."""
    [pid] = qemu_pids(env.state_dir)
    found = []
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/comm') as f:
                m = re.fullmatch(r'CPU (\d+)/TCG', f.read().strip())
        except OSError:
            continue
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def vcpu_element(xml):
    return re.search(r'<vcpu[^>]*>\d+</vcpu>', xml).group(0)


def live_count(dom):
    return int(dom.GetVcpus(LIVE))


@pytest.fixture(scope='module')
def guest():
    files = guest_files()
    if files is None:
        pytest.skip('the test guest cannot be built here (tools/build-test-guest.sh)')
    return files


def test_hotplug_and_errors_bare(env):
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(vcpu_domain(bare_domain('vcpus1'))))
    dom.Create(0)
    assert vcpu_threads(env) == [0]
    assert int(dom.GetVcpus(0)) == 1

    dom.SetVcpus(3, LIVE)
    assert live_count(dom) == 3
    assert int(dom.GetVcpus(LIVE | MAXIMUM)) == 4
    assert vcpu_element(str(dom.GetXMLDesc(0))) == "<vcpu placement='static' current='3'>4</vcpu>"
    assert vcpu_threads(env) == [0, 1, 2]
    stats = dom.GetStats(STATS_VCPU, 0)
    assert (int(stats['vcpu.current']), int(stats['vcpu.maximum'])) == (3, 4)
    assert [int(stats[f'vcpu.{n}.state']) for n in range(3)] == [1, 1, 1]
    assert all(f'vcpu.{n}.time' in stats for n in range(3)) and 'vcpu.3.state' not in stats
    # the persistent definition is untouched
    assert int(dom.GetVcpus(CONFIG)) == 1
    assert vcpu_element(str(dom.GetXMLDesc(XML_INACTIVE))) == "<vcpu placement='static' current='1'>4</vcpu>"

    # bad requests change nothing
    expect_error(dom.SetVcpus, 0, LIVE, fragment='at least 1')
    expect_error(dom.SetVcpus, 5, LIVE, fragment='exceeds maximum')
    expect_error(dom.SetVcpus, 4, LIVE | MAXIMUM, fragment='maximum vcpu count')
    expect_error(dom.SetVcpus, 2, LIVE | GUEST, fragment='guest agent')
    expect_error(dom.GetVcpus, LIVE | CONFIG, fragment='mutually exclusive')
    expect_error(dom.GetVcpus, GUEST, fragment='guest agent')
    assert live_count(dom) == 3 and int(dom.GetVcpus(CONFIG)) == 1
    assert vcpu_threads(env) == [0, 1, 2]

    # Firmware alone never switches qemu's CPU hotplug to the interface
    # that can eject: qemu refuses the unplug, and the error says what
    # qemu still has.
    msg = expect_error(dom.SetVcpus, 1, LIVE)
    assert 'has 3 now' in msg, msg
    assert live_count(dom) == 3 and vcpu_threads(env) == [0, 1, 2]

    # with the config too, a failed live part leaves the config alone
    expect_error(dom.SetVcpus, 1, LIVE | CONFIG)
    assert int(dom.GetVcpus(CONFIG)) == 1 and live_count(dom) == 3

    # live and config together
    dom.SetVcpus(4, LIVE | CONFIG)
    assert live_count(dom) == 4 and int(dom.GetVcpus(CONFIG)) == 4
    assert vcpu_threads(env) == [0, 1, 2, 3]
    assert vcpu_element(str(dom.GetXMLDesc(XML_INACTIVE))) == "<vcpu placement='static'>4</vcpu>"

    # an inactive domain takes no live change
    other = env.daemon.domain(c.DomainDefineXML(vcpu_domain(bare_domain('vcpus-off'))))
    expect_error(other.SetVcpus, 2, LIVE, fragment='not running')
    expect_error(other.GetVcpus, LIVE, fragment='not running')
    assert int(other.GetVcpus(0)) == 1
    other.SetVcpus(2, 0)  # the config of an inactive domain
    assert int(other.GetVcpus(CONFIG)) == 2
    dom.Destroy(0)

    # the vCPUs of the command line cannot be unplugged
    other.Create(0)
    assert vcpu_threads(env) == [0, 1]
    expect_error(other.SetVcpus, 1, LIVE, fragment='the 2 vCPUs it started with')
    assert live_count(other) == 2 and vcpu_threads(env) == [0, 1]
    other.Destroy(0)


def test_hotplug_q35(env):
    c = env.connect()
    xml = vcpu_domain(bare_domain('vcpus-q35')).replace("machine='pc'", "machine='q35'")
    dom = env.daemon.domain(c.DomainDefineXML(xml))
    dom.Create(0)
    dom.SetVcpus(2, 0)  # a running domain: live
    assert live_count(dom) == 2 and vcpu_threads(env) == [0, 1]
    assert int(dom.GetVcpus(CONFIG)) == 1
    dom.Destroy(0)


def test_machine_without_cpu_hotplug(env):
    """microvm has no CPU hot-plug: a clear error, nothing changes."""
    c = env.connect()
    xml = vcpu_domain(bare_domain('vcpus-microvm')).replace("machine='pc'", "machine='microvm'")
    dom = env.daemon.domain(c.DomainDefineXML(xml))
    dom.Create(0)
    msg = expect_error(dom.SetVcpus, 2, LIVE)
    assert 'hot-plug is not supported' in msg, msg
    assert live_count(dom) == 1 and vcpu_threads(env) == [0]
    dom.Destroy(0)


def test_vcpus_survive_daemon_kill9(env):
    c = env.connect()
    path = c.DomainDefineXML(vcpu_domain(bare_domain('vcpus-k9')))
    dom = env.daemon.domain(path)
    dom.Create(0)
    dom.SetVcpus(3, LIVE)
    assert vcpu_threads(env) == [0, 1, 2]

    env.kill9()
    env.start()
    dom = env.daemon.domain(path)
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert live_count(dom) == 3
    assert vcpu_element(str(dom.GetXMLDesc(0))) == "<vcpu placement='static' current='3'>4</vcpu>"
    # the restarted daemon finds the hot-plugged vCPUs and the free slot
    dom.SetVcpus(4, LIVE)
    assert live_count(dom) == 4 and vcpu_threads(env) == [0, 1, 2, 3]
    assert int(dom.GetVcpus(CONFIG)) == 1
    dom.Destroy(0)


def test_unplug_with_guest(env, guest):
    kernel, initrd = guest
    serial = os.path.join(env.state_dir, 'serial.log')
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(vcpu_domain(guest_domain('vcpus-guest', kernel, initrd, serial))))
    dom.Create(0)
    wait_for(lambda: os.path.exists(serial) and 'VIRTBUS-GUEST: booted' in open(serial).read(), 120,
             'the guest to boot')

    dom.SetVcpus(3, LIVE)
    assert live_count(dom) == 3 and vcpu_threads(env) == [0, 1, 2]

    # A paused guest cannot let go: the call gives up after the wait and
    # says what qemu has; the request stands, and once the guest runs and
    # ejects the vCPU the live definition follows.
    dom.Suspend()
    msg = expect_error(dom.SetVcpus, 2, LIVE, fragment='did not release vcpu2')
    assert 'has 3 vCPUs now' in msg, msg
    assert live_count(dom) == 3 and vcpu_threads(env) == [0, 1, 2]
    dom.Resume()
    wait_for(lambda: live_count(dom) == 2, 60, 'the late unplug to show in the live definition')
    wait_for(lambda: vcpu_threads(env) == [0, 1], 30, 'the vCPU thread to end')

    # the guest's ACPI ejects the vCPU; the call returns once it did
    dom.SetVcpus(1, LIVE)
    assert live_count(dom) == 1
    assert vcpu_element(str(dom.GetXMLDesc(0))) == "<vcpu placement='static' current='1'>4</vcpu>"
    wait_for(lambda: vcpu_threads(env) == [0], 30, 'the unplugged vCPU thread to end')
    assert int(dom.GetStats(STATS_VCPU, 0)['vcpu.current']) == 1
    # QEMU 7.2 under TCG dies of SIGSEGV on a device_add of a vCPU once
    # one was unplugged (raw QMP does the same): refused, the guest lives
    expect_error(dom.SetVcpus, 2, LIVE, fragment='shut the domain down and start it again')
    assert tuple(dom.GetState(0))[0] == RUNNING and live_count(dom) == 1 and vcpu_threads(env) == [0]
    # and a restart of the daemon does not forget it
    env.kill9()
    env.start()
    dom = env.daemon.domain(env.connect().DomainLookupByName('vcpus-guest'))
    expect_error(dom.SetVcpus, 2, LIVE, fragment='shut the domain down and start it again')
    assert tuple(dom.GetState(0))[0] == RUNNING
    dom.Destroy(0)
    dom.Create(0)
    dom.SetVcpus(2, LIVE)
    assert live_count(dom) == 2
    dom.Destroy(0)
