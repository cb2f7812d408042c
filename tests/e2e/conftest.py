"""Fixtures of the end-to-end tests beyond the session's stack (tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from shared.bootstrap import drop_database, prepare_database
from shared.dsn import with_database
from tests.settings import TestSettings


@pytest.fixture
async def own_database_url(test_settings: TestSettings) -> AsyncIterator[str]:
    """A database of the test's own, migrated to head, dropped after it.

    For tests that count what background workers deliver: every staff process on the run's
    shared database (the session's stack included) sends any pending delivery it finds, so
    a test sharing it would see its messages taken, and failed, by another process.
    """
    name = f"kam_test_{test_settings.worker}_{uuid.uuid4().hex[:8]}"
    url = with_database(test_settings.database_url, name)
    await prepare_database(url, test_settings.role_prefix)
    yield url
    await drop_database(url)
