"""Fixtures that own the lab's lifecycle: engine check, images, provisioning, teardown.

- After collection, when any collected test needs a lab: the engine must answer (else a
  one-line exit), and labs left by killed earlier runs are removed.
- `labs` (session): creates each topology's lab on first use, destroys every lab at the end,
  whether the run passed, failed or was interrupted (SIGINT, and SIGTERM turned into it).
- `--keep-lab` keeps them (marked kept: no later run reaps them) and prints how to enter each
  server, how to run scenarios on it again and how to remove it.
- `--reuse-lab RUN_ID` runs the selected scenarios on a lab kept that way, as it was left:
  nothing is made, and the lab stays when the run ends.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from oat import webclient
from oat.drivers import inventory
from oat.drivers.docker import engines
from oat.drivers.docker import lab as labmod
from oat.drivers.docker.images import RECIPES, Images
from oat.drivers.docker.wayin import WayIn
from oat.drivers.driver import Driver
from oat.drivers.inventory import InventoryLab
from oat.drivers.packages import build_once, read_deb
from oat.errors import LabError, OatError
from oat.model.products import Product
from oat.model.project import project_root
from oat.model.safety import DISRUPTIVE_TAG, NOT_DISPOSABLE, refuse
from oat.model.topology import load
from oat.plugin.bdd import leave_out
from oat.plugin.project import project_of
from oat.record.evidence import Masker, Recorder, one_line
from oat.versions import installed, tracked_packages

recorder_key = pytest.StashKey[Recorder]()
labs_key = pytest.StashKey["Labs"]()


def pytest_addoption(parser):
    group = parser.getgroup("oat", "oat lab")
    group.addoption(
        "--reuse-lab",
        metavar="RUN_ID",
        default=None,
        help="run the selected scenarios on the lab an earlier run kept (--keep-lab), as it was left",
    )
    group.addoption(
        "--keep-lab",
        action="store_true",
        help="keep the lab's servers after the run (prints how to enter and remove them)",
    )
    group.addoption(
        "--inventory",
        metavar="FILE",
        default=None,
        help="run on the servers an inventory lists, over SSH, instead of a Docker lab",
    )
    group.addoption(
        "--engine",
        metavar="URL",
        default=None,
        help="the Docker engine the labs live on: unix:///PATH, tcp://HOST:PORT (TLS, verified), "
        "ssh://USER@HOST or a docker context name (default: DOCKER_HOST, else the local socket)",
    )
    group.addoption(
        "--engines",
        metavar="A,B,...",
        default=None,
        help="one engine per pytest-xdist worker: worker gwN takes the Nth modulo their number "
        "(without xdist: the first)",
    )
    group.addoption(
        "--engine-certs",
        metavar="DIR",
        default=None,
        help="ca.pem, cert.pem and key.pem for a tcp:// engine (default: DOCKER_CERT_PATH)",
    )


def pytest_configure(config):
    _refuse_a_lost_project(config)
    _choose_engine(config)  # before anything connects: the SDK and the CLI follow it
    config.stash[recorder_key] = Recorder(Masker())
    config.stash[labs_key] = Labs(config)
    # SIGTERM (CI cancelling a job, `kill`) takes the same path as Ctrl-C: pytest then
    # tears down the session's fixtures, which removes the lab.
    try:
        signal.signal(signal.SIGTERM, _terminate)
    except ValueError:
        pass  # not the main thread (embedded use): the caller handles signals


def _refuse_a_lost_project(config) -> None:
    """pytest reads an option's value that is an existing path (`--inventory ../hosts.ini`) as
    a test path too, and may then take a folder above the project as its rootdir, without its
    pytest.ini: the run would find no feature and pass on nothing. Say so in one line."""
    here = project_root(Path(config.invocation_params.dir))
    if config.inipath is None and here is not None and Path(config.rootpath) != here:
        raise pytest.UsageError(
            f"oat: pytest took {config.rootpath} as the project, not {here} (its pytest.ini): an option's "
            "value that is a path outside the project misleads it; write the option with = (--inventory=FILE)"
        )


def _choose_engine(config) -> None:
    """--engine, or this xdist worker's one of --engines, set for the whole process."""
    worker = getattr(config, "workerinput", {}).get("workerid") or os.environ.get("PYTEST_XDIST_WORKER")
    try:
        engine = engines.for_worker(
            config.getoption("engine", None),
            config.getoption("engines", None),
            worker,
            certs=config.getoption("engine_certs", None),
        )
    except LabError as exc:
        raise pytest.UsageError(f"oat: {exc}") from None  # one line, exit 4, before anything runs
    if engine is not None:
        engines.apply(engine)


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session):
    """Under pytest-xdist, on the controller, before any test is handed out: every engine
    named with --engine or --engines must answer, else one line naming it and exit 3 (a
    worker's own exit would reach the controller as a crash, its line lost)."""
    config = session.config
    if hasattr(config, "workerinput") or not config.pluginmanager.has_plugin("dsession"):
        return
    for name in engines.named(config.getoption("engine", None), config.getoption("engines", None)):
        try:
            labmod.connect(engine=engines.resolve(name, certs=config.getoption("engine_certs", None))).close()
        except OatError as exc:
            pytest.exit(f"oat: {exc}", returncode=exc.exit_code)


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_collection_finish(session):
    # Steps ask for the lab at run time, so the features folder is what says a lab is needed.
    if session.config.option.collectonly:
        return
    project = project_of(session.config)
    folders = sorted({project.procedure_of(Path(item.path)) for item in session.items} - {None})
    if folders:
        try:
            session.config.stash[labs_key].prepare(folders)
        except OatError as exc:
            pytest.exit(f"oat: {exc}", returncode=exc.exit_code)


FAULT_TAG = "障害試験"
NOT_OURS = (
    "障害試験は oat が作ったラボのハードウェア (電源、CPU、ケーブル) に障害を起こす。インベントリのサーバには行わない"
)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """On servers not declared disposable, a scenario tagged @破壊的 is not carried out; on an
    inventory's servers, a fault scenario (@障害試験) is not either: their hardware is not oat's."""
    labs = item.config.stash[labs_key]
    if labs.inventory is not None and not labs.inventory.disposable and item.get_closest_marker(DISRUPTIVE_TAG):
        leave_out(item, "cannot", f"実施不可: {NOT_DISPOSABLE}", reason=NOT_DISPOSABLE)
    if labs.inventory is not None and item.get_closest_marker(FAULT_TAG):
        leave_out(item, "cannot", f"実施不可: {NOT_OURS}", reason=NOT_OURS)


def pytest_bdd_before_scenario(request, feature, scenario):
    """The safety net: on servers not disposable, a disruptive step in a scenario that lacks
    the tag fails instead of running (a tagged one never gets here)."""
    labs = request.config.stash[labs_key]
    refuse(
        f"its scenario must carry the tag @{DISRUPTIVE_TAG} to be left out on {labs.inventory.path} (not disposable)"
        if labs.inventory is not None and not labs.inventory.disposable
        else None
    )


def pytest_unconfigure(config):
    # Last line of defence (e.g. an error between collection and the first test).
    labs = config.stash.get(labs_key, None)
    if labs is not None:
        labs.close()


def progress_printer(config):
    """Print lab progress on the terminal even while pytest captures output."""

    def show(message: str) -> None:
        capture = config.pluginmanager.getplugin("capturemanager")
        reporter = config.pluginmanager.getplugin("terminalreporter")
        line = f"[oat] {message}"
        try:
            if capture is not None and reporter is not None:
                with capture.global_and_fixture_disabled():
                    reporter.write_line(line)
            else:
                print(line, flush=True)
        except OSError:  # the terminal or pipe is gone (a closed `| head`): the labs still go
            pass

    return show


class Labs:
    """The labs of this run, one per topology, created on first use."""

    def __init__(self, config):
        self.config = config
        self.project = project_of(config)
        self.progress = progress_printer(config)
        self.recorder = config.stash[recorder_key]
        self.reuse = config.getoption("reuse_lab", None)
        self.keep = bool(config.getoption("keep_lab", False)) or bool(self.reuse)
        self.run_id = self.reuse or labmod.new_run_id()
        self.client = None
        option = config.getoption("inventory", None)
        try:
            self.inventory = inventory.load(Path(option)) if option else None
        except LabError as exc:
            raise pytest.UsageError(f"oat: {exc}") from None  # one line, exit 4, before anything runs
        if self.reuse and self.inventory is not None:
            raise pytest.UsageError(
                "oat: --reuse-lab takes a lab oat kept on a Docker engine; with --inventory "
                "the servers are already yours to run on again"
            )
        self._images: Images | None = None
        self._debs: list | None = None
        self._labs: dict[str, Driver] = {}
        self._way_in: WayIn | None = None
        self._failed: dict[str, LabError] = {}
        self.summaries: list[dict] = []

    def prepare(self, folders: list[str]) -> None:
        """Before any step: the engine answers (and stale labs are reaped), or every server
        of the inventory that these feature folders need answers as it must."""
        if self.inventory is None:
            self.connect()
            return
        for name in folders:
            self.get(name)  # an inventory's lab checks its servers as it is made

    def connect(self):
        if self.client is None:
            self.client = labmod.connect()
            labmod.reap_stale(self.client, self.progress)
        return self.client

    def way_in(self) -> WayIn | None:
        """The runner's way into labs on another engine (a SOCKS5 proxy on loopback whose
        connections come out inside the labs), started once, for every HTTP client and the
        browser of this process; None where the labs are routed here (this machine's engine,
        an inventory's servers)."""
        if self.inventory is not None or labmod.engine_is_here():
            return None
        if self._way_in is None:
            self.connect()
            self._way_in = WayIn(self._entry).start()
            webclient.route_through(self._way_in.url)
            self.progress(f"labs on {labmod.engine_address()}: reached through {self._way_in.url}")
        return self._way_in

    def _entry(self, address: str) -> str | None:
        return next((found for lab in list(self._labs.values()) if (found := lab.entry(address))), None)

    @property
    def engine(self) -> str:
        """Where the labs' servers are, as the reports name it."""
        if self.inventory is not None:
            return (
                f"インベントリ {self.inventory.path} (SSH, disposable: {'yes' if self.inventory.disposable else 'no'})"
            )
        version = self.connect().version().get("Version", "?")
        return f"Docker Engine {version} ({labmod.engine_address()})"

    def get(self, name: str) -> Driver:
        if name in self._labs:
            return self._labs[name]
        if name in self._failed:  # do not rebuild a broken lab for every scenario
            raise self._failed[name]
        try:
            lab = self._create(name)
        except LabError as exc:
            self._failed[name] = exc
            raise
        self._labs[name] = lab
        return lab

    def image_tag(self, name: str) -> str:
        """A lab image from this machine's engine (an inventory's platform loads it)."""
        if self._images is None:
            self._images = self._make_images(self.connect())
        return self._images.tag(name)

    def _create(self, name: str) -> Driver:
        topology = load(self.project.topologies / f"{name}.yaml")
        # One package build per content of lab/packages, whatever number of labs or runs use them.
        if self._debs is None:
            self._debs = build_once(self.project.packages, self.project.work / "packages")
        debs = self._debs + [self._deb(topology, path) for path in topology.debs()]
        if self.inventory is not None:
            lab = InventoryLab(
                self.inventory,
                topology,
                self.recorder,
                self.run_id,
                self.project.work / "inventory" / self.run_id,
                debs=debs,
                progress=self.progress,
                image_tag=self.image_tag,
            )
        else:
            client = self.connect()
            self.way_in()  # before any check: HTTP clients and the browser of this process use it
            if self._images is None:  # one image set per run
                self._images = self._make_images(client)
            lab = labmod.Lab(
                topology,
                client,
                self._images,
                self.recorder,
                self.run_id,
                debs=debs,
                progress=self.progress,
                kept=self.keep,
            )
        started = time.monotonic()
        setup_from = len(self.recorder.setup_commands)
        if self.reuse:
            lab.attach()  # nothing made, nothing to remove if it is not there
        else:
            try:
                with self.recorder.outside_steps():
                    lab.create()
            except BaseException:
                lab.destroy()  # a half-made lab is removed before the error is reported
                raise
        self.summaries.append(
            {
                "name": topology.name,
                "description": topology.description,
                "run_id": self.run_id,
                "networks": {n.name: str(n.subnet) for n in lab.topology.networks.values()},
                # where the run's addresses differ from the document's (another run held them)
                "relocated": lab.relocation.differences(),
                "servers": [vars(info) for info in lab.describe()],
                "build_seconds": time.monotonic() - started,
                "engine": self.engine,
                "setup_commands": self.recorder.setup_commands[setup_from:],
            }
        )
        return lab

    def _make_images(self, client) -> Images:
        """One image set per run; the package source's image holds the project's package set."""
        return Images(client, RECIPES, self.progress, packages=self.project.package_set())

    def _deb(self, topology, path: str):
        try:
            return read_deb(self.project.root / path)
        except LabError as exc:
            raise LabError(f"{topology.source}: debs: {exc}") from None

    def close(self) -> None:
        if self._way_in is not None:
            self._way_in.stop()
            self._way_in = None
            webclient.route_through(None)
        labs, self._labs = self._labs, {}
        keep = self.keep
        packages = tracked_packages(self.project.products) if labs else []
        for lab in labs.values():  # every lab before any is removed: a removal takes the whole run's containers
            self._take_inventory(lab, packages)
        for lab in labs.values():
            if keep:
                self.progress(lab.keep_instructions())
            else:
                lab.destroy()
                self.progress(lab.destroyed())

    def _take_inventory(self, lab: Driver, packages: list[str]) -> None:
        """The versions the procedures left installed, for the report's cover: the packages
        the product data tracks, and those the lab file lists for each server (best effort: a
        server that is down simply shows no versions)."""
        summary = next((s for s in self.summaries if s["name"] == lab.topology.name), None)
        if summary is None:
            return
        document = load(self.project.topologies / f"{lab.topology.name}.yaml")  # an inventory's lab lists none
        for server in summary["servers"]:
            listed = document.servers[server["name"]].packages if server["name"] in document.servers else ()
            try:
                server["packages"] = installed(lab.server(server["name"]), list(dict.fromkeys([*packages, *listed])))
            except Exception as exc:  # noqa: BLE001 - the report says why instead
                server["packages"] = {"(取得できません)": one_line(exc)}


@pytest.fixture(scope="session")
def labs(pytestconfig) -> Labs:
    labs = pytestconfig.stash[labs_key]
    yield labs
    labs.close()


@pytest.fixture(scope="session")
def recorder(pytestconfig) -> Recorder:
    return pytestconfig.stash[recorder_key]


def masked_product(recorder: Recorder, path: Path) -> Product:
    """A product's data (lab/products/NAME.yaml), its secrets masked in all evidence."""
    product = Product(path)
    for secret in product.secrets():
        recorder.mask.add(secret)
    return product
