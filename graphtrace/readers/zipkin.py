"""Zipkin v2 JSON: a list of spans, a list of lists (one per trace), or NDJSON of spans/lists.

Zipkin records can only become spans once the whole trace is known, so each
record is a :class:`ZipkinDraft` and the assembler calls
:meth:`ZipkinDraft.build_group` per trace:

* **fragments** (same id, same kind, several records) are merged: tags and
  annotations are unioned (first value wins), name/parent/endpoints/timestamp/
  duration are taken from the first record that has them; a kindless fragment
  joins the (first) kinded record with its id;
* **shared ids**: a CLIENT and a SERVER with one id (``shared: true`` or simply
  two kinds) are split: the SERVER keeps the id, the CLIENT gets
  ``sha256(id + ":client")[:16]`` and the attribute ``zipkin.shared_span_id``,
  and the SERVER's parent becomes the CLIENT.  (PRODUCER/CONSUMER likewise:
  the CONSUMER keeps the id.)  A child naming the shared id whose service is
  the CLIENT's and not the SERVER's is re-parented to the CLIENT half;
* a span without timestamp or duration gets them from its annotations when it
  has any (with one warning per file); otherwise that span alone is skipped
  with a Diagnostic and counted;
* times are µs; tag ``error`` -> status ERROR (its value, unless ``true``, is the
  message), ``otel.status_code``/``otel.status_description`` too; these tags are
  consumed.  The local endpoint gives the service and resource
  (``service.name``, ``net.host.ip``, ``net.host.port``); the remote endpoint the
  attributes ``peer.service``, ``net.peer.ip``, ``net.peer.port``.

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

from graphtrace.model import Diagnostic, RefType, SpanKind, StatusCode
from graphtrace.readers.build import (BadItem, Draft, FieldError, Item, SpanItem, make_event,
                                      make_span, parse_kind, parse_status, to_int)
from graphtrace.readers.context import ReadContext
from graphtrace.readers.ids import IdError, normalize_id, optional_id

NAMES = {"end_ns": "duration", "parent_span_id": "parentId"}
_CONSUMED = frozenset({"error", "otel.status_code", "otel.status_description"})
_KEEPERS = (SpanKind.SERVER, SpanKind.CONSUMER)


def derived_id(span_id: str, kind: SpanKind | str) -> str:
    """The deterministic id of the non-keeping half of a shared span.

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
        merged: dict[tuple[str, SpanKind | None], _Merged] = {}
        try:
            for draft in drafts:
                _add_fragment(merged, draft, ctx)
        except FieldError as exc:
            return [BadItem(trace_id, Diagnostic(file=exc.draft.file, record=exc.draft.record,  # type: ignore[attr-defined]
                                                 field=exc.field, message=exc.message))]
        _attach_kindless(merged)
        _split_shared(merged)
        return [_build(m, trace_id, ctx) for m in merged.values()]


class _Merged:
    __slots__ = ("span_id", "kind", "raw", "tags", "annotations", "first", "new_id", "parent")

    def __init__(self, span_id: str, kind: SpanKind | None, draft: ZipkinDraft) -> None:
        self.span_id, self.kind, self.first = span_id, kind, draft
        self.raw: dict[str, Any] = {}
        self.tags: dict[str, Any] = {}
        self.annotations: list[tuple[int, str]] = []
        self.new_id = span_id
        self.parent: str | None = None

    def absorb(self, raw: dict[str, Any]) -> None:
        """Merge one fragment: first present value wins, tags and annotations are unioned."""
        for key in ("name", "parentId", "timestamp", "duration", "localEndpoint", "remoteEndpoint"):
            if self.raw.get(key) in (None, "") and raw.get(key) not in (None, ""):
                self.raw[key] = raw[key]
        self.raw["shared"] = self.raw.get("shared") or raw.get("shared")
        tags = raw.get("tags") or {}
        if not isinstance(tags, dict):
            raise FieldError("tags", f"expected an object, got {tags!r:.60}")
        for key, value in tags.items():
            self.tags.setdefault(key, value)
        for ann in raw.get("annotations") or ():
            entry = (to_int(ann.get("timestamp"), "annotations.timestamp"), str(ann.get("value", "")))
            if entry not in self.annotations:
                self.annotations.append(entry)


def _add_fragment(merged: dict[tuple[str, SpanKind | None], _Merged], draft: ZipkinDraft,
                  ctx: ReadContext) -> None:
    raw = draft.raw
    try:
        try:
            span_id, warning = normalize_id(raw.get("id"), 16)
        except IdError as exc:
            raise FieldError("id", str(exc)) from None
        if warning:
            ctx.warn(draft.file, draft.record, "id", f"{warning}: {span_id!r}", once=f"{draft.file}:id")
        kind = parse_kind(raw["kind"]) if raw.get("kind") else None
        key = (span_id, kind)
        if key not in merged:
            merged[key] = _Merged(span_id, kind, draft)
        merged[key].absorb(raw)
    except FieldError as exc:
        exc.draft = draft  # type: ignore[attr-defined]
        raise
    except (AttributeError, TypeError) as exc:
        error = FieldError("annotations", f"malformed record: {exc}")
        error.draft = draft  # type: ignore[attr-defined]
        raise error from None


def _attach_kindless(merged: dict[tuple[str, SpanKind | None], _Merged]) -> None:
    for (span_id, kind), fragment in list(merged.items()):
        if kind is not None:
            continue
        target = next((m for (sid, k), m in merged.items() if sid == span_id and k is not None), None)
        if target is not None:
            target.absorb({**fragment.raw, "tags": fragment.tags,
                           "annotations": [{"timestamp": t, "value": v} for t, v in fragment.annotations]})
            del merged[(span_id, kind)]


def _service(raw: dict[str, Any]) -> str:
    endpoint = raw.get("localEndpoint") or {}
    return (endpoint.get("serviceName") if isinstance(endpoint, dict) else None) or "unknown"


def _split_shared(merged: dict[tuple[str, SpanKind | None], _Merged]) -> None:
    by_id: dict[str, list[_Merged]] = {}
    for m in merged.values():
        by_id.setdefault(m.span_id, []).append(m)
    for m in merged.values():
        m.parent = m.raw.get("parentId")
    moved: dict[str, tuple[str, str, str]] = {}  # shared id -> (client id, client svc, server svc)
    for span_id, halves in by_id.items():
        if len(halves) < 2:
            continue
        keeper = next((h for k in _KEEPERS for h in halves if h.kind is k), halves[0])
        others = [h for h in halves if h is not keeper]
        for other in others:
            other.new_id = derived_id(span_id, other.kind or "unspecified")
            other.tags.setdefault("zipkin.shared_span_id", span_id)
        caller = next((o for o in others if o.kind in (SpanKind.CLIENT, SpanKind.PRODUCER)), others[0])
        keeper.parent = caller.new_id
        if caller.raw.get("parentId") in (None, ""):
            caller.parent = keeper.raw.get("parentId")
        moved[span_id] = (caller.new_id, _service(caller.raw), _service(keeper.raw))
    for m in merged.values():
        if m.new_id != m.span_id:
            continue
        try:
            parent = optional_id(m.parent, 16)[0]
        except IdError:
            continue  # reported when the span is built
        target = moved.get(parent) if parent else None
        if target and _service(m.raw) == target[1] != target[2] and m.kind not in _KEEPERS:
            m.parent = target[0]


def _build(m: _Merged, trace_id: str, ctx: ReadContext) -> SpanItem | BadItem:
    raw, draft = m.raw, m.first
    try:
        try:
            parent = optional_id(m.parent, 16)[0]
        except IdError as exc:
            raise FieldError("parentId", str(exc)) from None
        start, end = _times(m, draft, ctx)
        tags = dict(m.tags)
        status, message = StatusCode.UNSET, ""
        if "otel.status_code" in tags:
            status = parse_status(tags["otel.status_code"], "tags.otel.status_code")
            message = str(tags.get("otel.status_description") or "")
        elif "error" in tags:
            status = StatusCode.ERROR
            message = "" if str(tags["error"]).lower() in ("", "true") else str(tags["error"])
        for key in _CONSUMED & tags.keys():
            del tags[key]
        service = _service(raw)
        resource = {"service.name": service, **_endpoint(raw.get("localEndpoint"), "net.host")}
        remote = raw.get("remoteEndpoint") or {}
        if isinstance(remote, dict) and remote.get("serviceName"):
            tags.setdefault("peer.service", remote["serviceName"])
        tags.update({k: v for k, v in _endpoint(remote, "net.peer").items() if k not in tags})
        span = make_span(trace_id, m.new_id, parent, service, str(raw.get("name") or ""),
                         m.kind or SpanKind.UNSPECIFIED, start, end, ref_type=RefType.CHILD_OF,
                         status_code=status, status_message=message, attributes=tags,
                         resource=resource, names=NAMES,
                         events=[make_event(v, t * 1000) for t, v in m.annotations])
        return SpanItem(span, draft.file, draft.record)
    except FieldError as exc:
        return BadItem(trace_id, Diagnostic(file=draft.file, record=draft.record, field=exc.field,
                                            message=exc.message))
    except _Skip as exc:
        return BadItem(None, Diagnostic(file=draft.file, record=draft.record, field=exc.field,
                                        message=str(exc)))


class _Skip(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _times(m: _Merged, draft: ZipkinDraft, ctx: ReadContext) -> tuple[int, int]:
    raw = m.raw
    ts = to_int(raw["timestamp"], "timestamp") if raw.get("timestamp") is not None else None
    dur = to_int(raw["duration"], "duration") if raw.get("duration") is not None else None
    if ts is not None and dur is not None:
        return ts * 1000, (ts + dur) * 1000
    stamps = [t for t, _ in m.annotations]
    if not stamps:
        missing = "timestamp" if ts is None else "duration"
        raise _Skip(missing, f"span has no {missing} and no annotations to infer it from; span skipped")
    start = ts if ts is not None else min(stamps)
    end = start + dur if dur is not None else max(stamps + [start])
    ctx.warn(draft.file, draft.record, "timestamp",
             "timestamp/duration inferred from annotations", once=f"{draft.file}:zipkin-infer")
    return start * 1000, end * 1000


def _endpoint(endpoint: Any, prefix: str) -> dict[str, Any]:
    if not isinstance(endpoint, dict):
        return {}
    out: dict[str, Any] = {}
    ip = endpoint.get("ipv4") or endpoint.get("ipv6")
    if ip:
        out[f"{prefix}.ip"] = ip
    if endpoint.get("port"):
        out[f"{prefix}.port"] = endpoint["port"]
    return out


def read_document(doc: Any, file: str | None, base: str | None, ctx: ReadContext) -> Iterator[Item]:
    """One draft per Zipkin span record in a document or NDJSON record (a span or a list)."""
    prefix = base + ", " if base else ""
    stack = [doc] if isinstance(doc, dict) else list(doc) if isinstance(doc, list) else [doc]
    for raw in stack:
        if isinstance(raw, list):
            yield from read_document(raw, file, base, ctx)
            continue
        if not isinstance(raw, dict):
            yield BadItem(None, Diagnostic(file=file, record=f"{prefix}span", field=None,
                                           message=f"expected a Zipkin span object, got {raw!r:.60}"))
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
