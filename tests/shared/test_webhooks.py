"""Standard Webhooks signatures: the published vector, hand-made cases, and properties."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shared.webhooks import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    MAX_SIGNATURES,
    WebhookFailure,
    WebhookSecretError,
    WebhookSettings,
    WebhookVerificationError,
    generate_secret,
    secret_key,
    sign,
    signature_headers,
    verify_webhook,
)

# The Standard Webhooks reference vector (used by every reference library's tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

SECRET_A = "whsec_" + base64.b64encode(b"A" * 32).decode()
SECRET_B = "whsec_" + base64.b64encode(b"B" * 32).decode()
NOW = 1_800_000_000


def headers(webhook_id: str, timestamp: str, signature: str) -> dict[str, str]:
    return {HEADER_ID: webhook_id, HEADER_TIMESTAMP: timestamp, HEADER_SIGNATURE: signature}


def vector_headers(signature: str = VECTOR_SIGNATURE) -> dict[str, str]:
    return headers(VECTOR_ID, str(VECTOR_TIMESTAMP), signature)


def failure(excinfo: pytest.ExceptionInfo[WebhookVerificationError]) -> WebhookFailure:
    return excinfo.value.reason


# --- hand-made vectors --------------------------------------------------------------------


def test_the_published_vector_signs_exactly() -> None:
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_the_published_vector_verifies() -> None:
    verified = verify_webhook(VECTOR_SECRET, vector_headers(), VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert (verified.webhook_id, verified.timestamp) == (VECTOR_ID, VECTOR_TIMESTAMP)


def test_the_signature_is_hmac_sha256_over_id_timestamp_body_by_hand() -> None:
    key = b"K" * 24
    content = b"evt_1.1800000000.{}"
    expected = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    secret = "whsec_" + base64.b64encode(key).decode()
    assert sign(secret, "evt_1", NOW, b"{}") == expected
    assert sign(key, "evt_1", NOW, b"{}") == expected  # raw key bytes work too


def test_the_prefix_is_optional_like_the_reference_libraries() -> None:
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert sign(bare, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_one_matching_signature_among_several_is_enough() -> None:
    header = f"v1,bm9wZQ== v1a,c29tZXRoaW5n {VECTOR_SIGNATURE}"
    verify_webhook(VECTOR_SECRET, vector_headers(header), VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_header_names_are_case_insensitive_in_a_plain_dict() -> None:
    upper = {name.title(): value for name, value in vector_headers().items()}
    verify_webhook(VECTOR_SECRET, upper, VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_the_body_is_verified_as_raw_bytes_not_as_json() -> None:
    reformatted = b'{"test":2432232314}'  # the same JSON, other bytes
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, vector_headers(), reformatted, now=VECTOR_TIMESTAMP)
    assert failure(excinfo) is WebhookFailure.NO_MATCHING_SIGNATURE


@pytest.mark.parametrize("missing", [HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE])
def test_a_missing_header_is_named(missing: str) -> None:
    sent = vector_headers()
    del sent[missing]
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, sent, VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert failure(excinfo) is WebhookFailure.MISSING_HEADER
    assert missing in excinfo.value.detail


@pytest.mark.parametrize("timestamp", ["", " ", "16142653.30", "-1614265330", "1e9", "abc"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(timestamp: str) -> None:
    sent = headers(VECTOR_ID, timestamp, VECTOR_SIGNATURE)
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, sent, VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert failure(excinfo) in {WebhookFailure.BAD_TIMESTAMP, WebhookFailure.MISSING_HEADER}


@pytest.mark.parametrize(
    ("offset", "passes"),
    [(0, True), (300, True), (-300, True), (301, False), (-301, False), (86_400, False)],
)
def test_the_window_is_five_minutes_either_way(offset: int, passes: bool) -> None:
    now = VECTOR_TIMESTAMP + offset
    if passes:
        verify_webhook(VECTOR_SECRET, vector_headers(), VECTOR_BODY, now=now)
        return
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, vector_headers(), VECTOR_BODY, now=now)
    assert failure(excinfo) is WebhookFailure.STALE_TIMESTAMP


def test_the_window_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_WEBHOOK_TOLERANCE_SECONDS", "30")
    tolerance = WebhookSettings().tolerance_seconds
    assert tolerance == 30
    with pytest.raises(WebhookVerificationError):
        verify_webhook(
            VECTOR_SECRET, vector_headers(), VECTOR_BODY,
            now=VECTOR_TIMESTAMP + 31, tolerance_seconds=tolerance,
        )  # fmt: skip
    monkeypatch.setenv("KAM_WEBHOOK_TOLERANCE_SECONDS", "0")
    with pytest.raises(ValidationError):
        WebhookSettings()


def test_the_timestamp_is_checked_before_the_signature() -> None:
    """A stale replay is refused as stale even with a valid signature (replay protection)."""
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, vector_headers(), VECTOR_BODY, now=VECTOR_TIMESTAMP + 3600)
    assert failure(excinfo) is WebhookFailure.STALE_TIMESTAMP


@pytest.mark.parametrize("signature", ["", "garbage", "v2,abc", "v1a,abc"])
def test_a_header_without_any_v1_signature_is_named(signature: str) -> None:
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, vector_headers(signature), VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert failure(excinfo) in {WebhookFailure.BAD_SIGNATURE_HEADER, WebhookFailure.MISSING_HEADER}


def test_too_many_signatures_are_refused() -> None:
    header = " ".join([VECTOR_SIGNATURE] * (MAX_SIGNATURES + 1))
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, vector_headers(header), VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert failure(excinfo) is WebhookFailure.BAD_SIGNATURE_HEADER


@pytest.mark.parametrize("webhook_id", ["has space", "ünïcode", "x" * 256])
def test_a_malformed_id_is_refused(webhook_id: str) -> None:
    sent = headers(webhook_id, str(VECTOR_TIMESTAMP), VECTOR_SIGNATURE)
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(VECTOR_SECRET, sent, VECTOR_BODY, now=VECTOR_TIMESTAMP)
    assert failure(excinfo) is WebhookFailure.BAD_ID


def test_the_error_is_a_401_problem_that_never_echoes_a_secret_or_signature() -> None:
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(SECRET_A, vector_headers(), VECTOR_BODY, now=VECTOR_TIMESTAMP)
    error = excinfo.value
    assert error.status == 401
    assert error.slug == "invalid-webhook"
    assert error.extra == {"reason": "no_matching_signature"}
    text = f"{error} {error.detail} {error.extra} {error!r}"
    for secret_part in (SECRET_A, SECRET_A.removeprefix("whsec_"), VECTOR_SIGNATURE[3:]):
        assert secret_part not in text


@pytest.mark.parametrize(
    "secret", ["whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode()]
)
def test_a_bad_secret_is_a_setup_error_that_does_not_repeat_it(secret: str) -> None:
    with pytest.raises(WebhookSecretError) as excinfo:
        secret_key(secret)
    assert secret.removeprefix("whsec_") not in str(excinfo.value)


def test_no_secret_at_all_is_a_setup_error() -> None:
    with pytest.raises(WebhookSecretError):
        verify_webhook([], vector_headers(), VECTOR_BODY, now=VECTOR_TIMESTAMP)
    with pytest.raises(WebhookSecretError):
        signature_headers([], "evt_1", b"{}")


def test_generated_secrets_are_usable_and_distinct() -> None:
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_") and first != second
    assert len(secret_key(first)) == 32


def test_signature_headers_sign_with_every_secret_and_default_to_now() -> None:
    sent = signature_headers([SECRET_A, SECRET_B], "evt_9", b"{}", timestamp=NOW)
    assert sent[HEADER_ID] == "evt_9" and sent[HEADER_TIMESTAMP] == str(NOW)
    assert sent[HEADER_SIGNATURE].split() == [
        sign(SECRET_A, "evt_9", NOW, b"{}"),
        sign(SECRET_B, "evt_9", NOW, b"{}"),
    ]
    fresh = signature_headers(SECRET_A, "evt_9", b"{}")
    verify_webhook(SECRET_A, fresh, b"{}")  # the real clock


# --- properties ---------------------------------------------------------------------------

ids = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=64
)
bodies = st.binary(max_size=512)
timestamps = st.integers(min_value=10**9, max_value=10**10)
secret_bytes = st.binary(min_size=24, max_size=64)


def as_secret(key: bytes) -> str:
    return "whsec_" + base64.b64encode(key).decode()


def flip(data: bytes, index: int, mask: int) -> bytes:
    position = index % len(data)
    return data[:position] + bytes([data[position] ^ mask]) + data[position + 1 :]


@given(key=secret_bytes, webhook_id=ids, timestamp=timestamps, body=bodies)
def test_sign_then_verify_round_trips(
    key: bytes, webhook_id: str, timestamp: int, body: bytes
) -> None:
    sent = signature_headers(as_secret(key), webhook_id, body, timestamp=timestamp)
    verified = verify_webhook(as_secret(key), sent, body, now=timestamp)
    assert verified.webhook_id == webhook_id and verified.timestamp == timestamp


@given(
    key=secret_bytes,
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies.filter(bool),
    index=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
def test_any_flipped_body_byte_fails(
    key: bytes, webhook_id: str, timestamp: int, body: bytes, index: int, mask: int
) -> None:
    sent = signature_headers(as_secret(key), webhook_id, body, timestamp=timestamp)
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook(as_secret(key), sent, flip(body, index, mask), now=timestamp)
    assert failure(excinfo) is WebhookFailure.NO_MATCHING_SIGNATURE


@given(
    key=secret_bytes,
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies,
    index=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
def test_any_flipped_id_byte_fails(
    key: bytes, webhook_id: str, timestamp: int, body: bytes, index: int, mask: int
) -> None:
    sent = signature_headers(as_secret(key), webhook_id, body, timestamp=timestamp)
    sent[HEADER_ID] = flip(webhook_id.encode(), index, mask).decode("latin-1")
    with pytest.raises(WebhookVerificationError):
        verify_webhook(as_secret(key), sent, body, now=timestamp)


@given(
    key=secret_bytes,
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies,
    index=st.integers(min_value=0),
    mask=st.integers(min_value=1, max_value=255),
)
def test_any_flipped_timestamp_byte_fails(
    key: bytes, webhook_id: str, timestamp: int, body: bytes, index: int, mask: int
) -> None:
    sent = signature_headers(as_secret(key), webhook_id, body, timestamp=timestamp)
    sent[HEADER_TIMESTAMP] = flip(str(timestamp).encode(), index, mask).decode("latin-1")
    # Judged at the original time, so a flip that stays in the window must fail on the HMAC.
    with pytest.raises(WebhookVerificationError):
        verify_webhook(as_secret(key), sent, body, now=timestamp, tolerance_seconds=10**11)


@given(
    keys=st.lists(secret_bytes, min_size=1, max_size=4, unique=True),
    choice=st.integers(min_value=0),
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies,
)
def test_rotation_a_signature_by_any_listed_secret_passes(
    keys: list[bytes], choice: int, webhook_id: str, timestamp: int, body: bytes
) -> None:
    signer = keys[choice % len(keys)]
    sent = signature_headers(as_secret(signer), webhook_id, body, timestamp=timestamp)
    verify_webhook([as_secret(key) for key in keys], sent, body, now=timestamp)


@given(
    keys=st.lists(secret_bytes, min_size=2, max_size=4, unique=True),
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies,
)
def test_rotation_a_signature_by_an_unlisted_secret_fails(
    keys: list[bytes], webhook_id: str, timestamp: int, body: bytes
) -> None:
    *listed, retired = keys
    sent = signature_headers(as_secret(retired), webhook_id, body, timestamp=timestamp)
    with pytest.raises(WebhookVerificationError) as excinfo:
        verify_webhook([as_secret(key) for key in listed], sent, body, now=timestamp)
    assert failure(excinfo) is WebhookFailure.NO_MATCHING_SIGNATURE


@given(
    keys=st.lists(secret_bytes, min_size=2, max_size=3, unique=True),
    webhook_id=ids,
    timestamp=timestamps,
    body=bodies,
)
def test_a_sender_signing_with_old_and_new_secrets_passes_either_receiver(
    keys: list[bytes], webhook_id: str, timestamp: int, body: bytes
) -> None:
    sent = signature_headers(
        [as_secret(key) for key in keys], webhook_id, body, timestamp=timestamp
    )
    for key in keys:
        verify_webhook(as_secret(key), sent, body, now=timestamp)
