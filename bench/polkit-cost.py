#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What polkit adds to a call on the system bus.

Sets up the same private system bus, real polkitd and activated virtbusd as
tests/polkit (needs root), then times one read call (Domain.GetXMLDesc: two
polkit checks, org.libvirt.unix.monitor + org.libvirt.api.domain.read) made
by root (never asked of polkit) and by an unprivileged user (asked every
time; polkit's own rules decide, nothing is cached by virtbusd), in
alternating rounds in one run.  Prints medians and the difference.

Usage: bench/polkit-cost.py [--calls N] [--rounds R]   (VIRTBUSD as for the tests)
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'polkit'))
from conftest import USERS, PolkitEnv  # noqa: E402

CLIENT = r'''
import json, sys, time, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
dom = bus.get_object('org.libvirt', '/org/libvirt/Test/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f',
                     introspect=False)
call = dom.get_dbus_method('GetXMLDesc', 'org.libvirt.Domain')
n = int(sys.argv[2])
call(dbus.UInt32(0))
times = []
for _ in range(n):
    t = time.perf_counter()
    call(dbus.UInt32(0))
    times.append(time.perf_counter() - t)
times.sort()
print(json.dumps({'median_us': times[len(times) // 2] * 1e6}))
'''


def run_as(env, user, calls):
    cmd = ['/usr/bin/python3', '-c', CLIENT, env.address, str(calls)]
    if user:
        uid, gid, _ = USERS[user]
        cmd = ['setpriv', f'--reuid={uid}', f'--regid={gid}', f'--groups={gid}', '--'] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)['median_us']


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--calls', type=int, default=500)
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit('polkit-cost: needs root (private mount namespace, polkitd, test uids)')
    env = PolkitEnv()
    try:
        root, user = [], []
        for _ in range(args.rounds):
            root.append(run_as(env, None, args.calls))
            user.append(run_as(env, 'vbnobody', args.calls))
        r, u = statistics.median(root), statistics.median(user)
        print(f'GetXMLDesc round trip on the system bus, median of {args.rounds} rounds x {args.calls} calls')
        print(f'  root (no polkit check):             {r:8.1f} us')
        print(f'  unprivileged (2 polkit checks):     {u:8.1f} us')
        print(f'  added by polkit per call:           {u - r:8.1f} us   (goal: <= 1000 us)')
    finally:
        env.close()


main()
