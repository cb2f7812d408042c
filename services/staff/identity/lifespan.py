"""Start-up of identity in the staff service: signing keys and the local token verifier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.staff.identity.repository import IdentityRepository
from services.staff.identity.sessions import ended_sessions_since
from services.staff.identity.signing import load_or_create_signing_keys
from shared.auth.revocation import Revocations, refreshed_floors
from shared.auth.tokens import SigningKey, StaticKeys, TokenVerifier, issue_token


@asynccontextmanager
async def identity_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load (or create) the signing keys; staff verifies tokens with them, no HTTP needed."""
    async with app.state.session_factory() as session:
        keys = await load_or_create_signing_keys(session, app.state.settings.signing_key_pem)
        await session.commit()
    install_signing_keys(app, keys)

    async def floors_from_database() -> Revocations:
        since = ended_sessions_since(app.state.settings.access_token_minutes)
        async with app.state.session_factory() as session:
            return await IdentityRepository(session).revocations(since)

    interval = app.state.settings.token_floor_refresh_seconds
    try:
        async with refreshed_floors(app.state.token_floors, floors_from_database, interval):
            yield
    finally:
        guard = getattr(app.state, "sign_in_guard", None)
        if guard is not None:
            guard.hashing.close()


def install_signing_keys(app: FastAPI, keys: list[SigningKey]) -> None:
    """Use ``keys`` (newest first) to sign and verify in this app."""
    trusted = StaticKeys()
    for key in keys:
        trusted.add(key)
    app.state.signing_keys = keys
    app.state.token_verifier = TokenVerifier(trusted)

    async def own_service_token() -> str:
        return issue_token(keys[0], subject="service:staff", lifetime_seconds=300)

    app.state.service_token = own_service_token
