"""The graph of a stream of traces as CSV rows, built by the driver path's own code.

Every trace goes through :func:`graphtrace.store.rows.prepare` (and so
``codec.span_props``), exactly as ``graphtrace ingest`` does; what Cypher
computes on the driver path is computed here the same way:

* ``REMOTE_CALL`` properties (``queries._REMOTE_CALL_PROPS``): ``ratio`` is
  ``float(client) / float(server)`` like ``toFloat(..) / toFloat(..)``, absent
  when the server lasted 0 ns;
* ``LINKS_TO``: one edge per (source, target) pair whose target span is in the
  load, with the properties of the pair's last link; a span with links to
  missing spans gets the ``LinkPending`` label and ``pending_link_traces`` (the
  missing target traces, distinct, in link order), as ingest leaves them.

Pieces of one trace (the same trace id more than once in the stream) are
merged into one trace before ``prepare``, which gives the graph the driver's
``MERGE`` path gives.  A span id repeated across pieces must repeat the same
span (a re-sent piece); a changed span is refused (the driver would overlay
its properties with ``SET +=``).

>>> node_id("t1", "a"), node_id("t", "1a")
('2|t1a', '1|t1a')
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from graphtrace.errors import InputError
from graphtrace.model import Trace
from graphtrace.store.rows import prepare

TRACE, SPAN, SERVICE = "Trace", "Span", "Service"
PENDING = "LinkPending"


def node_id(trace_id: str, span_id: str) -> str:
    """The import id of a span: unambiguous for any pair of ids."""
    return f"{len(trace_id)}|{trace_id}{span_id}"


class Spill:
    """The stream, pickled to a file: pieces of a trace are found again by their offsets.

    ``pieces`` maps each stored trace id to its pieces' ``(stream position, file offset)``, in
    stream order (ids in the order of their first piece).  ``keep`` (a trace id -> bool) limits
    what is stored to one shard; the link targets (``targets``) are noted for every trace of the
    stream, kept or not.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.pieces: dict[str, list[tuple[int, int]]] = {}
        self.targets: dict[str, set[str]] = {}
        self._file: IO[bytes] = open(path, "w+b")

    def fill(self, traces: Iterable[Trace], keep: Callable[[str], bool] | None = None) -> None:
        """Store every (kept) trace, one pickle each; note the link targets of all."""
        dump, tell, targets = pickle.Pickler(self._file, pickle.HIGHEST_PROTOCOL), self._file.tell, self.targets
        for position, trace in enumerate(traces):
            for span in trace.spans:
                for link in span.links:
                    targets.setdefault(link.trace_id, set()).add(link.span_id)
            trace_id = trace.trace_id
            if keep is not None and not keep(trace_id):
                continue
            self.pieces.setdefault(trace_id, []).append((position, tell()))
            dump.dump(trace)
            dump.clear_memo()
        self._file.flush()

    def load(self, offset: int) -> Trace:
        self._file.seek(offset)
        return pickle.load(self._file)

    def close(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def merge_pieces(pieces: list[Trace]) -> Trace:
    """One trace from its pieces, in arrival order; an identical repeated span is kept once.

    >>> from graphtrace.model import Span
    >>> a = Span(trace_id="t", span_id="a", start_ns=0, end_ns=5)
    >>> b = Span(trace_id="t", span_id="b", parent_span_id="a", start_ns=1, end_ns=2)
    >>> [s.span_id for s in merge_pieces([Trace(trace_id="t", spans=[b]), Trace(trace_id="t", spans=[a, b])]).spans]
    ['b', 'a']
    """
    if len(pieces) == 1:
        return pieces[0]
    spans: dict[str, Any] = {}
    for piece in pieces:
        for span in piece.spans:
            seen = spans.get(span.span_id)
            if seen is not None and seen != span:
                raise InputError(
                    "span arrives again with different content; --bulk does not overlay changed spans "
                    "(plain `graphtrace ingest` does)", record=f"trace {piece.trace_id} span {span.span_id}")
            spans.setdefault(span.span_id, span)
    return Trace(trace_id=pieces[0].trace_id, spans=list(spans.values()))


def remote_call_props(client: dict[str, Any], server: dict[str, Any], inferred: bool = False,
                      known: bool = True) -> dict[str, Any]:
    """``REMOTE_CALL`` properties, as ``queries._REMOTE_CALL_PROPS`` computes them (``known=False``:
    an inferred call whose gap, before, after and ratio are unknown, left absent).

    >>> c = {"service": "a", "start_ns": 0, "end_ns": 10, "duration_ns": 10}
    >>> s = {"service": "b", "name": "op", "start_ns": 2, "end_ns": 6, "duration_ns": 4}
    >>> remote_call_props(c, s)["ratio"], remote_call_props(c, s, True, False)["gap_ns"] is None
    (2.5, True)
    """
    c_dur, s_dur = client["duration_ns"], server["duration_ns"]
    return {
        "caller": client["service"], "callee": server["service"], "operation": server["name"],
        "inferred": inferred,
        "gap_ns": c_dur - s_dur if known else None,
        "before_ns": server["start_ns"] - client["start_ns"] if known else None,
        "after_ns": client["end_ns"] - server["end_ns"] if known else None,
        "ratio": None if s_dur == 0 or not known else float(c_dur) / float(s_dur),
    }


def trace_graph(trace: Trace, exists: set[tuple[str, str]]) -> dict[str, Any]:
    """Nodes and relationships of one whole trace; ``exists`` holds the link targets in the load.

    Returns ``{"trace": props, "spans": [(props, service, pending)], "rels": [(type, start, end, props)]}``
    where ``start``/``end`` are ``(space, id)``; raises ``InputError`` as ``prepare`` does.
    """
    p = prepare(trace)
    ids = [node_id(p.trace_id, row["props"]["span_id"]) for row in p.spans]
    rels: list[tuple[str, tuple[str, str], tuple[str, str], dict[str, Any]]] = []
    for nid, row in zip(ids, p.spans):
        rels.append(("HAS_SPAN", (TRACE, p.trace_id), (SPAN, nid), {}))
        rels.append(("IN_SERVICE", (SPAN, nid), (SERVICE, row["service"]), {}))
    for parent, child, ref_type, remote, inferred, known in p.edges:
        rels.append(("PARENT_OF", (SPAN, ids[parent]), (SPAN, ids[child]), {"ref_type": ref_type}))
        if remote:
            props = remote_call_props(p.spans[parent]["props"], p.spans[child]["props"], inferred, known)
            rels.append(("REMOTE_CALL", (SPAN, ids[parent]), (SPAN, ids[child]), props))
    pending: dict[str, list[str]] = {}
    links: dict[tuple[str, str], dict[str, Any]] = {}
    for ln in p.links:
        source, target = (ln["trace_id"], ln["span_id"]), (ln["target_trace_id"], ln["target_span_id"])
        if target in exists:
            links[(node_id(*source), node_id(*target))] = {
                "ref_type": ln["ref_type"], "attributes_json": ln["attributes_json"]}
        else:
            missing = pending.setdefault(ln["span_id"], [])
            if ln["target_trace_id"] not in missing:
                missing.append(ln["target_trace_id"])
    rels.extend(("LINKS_TO", (SPAN, a), (SPAN, b), props) for (a, b), props in links.items())
    spans = [(row["props"], row["service"], pending.get(row["props"]["span_id"])) for row in p.spans]
    return {"trace": {"trace_id": p.trace_id, **p.props}, "spans": spans, "rels": rels,
            "services": p.services}
