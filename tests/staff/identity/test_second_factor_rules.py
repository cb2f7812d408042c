"""TOTP windows and recovery codes (services/staff/identity/second_factor_rules.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pyotp
from hypothesis import given
from hypothesis import strategies as st

from services.staff.identity.second_factor_rules import (
    STEP_SECONDS,
    code_at_step,
    matching_step,
    new_recovery_codes,
    new_totp_secret,
    normalised_recovery_code,
    provisioning_uri,
    recovery_code_hash,
    second_factor_required,
    time_step,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOON = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)


def test_codes_are_rfc_6238_codes_of_the_secret() -> None:
    # The RFC 6238 appendix B vector (SHA-1, 8 digits) at T=59 is 94287082: its last 6.
    rfc_secret = base64.b32encode(b"12345678901234567890").decode()
    assert code_at_step(rfc_secret, 59 // STEP_SECONDS) == "287082"
    assert code_at_step(SECRET, time_step(NOON)) == pyotp.TOTP(SECRET).at(NOON)


def test_the_code_of_now_and_of_one_step_either_side_match_with_a_window_of_one() -> None:
    now = time_step(NOON)
    for offset in (-1, 0, 1):
        code = code_at_step(SECRET, now + offset)
        assert matching_step(SECRET, code, NOON, 1, None) == now + offset


def test_a_code_two_steps_away_does_not_match_with_a_window_of_one() -> None:
    now = time_step(NOON)
    for offset in (-2, 2):
        code = code_at_step(SECRET, now + offset)
        if code not in {code_at_step(SECRET, now + o) for o in (-1, 0, 1)}:
            assert matching_step(SECRET, code, NOON, 1, None) is None
    assert matching_step(SECRET, code_at_step(SECRET, now - 1), NOON, 0, None) is None


def test_a_code_once_accepted_never_works_again_nor_an_older_one() -> None:
    now = time_step(NOON)
    code = code_at_step(SECRET, now)
    assert matching_step(SECRET, code, NOON, 1, last_step=now) is None
    older = code_at_step(SECRET, now - 1)
    assert matching_step(SECRET, older, NOON, 1, last_step=now) is None
    later = NOON + timedelta(seconds=STEP_SECONDS)
    assert matching_step(SECRET, code_at_step(SECRET, now + 1), later, 1, last_step=now) == (
        now + 1
    )


def test_malformed_codes_never_match() -> None:
    for code in ("", "12345", "1234567", "abcdef", " 12345"):
        assert matching_step(SECRET, code, NOON, 1, None) is None


@given(
    st.integers(min_value=STEP_SECONDS * 6, max_value=2**31), st.integers(min_value=-3, max_value=3)
)
def test_property_every_code_in_the_window_matches_its_own_step_or_an_earlier_twin(
    seconds: int, offset: int
) -> None:
    at = datetime.fromtimestamp(seconds, UTC)
    step = time_step(at) + offset
    found = matching_step(SECRET, code_at_step(SECRET, step), at, 3, None)
    assert found is not None and found <= step
    assert code_at_step(SECRET, found) == code_at_step(SECRET, step)


def test_secrets_are_random_base32_of_160_bits() -> None:
    a, b = new_totp_secret(), new_totp_secret()
    assert a != b and len(a) == 32
    assert set(a) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def test_the_provisioning_uri_names_the_issuer_and_login() -> None:
    uri = provisioning_uri(SECRET, "wang.lei", "KAM")
    assert uri.startswith("otpauth://totp/KAM:wang.lei?")
    assert f"secret={SECRET}" in uri and "issuer=KAM" in uri


def test_recovery_codes_are_ten_distinct_and_normalise_as_typed() -> None:
    codes = new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert len(code) == 11 and code[5] == "-"
        typed = code.upper().replace("-", " ")
        assert normalised_recovery_code(typed) == code
        assert recovery_code_hash(typed) == recovery_code_hash(code)
    assert recovery_code_hash(codes[0]) != recovery_code_hash(codes[1])


@given(st.text(min_size=0, max_size=30))
def test_property_normalising_twice_changes_nothing(text: str) -> None:
    once = normalised_recovery_code(text)
    assert normalised_recovery_code(once) == once


def test_who_must_show_a_second_factor() -> None:
    required = ("admin", "finance", "appraisal_admin")
    assert second_factor_required(["admin"], required, enrolled=False)
    assert second_factor_required(["finance", "team_lead"], required, enrolled=False)
    assert not second_factor_required(["account_manager"], required, enrolled=False)
    assert second_factor_required(["account_manager"], required, enrolled=True)
    assert not second_factor_required(["admin"], (), enrolled=False)
