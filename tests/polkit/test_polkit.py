# SPDX-License-Identifier: LGPL-2.1-or-later
"""Per-caller authorization on the system bus, against real polkitd."""
import pytest

ROOT = '/org/libvirt/Test'
TEST_DOMAIN = ROOT + '/domain/_6695eb01_f6a4_8304_79aa_97f2502e193f'
CONNECT = 'org.libvirt.Connect'
DOMAIN = 'org.libvirt.Domain'
PROPS = 'org.freedesktop.DBus.Properties'
OM = 'org.freedesktop.DBus.ObjectManager'


def xml(name):
    return (f"<domain type='test'><name>{name}</name><memory>131072</memory>"
            f"<vcpu>1</vcpu><os><type>hvm</type></os></domain>")


def ok(answer):
    assert 'ok' in answer, answer
    return answer['ok']


def denied(answer, action):
    assert answer.get('error') == 'org.libvirt.Error', answer
    assert 'access denied' in answer['message'] and action in answer['message'], answer
    return answer['message']


def state(env, path=TEST_DOMAIN):
    return ok(env.call_as(None, path, DOMAIN, 'GetState', 0))[0]


def domains(env, user=None):
    return ok(env.call_as(user, ROOT, CONNECT, 'ListDomains', 0))


def define_as_root(env, name):
    return ok(env.call_as(None, ROOT, CONNECT, 'DomainDefineXML', xml(name)))


def test_activation_by_first_call(env):
    conn = env.connection()
    assert not conn.name_has_owner('org.libvirt')
    assert domains(env) == [TEST_DOMAIN]
    assert conn.name_has_owner('org.libvirt')
    conn.close()


def test_root_may_do_everything(env):
    path = define_as_root(env, 'rootdom')
    ok(env.call_as(None, path, DOMAIN, 'Create', 0))
    assert state(env, path) == 1
    ok(env.call_as(None, TEST_DOMAIN, DOMAIN, 'Destroy', 0))
    assert state(env) == 5


def test_group_granted_by_rule(env):
    path = ok(env.call_as('vbadmin', ROOT, CONNECT, 'DomainDefineXML', xml('admindom')))
    ok(env.call_as('vbadmin', path, DOMAIN, 'Create', 0))
    assert state(env, path) == 1
    ok(env.call_as('vbadmin', TEST_DOMAIN, DOMAIN, 'Suspend'))
    assert state(env) == 3


def test_no_rule_reads_but_cannot_manage(env):
    # monitor-level reads are allowed
    assert domains(env, 'vbnobody') == [TEST_DOMAIN]
    assert '<name>test</name>' in ok(env.call_as('vbnobody', TEST_DOMAIN, DOMAIN, 'GetXMLDesc', 0))
    assert ok(env.call_as('vbnobody', TEST_DOMAIN, PROPS, 'Get', DOMAIN, 'Name')) == 'test'
    # changes are denied and change nothing
    denied(env.call_as('vbnobody', TEST_DOMAIN, DOMAIN, 'Destroy', 0), 'org.libvirt.unix.manage')
    assert state(env) == 1
    denied(env.call_as('vbnobody', ROOT, CONNECT, 'DomainDefineXML', xml('sneaky')),
           'org.libvirt.unix.manage')
    assert domains(env) == [TEST_DOMAIN]
    denied(env.call_as('vbnobody', TEST_DOMAIN, PROPS, 'Set', DOMAIN, 'Autostart', True),
           'org.libvirt.unix.manage')
    assert ok(env.call_as(None, TEST_DOMAIN, PROPS, 'Get', DOMAIN, 'Autostart')) is False
    # secrets in the XML need more than read
    denied(env.call_as('vbnobody', TEST_DOMAIN, DOMAIN, 'GetXMLDesc', 1), 'read-secure')


def test_user_allowed_one_domain(env):
    foo = define_as_root(env, 'foo')
    ok(env.call_as(None, TEST_DOMAIN, DOMAIN, 'Destroy', 0))
    # may start foo ...
    ok(env.call_as('vbfoo', foo, DOMAIN, 'Create', 0))
    assert state(env, foo) == 1
    # ... but not test, and may not stop foo or define anything
    msg = denied(env.call_as('vbfoo', TEST_DOMAIN, DOMAIN, 'Create', 0),
                 'org.libvirt.api.domain.start')
    assert "domain 'test'" in msg
    assert state(env) == 5
    denied(env.call_as('vbfoo', foo, DOMAIN, 'Destroy', 0), 'org.libvirt.api.domain.stop')
    denied(env.call_as('vbfoo', foo, DOMAIN, 'OpenGraphicsFD', 0, 0), 'org.libvirt.api.domain.open-graphics')
    assert state(env, foo) == 1
    denied(env.call_as('vbfoo', ROOT, CONNECT, 'DomainDefineXML', xml('foo2')),
           'org.libvirt.api.domain')
    assert len(domains(env)) == 2


def test_lists_hide_what_the_caller_may_not_see(env):
    secret = define_as_root(env, 'secret')
    assert secret in domains(env)
    assert secret in domains(env, 'vbnobody')
    assert secret not in domains(env, 'vbfoo')
    assert TEST_DOMAIN in domains(env, 'vbfoo')
    managed = ok(env.call_as('vbfoo', ROOT, OM, 'GetManagedObjects'))
    assert secret not in managed and TEST_DOMAIN in managed
    assert secret in ok(env.call_as(None, ROOT, OM, 'GetManagedObjects'))
    # and for vbfoo it is nowhere: test_hidden_objects.py goes further
    answer = env.call_as('vbfoo', ROOT, CONNECT, 'DomainLookupByName', 'secret')
    assert answer == {'error': 'org.libvirt.Error',
                      'message': "Domain not found: no domain with matching name 'secret'"}
    answer = env.call_as('vbfoo', secret, PROPS, 'GetAll', DOMAIN)
    assert answer.get('error') == 'org.freedesktop.DBus.Error.UnknownMethod', answer

