"""Fault: 20 % of the fake Aliyun's send answers are Throttling.User (400) or isp.SYSTEM_ERROR
(500); count the fake's log.

    uv run python bench/notify_fault_chaos.py [-n 20000] [--chaos 0.2]

A refused batch is nowhere at Aliyun: its rows back off (15 s doubling, jittered) and go again
in later batches. The script makes rows in backoff due at once (`--skip-backoff`; without it
the run's tail is the backoff itself, several minutes for the unlucky few rows refused four or
five times running). Ends with the counts: every number exactly once, exit 1 if not.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_bench import main, with_defaults

if __name__ == "__main__":
    args = with_defaults(sys.argv[1:], {"--chaos": "0.2", "-n": "20000"})
    raise SystemExit(main([*args, "--lease", "10", "--skip-backoff"]))
