"""Jobnet definitions: `jobnets/NAME.yml` in the SCM repository, checked before any is stored.

    jobnet: jn_hello
    caption: テストジョブネット
    jobs:
      - {name: j1, server: job1, script: /home/tengine/hello.sh, depends_on: []}

A definition that could never run (a missing key, an unknown or circular dependency) is an
error naming the file and the key, so the operator hears of it at load time."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tengine_core import scm, yamlfile
from tengine_core.config import Tengined
from tengine_core.errors import TengineError

FOLDER = "jobnets"  # inside the checkout


class DefinitionError(TengineError):
    pass


@dataclass(frozen=True)
class Jobnet:
    name: str
    caption: str
    definition: dict  # the whole file, stored as JSON
    source: str  # the file's path inside the repository


@dataclass(frozen=True)
class Definitions:
    url: str
    revision: str
    jobnets: list[Jobnet]

    def summary(self) -> str:
        return f"loaded {len(self.jobnets)} jobnets from {self.url} at {self.revision}"


def load(tengined: Tengined) -> Definitions:
    """Check out tengined.scm.url into load_path and read its definitions (the SCM URL must
    not be empty)."""
    checkout = Path(tengined.load_path)
    revision = scm.checkout(tengined.scm, checkout, scm.service_account())
    return Definitions(tengined.scm.url, revision, read_all(checkout))


def read_all(checkout: Path) -> list[Jobnet]:
    jobnets: dict[str, Jobnet] = {}
    for file in sorted((checkout / FOLDER).glob("*.yml")):
        jobnet = parse(file, checkout)
        if jobnet.name in jobnets:
            raise DefinitionError(f"{file}: jobnet: '{jobnet.name}' is defined in"
                                  f" {jobnets[jobnet.name].source} already")
        jobnets[jobnet.name] = jobnet
    return list(jobnets.values())


def parse(file: Path, checkout: Path) -> Jobnet:
    data = yamlfile.read(file, DefinitionError)
    try:
        if not isinstance(data, dict):
            raise _Problem(f"expected a mapping with jobnet, caption and jobs,"
                           f" got {yamlfile.describe(data)}")
        name = _text(data, "jobnet")
        caption = _text(data, "caption")
        _check_jobs(data.get("jobs"))
    except _Problem as problem:
        raise DefinitionError(f"{file}: {problem}") from None
    return Jobnet(name, caption, data, file.relative_to(checkout).as_posix())


class _Problem(Exception):
    """What is wrong at one key; parse() adds the file name."""


def _text(mapping: dict, key: str, where: str = "") -> str:
    dotted = f"{where}.{key}" if where else key
    value = mapping.get(key)
    if value is None:
        raise _Problem(f"missing key {dotted}")
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"{dotted}: expected a non-empty string, got {yamlfile.describe(value)}")
    return value


def _check_jobs(jobs: object) -> None:
    if jobs is None:
        raise _Problem("missing key jobs")
    if not isinstance(jobs, list) or not jobs:
        raise _Problem(f"jobs: expected a list of jobs, got {yamlfile.describe(jobs)}")
    depends: dict[str, list[str]] = {}
    for index, job in enumerate(jobs):
        where = f"jobs[{index}]"
        if not isinstance(job, dict):
            raise _Problem(f"{where}: expected a mapping, got {yamlfile.describe(job)}")
        name = _text(job, "name", where)
        for key in ("server", "script"):
            _text(job, key, where)
        if name in depends:
            raise _Problem(f"{where}.name: '{name}' is used by another job already")
        needs = job.get("depends_on") or []
        if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
            raise _Problem(f"{where}.depends_on: expected a list of job names,"
                           f" got {yamlfile.describe(needs)}")
        depends[name] = needs
    for index, (name, needs) in enumerate(depends.items()):
        unknown = [need for need in needs if need not in depends]
        if unknown:
            raise _Problem(f"jobs[{index}].depends_on: unknown job '{unknown[0]}'")
    cycle = _cycle(depends)
    if cycle:
        raise _Problem(f"jobs: depends_on makes a cycle: {' -> '.join(cycle)}")


def _cycle(depends: dict[str, list[str]]) -> list[str] | None:
    """A dependency cycle (first job repeated at the end), or None."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return path[path.index(name):] + [name]
        if name in done:
            return None
        for need in depends[name]:
            found = visit(need, path + [name])
            if found:
                return found
        done.add(name)
        return None

    for name in depends:
        found = visit(name, [])
        if found:
            return found
    return None
