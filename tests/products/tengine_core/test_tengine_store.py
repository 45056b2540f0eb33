"""store.Store on a stand-in psycopg2 connection: the SQL of executions and jobnets, one
transaction per change, and the row lock around every change of an execution."""

from __future__ import annotations

import json
from datetime import datetime, UTC

import pytest

from tengine_core.errors import ServerError
from tengine_core.store import Execution, Store

STARTED = datetime(2026, 11, 22, 3, 54, tzinfo=UTC)
ROW = (7, "jn_hello", "running", STARTED, None, {"start_event": "k1", "jobs": {"j1": {"status": "waiting"}}})


class ClientError(Exception):
    pass


class Connection:
    """Answers each query with the next of `answers` (a list of rows); records statements,
    commits and rollbacks."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.log = []
        self.rows = []

    def cursor(self):
        return self

    def execute(self, sql, params=()):
        self.log.append((" ".join(sql.split()), params))
        self.rows = self.answers.pop(0) if self.answers else []

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows

    def commit(self):
        self.log.append("COMMIT")

    def rollback(self):
        self.log.append("ROLLBACK")


def store_on(connection) -> Store:
    return Store(connection, "127.0.0.1:5432", ClientError)


def test_a_change_is_made_under_the_row_lock_and_written_in_the_same_transaction():
    connection = Connection([ROW])
    with store_on(connection).lock_execution(7) as execution:
        execution.detail["jobs"]["j1"]["status"] = "running"
    (lock, lock_params), (update, update_params), commit = connection.log
    assert lock.endswith("FROM executions WHERE id = %s FOR UPDATE") and lock_params == (7,)
    assert update.startswith(
        "UPDATE executions SET status = %s, started_at = %s, finished_at = %s, detail = %s::jsonb WHERE id = %s"
    )
    assert update_params[:3] == ("running", STARTED, None) and update_params[4] == 7
    assert json.loads(update_params[3])["jobs"]["j1"]["status"] == "running"
    assert commit == "COMMIT"


def test_no_change_no_write_and_an_error_rolls_back():
    connection = Connection([ROW])
    with store_on(connection).lock_execution(7):
        pass
    assert [entry if isinstance(entry, str) else "SQL" for entry in connection.log] == ["SQL", "COMMIT"]
    connection = Connection([ROW])
    with pytest.raises(KeyError):
        with store_on(connection).lock_execution(7) as execution:
            execution.status = "error"
            raise KeyError("oops")
    assert connection.log[-1] == "ROLLBACK" and len(connection.log) == 2


def test_a_missing_execution_is_none():
    with store_on(Connection([])).lock_execution(9) as execution:
        assert execution is None


def test_an_execution_is_created_once_per_start_event():
    connection = Connection([], [(8,)])
    new = Execution(None, "jn_hello", "running", STARTED, None, {"start_event": "k2", "jobs": {}})
    assert store_on(connection).create_execution(new) == (new, True) and new.id == 8
    (find, find_params), (insert, insert_params), _ = connection.log
    assert "WHERE detail->>'start_event' = %s" in find and find_params == ("k2",)
    assert insert.startswith(
        "INSERT INTO executions (jobnet, status, started_at, finished_at,"
        " detail) VALUES (%s, %s, %s, %s, %s::jsonb) RETURNING id"
    )
    assert insert_params[:4] == ("jn_hello", "running", STARTED, None)
    found, created = store_on(Connection([ROW])).create_execution(new)
    assert (found.id, created) == (7, False)


def test_jobnets_and_events_by_property():
    connection = Connection([({"jobnet": "jn_hello"},)], [], [("bar", {"test_id": "t"})])
    store = store_on(connection)
    assert store.find_jobnet("jn_hello") == {"jobnet": "jn_hello"}
    assert store.find_jobnet("jn_x") is None
    assert store.events_with_property("test_id", "t") == [("bar", {"test_id": "t"})]
    assert connection.log[0] == ("SELECT definition FROM jobnets WHERE name = %s", ("jn_hello",))
    assert connection.log[-2] == (
        "SELECT event_type_name, properties FROM events WHERE properties->>%s = %s ORDER BY id",
        ("test_id", "t"),
    )


def test_a_db_error_is_a_server_error_naming_the_db():
    class Broken(Connection):
        def execute(self, sql, params=()):
            raise ClientError("server closed the connection unexpectedly\n")

    with pytest.raises(ServerError, match="^db 127.0.0.1:5432: server closed the connection unexpectedly$"):
        with store_on(Broken()).lock_execution(7):
            pass
