"""Signed access tokens: EdDSA (Ed25519) JWTs, verified locally against published keys.

Staff signs; everyone verifies with the public keys staff publishes as a JWKS. The
algorithm is pinned: a token that names another algorithm (``none``, HS256 with the public
key as secret …) is refused before any key is used.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from shared.auth.principal import Principal, PrincipalKind, Role
from shared.errors import Unauthorized

ALGORITHM = "EdDSA"
ISSUER = "kam-staff"
AUDIENCE = "kam"
LEEWAY_SECONDS = 5


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private key with its id (``kid``)."""

    kid: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        """A new random Ed25519 key."""
        return cls(kid=uuid.uuid4().hex[:16], private_key=Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, kid: str, pem: str) -> SigningKey:
        """Load a key stored as unencrypted PKCS#8 PEM."""
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the signing key must be an Ed25519 key")
        return cls(kid=kid, private_key=key)

    def private_pem(self) -> str:
        """The key as PKCS#8 PEM (for storage)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def public_jwk(self) -> dict[str, Any]:
        """The public half as a JWK."""
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return jwk


def issue_token(
    key: SigningKey,
    *,
    subject: str,
    lifetime_seconds: int,
    roles: frozenset[Role] | frozenset[str] = frozenset(),
    scopes: frozenset[str] = frozenset(),
    employee_id: int | None = None,
    token_version: int = 0,
    session_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> str:
    """Sign an access token for ``user:<id>``, ``service:<name>`` or ``api_key:<id>``."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime_seconds,
        "jti": uuid.uuid4().hex,
        "roles": sorted(str(r) for r in roles),
        "scopes": sorted(scopes),
        "ver": token_version,
    }
    if employee_id is not None:
        claims["emp"] = employee_id
    if session_id is not None:
        claims["sid"] = session_id
    if extra:
        claims.update(extra)
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid})


class KeySource(Protocol):
    """Where verifiers find public keys by ``kid``."""

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        """The key with this id, or None when unknown."""
        ...


class StaticKeys:
    """Public keys known in advance (staff's own keys; tests)."""

    def __init__(self, jwks: Mapping[str, Any] | None = None) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        if jwks:
            self.load(jwks)

    def load(self, jwks: Mapping[str, Any]) -> None:
        """Replace the known keys with those of a JWKS document."""
        keys: dict[str, Ed25519PublicKey] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                continue
            public = OKPAlgorithm.from_jwk(json.dumps(jwk))
            if isinstance(public, Ed25519PublicKey):
                keys[str(jwk["kid"])] = public
        self._keys = keys

    def add(self, key: SigningKey) -> None:
        """Trust the public half of ``key``."""
        self._keys[key.kid] = key.private_key.public_key()

    async def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, extra={"headers": {"WWW-Authenticate": "Bearer"}})


VERIFIED_CACHE_SIZE = 10_000
"""Tokens a verifier remembers as verified (a few MB at most)."""


@dataclass(frozen=True, slots=True)
class _Verified:
    expires_at: float
    kid: str
    key: Ed25519PublicKey
    principal: Principal


class TokenVerifier:
    """Verifies access tokens locally: pinned algorithm, known key, issuer, audience, time."""

    def __init__(
        self,
        keys: KeySource,
        *,
        audience: str = AUDIENCE,
        issuer: str = ISSUER,
        cache_size: int = VERIFIED_CACHE_SIZE,
    ) -> None:
        self.keys = keys
        self.audience = audience
        self.issuer = issuer
        self.cache_size = cache_size
        self._verified: dict[str, _Verified] = {}

    async def verify(self, token: str) -> Principal:
        """The principal a token names; :class:`Unauthorized` for anything wrong with it.

        A token verified before is answered from memory while it is unexpired and its key is
        still the one published under its ``kid``: the Ed25519 check is most of the cost of
        authenticating a request, and every screen sends the same token again and again.
        """
        known = self._verified.get(token)
        if known is not None:
            still_published = await self.keys.public_key(known.kid) is known.key
            if still_published and time.time() < known.expires_at:
                return known.principal
            self._verified.pop(token, None)
        return await self._verify_signature(token)

    async def _verify_signature(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _unauthorized("the access token is malformed") from exc
        if header.get("alg") != ALGORITHM:
            raise _unauthorized("the access token uses an algorithm that is not accepted")
        kid = header.get("kid")
        key = await self.keys.public_key(str(kid)) if isinstance(kid, str) else None
        if key is None:
            raise _unauthorized("the access token was signed by an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("the access token has expired") from exc
        except jwt.PyJWTError as exc:
            raise _unauthorized("the access token is not valid") from exc
        principal = principal_from_claims(claims)
        self._remember(
            token, _Verified(float(claims["exp"]) + LEEWAY_SECONDS, str(kid), key, principal)
        )
        return principal

    def _remember(self, token: str, verified: _Verified) -> None:
        if self.cache_size <= 0:
            return
        if len(self._verified) >= self.cache_size:
            self._verified.pop(next(iter(self._verified)))  # the oldest entry
        self._verified[token] = verified


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """Build the principal a verified token describes."""
    subject = str(claims["sub"])
    kind_text, _, ident = subject.partition(":")
    try:
        kind = PrincipalKind(kind_text)
    except ValueError as exc:
        raise _unauthorized("the access token names an unknown kind of subject") from exc
    roles = frozenset(Role(r) for r in claims.get("roles", []) if r in Role.__members__.values())
    employee = claims.get("emp")
    return Principal(
        kind=kind,
        subject=subject,
        roles=roles,
        scopes=frozenset(str(s) for s in claims.get("scopes", [])),
        user_id=int(ident) if kind is PrincipalKind.USER and ident.isdigit() else None,
        employee_id=int(employee) if isinstance(employee, int) else None,
        service=ident if kind is PrincipalKind.SERVICE else None,
        token_version=int(claims.get("ver", 0)),
        token_id=str(claims.get("jti")) if claims.get("jti") else None,
        session_id=str(claims["sid"]) if claims.get("sid") else None,
    )
