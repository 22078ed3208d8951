# SPDX-License-Identifier: LGPL-2.1-or-later
"""libvirtbus gets each failure's VIRTBUS_ERROR code from the D-Bus error
name virtbusd sends it (it asks for specific names when it connects),
never from the message; a plain GDBus caller in the same process, which
did not ask, gets org.libvirt.Error with the same message."""
import pytest

from vblibtest import BUS_NAME, TEST_DOMAIN_UUID, Daemon, Gio, GLib, Virtbus, iterate_until, run_async

TEST_ROOT = '/org/libvirt/Test'
TEST_DOMAIN = TEST_ROOT + '/domain/_' + TEST_DOMAIN_UUID.replace('-', '_')
BAD_XML = '<domain type="test"><name>x</name'
# the name of the preloaded domain, under a new UUID
TAKEN_NAME = ("<domain type='test'><name>test</name><memory>1024</memory>"
              "<os><type>hvm</type></os></domain>")


def conn_call(conn, name, *args):
    return run_async(lambda cb: getattr(conn, name + '_async')(*args, None, cb),
                     lambda res: getattr(conn, name + '_finish')(res))


def library_error(start):
    with pytest.raises(GLib.Error) as excinfo:
        start()
    e = excinfo.value
    assert e.domain == 'virtbus-error-quark', (e.domain, e.message)
    return Virtbus.Error(e.code), e.message


def plain_error(private_bus, path, iface, method, params):
    """The error name and message a caller gets that never asked for names."""
    bus = Gio.DBusConnection.new_for_address_sync(
        private_bus.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    try:
        with pytest.raises(GLib.Error) as excinfo:
            bus.call_sync(BUS_NAME, path, iface, method, params, None,
                          Gio.DBusCallFlags.NONE, -1, None)
    finally:
        bus.close_sync(None)
    name = Gio.DBusError.get_remote_error(excinfo.value)
    prefix = f'GDBus.Error:{name}: '
    assert excinfo.value.message.startswith(prefix), excinfo.value.message
    return name, excinfo.value.message[len(prefix):]


def failures(connection):
    test = connection.find_domain_by_name('test')
    return [
        ('unknown domain', lambda: conn_call(connection, 'lookup_domain_by_name', 'no-such-vm'),
         (TEST_ROOT, 'org.libvirt.Connect', 'DomainLookupByName', GLib.Variant('(s)', ('no-such-vm',))),
         Virtbus.Error.NOT_FOUND),
        ('invalid XML', lambda: conn_call(connection, 'define_domain', BAD_XML),
         (TEST_ROOT, 'org.libvirt.Connect', 'DomainDefineXML', GLib.Variant('(s)', (BAD_XML,))),
         Virtbus.Error.INVALID_XML),
        ('wrong state', lambda: conn_call(test, 'start', 0),
         (TEST_DOMAIN, 'org.libvirt.Domain', 'Create', GLib.Variant('(u)', (0,))),
         Virtbus.Error.INVALID_STATE),
        ('duplicate name', lambda: conn_call(connection, 'define_domain', TAKEN_NAME),
         (TEST_ROOT, 'org.libvirt.Connect', 'DomainDefineXML', GLib.Variant('(s)', (TAKEN_NAME,))),
         Virtbus.Error.EXISTS),
    ]


def test_library_codes_and_plain_callers(private_bus, connection):
    for what, library_call, plain_call, code in failures(connection):
        got, message = library_error(library_call)
        assert got == code, (what, message)
        assert message and not message.startswith('GDBus.Error'), (what, message)
        name, plain_message = plain_error(private_bus, *plain_call)
        assert name == 'org.libvirt.Error', what
        assert plain_message == message, what


def test_codes_after_daemon_restart(private_bus, daemon, connection, request):
    running = []
    connection.connect('notify::daemon-running',
                       lambda c, p: running.append(c.props.daemon_running))
    daemon.kill()
    iterate_until(lambda: running == [False], what='daemon-running = FALSE')
    second = Daemon(private_bus, state_dir=daemon.state_dir)
    request.addfinalizer(second.stop)
    iterate_until(lambda: running == [False, True], what='daemon-running = TRUE')
    # the new daemon was asked for the names again
    for what, library_call, _, code in failures(connection):
        got, message = library_error(library_call)
        assert got == code, (what, message)
