from hypothesis import given
from hypothesis import strategies as st

from shared.dsn import (
    asyncpg_dsn,
    database_name,
    mask_password,
    sqlalchemy_url,
    with_credentials,
    with_database,
)


def test_mask_password_hides_only_the_password() -> None:
    masked = mask_password("postgresql://kam_staff:s3cret@db.internal:5432/kam")
    assert masked == "postgresql://kam_staff:***@db.internal:5432/kam"


def test_mask_password_leaves_a_url_without_password_alone() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/kam"
    assert mask_password(url) == url


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1))
def test_any_password_is_masked(password: str) -> None:
    url = with_credentials("postgresql://x@h:1/d", "kam_clients", password)
    assert mask_password(url) == "postgresql://kam_clients:***@h:1/d"


def test_with_credentials_keeps_server_and_database() -> None:
    url = with_credentials("postgresql://postgres@127.0.0.1:5432/kam", "kam_clients", "p@ss")
    assert url == "postgresql://kam_clients:p%40ss@127.0.0.1:5432/kam"


def test_with_database_and_database_name() -> None:
    url = with_database("postgresql://postgres@127.0.0.1:5432/postgres", "kam_test")
    assert database_name(url) == "kam_test"
    assert database_name("postgresql://postgres@127.0.0.1:5432") == "postgres"


def test_driver_urls() -> None:
    assert sqlalchemy_url("postgresql://u@h/d").startswith("postgresql+asyncpg://")
    assert asyncpg_dsn("postgresql+asyncpg://u@h/d") == "postgresql://u@h/d"
