"""Back up the three service schemas and restore them into an empty database.

python -m deploy.backup dump --out kam.dump                  (DATABASE_URL is the source)
python -m deploy.backup restore kam.dump --into postgresql://postgres@host/kam_restored
python -m deploy.backup verify --database postgresql://postgres@host/kam_restored

A dump is pg_dump's custom format of the schemas ``staff``, ``clients`` and ``kpi``:
tables, sequences, constraints, ownership and grants, and each schema's
``alembic_version``. Roles belong to the server, not the database, so a restore creates
the per-service login roles first (passwords from the services' settings, as
``dbctl prepare`` does), then restores in one transaction: it lands whole or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from deploy.dbctl import SERVICE_SETTINGS
from deploy.pg_tools import find_program, libpq_invocation, server_major_version
from shared.bootstrap import ensure_database, ensure_login_role, quote_ident
from shared.dsn import asyncpg_dsn, database_name, mask_password
from shared.migrations import SERVICES, VERSION_TABLE, head_revision
from shared.settings import BaseServiceSettings

SYSTEM_SCHEMAS = ("public", "information_schema")


class NotEmpty(RuntimeError):
    """The database to restore into already holds something."""


@dataclass(frozen=True)
class Verification:
    """What a restored (or any) database holds: each schema's revision and row counts."""

    revisions: dict[str, str | None]
    heads: dict[str, str | None]
    row_counts: dict[str, int]

    @property
    def at_head(self) -> bool:
        return self.revisions == self.heads

    def report(self) -> str:
        lines = [
            f"{service}: revision {self.revisions[service]} (code's head {self.heads[service]})"
            for service in SERVICES
        ]
        lines += [f"  {table}: {count} rows" for table, count in sorted(self.row_counts.items())]
        return "\n".join(lines)


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


async def dump(admin_url: str, out: Path) -> Path:
    """Write the three schemas to ``out`` with the pg_dump of the server's major version."""
    pg_dump = find_program("pg_dump", await server_major_version(admin_url))
    dsn, env = libpq_invocation(admin_url)
    schemas = [f"--schema={service}" for service in SERVICES]
    _run([str(pg_dump), "--format=custom", f"--file={out}", *schemas, f"--dbname={dsn}"], env)
    return out


async def ensure_extensions(admin_url: str) -> None:
    """The extensions the services' schemas use (pg_trgm for the accounts' search index),
    which a dump of those schemas does not carry: made as shared.bootstrap makes them."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    finally:
        await conn.close()


async def user_objects(admin_url: str) -> list[str]:
    """Schemas other than the system's, and relations in ``public``: what makes a database
    not empty for a restore."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        schemas = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname <> ALL($1::text[])"
            " AND nspname NOT LIKE 'pg\\_%' ORDER BY nspname",
            list(SYSTEM_SCHEMAS),
        )
        relations = await conn.fetch(
            "SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace"
            " WHERE n.nspname = 'public' ORDER BY relname"
        )
    finally:
        await conn.close()
    return [f"schema {r['nspname']}" for r in schemas] + [
        f"public.{r['relname']}" for r in relations
    ]


async def ensure_service_roles(admin_url: str, role_prefix: str) -> None:
    """The login role of each service, which owns its schema in the dump."""
    passwords = {name: cls().db_password or None for name, cls in SERVICE_SETTINGS.items()}
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        for service in SERVICES:
            await ensure_login_role(conn, f"{role_prefix}{service}", passwords.get(service))
    finally:
        await conn.close()


async def restore(archive: Path, target_url: str, role_prefix: str = "kam_") -> Verification:
    """Restore a dump into an empty (or missing) database, then verify it."""
    if not await asyncio.to_thread(archive.is_file):
        raise FileNotFoundError(f"no dump at {archive}")
    await ensure_database(target_url)
    found = await user_objects(target_url)
    if found:
        raise NotEmpty(
            f"refusing to restore into {database_name(target_url)!r}: it is not empty "
            f"({', '.join(found[:10])}); restore into a new database, or drop this one first"
        )
    await ensure_service_roles(target_url, role_prefix)
    await ensure_extensions(target_url)
    pg_restore = find_program("pg_restore", await server_major_version(target_url))
    dsn, env = libpq_invocation(target_url)
    options = ["--exit-on-error", "--single-transaction", f"--dbname={dsn}"]
    _run([str(pg_restore), *options, str(archive)], env)
    return await verify(target_url)


async def verify(admin_url: str) -> Verification:
    """Each schema's Alembic revision against the code's head, and every table's row count."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        revisions: dict[str, str | None] = {}
        counts: dict[str, int] = {}
        for service in SERVICES:
            tables = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", service
            )
            names = [t["tablename"] for t in tables]
            revisions[service] = (
                await conn.fetchval(
                    f"SELECT version_num FROM {quote_ident(service)}.{VERSION_TABLE}"  # noqa: S608
                )
                if VERSION_TABLE in names
                else None
            )
            for name in names:
                if name != VERSION_TABLE:
                    qualified = f"{quote_ident(service)}.{quote_ident(name)}"
                    counts[f"{service}.{name}"] = await conn.fetchval(
                        f"SELECT count(*) FROM {qualified}"  # noqa: S608
                    )
    finally:
        await conn.close()
    heads = {service: head_revision(service) for service in SERVICES}
    return Verification(revisions, heads, counts)


def say(line: str) -> None:
    sys.stdout.write(f"{line}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.backup")
    sub = parser.add_subparsers(dest="command", required=True)
    dumping = sub.add_parser("dump", help="dump the staff, clients and kpi schemas")
    dumping.add_argument("--out", type=Path, required=True, help="the dump file to write")
    restoring = sub.add_parser("restore", help="restore a dump into an empty database")
    restoring.add_argument("archive", type=Path)
    restoring.add_argument("--into", required=True, help="an administrator's URL of the target")
    checking = sub.add_parser("verify", help="show revisions and row counts of a database")
    checking.add_argument("--database", help="an administrator's URL (default DATABASE_URL)")
    args = parser.parse_args(argv)
    settings = BaseServiceSettings()
    try:
        if args.command == "dump":
            written = asyncio.run(dump(settings.database_url, args.out))
            say(f"dumped {mask_password(settings.database_url)} to {written}")
            say(asyncio.run(verify(settings.database_url)).report())
            return 0
        if args.command == "restore":
            result = asyncio.run(restore(args.archive, args.into, settings.db_role_prefix))
            say(f"restored {args.archive} into {mask_password(args.into)}")
        else:
            result = asyncio.run(verify(args.database or settings.database_url))
    except (RuntimeError, FileNotFoundError) as problem:
        sys.stderr.write(f"error: {problem}\n")
        return 1
    say(result.report())
    if not result.at_head:
        sys.stderr.write(
            "the schemas are not at this code's heads: run `python -m deploy.dbctl prepare` "
            "to upgrade an older backup, or use the release that made a newer one\n"
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
