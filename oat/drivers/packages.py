"""The lab's package source: the project's own .deb packages and the third-party ones.

The project's packages (the reference products) live as dpkg-deb trees under lab/packages/
(NAME/DEBIAN/control and the files to install). Each run builds them with dpkg-deb and puts
them on the lab's repo server, which also holds the third-party packages downloaded when its
image was built. The repo server indexes and signs the repository with its own key; the lab
hands the public key to every server and makes the lab's repository its only apt source.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from oat.drivers.tarball import tar_of
from oat.errors import LabError

REPO_ROOT = "/srv/repo"
KEYRING = "/etc/apt/keyrings/oat-lab.gpg"
REQUIRED = ("Package", "Version", "Architecture", "Maintainer", "Description")


@dataclass(frozen=True)
class Deb:
    package: str
    version: str
    architecture: str
    path: Path

    @property
    def filename(self) -> str:
        return self.path.name


def read_control(path: Path) -> dict[str, str]:
    """The fields of a DEBIAN/control file; a missing required field names file and key."""
    fields: dict[str, str] = {}
    key = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line[:1].isspace() and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip()
            fields[key] = value.strip()
    for field in REQUIRED:
        if not fields.get(field):
            raise LabError(f"{path}: field '{field}' is missing")
    if not re.match(r"^[a-z0-9][a-z0-9+.-]+$", fields["Package"]):
        raise LabError(f"{path}: Package '{fields['Package']}' is not a valid package name")
    return fields


def read_deb(path: Path) -> Deb:
    """A .deb file as it is (a project keeps it): its name, version and architecture."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"{path}: no such .deb file")
    out = subprocess.run(
        ["dpkg-deb", "--show", "--showformat=${Package}\t${Version}\t${Architecture}", str(path)],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0 or out.stdout.count("\t") != 2:
        raise LabError(
            f"{path}: not a Debian package ({out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'dpkg-deb says nothing'})"
        )
    package, version, architecture = out.stdout.split("\t")
    return Deb(package, version, architecture, path)


VERSION_TOKEN = "@VERSION@"


def build(tree: Path, out_dir: Path, version: str | None = None) -> Deb:
    """Build one package from a dpkg-deb tree; the file is named as Debian names it.

    A tree whose control file says `Version: @VERSION@` is built once per version listed in
    NAME.versions beside it (an update procedure needs an old and a new one); the token is
    replaced in every text file of the tree, so the product can show its version.
    """
    control = tree / "DEBIAN" / "control"
    if not control.is_file():
        raise LabError(f"{tree}: not a package tree (no DEBIAN/control)")
    if version is not None:
        with tempfile.TemporaryDirectory(prefix="oat-deb-") as tmp:
            copy = Path(tmp) / tree.name
            shutil.copytree(tree, copy, symlinks=True)
            _substitute(copy, VERSION_TOKEN, version)
            return build(copy, out_dir)
    fields = read_control(control)
    if VERSION_TOKEN in fields["Version"]:
        raise LabError(
            f"{control}: Version is {VERSION_TOKEN} but no version was given "
            f"(list them in {tree.parent / (tree.name + '.versions')})"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    plain_version = fields["Version"].split(":", 1)[-1]  # Debian leaves the epoch out of file names
    out = out_dir / f"{fields['Package']}_{plain_version}_{fields['Architecture']}.deb"
    result = subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(tree), str(out)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise LabError(f"{tree}: dpkg-deb failed: {lines[-1].strip() if lines else 'exit ' + str(result.returncode)}")
    return Deb(fields["Package"], fields["Version"], fields["Architecture"], out)


def versions_of(tree: Path) -> list[str | None]:
    """The versions to build a tree in: NAME.versions beside it, else the control's own."""
    listing = tree.parent / f"{tree.name}.versions"
    if not listing.is_file():
        return [None]
    found = [line.split("#", 1)[0].strip() for line in listing.read_text().splitlines()]
    found = [v for v in found if v]
    if not found:
        raise LabError(f"{listing}: lists no version")
    return found


def build_all(src_dir: Path, out_dir: Path) -> list[Deb]:
    """Build every package tree under src_dir (each NAME/ with a DEBIAN/control)."""
    trees = sorted(p.parent.parent for p in Path(src_dir).glob("*/DEBIAN/control"))
    return [build(tree, out_dir, version) for tree in trees for version in versions_of(tree)]


def build_once(src_dir: Path, cache_dir: Path) -> list[Deb]:
    """Every package tree under src_dir, built once per content: into cache_dir/DIGEST, where
    DIGEST covers the trees (paths, modes, bytes, links), their version lists and this builder.
    A later run of the same trees reuses the packages (oat mutants runs a mutant's targeted
    scenarios, then its whole folders, on the same mutated tree)."""
    done = Path(cache_dir) / _digest(Path(src_dir))
    if not done.is_dir():
        done.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f".{done.name}-", dir=done.parent))
        try:
            build_all(src_dir, partial)
            partial.rename(done)
        except OSError:
            if not done.is_dir():  # not a concurrent run that finished the same build first
                raise
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    return [read_deb(path) for path in sorted(done.glob("*.deb"))]


def _digest(src_dir: Path) -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for folder, dirs, files in os.walk(src_dir):
        dirs.sort()
        for name in sorted(files + [d for d in dirs if (Path(folder) / d).is_symlink()]):
            path = Path(folder) / name
            rel = path.relative_to(src_dir).as_posix()
            if path.is_symlink():
                digest.update(f"link {rel} {os.readlink(path)}\n".encode())
            else:
                digest.update(f"file {rel} {path.stat().st_mode & 0o7777:o}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _substitute(tree: Path, token: str, value: str) -> None:
    for path in tree.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if token.encode() in data:
                path.write_bytes(data.replace(token.encode(), value.encode()))


def apt_source(repo_host: str) -> str:
    """The deb822 source a lab server uses: the lab repository, signature checked."""
    return f"Types: deb\nURIs: http://{repo_host}/\nSuites: ./\nSigned-By: {KEYRING}\n"


class PackageSource:
    """Publishes packages on the repo server and points the other servers at it."""

    def __init__(self, repo_server, client):
        self.repo = repo_server
        self.client = client
        self.public_key: bytes = b""

    def publish(self, debs: list[Deb]) -> str:
        if debs:
            files = {f"oat/{d.filename}": d.path.read_bytes() for d in debs}
            self.client.api.put_archive(self.repo.container, REPO_ROOT, tar_of(files))
        indexed = self.repo.check("oat-repo-index")
        self.public_key = self._read_key()
        self.repo.check("systemctl is-active oat-repo.service")
        return indexed.strip()

    def _read_key(self) -> bytes:
        data = self.repo.get_file(f"{REPO_ROOT}/lab.gpg")
        if not data:
            raise LabError(f"server '{self.repo.name}': the package source has no signing key")
        return data

    def configure(self, server) -> None:
        """Make the lab repository the server's only apt source (a closed network)."""
        server.check(
            "rm -f /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources && : > /etc/apt/sources.list"
        )
        server.put_file(KEYRING, self.public_key)
        server.put_file("/etc/apt/sources.list.d/oat-lab.sources", apt_source(self.repo.name))
