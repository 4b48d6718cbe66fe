"""Checks and conversions over whole columns of raw values, for the table fast paths.

Each function gives exactly what the per-value rule of the span path gives (the same
canonical id, the same code), or raises :class:`~graphtrace.readers.otlp_fast.Fallback`
where that rule would warn or fail; it is only faster, doing the common case (every id
already canonical hex, every code the same few values) in C-level passes over the column.

>>> ids(["00F0000000000001", "0000000000000002"], 16, {})
['00f0000000000001', '0000000000000002']
>>> ids(["F0", "AAAAAAAAAAE="], 16, {})
['00000000000000f0', '0000000000000001']
>>> codes([None, 2, 2], {None: 0, 2: 5}.get)
[0, 5, 5]
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from graphtrace.readers.otlp_fast import Fallback, clean_id


def ids(raw: list[Any], width: int, cache: dict[str, str]) -> list[str]:
    """The canonical ids of ``raw`` (strings), as :func:`~.otlp_fast.clean_id` gives them one by one."""
    if not raw:
        return []
    lengths = set(map(len, raw)) if set(map(type, raw)) == {str} else None
    if lengths is None:
        raise Fallback  # an id that is no string: the careful reader's message
    if lengths == {width}:
        joined = "".join(raw)
        try:
            digits = len(bytes.fromhex(joined)) * 2 if joined.isascii() else -1
        except ValueError:
            digits = -1
        if digits == len(joined):  # every character a hex digit (fromhex skips whitespace: fewer bytes)
            return raw if joined.lower() == joined else [value.lower() for value in raw]
    get = cache.get
    return [get(value) or clean_id(value, width, cache) for value in raw]


def codes(raw: list[Any], code_of: Callable[[Any], int]) -> list[int]:
    """``code_of(value)`` for each value, computed once per distinct value.

    A bool or a float never shares a code with an equal int (``True == 1 == 1.0``): any falls back.
    """
    kinds = set(map(type, raw))
    if bool in kinds or float in kinds or list in kinds or dict in kinds:
        raise Fallback
    lut = {value: code_of(value) for value in set(raw)}
    return [lut[value] for value in raw]


def runs(trace_ids: list[str]) -> list[tuple[str, int]]:
    """``(trace id, first row)`` of each run of equal trace ids.

    >>> runs(["a", "a", "b", "a"])
    [('a', 0), ('b', 2), ('a', 3)]
    """
    if not trace_ids:
        return []
    first = trace_ids[0]
    if trace_ids.count(first) == len(trace_ids):
        return [(first, 0)]
    out = [(first, 0)]
    for row, trace_id in enumerate(trace_ids):
        if trace_id != out[-1][0]:
            out.append((trace_id, row))
    return out


def acyclic(index: dict[str, int], parents: list[str | None]) -> bool:
    """No parent cycle among the spans with rows ``index`` (span id -> row) and ``parents`` (by row).

    A parent that is not in ``index`` ends a chain.  By pointer doubling in numpy: after ``k``
    rounds each row points at its ancestor ``2**k`` levels up, so every chain has ended
    after ``log2(n) + 1`` rounds unless it runs round a cycle.

    >>> acyclic({"a": 0, "b": 1, "c": 2}, [None, "c", "a"]), acyclic({"a": 0, "b": 1}, ["b", "a"])
    (True, False)
    """
    get = index.get
    up = np.array([get(parent, -1) for parent in parents], dtype=np.int64)  # get(None) is -1 too
    for _ in range(len(up).bit_length() + 1):
        live = up >= 0
        if not live.any():
            return True
        up = np.where(live, up[np.maximum(up, 0)], -1)
    return not (up >= 0).any()


BATCH = 8192  # spans decoded at once: their structs are all that is alive of the record's spans


def batches(raws: list[Any], decoder: Any, size: int | None = None) -> Iterator[list[Any]]:
    """``decoder`` (of a JSON list) over ``raws`` (``msgspec.Raw`` values), ``size`` (:data:`BATCH`) at a time.

    A huge record is decoded to raw span texts first, then a batch of spans at a time, so
    the decoded structs of one batch, not of the whole record, are alive at once.

    >>> import msgspec
    >>> raws = msgspec.json.decode(b'[1, 2, 3]', type=list[msgspec.Raw])
    >>> list(batches(raws, msgspec.json.Decoder(list[int]), 2))
    [[1, 2], [3]]
    """
    size = size or BATCH
    for lo in range(0, len(raws), size):
        yield decoder.decode(b"[" + b",".join(raws[lo:lo + size]) + b"]")
