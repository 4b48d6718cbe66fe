"""Running a producer of many long-lived objects with CPython's cyclic GC paused.

Reading builds several GC-tracked objects per span (the span, its ``__dict__``,
its event and link lists) that all outlive the young generations, and none of
which is garbage, let alone cyclic garbage.  With the collector running, each
of them is traversed again and again as the young generations fill up and as
the whole heap is rescanned (the full collection runs every time the heap grows
by a quarter): on 250k spans kept in a list that is most of the reading time.

:func:`paused_gc` runs each step of the producer (up to its next batch) with the
collector disabled, and re-enables it -- only if it was enabled -- before the
batch reaches the consumer, so the consumer's own code always runs with the
collector as it left it.  Nothing is leaked: the allocation count keeps growing
while paused, and the collector catches up at the consumer's next allocation.
The switch is process-wide: another thread allocating while a batch is produced
simply has its collections delayed until the batch is out.

>>> import gc
>>> def producer():
...     yield [gc.isenabled()]
...     yield [gc.isenabled(), "x"]
>>> list(paused_gc(producer())), gc.isenabled()
([False, False, 'x'], True)
"""

from __future__ import annotations

import gc
from typing import Iterator, TypeVar

T = TypeVar("T")


def paused_gc(batches: Iterator[list[T]]) -> Iterator[T]:
    """The items of ``batches``, each batch produced with the cyclic GC paused (see module doc)."""
    try:
        while True:
            enabled = gc.isenabled()
            if enabled:
                gc.disable()
            try:
                batch = next(batches, None)
                items = iter(batch) if batch is not None else None  # allocated while paused
            finally:
                if enabled:
                    gc.enable()
            if items is None:
                return
            yield from items
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
