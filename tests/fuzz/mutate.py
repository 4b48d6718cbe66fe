"""A seeded mutator for trace files: every input is a pure function of one integer.

``make_case(n)`` picks a seed file (the examples in every format, the reader
fixtures, protobuf and NDJSON variants of them) and one mutation, both from
``random.Random(n)``, so a failing input is reproduced by its number alone
(``scripts/fuzz.py --case n``).

Mutations (the issue's list): byte flips, truncation at any offset and at
every nesting depth, keys deleted and duplicated, a field given each wrong
JSON type, nesting 10..10^5 deep, numbers of 2^63 and beyond / negative /
NaN / infinite, invalid dates, non-UTF-8 bytes, a BOM, several formats in one
file, gzip truncated early or late or with a bad CRC or a flipped deflate
byte, CSV rows with extra or missing cells, protobuf messages with valid but
extreme fields, and directories holding non-trace files (README.md, .py).

>>> a, b = make_case(7), make_case(7)
>>> (a.mutation, a.files) == (b.mutation, b.files)
True
"""

from __future__ import annotations

import base64
import gzip
import random
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import orjson

ROOT = Path(__file__).resolve().parents[2]
SEED_FILES = [
    *sorted((ROOT / "examples").glob("*.json")),
    *sorted((ROOT / "tests" / "fixtures" / "readers").iterdir()),
]
HUGE = 200_000  # a value this long must never be echoed whole


@dataclass
class Case:
    """One fuzz input: ``files`` (relative name -> bytes; several files = a directory) and CLI options."""

    number: int
    seed: str
    mutation: str
    files: dict[str, bytes]
    options: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- seeds

@lru_cache(maxsize=None)
def seeds() -> dict[str, bytes]:
    """Seed name -> bytes: the files as they are, one-line NDJSON and protobuf variants of JSON seeds."""
    out: dict[str, bytes] = {}
    for path in SEED_FILES:
        if path.is_file():
            out[path.name] = path.read_bytes()
    for name, data in list(out.items()):
        if name.endswith(".json"):
            value = orjson.loads(data)
            out[name[:-5] + ".oneline.ndjson"] = orjson.dumps(value) + b"\n"
    for name in ("otel-demo-add-to-cart.json", "otlp_variants.json"):
        proto = _to_proto(orjson.loads(out[name]))
        if proto is not None:
            out[name[:-5] + ".pb"] = proto
    return out


def _to_proto(doc: Any) -> bytes | None:
    """An OTLP JSON document as protobuf bytes via protobuf's own json_format (None if it won't parse)."""
    from google.protobuf import json_format
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    try:
        return json_format.ParseDict(_hex_to_b64(doc), ExportTraceServiceRequest(),
                                     ignore_unknown_fields=True).SerializeToString()
    except Exception:  # noqa: BLE001 - a seed that protobuf cannot take is simply not used
        return None


def _hex_to_b64(value: Any) -> Any:
    """OTLP JSON ids are hex; protobuf's JSON mapping wants base64 for bytes fields."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("traceId", "spanId", "parentSpanId") and isinstance(v, str):
                try:
                    v = base64.b64encode(bytes.fromhex(v)).decode()
                except ValueError:
                    pass
            out[k] = _hex_to_b64(v)
        return out
    if isinstance(value, list):
        return [_hex_to_b64(v) for v in value]
    return value


# ---------------------------------------------------------------- JSON tree helpers

def _paths(value: Any, limit: int = 64) -> list[tuple]:
    """Every path (tuple of keys/indexes) into a JSON value, the root excluded, at most ``limit`` deep."""
    out: list[tuple] = []
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        prefix, node = stack.pop()
        if len(prefix) >= limit:
            continue
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for k, v in children:
            out.append(prefix + (k,))
            stack.append((prefix + (k,), v))
    return out


def _parent(value: Any, path: tuple) -> Any:
    for key in path[:-1]:
        value = value[key]
    return value


def _set(doc: Any, path: tuple, new: Any) -> None:
    """Set the value at ``path``; a path that an earlier edit made stale is left alone."""
    try:
        _parent(doc, path)[path[-1]] = new
    except (TypeError, KeyError, IndexError):
        pass


def _deep(depth: int, rng: random.Random) -> Any:
    """A JSON value nested ``depth`` deep (lists or objects), built without recursion."""
    inner: Any = rng.choice([0, "x", None, {}, []])
    use_dict = rng.random() < 0.5
    for _ in range(depth):
        inner = {"a": inner} if use_dict else [inner]
    return inner


WRONG_VALUES: list[Callable[[random.Random], Any]] = [
    lambda r: None, lambda r: True, lambda r: False, lambda r: 0, lambda r: -1, lambda r: 1.5,
    lambda r: "", lambda r: "x", lambda r: [], lambda r: {}, lambda r: [1, 2], lambda r: {"a": 1},
    lambda r: [{"key": "k"}], lambda r: [[]], lambda r: "0x1F", lambda r: "é\u0000\ud7ff",
    lambda r: 2 ** 63, lambda r: 2 ** 64, lambda r: 2 ** 64 + 1, lambda r: -(2 ** 63), lambda r: -(2 ** 63) - 1,
    lambda r: 10 ** 30, lambda r: -(10 ** 30), lambda r: str(2 ** 64), lambda r: str(-(2 ** 63)),
    lambda r: "1e400", lambda r: "-1e400", lambda r: "NaN", lambda r: "Infinity", lambda r: "-Infinity",
    lambda r: 1e308, lambda r: -1e308, lambda r: 1.7976931348623157e308, lambda r: 5e-324,
    lambda r: "2024-13-45T25:61:00Z", lambda r: "0000-00-00 00:00:00", lambda r: "2024-02-30",
    lambda r: "9999999-01-01T00:00:00Z", lambda r: "yesterday", lambda r: "1970-01-01T00:00:00+99:00",
    lambda r: "a" * HUGE, lambda r: ["a" * HUGE], lambda r: {"a" * HUGE: 1},
    lambda r: _deep(r.choice([10, 100, 200]), r),  # deeper: m_deep_nesting splices text
]


def _raw_json(value: Any, rng: random.Random, dup_at: int | None = None) -> bytes:
    """Serialise ``value``; with ``dup_at``, the ``dup_at``-th object written repeats one of its keys."""
    counter = [0]

    def emit(v: Any) -> str:
        if isinstance(v, dict):
            items = [f"{orjson.dumps(str(k)).decode()}:{emit(x)}" for k, x in v.items()]
            if dup_at is not None and counter[0] == dup_at and items:
                items.append(rng.choice(items))
            counter[0] += 1
            return "{" + ",".join(items) + "}"
        if isinstance(v, list):
            return "[" + ",".join(emit(x) for x in v) + "]"
        if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[repr(v)]
        if isinstance(v, int) and not isinstance(v, bool):
            return str(v)  # orjson refuses ints beyond 64 bits
        return orjson.dumps(v).decode()

    return emit(value).encode()


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return _raw_json(value, random.Random(0))


# ---------------------------------------------------------------- mutations

def _is_json(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _NOT_JSON


_NOT_JSON = object()


def _json_lines(data: bytes) -> list[Any] | None:
    lines = [ln for ln in data.splitlines() if ln.strip()]
    try:
        return [orjson.loads(ln) for ln in lines]
    except orjson.JSONDecodeError:
        return None


def _tree_mutation(data: bytes, rng: random.Random, edit: Callable[[Any, random.Random], Any]) -> bytes:
    """Apply ``edit`` to the parsed document (or one NDJSON line), re-serialised as the input was."""
    whole = _is_json(data)
    if whole is not _NOT_JSON and not (b"\n" in data.strip() and data.lstrip()[:1] == b"{"
                                       and _json_lines(data) and len(_json_lines(data) or []) > 1):
        return _dumps(edit(whole, rng))
    lines = _json_lines(data)
    if not lines:
        return m_byte_flip(data, rng)
    i = rng.randrange(len(lines))
    lines[i] = edit(lines[i], rng)
    return b"\n".join(_dumps(v) for v in lines) + b"\n"


def _wrong_type(doc: Any, rng: random.Random) -> Any:
    paths = _paths(doc)
    if not paths:
        return rng.choice(WRONG_VALUES)(rng)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        _set(doc, rng.choice(paths), rng.choice(WRONG_VALUES)(rng))
        paths = _paths(doc) or paths
    return doc


def _delete_key(doc: Any, rng: random.Random) -> Any:
    paths = [p for p in _paths(doc) if isinstance(_parent(doc, p), dict)]
    for p in rng.sample(paths, min(len(paths), rng.choice([1, 1, 2, 5]))):
        try:
            del _parent(doc, p)[p[-1]]
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    return doc


def _extreme_number(doc: Any, rng: random.Random) -> Any:
    paths = [p for p in _paths(doc) if isinstance(p[-1], str)
             and any(w in p[-1].lower() for w in ("time", "duration", "timestamp", "nano", "start", "end", "kind",
                                                  "code", "int"))]
    paths = paths or _paths(doc)
    values = [2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, 2 ** 65, 10 ** 40, -1, -(2 ** 63), -(2 ** 63) - 1, 0,
              str(2 ** 64), str(-(2 ** 63)), str(10 ** 40), "-1", float("nan"), float("inf"),
              float("-inf"), 1e19, -1e19, 1e308, "1e19", "NaN", "inf"]
    for p in rng.sample(paths, min(len(paths), rng.choice([1, 2, 3]))):
        _set(doc, p, rng.choice(values))
    return doc


def m_wrong_type(data: bytes, rng: random.Random) -> bytes:
    return _tree_mutation(data, rng, _wrong_type)


def m_delete_key(data: bytes, rng: random.Random) -> bytes:
    return _tree_mutation(data, rng, _delete_key)


def m_extreme_number(data: bytes, rng: random.Random) -> bytes:
    whole = _is_json(data)
    target = whole if whole is not _NOT_JSON else None
    if target is None:
        lines = _json_lines(data)
        if not lines:
            return m_csv(data, rng)
        i = rng.randrange(len(lines))
        lines[i] = _extreme_number(lines[i], rng)
        return b"\n".join(_raw_json(v, rng) for v in lines) + b"\n"
    return _raw_json(_extreme_number(target, rng), rng)


def m_duplicate_key(data: bytes, rng: random.Random) -> bytes:
    whole = _is_json(data)
    if whole is _NOT_JSON:
        return m_byte_flip(data, rng)
    objects = sum(1 for p in _paths(whole) if isinstance(_parent(whole, p), dict) and p[-1] == next(
        iter(_parent(whole, p)))) + 1
    return _raw_json(whole, rng, dup_at=rng.randrange(objects))


def m_deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([10, 100, 200, 500, 1000, 1100, 5000, 20_000, 100_000])
    whole = _is_json(data)
    if whole is _NOT_JSON or not _paths(whole) or rng.random() < 0.2:
        opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
        return opener * depth + b"1" + closer * depth
    # text splice (no Python recursion): replace one value's text by the deep value
    deep = _deep(depth, rng) if depth <= 200 else None
    text = _dumps(whole)
    if deep is not None:
        path = rng.choice(_paths(whole))
        _set(whole, path, deep)
        return _dumps(whole)
    key = rng.choice([b'"spans":', b'"attributes":', b'"value":', b'"tags":', b'"resourceSpans":',
                      b'"startTimeUnixNano":', b'"data":', b'"annotations":', b'"events":'])
    at = text.find(key)
    if at < 0:
        at = text.find(b":") if b":" in text else 0
        key = b":"
    start = at + len(key)
    return text[:start] + b"[" * depth + b"0" + b"]" * depth + b"," + b'"zz":' + text[start:]


def m_byte_flip(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data or b"{")
    for _ in range(rng.choice([1, 1, 2, 4, 16])):
        i = rng.randrange(len(buf))
        buf[i] = rng.choice([buf[i] ^ (1 << rng.randrange(8)), rng.randrange(256), ord("{"), ord('"'),
                             ord(","), ord("\n"), 0xFF, 0x80])
    return bytes(buf)


def m_truncate(data: bytes, rng: random.Random) -> bytes:
    if rng.random() < 0.5 or not data:
        return data[: rng.randrange(len(data) + 1)]
    # truncate right after an opening bracket at a chosen depth: "every depth"
    depth, marks = 0, {}
    for i, ch in enumerate(data):
        if ch in b"[{":
            depth += 1
            marks.setdefault(depth, []).append(i + 1)
        elif ch in b"]}":
            depth -= 1
    if not marks:
        return data[: len(data) // 2]
    d = rng.choice(sorted(marks))
    return data[: rng.choice(marks[d])]


def m_non_utf8(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    quotes = [i for i, c in enumerate(buf) if c == ord('"')] or [0]
    for _ in range(rng.choice([1, 3])):
        i = rng.choice(quotes) + 1
        buf[i:i] = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xfe\xff", b"\x80\x80", b"\xe2\x82"])
    return bytes(buf)


def m_bom(data: bytes, rng: random.Random) -> bytes:
    bom = rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf\xef\xbb\xbf"])
    if rng.random() < 0.3:
        return bom + data.replace(b"\n", b"\n" + bom, 2)
    return bom + data


def m_mixed(data: bytes, rng: random.Random) -> bytes:
    others = list(seeds().values())
    parts = [data] + rng.sample(others, rng.choice([1, 2]))
    if rng.random() < 0.7:  # as NDJSON: one line each
        lines = []
        for part in parts:
            value = _is_json(part)
            lines.append(_dumps(value) if value is not _NOT_JSON else part.splitlines()[0] if part else b"")
        rng.shuffle(lines)
        return b"\n".join(lines) + b"\n"
    return b"\n".join(parts)


def m_gzip(data: bytes, rng: random.Random) -> bytes:
    packed = gzip.compress(data, mtime=0)
    how = rng.choice(["early", "late", "crc", "size", "flip", "header", "concat", "clean"])
    if how == "early":
        return packed[: rng.randrange(2, min(len(packed), 30))]
    if how == "late":
        return packed[: len(packed) - rng.randrange(1, min(len(packed) - 2, 40))]
    if how == "crc":
        return packed[:-8] + bytes([packed[-8] ^ 0xFF]) + packed[-7:]
    if how == "size":
        return packed[:-4] + bytes([packed[-4] ^ 0x01]) + packed[-3:]
    if how == "flip":
        i = rng.randrange(10, len(packed) - 8)
        return packed[:i] + bytes([packed[i] ^ (1 << rng.randrange(8))]) + packed[i + 1:]
    if how == "header":
        return packed[:3] + bytes([rng.randrange(256)]) + packed[4:]
    if how == "concat":
        return packed + rng.choice([b"garbage", packed[:20], zlib.compress(data)])
    return packed


def m_csv(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 2:
        return m_byte_flip(data, rng)
    body = list(range(1, len(lines)))
    for _ in range(rng.choice([1, 2, 3])):
        i = rng.choice(body)
        cells = lines[i].split(b",")
        how = rng.randrange(6)
        if how == 0:
            cells += [b"extra"] * rng.choice([1, 3])
        elif how == 1 and len(cells) > 1:
            cells = cells[: rng.randrange(1, len(cells))]
        elif how == 2:
            j = rng.randrange(len(cells))
            cells[j] = rng.choice([b"{'a':", b"[1,2", b"{'k': [}", b"['x'", b"{1: 2}", b"(1,)", b"\"",
                                   b"2024-13-45 25:61:00", b"99999999999999999999999", b"-1", b"nan",
                                   b"inf", b"{'a': 1e999}", b"[" * 3000, b"x" * HUGE, b"None", b"b'\\xff'"])
        elif how == 3:
            lines.insert(i, b"")
        elif how == 4:
            lines[0] = lines[0] + b"," + lines[0].split(b",")[0]  # duplicate header column
        else:
            cells = [c.replace(b"-", b"/") for c in cells]
        lines[i] = b",".join(cells)
    return b"\n".join(lines)


def m_proto(data: bytes, rng: random.Random) -> bytes:
    """A valid ExportTraceServiceRequest with extreme field values."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    msg = ExportTraceServiceRequest.FromString(seeds()["otel-demo-add-to-cart.pb"])
    spans = [s for rs in msg.resource_spans for ss in rs.scope_spans for s in ss.spans]
    for span in rng.sample(spans, min(len(spans), rng.choice([1, 2, 5]))):
        how = rng.randrange(12)
        if how == 0:
            span.start_time_unix_nano = 0
        elif how == 1:
            span.start_time_unix_nano, span.end_time_unix_nano = 0, 0
        elif how == 2:
            span.end_time_unix_nano = 2 ** 64 - 1
        elif how == 3:
            span.start_time_unix_nano, span.end_time_unix_nano = 2 ** 64 - 1, 2 ** 64 - 1
        elif how == 4:
            span.trace_id = rng.choice([b"", b"\x00" * 16, b"\x01", b"\xff" * 40])
        elif how == 5:
            span.span_id = rng.choice([b"", b"\x00" * 8, b"\x02" * 3])
        elif how == 6:
            span.parent_span_id = span.span_id
        elif how == 7:
            span.kind = rng.choice([99, 2 ** 31 - 1, -1])
        elif how == 8:
            span.status.code = rng.choice([7, 2 ** 31 - 1])
        elif how == 9:
            kv = span.attributes.add()
            kv.key = "big"
            value = kv.value
            for _ in range(rng.choice([5, 50, 90])):
                value = value.array_value.values.add()
            value.int_value = -(2 ** 63)
        elif how == 10:
            ev = span.events.add()
            ev.time_unix_nano = rng.choice([0, 2 ** 64 - 1])
            ev.name = "x" * rng.choice([1, HUGE])
        else:
            span.name = rng.choice(["", "\u0000", "x" * HUGE])
    out = msg.SerializeToString()
    if rng.random() < 0.1:
        out = out[: rng.randrange(len(out))]
    return out


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "byte_flip": m_byte_flip, "truncate": m_truncate, "delete_key": m_delete_key,
    "duplicate_key": m_duplicate_key, "wrong_type": m_wrong_type, "deep_nesting": m_deep_nesting,
    "extreme_number": m_extreme_number, "non_utf8": m_non_utf8, "bom": m_bom, "mixed": m_mixed,
    "gzip": m_gzip, "csv": m_csv, "proto": m_proto,
}
WEIGHTS = {"wrong_type": 6, "delete_key": 3, "extreme_number": 4, "byte_flip": 3, "truncate": 2,
           "duplicate_key": 1, "deep_nesting": 1, "non_utf8": 1, "bom": 1, "mixed": 1, "gzip": 2,
           "csv": 2, "proto": 2}
_OPTIONS = [[], [], ["--format", "json"], ["--format", "markdown"], ["--strict"],
            ["--input-format", "otlp-json"], ["--input-format", "jaeger"], ["--input-format", "zipkin"],
            ["--input-format", "rows"], ["--input-format", "otlp-proto"]]


def _apply(mutation: str, data: bytes, rng: random.Random) -> bytes:
    """``MUTATIONS[mutation]``; a value too deep to re-serialise (after deep nesting) gets a byte flip."""
    try:
        return MUTATIONS[mutation](data, rng)
    except RecursionError:
        return m_byte_flip(data, rng)


def make_case(number: int) -> Case:
    """The fuzz input numbered ``number`` (deterministic)."""
    rng = random.Random(number)
    names = sorted(seeds())
    name = rng.choice(names)
    data = seeds()[name]
    mutation = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    if mutation == "csv" and not name.endswith(".csv") and rng.random() < 0.8:
        name = rng.choice([n for n in names if n.endswith(".csv")])
        data = seeds()[name]
    out = _apply(mutation, data, rng)
    if mutation != "gzip" and rng.random() < 0.05:  # a second mutation, then gzip sometimes
        second = rng.choice([m for m in MUTATIONS if m not in ("proto", "gzip")])
        out = _apply(second, out, rng)
        mutation += "+" + second
    options = list(rng.choice(_OPTIONS)) if rng.random() < 0.35 else []
    suffix = Path(name).suffix or ".json"
    files = {f"input{suffix}": out}
    if rng.random() < 0.04:  # 10.7: a directory holding non-trace files beside the trace
        files.update({"README.md": b"# traces\n\nSee the files.\n", "make.py": b"print('hi')\n",
                      "notes.txt": b"not a trace"})
        mutation += "+dir"
    return Case(number, name, mutation, files, options)
