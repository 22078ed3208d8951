# SPDX-License-Identifier: LGPL-2.1-or-later
"""Domain.InterfaceAddresses on /org/libvirt/QEMU, inside a private
network namespace (the fixtures of test_qemu_network.py): the tiny guest
booted with virtbus.dhcp takes a lease on a NAT network; the lease source
reports that address for the guest's MAC, the ARP source reports it once
the host has sent the guest a packet; the agent source and an inactive domain are
refused."""
import os
import sys

import pytest

from qemutest import expect_error, guest_domain, guest_files, requires_qemu, wait_for
from test_qemu_network import DNSMASQ, IP, NAT_XML, netenv, nic  # noqa: F401 (netenv is a fixture)

pytestmark = [
    requires_qemu,
    pytest.mark.skipif(os.geteuid() != 0, reason='needs root: network namespaces, bridges'),
    pytest.mark.skipif(IP is None, reason='iproute2 (ip) is needed to create the test namespace'),
    pytest.mark.skipif(DNSMASQ is None, reason='dnsmasq is not installed'),
]

SRC_LEASE, SRC_AGENT, SRC_ARP = 0, 1, 2
MAC = '52:54:00:5b:10:01'


def guest_xml(kernel, initrd, serial):
    return guest_domain('addrguest', kernel, initrd, serial, options='virtbus.dhcp', devices=nic('nat0', MAC))


def test_interface_addresses(netenv, tmp_path):
    files = guest_files()
    if files is None:
        pytest.skip('the test guest cannot be built here (tools/build-test-guest.sh)')
    kernel, initrd = files
    connect = netenv.connect()
    d = netenv.daemon
    netpath = connect.NetworkDefineXML(NAT_XML)
    d.network(netpath).Create()

    serial = tmp_path / 'serial.log'
    # defined first: an inactive domain is refused
    dompath = connect.DomainDefineXML(guest_xml(kernel, initrd, serial))
    dom = d.domain(dompath)
    expect_error(dom.InterfaceAddresses, SRC_LEASE, 0, fragment='not running')
    dom.Create(0)

    def leased():
        return serial.exists() and 'VIRTBUS-GUEST: dhcp 192.168.151.' in serial.read_text(errors='replace')
    wait_for(leased, 90, 'the guest to get a DHCP lease')

    ifaces = dom.InterfaceAddresses(SRC_LEASE, 0)
    assert len(ifaces) == 1, ifaces
    name, hwaddr, addrs = ifaces[0]
    assert str(name).startswith('vnet') and str(hwaddr).lower() == MAC, ifaces
    assert len(addrs) == 1 and int(addrs[0][0]) == 0 and int(addrs[0][2]) == 24, addrs
    address = str(addrs[0][1])
    assert address.startswith('192.168.151.'), addrs

    expect_error(dom.InterfaceAddresses, SRC_AGENT, 0, fragment='agent')
    expect_error(dom.InterfaceAddresses, 7, 0, fragment='source')
    expect_error(dom.InterfaceAddresses, SRC_LEASE, 1, fragment='flags')

    # a datagram from the host makes its kernel resolve the guest's MAC
    send = f"import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('{address}', 9))"

    def resolved():
        netenv.netns.run(sys.executable, '-c', send)
        return any(str(i[1]).lower() == MAC for i in dom.InterfaceAddresses(SRC_ARP, 0))
    wait_for(resolved, 60, 'the host to resolve the guest by ARP')
    arp = dom.InterfaceAddresses(SRC_ARP, 0)
    assert [(str(i[0]), str(i[1]).lower(), [(int(a[0]), str(a[1]), int(a[2])) for a in i[2]]) for i in arp] == \
        [(str(name), MAC, [(0, address, 0)])], arp

    dom.Destroy(0)
    expect_error(dom.InterfaceAddresses, SRC_ARP, 0, fragment='not running')
    dom.Undefine(0)
