"""Rules of the second factor: TOTP codes (RFC 6238) and recovery codes. No I/O."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime

import pyotp

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_totp_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226 §4 recommends at least 128)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, login: str, issuer: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code or pasted)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=login, issuer_name=issuer
    )


def time_step(at: datetime) -> int:
    """The RFC 6238 time step of an instant."""
    return int(at.timestamp()) // STEP_SECONDS


def code_at_step(secret: str, step: int) -> str:
    """The code of ``secret`` for one time step."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(step * STEP_SECONDS)


def matching_step(
    secret: str, code: str, at: datetime, window: int, last_step: int | None
) -> int | None:
    """The time step whose code ``code`` is, looking ``window`` steps either side of ``at``
    (clocks drift and people type slowly); None when none matches, and for a step at or
    before ``last_step``, so that a code once accepted (even seen over a shoulder) never
    works again (RFC 6238 §5.2)."""
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(at)
    found: int | None = None
    for step in range(now - window, now + window + 1):
        # Every step is compared, in constant time, so timing tells nothing of which matched.
        if hmac.compare_digest(code_at_step(secret, step), code) and found is None:
            found = step
    if found is None or (last_step is not None and found <= last_step):
        return None
    return found


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Random single-use codes, ``xxxxx-xxxxx`` (50 bits each), shown to the person once."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(5)) for _ in range(2))
        for _ in range(count)
    ]


def normalised_recovery_code(code: str) -> str:
    """A typed recovery code as it was issued: lower case, spaces dropped, one dash."""
    bare = "".join(ch for ch in code.lower() if ch.isalnum())
    return f"{bare[:5]}-{bare[5:]}" if len(bare) == 10 else bare


def recovery_code_hash(code: str) -> str:
    """SHA-256 of a normalised recovery code (random codes: a slow hash buys nothing)."""
    return hashlib.sha256(normalised_recovery_code(code).encode()).hexdigest()


def second_factor_required(
    roles: Iterable[str], required_roles: Iterable[str], enrolled: bool
) -> bool:
    """A person enrolled always answers the second factor; one not enrolled must when one
    of their roles is in the setting's list."""
    return enrolled or bool(set(roles) & set(required_roles))
