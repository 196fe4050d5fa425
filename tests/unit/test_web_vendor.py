"""Every vendored browser module is the file that was pinned: version, licence and SHA-256 in
doorstep/web/vendor/VENDOR.json, checked here byte for byte."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = json.loads((ROOT / "doorstep/web/vendor/VENDOR.json").read_text())


def test_every_pinned_file_matches_its_checksum() -> None:
    checked = 0
    for package in VENDOR["packages"]:
        assert package["version"] in package["folder"], package["name"]
        assert package["licence"], package["name"]
        for name, digest in package["files"].items():
            data = (ROOT / package["folder"] / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest, f"{package['folder']}/{name}"
            checked += 1
    assert checked >= 10


def test_nothing_unpinned_in_the_vendor_folders() -> None:
    for package in VENDOR["packages"]:
        present = {p.name for p in (ROOT / package["folder"]).iterdir() if p.is_file()}
        assert present == set(package["files"]), package["folder"]
    served = {p.name for p in (ROOT / "doorstep/web/vendor").iterdir() if p.is_dir()}
    pinned = {Path(p["folder"]).name for p in VENDOR["packages"] if p["use"] == "app"}
    assert served == pinned


def test_each_licence_ships_with_its_code() -> None:
    for package in VENDOR["packages"]:
        assert any(name.startswith("LICENSE") for name in package["files"]), package["name"]
