# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for the bus tests (the harness itself is vbtest.py, a module of
its own name so that other test folders can import it too)."""
import pytest

from vbtest import Daemon, PrivateBus


@pytest.fixture(scope='session')
def private_bus():
    bus = PrivateBus()
    yield bus
    bus.close()


@pytest.fixture
def daemon(private_bus, request):
    d = Daemon(private_bus.address)
    yield d
    failed = getattr(request.node, 'rep_call', None)
    d.stop()
    if failed is not None and failed.failed:
        print('---- virtbusd output ----\n' + d.output())
    assert d.proc.returncode == 0, f'virtbusd exited with {d.proc.returncode}:\n{d.output()}'



@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, 'rep_' + rep.when, rep)


