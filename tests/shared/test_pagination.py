import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.errors import BadRequest
from shared.pagination import decode_cursor, encode_cursor


@given(st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=20), max_size=4))
def test_cursor_round_trip(position: dict[str, object]) -> None:
    assert decode_cursor(encode_cursor(position)) == position


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", "WzEsMl0"])
def test_tampered_cursor_is_400(cursor: str) -> None:
    with pytest.raises(BadRequest):
        decode_cursor(cursor)
