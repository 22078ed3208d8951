#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""List the domains and networks of a virtbusd driver, then follow changes.

    list-domains.py [--session] [--driver QEMU|LXC|Test] [--follow]

Needs the Virtbus typelib (GI_TYPELIB_PATH=build/gobject and
LD_LIBRARY_PATH=build/gobject when run from a build tree).
"""
import argparse
import sys

import gi
gi.require_version('Virtbus', '1.0')
from gi.repository import GLib, Gio, Virtbus  # noqa: E402


def describe(domain):
    state = 'running' if domain.props.active else 'shut off'
    return f'{domain.props.name:20} {domain.props.uuid}  {state}'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--session', action='store_true', help='use the session bus')
    parser.add_argument('--address', help='use the message bus at this D-Bus address')
    parser.add_argument('--driver', default='QEMU', help='driver root (QEMU, LXC, Test)')
    parser.add_argument('--follow', action='store_true', help='print lifecycle events until ^C')
    args = parser.parse_args()

    loop = GLib.MainLoop()
    state = {}

    def on_ready(_source, result):
        try:
            if args.address:
                conn = Virtbus.Connection.new_for_address_finish(result)
            else:
                conn = Virtbus.Connection.new_for_bus_finish(result)
        except GLib.Error as e:
            print(f'cannot connect: {e.message}', file=sys.stderr)
            state['status'] = 1
            loop.quit()
            return
        state['conn'] = conn
        if not conn.props.daemon_running:
            print('virtbusd is not running (yet)', file=sys.stderr)
        for domain in conn.get_domains():
            print(describe(domain))
        for network in conn.get_networks():
            active = 'active' if network.props.active else 'inactive'
            print(f'network {network.props.name:12} {active}')
        if not args.follow:
            loop.quit()
            return

        def watch(domain):
            for sig in ('started', 'stopped', 'suspended', 'resumed', 'defined', 'undefined',
                        'shutdown', 'crashed', 'pmsuspended'):
                domain.connect(sig, lambda d, detail, sig=sig:
                               print(f'{d.props.name}: {sig} ({detail.value_nick})'))

        for domain in conn.get_domains():
            watch(domain)
        conn.connect('domain-added', lambda c, d: (print(f'added {d.props.name}'), watch(d)))
        conn.connect('domain-removed', lambda c, d: print(f'removed {d.props.name}'))

    if args.address:
        Virtbus.Connection.new_for_address_async(args.address, args.driver, None, on_ready)
    else:
        bus = Gio.BusType.SESSION if args.session else Gio.BusType.SYSTEM
        Virtbus.Connection.new_for_bus_async(bus, args.driver, None, on_ready)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    return state.get('status', 0)


if __name__ == '__main__':
    sys.exit(main())
