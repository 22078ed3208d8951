# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one call against org.libvirt as whoever runs it (the tests start it
under other uids with setpriv) and prints one JSON line: the result or the
D-Bus error.  Usage: client.py BUS_ADDRESS PATH INTERFACE METHOD [JSON ARGS]"""
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
    address, path, interface, method = sys.argv[1:5]
    args = json.loads(sys.argv[5]) if len(sys.argv) > 5 else []
    bus = dbus.bus.BusConnection(address)
    obj = bus.get_object('org.libvirt', path)
    try:
        result = obj.get_dbus_method(method, interface)(*args)
        print(json.dumps({'ok': plain(result)}))
    except dbus.DBusException as e:
        print(json.dumps({'error': e.get_dbus_name(), 'message': e.get_dbus_message()}))


main()
