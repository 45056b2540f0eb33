"""oat.drivers.packages: reading control files and building .deb packages with dpkg-deb."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from oat.drivers.packages import KEYRING, Deb, apt_source, build, build_all, build_once, read_control
from oat.errors import LabError

CONTROL = """\
Package: {package}
Version: {version}
Architecture: all
Maintainer: OAT <oat@example.org>
Description: a test package
 The long description,
 on two lines: with a colon.
"""


def make_tree(root: Path, package: str = "oat-hello", version: str = "1.0-1", control: str | None = None) -> Path:
    tree = root / package
    (tree / "DEBIAN").mkdir(parents=True)
    (tree / "DEBIAN" / "control").write_text(
        control if control is not None else CONTROL.format(package=package, version=version)
    )
    (tree / "usr" / "bin").mkdir(parents=True)
    hello = tree / "usr" / "bin" / package
    hello.write_text("#!/bin/sh\necho hello\n")
    hello.chmod(0o755)
    return tree


def deb_field(deb: Path, field: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), field], check=True, capture_output=True, text=True
    ).stdout.strip()


def deb_contents(deb: Path) -> str:
    return subprocess.run(["dpkg-deb", "-c", str(deb)], check=True, capture_output=True, text=True).stdout


# --- read_control ------------------------------------------------------------------------


def test_read_control_returns_the_fields(tmp_path):
    tree = make_tree(tmp_path)
    fields = read_control(tree / "DEBIAN" / "control")
    assert fields["Package"] == "oat-hello"
    assert fields["Version"] == "1.0-1"
    assert fields["Architecture"] == "all"
    assert fields["Maintainer"] == "OAT <oat@example.org>"


def test_read_control_keeps_continuation_lines(tmp_path):
    fields = read_control(make_tree(tmp_path) / "DEBIAN" / "control")
    assert fields["Description"] == ("a test package\n The long description,\n on two lines: with a colon.")


@pytest.mark.parametrize("missing", ["Package", "Version", "Architecture", "Maintainer", "Description"])
def test_a_missing_required_field_names_file_and_field(tmp_path, missing):
    text = "".join(
        line + "\n"
        for line in CONTROL.format(package="oat-x", version="1").splitlines()
        if not line.startswith(missing) and not (missing == "Description" and line.startswith(" "))
    )
    control = tmp_path / "control"
    control.write_text(text)
    with pytest.raises(LabError) as info:
        read_control(control)
    assert str(info.value) == f"{control}: field '{missing}' is missing"


def test_an_empty_required_field_counts_as_missing(tmp_path):
    control = tmp_path / "control"
    control.write_text(CONTROL.format(package="oat-x", version="1").replace("Architecture: all", "Architecture:"))
    with pytest.raises(LabError, match="field 'Architecture' is missing"):
        read_control(control)


@pytest.mark.parametrize("name", ["Oat-Hello", "a", "oat_hello", "-oat"])
def test_an_invalid_package_name_is_named(tmp_path, name):
    control = tmp_path / "control"
    control.write_text(CONTROL.format(package=name, version="1"))
    with pytest.raises(LabError) as info:
        read_control(control)
    assert str(info.value) == f"{control}: Package '{name}' is not a valid package name"


# --- build -------------------------------------------------------------------------------


def test_build_makes_a_deb_named_as_debian_names_it(tmp_path):
    tree = make_tree(tmp_path / "src")
    deb = build(tree, tmp_path / "out")
    assert deb == Deb("oat-hello", "1.0-1", "all", tmp_path / "out" / "oat-hello_1.0-1_all.deb")
    assert deb.filename == "oat-hello_1.0-1_all.deb"
    assert deb.path.is_file()


def test_the_built_deb_has_the_control_fields(tmp_path):
    deb = build(make_tree(tmp_path / "src"), tmp_path / "out")
    assert deb_field(deb.path, "Package") == "oat-hello"
    assert deb_field(deb.path, "Version") == "1.0-1"
    assert deb_field(deb.path, "Architecture") == "all"


def test_the_built_deb_holds_the_files_owned_by_root(tmp_path):
    deb = build(make_tree(tmp_path / "src"), tmp_path / "out")
    listing = deb_contents(deb.path)
    line = next(l for l in listing.splitlines() if l.endswith("./usr/bin/oat-hello"))
    assert line.startswith("-rwxr-xr-x root/root")
    assert "DEBIAN" not in listing


def test_build_creates_the_output_directory(tmp_path):
    out = tmp_path / "a" / "b"
    build(make_tree(tmp_path / "src"), out)
    assert out.is_dir()


def test_a_tree_without_control_is_refused(tmp_path):
    tree = tmp_path / "empty"
    tree.mkdir()
    with pytest.raises(LabError) as info:
        build(tree, tmp_path / "out")
    assert str(info.value) == f"{tree}: not a package tree (no DEBIAN/control)"


def test_a_dpkg_deb_failure_names_the_tree(tmp_path):
    tree = make_tree(tmp_path / "src", version="not-a-version")
    with pytest.raises(LabError) as info:
        build(tree, tmp_path / "out")
    message = str(info.value)
    assert message.startswith(f"{tree}: dpkg-deb failed: ")
    assert "version" in message


def test_a_dpkg_deb_failure_shows_the_error_line_as_text(tmp_path):
    tree = make_tree(tmp_path / "src", version="not-a-version")
    with pytest.raises(LabError) as info:
        build(tree, tmp_path / "out")
    reason = str(info.value).split("dpkg-deb failed: ", 1)[1]
    assert not reason.startswith("["), reason


def test_an_epoch_is_not_part_of_the_file_name(tmp_path):
    deb = build(make_tree(tmp_path / "src", version="1:2.0-1"), tmp_path / "out")
    assert deb.version == "1:2.0-1"
    assert deb.filename == "oat-hello_2.0-1_all.deb"


# --- build_all ---------------------------------------------------------------------------


def test_build_all_builds_every_tree_in_name_order(tmp_path):
    src = tmp_path / "src"
    make_tree(src, "oat-zeta", "2")
    make_tree(src, "oat-alpha", "1")
    (src / "notes").mkdir()  # not a package tree: ignored
    (src / "README").write_text("packages")
    debs = build_all(src, tmp_path / "out")
    assert [d.package for d in debs] == ["oat-alpha", "oat-zeta"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "oat-alpha_1_all.deb",
        "oat-zeta_2_all.deb",
    ]
    assert deb_field(debs[1].path, "Package") == "oat-zeta"


def test_build_all_of_an_empty_directory_builds_nothing(tmp_path):
    assert build_all(tmp_path, tmp_path / "out") == []


def test_build_all_stops_at_a_broken_tree(tmp_path):
    src = tmp_path / "src"
    make_tree(src, "oat-good", "1")
    make_tree(src, "oat-bad", control="Package: oat-bad\n")
    with pytest.raises(LabError, match="oat-bad/DEBIAN/control: field 'Version' is missing"):
        build_all(src, tmp_path / "out")


# --- apt_source --------------------------------------------------------------------------


def test_apt_source_points_at_the_repo_server_with_its_key():
    assert apt_source("repo") == (f"Types: deb\nURIs: http://repo/\nSuites: ./\nSigned-By: {KEYRING}\n")
    assert KEYRING == "/etc/apt/keyrings/oat-lab.gpg"


def test_a_versioned_tree_is_built_once_per_listed_version(tmp_path):
    tree = make_tree(tmp_path / "src", version="@VERSION@")
    (tree / "VERSION").write_text("@VERSION@\n")
    (tree.parent / f"{tree.name}.versions").write_text("1.0.0\n# the update\n2.0.0\n")
    debs = build_all(tmp_path / "src", tmp_path / "out")
    assert [d.version for d in debs] == ["1.0.0", "2.0.0"]
    assert deb_field(debs[1].path, "Version") == "2.0.0"
    assert (tree / "DEBIAN" / "control").read_text().count("@VERSION@") == 1  # source untouched


def test_a_versioned_tree_without_a_version_list_is_named(tmp_path):
    make_tree(tmp_path / "src", version="@VERSION@")
    with pytest.raises(LabError, match=r"Version is @VERSION@ but no version was given .*\.versions"):
        build_all(tmp_path / "src", tmp_path / "out")


# --- build_once ---------------------------------------------------------------------------


def test_build_once_reuses_the_packages_of_the_same_trees(tmp_path):
    src = tmp_path / "src"
    make_tree(src, "oat-a")
    first = build_once(src, tmp_path / "cache")
    again = build_once(src, tmp_path / "cache")
    assert [d.path for d in again] == [d.path for d in first] and len(first) == 1
    assert first[0].path.stat().st_mtime_ns == again[0].path.stat().st_mtime_ns  # not built again


def test_build_once_builds_again_when_a_tree_changes(tmp_path):
    src = tmp_path / "src"
    tree = make_tree(src, "oat-a")
    first = build_once(src, tmp_path / "cache")
    (tree / "usr" / "bin" / "hello").write_text("#!/bin/sh\necho changed\n")
    again = build_once(src, tmp_path / "cache")
    assert again[0].path.parent != first[0].path.parent


def test_build_once_leaves_nothing_behind_when_a_tree_is_broken(tmp_path):
    src = tmp_path / "src"
    make_tree(src, "oat-a")
    (src / "oat-a" / "DEBIAN" / "control").write_text("Package: oat-a\n")
    with pytest.raises(LabError, match="field 'Version' is missing"):
        build_once(src, tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
