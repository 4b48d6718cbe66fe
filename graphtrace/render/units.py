"""Number formatting shared by the renderers: nanoseconds as milliseconds, shares as percents.

Rounding is decimal half-up (not binary float rounding), so a value that
ends in 5 always rounds away from zero and hand-derived expectations hold.

>>> format_ms(1_066_789_345), format_ms(1_005_000), format_share(0.98765)
('1,066.79', '1.01', '98.8%')
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

_NS_PER_MS = Decimal(1_000_000)
_TWO_PLACES = Decimal("0.01")
_ONE_PLACE = Decimal("0.1")


def format_ms(ns: int | float | None) -> str:
    """Nanoseconds as milliseconds with 2 decimals and thousands separators.

    ``None`` (an unknown value) becomes ``"-"``; negative values keep their sign.

    >>> format_ms(382_800), format_ms(-615_000), format_ms(0), format_ms(None)
    ('0.38', '-0.62', '0.00', '-')

    Any size of integer is exact (the precision grows with the number); a non-finite float
    is written as Python spells it.

    >>> format_ms(2 ** 64), format_ms(float("nan"))
    ('18,446,744,073,709.55', 'nan')
    """
    if ns is None:
        return "-"
    if isinstance(ns, float) and not math.isfinite(ns):
        return str(ns)
    with localcontext() as ctx:
        ctx.prec = max(28, len(str(abs(int(ns)))) + 4)
        ms = (Decimal(ns) / _NS_PER_MS).quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)
    return f"{ms:,.2f}"


def format_share(share: float | None) -> str:
    """A fraction in [0, 1] as a percentage with one decimal.

    >>> format_share(0.5), format_share(0.00049), format_share(1.0), format_share(None)
    ('50.0%', '0.0%', '100.0%', '-')
    """
    if share is None:
        return "-"
    if not math.isfinite(share):
        return f"{share}%"
    pct = (Decimal(repr(float(share))) * 100).quantize(_ONE_PLACE, rounding=ROUND_HALF_UP)
    return f"{pct}%"
