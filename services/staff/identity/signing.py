"""The staff service's signing key: from settings in production, else kept in the database.

Keeping the generated key in the staff schema lets every staff replica sign with the same
key and survives restarts; a deployment that wants the key outside the database sets
``STAFF_SIGNING_KEY_PEM``.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.identity.models import SigningKeyRecord
from services.staff.identity.repository import IdentityRepository
from shared.auth.tokens import SigningKey

CONFIGURED_KID = "configured"


async def load_or_create_signing_keys(
    session: AsyncSession, configured_pem: str | None
) -> list[SigningKey]:
    """The keys to publish, newest (the one that signs) first."""
    if configured_pem:
        return [SigningKey.from_pem(CONFIGURED_KID, configured_pem)]
    repository = IdentityRepository(session)
    records = await repository.active_signing_keys()
    if not records:
        key = SigningKey.generate()
        await repository.add(
            SigningKeyRecord(
                kid=key.kid, private_pem=key.private_pem(), public_jwk=key.public_jwk()
            )
        )
        records = await repository.active_signing_keys()
    return [SigningKey.from_pem(r.kid, r.private_pem) for r in records]
