"""Fault: kill -9 the worker mid-broadcast, start another; count the fake Aliyun log.

    uv run python bench/notify_fault_kill.py [-n 20000] [--kill-at 0.4]

Batches the dead worker had claimed are found 'sending' after the lease (10 s here), looked up
per number with QuerySendDetails by their OutId, and only numbers Aliyun does not know go
again. Ends with the counts: every number exactly once (none twice, none missing), exit 1 if not.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notify_bench import main, with_defaults

if __name__ == "__main__":
    args = with_defaults(sys.argv[1:], {"--kill-at": "0.4", "-n": "20000"})
    raise SystemExit(main([*args, "--lease", "10"]))
