"""Zipkin v2 JSON: a list of spans, a list of lists (one per trace), or NDJSON of spans/lists.

Zipkin records can only become spans once the whole trace is known, so each
record is a :class:`ZipkinDraft` and the assembler calls
:meth:`ZipkinDraft.build_group` per trace:

* records sharing a span id are merged as Zipkin merges them
  (:mod:`.zipkin_merge`): fragments of one half become one span, while a CLIENT
  record and a ``shared`` SERVER record (or records from two different local
  endpoints) stay separate halves;
* **shared ids**: when an id has several halves, the shared (SERVER) half keeps
  the id (else a SERVER or CONSUMER half, else one that is not CLIENT/PRODUCER,
  else the first); each other half gets
  ``sha256(id + ":" + kind)[:16]`` (``:client``; a second half of one kind
  ``:client-2``) and the attribute ``zipkin.shared_span_id``.  The SERVER half's
  parent becomes the CLIENT half (PRODUCER/CONSUMER likewise), and the CLIENT
  half takes the server's parent id when it has none; every half of the id that is
  not CLIENT/PRODUCER (a second SERVER, a kindless record from another endpoint)
  becomes a child of the (first) CLIENT half.  A span naming a shared id as parent goes, as in Zipkin's span
  tree, to the called half with its very local endpoint, else to a half of its
  service, else to the CLIENT half, else to the half keeping the id;
* **times** are µs: a span covers ``[timestamp, timestamp + duration]``.  A missing
  duration is 0, as in Zipkin's UI (zero or negative values are absent, as in Zipkin); annotations are events and never
  stretch a span.  A span without timestamp starts at its earliest annotation (one
  warning per file); one with neither that has children starts (and, without a
  duration, ends) at its earliest timed descendant's start, so its children stay
  attached (one warning per span); one with neither and no timed descendant is
  skipped alone with a Diagnostic and counted;
* tag ``error`` -> status ERROR (its value, unless ``true``, is the message),
  ``otel.status_code``/``otel.status_description`` too; these tags are consumed.
  The local endpoint gives the service and resource (``service.name``,
  ``net.host.ip``, ``net.host.port``); the remote endpoint the attributes
  ``peer.service``, ``net.peer.ip``, ``net.peer.port``;
* a record naming its own id as parent is read as a root, with a warning (as Zipkin does).

>>> from graphtrace.readers.context import ReadContext
>>> recs = [{"traceId": "a", "id": "1", "kind": "CLIENT", "name": "get", "timestamp": 1, "duration": 9,
...          "localEndpoint": {"serviceName": "web"}},
...         {"traceId": "a", "id": "1", "kind": "SERVER", "name": "get", "timestamp": 2, "duration": 6,
...          "shared": True, "localEndpoint": {"serviceName": "api"}}]
>>> ctx = ReadContext()
>>> drafts = list(read_document(recs, "z.json", None, ctx))
>>> client, server = [i.span for i in ZipkinDraft.build_group(drafts, ctx)]
>>> client.span_id == derived_id("0000000000000001", "CLIENT"), server.parent_span_id == client.span_id
(True, True)
"""

from __future__ import annotations

import hashlib
from typing import Any, Iterator

from graphtrace.errors import short_repr
from graphtrace.model import Diagnostic, RefType, SpanKind, StatusCode
from graphtrace.readers.build import (BadItem, Draft, FieldError, Item, SpanItem, make_event,
                                      make_span, parse_status)
from graphtrace.readers.context import ReadContext
from graphtrace.readers.ids import IdError, normalize_id
from graphtrace.readers.zipkin_merge import Record, merge_records

NAMES = {"start_ns": "timestamp", "end_ns": "duration", "parent_span_id": "parentId"}
_CONSUMED = frozenset({"error", "otel.status_code", "otel.status_description"})
_KEEPERS = (SpanKind.SERVER, SpanKind.CONSUMER)
_CALLERS = (SpanKind.CLIENT, SpanKind.PRODUCER)


def derived_id(span_id: str, kind: SpanKind | str) -> str:
    """The deterministic id of a non-keeping half of a shared span.

    >>> derived_id("0000000000000001", "CLIENT") == hashlib.sha256(b"0000000000000001:client").hexdigest()[:16]
    True
    """
    label = kind.value if isinstance(kind, SpanKind) else str(kind)
    return hashlib.sha256(f"{span_id}:{label.lower()}".encode()).hexdigest()[:16]


class ZipkinDraft(Draft):
    """One raw Zipkin span record with its checked trace id."""

    __slots__ = ("trace_id", "raw", "file", "record")

    def __init__(self, trace_id: str, raw: dict[str, Any], file: str | None, record: str) -> None:
        self.trace_id, self.raw, self.file, self.record = trace_id, raw, file, record

    @staticmethod
    def build_group(drafts: list["ZipkinDraft"], ctx: ReadContext) -> list[SpanItem | BadItem]:
        """All spans of one trace from its records (fragments merged, shared ids split)."""
        trace_id = drafts[0].trace_id
        records = []
        for draft in drafts:
            try:
                records.append(_record(draft, ctx))
            except FieldError as exc:
                return [BadItem(trace_id, Diagnostic(file=draft.file, record=draft.record,
                                                     field=exc.field, message=exc.message))]
        halves = _split_shared(merge_records(records))
        times = _times(halves, ctx)
        return [_build(h, times.get(h.new_id), trace_id) for h in halves]


def _record(draft: ZipkinDraft, ctx: ReadContext) -> Record:
    raw = draft.raw
    try:
        span_id, warning = normalize_id(raw.get("id"), 16)
    except IdError as exc:
        raise FieldError("id", str(exc)) from None
    if warning:
        ctx.warn(draft.file, draft.record, "id", f"{warning}: {span_id!r}", once=f"{draft.file}:id")
    record = Record(raw, span_id, draft)
    if record.parent == span_id:  # Zipkin "undoes the circular dependency" the same way
        ctx.warn(draft.file, draft.record, "parentId", "span names itself as parent; read as a root")
        record.parent = None
    return record


class _Half:
    """A merged Zipkin span half with its final id and parent."""

    __slots__ = ("rec", "new_id", "parent")

    def __init__(self, rec: Record) -> None:
        self.rec, self.new_id, self.parent = rec, rec.span_id, rec.parent


def _split_shared(records: list[Record]) -> list[_Half]:
    halves = [_Half(r) for r in records]
    by_id: dict[str, list[_Half]] = {}
    for half in halves:
        by_id.setdefault(half.rec.span_id, []).append(half)
    wired: set[int] = set()  # halves whose parent the pairing set
    split: dict[str, tuple[list[_Half], _Half]] = {}
    for span_id, group in by_id.items():
        if len(group) > 1:
            keeper = _rename(span_id, group)
            split[span_id] = (group, keeper)
            wired.update(_wire(group))
    for half in halves:
        if id(half) not in wired and half.parent in split:
            half.parent = _adopter(*split[half.parent], half.rec).new_id
    return halves


def _rename(span_id: str, group: list[_Half]) -> _Half:
    """Pick the half keeping the id; give the others derived ids. Returns the keeper."""
    keeper = next((h for h in group if h.rec.shared), None) \
        or next((h for h in group if h.rec.kind in _KEEPERS), None) \
        or next((h for h in group if _callee(h)), group[0])
    used: set[str] = set()
    for half in group:
        if half is keeper:
            continue
        label = (half.rec.kind or SpanKind.UNSPECIFIED).value.lower()
        candidate, n = label, 1
        while candidate in used:
            n += 1
            candidate = f"{label}-{n}"
        used.add(candidate)
        half.new_id = derived_id(span_id, candidate)
        half.rec.tags.setdefault("zipkin.shared_span_id", span_id)
    return keeper


def _callee(half: _Half) -> bool:
    """Not a CLIENT/PRODUCER half: with a caller of the same id, this is the called side."""
    return half.rec.kind not in _CALLERS


def _wire(group: list[_Half]) -> list[int]:
    """Make the callee halves children of the caller half; the ids of the halves wired."""
    caller = next((h for h in group if h.rec.kind in _CALLERS), None)
    if caller is None:
        return []
    callees = [h for h in group if _callee(h) and h is not caller]
    if caller.parent is None:
        caller.parent = next((h.rec.parent for h in callees if h.rec.parent), None)
    for half in callees:
        half.parent = caller.new_id
    return [id(h) for h in callees]


def _adopter(group: list[_Half], keeper: _Half, child: Record) -> _Half:
    """The half of a shared id that a span naming that id as parent belongs under: as in
    Zipkin's span tree, a called half with the child's very local endpoint, then (more
    leniently) any half with the child's service, else the CLIENT half, else the keeper."""
    ordered = [h for h in group if _callee(h)] + [h for h in group if not _callee(h)]
    if child.local is not None:
        for same in (lambda h: h.rec.local == child.local and _callee(h),
                     lambda h: h.rec.service == child.service):
            match = next((h for h in ordered if same(h)), None)
            if match is not None:
                return match
    return next((h for h in group if h.rec.kind in _CALLERS), keeper)


def _times(halves: list[_Half], ctx: ReadContext) -> dict[str, tuple[int, int]]:
    """``new_id -> (start_ns, end_ns)`` for every half that has or can be given a time."""
    timed: dict[str, tuple[int, int]] = {}
    for half in halves:
        rec, start = half.rec, half.rec.timestamp
        if start is None and rec.annotations:
            start = rec.annotations[0][0]
            ctx.warn(rec.source.file, rec.source.record, "timestamp",
                     "span without timestamp starts at its earliest annotation",
                     once=f"{rec.source.file}:zipkin-annotation-start")
        if start is not None:
            timed[half.new_id] = (start * 1000, (start + (rec.duration or 0)) * 1000)
    children: dict[str, list[str]] = {}
    for half in halves:
        if half.parent is not None:
            children.setdefault(half.parent, []).append(half.new_id)
    times = dict(timed)
    for half in halves:
        if half.new_id in timed:
            continue
        start = _earliest_descendant(half.new_id, children, timed)
        if start is not None:
            times[half.new_id] = (start, start + (half.rec.duration or 0) * 1000)
            ctx.warn(half.rec.source.file, half.rec.source.record, "timestamp",
                     "span has no timestamp and no annotations; placed at its earliest child's "
                     "start so its children stay attached")
    return times


def _earliest_descendant(span_id: str, children: dict[str, list[str]],
                         timed: dict[str, tuple[int, int]]) -> int | None:
    """The earliest start among the timed descendants of ``span_id`` (iterative, cycle-safe)."""
    best: int | None = None
    seen = {span_id}
    stack = list(children.get(span_id, ()))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node in timed:
            start = timed[node][0]
            best = start if best is None or start < best else best
        stack.extend(children.get(node, ()))
    return best


def _build(half: _Half, time: tuple[int, int] | None, trace_id: str) -> SpanItem | BadItem:
    rec, draft = half.rec, half.rec.source
    if time is None:
        return BadItem(None, Diagnostic(
            file=draft.file, record=draft.record, field="timestamp",
            message="span has no timestamp, no annotations and no timed child; span skipped"))
    try:
        tags = dict(rec.tags)
        status, message = StatusCode.UNSET, ""
        if "otel.status_code" in tags:
            status = parse_status(tags["otel.status_code"], "tags.otel.status_code")
            message = str(tags.get("otel.status_description") or "")
        elif "error" in tags:
            status = StatusCode.ERROR
            message = "" if str(tags["error"]).lower() in ("", "true") else str(tags["error"])
        for key in _CONSUMED & tags.keys():
            del tags[key]
        service = rec.service or "unknown"
        resource = {"service.name": service, **_endpoint(rec.local, "net.host")}
        remote = rec.remote or {}
        if remote.get("serviceName"):
            tags.setdefault("peer.service", remote["serviceName"])
        tags.update({k: v for k, v in _endpoint(remote, "net.peer").items() if k not in tags})
        span = make_span(trace_id, half.new_id, half.parent, service, str(rec.name or ""),
                         rec.kind or SpanKind.UNSPECIFIED, time[0], time[1],
                         ref_type=RefType.CHILD_OF, status_code=status, status_message=message,
                         attributes=tags, resource=resource, names=NAMES,
                         events=[make_event(v, t * 1000) for t, v in rec.annotations])
        return SpanItem(span, draft.file, draft.record)
    except FieldError as exc:
        return BadItem(trace_id, Diagnostic(file=draft.file, record=draft.record, field=exc.field,
                                            message=exc.message))


def _endpoint(endpoint: dict[str, Any] | None, prefix: str) -> dict[str, Any]:
    if not endpoint:
        return {}
    out: dict[str, Any] = {}
    ip = endpoint.get("ipv4") or endpoint.get("ipv6")
    if ip:
        out[f"{prefix}.ip"] = ip
    if endpoint.get("port"):
        out[f"{prefix}.port"] = endpoint["port"]
    return out


def read_document(doc: Any, file: str | None, base: str | None, ctx: ReadContext,
                  _depth: int = 0) -> Iterator[Item]:
    """One draft per Zipkin span record in a document or NDJSON record (a span, a list of spans, or
    the API's list of traces, each a list of spans)."""
    prefix = base + ", " if base else ""
    stack = [doc] if isinstance(doc, dict) else list(doc) if isinstance(doc, list) else [doc]
    for raw in stack:
        if isinstance(raw, list) and _depth < 2:
            yield from read_document(raw, file, base, ctx, _depth + 1)
            continue
        if not isinstance(raw, dict):
            yield BadItem(None, Diagnostic(file=file, record=f"{prefix}span", field=None,
                                           message=f"expected a Zipkin span object, got {short_repr(raw)}"))
            continue
        record = f"{prefix}span {raw.get('id')}"
        try:
            trace_id, warning = normalize_id(raw.get("traceId"), 32)
        except IdError as exc:
            yield BadItem(None, Diagnostic(file=file, record=record, field="traceId", message=str(exc)))
            continue
        if warning:
            ctx.warn(file, record, "traceId", f"{warning}: {trace_id!r}", once=f"{file}:traceId")
        yield ZipkinDraft(trace_id, raw, file, record)
