"""The import directions of docs/developing.md ("Layers"), read from the source: each part of oat
imports only the parts below it, so that each can change alone. This test is their source of
truth; the picture in the docs follows it."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

OAT = Path(__file__).resolve().parents[2] / "oat"

# The error kinds: every part may raise them.
UTILITIES = {"errors"}

# What each part of oat may import besides itself, the error kinds, the standard library and
# third parties. A part is a package of oat (model), a driver (drivers.docker) or a module.
MAY_IMPORT = {
    # The package's own __init__: a docstring; importing `oat` pulls in no layer.
    "oat": set(),
    # The error kinds, below everything.
    "errors": set(),
    # Leaves with no oat of their own: a bounded wait, certificates, reading ss(8)'s sockets.
    "wait": set(),
    "pki": set(),
    "sockets": set(),
    # HTTP(S) to the labs, one way for every client: TLS verified, the way in when there is one.
    "webclient": set(),
    "procfs": set(),
    # The project, topology, inventory, products, parts, traceability: plain data, so everything
    # above can read it and it depends on nothing.
    "model": set(),
    # drivers/__init__.py: names the drivers, imports none.
    "drivers": set(),
    # What every driver shares below the Server (the Transport, the command log a Server records
    # into, the Hardware a fault breaks, ServerInfo): model only.
    "drivers.base": {"model"},
    # The Driver interface: a lab that hands out Servers.
    "drivers.driver": {"model", "drivers.base", "servers"},
    # The packages a lab installs (oat's .debs), and the tarball they travel in: driver helpers.
    "drivers.packages": {"model", "drivers.base", "drivers.tarball"},
    "drivers.tarball": set(),
    # A driver makes its Servers; it never writes the record, renders or reaches the plugin, and
    # never imports another driver (see test_a_driver_never_imports_another).
    "drivers.docker": {
        "model",
        "drivers.base",
        "drivers.driver",
        "drivers.packages",
        "drivers.tarball",
        "servers",
        "pki",
        "procfs",
    },
    "drivers.inventory": {
        "model",
        "drivers.base",
        "drivers.driver",
        "drivers.packages",
        "drivers.tarball",
        "servers",
        "wait",
    },
    "drivers.virtual": {"model", "drivers.base", "servers"},
    # Server: runs over whatever its driver hands it, into the command log the driver hands it.
    "servers": {"model", "drivers.base", "wait"},
    # The run record reads the model (the documents' traceability); it never renders.
    "record": {"model"},
    # Every output is made from the record (and the model it refers to).
    "render": {"record", "model"},
    # The cluster adapter and its audits act on Servers; the nemeses also on the cluster.
    "cluster": {"servers", "model", "sockets", "wait"},
    # A fault asks the lab's driver for its hardware (drivers.base.Hardware).
    "faults": {"servers", "model", "cluster", "wait", "drivers.base", "procfs", "webclient"},
    # The 汎用 sentences: steps over Servers, faults and the cluster.
    "vocabulary": {"servers", "faults", "cluster", "model", "sockets", "drivers.base", "wait", "webclient"},
    # Product versions read from the servers.
    "versions": {"model", "servers"},
    # Mutants: which documented step a mutant breaks (model) and what the run recorded (record).
    "mutants": {"model", "record"},
    # The step catalogue: the sentences, named by the model's layers.
    "catalogue": {"model"},
    # `oat init`: copies templates.
    "scaffold": set(),
}
# Modules that belong to a driver but still sit beside it in oat/drivers/.
DRIVER_PARTS = {"drivers.ansible_inventory": "drivers.inventory", "drivers.ssh_preflight": "drivers.inventory"}
# They wire the rest together, and nothing imports them: the pytest plugin, the `oat` command
# and `oat check` (which runs pytest's collection with the plugin).
ANYTHING = {"plugin", "cli", "check"}
DRIVERS = {"drivers.docker", "drivers.inventory", "drivers.virtual"}


def module_of(path: Path) -> str:
    """oat/drivers/docker/lab.py → `oat.drivers.docker.lab`; oat/model/__init__.py → `oat.model`."""
    return ".".join(path.relative_to(OAT.parent).with_suffix("").parts).removesuffix(".__init__")


def is_module(name: str) -> bool:
    path = OAT.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def part_of(module: str) -> str:
    """`oat.drivers.docker.lab` → `drivers.docker`; `oat.model.parts` → `model`; `oat` → `oat`."""
    names = module.split(".")[1:]
    if not names:
        return "oat"
    if names[0] == "drivers" and len(names) > 1:
        return DRIVER_PARTS.get(f"drivers.{names[1]}", f"drivers.{names[1]}")
    return names[0]


def imports(path: Path) -> list[tuple[str, int]]:
    """Every oat module `path` imports (at its top or inside a function), with the line."""
    module = module_of(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            # `from oat.drivers import docker` imports the module oat.drivers.docker; `from
            # oat.record.evidence import Recorder` the module oat.record.evidence.
            names = [f"{base}.{alias.name}" for alias in node.names if is_module(f"{base}.{alias.name}")]
            found += [(name, node.lineno) for name in names or [base]]
    return [(name, line) for name, line in found if name.startswith("oat.")]


def modules():
    for path in sorted(OAT.rglob("*.py")):
        yield path, part_of(module_of(path))


def test_every_package_imports_only_what_it_may():
    wrong = []
    for path, here in modules():
        if here in ANYTHING:
            continue
        assert here in MAY_IMPORT, f"{module_of(path)}: a part of oat the layer rules do not name ({here})"
        for name, line in imports(path):
            there = part_of(name)
            if there not in {here, *UTILITIES, *MAY_IMPORT[here]}:
                wrong.append(f"{path.relative_to(OAT.parent)}:{line}: {here} imports {name}")
    assert not wrong, "imports against the layer rules (tests/oat/test_layers.py):\n" + "\n".join(wrong)


def test_nothing_imports_the_plugin_or_the_command():
    wrong = [
        f"{path.relative_to(OAT.parent)}:{line}: {here} imports {name}"
        for path, here in modules()
        if here not in ANYTHING
        for name, line in imports(path)
        if part_of(name) in ANYTHING
    ]
    assert not wrong, "\n".join(wrong)


def test_a_driver_never_imports_another():
    wrong = [
        f"{path.relative_to(OAT.parent)}:{line}: {here} imports {name}"
        for path, here in modules()
        if here in DRIVERS
        for name, line in imports(path)
        if part_of(name) in DRIVERS - {here}
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rules_name_only_parts_that_exist():
    parts = {here for _, here in modules()}
    named = set(MAY_IMPORT) | set(DRIVER_PARTS.values()) | {p for allowed in MAY_IMPORT.values() for p in allowed}
    assert named <= parts | UTILITIES, f"rules for parts oat does not have: {sorted(named - parts - UTILITIES)}"


def test_the_recorder_is_a_command_log():
    """Servers record into drivers.base.CommandLog: the run's Recorder must keep offering it."""
    from oat.drivers.base import CommandLog
    from oat.record.evidence import Recorder

    wanted = inspect.signature(CommandLog.record).parameters
    offered = inspect.signature(Recorder.record).parameters
    assert list(offered) == list(wanted)
    assert all(offered[name].default == wanted[name].default for name in wanted)


# pytest-bdd's public API: its package (given/when/then/step, scenario, scenarios), parsers and
# the exceptions it raises. Its other modules are private; who reads them anyway, and why:
PYTEST_BDD_PUBLIC = {"pytest_bdd", "pytest_bdd.parsers", "pytest_bdd.exceptions"}
PYTEST_BDD_PRIVATE_READERS = {
    # the one adapter of the plugin: the scenario of a test item, the data of cucumber.json
    "oat/plugin/bdd.py",
    # `oat check` and the step catalogue look up step definitions as a run would
    "oat/check.py",
    "oat/catalogue.py",
    # the mutants' -k selection: the test names pytest-bdd gives a feature file's scenarios
    "oat/mutants/targets.py",
}


def test_only_the_adapters_read_pytest_bdd_private_modules():
    wrong = []
    for path in sorted(OAT.rglob("*.py")):
        where = str(path.relative_to(OAT.parent))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            wrong += [
                f"{where}:{node.lineno}: imports {name}"
                for name in names
                if name.split(".")[0] == "pytest_bdd"
                and name not in PYTEST_BDD_PUBLIC
                and where not in PYTEST_BDD_PRIVATE_READERS
            ]
    assert not wrong, "pytest-bdd's private modules (ask oat.plugin.bdd):\n" + "\n".join(wrong)
