import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.concurrency import check_if_match, etag_for
from shared.errors import BadRequest, PreconditionFailed, PreconditionRequired


def test_missing_if_match_is_428() -> None:
    with pytest.raises(PreconditionRequired):
        check_if_match(None, 3)


@pytest.mark.parametrize("header", ["*", " * ", '"3", *', "*, *"])
def test_if_match_star_names_no_version_and_is_428(header: str) -> None:
    # "*" would match any version: it must not skip the optimistic lock (issue 18, defect 11).
    with pytest.raises(PreconditionRequired) as caught:
        check_if_match(header, 3)
    assert "*" in caught.value.detail


@pytest.mark.parametrize("header", ["3", "", "v3", '"3', '3, "3"', '"3" "4"', "W/3", '""3""'])
def test_malformed_if_match_is_400_saying_what_is_expected(header: str) -> None:
    # The body's version number (3) instead of the ETag ("3") is not "the record changed".
    with pytest.raises(BadRequest) as caught:
        check_if_match(header, 3)
    assert '"3"' in caught.value.detail and "ETag" in caught.value.detail


def test_stale_if_match_is_412_and_names_the_current_etag() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        check_if_match('"2"', 3)
    assert caught.value.extra["current_etag"] == '"3"'


@pytest.mark.parametrize("header", ['"3"', 'W/"3"', '"1", "3"', ' "1" ,"3" '])
def test_matching_if_match_passes(header: str) -> None:
    check_if_match(header, 3)


@given(st.integers(min_value=1, max_value=2**31 - 1), st.integers(min_value=1, max_value=2**31 - 1))
def test_a_version_passes_only_its_own_etag(read: int, current: int) -> None:
    if read == current:
        check_if_match(etag_for(read), current)
    else:
        with pytest.raises(PreconditionFailed):
            check_if_match(etag_for(read), current)


def test_etag_is_quoted_version() -> None:
    assert etag_for(7) == '"7"'
