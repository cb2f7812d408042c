"""Standard Webhooks signing and verification (https://www.standardwebhooks.com), pure.

A delivery carries three headers: ``webhook-id`` (the same on every retry of one message),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: one or more
space-separated ``v1,<base64 HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")>``. Secrets are
written ``whsec_<base64 of the key bytes>``. Several signatures and several secrets make
secret rotation possible without a window where deliveries fail: the sender signs with the
old and the new secret, the receiver accepts either.

Receivers verify the **raw body bytes** before parsing any JSON::

    body = await request.body()
    delivery = verify_webhook(secrets, request.headers, body, tolerance_seconds=...)
    event = Event.model_validate_json(body)

:class:`WebhookVerificationError` is a 401 in the shared error hierarchy; its ``reason``
names what was wrong and its message never contains a secret or a signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets as random_secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import Unauthorized

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300
MIN_SECRET_BYTES = 24
"""The Standard Webhooks minimum key length (the reference test vector's key is 24 bytes)."""
MAX_ID_LENGTH = 255
MAX_SIGNATURES = 16
"""More candidates than this are refused: rotation needs two or three, not hundreds."""

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_ID = re.compile(rf"[\x21-\x7e]{{1,{MAX_ID_LENGTH}}}")  # printable ASCII, no spaces

SecretInput = str | bytes
Secrets = SecretInput | Sequence[SecretInput]


class WebhookSettings(BaseSettings):
    """How strict verification is (``KAM_WEBHOOK_`` prefix)."""

    model_config = SettingsConfigDict(env_prefix="KAM_WEBHOOK_", extra="ignore", frozen=True)

    tolerance_seconds: Annotated[int, Field(gt=0, le=3600)] = DEFAULT_TOLERANCE_SECONDS
    """How far ``webhook-timestamp`` may be from our clock, either way."""


class WebhookFailure(StrEnum):
    """Why a delivery was refused (stable codes, shown to the sender)."""

    MISSING_HEADER = "missing_header"
    BAD_ID = "bad_id"
    BAD_TIMESTAMP = "bad_timestamp"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_SIGNATURE_HEADER = "bad_signature_header"
    NO_MATCHING_SIGNATURE = "no_matching_signature"


class WebhookVerificationError(Unauthorized):
    """A delivery failed verification; rendered as 401 ``urn:kam:problem:invalid-webhook``."""

    slug = "invalid-webhook"

    def __init__(self, reason: WebhookFailure, detail: str) -> None:
        super().__init__(detail, extra={"reason": reason.value})
        self.reason = reason


class WebhookSecretError(ValueError):
    """A configured secret is not ``whsec_<base64>`` of at least 24 bytes (a set-up error)."""


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    """What verification established about a delivery."""

    webhook_id: str
    timestamp: int


def generate_secret() -> str:
    """A new random secret in the ``whsec_`` format (32 bytes)."""
    return SECRET_PREFIX + base64.b64encode(random_secrets.token_bytes(32)).decode("ascii")


def secret_key(secret: SecretInput) -> bytes:
    """The HMAC key of a secret: ``whsec_<base64>`` (prefix optional) or raw key bytes."""
    if isinstance(secret, bytes):
        key = secret
    else:
        encoded = secret.removeprefix(SECRET_PREFIX)
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            # Never put the secret itself into the message.
            raise WebhookSecretError(
                f"a webhook secret must be {SECRET_PREFIX}<base64>; this one is not base64"
            ) from None
    if len(key) < MIN_SECRET_BYTES:
        raise WebhookSecretError(
            f"a webhook secret must hold at least {MIN_SECRET_BYTES} bytes, this one {len(key)}"
        )
    return key


def _signed_content(webhook_id: str, timestamp: str, body: bytes) -> bytes:
    return b"%s.%s.%s" % (webhook_id.encode("ascii"), timestamp.encode("ascii"), body)


def _digest(key: bytes, content: bytes) -> bytes:
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest())


def _as_list(secrets: Secrets) -> list[SecretInput]:
    if isinstance(secrets, str | bytes):
        return [secrets]
    return list(secrets)


def sign(secret: SecretInput, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery attempt with one secret."""
    if not _ID.fullmatch(webhook_id):
        raise ValueError(f"a webhook id must be 1 to {MAX_ID_LENGTH} printable ASCII characters")
    if timestamp < 0:
        raise ValueError("a webhook timestamp is Unix seconds, not negative")
    content = _signed_content(webhook_id, str(timestamp), body)
    return f"{SIGNATURE_VERSION},{_digest(secret_key(secret), content).decode('ascii')}"


def signature_headers(
    secrets: Secrets, webhook_id: str, body: bytes, *, timestamp: int | None = None
) -> dict[str, str]:
    """The three headers of a delivery attempt, signed with every given secret.

    ``timestamp`` defaults to now; a retry is signed again with a fresh timestamp and the
    same ``webhook_id``.
    """
    keys = _as_list(secrets)
    if not keys:
        raise WebhookSecretError("at least one webhook secret is needed to sign")
    when = int(time.time()) if timestamp is None else timestamp
    return {
        HEADER_ID: webhook_id,
        HEADER_TIMESTAMP: str(when),
        HEADER_SIGNATURE: " ".join(sign(key, webhook_id, when, body) for key in keys),
    }


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        # Plain dicts are case-sensitive; HTTP header names are not.
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    if value is None or not value.strip():
        raise WebhookVerificationError(
            WebhookFailure.MISSING_HEADER, f"the {name} header is missing or empty"
        )
    return value.strip()


def _check_id(webhook_id: str) -> None:
    if not _ID.fullmatch(webhook_id):
        raise WebhookVerificationError(
            WebhookFailure.BAD_ID,
            f"{HEADER_ID} must be 1 to {MAX_ID_LENGTH} printable ASCII characters without spaces",
        )


def verify_webhook(
    secrets: Secrets,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> VerifiedWebhook:
    """Check a delivery's headers against its raw body; raise :class:`WebhookVerificationError`.

    Passes when the timestamp is within ``tolerance_seconds`` of ``now`` (either way) and
    any ``v1`` signature in the header matches the HMAC under any of ``secrets``. Every
    comparison is constant-time. Signatures of other versions (``v1a`` …) are ignored.
    """
    keys = [secret_key(secret) for secret in _as_list(secrets)]
    if not keys:
        raise WebhookSecretError("at least one webhook secret is needed to verify")
    webhook_id = _header(headers, HEADER_ID)
    raw_timestamp = _header(headers, HEADER_TIMESTAMP)
    signature_header = _header(headers, HEADER_SIGNATURE)
    _check_id(webhook_id)
    if not _TIMESTAMP.fullmatch(raw_timestamp):
        raise WebhookVerificationError(
            WebhookFailure.BAD_TIMESTAMP, f"{HEADER_TIMESTAMP} must be Unix seconds (digits only)"
        )
    timestamp = int(raw_timestamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_seconds:
        direction = "old" if timestamp < current else "far in the future"
        raise WebhookVerificationError(
            WebhookFailure.STALE_TIMESTAMP,
            f"{HEADER_TIMESTAMP} is too {direction}: more than {tolerance_seconds} s "
            "from the receiver's clock",
        )
    candidates = signature_header.split()
    if len(candidates) > MAX_SIGNATURES:
        raise WebhookVerificationError(
            WebhookFailure.BAD_SIGNATURE_HEADER,
            f"{HEADER_SIGNATURE} holds more than {MAX_SIGNATURES} signatures",
        )
    offered = [
        value.encode("utf-8", "replace")
        for version, _, value in (candidate.partition(",") for candidate in candidates)
        if version == SIGNATURE_VERSION
    ]
    if not offered:
        raise WebhookVerificationError(
            WebhookFailure.BAD_SIGNATURE_HEADER,
            f"{HEADER_SIGNATURE} holds no {SIGNATURE_VERSION},<base64> signature",
        )
    # The timestamp is signed as received (digits only), so nothing is re-rendered.
    content = _signed_content(webhook_id, raw_timestamp, body)
    matched = False
    for key in keys:
        expected = _digest(key, content)
        for signature in offered:
            # No early exit: the time taken does not say which candidate matched.
            matched |= hmac.compare_digest(expected, signature)
    if not matched:
        raise WebhookVerificationError(
            WebhookFailure.NO_MATCHING_SIGNATURE,
            "no signature matches the body under any configured secret",
        )
    return VerifiedWebhook(webhook_id=webhook_id, timestamp=timestamp)
