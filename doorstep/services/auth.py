"""Log-in by SMS code, sessions, and turning a bearer token into an actor."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeGuard

from doorstep.domain.calendar import today_local
from doorstep.domain.elder import offer_elder_mode
from doorstep.domain.errors import (
    DomainError,
    Forbidden,
    InvalidInput,
    RateLimited,
    Unauthenticated,
)
from doorstep.domain.identity import may_receive_login_code, normalize_phone
from doorstep.domain.pii import seal_sms_params
from doorstep.domain.policy import Actor, Role
from doorstep.domain.rate_limits import DAY_SECONDS, HOUR_SECONDS, MINUTE_SECONDS, Window
from doorstep.observability.metrics import LOGIN_CODES
from doorstep.services import event_log, notifications, rate_limits, staff_login
from doorstep.services.deps import Deps
from doorstep.services.rate_limits import Limit
from doorstep.store import auth as store
from doorstep.store import submissions
from doorstep.store.db import Connection, transaction
from doorstep.store.outbox import pauses as outbox_store
from doorstep.store.rate_limits import Counted

log = logging.getLogger(__name__)

CODE_TTL_SECONDS = 5 * 60
# the channel_pauses row that stops log-in codes when the hourly budget is spent
LOGIN_CODE_PAUSE = "login_codes"
MAX_ATTEMPTS = 5
# bearer tokens we issue are far shorter: anything longer is not looked up
MAX_TOKEN_CHARS = 200
# per phone: 1 a minute, 5 an hour, 10 a day
CODES_OF_PHONE = Limit(
    Counted.LOGIN_CODES_OF_PHONE,
    (Window(1, MINUTE_SECONDS), Window(5, HOUR_SECONDS), Window(10, DAY_SECONDS)),
)
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class CodeSent:
    phone: str
    expires_at: datetime
    resend_after_seconds: int


@dataclass(frozen=True)
class SessionIssued:
    token: str
    role: Role
    expires_at: datetime
    new_citizen: bool
    # a citizen of 60 or more who never chose: the app offers elder mode (长辈版)
    offer_elder_mode: bool = False


def parse_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except ValueError:
        raise InvalidInput("phone.invalid") from None


def _code_hash(deps: Deps, phone: str, code: str) -> bytes:
    return hmac.new(deps.settings.index_key, f"{phone}:{code}".encode(), hashlib.sha256).digest()


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def _within_budget(deps: Deps) -> int | None:
    """None while log-in codes may go out; else seconds until they may again.

    Past DOORSTEP_LOGIN_CODES_PER_HOUR codes in an hour (all numbers), sending pauses for an
    hour (the "login_codes" channel pause: `doorstep sms-resume --channel login_codes` ends it)
    and an ops event is raised once. Committed on its own, before the refusal."""
    budget = deps.settings.login_codes_per_hour
    if budget <= 0:
        return None
    async with transaction(deps.pool) as conn:
        paused = await outbox_store.active_pause(conn, LOGIN_CODE_PAUSE)
        if paused is None:
            sent = await store.codes_last_hour(conn)
            if sent < budget:
                return None
            until, new = await outbox_store.pause(
                conn,
                LOGIN_CODE_PAUSE,
                code="budget_exceeded",
                reason=f"{sent} log-in codes in an hour (budget {budget})",
                seconds=3600,
            )
            if new:
                log.critical("log-in codes paused until %s: %d in an hour", until, sent)
                await event_log.by_system(
                    conn,
                    "ops.login_codes_budget_exceeded",
                    {"sent": sent, "budget": budget, "until": until.isoformat()},
                )
        else:
            until = paused.paused_until
    return max(1, int((until - datetime.now(UTC)).total_seconds()))


async def request_login_code(
    deps: Deps, raw_phone: str, *, client_addr: str | None, language: str
) -> CodeSent:
    try:
        sent = await _request_login_code(
            deps, raw_phone, client_addr=client_addr, language=language
        )
    except DomainError as refusal:
        LOGIN_CODES.labels("refused", refusal.code).inc()
        raise
    LOGIN_CODES.labels("sent", "").inc()
    return sent


async def _request_login_code(
    deps: Deps, raw_phone: str, *, client_addr: str | None, language: str
) -> CodeSent:
    phone = parse_phone(raw_phone)
    if not may_receive_login_code(phone, deps.settings.login_code_regions):
        raise InvalidInput("login.number_not_allowed")
    wait = await _within_budget(deps)
    if wait is not None:
        raise RateLimited("login.codes_paused", retry_after_seconds=wait)
    async with transaction(deps.pool) as conn:
        await store.lock_phone(conn, phone)
        per_client = Window(deps.settings.login_codes_per_client_hour, HOUR_SECONDS)
        await rate_limits.enforce(
            conn,
            "login.too_many_codes",
            [
                (CODES_OF_PHONE, phone),
                (Limit(Counted.LOGIN_CODES_OF_CLIENT, (per_client,)), client_addr),
            ],
        )
        code = f"{secrets.randbelow(10**6):06d}"
        row = await store.insert_code(
            conn, phone, _code_hash(deps, phone, code), client_addr, CODE_TTL_SECONDS
        )
        citizen = await store.citizen_by_phone(conn, phone)
        outbox_id = await notifications.queue(
            conn,
            citizen_id=citizen.id if citizen else None,
            phone=phone,
            kind="login_code",
            template="sms.login_code",
            # sealed at rest: the worker opens it to send, the stored text shows it masked
            params=seal_sms_params({"code": code}, deps.settings.data_key),
            language=citizen.language if citizen else language,
            urgent=True,
        )
    await deps.after_commit([outbox_id])
    return CodeSent(phone=phone, expires_at=row.expires_at, resend_after_seconds=60)


async def verify_login_code(
    deps: Deps,
    raw_phone: str,
    code: str,
    *,
    as_staff: bool,
    language: str,
    totp_code: str | None = None,
    client_addr: str | None = None,
) -> SessionIssued:
    phone = parse_phone(raw_phone)
    code = code.strip().translate(_FULLWIDTH_DIGITS)  # Chinese IMEs may type full-width
    # isdigit() alone lets "²" and other non-ASCII digits through to the code check
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidInput("login.code_format")
    failure: str | None = None
    staff_id: int | None = None
    async with transaction(deps.pool) as conn:
        await store.lock_phone(conn, phone)
        row = await store.latest_open_code(conn, phone)
        if row is None or row.expired:
            failure = "login.code_expired"
        elif row.attempts >= MAX_ATTEMPTS:
            failure = "login.too_many_attempts"
        elif not hmac.compare_digest(row.code_hash, _code_hash(deps, phone, code)):
            # the failed try is committed: refusing must not undo the count
            attempts = await store.count_attempt(conn, row.id)
            failure = "login.too_many_attempts" if attempts >= MAX_ATTEMPTS else "login.code_wrong"
        if failure is None and as_staff:
            staff_id, failure = await staff_login.second_factor(
                deps, conn, phone, totp_code.translate(_FULLWIDTH_DIGITS) if totp_code else None
            )
            if failure == staff_login.TOTP_WRONG:
                # a wrong second factor spends one of the SMS code's tries, so guessing it
                # costs fresh codes (which are rate limited)
                assert row is not None
                if await store.count_attempt(conn, row.id) >= MAX_ATTEMPTS:
                    failure = "login.too_many_attempts"
        if failure is None:
            assert row is not None
            issued = await _open_session(deps, conn, phone, as_staff=as_staff, language=language)
            await store.consume_code(conn, row.id)
        if as_staff:
            await staff_login.record(
                conn, phone, staff_id=staff_id, client_addr=client_addr, failure=failure
            )
    if failure == staff_login.NOT_STAFF:
        raise Forbidden(failure)
    if failure is not None:
        raise InvalidInput(failure)
    return issued


async def _open_session(
    deps: Deps, conn: Connection, phone: str, *, as_staff: bool, language: str
) -> SessionIssued:
    token = secrets.token_urlsafe(32)
    new_citizen = False
    offer = False
    if as_staff:
        staff = await store.staff_by_phone(conn, phone)
        if staff is None or not staff.active:
            raise Forbidden("login.not_staff")
        role = Role(staff.role)
        # staff hold other people's data: their sessions are short
        expires = await store.insert_session(
            conn, token_hash(token), role.value, None, staff.id, deps.settings.staff_session_hours
        )
    else:
        citizen = await store.citizen_by_phone(conn, phone)
        if citizen is None:
            citizen = await store.create_citizen(conn, phone, language)
            if citizen is None:  # created by a concurrent login a moment ago
                citizen = await store.citizen_by_phone(conn, phone)
            else:
                new_citizen = True
                await event_log.by_citizen(conn, citizen.id, "citizen.registered")
        assert citizen is not None
        role = Role.CITIZEN
        expires = await store.insert_session(
            conn, token_hash(token), role.value, citizen.id, None, deps.settings.session_days * 24
        )
        offer = offer_elder_mode(
            citizen.birth_date,
            citizen.elder_mode,
            citizen.elder_mode_chosen_at is not None,
            today_local(),
        )
    return SessionIssued(
        token=token, role=role, expires_at=expires, new_citizen=new_citizen, offer_elder_mode=offer
    )


def _looks_like_token(token: str | None) -> TypeGuard[str]:
    """Worth a look-up: present, and no longer than any token we issue."""
    return bool(token) and len(token or "") <= MAX_TOKEN_CHARS


async def actor_for_token(deps: Deps, token: str | None) -> Actor | None:
    """The actor behind a bearer token, or None when it is unknown, expired or revoked."""
    if not _looks_like_token(token):
        return None
    async with deps.pool.acquire() as conn:
        row = await store.session_by_token_hash(conn, token_hash(token))
    return _actor_of(row)


async def submitter_for_token(
    deps: Deps, token: str | None
) -> tuple[Actor, submissions.SubmitterRow] | None:
    """A citizen's actor and, read in the same statement, what their submission reads before
    it writes (the serial, the contact, the vault's state): a submission's first round trip is
    then its only read. None when the token is not a live citizen session: the
    usual look-up (`actor_for_token`) answers those."""
    if not _looks_like_token(token):
        return None
    async with deps.pool.acquire() as conn:
        row = await submissions.submitter_by_token_hash(
            conn, token_hash(token), deps.settings.applications_counted
        )
    if row is None:
        return None
    # as `_actor_of` makes a citizen's (a citizen's session has no staff region)
    actor = Actor(
        role=Role.CITIZEN,
        session_id=row.session_id,
        citizen_id=row.id,
        staff_id=None,
        unit_id=None,
        region_code=None,
        language=row.language or "zh_Hans",
        elder_mode=row.elder_mode,
        language_chosen=row.language_chosen,
    )
    return actor, row


async def actor_now(deps: Deps, actor: Actor) -> Actor | None:
    """The actor of a long-lived connection as its session stands now: None once the session
    was logged out, expired or its staff member deactivated; else with the language and elder
    mode chosen since (a socket opened before the switch otherwise speaks as it did then)."""
    if actor.session_id is None:
        return None
    async with deps.pool.acquire() as conn:
        row = await store.live_session(conn, actor.session_id)
    fresh = _actor_of(row)
    if fresh is None:
        return None
    return replace(
        actor,
        language=fresh.language,
        elder_mode=fresh.elder_mode,
        language_chosen=fresh.language_chosen,
    )


def _actor_of(row: store.SessionRow | None) -> Actor | None:
    if row is None:
        return None
    return Actor(
        role=Role(row.role),
        session_id=row.id,
        citizen_id=row.citizen_id,
        staff_id=row.staff_id,
        unit_id=row.unit_id,
        region_code=row.region_code,
        language=row.language or "zh_Hans",
        elder_mode=bool(row.elder_mode),
        language_chosen=bool(row.language_chosen),
    )


async def logout(deps: Deps, actor: Actor) -> None:
    if actor.session_id is None:
        raise Unauthenticated("auth.required")
    async with transaction(deps.pool) as conn:
        await store.revoke_session(conn, actor.session_id)
