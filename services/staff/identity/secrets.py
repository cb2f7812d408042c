"""Passwords, refresh tokens and API keys: generation and hashing (no I/O)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_KEY_PREFIX = "kam_"
# OWASP's argon2id profile (m=19 MiB, t=2, p=1): about 30 ms of one core per check, where
# argon2-cffi's default (m=64 MiB, t=3, p=4) cost 0.2 s of CPU spread over four threads, so
# two checks at once took every core of a small machine. Hashes of the old profile still
# verify and are rehashed at their next successful sign-in (``needs_rehash``).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this keeps the time of "no such user" close to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a hash that just verified was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def sha256_hex(value: str) -> str:
    """Hex SHA-256 (for high-entropy random secrets, where a slow hash buys nothing)."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_refresh_token() -> str:
    """A random refresh token."""
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """A new API key and its lookup prefix: ``kam_<prefix>_<secret>``."""
    prefix = secrets.token_hex(6)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def api_key_prefix(key: str) -> str | None:
    """The lookup prefix inside a presented key, or None when it is not one of ours."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    prefix, _, rest = key[len(API_KEY_PREFIX) :].partition("_")
    return prefix if len(prefix) == 12 and rest else None


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
