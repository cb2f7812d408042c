"""Sign-in, sessions, users and API keys. Never commits: the request owns the transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from sqlalchemy.exc import IntegrityError

from services.staff.audit.models import StaffAuditEntry
from services.staff.audit.recorder import audit_entry
from services.staff.identity.factor_schemas import SecondFactorChallenge
from services.staff.identity.hashing import PasswordHashing
from services.staff.identity.models import (
    ApiKey,
    RefreshToken,
    SignInSession,
    SignInThrottle,
    User,
)
from services.staff.identity.password_policy import PasswordPolicy, password_problems
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.schemas import (
    ApiKeyCreate,
    Introspection,
    ServiceToken,
    TokenPair,
    UserCreate,
    UserUpdate,
)
from services.staff.identity.second_factor import SecondFactorGate
from services.staff.identity.secrets import (
    api_key_prefix,
    hash_password,
    new_api_key,
    new_refresh_token,
    same_secret,
    sha256_hex,
    verify_password,
)
from services.staff.identity.sign_in_guard import SignInGuard, SignInThrottled
from services.staff.identity.throttle_rules import (
    Counter,
    address_attempt,
    login_attempt,
)
from shared.auth.principal import Principal, Role
from shared.auth.tokens import SigningKey, issue_token
from shared.concurrency import check_if_match
from shared.errors import Duplicate, NotFound, Unauthorized, UnprocessableContent

SERVICE_TOKEN_SECONDS: Final = 900
API_KEY_TOKEN_SECONDS: Final = 300


def _now() -> datetime:
    return datetime.now(UTC)


class LockoutInbox(Protocol):
    """Where a person is told that their login got locked (staff's inbox)."""

    async def sign_in_locked(
        self, employee_id: int, user_id: int, login: str, locked_until: datetime
    ) -> None: ...


@dataclass(frozen=True)
class SignInClient:
    """Where a sign-in came from, kept with its session."""

    address: str
    user_agent: str | None = None


@dataclass(frozen=True)
class SignInAttempt:
    """An attempt let through the throttle: what checking its password needs."""

    login_key: str
    address_key: str
    password_hash: str | None
    user_id: int | None
    delay: float
    priority: int
    """Failures of the address before this attempt: a clean address hashes first."""
    locks_until: datetime | None = None
    """Set when this attempt, if it fails, locks the login (once per lock window)."""


def _counter(row: SignInThrottle) -> Counter:
    return Counter(row.failures, row.last_failure_at, row.locked_until)


def _store(row: SignInThrottle, counter: Counter) -> None:
    row.failures = counter.failures
    row.last_failure_at = counter.last_failure_at
    row.locked_until = counter.locked_until


def bad_credentials() -> Unauthorized:
    return Unauthorized(
        "login or password is wrong", extra={"headers": {"WWW-Authenticate": "Bearer"}}
    )


async def end_sessions(
    repository: IdentityRepository, user: User, ended_by: str | None = None
) -> int:
    """Revoke every refresh token of ``user``, mark their sessions ended and bump their
    token version, so every access token issued before stops working (services learn it
    within seconds). Returns how many sessions were open."""
    assert user.id is not None
    now = _now()
    await repository.revoke_refresh_tokens(user.id, now)
    ended = await repository.end_user_sessions(user.id, now, ended_by)
    user.token_version += 1
    await repository.add(user)
    return ended


def signed_in_entry(
    action: str, entity: str, entity_id: object, address: str, **detail: object
) -> StaffAuditEntry:
    """An audit entry of a sign-in with the caller's own address (the request's peer is
    the gateway; the address comes through its trusted X-Forwarded-For)."""
    entry = audit_entry(action, entity=entity, entity_id=entity_id, actor=None, **detail)
    entry.client_address = address[:64]
    return entry


def enforce_password_policy(password: str, login: str, policy: PasswordPolicy) -> None:
    """422 with every problem of a new password."""
    problems = password_problems(password, login, policy)
    if problems:
        raise UnprocessableContent(
            "the new password is not acceptable: " + "; ".join(problems),
            extra={"errors": [{"field": "new_password", "message": p} for p in problems]},
        )


async def deactivate_logins_of(repository: IdentityRepository, employee_id: int) -> int:
    """Deactivate every login of an employee and end its sessions (on departure).

    Runs in the caller's transaction, so a departure and the end of its logins commit
    together. Returns how many logins were deactivated.
    """
    deactivated = 0
    for user in await repository.users_of_employee(employee_id):
        if not user.active:
            continue
        user.active = False
        user.version += 1
        await end_sessions(repository, user)
        repository.session.add(
            audit_entry("user_deactivated", entity="user", entity_id=user.id, reason="departure")
        )
        deactivated += 1
    return deactivated


class IdentityService:
    """The rules of identity."""

    def __init__(
        self,
        repository: IdentityRepository,
        signing_key: SigningKey,
        *,
        access_seconds: int,
        refresh_days: int,
        actor: str | None = None,
        hashing: PasswordHashing | None = None,
        lockouts: LockoutInbox | None = None,
        second_factor: SecondFactorGate | None = None,
        password_policy: PasswordPolicy | None = None,
    ) -> None:
        self.password_policy = password_policy or PasswordPolicy()
        self.repository = repository
        self.second_factor = second_factor
        self.hashing = hashing
        self.lockouts = lockouts
        self.actor = actor
        self.signing_key = signing_key
        self.access_seconds = access_seconds
        self.refresh_days = refresh_days

    def _audit(self, action: str, entity: str, entity_id: object, **detail: object) -> None:
        self.repository.session.add(
            audit_entry(action, entity=entity, entity_id=entity_id, actor=self.actor, **detail)
        )

    def _access_token(self, user: User, session_id: str) -> str:
        assert user.id is not None
        roles = frozenset({*user.roles, Role.EMPLOYEE.value})
        return issue_token(
            self.signing_key,
            subject=f"user:{user.id}",
            lifetime_seconds=self.access_seconds,
            roles=roles,
            employee_id=user.employee_id,
            token_version=user.token_version,
            session_id=session_id,
        )

    async def _verify(self, password_hash: str | None, password: str) -> bool:
        if self.hashing is None:  # a command-line tool: no event loop to keep free
            return verify_password(password_hash, password)
        return await self.hashing.verify(password_hash, password)

    async def _hash(self, password: str) -> str:
        if self.hashing is None:
            return hash_password(password)
        return await self.hashing.hash(password)

    async def _token_pair(
        self, user: User, family: str | None = None, client: SignInClient | None = None
    ) -> TokenPair:
        """A new access and refresh token. Without ``family`` a new sign-in session starts
        (its id is the refresh tokens' family); with one, that session was used."""
        assert user.id is not None
        refresh, now = new_refresh_token(), _now()
        if family is None:
            family = secrets.token_hex(16)
            await self.repository.add(
                SignInSession(
                    id=family,
                    user_id=user.id,
                    user_agent=client.user_agent[:300] if client and client.user_agent else None,
                    client_address=client.address[:64] if client else None,
                    last_used_at=now,
                )
            )
        else:
            session = await self.repository.sign_in_session(family)
            if session is not None:
                session.last_used_at = now
        await self.repository.add(
            RefreshToken(
                user_id=user.id,
                token_hash=sha256_hex(refresh),
                family=family,
                expires_at=now + timedelta(days=self.refresh_days),
            )
        )
        return TokenPair(
            access_token=self._access_token(user, family),
            expires_in=self.access_seconds,
            refresh_token=refresh,
        )

    async def tokens_for(
        self, user: User, address: str, user_agent: str | None = None
    ) -> TokenPair:
        """A new sign-in's tokens for ``user`` (after a second factor or a company sign-on):
        a session of its own, and the sign-in audited with the caller's address."""
        assert user.id is not None
        tokens = await self._token_pair(user, client=SignInClient(address, user_agent))
        self.repository.session.add(signed_in_entry("signed_in", "user", user.id, address))
        return tokens

    async def begin_sign_in(self, login: str, address: str, guard: SignInGuard) -> SignInAttempt:
        """Throttle first: a locked login, or one inside the delay of its last failure, is
        refused before any hashing. An attempt let through is counted as a failure of the
        login string and of the address now (a success takes it back), so parallel
        attempts cannot outrun the count. Unknown logins are counted the same way."""
        login_key, address_key = f"login:{login.strip().lower()}", f"address:{address}"
        now = _now()
        rows = {
            row.key: row
            for row in await self.repository.throttles_for_update([login_key, address_key])
        }
        verdict = login_attempt(_counter(rows[login_key]), guard.login_policy, now)
        if verdict.retry_after > 0:
            raise SignInThrottled(verdict.retry_after)
        _store(rows[login_key], verdict.counter)
        by_address = address_attempt(_counter(rows[address_key]), guard.address_policy, now)
        _store(rows[address_key], by_address.counter)
        await self.repository.session.flush()
        user = await self.repository.user_by_login(login.strip().lower())
        return SignInAttempt(
            login_key,
            address_key,
            user.password_hash if user is not None else None,
            user.id if user is not None else None,
            by_address.delay,
            by_address.counter.failures - 1,
            verdict.counter.locked_until,
        )

    async def finish_sign_in(
        self,
        attempt: SignInAttempt,
        password_matches: bool,
        login: str,
        user_agent: str | None = None,
        rehashed: str | None = None,
    ) -> TokenPair | SecondFactorChallenge | None:
        """Tokens for a correct password of an active user (the failure counted in advance
        is taken back), or a challenge when they must also show a second factor; None
        otherwise. Either outcome is audited with the address. ``rehashed``: the password
        hashed with today's parameters, stored unless the password changed meanwhile."""
        user = await self.repository.user(attempt.user_id) if attempt.user_id else None
        address = attempt.address_key.removeprefix("address:")
        if password_matches and user is not None and user.active:
            if rehashed is not None and attempt.password_hash is not None:
                assert user.id is not None
                await self.repository.replace_password_hash(
                    user.id, attempt.password_hash, rehashed
                )
            # In key order ("address:" before "login:"), as begin_sign_in locks them.
            await self.repository.take_back_failure(attempt.address_key)
            await self.repository.forget_login_failures(attempt.login_key)
            # Second factor: a person who needs one gets a challenge instead of tokens (the
            # sign-in is audited when the second step gives them: tokens_for).
            if self.second_factor and (challenge := await self.second_factor.challenge_for(user)):
                return challenge
            tokens = await self._token_pair(user, client=SignInClient(address, user_agent))
            self.repository.session.add(signed_in_entry("signed_in", "user", user.id, address))
            return tokens
        self.repository.session.add(signed_in_entry("sign_in_failed", "login", login[:64], address))
        if attempt.locks_until is not None and user is not None:
            await self._tell_locked(user, attempt.locks_until)
        return None

    async def _tell_locked(self, user: User, locked_until: datetime) -> None:
        """The person behind a known, active login learns of its lock in their inbox (the
        caller's answer is the same 401 whatever the login)."""
        if self.lockouts is None or user.employee_id is None or not user.active:
            return
        assert user.id is not None
        self.repository.session.add(
            audit_entry("login_locked", entity="user", entity_id=user.id, actor=None,
                        locked_until=locked_until.isoformat())
        )  # fmt: skip
        await self.lockouts.sign_in_locked(user.employee_id, user.id, user.login, locked_until)

    async def refresh(self, refresh_token: str) -> TokenPair | None:
        """Rotate a refresh token: the old one stops working, a new pair of the same family
        is issued. A token used again after its rotation means it was stolen (or the thief
        came first): the whole family is revoked (RFC 9700 §4.14) and None is returned."""
        stored = await self.repository.refresh_token(sha256_hex(refresh_token))
        now = _now()
        if stored is None or stored.expires_at <= now:
            return None
        if stored.revoked_at is not None:
            session = await self.repository.sign_in_session(stored.family)
            if session is not None and session.ended_at is not None:
                return None  # its session was ended (sign-out, reset): no sign of theft
            await self.repository.revoke_refresh_family(stored.family, now)
            self._audit("refresh_token_reused", "user", stored.user_id, family=stored.family)
            return None
        user = await self.repository.user(stored.user_id)
        if user is None or not user.active:
            return None
        stored.revoked_at = now
        return await self._token_pair(user, stored.family)

    async def end_sessions(self, user: User) -> int:
        """Revoke every refresh token and bump the token version of ``user``."""
        return await end_sessions(self.repository, user, self.actor)

    async def current_user(self, principal: Principal) -> User:
        """The user behind a principal; a token from before a logout, or of a session that
        was ended on its own, is refused."""
        user = await self.repository.user(principal.user_id) if principal.user_id else None
        if user is None or not user.active or user.token_version != principal.token_version:
            raise Unauthorized("the session has ended; sign in again")
        if principal.session_id is not None:
            session = await self.repository.sign_in_session(principal.session_id)
            if session is not None and session.ended_at is not None:
                raise Unauthorized("the session has ended; sign in again")
        return user

    async def logout(self, principal: Principal) -> None:
        await self.end_sessions(await self.current_user(principal))

    async def change_password(self, principal: Principal, current: str, new: str) -> None:
        user = await self.current_user(principal)
        if not await self._verify(user.password_hash, current):
            raise Unauthorized("the current password is wrong")
        enforce_password_policy(new, user.login, self.password_policy)
        user.password_hash = await self._hash(new)
        user.password_changed_at = _now()
        ended = await self.end_sessions(user)
        self._audit("password_changed", "user", user.id, sessions_ended=ended)

    async def unlock(self, user_id: int, if_match: str | None) -> tuple[User, bool]:
        """An administrator lifts the lock (and forgets the failures) of a login before its
        time runs out; audited whether or not it was locked. Returns the user and whether
        a lock was lifted."""
        user = await self.repository.user_for_update(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        check_if_match(if_match, user.version)
        was_locked = await self.repository.unlock_login(f"login:{user.login}")
        user.version += 1
        self._audit("login_unlocked", "user", user.id, was_locked=was_locked)
        return await self.repository.add(user), was_locked

    def service_token(self, service: str, secret: str, expected_secret: str) -> ServiceToken:
        """A service credential for one of our services that knows the internal secret."""
        if not same_secret(secret, expected_secret):
            raise Unauthorized("the service secret is wrong")
        token = issue_token(
            self.signing_key, subject=f"service:{service}", lifetime_seconds=SERVICE_TOKEN_SECONDS
        )
        return ServiceToken(access_token=token, expires_in=SERVICE_TOKEN_SECONDS)

    async def create_user(self, data: UserCreate) -> User:
        if await self.repository.user_by_login(data.login) is not None:
            raise Duplicate(f"the login {data.login} is taken")
        user = User(
            login=data.login,
            password_hash=await self._hash(data.password),
            roles=sorted({r.value for r in data.roles}),
            employee_id=data.employee_id,
            password_changed_at=_now(),
        )
        try:
            created = await self.repository.add(user)
        except IntegrityError as exc:
            raise Duplicate(f"the login {data.login} is taken") from exc
        self._audit("user_created", "user", created.id, roles=created.roles)
        return created

    async def get_user(self, user_id: int) -> User:
        user = await self.repository.user(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        return user

    async def list_users(self, *, after_id: int | None, limit: int) -> Sequence[User]:
        return await self.repository.users(after_id=after_id, limit=limit)

    async def update_user(self, user_id: int, data: UserUpdate, if_match: str | None) -> User:
        """Change roles, employee or activity; the row is locked before its version is
        compared, so two administrators with the same ETag cannot both pass (one gets 412)."""
        user = await self.repository.user_for_update(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        check_if_match(if_match, user.version)
        changes = data.model_dump(exclude_unset=True)
        if "roles" in changes and changes["roles"] is not None:
            user.roles = sorted({Role(r).value for r in changes["roles"]})
        if "employee_id" in changes:
            user.employee_id = changes["employee_id"]
        deactivated = changes.get("active") is False and user.active
        if changes.get("active") is not None:
            user.active = bool(changes["active"])
        user.version += 1
        if deactivated or "roles" in changes:
            await self.end_sessions(user)
        self._audit("user_changed", "user", user.id, roles=user.roles, active=user.active)
        return await self.repository.add(user)

    async def create_api_key(self, data: ApiKeyCreate, created_by: str) -> tuple[ApiKey, str]:
        key, prefix = new_api_key()
        record = ApiKey(
            name=data.name,
            prefix=prefix,
            key_hash=sha256_hex(key),
            scopes=sorted({scope.value for scope in data.scopes}),
            created_by=created_by,
        )
        saved = await self.repository.add(record)
        self._audit("api_key_created", "api_key", saved.id, name=saved.name, scopes=saved.scopes)
        return saved, key

    async def list_api_keys(self, *, after_id: int | None, limit: int) -> Sequence[ApiKey]:
        return await self.repository.api_keys(after_id=after_id, limit=limit)

    async def revoke_api_key(self, key_id: int) -> ApiKey:
        record = await self.repository.api_key(key_id)
        if record is None:
            raise NotFound(f"API key {key_id} does not exist")
        if record.revoked_at is None:
            record.revoked_at = _now()
            self._audit("api_key_revoked", "api_key", record.id, name=record.name)
        return await self.repository.add(record)

    async def introspect(self, key: str) -> Introspection:
        """Check a presented key; a valid one gets a short-lived token for its scopes."""
        prefix = api_key_prefix(key)
        record = await self.repository.api_key_by_prefix(prefix) if prefix else None
        if (
            record is None
            or record.revoked_at is not None
            or not same_secret(record.key_hash, sha256_hex(key))
        ):
            return Introspection(active=False)
        record.last_used_at = _now()
        await self.repository.add(record)
        token = issue_token(
            self.signing_key,
            subject=f"api_key:{record.id}",
            lifetime_seconds=API_KEY_TOKEN_SECONDS,
            scopes=frozenset(record.scopes),
        )
        return Introspection(
            active=True,
            key_id=record.id,
            scopes=record.scopes,
            access_token=token,
            expires_in=API_KEY_TOKEN_SECONDS,
        )
