"""陪同办: a community publishes slots; an elder (or her agent) books, changes and cancels in the
app and by SMS reply; two bookings at once for the last place: exactly one wins; a full slot is
refused with a stable code; the day-before reminder goes once; the worker records the outcome."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from litestar.testing import AsyncTestClient

from doorstep.domain.calendar import SHANGHAI
from doorstep.domain.errors import DomainError
from doorstep.domain.escort import BookingStatus
from doorstep.domain.policy import Actor, Role
from doorstep.domain.sms_reply import QuestionKind, question_code
from doorstep.services import escort, escort_worker
from doorstep.services.deps import Deps
from doorstep.store.db import Pool
from tests.conftest import TEST_CALLBACK_TOKEN
from tests.integration.delegation_helpers import (
    fresh_resident_id,
    gql_as,
    make_citizen,
    make_delegation,
)
from tests.integration.helpers import error_code, gql, login
from tests.integration.identity_helpers import verify_identity

COMMUNITY_CLERK = "+8613900139115"  # 罗桂芝, 永安里社区居委会 (cy-jianwai-yonganli)
SLOT_FIELDS = "id kind kindLabel startsAt capacity booked placesLeft place cancelled"
PUBLISH = (
    f"""mutation($i: EscortSlotInput!) {{ publishEscortSlot(input: $i) {{ {SLOT_FIELDS} }} }}"""
)
BOOKING_FIELDS = f"""number status statusLabel address bookedByAgent confirmed reminded
    slot {{ {SLOT_FIELDS} }}"""
BOOK = f"""mutation($s: ID!, $a: String, $n: String) {{ bookEscort(slotId: $s, address: $a,
    need: $n) {{ {BOOKING_FIELDS} }} }}"""
CHANGE = f"""mutation($n: String!, $s: ID) {{ changeEscortBooking(number: $n, slotId: $s)
    {{ {BOOKING_FIELDS} }} }}"""
CANCEL = f"""mutation($n: String!) {{ cancelEscortBooking(number: $n) {{ {BOOKING_FIELDS} }} }}"""
MINE = f"""{{ myEscortBookings {{ {BOOKING_FIELDS} }} }}"""
COMMUNITY_SLOTS = (
    f"""{{ escortSlots(unitCode: "cy-jianwai-yonganli", first: 100) {{ {SLOT_FIELDS} }} }}"""
)


async def _elder(pool: Pool, birth: date = date(1945, 4, 1)) -> tuple[int, str]:
    citizen_id, phone = await make_citizen(pool, name="陪同测试", birth_date=birth)
    await verify_identity(pool, citizen_id, fresh_resident_id())
    await pool.execute("update citizens set region_code = '110105001001' where id = $1", citizen_id)
    return citizen_id, phone


def _at(days: int, hour: int) -> datetime:
    day = datetime.now(SHANGHAI).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, 0), SHANGHAI)


async def _publish(
    client: AsyncTestClient[Any], token: str, *, days: int = 3, hour: int = 9, **extra: Any
) -> dict[str, Any]:
    starts = _at(days, hour)
    data = {
        "kind": "HALL",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 2,
        "place": "永安里社区居委会门口集合",
        **extra,
    }
    body = await gql(client, PUBLISH, {"i": data}, token=token)
    assert "errors" not in body, body
    slot: dict[str, Any] = body["data"]["publishEscortSlot"]
    return slot


async def test_a_community_publishes_slots_and_bad_ones_are_refused(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    clerk = await login(client, pool, COMMUNITY_CLERK, as_staff=True)
    slot = await _publish(client, clerk)
    assert slot["placesLeft"] == 2 and slot["kindLabel"] == "陪同去政务大厅"
    starts = _at(2, 9)

    def bad(**change: Any) -> dict[str, Any]:
        data = {
            "kind": "HOME",
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=1)).isoformat(),
            "capacity": 1,
            "place": "上门",
        }
        return {"i": {**data, **change}}

    for change, code in (
        ({"capacity": 0}, "escort.capacity_invalid"),
        ({"startsAt": _at(-1, 9).isoformat()}, "escort.time_invalid"),
        ({"endsAt": (starts + timedelta(hours=9)).isoformat()}, "escort.time_invalid"),
        ({"place": "   "}, "escort.place_invalid"),
    ):
        assert error_code(await gql(client, PUBLISH, bad(**change), token=clerk)) == code
    # a clerk of another unit may not withdraw it; a citizen may not publish
    cancel = "mutation($s: ID!) { cancelEscortSlot(slotId: $s) { cancelled } }"
    body = await gql(client, cancel, {"s": slot["id"]}, token=tokens["staff"])
    assert error_code(body) == "auth.forbidden"
    assert error_code(await gql(client, PUBLISH, bad(), token=tokens["citizen"])) == (
        "auth.forbidden"
    )


async def test_book_change_cancel_and_who_may_book(
    client: AsyncTestClient[Any], pool: Pool, tokens: dict[str, str]
) -> None:
    clerk = await login(client, pool, COMMUNITY_CLERK, as_staff=True)
    first = await _publish(client, clerk, days=4)
    second = await _publish(client, clerk, days=5)
    _id, phone = await _elder(pool)
    token = await login(client, pool, phone)
    # her district's slots, first to come first: the community's own (other tests leave more
    # than a page of other units' slots earlier than these in the district)
    listed = (await gql(client, COMMUNITY_SLOTS, token=token))["data"]["escortSlots"]
    assert first["id"] in {s["id"] for s in listed}

    body = await gql(client, BOOK, {"s": first["id"], "n": "办老年卡"}, token=token)
    booking = body["data"]["bookEscort"]
    assert booking["status"] == "BOOKED" and booking["slot"]["booked"] == 1
    number = booking["number"]
    assert number.startswith("40")
    sms = await pool.fetchval(
        "select template from outbox where phone = $1 and kind = 'escort_booked'", phone
    )
    assert sms == "sms.escort_booked"
    # the same person twice in one slot: refused, the place count unchanged
    assert error_code(await gql(client, BOOK, {"s": first["id"]}, token=token)) == (
        "escort.already_booked"
    )
    assert (
        await pool.fetchval("select booked from escort_slots where id = $1", int(first["id"])) == 1
    )
    # a home visit needs the address
    home = await _publish(client, clerk, days=6, kind="HOME")
    assert error_code(await gql(client, BOOK, {"s": home["id"]}, token=token)) == (
        "escort.address_invalid"
    )

    moved = (await gql(client, CHANGE, {"n": number, "s": second["id"]}, token=token))["data"][
        "changeEscortBooking"
    ]
    assert moved["slot"]["id"] == second["id"]
    counts = await pool.fetch(
        "select id, booked from escort_slots where id = any($1::bigint[]) order by id",
        [int(first["id"]), int(second["id"])],
    )
    assert [r["booked"] for r in counts] == [0, 1]
    cancelled = (await gql(client, CANCEL, {"n": number}, token=token))["data"][
        "cancelEscortBooking"
    ]
    assert cancelled["status"] == "CANCELLED" and cancelled["slot"]["booked"] == 0
    assert error_code(await gql(client, CANCEL, {"n": number}, token=token)) == (
        "escort.booking_not_active"
    )
    # someone else's number reads as unknown; a mistyped one is said to be wrong
    assert error_code(await gql(client, CANCEL, {"n": number}, token=tokens["citizen"])) == (
        "escort.booking_not_found"
    )
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert error_code(await gql(client, CANCEL, {"n": wrong}, token=token)) == (
        "escort.number_invalid"
    )

    # a young citizen without priority is not served by it
    _young, young_phone = await _elder(pool, date(1990, 1, 1))
    young = await login(client, pool, young_phone)
    assert error_code(await gql(client, BOOK, {"s": first["id"]}, token=young)) == (
        "escort.not_eligible"
    )

    # her son books for her under an active delegation; she is told by SMS
    principal_id, principal_phone = await _elder(pool, date(1938, 2, 2))
    son_id, son_phone = await _elder(pool, date(1970, 2, 2))
    await make_delegation(pool, son_id, principal_id, ["all"])
    son = await login(client, pool, son_phone)
    body = await gql_as(client, BOOK, {"s": first["id"]}, token=son, acting_for=str(principal_id))
    assert body["data"]["bookEscort"]["bookedByAgent"] is True
    notice = await pool.fetchval(
        "select template from outbox where phone = $1 order by id desc limit 1", principal_phone
    )
    assert notice == "sms.agent_escort"
    mine = (await gql(client, MINE, token=await login(client, pool, principal_phone)))["data"]
    assert [b["slot"]["id"] for b in mine["myEscortBookings"]] == [first["id"]]


async def test_two_bookings_at_once_for_the_last_place_exactly_one_wins(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    clerk = await login(client, pool, COMMUNITY_CLERK, as_staff=True)
    slot = await _publish(client, clerk, days=7, capacity=1)
    people = [await _elder(pool) for _ in range(2)]

    async def attempt(citizen_id: int) -> str:
        actor = Actor(role=Role.CITIZEN, citizen_id=citizen_id)
        try:
            view = await escort.book(deps, actor, int(slot["id"]))
        except DomainError as exc:
            return exc.code
        return view.status.value

    results = await asyncio.gather(*(attempt(c) for c, _p in people))
    assert sorted(results) == ["booked", "escort.slot_full"]
    row = await pool.fetchrow(
        "select booked, (select count(*) from escort_bookings where slot_id = $1 "
        "and status = 'booked') as active from escort_slots where id = $1",
        int(slot["id"]),
    )
    assert row is not None and (row["booked"], row["active"]) == (1, 1)
    # a third, later: the full slot refused with its stable code
    _late_id, late_phone = await _elder(pool)
    token = await login(client, pool, late_phone)
    assert error_code(await gql(client, BOOK, {"s": slot["id"]}, token=token)) == (
        "escort.slot_full"
    )


async def _sms_reply(client: AsyncTestClient[Any], phone: str, content: str, code: str) -> None:
    item = {
        "phone_number": phone.removeprefix("+86"),
        "send_time": "2026-03-10 10:00:00",
        "content": content,
        "sign_name": "掌上办",
        "dest_code": code,
        "sequence_id": int(datetime.now(UTC).timestamp() * 1e6) % 10**12,
    }
    response = await client.post(
        f"/sms/up?token={TEST_CALLBACK_TOKEN}",
        content=json.dumps([item], ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text


async def test_the_day_before_reminder_goes_once_and_replies_confirm_move_or_cancel(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps
) -> None:
    clerk = await login(client, pool, COMMUNITY_CLERK, as_staff=True)
    tomorrow = await _publish(client, clerk, days=1, hour=10, capacity=3)
    later = await _publish(client, clerk, days=8, hour=10, capacity=3)
    bookings = {}
    for name in ("confirm", "cancel", "move"):
        citizen_id, phone = await _elder(pool)
        view = await escort.book(
            deps, Actor(role=Role.CITIZEN, citizen_id=citizen_id), int(tomorrow["id"])
        )
        bookings[name] = (phone, view.number)
    # before 09:00 the day before: nothing yet; from then on once, however often it runs
    early = datetime.combine(_at(0, 0).date(), time(8, 0), SHANGHAI)
    assert await escort_worker.send_reminders(deps, early) == 0
    on_time = datetime.combine(_at(0, 0).date(), time(9, 30), SHANGHAI)
    sent = await asyncio.gather(*(escort_worker.send_reminders(deps, on_time) for _ in range(3)))
    assert sum(sent) >= 3
    for phone, number in bookings.values():
        rows = await pool.fetch(
            "select extend_code from outbox where phone = $1 and template like 'sms.%reminder'",
            phone,
        )
        booking_id = await pool.fetchval("select id from escort_bookings where number = $1", number)
        assert [r["extend_code"] for r in rows] == [question_code(QuestionKind.ESCORT, booking_id)]
    assert await escort_worker.send_reminders(deps, on_time) == 0

    async def code_of(number: str) -> str:
        booking_id = await pool.fetchval("select id from escort_bookings where number = $1", number)
        return question_code(QuestionKind.ESCORT, booking_id)

    phone, number = bookings["confirm"]
    await _sms_reply(client, phone, "1", await code_of(number))
    phone, number = bookings["cancel"]
    await _sms_reply(client, phone, "2", await code_of(number))
    phone, number = bookings["move"]
    await _sms_reply(client, phone, "3", await code_of(number))
    by_number = {
        r["number"]: r
        for r in await pool.fetch(
            "select number, status, slot_id, confirmed_at from escort_bookings "
            "where number = any($1::text[])",
            [n for _p, n in bookings.values()],
        )
    }
    assert by_number[bookings["confirm"][1]]["confirmed_at"] is not None
    assert by_number[bookings["cancel"][1]]["status"] == BookingStatus.CANCELLED.value
    moved = by_number[bookings["move"][1]]
    assert moved["status"] == "booked" and moved["slot_id"] != int(tomorrow["id"])
    assert (
        await pool.fetchval("select booked from escort_slots where id = $1", int(tomorrow["id"]))
        == 1
    )
    assert later["id"]


async def test_the_worker_records_the_outcome_after_the_visit(
    client: AsyncTestClient[Any], pool: Pool, deps: Deps, tokens: dict[str, str]
) -> None:
    clerk = await login(client, pool, COMMUNITY_CLERK, as_staff=True)
    slot = await _publish(client, clerk, days=2)
    citizen_id, _phone = await _elder(pool)
    view = await escort.book(deps, Actor(role=Role.CITIZEN, citizen_id=citizen_id), int(slot["id"]))
    outcome = """mutation($n: String!, $o: EscortStatus!) { recordEscortOutcome(number: $n,
        outcome: $o, note: "已陪同办好老年卡") { status outcomeNote } }"""
    assert error_code(await gql(client, outcome, {"n": view.number, "o": "DONE"}, token=clerk)) == (
        "escort.not_started"
    )
    await pool.execute(
        "update escort_slots set starts_at = now() - interval '2 hours', "
        "ends_at = now() - interval '1 hour' where id = $1",
        int(slot["id"]),
    )
    roster = """query($s: ID!) { escortRoster(slotId: $s) { entries { citizenName
        booking { number } } } }"""
    body = await gql(client, roster, {"s": slot["id"]}, token=clerk)
    assert [e["booking"]["number"] for e in body["data"]["escortRoster"]["entries"]] == [
        view.number
    ]
    assert (
        await pool.fetchval(
            "select count(*) from personal_data_reads where citizen_id = $1 "
            "and what = 'escort_booking' and purpose = 'accompanied_visit'",
            citizen_id,
        )
        == 1
    )
    body = await gql(client, roster, {"s": slot["id"]}, token=tokens["staff"])
    assert error_code(body) == "auth.forbidden"  # another unit's clerk
    body = await gql(client, outcome, {"n": view.number, "o": "CANCELLED"}, token=clerk)
    assert error_code(body) == "escort.outcome_invalid"
    body = await gql(client, outcome, {"n": view.number, "o": "DONE"}, token=clerk)
    assert body["data"]["recordEscortOutcome"] == {
        "status": "DONE",
        "outcomeNote": "已陪同办好老年卡",
    }


async def test_an_elder_without_a_smartphone_books_by_sms(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    clerk = await login(client, pool, COMMUNITY_CLERK, as_staff=True)
    # the soonest free hall slot of the district is offered: make one sooner than any other
    slot = await _publish(client, clerk, days=2, capacity=1)
    await pool.execute(
        "update escort_slots set starts_at = now() + interval '3 hours', "
        "ends_at = now() + interval '4 hours' where id = $1",
        int(slot["id"]),
    )
    citizen_id, phone = await _elder(pool)
    await _sms_reply(client, phone, "陪同", "")
    offer = await pool.fetchrow(
        "select template, extend_code from outbox where phone = $1 and kind = "
        "'sms_reply.escort_offer' order by id desc limit 1",
        phone,
    )
    assert offer is not None and offer["template"] == "sms.escort_offer"
    offered = await pool.fetchval(
        "select slot_id from escort_sms_offers where citizen_id = $1", citizen_id
    )
    assert offered == int(slot["id"])
    await _sms_reply(client, phone, "1", offer["extend_code"])
    booking = await pool.fetchrow(
        "select status, channel, slot_id from escort_bookings where citizen_id = $1", citizen_id
    )
    assert booking is not None and tuple(booking) == ("booked", "sms", int(slot["id"]))
    # the same "1" again books nothing more
    await _sms_reply(client, phone, "1", offer["extend_code"])
    assert (
        await pool.fetchval(
            "select count(*) from escort_bookings where citizen_id = $1", citizen_id
        )
        == 1
    )
    # the slot is now full: the next asker is offered another or told there is none
    _other, other_phone = await _elder(pool)
    await _sms_reply(client, other_phone, "陪同", "")
    kinds = await pool.fetch("select kind from outbox where phone = $1", other_phone)
    assert {r["kind"] for r in kinds} & {"sms_reply.escort_offer", "sms_reply.escort_no_slot"}
    assert (
        await pool.fetchval(
            "select count(*) from escort_sms_offers o where o.slot_id = $1", int(slot["id"])
        )
        == 1
    )


async def test_the_demo_seed_has_slots_to_book_on_coming_working_days(
    client: AsyncTestClient[Any], pool: Pool
) -> None:
    """`doorstep dev` has something to book: the demo community's slots (loaded with the demo
    data) on working days to come, with places left; an elder books one."""
    from doorstep.domain.calendar import DEFAULT_CALENDAR
    from doorstep.store.demo_escort import SLOTS as DEMO_SLOTS

    _id, phone = await _elder(pool)
    token = await login(client, pool, phone)
    query = f"""{{ escortSlots(unitCode: "cy-jianwai-yonganli", first: 100)
        {{ {SLOT_FIELDS} }} }}"""
    listed = (await gql(client, query, token=token))["data"]["escortSlots"]
    places = {s.place for s in DEMO_SLOTS}
    demo = [s for s in listed if s["place"] in places]
    assert len(demo) >= len(DEMO_SLOTS)
    assert {s["kind"] for s in demo} == {"HALL", "HOME"}
    for slot in demo:
        starts = datetime.fromisoformat(slot["startsAt"]).astimezone(SHANGHAI)
        assert DEFAULT_CALENDAR.is_working_day(starts.date()), slot
        assert slot["placesLeft"] > 0 and not slot["cancelled"]
    hall = next(s for s in demo if s["kind"] == "HALL")
    body = await gql(client, BOOK, {"s": hall["id"], "n": "办老年卡"}, token=token)
    assert "errors" not in body, body
    booking = body["data"]["bookEscort"]
    assert booking["status"] == "BOOKED"
    # the place goes back for the next one to try it
    cancelled = await gql(client, CANCEL, {"n": booking["number"]}, token=token)
    assert cancelled["data"]["cancelEscortBooking"]["status"] == "CANCELLED"
