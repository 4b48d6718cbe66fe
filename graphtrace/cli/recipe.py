"""``graphtrace recipe list | show | run``: the stored Cypher recipes.

``run`` binds ``-p key value`` pairs to the recipe's declared parameters
(``-p trace_id`` as the readers store ids: hex lowercased and padded to 32
digits), refuses writing queries (checked with ``EXPLAIN``) unless the recipe is
a maintenance recipe and ``--write`` is given, and renders the rows.  An empty
answer says why when the data lacks what the recipe needs
(:mod:`graphtrace.recipes.emptiness`); an unknown trace is an error ("not found").
"""

from __future__ import annotations

import logging
from typing import Annotated, Optional

import typer

from graphtrace.cli.app import recipe_app
from graphtrace.cli.common import RowFormat, err_console
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings

RecipesOption = Annotated[
    Optional[list[str]],
    typer.Option("--recipes", metavar="DIR",
                 help="Extra recipe directory (repeatable; also GRAPHTRACE_RECIPES); overrides built-ins by name."),
]


def quiet_driver_notifications() -> None:
    """Keep the driver's server notifications (deprecations, unknown labels) off the terminal."""
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


@recipe_app.command("list")
def list_recipes(recipes: RecipesOption = None) -> None:
    """List every recipe: name and the question it answers."""
    from graphtrace.recipes.catalog import load_catalog
    from graphtrace.render.table import render_rows

    catalog = load_catalog(recipes or ())
    rows = [{"name": r.name, "mode": r.mode, "question": r.question} for r in catalog.values()]
    typer.echo(render_rows(["name", "mode", "question"], rows, "plain").rstrip("\n"))


@recipe_app.command("show")
def show_recipe(
    name: Annotated[str, typer.Argument(help="Recipe name (see `graphtrace recipe list`).")],
    recipes: RecipesOption = None,
) -> None:
    """Print a recipe's header and Cypher body, ready for Neo4j Browser or cypher-shell."""
    from graphtrace.recipes.catalog import get_recipe

    recipe = get_recipe(name, recipes or ())
    typer.echo(f"// file: {recipe.path}")
    typer.echo(recipe.header)
    typer.echo(recipe.body.rstrip("\n"))


def param_pairs(args: list[str]) -> list[tuple[str, str]]:
    """``-p key value`` / ``--param key value`` / ``-p key=value`` from the extra arguments.

    >>> param_pairs(["-p", "limit", "5", "--param", "service=cart"])
    [('limit', '5'), ('service', 'cart')]
    """
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(args):
        flag = args[i]
        if flag not in ("-p", "--param") or i + 1 >= len(args):
            raise typer.BadParameter(f"unexpected argument {flag!r}; pass parameters as -p KEY VALUE",
                                     param_hint="-p")
        key, sep, value = args[i + 1].partition("=")
        if sep:
            pairs.append((key, value))
            i += 2
        elif i + 2 < len(args):
            pairs.append((key, args[i + 2]))
            i += 3
        else:
            raise typer.BadParameter(f"parameter {key!r} has no value; use -p {key} VALUE", param_hint="-p")
    return pairs


def normalized_params(given: dict[str, str]) -> dict[str, str]:
    """``given`` with ``trace_id`` written as the readers write ids (hex: lowercase, 32 digits).

    >>> normalized_params({"trace_id": " 4BF92F3577B34DA6 ", "limit": "5"})
    {'trace_id': '00000000000000004bf92f3577b34da6', 'limit': '5'}
    >>> normalized_params({"trace_id": "trace-A"})["trace_id"]
    'trace-A'
    """
    from graphtrace.readers.ids import TRACE_WIDTH, IdError, normalize_id

    if not isinstance(given.get("trace_id"), str):
        return given
    try:
        return {**given, "trace_id": normalize_id(given["trace_id"], TRACE_WIDTH)[0]}
    except IdError as exc:
        raise typer.BadParameter(str(exc), param_hint="-p trace_id") from exc


@recipe_app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                    epilog="Parameters: -p KEY VALUE (repeatable), e.g. -p trace_id 4bf92f35 -p limit 5.")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Recipe name (see `graphtrace recipe list`).")],
    fmt: Annotated[RowFormat, typer.Option("--format", help="Output format.")] = RowFormat.table,
    timeout: Annotated[float, typer.Option("--timeout", metavar="S", help="Transaction timeout in seconds.")] = 30,
    write: Annotated[bool, typer.Option("--write", help="Allow a maintenance recipe to write.")] = False,
    recipes: RecipesOption = None,
    uri: UriOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    database: DatabaseOption = None,
) -> None:
    """Run a recipe against Neo4j and print its rows (parameters: -p KEY VALUE, repeatable)."""
    from graphtrace.errors import RecipeError
    from graphtrace.recipes.catalog import get_recipe
    from graphtrace.recipes.emptiness import why_no_rows
    from graphtrace.recipes.params import bind_params, parse_pairs
    from graphtrace.recipes.run import run_recipe
    from graphtrace.render.table import render_rows
    from graphtrace.store.connection import connect

    recipe = get_recipe(name, recipes or ())
    given = normalized_params(parse_pairs(param_pairs(list(ctx.args))))
    bind_params(recipe, given)  # fail on bad parameters before connecting
    settings = resolve_settings(uri, user, password, database)
    quiet_driver_notifications()
    driver = connect(settings)
    try:
        columns, rows = run_recipe(driver, recipe, given, database=settings.database,
                                   timeout_s=timeout, write=write)
        empty = why_no_rows(driver, recipe, given, database=settings.database, timeout_s=timeout) if not rows else None
    finally:
        driver.close()
    if empty is not None and empty.not_found:
        raise RecipeError(empty.reason, field="trace_id")
    if not rows and (fmt is RowFormat.table or empty is not None):  # json/csv: the reason only, on stderr
        err_console.print(f"{recipe.name}: no rows" + (f": {empty.reason}" if empty else ""), markup=False)
    if not rows and fmt is RowFormat.table:
        return
    from shutil import get_terminal_size

    from graphtrace.recipes.display import display_hints

    show = display_hints(recipe) if fmt is RowFormat.table else None  # json/csv: raw names and values
    width = get_terminal_size((100, 24)).columns
    typer.echo(render_rows(columns, rows, fmt.value, show=show, width=width).rstrip("\n"))
