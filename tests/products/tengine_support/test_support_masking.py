"""The masking rules: secret-named keys in YAML, INI, conf, shell, JSON and command lines,
URL credentials, private key blocks, and the files withheld."""

from __future__ import annotations

import pytest

from tengine_support.masking import mask, withheld


@pytest.mark.parametrize(
    "line, masked",
    [
        ("  password: s3cret", "  password: ********"),
        ("  password: my pass phrase  # the DB's", "  password: ********"),
        ('  password: "s3cret"  # quoted', '  password: "********"  # quoted'),
        ("pass: 'x y'", "pass: '********'"),
        ("  - api_token: abc", "  - api_token: ********"),
        ("connection: {host: mq1, user: guest, pass: guest}", "connection: {host: mq1, user: guest, pass: ********}"),
        ("default_pass = guest", "default_pass = ********"),
        ("Secret_Key=abc", "Secret_Key=********"),
        ("export PGPASSWORD=abc", "export PGPASSWORD=********"),
        ("#password = old", "#password = ********"),
        ('{"password": "x", "user": "y"}', '{"password": "********", "user": "y"}'),
        ("psql --password=x --user=bob", "psql --password=******** --user=bob"),
        ("INFO key=abc level=info", "INFO key=******** level=info"),
        ("    ssh_key: /etc/tengine/ssh/id_ed25519", "    ssh_key: ********"),
        ("url: amqp://guest:guest@mq1:5672/", "url: amqp://guest:********@mq1:5672/"),
    ],
)
def test_secret_values_are_masked(line, masked):
    assert mask(line) == (masked, 1)


@pytest.mark.parametrize(
    "line",
    [
        "  user: tengine",
        "  known_hosts: /etc/tengine/ssh/known_hosts",
        "port = 5432",
        "  password:",
        '  password: ""',
        "password = ''",
        "gnome-keyring  1:42.1-1  install ok",
        "see https://example.org/docs",
        "Accepted publickey for tengine from 10.0.0.1",
    ],
)
def test_what_is_no_secret_or_an_empty_one_stays(line):
    assert mask(line) == (line, 0)


def test_private_key_blocks_keep_their_first_and_last_lines():
    text = (
        "before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1\nrZXktdjE=\n"
        "-----END OPENSSH PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nMIIB\n"
        "-----END CERTIFICATE-----\n-----BEGIN EC PRIVATE KEY-----\nMHcC\n"
        "-----END EC PRIVATE KEY-----\nafter\n"
    )
    assert mask(text) == (
        "before\n-----BEGIN OPENSSH PRIVATE KEY-----\n********\n-----END OPENSSH PRIVATE KEY-----\n"
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        "-----BEGIN EC PRIVATE KEY-----\n********\n-----END EC PRIVATE KEY-----\nafter\n",
        2,
    )


def test_a_block_cut_by_a_logs_tail_is_masked_at_either_end():
    assert mask("MIIEpA\nKCAQ==\n-----END RSA PRIVATE KEY-----\nafter\n") == (
        "********\n-----END RSA PRIVATE KEY-----\nafter\n",
        1,
    )
    assert mask("log\n-----BEGIN PRIVATE KEY-----\nMIIEv\nKCAQ") == (
        "log\n-----BEGIN PRIVATE KEY-----\n********\n-----END PRIVATE KEY-----",
        1,
    )


def test_masking_twice_finds_nothing_more():
    once, count = mask(
        "password: a\nx: {pass: b}\n-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\nhttp://u:p@h/\n"
    )
    assert count == 4
    assert mask(once) == (once, 0)


@pytest.mark.parametrize(
    "name, kept",
    [
        ("server.key", False),
        ("id_ed25519", False),
        ("id_rsa", False),
        ("console_users", False),
        ("id_ed25519.pub", True),
        ("server.crt", True),
        ("known_hosts", True),
        ("tengined.yml", True),
        ("keys.txt", True),
    ],
)
def test_key_files_and_the_console_users_are_withheld(name, kept):
    assert withheld(name) is not kept
