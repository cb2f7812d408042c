"""Hashes of older argon2 parameters move to today's at the next successful sign-in."""

from argon2 import PasswordHasher
from sqlmodel import select

from services.staff.identity.models import User
from services.staff.identity.secrets import needs_rehash, verify_password
from tests.staff.conftest import StaffApp
from tests.staff.identity.test_api import PASSWORD, make_user, sign_in

# argon2-cffi's default profile, which hashed every password before issue 26.
OLD_PROFILE = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)


async def stored_hash(staff: StaffApp, login: str) -> str:
    async with staff.session_factory() as session:
        user = (await session.exec(select(User).where(User.login == login))).one()
        return user.password_hash


async def store_old_hash(staff: StaffApp, login: str) -> str:
    old = OLD_PROFILE.hash(PASSWORD)
    async with staff.session_factory() as session:
        user = (await session.exec(select(User).where(User.login == login))).one()
        user.password_hash = old
        session.add(user)
        await session.commit()
    return old


def test_only_hashes_of_other_parameters_need_a_rehash() -> None:
    assert needs_rehash(OLD_PROFILE.hash(PASSWORD))
    assert not needs_rehash(PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
                            .hash(PASSWORD))  # fmt: skip
    assert not needs_rehash("!not-an-argon2-hash")


async def test_a_correct_sign_in_rehashes_an_old_hash_with_todays_parameters(
    staff: StaffApp,
) -> None:
    await make_user(staff.client, "old.hash")
    old = await store_old_hash(staff, "old.hash")
    assert (await sign_in(staff.client, "old.hash")).status_code == 200
    new = await stored_hash(staff, "old.hash")
    assert new != old and not needs_rehash(new) and verify_password(new, PASSWORD)
    assert (await sign_in(staff.client, "old.hash")).status_code == 200
    assert await stored_hash(staff, "old.hash") == new  # already today's: left alone


async def test_a_wrong_password_leaves_an_old_hash_as_it_was(staff: StaffApp) -> None:
    await make_user(staff.client, "old.hash")
    old = await store_old_hash(staff, "old.hash")
    assert (await sign_in(staff.client, "old.hash", "wrong-password!")).status_code == 401
    assert await stored_hash(staff, "old.hash") == old
