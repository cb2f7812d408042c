"""Bulk loading with binary COPY (asyncpg ``copy_records_to_table``), never the ORM."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import asyncpg

from shared.dsn import asyncpg_dsn

SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = $1
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""


def columns(names: str) -> tuple[str, ...]:
    """Column names from one space-separated line."""
    return tuple(names.split())


async def copy(
    conn: asyncpg.Connection,
    table: str,
    names: Sequence[str],
    records: Iterable[Sequence[Any]],
) -> int:
    """COPY ``records`` into ``table`` (``schema.name``); an ``id`` column's sequence is set
    past the loaded rows so the services' own inserts continue after them."""
    schema, _, name = table.partition(".")
    rows = list(records)
    if rows:
        await conn.copy_records_to_table(
            name, schema_name=schema, columns=list(names), records=rows
        )
        if names[0] == "id":
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    return len(rows)


async def without_secondary_indexes(conn: asyncpg.Connection, schema: str) -> list[str]:
    """Drop the schema's indexes that back no constraint; their definitions, to recreate.

    Building an index once after COPY is several times faster than maintaining ~60 of them
    row by row (100,000 accounts: 17 s → 6 s). Call inside the load's transaction, so no
    one ever sees the schema without them. Where the administrator is a superuser, foreign
    key triggers are skipped as well (``session_replication_role = replica``): the
    generated rows are consistent by construction.
    """
    if await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"):
        await conn.execute("SET LOCAL session_replication_role = replica")
    rows = await conn.fetch(SECONDARY_INDEXES, schema)
    for row in rows:
        await conn.execute(f"DROP INDEX {row['name']}")
    return [str(row["definition"]) for row in rows]


Fill = Callable[[asyncpg.Connection], Awaitable[dict[str, int]]]


async def load_in_bulk(
    admin_url: str, schema: str, fill: Fill, generated_in: float
) -> dict[str, Any]:
    """Run ``fill`` (the COPYs; rows per table) in one transaction with ``schema``'s
    secondary indexes dropped, rebuild them, ANALYZE; the rows and how long each part took
    (``generated_in``: the seconds it took to generate the rows beforehand)."""
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        async with conn.transaction():
            indexes = await without_secondary_indexes(conn, schema)
            counts = await fill(conn)
            copied = time.perf_counter()
            for definition in indexes:
                await conn.execute(definition)
        indexed = time.perf_counter()
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    done = time.perf_counter()
    return {
        "rows": counts,
        "total_rows": sum(counts.values()),
        "generate_seconds": round(generated_in, 3),
        "copy_seconds": round(copied - started, 3),
        "index_seconds": round(indexed - copied, 3),
        "analyze_seconds": round(done - indexed, 3),
    }


def loaded_line(loaded: dict[str, Any]) -> str:
    """What a load took, in one line."""
    return (
        f"loaded {loaded['total_rows']:,} rows in {loaded['generate_seconds']:.1f} s (generate)"
        f" + {loaded['copy_seconds']:.1f} s (COPY) + {loaded['index_seconds']:.1f} s (indexes)"
    )
