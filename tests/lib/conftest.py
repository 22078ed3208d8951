# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for the library tests (the harness is vblibtest.py)."""
import pytest

from vblibtest import Daemon, PrivateBus, Virtbus, run_async, settle


@pytest.fixture(scope='session')
def private_bus():
    bus = PrivateBus()
    yield bus
    bus.close()


@pytest.fixture
def daemon(private_bus, request):
    d = Daemon(private_bus)
    yield d
    failed = getattr(request.node, 'rep_call', None)
    d.stop()
    if failed is not None and failed.failed:
        print('---- virtbusd output ----\n' + d.output())
    # a clean exit, so a sanitizer report at exit fails the test
    assert d.killed or d.proc.returncode == 0, \
        f'virtbusd exited with {d.proc.returncode}:\n{d.output()}'


@pytest.fixture
def connection(daemon, private_bus):
    conn = run_async(
        lambda cb: Virtbus.Connection.new_for_address_async(private_bus.address, 'Test', None, cb),
        Virtbus.Connection.new_for_address_finish)
    yield conn
    # let late signals of this test drain before the next daemon starts
    settle(0.05)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, 'rep_' + rep.when, rep)
