"""`serve --workers N`: every process counts into one /metrics, and a start wipes what the
processes of an earlier start left behind."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from doorstep.config import Settings
from tests.e2e.servers import METRICS_TOKEN, free_port, server_env


def _healthz_count(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "doorstep_http_requests_total" and s.labels["route"] == "/healthz"
    )


async def test_two_server_processes_report_one_sum(settings: Settings, tmp_path: Path) -> None:
    base = tmp_path / "metrics"
    stale = base / "web" / "counter_999999.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an earlier start")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "doorstep",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        env={
            **server_env(settings),
            "DOORSTEP_METRICS_DIR": str(base),
        },
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    if (await client.get(f"{url}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.returncode is None, "server exited"
                assert time.monotonic() < deadline, "server not ready"
                await asyncio.sleep(0.2)
        assert not stale.exists()
        # a fresh connection each: the kernel hands them to whichever process accepts first,
        # so go on until both have answered some
        requests = 0
        writers: set[str] = set()
        while len(writers) < 2 and requests < 400:
            for _ in range(20):
                async with httpx.AsyncClient() as client:
                    assert (await client.get(f"{url}/healthz")).status_code == 200
            requests += 20
            writers = {p.name.rsplit("_", 1)[-1] for p in (base / "web").glob("counter_*.db")}
        assert len(writers) == 2, writers
        # whichever process answers the scrape, it reports both processes' requests
        for _ in range(6):
            async with httpx.AsyncClient() as client:
                response = await client.get(
                    f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
                )
            assert response.status_code == 200
            assert _healthz_count(response.text) == requests
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
