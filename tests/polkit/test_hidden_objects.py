# SPDX-License-Identifier: LGPL-2.1-or-later
"""An object a caller may not getattr does not exist for that caller: every
member of every interface it exports answers as on a path where no object
is, so do Introspect and the calls GDBus refuses itself, its folder's
Introspect leaves it out, Connect's lookups answer "not found", and nothing
changes.  The members come from the interface XML, so a member added there
is covered here."""
import os
import uuid
import xml.etree.ElementTree as ET

from conftest import TOP
from test_polkit import CONNECT, DOMAIN, PROPS, ROOT, TEST_DOMAIN, ok, xml

NETWORK = 'org.libvirt.Network'
UNKNOWN_OBJECT = 'org.freedesktop.DBus.Error.UnknownMethod'
SHUTOFF = 5

NET_XML = ("<network><name>{name}</name><bridge name='vbsec0'/>"
           "<ip address='192.168.151.1' netmask='255.255.255.0'/></network>")


def interface_calls(interface, path):
    """Every method of @interface with zero arguments, then Get of every
    property, GetAll, and Set of every writable one, on @path."""
    node = ET.parse(os.path.join(TOP, 'introspection', f'{interface}.xml')).getroot()
    iface = node.find(f"interface[@name='{interface}']")
    calls = []
    for method in iface.findall('method'):
        sig = ''.join(a.get('type') for a in method.findall('arg')
                      if a.get('direction', 'in') == 'in')
        calls.append([path, interface, method.get('name'), sig, None])
    for prop in iface.findall('property'):
        calls.append([path, PROPS, 'Get', 'ss', [interface, prop.get('name')]])
        if 'write' in prop.get('access'):
            assert prop.get('type') == 'b', 'a writable property of a new type: give it a value'
            calls.append([path, PROPS, 'Set', 'ssv', [interface, prop.get('name'), False]])
    calls.append([path, PROPS, 'GetAll', 's', [interface]])
    assert len(calls) > 5
    return calls


def absent_path(path):
    kind_dir = path.rsplit('/', 1)[0]
    return f"{kind_dir}/_{str(uuid.uuid4()).replace('-', '_')}"


def as_absent(answer, path, absent):
    return {k: v.replace(path, absent) if isinstance(v, str) else v for k, v in answer.items()}


def snapshot(env, path, interface):
    """What root sees of the object: it must not change under refused calls."""
    calls = [[path, PROPS, 'GetAll', 's', [interface]],
             [path, interface, 'GetXMLDesc', 'u', [0]]]
    return [ok(a) for a in env.calls_as(None, calls)]


def define(env):
    domain = ok(env.call_as(None, ROOT, CONNECT, 'DomainDefineXML', xml('secret')))
    network = ok(env.call_as(None, ROOT, CONNECT, 'NetworkDefineXML', NET_XML.format(name='secretnet')))
    return {domain: DOMAIN, network: NETWORK}


def test_every_member_of_a_hidden_object_answers_as_for_none(env):
    objects = define(env)
    before = {path: snapshot(env, path, iface) for path, iface in objects.items()}
    for path, interface in objects.items():
        absent = absent_path(path)
        calls = interface_calls(interface, path)
        # one batch: each member on the hidden object, then on no object;
        # asking for specific error names changes nothing
        for error_names in (False, True):
            answers = env.calls_as('vbfoo', calls + [[absent, *c[1:]] for c in calls],
                                   error_names=error_names)
            hidden, none = answers[:len(calls)], answers[len(calls):]
            for call, got, want in zip(calls, hidden, none):
                assert want.get('error') == UNKNOWN_OBJECT, (call, want)
                assert as_absent(got, path, absent) == want, (call[2], call[3], got)
    after = {path: snapshot(env, path, iface) for path, iface in objects.items()}
    assert after == before
    domain = next(p for p, i in objects.items() if i == DOMAIN)
    assert ok(env.call_as(None, domain, DOMAIN, 'GetState', 0))[0] == SHUTOFF


INTROSPECT = ['org.freedesktop.DBus.Introspectable', 'Introspect', '', []]


def ill_fitting_calls(interface, path):
    """Calls GDBus answers itself on an object, without our code."""
    return [[path, *INTROSPECT],
            [path, interface, 'NoSuchMember', '', []],
            [path, interface, 'GetXMLDesc', 's', ['']],
            [path, 'org.libvirt.NoSuchInterface', 'GetXMLDesc', 'u', [0]],
            [path, PROPS, 'Get', 'ss', [interface, 'NoSuchProperty']],
            [path, PROPS, 'Get', 'ss', ['org.libvirt.NoSuchInterface', 'Name']],
            [path, PROPS, 'GetAll', 's', ['org.libvirt.NoSuchInterface']],
            [path, PROPS, 'Set', 'ssv', [interface, 'Name', 'x']],
            [path, PROPS, 'Set', 'ssv', [interface, 'Autostart', 'yes']],
            [path, PROPS, 'Get', 's', [interface]],
            [path, 'org.freedesktop.DBus.ObjectManager', 'GetManagedObjects', '', []]]


def test_what_gdbus_answers_itself_hides_them_too(env):
    objects = define(env)
    for path, interface in objects.items():
        absent = absent_path(path)
        calls = ill_fitting_calls(interface, path)
        answers = env.calls_as('vbfoo', calls + [[absent, *c[1:]] for c in calls])
        for call, got, want in zip(calls, answers, answers[len(calls):]):
            assert as_absent(got, path, absent) == want, (call[1:], got)
        # who may see the object gets GDBus's own answers, as root does
        root = env.calls_as(None, calls)
        assert env.calls_as('vbnobody', calls) == root
        assert interface in root[0]['ok']
        assert all('error' in a for a in root[1:]), root
        folder = path.rsplit('/', 1)[0]
        listing = env.calls_as('vbfoo', [[folder, *INTROSPECT]])[0]['ok']
        assert path.rsplit('/', 1)[1] not in listing
        assert path.rsplit('/', 1)[1] in env.calls_as('vbnobody', [[folder, *INTROSPECT]])[0]['ok']
    assert TEST_DOMAIN.rsplit('/', 1)[1] in env.calls_as('vbfoo', [[ROOT + '/domain', *INTROSPECT]])[0]['ok']


def test_hidden_objects_work_for_who_may_see_them(env):
    objects = define(env)
    for path, interface in objects.items():
        # Undefine would take the object away from the calls after it
        calls = [c for c in interface_calls(interface, path) if c[2] != 'Undefine']
        for call, got in zip(calls, env.calls_as('vbadmin', calls)):
            assert got.get('error') != UNKNOWN_OBJECT, (call, got)
            assert 'access denied' not in got.get('message', ''), (call, got)
        assert 'secret' in ok(env.call_as('vbadmin', path, PROPS, 'Get', interface, 'Name'))


def test_lookups_of_hidden_objects_find_nothing(env):
    objects = define(env)
    uuids = {iface: ok(env.call_as(None, path, PROPS, 'Get', iface, 'UUID'))
             for path, iface in objects.items()}
    nobody = str(uuid.uuid4())
    lookups = [('DomainLookupByName', 'secret', 'nosuchdomain'),
               ('DomainLookupByUUID', uuids[DOMAIN], nobody),
               ('NetworkLookupByName', 'secretnet', 'nosuchnet'),
               ('NetworkLookupByUUID', uuids[NETWORK], nobody)]
    calls = [[ROOT, CONNECT, method, 's', [key]] for method, key, _ in lookups]
    calls += [[ROOT, CONNECT, method, 's', [other]] for method, _, other in lookups]
    for error_names in (False, True):
        answers = env.calls_as('vbfoo', calls, error_names=error_names)
        for (method, key, other), got, want in zip(lookups, answers, answers[len(lookups):]):
            assert 'not found' in want.get('message', ''), (method, want)
            assert got == {k: v.replace(other, key) for k, v in want.items()}, (method, got)
    # the same calls find them for who may see them
    for answer in env.calls_as('vbadmin', calls[:len(lookups)]):
        assert ok(answer) in objects
    # a running domain has an id too
    domain = next(p for p, i in objects.items() if i == DOMAIN)
    ok(env.call_as(None, domain, DOMAIN, 'Create', 0))
    dom_id = ok(env.call_as(None, domain, PROPS, 'Get', DOMAIN, 'Id'))
    got, want = env.calls_as('vbfoo', [[ROOT, CONNECT, 'DomainLookupByID', 'i', [n]]
                                       for n in (dom_id, dom_id + 1000)])
    assert 'not found' in want.get('message', ''), want
    assert got == {k: v.replace(str(dom_id + 1000), str(dom_id)) for k, v in want.items()}
    assert ok(env.call_as('vbadmin', ROOT, CONNECT, 'DomainLookupByID', dom_id)) == domain
