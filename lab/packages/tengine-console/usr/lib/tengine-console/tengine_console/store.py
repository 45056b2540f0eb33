"""The Tengine database as the console reads it: PostgreSQL through psycopg2, one short
connection a request (a restarted DB needs no reconnect logic).

psycopg2 is imported on first use, so everything else runs (and is tested) without it."""
from __future__ import annotations

import re

from tengine_console.config import DbConfig
from tengine_console.errors import ConsoleError

CONNECT_TIMEOUT = 3  # seconds; a page must fail fast, not hang on an unreachable DB
STATEMENT_TIMEOUT_MS = 10_000
LIMIT = 100  # rows on one page of the growing lists
UNDEFINED_TABLE = "42P01"  # SQLSTATE: tengined has not created the schema yet

EVENTS = ("SELECT event_type_name, key, source_name, occurred_at, level, sender_name, properties"
          " FROM events{where} ORDER BY occurred_at DESC, id DESC LIMIT %s")
JOBNETS = "SELECT name, caption, revision, loaded_at FROM jobnets ORDER BY name"
EXECUTIONS = ("SELECT id, jobnet, status, started_at, finished_at, detail FROM executions"
              " ORDER BY id DESC LIMIT %s")
VIRTUAL_SERVERS = ("SELECT name, provider, address, status, updated_at FROM virtual_servers"
                   " ORDER BY name")

# libpq's "connection to server at "h" (a), port 5432 failed: " before the actual cause.
LIBPQ_PREFIX = re.compile(r'^connection to server (?:at|on) .*? failed: ')
CAUSES = {"connection refused": "connection refused", "timeout expired": "timed out"}


class DbUnavailable(ConsoleError):
    def __init__(self, address: str, cause: str):
        super().__init__(f"{address}: {cause}")
        self.address = address
        self.cause = cause


def short_cause(message: str) -> str:
    """psycopg2's multi-line message cut to the cause an operator acts on."""
    lines = message.strip().splitlines()
    if not lines:
        return "unknown error"
    cause = LIBPQ_PREFIX.sub("", lines[0].strip())
    cause = cause.removeprefix("FATAL:").strip()
    return CAUSES.get(cause.lower(), cause)


class Store:
    def __init__(self, db: DbConfig):
        self.db = db

    def events(self, event_type_name: str | None = None) -> list[dict]:
        """The newest events first, of one type if given."""
        if event_type_name:
            return self._rows(EVENTS.format(where=" WHERE event_type_name = %s"),
                              (event_type_name, LIMIT))
        return self._rows(EVENTS.format(where=""), (LIMIT,))

    def jobnets(self) -> list[dict]:
        return self._rows(JOBNETS)

    def executions(self) -> list[dict]:
        return self._rows(EXECUTIONS, (LIMIT,))

    def virtual_servers(self) -> list[dict]:
        return self._rows(VIRTUAL_SERVERS)

    def ping(self) -> None:
        self._rows("SELECT 1")

    def _rows(self, sql: str, params: tuple = ()) -> list[dict]:
        import psycopg2

        connection = None
        try:
            connection = psycopg2.connect(
                host=self.db.host, port=self.db.port, dbname=self.db.database,
                user=self.db.user, password=self.db.password, connect_timeout=CONNECT_TIMEOUT,
                application_name="tengine_console",
                options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                names = [column.name for column in cursor.description]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
        except psycopg2.Error as error:
            if error.pgcode == UNDEFINED_TABLE:
                return []  # the console may be up before tengined first ran: nothing yet
            raise DbUnavailable(self.db.address, short_cause(str(error))) from None
        finally:
            if connection is not None:
                connection.close()
