# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs one call against org.libvirt as whoever runs it (the tests start it
under other uids with setpriv) and prints one JSON line: the result or the
D-Bus error.  Usage: client.py [--error-names] BUS_ADDRESS PATH INTERFACE METHOD
[JSON ARGS]; --error-names asks for specific error names first
(org.libvirt.Virtbus.EnableErrorNames), which must succeed.

client.py [--error-names] BUS_ADDRESS --batch reads a JSON list of calls
[PATH, INTERFACE, METHOD, SIGNATURE, ARGS] from stdin and prints one JSON
list of answers: many calls for one process start.  ARGS null stands for
the zero value of each argument of SIGNATURE, which is sent as it is,
without introspecting the object (whose answer may itself be at test)."""
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


def zero(signature):
    """The zero value of one complete type."""
    if signature[0] == 'a':
        return {} if signature[1] == '{' else []
    if signature[0] == '(':
        return tuple(zero(t) for t in dbus.Signature(signature[1:-1]))
    return {'s': '', 'o': '/', 'g': '', 'b': False, 'd': 0.0,
            'v': dbus.UInt32(0, variant_level=1)}.get(signature, 0)


def answer(call):
    try:
        return {'ok': plain(call())}
    except dbus.DBusException as e:
        return {'error': e.get_dbus_name(), 'message': e.get_dbus_message()}


def batch(bus, calls):
    answers = []
    for path, interface, method, signature, args in calls:
        if args is None:
            args = [zero(t) for t in dbus.Signature(signature)]
        answers.append(answer(lambda: bus.call_blocking('org.libvirt', path, interface, method,
                                                        signature, args)))
    return answers


def main():
    argv = sys.argv[1:]
    error_names = argv[:1] == ['--error-names']
    if error_names:
        argv = argv[1:]
    bus = dbus.bus.BusConnection(argv[0])
    if error_names:
        bus.call_blocking('org.libvirt', '/org/libvirt', 'org.libvirt.Virtbus',
                          'EnableErrorNames', '', [])
    if argv[1] == '--batch':
        print(json.dumps(batch(bus, json.load(sys.stdin))))
        return
    path, interface, method = argv[1:4]
    args = json.loads(argv[4]) if len(argv) > 4 else []
    obj = bus.get_object('org.libvirt', path)
    print(json.dumps(answer(lambda: obj.get_dbus_method(method, interface)(*args))))


main()
