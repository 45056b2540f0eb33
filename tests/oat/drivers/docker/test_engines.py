"""oat.drivers.docker.engines: an engine named as a URL or a docker context, the environment that selects it
(never TLS without verification), the engine each xdist worker takes, and the one line an
engine that does not answer gets."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oat.drivers.docker import engines
from oat.drivers.docker import lab as labmod
from oat.drivers.docker.engines import Engine, EngineError, chosen_name, resolve
from oat.errors import LabError

ROOT = Path(__file__).resolve().parents[4]
NO_SOCKET = "unix:///nonexistent/oat-test-engines.sock"


@pytest.fixture
def certs(tmp_path: Path) -> Path:
    folder = tmp_path / "certs"
    folder.mkdir()
    for name in engines.TLS_FILES:
        (folder / name).write_text(f"{name}\n")
    return folder


def no_context(name):
    raise AssertionError(f"a URL was taken for the context {name}")


# --- the URL forms -----------------------------------------------------------------------


def test_a_unix_socket_selects_that_socket_without_tls():
    engine = resolve("unix:///run/user/1000/docker.sock", environ={"DOCKER_CERT_PATH": "/x"}, inspect=no_context)
    assert engine == Engine("unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock")
    assert engine.environment() == {
        "DOCKER_HOST": "unix:///run/user/1000/docker.sock",
        "DOCKER_TLS_VERIFY": None,
        "DOCKER_CERT_PATH": None,
        "DOCKER_CONTEXT": None,
    }
    assert not engine.ssh


@pytest.mark.parametrize("name", ["unix://docker.sock", "unix://host/docker.sock"])
def test_a_socket_path_must_be_absolute(name):
    with pytest.raises(EngineError, match="absolute path"):
        resolve(name, inspect=no_context)


def test_tcp_takes_its_tls_material_from_engine_certs(certs):
    engine = resolve("tcp://10.9.9.9:2376", certs=certs, environ={}, inspect=no_context)
    assert engine.host == "tcp://10.9.9.9:2376"
    assert engine.cert_path == str(certs.resolve())
    assert engine.environment() == {
        "DOCKER_HOST": "tcp://10.9.9.9:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certs.resolve()),
        "DOCKER_CONTEXT": None,
    }
    assert engine.describe() == f"tcp://10.9.9.9:2376, TLS verified against {certs.resolve()}/ca.pem"


def test_tcp_takes_docker_cert_path_when_no_directory_is_given(certs):
    engine = resolve("tcp://engine.example:2376", environ={"DOCKER_CERT_PATH": str(certs)}, inspect=no_context)
    assert engine.cert_path == str(certs.resolve())
    assert engine.environment()["DOCKER_TLS_VERIFY"] == "1"


def test_tcp_without_tls_material_is_refused():
    with pytest.raises(EngineError, match=r"tcp://10.9.9.9:2375: a TCP engine needs TLS verified against a CA"):
        resolve("tcp://10.9.9.9:2375", environ={}, inspect=no_context)


def test_tcp_names_the_tls_files_it_lacks(certs):
    (certs / "key.pem").unlink()
    with pytest.raises(EngineError, match=r"lacks key.pem"):
        resolve("tcp://10.9.9.9:2376", certs=certs, environ={}, inspect=no_context)


@pytest.mark.parametrize(
    "name, why",
    [
        ("tcp://:2376", "expected tcp://HOST:PORT"),
        ("tcp://h:port", "port is not a number"),
        ("tcp://h:2376/v1", "expected tcp://HOST:PORT"),
        ("http://h:2375", "unknown form 'http://'"),
        ("ssh://", "no host"),
        ("  ", "empty engine name"),
    ],
)
def test_malformed_engines_are_refused_in_one_line(name, why, certs):
    with pytest.raises(EngineError, match=why) as caught:
        resolve(name, certs=certs, environ={}, inspect=no_context)
    assert "\n" not in str(caught.value)


def test_ssh_goes_through_the_ssh_client_without_tls():
    engine = resolve("ssh://oat@engine.example:2222", environ={"DOCKER_CERT_PATH": "/x"}, inspect=no_context)
    assert engine.ssh
    assert engine.environment() == {
        "DOCKER_HOST": "ssh://oat@engine.example:2222",
        "DOCKER_TLS_VERIFY": None,
        "DOCKER_CERT_PATH": None,
        "DOCKER_CONTEXT": None,
    }


# --- docker contexts ------------------------------------------------------------------------


def inspected(host: str, tls_path: str = "", material=(), skip: bool = False) -> dict:
    """What `docker context inspect NAME` prints for one context (docker CLI 28)."""
    return json.loads(
        json.dumps(
            {
                "Name": "c",
                "Metadata": {},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": skip}},
                "TLSMaterial": {"docker": list(material)} if material else {},
                "Storage": {"MetadataPath": "/m", "TLSPath": tls_path},
            }
        )
    )


def test_a_tls_context_gives_its_host_and_its_tls_material(tmp_path):
    tls = tmp_path / "contexts" / "tls" / "abc"
    (tls / "docker").mkdir(parents=True)
    for name in engines.TLS_FILES:
        (tls / "docker" / name).write_text("x")
    seen = []
    engine = resolve(
        "remote",
        environ={},
        inspect=lambda name: seen.append(name) or inspected("tcp://10.9.9.9:2376", str(tls), engines.TLS_FILES),
    )
    assert seen == ["remote"]
    assert engine == Engine("remote", "tcp://10.9.9.9:2376", str((tls / "docker").resolve()), context="remote")
    assert engine.environment()["DOCKER_TLS_VERIFY"] == "1"
    assert engine.describe().startswith("tcp://10.9.9.9:2376 (docker context remote), TLS verified against ")


def test_an_ssh_context_and_the_default_context():
    ssh = resolve("box", environ={}, inspect=lambda name: inspected("ssh://me@box"))
    assert (ssh.host, ssh.context, ssh.cert_path, ssh.ssh) == ("ssh://me@box", "box", None, True)
    default = resolve("default", environ={}, inspect=lambda name: inspected(engines.LOCAL, "<IN MEMORY>"))
    assert (default.host, default.cert_path) == (engines.LOCAL, None)


def test_a_context_that_skips_verification_is_refused():
    with pytest.raises(EngineError, match="skips TLS verification"):
        resolve("lax", environ={}, inspect=lambda name: inspected("tcp://10.9.9.9:2376", skip=True))


def test_a_tcp_context_without_tls_material_is_refused():
    with pytest.raises(EngineError, match="has no TLS material"):
        resolve("plain", environ={}, inspect=lambda name: inspected("tcp://10.9.9.9:2375", "/t"))


def test_a_context_without_a_docker_endpoint_is_refused():
    with pytest.raises(EngineError, match="names no Docker endpoint"):
        resolve("empty", environ={}, inspect=lambda name: {"Name": "empty", "Endpoints": {}})


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI")
def test_an_unknown_context_is_one_line_from_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))  # an empty context store
    with pytest.raises(EngineError, match=r"engine nope: not a URL .* nor a docker context: .*not found") as caught:
        resolve("nope")
    assert "\n" not in str(caught.value)


# --- the engine each worker takes --------------------------------------------------------------


@pytest.mark.parametrize(
    "worker, expected",
    [(None, "a"), ("gw0", "a"), ("gw1", "b"), ("gw2", "c"), ("gw3", "a"), ("gw10", "b"), ("master", "a")],
)
def test_worker_n_takes_the_nth_engine_modulo_their_number(worker, expected):
    assert chosen_name(None, " a, b ,c", worker) == expected


def test_one_engine_or_none():
    assert chosen_name("ssh://x@y", None, "gw5") == "ssh://x@y"
    assert chosen_name(None, None, "gw1") is None


def test_engine_and_engines_together_or_an_empty_list_are_refused():
    with pytest.raises(EngineError, match="not both"):
        chosen_name("a", "b,c", None)
    with pytest.raises(EngineError, match="names no engine"):
        chosen_name(None, " , ", None)


def test_each_worker_resolves_its_own_engine(certs):
    chosen = [
        engines.for_worker(None, "unix:///a.sock,tcp://10.9.9.9:2376", w, certs=certs, environ={}, inspect=no_context)
        for w in ("gw0", "gw1")
    ]
    assert [e.host for e in chosen] == ["unix:///a.sock", "tcp://10.9.9.9:2376"]
    assert engines.for_worker(None, None, "gw0") is None


# --- the environment: TLS is never set up without verification -----------------------------


def test_apply_replaces_every_variable_of_an_earlier_engine(certs):
    environ = {
        "DOCKER_HOST": "tcp://old:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": "/old",
        "DOCKER_CONTEXT": "old",
        "PATH": "/bin",
    }
    engines.apply(resolve("unix:///s.sock", environ={}), environ)
    assert environ == {"DOCKER_HOST": "unix:///s.sock", "PATH": "/bin"}
    engines.apply(resolve("tcp://10.9.9.9:2376", certs=certs, environ={}), environ)
    assert environ == {
        "DOCKER_HOST": "tcp://10.9.9.9:2376",
        "DOCKER_TLS_VERIFY": "1",
        "DOCKER_CERT_PATH": str(certs.resolve()),
        "PATH": "/bin",
    }


def test_no_engine_gives_a_cert_path_without_verification(certs, tmp_path):
    tls = tmp_path / "ctx"
    (tls / "docker").mkdir(parents=True)
    for name in engines.TLS_FILES:
        (tls / "docker" / name).write_text("x")
    made = [
        resolve("unix:///s.sock", environ={"DOCKER_CERT_PATH": str(certs)}),
        resolve("ssh://u@h", environ={"DOCKER_CERT_PATH": str(certs), "DOCKER_TLS_VERIFY": ""}),
        resolve("tcp://h:2376", certs=certs, environ={"DOCKER_TLS_VERIFY": ""}),
        resolve("c", inspect=lambda name: inspected("tcp://h:2376", str(tls), engines.TLS_FILES)),
        resolve("c", inspect=lambda name: inspected("ssh://u@h", str(tls), engines.TLS_FILES)),
    ]
    for engine in made:
        environ = {"DOCKER_TLS_VERIFY": "", "DOCKER_CERT_PATH": "/stale"}
        engines.apply(engine, environ)
        assert ("DOCKER_CERT_PATH" in environ) == (environ.get("DOCKER_TLS_VERIFY") == "1"), engine
        assert environ.get("DOCKER_TLS_VERIFY") in (None, "1"), engine


# --- an engine that does not answer --------------------------------------------------------------


def test_an_engine_that_does_not_answer_is_one_line_naming_it(monkeypatch):
    monkeypatch.setattr(engines, "_applied", None)
    for key in engines.VARIABLES:
        monkeypatch.delenv(key, raising=False)
    engines.apply(resolve(NO_SOCKET))
    with pytest.raises(LabError) as caught:
        labmod.connect()
    assert str(caught.value) == f"no Docker engine answers at {NO_SOCKET} (No such file or directory)"


@pytest.mark.parametrize(
    "options",
    [
        ["--engine", NO_SOCKET],
        # under xdist the controller asks before any worker gets a test
        ["-n", "2", "--engines", f"{NO_SOCKET},{NO_SOCKET}.2"],
    ],
    ids=["engine", "xdist-engines"],
)
def test_a_run_on_an_engine_that_does_not_answer_exits_3_with_one_line(tmp_path, options):
    """The whole path: the option, the line, exit 3, and no lab or package build begun."""
    env = {k: v for k, v in os.environ.items() if k not in engines.VARIABLES and k != "PYTEST_ADDOPTS"}
    packages = set((ROOT / ".oat" / "packages").glob("*"))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/nginx",
            "-p",
            "no:cacheprovider",
            *options,
            f"--html={tmp_path}/report.html",
            f"--junitxml={tmp_path}/junit.xml",
            f"--cucumberjson={tmp_path}/cucumber.json",
            f"--workbook={tmp_path}/w.xlsx",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if "no Docker engine answers" in line]
    assert len(lines) == 1, done.stdout + done.stderr
    assert f"oat: no Docker engine answers at {NO_SOCKET} (No such file or directory)" in lines[0]
    assert set((ROOT / ".oat" / "packages").glob("*")) <= packages  # nothing built for a lab


def test_a_malformed_engine_is_a_usage_error_before_anything_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in engines.VARIABLES and k != "PYTEST_ADDOPTS"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features/nginx",
            "-p",
            "no:cacheprovider",
            "--collect-only",
            "-q",
            "--engine",
            "tcp://10.9.9.9:2375",
            "--engine-certs",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"oat: engine tcp://10.9.9.9:2375: {tmp_path} lacks ca.pem, cert.pem, key.pem" in done.stderr


def test_named_lists_every_engine_in_order():
    assert engines.named(None, "a, b,,c") == ["a", "b", "c"]
    assert engines.named("x", None) == ["x"]
    assert engines.named(None, None) == []


def test_a_tls_client_verifies_against_the_engines_ca_not_the_environments(certs, monkeypatch):
    """requests would put REQUESTS_CA_BUNDLE in place of the engine's CA when it trusts the
    environment: the client for a TLS engine does not."""
    import docker.api.client

    monkeypatch.setattr(docker.api.client.APIClient, "version", lambda self, api_version=True: {"ApiVersion": "1.41"})
    environment = engines.environment_of(
        resolve("tcp://10.9.9.9:2376", certs=certs, environ={}),
        {"REQUESTS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"},
    )
    client = labmod._client(5, environment)
    assert client.api.verify == str(certs.resolve() / "ca.pem")
    assert client.api.trust_env is False
    assert client.api.api_version == "1.41"
    assert client.api.base_url == "https://10.9.9.9:2376"
