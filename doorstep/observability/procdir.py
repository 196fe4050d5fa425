"""Where the processes of one machine keep their metric values (prometheus_client's
multiprocess mode). Imports nothing of prometheus_client: `prepare` must run before it is
imported, since it chooses how values are kept at import."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

# one directory per role under the base: a worker starting must not wipe the API's files
ROLES = ("web", "worker")
BASE_ENV = "DOORSTEP_METRICS_DIR"
_owned_base: str | None = None


def prepare(role: str, base: str | None = None) -> Path:
    """Make `base/role` empty and point prometheus_client at it. Files left by the processes of
    an earlier start would otherwise be added to this one's. With no base configured the
    directory is private to this start (its `serve --workers N` processes inherit it)."""
    if role not in ROLES:
        raise ValueError(f"unknown metrics role {role!r}")
    global _owned_base
    base = base or os.environ.get(BASE_ENV)
    if not base:
        base = _owned_base = tempfile.mkdtemp(prefix="doorstep-metrics-")
    os.environ[BASE_ENV] = base
    directory = Path(base) / role
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def cleanup() -> None:
    """Remove the base this start made for itself (a configured base is left as it is)."""
    if _owned_base is not None:
        shutil.rmtree(_owned_base, ignore_errors=True)


def directories() -> list[Path]:
    """Every role's directory beside this process's own: the API also shows the worker's
    metrics when both run on one machine with one base (`doorstep dev`, one host)."""
    own = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not own:
        return []
    base = Path(own).parent
    return [base / role for role in ROLES if (base / role).is_dir()]


def process_exited() -> None:
    """Drop this process's live gauges (open sockets, subscriptions) from the sums."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
