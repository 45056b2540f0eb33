"""The DB (PostgreSQL) through psycopg2: the schema of the contract, events, jobnets and
executions.

psycopg2 is imported when connecting, so the rest of the core imports without it. Every
failure of the DB, at connect time or later, is a ServerError naming `db <host>:<port>`."""
from __future__ import annotations

import copy
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from tengine_core.causes import db_cause
from tengine_core.config import Db
from tengine_core.errors import ServerError
from tengine_core.event import Event

PART = "db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
  id BIGSERIAL PRIMARY KEY,
  event_type_name TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  source_name TEXT NOT NULL,
  occurred_at TIMESTAMPTZ NOT NULL,
  level TEXT NOT NULL,
  sender_name TEXT NOT NULL,
  properties JSONB NOT NULL DEFAULT '{}',
  stored_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS jobnets (
  name TEXT PRIMARY KEY, caption TEXT NOT NULL, definition JSONB NOT NULL,
  source TEXT NOT NULL,
  revision TEXT NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS executions (
  id BIGSERIAL PRIMARY KEY, jobnet TEXT NOT NULL, status TEXT NOT NULL,
  started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, detail JSONB NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS virtual_servers (
  name TEXT PRIMARY KEY, provider TEXT NOT NULL, address TEXT, status TEXT NOT NULL,
  detail JSONB NOT NULL DEFAULT '{}', updated_at TIMESTAMPTZ NOT NULL DEFAULT now());
"""
# Two cores (or a core and a test start) creating the schema at once would collide on
# PostgreSQL's catalog despite IF NOT EXISTS; a transaction-scoped advisory lock orders them.
SCHEMA_LOCK = 0x74656E67  # "teng"

STORE_EVENT = """
INSERT INTO events (event_type_name, key, source_name, occurred_at, level, sender_name, properties)
VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb)
ON CONFLICT (key) DO NOTHING"""

UPSERT_JOBNET = """
INSERT INTO jobnets (name, caption, definition, source, revision)
VALUES (%s, %s, %s::jsonb, %s, %s)
ON CONFLICT (name) DO UPDATE SET caption = EXCLUDED.caption, definition = EXCLUDED.definition,
  source = EXCLUDED.source, revision = EXCLUDED.revision, loaded_at = now()"""

EVENTS_WITH_PROPERTY = ("SELECT event_type_name, properties FROM events"
                        " WHERE properties->>%s = %s ORDER BY id")

FIND_JOBNET = "SELECT definition FROM jobnets WHERE name = %s"

EXECUTION_COLUMNS = "id, jobnet, status, started_at, finished_at, detail"
# The execution a start.jobnet.job.tengine event made: a redelivered event finds it again.
FIND_EXECUTION = (f"SELECT {EXECUTION_COLUMNS} FROM executions"
                  " WHERE detail->>'start_event' = %s ORDER BY id LIMIT 1")
INSERT_EXECUTION = """
INSERT INTO executions (jobnet, status, started_at, finished_at, detail)
VALUES (%s, %s, %s, %s, %s::jsonb) RETURNING id"""
# Every change of an execution is read, changed and written under this row lock, so two cores
# (or two handlers of one) never overwrite each other's change.
LOCK_EXECUTION = f"SELECT {EXECUTION_COLUMNS} FROM executions WHERE id = %s FOR UPDATE"
UPDATE_EXECUTION = """
UPDATE executions SET status = %s, started_at = %s, finished_at = %s, detail = %s::jsonb
WHERE id = %s"""


@dataclass
class Execution:
    """A row of executions; detail holds `start_event` and the jobs (see jobs.py)."""
    id: int | None
    jobnet: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    detail: dict

    def values(self) -> tuple:
        return (self.status, self.started_at, self.finished_at,
                json.dumps(self.detail, ensure_ascii=False))


def connect(settings: Db, timeout: float = 3.0) -> Store:
    """A connection to the DB; ServerError after at most timeout seconds per address."""
    import psycopg2  # here only: see the module's docstring

    try:
        connection = psycopg2.connect(
            host=settings.host, port=settings.port, dbname=settings.database,
            user=settings.user, password=settings.password, application_name="tengined",
            connect_timeout=max(2, round(timeout)),  # libpq: whole seconds, at least 2
            # A server that vanishes mid-session is noticed in seconds, not TCP's minutes.
            keepalives=1, keepalives_idle=5, keepalives_interval=2, keepalives_count=3,
            tcp_user_timeout=10000)
    except psycopg2.Error as error:
        raise ServerError(PART, settings.address, db_cause(str(error))) from None
    return Store(connection, settings.address, psycopg2.Error)


class Store:
    def __init__(self, connection, address: str, client_error: type[Exception]):
        self._connection = connection
        self.address = address
        self._client_error = client_error

    @contextmanager
    def _transaction(self):
        """A cursor in one transaction, committed at the end and rolled back on an error;
        an error of the DB becomes a ServerError naming it. (Not psycopg2's `with
        connection`: its rollback on a lost connection hides the cause behind `connection
        already closed`.)"""
        try:
            yield self._connection.cursor()
            self._connection.commit()
        except BaseException as error:
            try:
                self._connection.rollback()
            except self._client_error:
                pass  # the connection is gone: nothing to undo
            if isinstance(error, self._client_error):
                raise ServerError(PART, self.address, db_cause(str(error))) from None
            raise

    def ensure_schema(self) -> None:
        with self._transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            cursor.execute(SCHEMA)

    def ping(self) -> None:
        """Raise ServerError when the DB is gone (an idle connection does not notice)."""
        with self._transaction() as cursor:
            cursor.execute("SELECT 1")

    def store_event(self, event: Event) -> bool:
        """Store event once; False when its key was already stored (a redelivery)."""
        with self._transaction() as cursor:
            cursor.execute(STORE_EVENT, (
                event.event_type_name, event.key, event.source_name, event.occurred_at,
                event.level, event.sender_name, json.dumps(event.properties, ensure_ascii=False)))
            return cursor.rowcount == 1

    def events_with_property(self, name: str, value: str) -> list[tuple[str, dict]]:
        """(event_type_name, properties) of the stored events whose property name is value."""
        with self._transaction() as cursor:
            cursor.execute(EVENTS_WITH_PROPERTY, (name, value))
            return [(row[0], row[1]) for row in cursor.fetchall()]

    def event_types_with_test_id(self, test_id: str) -> set[str]:
        return {name for name, _ in self.events_with_property("test_id", test_id)}

    def find_jobnet(self, name: str) -> dict | None:
        """The definition (the jobnets/NAME.yml file as JSON) of a loaded jobnet."""
        with self._transaction() as cursor:
            cursor.execute(FIND_JOBNET, (name,))
            row = cursor.fetchone()
            return row[0] if row else None

    def find_execution(self, start_event: str) -> Execution | None:
        with self._transaction() as cursor:
            cursor.execute(FIND_EXECUTION, (start_event,))
            row = cursor.fetchone()
            return Execution(*row) if row else None

    def create_execution(self, new: Execution) -> tuple[Execution, bool]:
        """Insert new (its id is set); (the execution of new.detail's start_event, whether it
        is new). The start event is seen by one core at a time, so looking first suffices."""
        with self._transaction() as cursor:
            cursor.execute(FIND_EXECUTION, (new.detail["start_event"],))
            row = cursor.fetchone()
            if row:
                return Execution(*row), False
            cursor.execute(INSERT_EXECUTION, (new.jobnet, *new.values()))
            new.id = cursor.fetchone()[0]
            return new, True

    @contextmanager
    def lock_execution(self, execution_id: int):
        """The execution (None if there is none) to change in place, locked in one
        transaction; what changed is written when the block ends."""
        with self._transaction() as cursor:
            cursor.execute(LOCK_EXECUTION, (execution_id,))
            row = cursor.fetchone()
            execution = Execution(*row) if row else None
            before = copy.deepcopy(execution)
            yield execution
            if execution != before:
                cursor.execute(UPDATE_EXECUTION, (*execution.values(), execution.id))

    def upsert_jobnets(self, jobnets, revision: str) -> None:
        """Insert or replace the jobnets (jobnets.Jobnet) of one checkout, all or none."""
        with self._transaction() as cursor:
            for jobnet in jobnets:
                cursor.execute(UPSERT_JOBNET, (
                    jobnet.name, jobnet.caption,
                    json.dumps(jobnet.definition, ensure_ascii=False, default=str),
                    jobnet.source, revision))

    def close(self) -> None:
        try:
            self._connection.close()
        except self._client_error:
            pass  # a lost connection is closed already
