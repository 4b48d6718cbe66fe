"""The clause check of a recipe body: which Cypher clauses it uses, read without a server.

``EXPLAIN`` alone cannot keep a recipe harmless: Neo4j 5.26 reports query type
``'r'`` for ``LOAD CSV FROM 'http://...'`` (an outbound request),
``TERMINATE TRANSACTIONS`` (ends another session's query), ``SHOW
TRANSACTIONS`` / ``SHOW INDEXES`` and ``CALL db.labels()``; and on a single
server a READ-routed transaction does not stop a write.  So before anything is
sent, :func:`scan` reads the body with a small lexer that skips comments,
strings and backquoted names, and classifies each keyword it meets:

* **refused always** (read and maintenance recipes alike): ``LOAD CSV``,
  ``USE`` (a recipe runs on the database chosen with ``--database``),
  ``CALL { } IN TRANSACTIONS`` (commits on its own), administration and schema
  commands (``SHOW``, ``TERMINATE``, ``GRANT``, ``DENY``, ``REVOKE``, ``ALTER``,
  ``DROP``, ``START``/``STOP`` database, ``CREATE INDEX|CONSTRAINT|USER|...``, ...)
  and a procedure call (``CALL name.space.proc``) unless the procedure is in
  :data:`ALLOWED_PROCEDURES`;
* **writes** (``CREATE (...)``, ``MERGE``, ``SET``, ``DELETE``, ``DETACH``,
  ``REMOVE``, ``FOREACH``, ``INSERT``): allowed only in a ``mode: maintenance``
  recipe run with ``--write`` (:func:`graphtrace.recipes.run.check_mode`).

A keyword used as a property key (``n.set``), a label or type (``:Delete``), a
map key (``{show: 1}``) or a parameter (``$merge``) is a name, not a clause.
Any other use of these words (a variable called ``show``) is refused: backquote
such a name (```show```).  The lexer errs on the side of refusing: a comment
ends at any line break, and an unterminated string, comment or name is refused.

>>> [(f.word, f.kind) for f in scan("MATCH (n) /* SET */ WHERE n.set = 'LOAD CSV' SET n.x = 1")]
[('SET', 'write')]
>>> [f.word for f in scan("LOAD CSV FROM 'http://x' AS r RETURN r")]
['LOAD CSV']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshipTypes", "db.propertyKeys",
    "db.schema.nodeTypeProperties", "db.schema.relTypeProperties", "db.schema.visualization",
})
"""Read-only catalogue procedures a recipe may ``CALL``; every other procedure is refused."""

WRITES = frozenset({"CREATE", "MERGE", "SET", "DELETE", "DETACH", "NODETACH", "REMOVE", "FOREACH", "INSERT"})
_ADMIN = frozenset({
    "SHOW", "TERMINATE", "GRANT", "DENY", "REVOKE", "ALTER", "DROP", "START", "STOP", "ENABLE",
    "RENAME", "DEALLOCATE", "REALLOCATE", "DRYRUN",
})
_REASONS = {
    "LOAD": "LOAD CSV reads files or URLs",
    "PERIODIC": "USING PERIODIC COMMIT commits on its own",
    "TRANSACTIONS": "CALL { } IN TRANSACTIONS commits on its own",
    "USE": "USE switches database (a recipe runs on the database chosen with --database)",
    **{w: f"{w} is an administration command" for w in _ADMIN},
}

# One token per match, in this order: comment, string, backquoted name, word, parameter, anything else.
_TOKEN = re.compile(
    r"(?P<comment>//[^\r\n\x0b\x0c\x85\u2028\u2029]*|/\*.*?\*/)"
    r"|(?P<string>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<quoted>`(?:[^`]|``)*`)"
    r"|(?P<param>\$(?:[^\W\d]\w*|`(?:[^`]|``)*`|\d+))"
    r"|(?P<number>0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)"
    r"|(?P<word>[^\W\d]\w*)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.S,
)
_UNTERMINATED = {"/*": "block comment", "'": "string", '"': "string", "`": "backquoted name"}


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "quoted", "param", "number", "other"
    text: str
    line: int


@dataclass(frozen=True)
class Finding:
    """One clause the check objects to: ``kind`` is ``'write'`` or ``'refused'``."""

    kind: str
    word: str
    line: int
    reason: str = ""

    def describe(self) -> str:
        """``'SET (body line 3)'``, plus the reason for a refused form."""
        where = f"{self.word} (body line {self.line})"
        return f"{where}: {self.reason}" if self.reason else where


class LexError(ValueError):
    """The body cannot be read to its end (an unterminated string, comment or name)."""


def tokens(text: str) -> list[Token]:
    """The code tokens of ``text``: comments, strings and whitespace dropped.

    >>> [t.text for t in tokens("RETURN `a``b`, $p /* x */ // y\\n, 'z'")]
    ['RETURN', '`a``b`', ',', '$p', ',']
    """
    out: list[Token] = []
    line, pos = 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        assert m is not None  # (?P<other>.) matches any character
        kind, value = m.lastgroup or "other", m.group()
        if kind == "other" and (value in "'\"`" or text.startswith("/*", pos)):
            opener = "/*" if text.startswith("/*", pos) else value
            raise LexError(f"unterminated {_UNTERMINATED[opener]} starting on body line {line}")
        if kind in ("word", "quoted", "param", "number", "other"):
            out.append(Token(kind, value, line))
        line += len(re.findall(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]", value))
        pos = m.end()
    return out


def _unquote(token: Token) -> str:
    return token.text[1:-1].replace("``", "`") if token.kind == "quoted" else token.text


def _procedure(toks: list[Token], i: int) -> str | None:
    """The procedure name after the ``CALL`` at ``toks[i]``, or None for a subquery ``CALL {`` / ``CALL (``."""
    parts: list[str] = []
    j = i + 1
    while j < len(toks) and toks[j].kind in ("word", "quoted"):
        parts.append(_unquote(toks[j]))
        if j + 1 < len(toks) and toks[j + 1].text == ".":
            j += 2
        else:
            break
    if not parts:
        nxt = toks[j].text if j < len(toks) else ""
        return None if nxt in ("{", "(") else f"<{nxt or 'nothing'}>"
    return ".".join(parts)


def _is_name(toks: list[Token], i: int) -> bool:
    """True when the word at ``toks[i]`` is a property key, label, type or map key, not a keyword."""
    prev = toks[i - 1].text if i > 0 else ""
    nxt = toks[i + 1].text if i + 1 < len(toks) else ""
    return prev in (".", ":") or nxt == ":"


def _classify(toks: list[Token], i: int) -> Finding | None:
    tok = toks[i]
    word = tok.text.upper()
    if word == "CALL":
        name = _procedure(toks, i)
        if name is None or name in ALLOWED_PROCEDURES:
            return None
        return Finding("refused", f"CALL {name}", tok.line,
                       f"procedure not on the allow-list ({', '.join(sorted(ALLOWED_PROCEDURES))})")
    if word == "CREATE":
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        after = toks[i + 2].text if i + 2 < len(toks) else ""
        prev = toks[i - 1].text.upper() if i > 0 else ""
        data = prev == "ON" or (nxt is not None and (nxt.text == "(" or (nxt.kind in ("word", "quoted") and after == "=")))
        if not data:
            what = nxt.text.upper() if nxt is not None else ""
            return Finding("refused", f"CREATE {what}".strip(), tok.line, "a schema or administration command")
        return Finding("write", word, tok.line)
    if word in WRITES:
        return Finding("write", word, tok.line)
    if word == "TRANSACTIONS" and i > 0 and toks[i - 1].text.upper() in ("SHOW", "TERMINATE"):
        return None  # one finding for SHOW / TERMINATE TRANSACTIONS
    if word in _REASONS:
        return Finding("refused", "LOAD CSV" if word == "LOAD" else word, tok.line, _REASONS[word])
    return None


@lru_cache(maxsize=256)
def scan(text: str) -> tuple[Finding, ...]:
    """Every write and refused clause of ``text``, in order; ``LexError`` if it cannot be read.

    >>> [f.describe() for f in scan("CALL db.labels() YIELD label CALL dbms.listConfig() YIELD name RETURN *")]
    ['CALL dbms.listConfig (body line 1): procedure not on the allow-list (db.labels, db.propertyKeys, db.relationshipTypes, db.schema.nodeTypeProperties, db.schema.relTypeProperties, db.schema.visualization)']
    >>> scan("MATCH (n {delete: 1}) WHERE n:Merge RETURN n.show, $set")
    ()
    """
    toks = tokens(text)
    found = []
    for i, tok in enumerate(toks):
        if tok.kind == "word" and not _is_name(toks, i):
            finding = _classify(toks, i)
            if finding is not None:
                found.append(finding)
    return tuple(found)
