import pytest

from shared.concurrency import check_if_match, etag_for
from shared.errors import PreconditionFailed, PreconditionRequired


def test_missing_if_match_is_428() -> None:
    with pytest.raises(PreconditionRequired):
        check_if_match(None, 3)


def test_stale_if_match_is_412_and_names_the_current_etag() -> None:
    with pytest.raises(PreconditionFailed) as caught:
        check_if_match('"2"', 3)
    assert caught.value.extra["current_etag"] == '"3"'


@pytest.mark.parametrize("header", ['"3"', 'W/"3"', '"1", "3"', "*"])
def test_matching_if_match_passes(header: str) -> None:
    check_if_match(header, 3)


def test_etag_is_quoted_version() -> None:
    assert etag_for(7) == '"7"'
