"""Command-line interface.  The only module that prints or exits.

Every command is a thin wrapper over a library call.  ``main`` is the one
place that catches :class:`~graphtrace.errors.GraphtraceError` (and pydantic
validation errors), prints ``Error: ...`` and exits 2.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from graphtrace.cli.app import app
from graphtrace.cli.common import err_console, format_validation_error
from graphtrace.errors import GraphtraceError

# Command modules register themselves on ``app`` when imported.
from graphtrace.cli import analyze as _analyze  # noqa: F401,E402
from graphtrace.cli import db as _db  # noqa: F401,E402
from graphtrace.cli import recipe as _recipe, check as _check  # noqa: F401,E402
from graphtrace.cli import ingest as _ingest  # noqa: F401,E402
from graphtrace.cli import generate as _generate  # noqa: F401,E402
from graphtrace.cli import diagnose as _diagnose  # noqa: F401,E402
from graphtrace.cli import serve as _serve  # noqa: F401,E402
from graphtrace.cli import housekeeping as _housekeeping  # noqa: F401,E402


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        app(args=argv, standalone_mode=True)
    except GraphtraceError as exc:
        err_console.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(2)
    except ValidationError as exc:
        err_console.print(f"Error: {format_validation_error(exc)}", markup=False, highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("Interrupted.", markup=False)
        sys.exit(130)


__all__ = ["app", "main"]
