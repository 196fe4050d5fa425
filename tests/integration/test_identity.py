"""Real identity (实名认证): the real Tea SDK over HTTP against the fake Cloudauth, which checks
every request's V3 signature; what passes binds the ID to the account, once; what fails, times
out or is refused binds nothing; two accounts proving one ID go to a person."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator

import pytest

from doorstep.config import IdentitySettings, Settings
from doorstep.domain import pii
from doorstep.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from doorstep.domain.policy import Actor, Role
from doorstep.services import vault
from doorstep.services.deps import Deps
from doorstep.services.identity import review, verification
from doorstep.services.identity.aliyun import AliyunFaceVerify
from doorstep.store.db import Pool
from tests.fakes.aliyun_cloudauth import (
    FAKE_KEY_ID,
    FAKE_KEY_SECRET,
    FAKE_SCENE_ID,
    FakeCloudauth,
)
from tests.integration.delegation_helpers import fresh_resident_id, make_citizen


@pytest.fixture
def fake_cloudauth() -> Iterator[FakeCloudauth]:
    fake = FakeCloudauth()
    fake.start()
    yield fake
    fake.stop()


def _identity_settings(fake: FakeCloudauth, **changes: object) -> IdentitySettings:
    base = IdentitySettings(
        provider="aliyun",
        access_key_id=FAKE_KEY_ID,
        access_key_secret=FAKE_KEY_SECRET,
        endpoint=fake.endpoint,
        protocol="http",
        scene_id=FAKE_SCENE_ID,
        connect_timeout_seconds=1,
        read_timeout_seconds=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def aliyun_deps(pool: Pool, settings: Settings, fake_cloudauth: FakeCloudauth) -> Deps:
    identity = _identity_settings(fake_cloudauth)
    return Deps(
        pool=pool,
        settings=dataclasses.replace(settings, identity=identity),
        identity_provider=AliyunFaceVerify(identity),
    )


async def _citizen(pool: Pool) -> Actor:
    citizen_id, _phone = await make_citizen(pool)
    return Actor(Role.CITIZEN, citizen_id=citizen_id)


async def _bound(pool: Pool, actor: Actor) -> dict[str, object]:
    row = await pool.fetchrow(
        """select resident_id_enc, resident_id_index, resident_id_masked, identity_verified_at,
                  identity_method, identity_ref, name, birth_date
           from citizens where id = $1""",
        actor.citizen_id,
    )
    assert row is not None
    return dict(row)


async def test_a_passed_face_check_binds_the_id_encrypted_with_a_blind_index(
    aliyun_deps: Deps, pool: Pool, fake_cloudauth: FakeCloudauth
) -> None:
    actor = await _citizen(pool)
    resident_id = fresh_resident_id()
    started = await verification.start(aliyun_deps, actor, " 张  三 ", resident_id)
    assert started.certify_url and "certifyId=" in started.certify_url
    (check,) = [c for c in fake_cloudauth.checks.values() if c.outer_order_no == f"ds{started.id}"]
    assert (check.name, check.resident_id) == ("张 三", resident_id)

    outcome = await verification.finish(aliyun_deps, actor, started.id)
    assert outcome.status == "passed"
    assert outcome.identity.verified and outcome.identity.method == "aliyun"
    row = await _bound(pool, actor)
    key, index_key = aliyun_deps.settings.data_key, aliyun_deps.settings.index_key
    assert pii.decrypt(row["resident_id_enc"], key) == resident_id  # type: ignore[arg-type]
    assert resident_id.encode() not in row["resident_id_enc"]  # type: ignore[operator]
    assert row["resident_id_index"] == pii.blind_index(resident_id, index_key)
    assert row["identity_ref"] == check.certify_id and row["name"] == "张 三"
    assert str(row["resident_id_masked"]).startswith(resident_id[:3])
    # the check's own row keeps no ID in clear either
    stored = await pool.fetchrow("select * from identity_verifications where id = $1", started.id)
    assert stored is not None and resident_id not in str(dict(stored))
    # and the account cannot start a second check of the same ID
    with pytest.raises(Conflict) as refused:
        await verification.start(aliyun_deps, actor, "张三", resident_id)
    assert refused.value.code == "identity.already_verified"


@pytest.mark.parametrize(
    ("name", "resident_id", "code"),
    [
        ("张三", "110105199001011234", "resident_id.checksum"),
        ("张三", "12345", "resident_id.format"),
        ("", None, "identity.name_invalid"),
        ("张" * 51, None, "identity.name_invalid"),
        ("张\x00三", None, "identity.name_invalid"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_written_or_asked(
    aliyun_deps: Deps,
    pool: Pool,
    fake_cloudauth: FakeCloudauth,
    name: str,
    resident_id: str | None,
    code: str,
) -> None:
    actor = await _citizen(pool)
    with pytest.raises(InvalidInput) as refused:
        await verification.start(aliyun_deps, actor, name, resident_id or fresh_resident_id())
    assert refused.value.code == code
    assert fake_cloudauth.calls == []
    count = await pool.fetchval(
        "select count(*) from identity_verifications where citizen_id = $1", actor.citizen_id
    )
    assert count == 0


async def test_a_failed_face_check_binds_nothing(
    aliyun_deps: Deps, pool: Pool, fake_cloudauth: FakeCloudauth
) -> None:
    actor = await _citizen(pool)
    fake_cloudauth.fail_next()
    started = await verification.start(aliyun_deps, actor, "张三", fresh_resident_id())
    outcome = await verification.finish(aliyun_deps, actor, started.id)
    assert outcome.status == "failed" and not outcome.identity.verified
    row = await _bound(pool, actor)
    assert row["resident_id_index"] is None and row["identity_verified_at"] is None
    status = await pool.fetchval(
        "select status || ':' || result_code from identity_verifications where id = $1",
        started.id,
    )
    assert status == "failed:205"


async def test_a_provider_that_times_out_leaves_the_check_open_to_ask_again(
    aliyun_deps: Deps, pool: Pool, fake_cloudauth: FakeCloudauth
) -> None:
    actor = await _citizen(pool)
    started = await verification.start(aliyun_deps, actor, "张三", fresh_resident_id())
    fake_cloudauth.delay_next("DescribeFaceVerify", 2.5)
    with pytest.raises(DomainError) as refused:
        await verification.finish(aliyun_deps, actor, started.id)
    assert refused.value.code == "identity.provider_unavailable"
    assert (await _bound(pool, actor))["identity_verified_at"] is None
    fake_cloudauth.drop_next("DescribeFaceVerify")
    with pytest.raises(DomainError) as dropped:
        await verification.finish(aliyun_deps, actor, started.id)
    assert dropped.value.code == "identity.provider_unavailable"
    # an answer that is not the API's (a proxy's page saying "Passed: T") proves nothing
    fake_cloudauth.garbage_next("DescribeFaceVerify")
    with pytest.raises(DomainError) as unreadable:
        await verification.finish(aliyun_deps, actor, started.id)
    assert unreadable.value.code == "identity.provider_unavailable"
    assert (await _bound(pool, actor))["identity_verified_at"] is None
    # once the provider answers, the same check finishes
    outcome = await verification.finish(aliyun_deps, actor, started.id)
    assert outcome.status == "passed"


async def test_a_request_the_provider_cannot_verify_starts_nothing(
    aliyun_deps: Deps, pool: Pool, fake_cloudauth: FakeCloudauth
) -> None:
    """A wrong secret signs wrongly: the fake answers SignatureDoesNotMatch, and the try is
    recorded as failed (it counts against the day's checks), nothing bound."""
    wrong = _identity_settings(fake_cloudauth, access_key_secret="not-the-secret")
    deps = dataclasses.replace(aliyun_deps, identity_provider=AliyunFaceVerify(wrong))
    actor = await _citizen(pool)
    with pytest.raises(DomainError) as refused:
        await verification.start(deps, actor, "张三", fresh_resident_id())
    assert refused.value.code == "identity.provider_unavailable"
    assert fake_cloudauth.calls_of("InitFaceVerify") == ["SignatureDoesNotMatch"]
    row = await pool.fetchrow(
        "select status, result_code, certify_id from identity_verifications where citizen_id = $1",
        actor.citizen_id,
    )
    assert row is not None
    assert (row["status"], row["certify_id"]) == ("failed", None)
    assert row["result_code"] == "start:SignatureDoesNotMatch"
    # a business refusal (HTTP 200, Code != 200) is no better
    fake_cloudauth.answer_next("InitFaceVerify", "401")
    with pytest.raises(DomainError):
        await verification.start(aliyun_deps, actor, "张三", fresh_resident_id())


async def test_a_check_counts_once_and_only_for_its_own_account(
    aliyun_deps: Deps, pool: Pool
) -> None:
    actor, other = await _citizen(pool), await _citizen(pool)
    started = await verification.start(aliyun_deps, actor, "张三", fresh_resident_id())
    # someone else's check answers as one that does not exist
    with pytest.raises(NotFound) as hidden:
        await verification.finish(aliyun_deps, other, started.id)
    assert hidden.value.code == "identity.verification_not_found"
    await verification.finish(aliyun_deps, actor, started.id)
    # replayed: the certify id has been used
    with pytest.raises(Conflict) as replayed:
        await verification.finish(aliyun_deps, actor, started.id)
    assert replayed.value.code == "identity.verification_used"


async def test_a_replay_racing_the_first_finish_records_one_result(
    aliyun_deps: Deps, pool: Pool
) -> None:
    actor = await _citizen(pool)
    started = await verification.start(aliyun_deps, actor, "张三", fresh_resident_id())
    results = await asyncio.gather(
        *(verification.finish(aliyun_deps, actor, started.id) for _ in range(4)),
        return_exceptions=True,
    )
    passed = [r for r in results if isinstance(r, verification.VerificationOutcome)]
    assert len(passed) == 1, results
    assert all(
        isinstance(r, Conflict) and r.code == "identity.verification_used"
        for r in results
        if r not in passed
    )
    events = await pool.fetchval(
        "select count(*) from events where citizen_id = $1 and kind = 'identity.verified'",
        actor.citizen_id,
    )
    assert events == 1


async def test_two_accounts_proving_one_id_at_once_one_wins_and_a_person_decides(
    aliyun_deps: Deps, pool: Pool
) -> None:
    resident_id = fresh_resident_id()
    first, second = await _citizen(pool), await _citizen(pool)
    a = await verification.start(aliyun_deps, first, "张三", resident_id)
    b = await verification.start(aliyun_deps, second, "张三", resident_id)
    outcomes = await asyncio.gather(
        verification.finish(aliyun_deps, first, a.id),
        verification.finish(aliyun_deps, second, b.id),
    )
    assert sorted(o.status for o in outcomes) == ["conflict", "passed"]
    winner, loser = (first, second) if outcomes[0].status == "passed" else (second, first)
    index = pii.blind_index(resident_id, aliyun_deps.settings.index_key)
    holder = await pool.fetchval("select id from citizens where resident_id_index = $1", index)
    assert holder == winner.citizen_id
    assert (await _bound(pool, loser))["resident_id_index"] is None

    # the account a person must decide about starts no further check (each costs money)
    with pytest.raises(Conflict) as pending:
        await verification.start(aliyun_deps, loser, "张三", resident_id)
    assert pending.value.code == "identity.conflict_pending"
    # the holder keeps the ID card in the vault, until the ID moves
    await vault.add_document(
        aliyun_deps,
        winner,
        vault.DocumentInput(doc_type="resident_id_card", number=resident_id, issuer="朝阳分局"),
    )
    staff_id = await pool.fetchval("select id from staff_members where role = 'admin' limit 1")
    admin = Actor(Role.ADMIN, staff_id=staff_id)
    open_ = await review.list_conflicts(aliyun_deps, admin, before_id=None)
    (conflict,) = [c for c in open_ if c.claimant_id == loser.citizen_id]
    assert conflict.holder_id == winner.citizen_id and conflict.status == "open"
    assert conflict.claimant_phone_masked.startswith("+86 137****")
    # both people see that a reviewer looked
    reads = await pool.fetch(
        """select citizen_id from personal_data_reads where reader_kind = 'staff'
           and reader_id = $1 and purpose = 'identity_review'""",
        staff_id,
    )
    assert {winner.citizen_id, loser.citizen_id} <= {r["citizen_id"] for r in reads}
    with pytest.raises(InvalidInput):
        await review.decide(aliyun_deps, admin, conflict.id, review.Decision.MOVE, " ")
    decided = await review.decide(
        aliyun_deps, admin, conflict.id, review.Decision.MOVE, "新手机号，本人到窗口核实"
    )
    assert decided.status == "moved" and decided.decided_by == staff_id
    holder = await pool.fetchval("select id from citizens where resident_id_index = $1", index)
    assert holder == loser.citizen_id
    moved = await _bound(pool, loser)
    assert moved["identity_method"] == "review" and moved["identity_verified_at"] is not None
    assert (await _bound(pool, winner))["resident_id_index"] is None
    cards = await pool.fetchval(
        "select count(*) from vault_documents where citizen_id = $1 and doc_type = $2",
        winner.citizen_id,
        "resident_id_card",
    )
    assert cards == 0
    with pytest.raises(Conflict) as again:
        await review.decide(aliyun_deps, admin, conflict.id, review.Decision.KEEP, "再看")
    assert again.value.code == "identity.conflict_decided"


async def test_checks_a_day_are_limited(
    aliyun_deps: Deps, pool: Pool, fake_cloudauth: FakeCloudauth
) -> None:
    deps = dataclasses.replace(
        aliyun_deps,
        settings=dataclasses.replace(
            aliyun_deps.settings,
            identity=dataclasses.replace(aliyun_deps.settings.identity, starts_per_day=2),
        ),
    )
    actor = await _citizen(pool)
    for _ in range(2):
        await verification.start(deps, actor, "张三", fresh_resident_id())
    with pytest.raises(DomainError) as refused:
        await verification.start(deps, actor, "张三", fresh_resident_id())
    assert refused.value.code == "identity.too_many_checks"
    assert len(fake_cloudauth.calls_of("InitFaceVerify")) == 2


def test_the_dev_provider_exists_only_in_dev_mode(settings: Settings) -> None:
    from doorstep.services.identity.providers import DevProvider, build_provider

    assert isinstance(build_provider(settings), DevProvider)
    production = dataclasses.replace(settings, dev_mode=False)
    with pytest.raises(RuntimeError, match="only in dev mode"):
        build_provider(production)
    counter = dataclasses.replace(settings, identity=IdentitySettings(provider="counter"))
    assert build_provider(counter) is None
