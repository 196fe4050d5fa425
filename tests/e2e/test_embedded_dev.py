"""`doorstep dev` with no URLs: embedded PostgreSQL and Redis, demo data, API and worker.

A newcomer's first command, run as a process: log in by SMS code and read it in the dev inbox,
which only shows messages the worker actually delivered.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.embedded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_ready(base: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"doorstep dev exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("doorstep dev was not ready in time")


def test_dev_command_runs_on_embedded_servers(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"DOORSTEP_STATE_DIR": str(tmp_path / "state"), "PORT": str(port)})
    process = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "dev"], env=env, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, 120)
        phone = "+8613800138003"
        response = httpx.post(
            f"{base}/graphql",
            json={
                "query": "mutation($p: String!) { requestLoginCode(phone: $p) { phone } }",
                "variables": {"p": phone},
            },
            timeout=10,
        )
        assert response.json()["data"]["requestLoginCode"]["phone"] == phone
        code = None
        deadline = time.monotonic() + 30
        while code is None and time.monotonic() < deadline:
            page = httpx.get(f"{base}/dev/inbox", params={"phone": phone}, timeout=5).text
            match = re.search(r"验证码(\d{6})", page)
            code = match.group(1) if match else None
            time.sleep(0.3)
        assert code is not None, "the worker did not deliver the code to the dev inbox"
        response = httpx.post(
            f"{base}/graphql",
            json={
                "query": "mutation($p: String!, $c: String!) { verifyLoginCode(phone: $p, code: $c)"
                " { token role } }",
                "variables": {"p": phone, "c": code},
            },
            timeout=10,
        )
        session = response.json()["data"]["verifyLoginCode"]
        assert session["role"] == "CITIZEN"
        catalog = httpx.post(
            f"{base}/graphql",
            json={"query": "{ catalog { code } }"},
            headers={"Authorization": f"Bearer {session['token']}"},
            timeout=10,
        )
        codes = {b["code"] for b in catalog.json()["data"]["catalog"]}
        assert {"newborn", "retirement", "after-death", "elderly-subsidy"} <= codes
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    # a stopped `doorstep dev` leaves no server behind (PostgreSQL runs in its own session)
    postmaster = tmp_path / "state" / "pgdata" / "postmaster.pid"
    assert not postmaster.exists(), "embedded PostgreSQL still runs after SIGTERM"
    assert process.returncode == 128 + signal.SIGTERM
