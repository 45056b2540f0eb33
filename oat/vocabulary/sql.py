"""SQL on a server, through the database's own command-line client, and the rows it answers.

Which client, and how it is called, is data: oat/vocabulary/sql_clients.yaml maps a client's
name (PostgreSQL: psql) to a shell command with `{database}` and `{sql}` in it. A sentence names
the client before データベース (`"db" の PostgreSQL データベース "app" で …`) or leaves it out
for the first one of the file. The database and the SQL are quoted for the shell
(shlex.quote), so a quote, `$` or `;` in the SQL reaches the client as written.

The client prints each result as CSV: the column names, then one line per row. The checks
compare its text: `の結果が "3" である` the rows' values (columns joined by `|`, rows by line
breaks); `の結果が次のとおりである:` a table whose first row is the column names, and then
the rows in order (write ORDER BY where the order is not given). A role of several servers
runs the SQL on each, and each must answer.
"""

from __future__ import annotations

import csv
import functools
import io
import shlex
from pathlib import Path

import parse
from pytest_bdd import when

from oat.errors import FeatureError
from oat.model import yamlfile
from oat.model.targets import servers
from oat.vocabulary.checks import check, each, excerpt, sentence

CLIENTS = Path(__file__).with_name("sql_clients.yaml")


@parse.with_pattern(r"[ A-Za-z0-9_.-]*")
def _client(text: str) -> str:
    """{client:Client}: a client's name between spaces (`の PostgreSQL データベース`), or nothing."""
    return text.strip()


TYPES = {"Client": _client}


@functools.cache
def clients(path: Path = CLIENTS) -> dict[str, dict]:
    """The SQL clients by name, as the data file gives them (its order kept)."""
    data = yamlfile.read(path, "SQL clients file", FeatureError)
    if not isinstance(data, dict) or not data:
        raise FeatureError(f"{path}: must map a client's name to its command")
    for name, entry in data.items():
        if not isinstance(entry, dict) or "{sql}" not in str(entry.get("command", "")):
            raise FeatureError(f"{path}: {name}.command must be a shell command with {{sql}} in it")
    return data


def client_named(name: str) -> tuple[str, dict]:
    """(name, entry) of the client a sentence names; the file's first when it names none."""
    known = clients()
    if not name:
        return next(iter(known.items()))
    if name not in known:
        raise FeatureError(
            f"'{name}' is not an SQL client of oat (known: {', '.join(known)}; {CLIENTS.name} lists them)"
        )
    return name, known[name]


def command(entry: dict, database: str, sql: str) -> str:
    """The client's command line for this database and SQL, both quoted for the shell."""
    return entry["command"].replace("{database}", shlex.quote(database)).replace("{sql}", shlex.quote(sql))


def rows(entry: dict, output: str) -> list[list[str]]:
    """The lines of CSV the client printed, as lists of values (the column names first)."""
    return [row for row in csv.reader(io.StringIO(output), delimiter=entry.get("delimiter", ",")) if row]


def _query(s, name: str, entry: dict, database: str, sql: str) -> list[list[str]]:
    """Run the SQL on server s; its rows, column names first. An AssertionError when it fails."""
    result = s.run(command(entry, database, sql))
    assert result.rc == 0, (
        f'{s.name}: SQL "{_short(sql)}" in {name} database {database} failed '
        f"(exit {result.rc}): {excerpt(result.stderr or result.stdout)}"
    )
    return rows(entry, result.stdout)


@when(sentence('"{server:q}" の{client:Client}データベース "{database:q}" で次の SQL を実行する:', TYPES))
def run_sql(lab, server, client, database, docstring):
    """Run the step's text as SQL in this database on the server (its client stops at the first error, and so does the step)."""
    name, entry = client_named(client)
    for s in servers(lab, server):
        _query(s, name, entry, database, docstring)


@check('"{server:q}" の{client:Client}データベース "{database:q}" で SQL "{sql}" の結果が "{expected}" である', TYPES)
def sql_answers(lab, server, client, database, sql, expected):
    """The query's rows, columns joined by | and rows by line breaks, are exactly this text (e.g. one count)."""
    name, entry = client_named(client)

    def answers(s):
        found = _query(s, name, entry, database, sql)[1:]
        text = "\n".join("|".join(row) for row in found)
        assert text == expected.strip(), (
            f'{s.name}: SQL "{_short(sql)}" in {name} database {database} answered '
            f"{_shown(found)}, expected '{expected.strip()}'"
        )

    each(lab, server, answers)


@check('"{server:q}" の{client:Client}データベース "{database:q}" で SQL "{sql}" の結果が次のとおりである:', TYPES)
def sql_rows(lab, server, client, database, sql, datatable):
    """The query answers exactly the table's rows, in order, under the column names of its first row."""
    name, entry = client_named(client)
    if not datatable:
        raise FeatureError("this step needs a table: its first row the column names, then the rows expected")
    wanted = [[cell.strip() for cell in row] for row in datatable]

    def same(s):
        found = _query(s, name, entry, database, sql)
        assert found == wanted, (
            f'{s.name}: SQL "{_short(sql)}" in {name} database {database} answered '
            f"{_table(found)}, expected {_table(wanted)} ({_difference(found, wanted)})"
        )

    each(lab, server, same)


def _shown(found: list[list[str]]) -> str:
    if not found:
        return "no rows"
    return f"'{excerpt(' ⏎ '.join('|'.join(row) for row in found))}'"


def _table(table: list[list[str]]) -> str:
    """Column names and rows in one line: `id|name: 1|a ⏎ 2|b (2 rows)`."""
    if not table:
        return "nothing (no column names)"
    head, *body = table
    return f"{'|'.join(head)}: {excerpt(' ⏎ '.join('|'.join(row) for row in body), 200)} ({len(body)} rows)"


def _difference(found: list[list[str]], wanted: list[list[str]]) -> str:
    """Where the answer first differs from the table, in words."""
    if found[:1] != wanted[:1]:
        return "other column names"
    for number, (got, want) in enumerate(zip(found[1:], wanted[1:], strict=False), 1):
        if got != want:
            return f"row {number} is '{'|'.join(got)}', expected '{'|'.join(want)}'"
    return f"{len(found) - 1} rows, expected {len(wanted) - 1}"


def _short(sql: str, limit: int = 80) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= limit else flat[:limit] + "…"
