"""oat.drivers.docker.images: the content hash that tags an image, and the host's Debian mirror."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from oat.drivers.docker.images import context_hash, host_debian_mirror
from oat.errors import LabError

PARENT = "sha256:1111"


@pytest.fixture
def context(tmp_path: Path) -> Path:
    ctx = tmp_path / "server"
    (ctx / "files").mkdir(parents=True)
    (ctx / "Dockerfile").write_text("ARG BASE\nFROM $BASE\nCOPY files/ /\n")
    (ctx / "files" / "setup.sh").write_text("#!/bin/sh\necho hi\n")
    (ctx / "files" / "setup.sh").chmod(0o644)
    return ctx


# --- context_hash ------------------------------------------------------------------------


def test_the_hash_is_a_short_hex_digest(context):
    value = context_hash(context, PARENT)
    assert len(value) == 12
    int(value, 16)


def test_the_same_context_gives_the_same_hash(context, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(context, copy)
    assert context_hash(context, PARENT) == context_hash(context, PARENT)
    assert context_hash(copy, PARENT) == context_hash(context, PARENT)


def test_one_changed_byte_of_the_dockerfile_changes_the_hash(context):
    before = context_hash(context, PARENT)
    dockerfile = context / "Dockerfile"
    dockerfile.write_bytes(dockerfile.read_bytes().replace(b"hi", b"ho").replace(b"COPY", b"COPx"))
    assert context_hash(context, PARENT) != before


def test_a_changed_exec_bit_changes_the_hash(context):
    before = context_hash(context, PARENT)
    (context / "files" / "setup.sh").chmod(0o755)
    assert context_hash(context, PARENT) != before


def test_a_different_parent_changes_the_hash(context):
    assert context_hash(context, PARENT) != context_hash(context, "sha256:2222")


def test_a_renamed_file_changes_the_hash(context):
    before = context_hash(context, PARENT)
    (context / "files" / "setup.sh").rename(context / "files" / "install.sh")
    assert context_hash(context, PARENT) != before


def test_an_added_file_changes_the_hash(context):
    before = context_hash(context, PARENT)
    (context / "files" / "extra.conf").write_text("")
    assert context_hash(context, PARENT) != before


def test_pycache_is_ignored(context):
    before = context_hash(context, PARENT)
    cache = context / "files" / "__pycache__"
    cache.mkdir()
    (cache / "mod.cpython-311.pyc").write_bytes(b"\x00compiled")
    assert context_hash(context, PARENT) == before


def test_empty_directories_are_ignored(context):
    before = context_hash(context, PARENT)
    (context / "files" / "empty").mkdir()
    assert context_hash(context, PARENT) == before


# --- host_debian_mirror ------------------------------------------------------------------


@pytest.fixture
def apt(tmp_path: Path):
    sources_dir = tmp_path / "sources.list.d"
    sources_dir.mkdir()
    return sources_dir, tmp_path / "sources.list"


DEBIAN_SOURCES = """\
# Security first, as some installers write it.
Types: deb
URIs: http://security.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://mirror.security.example/debian-security
Suites: bookworm
Components: main

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://source-only.example/debian
Suites: bookworm

Types: deb deb-src
URIs: http://deb.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


def test_a_deb822_sources_file_gives_the_main_archive(apt):
    sources_dir, sources_list = apt
    (sources_dir / "debian.sources").write_text(DEBIAN_SOURCES)
    assert host_debian_mirror(sources_dir, sources_list) == "http://deb.example.org/debian"


def test_a_disabled_stanza_is_skipped_whatever_the_case(apt):
    sources_dir, sources_list = apt
    (sources_dir / "debian.sources").write_text(
        "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nEnabled: No\n\n"
        "Types: deb\nURIs: http://on.example/debian\nSuites: bookworm\n"
    )
    assert host_debian_mirror(sources_dir, sources_list) == "http://on.example/debian"


def test_a_one_line_sources_list_with_options_gives_its_uri(apt):
    sources_dir, sources_list = apt
    sources_list.write_text(
        "# deb http://commented.example/debian bookworm main\n"
        "deb-src http://src.example/debian bookworm main\n"
        "deb http://security.debian.org/debian-security bookworm-security main\n"
        "deb [arch=amd64 signed-by=/usr/share/keyrings/debian.gpg] http://opt.example/debian bookworm main\n"
    )
    assert host_debian_mirror(sources_dir, sources_list) == "http://opt.example/debian"


def test_options_with_spaces_inside_the_brackets_are_skipped(apt):
    sources_dir, sources_list = apt
    sources_list.write_text("deb [ arch=amd64 ] http://spaced.example/debian bookworm main\n")
    assert host_debian_mirror(sources_dir, sources_list) == "http://spaced.example/debian"


def test_sources_list_is_read_before_the_directory(apt):
    sources_dir, sources_list = apt
    sources_list.write_text("deb http://first.example/debian bookworm main\n")
    (sources_dir / "debian.sources").write_text("Types: deb\nURIs: http://second.example/debian\nSuites: bookworm\n")
    assert host_debian_mirror(sources_dir, sources_list) == "http://first.example/debian"


def test_a_list_file_in_the_directory_is_read(apt):
    sources_dir, sources_list = apt
    (sources_dir / "mirror.list").write_text("deb http://list.example/debian bookworm main\n")
    (sources_dir / "ignored.txt").write_text("deb http://txt.example/debian bookworm main\n")
    assert host_debian_mirror(sources_dir, sources_list) == "http://list.example/debian"


def test_another_suite_is_not_taken(apt):
    sources_dir, sources_list = apt
    sources_list.write_text("deb http://old.example/debian bullseye main\n")
    (sources_dir / "trixie.sources").write_text("Types: deb\nURIs: http://new.example/debian\nSuites: trixie\n")
    assert host_debian_mirror(sources_dir, sources_list, suite="trixie") == "http://new.example/debian"
    with pytest.raises(LabError):
        host_debian_mirror(sources_dir, sources_list, suite="bookworm")


def test_no_mirror_raises_a_lab_error_naming_the_files(apt):
    sources_dir, sources_list = apt
    sources_list.write_text("deb http://security.debian.org/debian-security bookworm-security main\n")
    with pytest.raises(LabError) as info:
        host_debian_mirror(sources_dir, sources_list)
    message = str(info.value)
    assert "'bookworm'" in message
    assert str(sources_list) in message
    assert f"{sources_dir}/*.sources" in message


def test_missing_apt_configuration_raises_a_lab_error(tmp_path):
    with pytest.raises(LabError, match="no Debian mirror"):
        host_debian_mirror(tmp_path / "absent.d", tmp_path / "absent.list")


# --- the project's package set ---------------------------------------------------------------


def _recipes(tmp_path: Path) -> Path:
    recipes = tmp_path / "recipes"
    (recipes / "repo").mkdir(parents=True)
    (recipes / "repo" / "Dockerfile").write_text("ARG BASE\nFROM $BASE\nCOPY list /list\n")
    (recipes / "images.yaml").write_text("repo:\n  parent: debian:bookworm\n  packages: list\n")
    return recipes


def test_each_package_set_is_a_context_of_its_own(tmp_path):
    from oat.drivers.docker.images import Images

    recipes = _recipes(tmp_path)
    hashes = {}
    for packages in (["nginx"], ["postgresql", "nginx"], ["nginx", "postgresql"]):
        images = Images(None, recipes, str, packages=packages)
        with images.context("repo") as context:
            assert (context / "list").read_text() == "".join(f"{p}\n" for p in sorted(set(packages)))
            hashes[tuple(packages)] = context_hash(context, PARENT)
    assert hashes[("nginx",)] != hashes[("postgresql", "nginx")] == hashes[("nginx", "postgresql")]
    assert not (recipes / "repo" / "list").exists()  # oat's own recipe is never written to


def test_a_package_name_that_is_not_one_is_refused(tmp_path):
    from oat.drivers.docker.images import Images

    with pytest.raises(LabError, match="'nginx; rm -rf /' is not a Debian package name"):
        Images(None, _recipes(tmp_path), str, packages=["nginx; rm -rf /"])
