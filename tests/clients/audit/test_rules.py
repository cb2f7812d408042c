"""The audit's masking of a contact's personal data in a snapshot (a pure rule)."""

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from services.clients.audit.rules import PERSONAL_FIELDS, carries_personal_data, mask_snapshot

phones = st.from_regex(r"1[3-9]\d-\d{4}-\d{4}", fullmatch=True)
emails = st.from_regex(r"[a-z]{2,10}@example\.com", fullmatch=True)
others = st.dictionaries(
    st.sampled_from(["name", "title", "notes", "version", "id"]),
    st.text(max_size=10) | st.integers(),
)


@given(phones, emails, st.dates(date(1940, 1, 1), date(2010, 12, 31)), others)
def test_a_masked_snapshot_hides_personal_data_and_keeps_the_rest(
    phone: str, email: str, birthday: date, rest: dict[str, Any]
) -> None:
    snapshot = {**rest, "phone": phone, "email": email, "birthday": birthday.isoformat()}
    masked = mask_snapshot(snapshot)
    assert masked is not None and carries_personal_data(snapshot)
    assert {k: v for k, v in masked.items() if k not in PERSONAL_FIELDS} == rest
    assert masked["phone"].endswith(phone[-4:]) and phone[:3] not in masked["phone"]
    assert masked["email"] == email[0] + "***@example.com"
    assert masked["birthday"] == birthday.strftime("%m-%d")
    assert snapshot["phone"] == phone  # the entry itself is not changed


def test_a_snapshot_without_personal_data_is_left_as_it_is() -> None:
    assert not carries_personal_data({"short_name": "新", "phone": None})
    assert mask_snapshot({"short_name": "新"}) == {"short_name": "新"}
    assert mask_snapshot(None) is None
