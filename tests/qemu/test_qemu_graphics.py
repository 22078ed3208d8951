# SPDX-License-Identifier: LGPL-2.1-or-later
"""VNC and SPICE displays of QEMU guests: ports chosen and shown in the live
XML, reachable over TCP, and Domain.OpenGraphicsFD handing a connected
socket to the caller.  Bare guests (no kernel) are enough: the display
servers speak before any guest code runs."""
import re
import time
import socket
import struct

import dbus

from qemutest import (RUNNING, SHUTOFF, bare_domain, expect_error, qemu_pids, requires_qemu)

pytestmark = requires_qemu

SPICE_MAGIC = b'REDQ'
SKIPAUTH = 1

SPICE = "<graphics type='spice' autoport='yes'><listen type='address'/></graphics>"
VNC = "<graphics type='vnc' autoport='yes'><listen type='address' address='127.0.0.1'/></graphics>"


def spice_link_message():
    """A SpiceLinkHeader (magic, protocol 2.2, size) and a SpiceLinkMess
    asking for the main channel with no capabilities."""
    mess = struct.pack('<IBBIII', 0, 1, 0, 0, 0, 18)
    return SPICE_MAGIC + struct.pack('<III', 2, 2, len(mess)) + mess


def recv_exactly(sock, n):
    data = b''
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def spice_greets(sock):
    sock.settimeout(60)
    sock.sendall(spice_link_message())
    return recv_exactly(sock, 4) == SPICE_MAGIC


def graphics_elements(xml):
    return re.findall(r"<graphics [^>]*>", xml)


def spice_port(xml):
    [element] = [g for g in graphics_elements(xml) if "type='spice'" in g]
    m = re.search(r"port='(\d+)'", element)
    assert m, element
    return int(m.group(1))


def start(env, name, devices):
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain(name, extra_devices=devices)))
    dom.Create(0)
    assert tuple(dom.GetState(0))[0] == RUNNING
    return dom


def open_graphics(dom, idx, flags=0):
    fd = dom.OpenGraphicsFD(dbus.UInt32(idx), dbus.UInt32(flags))
    assert isinstance(fd, dbus.types.UnixFd)
    return socket.socket(fileno=fd.take())


def test_spice_in_domain_capabilities(env):
    c = env.connect()
    dcaps = str(c.GetDomainCapabilities('', 'x86_64', 'pc', 'qemu', 0))
    graphics = dcaps.split("<graphics supported='yes'>")[1].split('</graphics>')[0]
    assert '<value>vnc</value>' in graphics and '<value>spice</value>' in graphics
    assert '<value>qxl</value>' in dcaps


def test_spice_autoport(env):
    dom = start(env, 'spice1', SPICE + "<video><model type='qxl'/></video>")
    xml = str(dom.GetXMLDesc(0))
    [element] = graphics_elements(xml)
    port = spice_port(xml)
    assert 5900 <= port <= 65535
    # as libvirt shows a running autoport display
    assert element == f"<graphics type='spice' port='{port}' autoport='yes' listen='127.0.0.1'>", element
    assert "<listen type='address' address='127.0.0.1'/>" in xml
    # a real SPICE server answers there
    with socket.create_connection(('127.0.0.1', port), timeout=60) as sock:
        assert spice_greets(sock)
    # the definition keeps asking for an automatic port
    inactive = str(dom.GetXMLDesc(2))
    assert f"port='{port}'" not in inactive and "autoport='yes'" in inactive
    dom.Destroy(0)
    assert "autoport='yes'" in str(dom.GetXMLDesc(0))


def test_two_spice_guests_get_different_ports(env):
    first = start(env, 'spice-a', SPICE)
    second = start(env, 'spice-b', SPICE)
    ports = [spice_port(str(d.GetXMLDesc(0))) for d in (first, second)]
    assert ports[0] != ports[1]
    for port in ports:
        with socket.create_connection(('127.0.0.1', port), timeout=60) as sock:
            assert spice_greets(sock)


def test_spice_port_survives_daemon_restart(env):
    dom = start(env, 'spice-keep', VNC + SPICE)
    xml = str(dom.GetXMLDesc(0))
    port = spice_port(xml)
    vnc_port = re.search(r"<graphics type='vnc' port='(\d+)'", xml).group(1)

    env.kill9()
    env.start()
    c = env.connect()
    [path] = c.ListDomains(0)
    dom = env.daemon.domain(path)
    xml = str(dom.GetXMLDesc(0))
    assert spice_port(xml) == port
    assert f"<graphics type='vnc' port='{vnc_port}' autoport='yes'" in xml
    with socket.create_connection(('127.0.0.1', port), timeout=60) as sock:
        assert spice_greets(sock)
    # a guest started now does not take the re-attached guest's port
    other = start(env, 'spice-new', SPICE)
    assert spice_port(str(other.GetXMLDesc(0))) != port


def test_vnc_and_spice_together(env):
    dom = start(env, 'both', VNC + SPICE)
    xml = str(dom.GetXMLDesc(0))
    vnc_port = int(re.search(r"<graphics type='vnc' port='(\d+)'", xml).group(1))
    assert vnc_port != spice_port(xml)
    with socket.create_connection(('127.0.0.1', vnc_port), timeout=60) as sock:
        sock.settimeout(60)
        assert recv_exactly(sock, 6) == b'RFB 00'
    with open_graphics(dom, 1) as sock:
        assert spice_greets(sock)
    with open_graphics(dom, 0) as sock:
        sock.settimeout(60)
        assert recv_exactly(sock, 6) == b'RFB 00'


def test_open_graphics_fd_vnc(env):
    dom = start(env, 'vncfd', VNC)
    with open_graphics(dom, 0, SKIPAUTH) as sock:
        sock.settimeout(60)
        assert recv_exactly(sock, 6) == b'RFB 00'
    # one client after the other: nothing of the first is left in the way
    with open_graphics(dom, 0) as sock:
        sock.settimeout(60)
        assert recv_exactly(sock, 6) == b'RFB 00'


def test_open_graphics_fd_spice(env):
    dom = start(env, 'spicefd', SPICE)
    with open_graphics(dom, 0) as sock:
        assert spice_greets(sock)


def test_open_graphics_fd_errors_change_nothing(env):
    c = env.connect()
    dom = env.daemon.domain(c.DomainDefineXML(bare_domain('fd-errors', extra_devices=VNC)))
    expect_error(dom.OpenGraphicsFD, dbus.UInt32(0), dbus.UInt32(0), fragment='not running')
    assert tuple(dom.GetState(0))[0] == SHUTOFF
    assert qemu_pids(env.state_dir) == []

    dom.Create(0)
    xml = str(dom.GetXMLDesc(0))
    expect_error(dom.OpenGraphicsFD, dbus.UInt32(1), dbus.UInt32(0), fragment='index 1')
    expect_error(dom.OpenGraphicsFD, dbus.UInt32(0), dbus.UInt32(2), fragment='unsupported flags')
    assert tuple(dom.GetState(0))[0] == RUNNING
    assert str(dom.GetXMLDesc(0)) == xml
    # the display still takes clients
    with open_graphics(dom, 0) as sock:
        sock.settimeout(60)
        assert recv_exactly(sock, 6) == b'RFB 00'

    # a guest without any display has no index to open
    bare = start(env, 'fd-none', '')
    expect_error(bare.OpenGraphicsFD, dbus.UInt32(0), dbus.UInt32(0), fragment='index 0')


def test_spice_refusals_leave_no_qemu(env):
    c = env.connect()
    cases = [
        ("<graphics type='spice' autoport='yes' passwd='secret'/>", 'SPICE passwords'),
        ("<graphics type='spice' port='5990' tlsPort='5991'/>", 'TLS'),
        ("<graphics type='spice' autoport='yes'><listen type='address' address='127.0.0.1,x=y'/></graphics>",
         'not an IP address'),
        ("<graphics type='spice' autoport='yes'><channel name='main' mode='secure'/></graphics>", '<channel>'),
        (SPICE + SPICE, 'more than one SPICE display'),
    ]
    for i, (devices, fragment) in enumerate(cases):
        dom = env.daemon.domain(c.DomainDefineXML(bare_domain(f'spice-bad{i}', extra_devices=devices)))
        expect_error(dom.Create, 0, fragment=fragment)
        assert tuple(dom.GetState(0))[0] == SHUTOFF
        assert 'spice' in str(dom.GetXMLDesc(0))
    assert qemu_pids(env.state_dir) == []


def test_spice_fixed_port(env):
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    dom = start(env, 'spice-fixed', f"<graphics type='spice' port='{port}' autoport='no'/>")
    xml = str(dom.GetXMLDesc(0))
    assert spice_port(xml) == port
    with socket.create_connection(('127.0.0.1', port), timeout=60) as sock:
        assert spice_greets(sock)
    # a fixed port another guest holds is refused by qemu, and nothing stays
    c = env.connect()
    clash = env.daemon.domain(c.DomainDefineXML(bare_domain('spice-clash', extra_devices=(
        f"<graphics type='spice' port='{port}' autoport='no'/>"))))
    expect_error(clash.Create, 0)
    assert tuple(clash.GetState(0))[0] == SHUTOFF
    assert len(qemu_pids(env.state_dir)) == 1


def test_display_without_video_gets_libvirts_default_card(env):
    dom = start(env, 'gfx-novideo', VNC)
    expected = "<model type='cirrus' vram='16384' heads='1' primary='yes'/>"
    assert expected in str(dom.GetXMLDesc(0))
    assert expected in str(dom.GetXMLDesc(2))  # VIR_DOMAIN_XML_INACTIVE: it is part of the definition
    [pid] = qemu_pids(env.state_dir)
    with open(f'/proc/{pid}/cmdline', 'rb') as f:
        assert b'cirrus-vga,id=video0' in f.read().split(b'\0')
    # a guest without a display keeps having no card
    c = env.connect()
    headless = env.daemon.domain(c.DomainDefineXML(bare_domain('gfx-headless')))
    assert '<video>' not in str(headless.GetXMLDesc(0))


def test_vnc_and_spice_ports_come_from_one_allocator(env):
    """VNC autoport is the driver's choice too: qemu is told the display,
    and no two guests' displays ever share a port."""
    a = start(env, 'gfx-a', VNC)
    b = start(env, 'gfx-b', VNC + SPICE)
    ports = []
    for dom in (a, b):
        for element in graphics_elements(str(dom.GetXMLDesc(0))):
            ports.append(int(re.search(r"port='(\d+)'", element).group(1)))
    assert len(ports) == 3 and len(set(ports)) == 3, ports
    displays = []
    for pid in qemu_pids(env.state_dir):
        with open(f'/proc/{pid}/cmdline', 'rb') as f:
            argv = f.read().split(b'\0')
        displays += [argv[i + 1].decode() for i, arg in enumerate(argv[:-1]) if arg == b'-vnc']
    vnc_ports = sorted(p for p in ports if f'127.0.0.1:{p - 5900}' in displays)
    assert len(vnc_ports) == 2, (displays, ports)
    for port in vnc_ports:
        with socket.create_connection(('127.0.0.1', port), timeout=30) as s:
            s.settimeout(30)
            assert recv_exactly(s, 6) == b'RFB 00'


def test_transient_guest_starting_beside_a_defined_one_gets_distinct_ports(env):
    """CreateXML and Create in flight together (creations queue on the
    driver, starts on their domain): the transient guest is not in the
    registry until it runs, yet its ports must already count."""
    from gi.repository import GLib
    c = env.connect()
    defined = env.daemon.domain(c.DomainDefineXML(bare_domain('gfx-d', extra_devices=VNC + SPICE)))
    done, failed = [], []
    c.DomainCreateXML(bare_domain('gfx-t', extra_devices=VNC + SPICE), 0,
                      reply_handler=done.append, error_handler=failed.append)
    defined.Create(0, reply_handler=lambda: done.append(None), error_handler=failed.append)
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + 60
    while len(done) + len(failed) < 2 and time.monotonic() < deadline:
        ctx.iteration(False) or time.sleep(0.005)
    assert not failed, failed
    ports = []
    for dom in (defined, env.daemon.domain([p for p in done if p is not None][0])):
        for element in graphics_elements(str(dom.GetXMLDesc(0))):
            ports.append(int(re.search(r"port='(\d+)'", element).group(1)))
    assert len(ports) == 4 and len(set(ports)) == 4, ports
