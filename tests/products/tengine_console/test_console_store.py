"""Store against a stand-in psycopg2 module: the SQL it sends, the rows it returns, and the
one-line causes it gives for a DB that does not answer."""

from __future__ import annotations

import sys
import types
from collections import namedtuple

import pytest

from tengine_console.config import DbConfig
from tengine_console.store import DbUnavailable, Store, short_cause

Column = namedtuple("Column", "name")
DB = DbConfig("10.231.10.12", 5432, "tengine", "tengine", "secret")


class Error(Exception):
    def __init__(self, message="", pgcode=None):
        super().__init__(message)
        self.pgcode = pgcode


class FakeDb:
    """Answers every query with `rows` (or raises `error`) and records what it was asked."""

    def __init__(self):
        self.columns, self.rows = ["n"], []
        self.connect_error = self.query_error = None
        self.queries, self.connect_args, self.closed = [], {}, 0

    def connect(self, **kwargs):
        if self.connect_error:
            raise self.connect_error
        self.connect_args = kwargs
        return self

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql, params):
        if self.query_error:
            raise self.query_error
        self.queries.append((sql, params))
        self.description = [Column(name) for name in self.columns]

    def fetchall(self):
        return self.rows

    def close(self):
        self.closed += 1


@pytest.fixture
def db(monkeypatch) -> FakeDb:
    fake = FakeDb()
    module = types.ModuleType("psycopg2")
    module.Error, module.connect = Error, fake.connect
    monkeypatch.setitem(sys.modules, "psycopg2", module)
    return fake


def test_events_newest_first_at_most_100(db):
    db.columns, db.rows = ["event_type_name", "key"], [("bar", "k2"), ("foo", "k1")]
    assert Store(DB).events() == [{"event_type_name": "bar", "key": "k2"}, {"event_type_name": "foo", "key": "k1"}]
    [(sql, params)] = db.queries
    assert "FROM events ORDER BY occurred_at DESC, id DESC LIMIT %s" in sql and params == (100,)
    assert db.closed == 1


def test_the_type_filter_is_a_query_parameter(db):
    Store(DB).events("foo'; DROP TABLE events; --")
    [(sql, params)] = db.queries
    assert "WHERE event_type_name = %s ORDER BY occurred_at DESC, id DESC LIMIT %s" in sql
    assert params == ("foo'; DROP TABLE events; --", 100)


def test_the_connection_uses_the_config_and_a_short_timeout(db):
    Store(DB).jobnets()
    assert {k: db.connect_args[k] for k in ("host", "port", "dbname", "user", "password", "connect_timeout")} == {
        "host": "10.231.10.12",
        "port": 5432,
        "dbname": "tengine",
        "user": "tengine",
        "password": "secret",
        "connect_timeout": 3,
    }
    assert db.queries[0][0].startswith("SELECT name, caption, revision, loaded_at FROM jobnets")


def test_a_missing_table_is_an_empty_list(db):
    db.query_error = Error('relation "x" does not exist', pgcode="42P01")
    store = Store(DB)
    for rows in (store.events(), store.jobnets(), store.executions(), store.virtual_servers()):
        assert rows == []
    assert db.closed == 4


def test_a_refused_connection_names_address_and_cause(db):
    db.connect_error = Error(
        'connection to server at "10.231.10.12", port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?\n"
    )
    with pytest.raises(DbUnavailable) as error:
        Store(DB).ping()
    assert str(error.value) == "10.231.10.12:5432: connection refused"


def test_executions_newest_first_with_their_detail(db):
    db.columns, db.rows = ["id", "detail"], [(7, {"jobs": {}})]
    assert Store(DB).executions() == [{"id": 7, "detail": {"jobs": {}}}]
    [(sql, params)] = db.queries
    assert sql == (
        "SELECT id, jobnet, status, started_at, finished_at, detail FROM executions ORDER BY id DESC LIMIT %s"
    ) and params == (100,)


def test_another_query_error_is_the_db_being_unavailable(db):
    db.query_error = Error("server closed the connection unexpectedly\n\tThis probably means")
    with pytest.raises(DbUnavailable, match=r"^10\.231\.10\.12:5432: server closed the connection"):
        Store(DB).executions()
    assert db.closed == 1


def test_short_causes():
    for message, cause in [
        ('connection to server at "db" (10.231.10.12), port 5432 failed: timeout expired\n', "timed out"),
        (
            'connection to server at "db" (10.231.10.12), port 5432 failed: FATAL:  password '
            'authentication failed for user "tengine"\n',
            'password authentication failed for user "tengine"',
        ),
        (
            'could not translate host name "nodb" to address: Name or service not known\n',
            'could not translate host name "nodb" to address: Name or service not known',
        ),
        ("", "unknown error"),
    ]:
        assert short_cause(message) == cause
