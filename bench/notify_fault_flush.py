"""Fault: FLUSHDB the bench's Redis db (12, never 0) mid-broadcast; count the fake Aliyun log.

    uv run python bench/notify_fault_flush.py [-n 20000]

Two runs: FLUSHDB at 40 % sent (queued lane jobs vanish, running ones finish their share), and
FLUSHDB after the rows are written but before the worker starts (every lane job is gone: only
the sweeper can find the rows; once a lane has not beaten for 30 s with rows due, it starts the
lane again under a new generation of job ids). Each ends with the counts: every number exactly
once; exit 1 if not.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_bench import main, with_defaults

if __name__ == "__main__":
    args = with_defaults(sys.argv[1:], {"-n": "20000"})
    mid_run = main([*args, "--flush-at", "0.4", "--lease", "10"])
    before_worker = main([*args, "--flush-queued", "--lease", "10"])
    raise SystemExit(mid_run or before_worker)
