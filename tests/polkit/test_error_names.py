# SPDX-License-Identifier: LGPL-2.1-or-later
"""Specific error names on the system bus: any caller may ask for them
without a polkit rule, and only that caller's answers change."""

from test_polkit import CONNECT, DOMAIN, ROOT, TEST_DOMAIN, denied, state


def test_error_names_need_no_rule(env):
    # vbnobody has no rule: may read, may not manage
    answer = env.call_as('vbnobody', TEST_DOMAIN, DOMAIN, 'Destroy', 0, error_names=True)
    assert answer.get('error') == 'org.libvirt.Error.PermissionDenied', answer
    assert 'org.libvirt.unix.manage' in answer['message'], answer
    assert state(env) == 1
    answer = env.call_as('vbnobody', ROOT, CONNECT, 'DomainLookupByName', 'nope',
                         error_names=True)
    assert answer.get('error') == 'org.libvirt.Error.NotFound', answer
    assert 'nope' in answer['message'], answer


def test_others_keep_the_generic_name(env):
    env.call_as('vbnobody', ROOT, CONNECT, 'DomainLookupByName', 'nope', error_names=True)
    denied(env.call_as('vbnobody', TEST_DOMAIN, DOMAIN, 'Destroy', 0), 'org.libvirt.unix.manage')
    answer = env.call_as(None, ROOT, CONNECT, 'DomainLookupByName', 'nope')
    assert answer.get('error') == 'org.libvirt.Error', answer
