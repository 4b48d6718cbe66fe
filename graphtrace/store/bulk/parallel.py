"""The CSV writing over several processes, one shard of the trace ids each.

Every process reads the *whole* input (so the input must be readable more
than once: ``reread`` makes a fresh stream of the same traces; this process
reads the ``traces`` it was given, so a reader's own diagnostics fill in the
caller's stream object exactly once) and keeps the traces of its shard
(:func:`~graphtrace.model.shard_of`).  The one exchange between
them is the link targets: each process finds those of its shard that will be
in the load, this process sends the union to all, then each writes its
shard.  A child's error comes back as the same exception (``GraphtraceError``
keeps its file, record and field through pickling).

Children are started with ``spawn`` (no inherited threads or sockets), so
``reread`` must be picklable, e.g. a ``functools.partial`` of a module-level
reader function, and a script calling this needs the usual
``if __name__ == "__main__":`` guard (a spawned child imports the main module).
If anything fails, the children still running are terminated (by their own
handles) and their spill files removed.
"""

from __future__ import annotations

import copy
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from graphtrace.errors import GraphtraceError, StoreError
from graphtrace.model import Trace
from graphtrace.store.bulk.rollups import RollupTally
from graphtrace.store.bulk.shard import ShardResult, ShardWriter

Reread = Callable[[], Iterable[Trace]]


def part_directory(directory: Path, shard: int) -> Path:
    """Where shard ``shard`` writes its CSV files: shard 0 (and a single writer) in ``directory`` itself.

    >>> part_directory(Path("/x"), 0).name, part_directory(Path("/x"), 1).name
    ('x', 'part-1')
    """
    return directory if shard == 0 else directory / f"part-{shard}"


def _portable(exc: BaseException, shard: int) -> BaseException:
    """``exc`` ready to travel to the parent.

    A ``GraphtraceError`` goes as it is (the parent raises the same error: message, file,
    record, field); another exception keeps its type when it pickles, with the child's
    traceback as a note, else becomes a ``RuntimeError`` carrying that traceback.
    """
    if isinstance(exc, GraphtraceError):
        return exc
    text = "".join(traceback.format_exception(exc))
    try:
        exc.add_note(f"in the CSV writer process of shard {shard}:\n{text}")
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - not picklable: carry the text
        return RuntimeError(f"the CSV writer process of shard {shard} failed:\n{text}")


def _child(conn: Connection, reread: Reread, directory: Path, shard: int, shards: int, strict: bool,
           rollups: RollupTally | None = None) -> None:
    """A child process: read, send the link targets found, get them all back, write, send the result."""
    writer = None
    try:
        writer = ShardWriter(part_directory(directory, shard), shard, shards, strict=strict, rollups=rollups)
        conn.send(("ok", writer.read(reread())))
        exists = conn.recv()
        conn.send(("ok", writer.write(exists)))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        conn.send(("error", _portable(exc, shard)))
    finally:
        if writer is not None:
            writer.close()
        conn.close()


def _receive(conn: Connection, shard: int) -> Any:
    """The next message of a child; its error raised here."""
    try:
        status, payload = conn.recv()
    except EOFError:
        raise StoreError(f"the CSV writer process of shard {shard} died without a result") from None
    if status == "error":
        raise payload
    return payload


def run_shards(traces: Iterable[Trace], reread: Reread, directory: Path, shards: int,
               strict: bool, rollups: RollupTally | None = None) -> list[ShardResult]:
    """Write ``shards`` shards, shard 0 here from ``traces``, the others in child processes
    (each shard with its own copy of the empty tally ``rollups``, when given)."""
    ctx = multiprocessing.get_context("spawn")
    children: list[tuple[Any, Connection]] = []
    try:
        for shard in range(1, shards):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_child, args=(theirs, reread, directory, shard, shards, strict, rollups),
                               name=f"graphtrace-csv-{shard}", daemon=True)
            proc.start()
            theirs.close()
            children.append((proc, mine))
        own = ShardWriter(part_directory(directory, 0), 0, shards, strict=strict, rollups=copy.deepcopy(rollups))
        try:
            exists = own.read(traces)
            for shard, (_, conn) in enumerate(children, start=1):
                exists |= _receive(conn, shard)
            for _, conn in children:
                conn.send(exists)
            results = [own.write(exists)]
        finally:
            own.close()
        results += [_receive(conn, shard) for shard, (_, conn) in enumerate(children, start=1)]
    except BaseException:
        _stop(children, directory, failed=True)
        raise
    _stop(children, directory, failed=False)
    return results


def _stop(children: list[tuple[Any, Connection]], directory: Path, *, failed: bool) -> None:
    """Reap the children (they are done), or after a failure end those still running and drop their spills."""
    for shard, (proc, conn) in enumerate(children, start=1):
        if failed and proc.is_alive():
            proc.terminate()
        proc.join()
        conn.close()
        if failed:
            (part_directory(directory, shard) / "stream.pickle").unlink(missing_ok=True)
