"""deploy/alerts.yml: well formed, every metric it names is in /metrics, and each alert has
its section in the README (what to do at 3 a.m.)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from arq import create_pool
from arq.connections import RedisSettings
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families

from doorstep.config import Settings
from doorstep.workers.observed import observed

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")
# PromQL's own words that look like our names do not occur: ours all start "doorstep_"
METRIC = re.compile(r"\bdoorstep_[a-z0-9_]+")


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((ROOT / "deploy" / "alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_rule_is_complete_and_has_a_runbook_section() -> None:
    rules = _rules()
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names))
    for wanted in (
        "DoorstepSmsChannelPaused",
        "DoorstepOutboxNotDraining",
        "DoorstepCronStale",
        "DoorstepLoginCodeBudgetExceeded",
        "DoorstepErrorRate",
    ):
        assert wanted in names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", readme, flags=re.M)
    }
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        runbook = rule["annotations"]["runbook"]
        assert runbook.startswith("README.md#"), runbook
        assert runbook.removeprefix("README.md#") in anchors, runbook
        assert METRIC.search(rule["expr"]), rule["alert"]


async def test_every_metric_the_rules_name_is_served(
    client: AsyncTestClient[Any], settings: Settings
) -> None:
    # the crons' and jobs' series exist once a worker has run something
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:

        async def tick(ctx: dict[str, Any]) -> None:
            return None

        await observed(tick, cron=True)({"settings": settings, "redis": redis})
    finally:
        await redis.aclose()
    response = await client.get("/metrics")
    assert response.status_code == 200
    served = {family.name for family in text_string_to_metric_families(response.text)}
    named = {name for rule in _rules() for name in METRIC.findall(rule["expr"])}
    missing = set()
    for name in named:
        base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
        if name not in served and base not in served:
            missing.add(name)
    assert not missing, missing
