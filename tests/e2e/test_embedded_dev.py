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
import psutil
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


# the servers as `doorstep dev` starts them, in a process that stops at the first Ctrl-C
_STARTS_THEN_WAITS = """
import sys, time
from pathlib import Path
from doorstep import embedded
state = Path(sys.argv[1])
embedded.start_postgres(state)
embedded.start_redis(state)
try:  # "ready" inside: the test presses Ctrl-C as soon as it reads it
    print("ready", flush=True)
    time.sleep(120)
except KeyboardInterrupt:
    print("stopping", flush=True)
"""


def test_ctrl_c_pressed_again_while_the_servers_stop_cuts_nothing_short(tmp_path: Path) -> None:
    """An impatient Ctrl-C (or a supervisor's SIGTERM) while the embedded servers stop at exit:
    pg_ctl's stop runs to its end, with no traceback and no PostgreSQL left running."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    state = tmp_path / "state"
    process = subprocess.Popen(
        [sys.executable, "-c", _STARTS_THEN_WAITS, str(state)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == b"ready\n"
        process.send_signal(signal.SIGINT)
        assert process.stdout.readline() == b"stopping\n"
        # pressed again and again once pg_ctl's stop runs (the exit's stops have begun)
        script = psutil.Process(process.pid)
        pressed_during_stop = 0
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            try:
                stopping = any(
                    "pg_ctl" in " ".join(child.cmdline())
                    for child in script.children(recursive=True)
                )
            except psutil.Error:
                stopping = False
            if stopping:
                process.send_signal(signal.SIGINT)
                process.send_signal(signal.SIGTERM)
                pressed_during_stop += 1
            time.sleep(0.005)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    assert pressed_during_stop > 0, "pg_ctl's stop was never seen running"
    assert b"Traceback" not in stderr, stderr.decode(errors="replace")[-2000:]
    assert process.returncode == 0
    assert not (state / "pgdata" / "postmaster.pid").exists(), "PostgreSQL still runs"
