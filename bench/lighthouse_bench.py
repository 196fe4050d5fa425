"""Lighthouse on the citizen app: performance, accessibility and best practices on the mobile
profile, PWA installability, and the bytes of the first load. Prints figures; not a test.

    (cd bench/lighthouse && npm ci)          # Lighthouse 12.2.3, pinned by package-lock.json
    .venv/bin/python bench/lighthouse_bench.py [--runs 3] [--keep-db]

It makes a fresh database `doorstep_lighthouse` (migrated, no data: `/` opens on the log-in
screen, the first screen a new phone sees), starts `doorstep serve` with production settings
on 127.0.0.1 (gzip, CSP and cache headers as deployed), runs Lighthouse `--runs` times against
`/` with the machine's Chromium (CHROME_PATH, default /usr/bin/chromium) and reports the median
run. Lighthouse's mobile profile is the default: a Moto G Power sized screen, 4x CPU slowdown
and simulated slow 4G (150 ms RTT, 1.6 Mbit/s). Lighthouse 12 has no PWA category any more, so
installability is asked of Chromium itself (DevTools `Page.getInstallabilityErrors`, through
Playwright, after the service worker is ready): no errors means the browser offers to install.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = ROOT / "bench" / "lighthouse"
LIGHTHOUSE = LIGHTHOUSE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
DB = "doorstep_lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
# the audits behind the performance score (simulated on the mobile profile)
METRICS = (
    "first-contentful-paint",
    "largest-contentful-paint",
    "total-blocking-time",
    "cumulative-layout-shift",
    "speed-index",
)
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def fresh_database(pg: str) -> str:
    conn = await asyncpg.connect(pg.rstrip("/") + "/postgres")
    try:
        await conn.execute(f"drop database if exists {DB} with (force)")
        await conn.execute(f"create database {DB}")
    finally:
        await conn.close()
    return pg.rstrip("/") + "/" + DB


async def drop_database(pg: str) -> None:
    conn = await asyncpg.connect(pg.rstrip("/") + "/postgres")
    try:
        await conn.execute(f"drop database if exists {DB} with (force)")
    finally:
        await conn.close()


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DOORSTEP_DEV"}
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "DOORSTEP_DATA_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "DOORSTEP_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            # production settings (the process refuses to start without them)
            "SMS_CALLBACK_TOKEN": secrets.token_hex(32),
            "DOORSTEP_METRICS_TOKEN": secrets.token_hex(32),
            "DOORSTEP_IDENTITY_PROVIDER": "counter",
            "DOORSTEP_SMS_CHANNEL": "console",
            "DOORSTEP_FILE_STORAGE": "none",
            "DOORSTEP_QUEUE": "doorstep-lighthouse:queue",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    log = tempfile.NamedTemporaryFile(prefix="lighthouse-server-", suffix=".log", delete=False)
    print(f"server log: {log.name}", flush=True)
    return subprocess.Popen(
        [sys.executable, "-m", "doorstep", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def wait_ready(base: str, process: subprocess.Popen[bytes], limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}")
            try:
                if (await client.get(base + "/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"the server was not ready after {limit_s} s")


def lighthouse(url: str, chrome: str, out: Path) -> dict[str, Any]:
    # on a busy machine a run now and then loses its trace (NO_NAVSTART): that run is retried
    for attempt in range(3):
        done = subprocess.run(
            [
                "node",
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={out}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags={CHROME_FLAGS}",
            ],
            env={**os.environ, "CHROME_PATH": chrome},
        )
        if done.returncode == 0:
            break
        print(f"Lighthouse failed (attempt {attempt + 1}), again", flush=True)
    else:
        raise SystemExit("Lighthouse failed three times")
    report: dict[str, Any] = json.loads(out.read_text())
    return report


def summary(report: dict[str, Any]) -> dict[str, Any]:
    audits = report["audits"]
    requests = audits["network-requests"]["details"]["items"]
    return {
        "scores": {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES},
        "metrics": {m: audits[m]["displayValue"] for m in METRICS},
        "bytes": int(audits["total-byte-weight"]["numericValue"]),
        "requests": len(requests),
        "failed": [
            f"{c}: {a['id']} ({a.get('displayValue') or a['title']})"
            for c in CATEGORIES
            for a in (audits[ref["id"]] for ref in report["categories"][c]["auditRefs"])
            if a.get("score") is not None
            and a["score"] < 1
            and a["scoreDisplayMode"] != "informative"
        ],
        "largest": sorted(
            ((r["transferSize"], r["url"].split("/", 3)[-1]) for r in requests), reverse=True
        )[:5],
    }


async def installability(url: str, chrome: str) -> tuple[list[str], dict[str, Any]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        # a profile on disk: Chromium never offers to install from an incognito context
        with tempfile.TemporaryDirectory() as profile:
            context = await p.chromium.launch_persistent_context(
                profile, executable_path=chrome, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = await context.new_page()
                await page.goto(url)
                await page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
                cdp = await context.new_cdp_session(page)
                errors = await cdp.send("Page.getInstallabilityErrors")
                manifest = await cdp.send("Page.getAppManifest")
            finally:
                await context.close()
    problems = [e["errorId"] for e in errors.get("installabilityErrors", [])]
    return problems, json.loads(manifest.get("data") or "{}")


async def main_async(args: argparse.Namespace) -> None:
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is not installed: (cd bench/lighthouse && npm ci)")
    if shutil.which("node") is None:
        raise SystemExit("node is not on the PATH (Node 20 runs Lighthouse 12.2.3)")
    database_url = await fresh_database(args.pg)
    migrate = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "doorstep", "migrate"],
        cwd=ROOT,
        env=server_env(database_url, args.redis),
        capture_output=True,
    )
    if migrate.returncode:
        raise SystemExit(migrate.stderr.decode()[-2000:])
    port = free_port()
    server = start_server(port, server_env(database_url, args.redis))
    url = f"http://127.0.0.1:{port}/"
    try:
        await wait_ready(url.rstrip("/"), server)
        runs = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.runs):
                report = lighthouse(url, args.chrome, Path(tmp) / f"run-{i}.json")
                runs.append(summary(report))
                print(f"run {i + 1}: {runs[-1]['scores']} {runs[-1]['bytes']} bytes", flush=True)
            version = report["lighthouseVersion"]
            agent = report["environment"]["hostUserAgent"]
            if args.save:
                shutil.copy(Path(tmp) / f"run-{args.runs - 1}.json", args.save)
        problems, manifest = await installability(url, args.chrome)
    finally:
        server.terminate()
        server.wait()
        if not args.keep_db:
            await drop_database(args.pg)

    perf = [r["scores"]["performance"] for r in runs]
    median = runs[sorted(range(len(runs)), key=lambda i: perf[i])[len(runs) // 2]]
    print()
    print(f"Lighthouse {version}, mobile profile (simulated slow 4G, 4x CPU), {len(runs)} runs")
    print(f"Chromium: {agent}")
    print(f"performance scores of the runs: {perf} (median {statistics.median(perf)})")
    print("median run:")
    for category, score in median["scores"].items():
        print(f"  {category:15} {score}")
    for metric, value in median["metrics"].items():
        print(f"  {metric:26} {value}")
    print(f"  first load: {median['bytes']} bytes ({median['bytes'] / 1024:.1f} KB) transferred")
    print(f"             in {median['requests']} requests; largest:")
    for size, path in median["largest"]:
        print(f"    {size:7} /{path}")
    if median["failed"]:
        print("  audits not passed:")
        for line in median["failed"]:
            print(f"    {line}")
    installable = "installable" if not problems else f"NOT installable: {', '.join(problems)}"
    print(
        f"PWA: {installable} (Chromium's installability check); manifest name "
        f"{manifest.get('name')!r}, display {manifest.get('display')!r}, "
        f"lang {manifest.get('lang')!r}"
    )
    targets = [
        ("performance >= 90", statistics.median(perf) >= 90),
        ("accessibility 100", median["scores"]["accessibility"] == 100),
        ("first load <= 150 KB", median["bytes"] <= 150 * 1024),
        ("installable", not problems),
    ]
    print("targets: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in targets))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--save", type=Path, help="keep the last run's Lighthouse JSON here")
    parser.add_argument("--keep-db", action="store_true")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
