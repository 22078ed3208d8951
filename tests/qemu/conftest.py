# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures for the QEMU tests; the harness is qemutest.py (a module of its
own name, so that test folders run together do not mix their conftests)."""
import pytest

from qemutest import PrivateBus, QemuEnv  # noqa: F401


@pytest.fixture(scope='session')
def private_bus():
    b = PrivateBus()
    yield b
    b.close()


@pytest.fixture
def env(private_bus, request):
    e = QemuEnv(private_bus.address)
    e.start()
    yield e
    d = e.daemon
    failed = getattr(request.node, 'rep_call', None)
    if d.proc.poll() is None:
        d.stop()
        assert d.proc.returncode == 0, f'virtbusd exited with {d.proc.returncode}:\n{d.output()}'
    if failed is not None and failed.failed:
        print('---- virtbusd output ----\n' + d.output())
    e.cleanup()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, 'rep_' + rep.when, rep)


