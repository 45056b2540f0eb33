"""clweb.conf parsing: the guide's commented $bind, and one-line errors naming line and key."""

from __future__ import annotations

import pytest

from clweb.config import Config, load, parse
from clweb.errors import ClwebError
from jcclweb_tree import INSTALL

DEFAULT_CONF = INSTALL / "share" / "config.default" / "clweb.conf"


def test_the_default_file_has_the_guides_commented_bind_line():
    assert '# $bind = "0.0.0.0"' in DEFAULT_CONF.read_text().splitlines()


def test_the_default_file_binds_every_address_on_443():
    assert load(DEFAULT_CONF) == Config(bind="0.0.0.0", port=443, ssl_cert="ssl/server.crt", ssl_key="ssl/server.key")


def test_the_guides_change_sets_the_floating_ip():
    text = DEFAULT_CONF.read_text().replace('# $bind = "0.0.0.0"', '$bind = "192.168.10.13"')
    assert parse(text).bind == "192.168.10.13"


def test_perl_like_variants_are_accepted():
    text = "$bind = '10.0.0.1';  # trailing comment\n  $port=8443\n\n# $port = \"1\"\n"
    assert parse(text) == Config(bind="10.0.0.1", port=8443)


@pytest.mark.parametrize(
    "line, message",
    [
        ('$port = "https"', 'clweb.conf:3: $port: "https" is not a port number (0-65535)'),
        ('$port = "70000"', 'clweb.conf:3: $port: "70000" is not a port number (0-65535)'),
        ('$bind = "floating-ip"', 'clweb.conf:3: $bind: "floating-ip" is not an IP address'),
        ('$bnd = "192.168.10.13"', "clweb.conf:3: $bnd: unknown setting (known: $bind, $port, $ssl_cert, $ssl_key)"),
        ('$ssl_cert = "a.crt"', "clweb.conf:3: $ssl_cert: set twice (first on line 2)"),
        ('$ssl_key = ""', "clweb.conf:3: $ssl_key: the path is empty"),
        ('bind = "192.168.10.13"', 'clweb.conf:3: expected $key = "value", got: bind = "192.168.10.13"'),
        ('$bind = "192.168.10.13', 'clweb.conf:3: expected $key = "value", got: $bind = "192.168.10.13'),
    ],
)
def test_errors_name_the_line_and_the_key(line, message):
    text = f'# settings\n$ssl_cert = "ssl/server.crt"\n{line}\n'
    with pytest.raises(ClwebError) as info:
        parse(text)
    assert str(info.value) == message
    assert "\n" not in str(info.value)


def test_load_names_the_file(tmp_path):
    conf = tmp_path / "clweb.conf"
    conf.write_text('$port = "x"\n')
    with pytest.raises(ClwebError, match=rf"^{conf}:1: \$port: "):
        load(conf)
    with pytest.raises(ClwebError, match=rf"^{tmp_path}/missing.conf: not found$"):
        load(tmp_path / "missing.conf")
