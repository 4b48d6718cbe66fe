"""The trace model every reader produces and every consumer reads.

All times are integer nanoseconds since the Unix epoch; a span covers
``[start_ns, end_ns]``.  Ids are lowercase hex when they are hex; any other
id (``span-A``) is kept as written.  This module imports nothing from
graphtrace.

>>> s = Span(trace_id="ab", span_id="01", service="cart", name="GetCart",
...          kind="client", start_ns=10, end_ns=25)
>>> s.kind, s.duration_ns, s.status_code
(<SpanKind.CLIENT: 'CLIENT'>, 15, <StatusCode.UNSET: 'UNSET'>)
>>> Trace(trace_id="ab", spans=[s]).span_count
1
"""

from __future__ import annotations

import re
import zlib
from enum import Enum
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

_KIND_NUMBERS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
_STATUS_NUMBERS = {0: "UNSET", 1: "OK", 2: "ERROR"}


def _spelling(value: Any, numbers: dict[int, str], prefix: str) -> Any:
    """Map ``3``, ``"3"``, ``"SPAN_KIND_CLIENT"``, ``"Client"`` to ``"CLIENT"``."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and int(value) == value:
        return numbers.get(int(value), value)
    if isinstance(value, str):
        text = value.strip().upper()
        if text.isdigit():
            return numbers.get(int(text), value)
        if text.startswith(prefix):
            text = text[len(prefix):]
        return text
    return value


class SpanKind(str, Enum):
    """OpenTelemetry span kind; parse any spelling with :meth:`parse`.

    >>> SpanKind.parse("SPAN_KIND_SERVER"), SpanKind.parse(3), SpanKind.parse("consumer")
    (<SpanKind.SERVER: 'SERVER'>, <SpanKind.CLIENT: 'CLIENT'>, <SpanKind.CONSUMER: 'CONSUMER'>)
    """

    UNSPECIFIED = "UNSPECIFIED"
    INTERNAL = "INTERNAL"
    SERVER = "SERVER"
    CLIENT = "CLIENT"
    PRODUCER = "PRODUCER"
    CONSUMER = "CONSUMER"

    @classmethod
    def parse(cls, value: Any) -> "SpanKind":
        if value is None or value == "":
            return cls.UNSPECIFIED
        return cls(_spelling(value, _KIND_NUMBERS, "SPAN_KIND_"))


class StatusCode(str, Enum):
    """Span status; parse any spelling with :meth:`parse`.

    >>> StatusCode.parse(2), StatusCode.parse("STATUS_CODE_OK"), StatusCode.parse(None)
    (<StatusCode.ERROR: 'ERROR'>, <StatusCode.OK: 'OK'>, <StatusCode.UNSET: 'UNSET'>)
    """

    UNSET = "UNSET"
    OK = "OK"
    ERROR = "ERROR"

    @classmethod
    def parse(cls, value: Any) -> "StatusCode":
        if value is None or value == "":
            return cls.UNSET
        return cls(_spelling(value, _STATUS_NUMBERS, "STATUS_CODE_"))


class RefType(str, Enum):
    """How a span relates to its parent (Jaeger's reference types; OTLP parents are CHILD_OF)."""

    CHILD_OF = "CHILD_OF"
    FOLLOWS_FROM = "FOLLOWS_FROM"


class _Frozenish(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class Event(_Frozenish):
    """A timestamped span event (OTLP event, Jaeger log, Zipkin annotation)."""

    name: str
    time_ns: int
    attributes: dict[str, Any] = Field(default_factory=dict)


class Link(_Frozenish):
    """An OTLP link (or a Jaeger reference that is not the parent): an extra edge, never a parent."""

    trace_id: str
    span_id: str
    ref_type: RefType | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class Span(_Frozenish):
    """One span.  ``kind`` and ``status_code`` accept every spelling seen in real exports."""

    trace_id: str = Field(min_length=1)
    span_id: str = Field(min_length=1)
    parent_span_id: str | None = None
    ref_type: RefType | None = None
    service: str = "unknown"
    name: str = ""
    kind: SpanKind = SpanKind.UNSPECIFIED
    start_ns: int
    end_ns: int
    status_code: StatusCode = StatusCode.UNSET
    status_message: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    resource: dict[str, Any] = Field(default_factory=dict)
    events: list[Event] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return SpanKind.parse(value)

    @field_validator("status_code", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return StatusCode.parse(value)

    @field_validator("parent_span_id", mode="before")
    @classmethod
    def _empty_parent(cls, value: Any) -> Any:
        return value or None

    @model_validator(mode="after")
    def _times(self) -> "Span":
        if self.end_ns < self.start_ns:
            raise ValueError(
                f"negative duration: end_ns {self.end_ns} is before start_ns {self.start_ns}"
            )
        if self.parent_span_id == self.span_id:
            raise ValueError(f"span {self.span_id} is its own parent")
        return self

    @property
    def duration_ns(self) -> int:
        return self.end_ns - self.start_ns

    @property
    def is_error(self) -> bool:
        return self.status_code is StatusCode.ERROR

    @property
    def host(self) -> str | None:
        """``host.name`` (or ``k8s.pod.name``) from the resource, when the exporter sent one."""
        for key in ("host.name", "k8s.pod.name", "host.id"):
            if key in self.resource:
                return str(self.resource[key])
        return None


_LITERALS = re.compile(
    r"'(?:[^'\\]|\\.)*'"                      # 'quoted string'
    r'|"(?:[^"\\]|\\.)*"'                     # "quoted string"
    r"|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"  # uuid
    r"|\b(?=[0-9a-fA-F]*[0-9])[0-9a-fA-F]{8,}\b"  # long hex ids
    r"|\b\d+(?:\.\d+)?\b"                       # numbers
)
PEER_KEYS = ("peer.service", "server.address", "net.peer.name", "db.system", "rpc.service")
"""Span attributes that name the service a call goes to (``analysis.anomalies.common.target_service``)."""
STATEMENT_KEYS = ("db.statement", "db.query.text", "http.route", "url.path", "http.target", "rpc.method")


def normalize_operation(text: str) -> str:
    """Replace ids and literals with ``?`` so repeated calls compare equal.

    >>> normalize_operation("SELECT * FROM users WHERE id = 42 AND name = 'bob'")
    'SELECT * FROM users WHERE id = ? AND name = ?'
    >>> normalize_operation("GET /api/products/0PUK6V6EV0")
    'GET /api/products/0PUK6V6EV0'
    >>> normalize_operation("GET /orders/123/items/9f86d081884c7d65")
    'GET /orders/?/items/?'
    """
    return _LITERALS.sub("?", text)


# Distinct span names and statements are few next to spans: each is normalised once.
_normalized = lru_cache(maxsize=1 << 16)(normalize_operation)


def operation_key(span: "Span") -> str:
    """The span's operation for N+1 detection: its name, plus its normalised statement or route
    (the first of ``STATEMENT_KEYS`` that holds a non-empty string).

    >>> operation_key(Span(trace_id="t", span_id="s", name="HGET", start_ns=0, end_ns=1,
    ...                    attributes={"db.statement": "HGET cart:17"}))
    'HGET | HGET cart:?'
    """
    attributes = span.attributes
    if attributes:
        for key in STATEMENT_KEYS:
            value = attributes.get(key)
            if isinstance(value, str) and value:
                return f"{_normalized(span.name)} | {_normalized(value)}"
    return _normalized(span.name)


# dns.lookup / dns.resolve, tcp.connect, tls.connect, http.connect, db.connect, net.connect,
# any other "<something>.connect", a bare "connect", tls/ssl handshakes.  Matched against the
# lower-cased, stripped span name.  The cold_connection anomaly's default, and what ingest stores
# as Span.conn_setup.
CONNECTION_SETUP_PATTERN = (
    r"^(?:dns\.(?:lookup|resolve)|(?:tls|ssl)\.handshake|connect|[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.connect)$"
)


@lru_cache(maxsize=1 << 14)
def is_connection_setup(name: str, pattern: str = CONNECTION_SETUP_PATTERN) -> bool:
    """Whether a span name is a connection set-up step: ``pattern`` fully matches the lower-cased,
    stripped name (distinct (name, pattern) pairs are few next to spans: each is matched once).

    >>> [is_connection_setup(n) for n in (" DNS.lookup", "tcp.connect", "connect", "HGET", "connected")]
    [True, True, True, False, False]
    """
    return re.fullmatch(pattern, name.strip().lower()) is not None


def shard_of(trace_id: str, shards: int) -> int:
    """The shard (0 .. shards - 1) of a trace id: a stable hash (CRC-32 of its UTF-8), the same in
    every process (``analyze --jobs``, ``ingest --bulk --jobs``).

    >>> shard_of("123456789", 1), shard_of("123456789", 3), shard_of("123456789", 4)  # CRC-32 0xCBF43926
    (0, 2, 2)
    """
    return zlib.crc32(trace_id.encode("utf-8", "surrogatepass")) % shards


# Kinds that say nothing about a remote side: a span the exporter left UNSPECIFIED, or INTERNAL,
# which the OpenTelemetry SDKs assign when instrumentation sets no kind.
KINDLESS = frozenset({"UNSPECIFIED", "INTERNAL"})


def call_type(parent_kind: str, parent_service: str, child_kind: str, child_service: str) -> str | None:
    """How a parent->child pair of spans counts as a remote call (kinds as ``SpanKind`` values).

    ``"pair"``: a CLIENT parent with a SERVER child.  ``"inferred"``: both kinds in
    :data:`KINDLESS` and the services differ (Jaeger's dependency computation links such
    pairs too; docs/schema.md).  ``None``: not a call; a pair with any other kind (a lone CLIENT
    or SERVER half, PRODUCER/CONSUMER messaging) is never inferred, so no call is counted twice.

    >>> call_type("CLIENT", "a", "SERVER", "b"), call_type("INTERNAL", "a", "UNSPECIFIED", "b")
    ('pair', 'inferred')
    >>> call_type("UNSPECIFIED", "a", "UNSPECIFIED", "a"), call_type("UNSPECIFIED", "a", "SERVER", "b")
    (None, None)
    """
    if parent_kind == "CLIENT":
        return "pair" if child_kind == "SERVER" else None
    if parent_kind in KINDLESS and child_kind in KINDLESS and parent_service != child_service:
        return "inferred"
    return None


class Trace(_Frozenish):
    """All spans of one trace id, unique by span id, in the order they were read."""

    trace_id: str
    spans: list[Span]

    @property
    def span_count(self) -> int:
        return len(self.spans)


class Diagnostic(_Frozenish):
    """A warning, or a record that was skipped, with where it came from and why.

    >>> Diagnostic(file="a.json", record="line 4", field="spanId", message="missing").text
    'a.json: line 4: spanId: missing'
    """

    file: str | None = None
    record: str | None = None
    field: str | None = None
    message: str

    @property
    def text(self) -> str:
        return ": ".join([p for p in (self.file, self.record, self.field) if p] + [self.message])
