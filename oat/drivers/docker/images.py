"""Images of the lab, built when missing or stale.

Each recipe under recipes/NAME/ (oat's own, beside this module) is tagged oat/NAME:HASH, where
HASH covers every file of its build context and the id of its parent image: a changed
Dockerfile (or a changed parent) gives a new tag and a rebuild; an unchanged one reuses the
image the engine already has. An image whose recipe takes the project's package set
(`packages:` in recipes/images.yaml) gets the set written into its context, so each set is an
image of its own, cached and shared by every project that asks for the same set.

The root of the chain is debian:bookworm: taken from the engine (an operator may `docker load`
or `docker pull` one beforehand), else made with debootstrap from the host's own Debian
mirror. The suite never asks a container registry itself: a closed machine has none, and
the lab sends no traffic beyond the package mirrors the host already uses.

When the labs live on another engine (--engine, oat/engines.py), an image missing there
but present on this machine's own engine is copied, streamed from its `docker save` into
the other's `docker load` (the same id, so the same tags follow from it); only what
neither has is built, on the engine the labs use.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import docker
import docker.errors
import yaml

from oat.drivers.docker.engines import LOCAL
from oat.errors import LabError

RECIPES = Path(__file__).resolve().parent / "recipes"
BASE_IMAGE = "debian:bookworm"
SUITE = "bookworm"
IMAGE_LABEL = "oat.image"
PACKAGE_SET_LABEL = "oat.package-set"  # the digest of the package set an image was built with
PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.-]+$")

Progress = Callable[[str], None]


def context_hash(context: Path, parent_id: str) -> str:
    """A short digest of a build context's files (names, modes, bytes) and its parent image."""
    digest = hashlib.sha256(f"parent {parent_id}\n".encode())
    for path in sorted(p for p in Path(context).rglob("*") if p.is_file()):
        rel = path.relative_to(context).as_posix()
        if "__pycache__" in rel.split("/"):
            continue
        executable = os.access(path, os.X_OK)
        digest.update(f"file {rel} {'x' if executable else '-'}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def host_debian_mirror(
    sources_dir: Path = Path("/etc/apt/sources.list.d"),
    sources_list: Path = Path("/etc/apt/sources.list"),
    suite: str = SUITE,
) -> str:
    """The URI of the host's own Debian mirror for `suite`, from its apt configuration."""
    candidates: list[tuple[str, str]] = []  # (uri, file) in apt's reading order
    if sources_list.is_file():
        candidates += [(u, str(sources_list)) for u in _one_line_uris(sources_list.read_text(), suite)]
    if sources_dir.is_dir():
        for path in sorted(sources_dir.iterdir()):
            if path.suffix == ".sources":
                candidates += [(u, str(path)) for u in _deb822_uris(path.read_text(), suite)]
            elif path.suffix == ".list":
                candidates += [(u, str(path)) for u in _one_line_uris(path.read_text(), suite)]
    # The main archive, not the security one (debootstrap needs the full suite).
    for uri, _ in candidates:
        if "security" not in uri:
            return uri
    raise LabError(
        f"no Debian mirror for '{suite}' found in {sources_list} or {sources_dir}/*.sources: "
        "cannot make the base image with debootstrap"
    )


def _one_line_uris(text: str, suite: str) -> list[str]:
    uris = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 3 and words[0] == "deb":
            rest = words[1:]
            if rest[0].startswith("["):  # options, e.g. [arch=amd64 signed-by=...]
                while rest and not rest[0].endswith("]"):
                    rest = rest[1:]
                rest = rest[1:]
            if len(rest) >= 2 and rest[1] == suite:
                uris.append(rest[0])
    return uris


def _deb822_uris(text: str, suite: str) -> list[str]:
    uris = []
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        if fields.get("enabled", "yes").lower() == "no":
            continue
        if "deb" in fields.get("types", "").split() and suite in fields.get("suites", "").split():
            uris += fields.get("uris", "").split()
    return uris


class Images:
    """Ensures the lab's images exist in the engine, building what is missing or stale."""

    def __init__(
        self,
        client: docker.DockerClient,
        images_dir: Path = RECIPES,
        progress: Progress = print,
        packages: Iterable[str] = (),
    ):
        """packages: the Debian packages the project's lab files list (its package set)."""
        self.client = client
        self.dir = Path(images_dir)
        self.progress = progress
        self.packages = sorted(set(packages))
        for name in self.packages:
            if not PACKAGE.match(name):
                raise LabError(f"'{name}' is not a Debian package name")
        self.parents, self.package_files = self._read_recipes()
        self._tags: dict[str, str] = {}
        self._source: docker.DockerClient | None | bool = False  # this machine's engine; False: not looked yet

    def _read_recipes(self) -> tuple[dict[str, str], dict[str, str]]:
        path = self.dir / "images.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise LabError(f"{path}: image list not found") from None
        parents, package_files = {}, {}
        for name, spec in data.items():
            if not (self.dir / name / "Dockerfile").is_file():
                raise LabError(f"{path}: image '{name}' has no {self.dir / name / 'Dockerfile'}")
            parent = (spec or {}).get("parent")
            if not parent:
                raise LabError(f"{path}: {name}.parent is missing")
            parents[name] = str(parent)
            if (spec or {}).get("packages"):
                package_files[name] = str(spec["packages"])
        return parents, package_files

    def package_list(self) -> str:
        return "".join(f"{name}\n" for name in self.packages)

    def package_set(self) -> str:
        return hashlib.sha256(self.package_list().encode()).hexdigest()[:12]

    @contextmanager
    def context(self, name: str):
        """The build context of image `name`: its recipe, plus the package set when it takes one."""
        if name not in self.package_files:
            yield self.dir / name
            return
        with tempfile.TemporaryDirectory(prefix=f"oat-{name}-") as tmp:
            context = Path(tmp) / name
            shutil.copytree(self.dir / name, context, symlinks=True)
            (context / self.package_files[name]).write_text(self.package_list(), encoding="utf-8")
            yield context

    def tag(self, name: str) -> str:
        """The tag of image `name`, building it (and its parents) when needed."""
        if name in self._tags:
            return self._tags[name]
        if name not in self.parents:
            known = ", ".join(sorted(self.parents))
            raise LabError(f"unknown image '{name}' (known: {known}; see {self.dir / 'images.yaml'})")
        parent = self.parents[name]
        parent_ref = self.base() if parent == BASE_IMAGE else self.tag(parent)
        parent_id = self.client.images.get(parent_ref).id
        with self.context(name) as context:
            tag = f"oat/{name}:{context_hash(context, parent_id)}"
            if not self._exists(tag) and not self._copy(tag):
                self._build(name, tag, parent_ref, context)
                self._prune_old(name, keep=tag)
        self._tags[name] = tag
        return tag

    def base(self) -> str:
        if not self._exists(BASE_IMAGE) and not self._copy(BASE_IMAGE):
            self.progress(f"base image {BASE_IMAGE} is not in the engine; making it with debootstrap")
            self._debootstrap()
        return BASE_IMAGE

    def _exists(self, ref: str) -> bool:
        try:
            self.client.images.get(ref)
            return True
        except docker.errors.ImageNotFound:
            return False

    def source(self) -> docker.DockerClient | None:
        """This machine's own engine, when it answers and is not the engine the labs use."""
        if self._source is False:
            self._source = None
            if Path(LOCAL.removeprefix("unix://")).exists():
                local = docker.DockerClient(base_url=LOCAL, timeout=600)
                try:
                    if local.info().get("ID") != self.client.info().get("ID"):
                        self._source = local
                except (docker.errors.DockerException, OSError, ValueError):
                    pass
                if self._source is None:
                    local.close()
        return self._source

    def _copy(self, ref: str) -> bool:
        """Copy `ref` from this machine's engine, streaming its save into the load of the
        engine the labs use; False when the labs use this machine's engine or it lacks `ref`."""
        source = self.source()
        if source is None:
            return False
        try:
            size = source.images.get(ref).attrs.get("Size", 0)
        except docker.errors.ImageNotFound:
            return False
        self.progress(
            f"image {ref}: not on the engine the labs use; copying it from this machine's engine "
            f"(docker save | docker load, {size / 1e6:.0f} MB)"
        )
        started = time.monotonic()
        sent = [0]

        def chunks():
            for chunk in source.api.get_image(ref):
                sent[0] += len(chunk)
                yield chunk

        try:
            for answer in self.client.api.load_image(chunks()):
                if "error" in answer:
                    raise LabError(f"image {ref}: docker load on the engine the labs use failed: {answer['error']}")
        except docker.errors.APIError as exc:
            raise LabError(
                f"image {ref}: docker load on the engine the labs use failed: {exc.explanation or exc}"
            ) from None
        if not self._exists(ref):
            raise LabError(f"image {ref}: docker load ended without it on the engine the labs use")
        self.progress(f"copied {ref} ({sent[0] / 1e6:.0f} MB streamed in {time.monotonic() - started:.1f} s)")
        return True

    def _debootstrap(self) -> None:
        if shutil.which("debootstrap") is None:
            raise LabError(
                f"base image {BASE_IMAGE} is not in the engine and debootstrap is not installed: "
                "run bin/setup (it installs debootstrap)"
            )
        mirror = host_debian_mirror()
        self.progress(f"debootstrap --variant=minbase {SUITE} from {mirror} (about a minute)")
        with tempfile.TemporaryDirectory(prefix="oat-rootfs-", dir="/var/tmp") as rootfs:
            self._stream(["debootstrap", "--variant=minbase", SUITE, rootfs, mirror], "debootstrap")
            tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
            imported = subprocess.run(
                ["docker", "import", "-", BASE_IMAGE], stdin=tar.stdout, capture_output=True, text=True
            )
            tar.stdout.close()
            if tar.wait() != 0 or imported.returncode != 0:
                raise LabError(f"docker import of the debootstrap root failed: {imported.stderr.strip()}")
        self.progress(f"base image {BASE_IMAGE} imported")

    def _stream(self, argv: list[str], what: str) -> None:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        tail: list[str] = []
        for line in proc.stdout:
            line = line.rstrip()
            tail = (tail + [line])[-5:]
            self.progress(f"  | {line}")
        if proc.wait() != 0:
            raise LabError(f"{what} failed (exit {proc.returncode}): {' / '.join(tail)}")

    def _build(self, name: str, tag: str, parent: str, context: Path) -> None:
        elsewhere = " (not on this machine's engine either)" if self.source() is not None else ""
        packages = f", with {len(self.packages)} packages of the project" if name in self.package_files else ""
        self.progress(f"building image {tag} from {self.dir / name}{packages} on {parent}{elsewhere}")
        tail: list[str] = []
        stream = self.client.api.build(
            path=str(context),
            tag=tag,
            buildargs={"BASE": parent},
            labels={
                IMAGE_LABEL: name,
                **({PACKAGE_SET_LABEL: self.package_set()} if name in self.package_files else {}),
            },
            rm=True,
            forcerm=True,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                raise LabError(
                    f"image {name}: build failed: {chunk['error'].strip()} (last output: {' / '.join(tail)})"
                )
            for line in chunk.get("stream", "").splitlines():
                if line.strip():
                    tail = (tail + [line.strip()])[-3:]
                    self.progress(f"  | {line.rstrip()}")
        self.progress(f"built {tag}")

    def _prune_old(self, name: str, keep: str) -> None:
        """Drop older builds of the same image that no container uses, so disks do not fill. An
        image of another package set is another project's: kept."""
        for image in self.client.images.list(name=f"oat/{name}"):
            other = image.labels.get(PACKAGE_SET_LABEL)
            if name in self.package_files and other is not None and other != self.package_set():
                continue
            for old in image.tags:
                if old != keep and old.startswith(f"oat/{name}:"):
                    try:
                        self.client.images.remove(old)
                    except docker.errors.APIError:
                        pass  # still used by a container of another run: keep it
