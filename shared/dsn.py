"""PostgreSQL connection strings: masking, role substitution, driver selection."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit


def mask_password(url: str) -> str:
    """Return the URL with its password replaced by ``***`` so it can be shown or logged."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    netloc = f"{parts.username}:***@{host}" if parts.username else f":***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def with_credentials(url: str, user: str, password: str | None) -> str:
    """The same server and database, reached as another role."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    if parts.port:
        host = f"{host}:{parts.port}"
    cred = quote(user, safe="")
    if password:
        cred = f"{cred}:{quote(password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{cred}@{host}"))


def with_database(url: str, database: str) -> str:
    """The same server and role, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def database_name(url: str) -> str:
    """The database a URL names (``postgres`` when it names none)."""
    return urlsplit(url).path.lstrip("/") or "postgres"


def asyncpg_dsn(url: str) -> str:
    """A DSN asyncpg accepts: plain ``postgresql://`` whatever driver suffix was given."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def sqlalchemy_url(url: str) -> str:
    """A URL SQLAlchemy resolves to the asyncpg driver."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))
