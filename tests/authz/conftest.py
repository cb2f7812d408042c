"""Write the walking suite's operation × persona table (test-output/authz-walk.txt) when
its module ends, and print its summary at the end of the session."""

from collections.abc import Iterator

import pytest

from tests.authz.personas import PERSONAS
from tests.authz.walk import REPORT, TABLE


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
        terminalreporter.write_line(f"{TABLE.summary()} (table: {REPORT})")
