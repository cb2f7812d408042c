"""The verifier remembers verified tokens, and forgets each one as soon as it must: at its
expiry, when its key is no longer published, or when the cache is full."""

from __future__ import annotations

import pytest

from shared.auth.tokens import LEEWAY_SECONDS, SigningKey, StaticKeys, TokenVerifier, issue_token
from shared.errors import Unauthorized
from tests.polling import until


def token(key: SigningKey, lifetime_seconds: int = 600, subject: str = "user:7") -> str:
    return issue_token(
        key,
        subject=subject,
        lifetime_seconds=lifetime_seconds,
        roles=frozenset(),
        scopes=frozenset(),
    )


def verifier_for(*keys: SigningKey, cache_size: int = 100) -> tuple[TokenVerifier, StaticKeys]:
    trusted = StaticKeys()
    for key in keys:
        trusted.add(key)
    return TokenVerifier(trusted, cache_size=cache_size), trusted


async def test_a_token_verified_twice_names_the_same_principal() -> None:
    key = SigningKey.generate()
    verifier, _ = verifier_for(key)
    issued = token(key)
    first = await verifier.verify(issued)
    assert await verifier.verify(issued) == first
    assert first.user_id == 7


async def test_a_remembered_token_is_refused_once_its_key_is_withdrawn() -> None:
    old, new = SigningKey.generate(), SigningKey.generate()
    verifier, trusted = verifier_for(old)
    issued = token(old)
    await verifier.verify(issued)
    trusted.load({"keys": [new.public_jwk()]})  # a rotation that drops the old key
    with pytest.raises(Unauthorized, match="unknown key"):
        await verifier.verify(issued)


async def test_a_remembered_token_is_refused_after_it_expires() -> None:
    key = SigningKey.generate()
    verifier, _ = verifier_for(key)
    # Expired a moment ago but still inside the leeway, for one more second.
    issued = token(key, lifetime_seconds=1 - LEEWAY_SECONDS)
    await verifier.verify(issued)

    async def refused() -> bool:
        try:
            await verifier.verify(issued)
        except Unauthorized as exc:
            assert "expired" in str(exc)
            return True
        return False

    await until(refused, seconds=5)


async def test_the_cache_keeps_at_most_its_size_and_drops_the_oldest_first() -> None:
    key = SigningKey.generate()
    verifier, _ = verifier_for(key, cache_size=2)
    tokens = [token(key, subject=f"user:{n}") for n in (1, 2, 3)]
    for issued in tokens:
        await verifier.verify(issued)
    remembered = verifier._verified
    assert list(remembered) == tokens[1:]


async def test_a_refused_token_is_not_remembered() -> None:
    key, stranger = SigningKey.generate(), SigningKey.generate()
    verifier, _ = verifier_for(key)
    forged = token(stranger)
    for _ in range(2):
        with pytest.raises(Unauthorized):
            await verifier.verify(forged)
    assert verifier._verified == {}
