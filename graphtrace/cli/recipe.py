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
from graphtrace.cli.common import OutputOption, RowFormat, TextFormat, emit, err_console, format_option
from graphtrace.cli.connection import DatabaseOption, PasswordOption, UriOption, UserOption, resolve_settings

RecipesOption = Annotated[
    Optional[list[str]],
    typer.Option("--recipes", metavar="DIR",
                 help="Extra recipe directory (repeatable; also GRAPHTRACE_RECIPES); overrides built-ins by name."),
]


def quiet_driver_notifications() -> None:
    """Keep the driver's server notifications (deprecations, unknown labels) off the terminal."""
    logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)


RowsFormatOption = format_option(RowFormat, "Output format: an aligned table, a JSON array of objects or CSV.")
ShowFormatOption = format_option(TextFormat, "Output format: the recipe file's text, or JSON (name, path, mode, "
                                 "question, header, body).")


@recipe_app.command("list")
def list_recipes(recipes: RecipesOption = None, fmt: RowsFormatOption = RowFormat.table,
                 output: OutputOption = None) -> None:
    """List every recipe: name and the question it answers."""
    from graphtrace.recipes.catalog import load_catalog
    from graphtrace.render.table import render_rows

    catalog = load_catalog(recipes or ())
    rows = [{"name": r.name, "mode": r.mode, "question": r.question} for r in catalog.values()]
    style = "plain" if fmt is RowFormat.table else fmt.value
    emit(render_rows(["name", "mode", "question"], rows, style).rstrip("\n"), output)


@recipe_app.command("show")
def show_recipe(
    name: Annotated[str, typer.Argument(help="Recipe name (see `graphtrace recipe list`).")],
    recipes: RecipesOption = None,
    fmt: ShowFormatOption = TextFormat.text,
    output: OutputOption = None,
) -> None:
    """Print a recipe's header and Cypher body, ready for Neo4j Browser or cypher-shell."""
    import orjson

    from graphtrace.recipes.catalog import get_recipe

    recipe = get_recipe(name, recipes or ())
    if fmt is TextFormat.json:
        doc = {"name": recipe.name, "path": str(recipe.path), "mode": recipe.mode, "question": recipe.question,
               "header": recipe.header, "body": recipe.body}
        emit(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode(), output)
        return
    emit(f"// file: {recipe.path}\n{recipe.header}\n{recipe.body.rstrip(chr(10))}", output)


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


ExactOption = Annotated[bool, typer.Option("--exact", help="Scan the spans even when the recipe has a rollup twin "
                                           "(slow-edges, compare-windows, critical-path-hotspots; docs/rollups.md).")]


@recipe_app.command("run", context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                    epilog="Parameters: -p KEY VALUE (repeatable), e.g. -p trace_id 4bf92f35 -p limit 5.")
def run(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Recipe name (see `graphtrace recipe list`).")],
    fmt: RowsFormatOption = RowFormat.table,
    output: OutputOption = None,
    timeout: Annotated[float, typer.Option("--timeout", metavar="S", help="Transaction timeout in seconds.")] = 30,
    write: Annotated[bool, typer.Option("--write", help="Allow a maintenance recipe to write.")] = False,
    exact: ExactOption = False,
    recipes: RecipesOption = None,
    uri: UriOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    database: DatabaseOption = None,
) -> None:
    """Run a recipe against Neo4j and print its rows (parameters: -p KEY VALUE, repeatable)."""
    from graphtrace.jobs.recipe import answer_recipe, prepare_recipe
    from graphtrace.recipes.params import parse_pairs
    from graphtrace.store.connection import connect

    recipe, given = prepare_recipe(name, parse_pairs(param_pairs(list(ctx.args))), recipes=recipes or ())
    settings = resolve_settings(uri, user, password, database)
    quiet_driver_notifications()
    with connect(settings) as driver:
        answer = answer_recipe(driver, recipe, given, database=settings.database, timeout_s=timeout, write=write,
                               exact=exact)
    if answer.note:  # why a recipe with a rollup twin scanned the spans (stderr: stdout stays the rows)
        err_console.print(f"note: {answer.note}", markup=False)
    _print_answer(answer, fmt, output)


def _print_answer(answer, fmt: RowFormat, output) -> None:
    """The rows as a table for people (display hints, terminal width) or raw JSON/CSV; with no rows,
    the table says so on stderr, and JSON/CSV print their empty document (the reason on stderr)."""
    from shutil import get_terminal_size

    from graphtrace.recipes.display import display_hints
    from graphtrace.render.table import render_rows

    rows, empty = answer.rows, answer.empty
    if not rows and (fmt is RowFormat.table or empty is not None):  # json/csv: the reason only, on stderr
        err_console.print(f"{answer.recipe.name}: no rows" + (f": {empty.reason}" if empty else ""), markup=False)
    if not rows and fmt is RowFormat.table:
        emit("", output, end="")  # -o FILE: an empty file, as stdout got nothing
        return
    show = display_hints(answer.recipe) if fmt is RowFormat.table else None  # json/csv: raw names and values
    width = get_terminal_size((100, 24)).columns
    emit(render_rows(answer.columns, rows, fmt.value, show=show, width=width).rstrip("\n"), output)
