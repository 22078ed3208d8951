# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one call against org.libvirt as whoever runs it (the tests start it
under other uids with setpriv) and prints one JSON line: the result or the
D-Bus error.  Usage: client.py [--error-names] BUS_ADDRESS PATH INTERFACE METHOD
[JSON ARGS]; --error-names asks for specific error names first
(org.libvirt.Virtbus.EnableErrorNames), which must succeed."""
import json
import sys

import dbus


def plain(value):
    if isinstance(value, (dbus.Array, list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dbus.Dictionary):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    return str(value)


def main():
    argv = sys.argv[1:]
    error_names = argv[:1] == ['--error-names']
    if error_names:
        argv = argv[1:]
    address, path, interface, method = argv[:4]
    args = json.loads(argv[4]) if len(argv) > 4 else []
    bus = dbus.bus.BusConnection(address)
    if error_names:
        bus.call_blocking('org.libvirt', '/org/libvirt', 'org.libvirt.Virtbus',
                          'EnableErrorNames', '', [])
    obj = bus.get_object('org.libvirt', path)
    try:
        result = obj.get_dbus_method(method, interface)(*args)
        print(json.dumps({'ok': plain(result)}))
    except dbus.DBusException as e:
        print(json.dumps({'error': e.get_dbus_name(), 'message': e.get_dbus_message()}))


main()
