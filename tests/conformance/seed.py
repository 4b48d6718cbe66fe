"""The seed trace's span table, transcribed by hand from examples/README.md ("Timeline").

Parents follow the "placement" column ("in N" = child of row N).  The µs formats (Jaeger,
Zipkin) round each duration to the nearest µs (README: "Durations are rounded to the nearest
µs ... none ends in exactly 500 ns"); the rounding is written out here by hand.
"""

from __future__ import annotations

from tests.conformance.expect import SpanRow

LG, FP, FE, PC, CART = "load-generator", "frontend-proxy", "frontend", "product-catalog", "cart"

# row: span id, parent row (0 = root), service, exact ns, rounded µs
_ROWS = [
    ("5ecdd5c42a31c2e5", 0, LG, 1_080_960_237, 1_080_960),     # 1 user_add_to_cart
    ("5cc7defd8ac01b04", 1, LG, 6_005_672, 6_006),             # 2 GET
    ("673bcdce936c36fd", 2, FP, 4_248_000, 4_248),             # 3 ingress
    ("22048ba783f25d7f", 3, FP, 4_175_000, 4_175),             # 4 router frontend egress
    ("40eedf31d5f77aa0", 4, FE, 2_694_720, 2_695),             # 5 GET /api/products/...
    ("6317d5ec880c2a7d", 5, FE, 2_559_550, 2_560),             # 6 GET (handleRequest)
    ("dd16246c312a3ac8", 6, FE, 2_226_089, 2_226),             # 7 executing api route
    ("c3f8f25fbccb589c", 7, FE, 2_076_177, 2_076),             # 8 GetProduct client
    ("634c1ace3f902dc0", 8, PC, 154_881, 155),                 # 9 GetProduct server
    ("88dd4ed0cfa16aaf", 1, LG, 1_074_400_892, 1_074_401),     # 10 POST
    ("36dde1a91ce7e0ba", 10, FP, 1_069_754_000, 1_069_754),    # 11 ingress
    ("66a43a0d5d10cc66", 11, FP, 1_069_682_000, 1_069_682),    # 12 router frontend egress
    ("e1554eb4fe796276", 12, FE, 1_069_494_306, 1_069_494),    # 13 POST /api/cart
    ("1ac5140b5da23d72", 13, FE, 1_069_375_205, 1_069_375),    # 14 POST (handleRequest)
    ("450b340462c0a8f4", 14, FE, 1_069_144_803, 1_069_145),    # 15 executing api route /api/cart
    ("0ebfca528fb2a3c7", 15, FE, 1_066_789_345, 1_066_789),    # 16 AddItem client
    ("20477715a96a4d58", 16, FE, 1_361_055, 1_361),            # 17 dns.lookup
    ("c4e8b74e72625cd3", 16, FE, 778_763, 779),                # 18 tcp.connect
    ("940f2b8ead0ffb3d", 16, CART, 382_800, 383),              # 19 AddItem server
    ("43f98c9155372669", 19, CART, 215_900, 216),              # 20 HGET
    ("9a0ee73806625703", 19, CART, 68_300, 68),                # 21 HMSET
    ("e575504609c9c07c", 19, CART, 58_200, 58),                # 22 EXPIRE
    ("06be3d91dbd37f1d", 15, FE, 2_156_688, 2_157),            # 23 GetCart client
    ("52291a864040f3d6", 23, CART, 1_327_300, 1_327),          # 24 GetCart server
    ("cc90d8ba05ba9432", 24, CART, 80_000, 80),                # 25 HGET
]


def _table(micros: bool) -> dict[str, SpanRow]:
    ids = [row[0] for row in _ROWS]
    return {sid: (ids[parent - 1] if parent else None, service, us * 1000 if micros else ns)
            for sid, parent, service, ns, us in _ROWS}


SEED_EXACT = _table(micros=False)
SEED_MICROS = _table(micros=True)
