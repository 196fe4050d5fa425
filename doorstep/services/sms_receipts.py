"""Delivery reports pushed by Aliyun (SmsReport): match, record once, move the row forward.

A push is a JSON array of reports. Each report names the message by out_id (our outbox id) and
biz_id (the provider's id), and the phone number, which must match the row: a report that
matches nothing is counted as unknown and writes nothing. A repeated push (Aliyun re-pushes
when our answer is slow or lost) finds its reports already recorded and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from doorstep.domain.delivery import DeliveryStatus
from doorstep.observability.metrics import SMS_RECEIPTS, provider_code
from doorstep.services.deps import Deps
from doorstep.services.notifications.provider_news import apply_provider_news
from doorstep.store.db import transaction
from doorstep.store.outbox import receipts as store

MAX_FIELD = 200


@dataclass
class ReportSummary:
    accepted: int = 0
    duplicates: int = 0
    unknown: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class Report:
    phone: str
    success: bool
    biz_id: str | None
    out_id: str | None
    err_code: str | None
    err_msg: str | None
    send_time: str | None
    report_time: str | None

    @property
    def outbox_id(self) -> int | None:
        if (
            self.out_id
            and self.out_id.isascii()
            and self.out_id.isdigit()
            and len(self.out_id) <= 18
        ):
            return int(self.out_id)
        return None

    @property
    def batch_out_id(self) -> str | None:
        """A broadcast batch's OutId ("b" and digits): shared by every number of one call."""
        if self.out_id and self.out_id.startswith("b") and self.out_id[1:].isdigit():
            return self.out_id
        return None

    @property
    def dedupe_key(self) -> str:
        raw = json.dumps(
            [self.biz_id, self.out_id, self.phone, self.success, self.err_code, self.report_time],
            ensure_ascii=False,
        )
        return "push:" + hashlib.sha256(raw.encode()).hexdigest()


def national_number(phone: str) -> str:
    """Digits as Aliyun writes them: mainland numbers without +86 / 0086."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def e164_candidates(phone: str) -> list[str]:
    """The stored (E.164) forms a reported number may have: mainland first."""
    national = national_number(phone)
    return [f"+86{national}", f"+{national}"]


def _text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(key)
    text = str(value).strip()
    if len(text) > MAX_FIELD:
        raise ValueError(key)
    return text or None


def parse_report(item: Any) -> Report | None:
    """One report of a push, or None if it is not one."""
    if not isinstance(item, dict):
        return None
    try:
        phone = _text(item, "phone_number")
        success = item.get("success")
        if isinstance(success, str) and success.lower() in {"true", "false"}:
            success = success.lower() == "true"
        if not phone or not isinstance(success, bool):
            return None
        report = Report(
            phone=phone,
            success=success,
            biz_id=_text(item, "biz_id"),
            out_id=_text(item, "out_id"),
            err_code=_text(item, "err_code"),
            err_msg=_text(item, "err_msg"),
            send_time=_text(item, "send_time"),
            report_time=_text(item, "report_time"),
        )
    except ValueError:
        return None
    if report.outbox_id is None and not report.biz_id:
        return None
    return report


async def record_reports(deps: Deps, items: list[Any]) -> ReportSummary:
    summary = ReportSummary()
    reports: list[Report] = []
    for item in items:
        report = parse_report(item)
        if report is None:
            summary.invalid += 1
        else:
            reports.append(report)
    # failure codes of the receipts taken, counted once the transaction has committed
    failed: list[str] = []
    async with transaction(deps.pool) as conn:
        matched: list[tuple[int, Report]] = []
        for report in reports:
            row = await store.find_for_receipt(
                conn,
                out_id=report.outbox_id,
                biz_id=report.biz_id,
                phones=e164_candidates(report.phone),
                batch_out_id=report.batch_out_id,
            )
            if row is None:
                summary.unknown += 1
            else:
                matched.append((row.id, report))
        # rows are locked in id order, so two pushes at once cannot deadlock
        matched.sort(key=lambda pair: pair[0])
        for outbox_id, report in matched:
            if await store.receipt_seen(conn, report.dedupe_key):
                summary.duplicates += 1
                continue
            status = (
                DeliveryStatus.DELIVERED if report.success else DeliveryStatus.PERMANENT_FAILURE
            )
            moved = await apply_provider_news(
                conn, outbox_id, status, provider_id=report.biz_id, code=report.err_code
            )
            inserted = await store.insert_receipt(
                conn,
                outbox_id=outbox_id,
                source="push",
                dedupe_key=report.dedupe_key,
                biz_id=report.biz_id,
                out_id=report.out_id,
                phone=report.phone,
                success=report.success,
                err_code=report.err_code,
                err_msg=report.err_msg,
                send_time=report.send_time,
                report_time=report.report_time,
                applied=moved,
            )
            if inserted:
                summary.accepted += 1
                if not report.success:
                    failed.append(report.err_code or "")
            else:
                summary.duplicates += 1
    _count(summary, failed)
    return summary


def _count(summary: ReportSummary, failed: list[str]) -> None:
    for result, count in (
        ("delivered", summary.accepted - len(failed)),
        ("duplicate", summary.duplicates),
        ("unknown", summary.unknown),
        ("invalid", summary.invalid),
    ):
        if count:
            SMS_RECEIPTS.labels(result, "").inc(count)
    for code in failed:
        SMS_RECEIPTS.labels("failed", provider_code(code)).inc()
