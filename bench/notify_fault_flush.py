"""Fault: FLUSHDB the bench's Redis db (12, never 0) mid-broadcast; count the fake Aliyun log.

    uv run python bench/notify_fault_flush.py [-n 20000] [--flush-at 0.4]

Queued lane jobs vanish with the flush; running ones finish their lane's share. Once a lane
stops beating with rows still due, the sweeper starts it again under a new generation of job
ids. Ends with the counts: every number exactly once, exit 1 if not.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_bench import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if "--flush-at" not in args:
        args += ["--flush-at", "0.4"]
    if "-n" not in args:
        args += ["-n", "20000"]
    raise SystemExit(main([*args, "--lease", "10"]))
