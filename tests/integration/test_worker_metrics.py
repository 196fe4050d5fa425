"""The worker's own metrics port: what the worker counted (SMS results), behind the same
token rule as the API's /metrics."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from doorstep.config import Settings
from doorstep.workers.metrics_port import MetricsPort
from tests.integration.helpers import REQUEST_CODE, burst_worker, fresh_phone, gql
from tests.integration.test_metrics import Samples, parse, value


@pytest.fixture
def port(settings: Settings, request: pytest.FixtureRequest) -> Iterator[str]:
    dev, token = request.param
    chosen = dataclasses.replace(settings, dev_mode=dev, metrics_token=token)
    server = MetricsPort(chosen, "127.0.0.1", 0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


async def _scrape(base: str, **headers: str) -> Samples:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{base}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return parse(response.text)


@pytest.mark.parametrize("port", [(False, "worker-scrape-token")], indirect=True)
async def test_the_worker_serves_what_it_counted(
    port: str, client: AsyncTestClient[Any], settings: Settings
) -> None:
    auth = {"Authorization": "Bearer worker-scrape-token"}
    labels = {"channel": "console", "outcome": "delivered", "code": ""}
    before = value(await _scrape(port, **auth), "doorstep_sms_results_total", **labels)
    body = await gql(client, REQUEST_CODE, {"p": fresh_phone()})
    assert "errors" not in body, body
    worker = burst_worker(settings)
    try:
        await worker.main()
    finally:
        await worker.close()
    after = value(await _scrape(port, **auth), "doorstep_sms_results_total", **labels)
    assert after - before >= 1
    async with httpx.AsyncClient() as http:
        for headers in ({}, {"Authorization": "Bearer nope"}):
            refused = await http.get(f"{port}/metrics", headers=headers)
            assert refused.status_code == 401
            assert refused.json()["code"] == "metrics.unauthorized"
            assert "doorstep_" not in refused.text
        assert (await http.get(f"{port}/other", headers=auth)).status_code == 404


@pytest.mark.parametrize("port", [(False, "")], indirect=True)
async def test_without_a_token_the_worker_port_refuses_everyone(port: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(
            f"{port}/metrics", headers={"Authorization": "Bearer any", "Accept-Language": "en"}
        )
    assert response.status_code == 403
    assert response.json() == {
        "code": "metrics.disabled",
        "message": "Metrics are not served here: no monitoring token is configured.",
    }
