"""A pytest plugin for `make test`: with DESKPILOT_TEST_REQUIRE_ALL=1 a skipped test fails.

`make test` installs every extra and program the suite uses, so there a skip (pytest.importorskip of torch,
transformers, rapidocr, cv2; a skipif on x11vnc, chromium or the built-in weights) means a broken set-up, and a
silently skipped test cannot fail. Under the variable each skip, of a test or of a whole module at collection,
is reported as a failure naming its reason. Without it (a developer's partial install) skips stay skips.
tests/conftest.py loads this plugin; tests/test_require_all.py runs it on a throwaway test file.
"""

from __future__ import annotations

import os

import pytest

ENV = "DESKPILOT_TEST_REQUIRE_ALL"
_REQUIRED = pytest.StashKey[bool]()


def pytest_configure(config):
    config.stash[_REQUIRED] = os.environ.get(ENV) == "1"  # read once, at the edge


def _fail_skip(config, report) -> None:
    if not (config.stash.get(_REQUIRED, False) and report.skipped and not hasattr(report, "wasxfail")):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (f"{reason.removeprefix('Skipped: ')}\n-> skipped, but {ENV}=1 (`make test`) requires every "
                       "extra and program the tests use: install it (`make setup`) instead of skipping")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    _fail_skip(item.config, (yield).get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    _fail_skip(collector.config, (yield).get_result())
