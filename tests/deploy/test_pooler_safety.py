"""Nothing in the code keeps state in a database session, so a transaction-mode pooler
(PgBouncer in production) can hand each transaction to any server session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shared.db import PoolerMode, create_engine, pooler_connect_args
from shared.settings import BaseServiceSettings

SOURCES = [
    path
    for root in ("shared", "services", "gateway")
    for path in Path(root).rglob("*.py")
    if "migrations" not in path.parts  # migrations run directly against the server
]
SESSION_STATE = {
    "a session-level advisory lock (use pg_advisory_xact_lock)": re.compile(
        r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.IGNORECASE
    ),
    "LISTEN/NOTIFY (not delivered through a transaction pooler)": re.compile(
        r"[\"']\s*(LISTEN|UNLISTEN|NOTIFY)\s|add_listener\(", re.IGNORECASE
    ),
    "a session SET (use SET LOCAL or set_config(..., true))": re.compile(
        r"[\"']\s*SET\s+(?!LOCAL\b)(SESSION\s+)?[a-z_.]+\s*(=|TO\b)", re.IGNORECASE
    ),
    "a session set_config (the third argument must be true)": re.compile(
        r"set_config\([^)]*,\s*false\s*\)", re.IGNORECASE
    ),
    "a temporary table (lives as long as the server session)": re.compile(
        r"CREATE\s+TEMP(ORARY)?\s+TABLE", re.IGNORECASE
    ),
    "a session-level PREPARE": re.compile(r"[\"']\s*PREPARE\s+\w+\s*(\(|AS\b)"),
}


@pytest.mark.parametrize("problem", sorted(SESSION_STATE))
def test_no_session_state_in_the_code(problem: str) -> None:
    pattern = SESSION_STATE[problem]
    found = [
        f"{path}:{n}: {line.strip()}"
        for path in SOURCES
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == [], f"{problem}:\n" + "\n".join(found)


def test_the_patterns_do_catch_what_they_look_for() -> None:
    samples = {
        "a session-level advisory lock": 'text("SELECT pg_advisory_lock(:k)")',
        "a session SET": 'text("SET jit = off")',
        "LISTEN/NOTIFY": 'execute("LISTEN events")',
    }
    for start, line in samples.items():
        (problem,) = [name for name in SESSION_STATE if name.startswith(start)]
        assert SESSION_STATE[problem].search(line), problem
    assert not SESSION_STATE["a session SET (use SET LOCAL or set_config(..., true))"].search(
        'text("SET LOCAL jit = off")'
    )
    assert not SESSION_STATE["a session SET (use SET LOCAL or set_config(..., true))"].search(
        '"UPDATE kpi.appraisals SET version = version + 1"'
    )


def test_transaction_mode_turns_statement_caches_off() -> None:
    args = pooler_connect_args(PoolerMode.TRANSACTION)
    assert args["statement_cache_size"] == 0
    assert args["prepared_statement_cache_size"] == 0
    names = {args["prepared_statement_name_func"]() for _ in range(3)}
    assert len(names) == 3  # unique: two clients on one server session never collide
    assert pooler_connect_args(PoolerMode.NONE) == {}
    engine = create_engine("postgresql://u@h/db", pooler_mode=PoolerMode.TRANSACTION)
    assert engine.dialect.name == "postgresql"


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_DB_POOLER_MODE", "transaction")
    assert BaseServiceSettings().db_pooler_mode is PoolerMode.TRANSACTION
    monkeypatch.delenv("KAM_DB_POOLER_MODE")
    assert BaseServiceSettings().db_pooler_mode is PoolerMode.NONE
