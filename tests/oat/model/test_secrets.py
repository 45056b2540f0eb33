"""Declared secrets: values from the environment or the secrets file, and one-line errors that
name the secret and where it is looked for."""

from __future__ import annotations

import pytest

from oat.model.secrets import SecretError, Secrets


def test_the_environment_wins_over_the_file(tmp_path):
    file = tmp_path / "secrets.yaml"
    file.write_text("DB_PASSWORD: from-file\nAPP_PASSWORD: app-from-file\n", encoding="utf-8")
    secrets = Secrets.load(["DB_PASSWORD", "APP_PASSWORD"], file, environ={"OAT_SECRET_DB_PASSWORD": "from-env"})
    assert secrets.values == {"DB_PASSWORD": "from-env", "APP_PASSWORD": "app-from-file"}


def test_placeholders_are_replaced_by_the_values():
    secrets = Secrets.load(["DB_PASSWORD"], None, environ={"OAT_SECRET_DB_PASSWORD": "pw's"})
    assert secrets.expand("psql password={secret.DB_PASSWORD} -c 'SELECT 1'") == "psql password=pw's -c 'SELECT 1'"
    assert secrets.expand("echo ${secret.DB_PASSWORD} {other.thing}") == "echo ${secret.DB_PASSWORD} {other.thing}"


def test_an_unset_secret_names_the_variable_and_the_file(tmp_path):
    secrets = Secrets.load(["REPL_PASSWORD"], tmp_path / "secrets.yaml", environ={})
    with pytest.raises(SecretError) as error:
        secrets.check("x {secret.REPL_PASSWORD} y", "features/db/01.feature:12")
    assert str(error.value) == (
        f"features/db/01.feature:12: secret 'REPL_PASSWORD' is not set: set the environment "
        f"variable OAT_SECRET_REPL_PASSWORD or put 'REPL_PASSWORD' in {tmp_path / 'secrets.yaml'}"
    )
    assert error.value.exit_code == 7


def test_an_undeclared_secret_says_where_to_declare_it():
    secrets = Secrets.load(["A_PW"], None, environ={"OAT_SECRET_B_PW": "x" * 8})
    with pytest.raises(
        SecretError,
        match=r"^f:3: \{secret.B_PW\} names no declared secret: declare 'B_PW' in "
        r"pytest.ini \(oat_secrets\) \(declared: A_PW\)$",
    ):
        secrets.check("{secret.B_PW}", "f:3")


@pytest.mark.parametrize(
    "content, message",
    [
        ("- a\n- b\n", "must be a mapping of secret names to values"),
        ("OTHER: x\n", "'OTHER' is not a declared secret"),
        ("DB_PASSWORD: [1, 2]\n", "the value of 'DB_PASSWORD' must be text"),
        ("DB_PASSWORD: 'unclosed\n", "not YAML at line"),
    ],
)
def test_a_bad_secrets_file_is_one_line_naming_it_and_never_its_content(tmp_path, content, message):
    file = tmp_path / "secrets.yaml"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(SecretError) as error:
        Secrets.load(["DB_PASSWORD"], file, environ={})
    assert str(error.value).startswith(f"{file}: ") and message in str(error.value)
    assert "\n" not in str(error.value) and "unclosed" not in str(error.value)


def test_a_missing_file_is_an_error_only_when_it_was_asked_for(tmp_path):
    assert Secrets.load(["X_PW"], tmp_path / "none.yaml", environ={}).values == {}
    with pytest.raises(SecretError, match="the secrets file is not there"):
        Secrets.load(["X_PW"], tmp_path / "none.yaml", file_required=True, environ={})


def test_a_declared_name_must_be_a_name():
    with pytest.raises(SecretError, match="secret name 'db-password' is not a name"):
        Secrets.load(["db-password"], None, environ={})
