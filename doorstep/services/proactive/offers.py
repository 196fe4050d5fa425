"""The citizen's side: their offers, accept (one step: a pre-filled application), dismiss,
appeal, and the kinds of offers they turn off."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.delegation import covers, moves_money, theme_of_bundle
from doorstep.domain.errors import Conflict, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Operation, Role, Target, authorize
from doorstep.domain.rules import OPT_OUT_CATEGORIES, Category, RuleKind
from doorstep.services import acting, applications, event_log, notifications
from doorstep.services.deps import Deps
from doorstep.services.proactive.views import (
    MAX_REASON_CHARS,
    OfferView,
    offer_of,
    text_in,
    unit_names,
)
from doorstep.store import events, staff_phones
from doorstep.store.db import Connection, Queryable, transaction
from doorstep.store.proactive import appeals as proactive_appeals
from doorstep.store.proactive import offers as proactive_offers
from doorstep.store.proactive.rows import OfferByIdRow, OfferRow

# --- the citizen's side ------------------------------------------------------------------------


async def my_offers(
    deps: Deps, actor: Actor, statuses: list[str] | None = None, limit: int = 50
) -> list[OfferView]:
    citizen_id = actor.subject_citizen_id
    authorize(actor, Operation.OFFER_LIST, Target(citizen_id=citizen_id))
    assert citizen_id is not None
    async with deps.pool.acquire() as conn:
        rows = await proactive_offers.offers_of(conn, citizen_id, statuses, max(1, min(limit, 100)))
        if actor.role is Role.AGENT and actor.grant is not None:
            themes = actor.grant.themes
            rows = [r for r in rows if covers(themes, theme_of_bundle(r.bundle_code or ""))]
            if rows:
                await acting.record_read(deps, conn, actor, what="offers", purpose="review_offers")
        units = await unit_names(conn, rows)
    return [offer_of(r, units) for r in rows]


def offer_target(row: OfferRow) -> Target:
    """What responding to an offer touches, for the policy: the citizen and its bundle."""
    bundle = row.bundle_code or ""
    return Target(
        citizen_id=row.citizen_id, theme=theme_of_bundle(bundle), moves_money=moves_money(bundle)
    )


async def load_offer(db: Queryable, offer_id: int) -> OfferByIdRow:
    """An offer a citizen may respond to (not a welfare visit), not yet authorized."""
    row = await proactive_offers.offer_by_id(db, offer_id)
    if row is None or row.kind == RuleKind.WELFARE_CHECK:
        raise NotFound("offer.not_found")
    return row


async def _load_for(deps: Deps, actor: Actor, offer_id: int) -> OfferByIdRow:
    row = await load_offer(deps.pool, offer_id)
    authorize(actor, Operation.OFFER_RESPOND, offer_target(row))
    return row


def must_be_open(row: OfferByIdRow) -> None:
    if row.status == "expired" or (row.status == "open" and row.past_expiry):
        raise Conflict("offer.expired")
    if row.status != "open":
        raise Conflict("offer.not_open", status=row.status)


async def _answered(conn: Connection, actor: Actor, row: OfferRow, kind: str, **more: int) -> None:
    """The citizen's (or their agent's) answer to an offer, in the event log."""
    await events.append(
        conn,
        kind=kind,
        actor_kind="citizen",
        actor_id=actor.signed_in_citizen_id,
        citizen_id=row.citizen_id,
        data={"offer": row.id, "rule": row.rule_code, **more},
    )


async def reload_offer(deps: Deps, offer_id: int) -> OfferView:
    async with deps.pool.acquire() as conn:
        row = await proactive_offers.offer_by_id(conn, offer_id)
        assert row is not None
        units = await unit_names(conn, [row])
    return offer_of(row, units)


def acceptance(
    row: OfferRow, actor: Actor
) -> tuple[applications.SubmitInput, applications.OnSubmitted]:
    """Accepting an offer: the pre-filled form, and what marks the offer accepted inside the
    submission's transaction (refused there when it is no longer open)."""
    offer_id = row.id

    async def mark(conn: Connection, application_id: int) -> None:
        locked = await proactive_offers.offer_by_id(conn, offer_id, lock=True)
        assert locked is not None
        must_be_open(locked)
        await proactive_offers.set_offer_status(
            conn, offer_id, "accepted", application_id=application_id
        )
        await _answered(conn, actor, row, "offer.accepted", version=row.rule_version)

    assert row.bundle_code is not None  # only welfare visits have none (load_offer)
    data = applications.SubmitInput(
        bundle_code=row.bundle_code,
        form={"offer": {"id": offer_id, "rule": row.rule_code, "version": row.rule_version}},
    )
    return data, mark


async def accept_offer(
    deps: Deps, actor: Actor, offer_id: int
) -> tuple[OfferView, applications.ApplicationView]:
    """Accept in one step: the application for the offer's bundle, pre-filled from the vault,
    and the offer marked accepted, in one transaction (either both or neither). An agent's
    acceptance of an offer that moves money goes through services.confirmations instead."""
    row = await _load_for(deps, actor, offer_id)
    must_be_open(row)
    data, mark = acceptance(row, actor)
    view = await applications.submit_application(deps, actor, data, on_submitted=mark)
    return await reload_offer(deps, offer_id), view


async def _locked_open(conn: Connection, offer_id: int) -> OfferByIdRow:
    """The offer's row, locked for the change; refused unless it is open."""
    row = await proactive_offers.offer_by_id(conn, offer_id, lock=True)
    assert row is not None
    if row.status != "open":
        raise Conflict("offer.not_open", status=row.status)
    return row


async def dismiss_offer(deps: Deps, actor: Actor, offer_id: int) -> OfferView:
    """Not interested: the rule will not offer it again."""
    await _load_for(deps, actor, offer_id)
    async with transaction(deps.pool) as conn:
        row = await _locked_open(conn, offer_id)
        await proactive_offers.set_offer_status(conn, offer_id, "dismissed", reason="citizen")
        await _answered(conn, actor, row, "offer.dismissed")
    return await reload_offer(deps, offer_id)


async def appeal_offer(deps: Deps, actor: Actor, offer_id: int, reason: str) -> OfferView:
    """ "This is not right": a person at the rule's unit reviews the offer and its data."""
    text = " ".join(reason.split())
    if not text or len(text) > MAX_REASON_CHARS:
        raise InvalidInput("offer.reason_invalid", limit=MAX_REASON_CHARS)
    await _load_for(deps, actor, offer_id)
    async with transaction(deps.pool) as conn:
        row = await _locked_open(conn, offer_id)
        await proactive_offers.set_offer_status(conn, offer_id, "appealed", reason="citizen")
        appeal_id = await proactive_appeals.insert_appeal(
            conn,
            opportunity_id=offer_id,
            citizen_id=row.citizen_id,
            unit_id=row.owner_unit_id,
            reason=text,
        )
        await _answered(conn, actor, row, "offer.appealed", appeal=appeal_id)
        outbox_ids = await notifications.queue_for_staff(
            conn,
            await staff_phones.unit_staff_phones(conn, row.owner_unit_id),
            kind="offer.appeal_received",
            template="sms.appeal_received",
            params={"item": text_in(row.title, "zh_Hans")},
        )
    await deps.after_commit(outbox_ids)
    return await reload_offer(deps, offer_id)


@dataclass(frozen=True)
class CategoryChoice:
    category: Category
    opted_out: bool
    may_opt_out: bool


async def offer_categories(deps: Deps, actor: Actor) -> list[CategoryChoice]:
    authorize(actor, Operation.OFFER_LIST, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    chosen = set(await proactive_offers.opt_outs(deps.pool, actor.citizen_id))
    return [CategoryChoice(c, c.value in chosen, c in OPT_OUT_CATEGORIES) for c in Category]


async def set_opt_out(
    deps: Deps, actor: Actor, category: str, opted_out: bool
) -> list[CategoryChoice]:
    """Stop (or resume) offers of a category; stopping closes its open offers."""
    authorize(actor, Operation.OFFER_OPT_OUT, Target(citizen_id=actor.citizen_id))
    assert actor.citizen_id is not None
    try:
        chosen = Category(category)
    except ValueError:
        raise InvalidInput("offer.category_unknown", category=category[:40]) from None
    if chosen not in OPT_OUT_CATEGORIES:
        raise InvalidInput("offer.category_required", category=chosen.value)
    async with transaction(deps.pool) as conn:
        closed = await proactive_offers.set_opt_out(conn, actor.citizen_id, chosen.value, opted_out)
        await event_log.by_citizen(
            conn,
            actor.citizen_id,
            "offer.opt_out" if opted_out else "offer.opt_in",
            {"category": chosen.value, "closed": closed},
        )
    return await offer_categories(deps, actor)
