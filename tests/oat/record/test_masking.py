"""The masker: a known value masked whole in every quoting and encoding it takes, and literal
passwords recognised whatever their quoting, without masking what lies beside them."""

from __future__ import annotations

import html
import json
import shlex
from urllib.parse import quote, quote_plus

import pytest

from oat.record.masking import MASK, Masker

VALUE = """db's "Qz7pw" <&> 100%x/é"""

FORMS = {
    "as it is": VALUE,
    "single-quoted (shlex)": shlex.quote(VALUE),
    "inside single quotes": VALUE.replace("'", "'\"'\"'"),
    "inside double quotes": VALUE.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$"),
    "backslash-escaped (printf %q)": "".join(c if c.isalnum() or c in "@%+=:,./-_" else "\\" + c for c in VALUE),
    "SQL doubled quotes": VALUE.replace("'", "''"),
    "doubled double quotes": VALUE.replace('"', '""'),
    "URL-encoded": quote(VALUE, safe=""),
    "URL-encoded, lower-case hex": quote(VALUE, safe="").lower().replace("qz7pw", "Qz7pw"),
    "URL path": quote(VALUE),
    "form-encoded": quote_plus(VALUE),
    "HTML": html.escape(VALUE),
    "HTML without quotes": html.escape(VALUE, quote=False),
    "HTML &#39;": html.escape(VALUE).replace("&#x27;", "&#39;"),
    "XML &apos;": html.escape(VALUE).replace("&#x27;", "&apos;"),
    "JSON": json.dumps(VALUE, ensure_ascii=False)[1:-1],
    "JSON ASCII": json.dumps(VALUE)[1:-1],
    "Python repr": repr(VALUE)[1:-1],
    "JSON of HTML": json.dumps(html.escape(VALUE))[1:-1],
}


@pytest.mark.parametrize("kind", FORMS)
def test_a_known_value_is_masked_whole_in_each_form(kind):
    form = FORMS[kind]
    text = f"before {form} after"
    assert Masker([VALUE])(text) == f"before {MASK} after", kind


def test_each_form_really_differs_from_the_value():
    """The forms above are not all the value itself (else the test above proves nothing)."""
    assert len(set(FORMS.values())) > 12


@pytest.mark.parametrize(
    "text, masked",
    [
        ("PGPASSWORD=s3cret pg_basebackup -h db", "PGPASSWORD=******** pg_basebackup -h db"),
        ("PGPASSWORD='it''s a pw' psql", "PGPASSWORD='********' psql"),
        ("""PGPASSWORD='it'"'"'s' psql""", "PGPASSWORD=******** psql"),
        ("PGPASSWORD=pa'ss'word cmd", "PGPASSWORD=******** cmd"),
        ("""psql -c "ALTER ROLE r PASSWORD 'it''s'" """, """psql -c "ALTER ROLE r PASSWORD '********'" """),
        ("CREATE ROLE r WITH LOGIN PASSWORD 'a''b' VALID", "CREATE ROLE r WITH LOGIN PASSWORD '********' VALID"),
        (
            "primary_conninfo = 'host=db user=repl password=Secr3t'",
            "primary_conninfo = 'host=db user=repl password=********'",
        ),
        ("host=db password='x y z' port=5432", "host=db password='********' port=5432"),
        ('{"password": "ab\\"cd", "user": "u"}', '{"password": "********", "user": "u"}'),
        ("password: hunter22\nuser: app", "password: ********\nuser: app"),
        ("CREATE USER u IDENTIFIED BY 'zz top';", "CREATE USER u IDENTIFIED BY '********';"),
        ('--password="a b" --verbose', '--password="********" --verbose'),
        ("curl https://u:pw12@h/x", "curl https://u:********@h/x"),
        ("https://h/?token=abc123&x=1", "https://h/?token=********&x=1"),
    ],
)
def test_literal_secrets_are_masked_whatever_their_quoting(text, masked):
    assert Masker()(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "passed: 5 failed: 0",
        "proofs/test_secrets.py:95: AssertionError",
        "bypass the cache",
        "ls /etc/passwd",
        "token = _zone_var.set(self)",
    ],
)
def test_text_that_only_looks_like_a_secret_is_kept(text):
    assert Masker()(text) == text


def test_a_quote_that_closes_a_repr_does_not_carry_the_mask_onto_the_next_lines():
    text = """row = ['app', "password='Lit''99'"]\nnext "line" stays"""
    assert Masker()(text) == """row = ['app', "password='********'"]\nnext "line" stays"""


def test_a_value_that_contains_another_is_masked_whole():
    masker = Masker(["abcd", "xxabcdxx"])
    assert masker("xxabcdxx and abcd") == f"{MASK} and {MASK}"


def test_short_values_are_refused():
    with pytest.raises(ValueError, match="at least 4"):
        Masker(["abc"])


def test_plain_data_is_masked_throughout():
    masker = Masker(["s3cret-value"])
    data = {"steps": [{"name": "PGPASSWORD=s3cret-value x", "n": 1}], "t": ("s3cret-value",)}
    assert masker.data(data) == {"steps": [{"name": "PGPASSWORD=******** x", "n": 1}], "t": (MASK,)}
