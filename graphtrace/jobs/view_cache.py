"""The on-disk cache of large traces' view documents (``GET /api/traces/{id}/view``).

Analysing a 50,000-span trace and building its view takes seconds of CPU; reading its spans back
takes well under one.  So for a trace of at least ``min_spans`` spans the view (gzipped JSON) is
kept in a directory next to serve's spool, keyed by the trace id and a digest of everything the
view is made of: the stored span properties (as ``load_trace_props`` returns them) and the
graphtrace version.  A trace sent again, merged with a late piece, or re-ingested by the CLI has
other properties, hence another digest: its cached view is never served, and is replaced.  The
directory is bounded (``max_bytes``; the least recently written files go first).

>>> import tempfile
>>> cache = ViewCache(tempfile.mkdtemp(), min_spans=1)
>>> cache.put("ab", "k1", b"view"); cache.get("ab", "k1"), cache.get("ab", "k2"), cache.get("cd", "k1")
(b'view', None, None)
>>> content_key([{"span_id": "a", "start_ns": 1}]) == content_key([{"start_ns": 1, "span_id": "a"}])
True
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import orjson

CACHE_MIN_SPANS = 10_000
CACHE_MAX_BYTES = 512 * 1024 * 1024


def content_key(props: list[dict[str, Any]]) -> str:
    """A digest of the stored span properties (keys in any order) and the graphtrace version."""
    from graphtrace import __version__

    digest = hashlib.blake2b(orjson.dumps(props, option=orjson.OPT_SORT_KEYS), digest_size=20)
    digest.update(__version__.encode())
    return digest.hexdigest()


class ViewCache:
    """Gzipped view documents, one file per trace: the content key, a newline, the body."""

    def __init__(self, directory: str | Path, *, min_spans: int = CACHE_MIN_SPANS,
                 max_bytes: int = CACHE_MAX_BYTES) -> None:
        self.directory, self.min_spans, self.max_bytes = Path(directory), min_spans, max_bytes

    def _path(self, trace_id: str) -> Path:
        return self.directory / (hashlib.sha256(trace_id.encode()).hexdigest()[:32] + ".view")

    def has(self, trace_id: str) -> bool:
        """True when some view of ``trace_id`` is kept (maybe of older content: :meth:`get` checks)."""
        return self._path(trace_id).exists()

    def get(self, trace_id: str, key: str) -> bytes | None:
        """The cached body of ``trace_id`` if it was made from content ``key``, else ``None``."""
        try:
            data = self._path(trace_id).read_bytes()
        except OSError:
            return None
        head, sep, body = data.partition(b"\n")
        return body if sep and head == key.encode() else None

    def put(self, trace_id: str, key: str, body: bytes) -> None:
        """Keep ``body`` for ``trace_id`` at content ``key`` (atomically), then trim the directory."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self._path(trace_id)
        tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
        tmp.write_bytes(key.encode() + b"\n" + body)
        os.replace(tmp, path)
        self._trim(path)

    def _trim(self, newest: Path) -> None:
        """Remove the least recently written files (``newest`` last) until the rest fit ``max_bytes``."""
        files = []
        for path in self.directory.glob("*.view"):
            try:
                st = path.stat()
            except OSError:
                continue
            files.append((path == newest, st.st_mtime_ns, st.st_size, path))
        total = sum(f[2] for f in files)
        for _, _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
