"""What ``graphtrace check`` reports: each :class:`Disagreement` and the :class:`CheckReport`, and
the :class:`Checker` that compares one quantity (floats within 1e-9 relative) and records a difference.

>>> CheckReport(traces_checked=1).ok
True
>>> Disagreement(trace_id="t", span_id="a", quantity="self_ns", neo4j=3, networkx=4).text
't: span a: self_ns: neo4j 3, networkx 4'
>>> out = []
>>> Checker("t", out).same("share", 0.1 + 0.2, 0.3); out
[]
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field


class Disagreement(BaseModel):
    """One quantity on which Neo4j and the in-memory engine differ."""

    trace_id: str | None
    span_id: str | None = None
    quantity: str
    neo4j: Any = None
    networkx: Any = None

    @property
    def text(self) -> str:
        where = [p for p in (self.trace_id, f"span {self.span_id}" if self.span_id else None) if p]
        return ": ".join([*where, self.quantity, f"neo4j {self.neo4j!r}, networkx {self.networkx!r}"])


class CheckReport(BaseModel):
    """What ``graphtrace check`` found; ``ok`` when there is no disagreement."""

    traces_checked: int = 0
    spans_checked: int = 0
    edges_checked: int | None = Field(default=None, description="None when the edge check did not run")
    disagreements: list[Disagreement] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.disagreements


def same_value(a: Any, b: Any) -> bool:
    """Equal, floats within a relative 1e-9 (Neo4j and Python may sum in another order).

    >>> same_value(1, 1), same_value(0.1 + 0.2, 0.3), same_value(None, 0.0), same_value([1], [2])
    (True, True, False, False)
    """
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


class Checker:
    """Collects disagreements for one trace."""

    def __init__(self, trace_id: str | None, out: list[Disagreement]) -> None:
        self.trace_id, self.out = trace_id, out

    def same(self, quantity: str, neo: Any, mem: Any, span_id: str | None = None) -> None:
        if not same_value(neo, mem):
            self.out.append(Disagreement(trace_id=self.trace_id, span_id=span_id, quantity=quantity,
                                         neo4j=neo, networkx=mem))

    def per_span(self, quantity: str, neo: dict[str, Any], mem: dict[str, Any]) -> None:
        for sid in sorted(set(neo) | set(mem)):
            self.same(quantity, neo.get(sid), mem.get(sid), sid)
