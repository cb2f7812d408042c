"""Write the walking suite's operation × persona table (test-output/authz-walk.txt) when
its module ends, and print its summary at the end of the session."""

import time
from collections.abc import Iterator

import pytest

from tests.authz.personas import PERSONAS
from tests.authz.walk import REPORT, TABLE

STARTED = time.time()


def write_report() -> None:
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(TABLE.summary() + "\n\n" + TABLE.render([p.name for p in PERSONAS]) + "\n")


@pytest.fixture(scope="module", autouse=True)
def walk_report() -> Iterator[None]:
    """In a worker of a parallel run too (where no terminal summary is printed)."""
    yield
    if TABLE.cells:
        write_report()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TABLE.cells:
        write_report()
    # In a parallel run the table was written by a worker: print it and its summary.
    if REPORT.exists() and REPORT.stat().st_mtime >= STARTED:
        summary, _, table = REPORT.read_text().partition("\n\n")
        terminalreporter.section("authz walk: operation × persona")
        terminalreporter.write(table)
        terminalreporter.write_line(f"{summary} (table: {REPORT})")
