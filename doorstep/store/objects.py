"""Object storage for material files: a folder on local disk (dev, tests, one machine) here,
Alibaba Cloud OSS in store/oss.py, behind one small interface. Keys are ours (random), never a
name a user chose, so no path can be steered. What is stored is already sealed (AES-GCM in
services/files.py): a store sees ciphertext only.

Every store answers the same two failures: `ObjectMissing` (no object under that key) and
`StoreUnavailable` (out of reach, refused, too slow). Deleting a missing object is no error."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"[0-9a-f]{32}")


class StoreUnavailable(Exception):
    """The store did not do it: out of reach, an error answer, a refusal, or too slow."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ObjectMissing(Exception):
    """No object under that key."""


class ObjectStore(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...
    async def get(self, key: str) -> bytes: ...
    async def delete(self, key: str) -> None: ...
    async def close(self) -> None: ...


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError("not an object key")
    return key


class LocalDiskStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        try:
            await asyncio.to_thread(self._write, self._path(key), data)
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self._path(key).unlink, True)
        except OSError as exc:
            raise StoreUnavailable(type(exc).__name__) from exc

    async def close(self) -> None:
        return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside and renamed: a reader never sees half a file
        temp = path.with_suffix(".part")
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
