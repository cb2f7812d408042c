"""Masking of contact data and the decision-maker rule."""

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.clients.contacts.rules import holds_role_on, mask_contact
from services.clients.contacts.schemas import ContactRead
from shared.personal_data import mask_email, mask_phone


def test_phone_keeps_last_four_digits_and_separators() -> None:
    assert mask_phone("138-1234-5678") == "***-****-5678"
    assert mask_phone("+86 13812345678") == "+** *******5678"
    assert mask_phone("1234") == "****"


@given(st.text(alphabet="0123456789 -+()", max_size=30))
def test_phone_mask_hides_all_but_four_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert len(masked) == len(phone)
    digits = [c for c in phone if c.isdigit()]
    visible = [c for c in masked if c.isdigit()]
    assert visible == (digits[-4:] if len(digits) > 4 else [])


def test_email_keeps_first_character_and_domain() -> None:
    assert mask_email("wang.lei@example.com") == "w***@example.com"
    assert mask_email("@x.cn") == "***@x.cn"


@given(st.emails())
def test_email_mask_never_shows_more_than_one_local_character(email: str) -> None:
    local, _, domain = email.partition("@")
    masked = mask_email(email)
    assert masked == f"{local[0]}***@{domain}"


def test_mask_contact_masks_a_copy() -> None:
    now = datetime.now(UTC)
    contact = ContactRead(
        id=1, name="李建国", title=None, phone="13812345678", email="li@example.com",
        birthday=None, notes="", version=1, created_at=now, updated_at=now,
    )  # fmt: skip
    masked = mask_contact(contact)
    assert (masked.phone, masked.email) == ("*******5678", "l***@example.com")
    assert contact.phone == "13812345678"


def test_decision_maker_must_be_active_and_unexpired() -> None:
    today = date(2026, 11, 23)
    assert holds_role_on(["decision_maker"], True, None, "decision_maker", today)
    assert holds_role_on(["decision_maker"], True, today, "decision_maker", today)
    assert not holds_role_on(["decision_maker"], False, None, "decision_maker", today)
    assert not holds_role_on(["decision_maker"], True, date(2026, 11, 22), "decision_maker", today)
    assert not holds_role_on(["user"], True, None, "decision_maker", today)
