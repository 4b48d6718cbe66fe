"""Running a producer of many long-lived objects with CPython's cyclic GC paused (the one GC-pause helper).

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
from contextlib import contextmanager
from typing import Iterator, TypeVar

T = TypeVar("T")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with CPython's cyclic GC paused, restored as it was afterwards.

    For building the JSON document of every kept report: dumping creates millions of
    dicts and lists and no reference cycles, and with the collector running each young
    collection rescans the whole growing heap (13 us/span instead of 5 at 10^4 traces).

    >>> import gc
    >>> with gc_paused():
    ...     print(gc.isenabled())
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def paused_gc(batches: Iterator[list[T]]) -> Iterator[T]:
    """The items of ``batches``, each batch produced with the cyclic GC paused (see module doc)."""
    try:
        while True:
            with gc_paused():
                batch = next(batches, None)
                items = iter(batch) if batch is not None else None  # allocated while paused
            if items is None:
                return
            yield from items
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
