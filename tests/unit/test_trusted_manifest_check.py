"""A trusted-documents manifest this release cannot serve is named before a deploy (`doorstep
check`), and one it cannot even load stops `serve` in one line instead of a traceback."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from doorstep.api.web_documents import web_documents
from doorstep.cli import main
from tests.unit.test_safety import SAFE

GOOD = "query Mine { myApplications { number status } }"
STALE = "query Old { myApplications { number statusText } }"  # a field this schema lacks


def _manifest(tmp_path: Path, *bodies: str, wrong_hash: bool = False) -> str:
    operations = [
        {"id": ("0" * 64) if wrong_hash else hashlib.sha256(b.encode()).hexdigest(), "body": b}
        for b in bodies
    ]
    path = tmp_path / "manifest.json"
    path.write_text(
        json.dumps({"format": "apollo-persisted-query-manifest", "operations": operations})
    )
    return str(path)


def _check(manifest: str) -> tuple[int, str]:
    env = {**SAFE, "DOORSTEP_DEV": "", "DOORSTEP_TRUSTED_DOCUMENTS": manifest}
    result = CliRunner().invoke(main, ["check"], env=env)
    return result.exit_code, result.output


def _web_apps() -> list[str]:
    documents, unreadable = web_documents()
    assert unreadable == []
    return [d.text for d in documents]


def test_check_passes_a_manifest_this_release_serves(tmp_path: Path) -> None:
    code, output = _check(_manifest(tmp_path, GOOD, *_web_apps()))
    assert code == 0, output
    assert "DOORSTEP_TRUSTED_DOCUMENTS" not in output


def test_check_names_the_first_web_app_document_the_manifest_lacks(tmp_path: Path) -> None:
    documents, _ = web_documents()
    # a manifest built before the console's ticket actions were written out: the apps' other
    # documents are there, the one the console sends to acknowledge a ticket is not
    lacking = next(d for d in documents if "acknowledgeTicket(" in d.text)
    kept = [d.text for d in documents if d is not lacking]
    code, output = _check(_manifest(tmp_path, GOOD, *kept))
    assert code == 1, output
    line = next(x for x in output.splitlines() if "missing" in x)
    assert line.startswith(f"✗ DOORSTEP_TRUSTED_DOCUMENTS: 1 of the web apps' {len(documents)}")
    assert lacking.where in line and lacking.where.startswith("counter/screens/ticket.js:")
    assert "acknowledgeTicket" in line


def test_check_names_documents_the_schema_refuses(tmp_path: Path) -> None:
    code, output = _check(_manifest(tmp_path, GOOD, STALE))
    assert code == 1
    stale = hashlib.sha256(STALE.encode()).hexdigest()[:12]
    assert "✗ DOORSTEP_TRUSTED_DOCUMENTS: 1 of 2 document(s) refused" in output
    assert stale in output and "statusText" in output


def test_check_names_an_unreadable_or_wrong_manifest(tmp_path: Path) -> None:
    code, output = _check(str(tmp_path / "missing.json"))
    assert code == 1 and "✗ DOORSTEP_TRUSTED_DOCUMENTS: " in output and "missing.json" in output
    code, output = _check(_manifest(tmp_path, GOOD, wrong_hash=True))
    assert code == 1 and "is not the sha256 of its document" in output


def test_serve_refuses_a_manifest_it_cannot_load_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DOORSTEP_DEV"}
    env.update(SAFE)
    env["DATABASE_URL"] = "postgresql://127.0.0.1:1/none"  # unreachable: not what is tested
    env["DOORSTEP_TRUSTED_DOCUMENTS"] = _manifest(tmp_path, GOOD, wrong_hash=True)
    done = subprocess.run(
        [sys.executable, "-m", "doorstep", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "refusing to start: DOORSTEP_TRUSTED_DOCUMENTS: " in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_loads_the_manifest_once_and_hands_it_to_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from doorstep.graphql import persisted
    from doorstep.observability import procdir

    loaded: list[str] = []
    load = persisted.load_manifest

    def counted(path: str) -> dict[str, str]:
        loaded.append(path)
        return load(path)

    served: list[object] = []
    monkeypatch.setattr(persisted, "load_manifest", counted)
    monkeypatch.setattr(uvicorn, "run", lambda app, **_options: served.append(app))
    # the metrics' directory is set in this process's environment: not here
    monkeypatch.setattr(procdir, "prepare", lambda role: tmp_path)
    monkeypatch.setattr(procdir, "cleanup", lambda: None)
    manifest = _manifest(tmp_path, GOOD)
    env = {
        **SAFE,
        "DOORSTEP_DEV": "",
        # unreachable: the migrations' check is not what is tested
        "DATABASE_URL": "postgresql://127.0.0.1:1/none",
        "DOORSTEP_TRUSTED_DOCUMENTS": manifest,
    }
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    assert loaded == [manifest]
