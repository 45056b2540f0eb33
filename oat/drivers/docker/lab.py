"""The lab: a topology provisioned as Docker networks, volumes and systemd containers.

Lifecycle (as Molecule's create / converge / destroy): `create()` makes the networks,
volumes and servers and waits until every server has booted; `destroy()` removes everything
carrying this run's label, whatever state the run ended in. Every object carries:

  oat.run    the run id (also in every name: oat-RUN-NAME)
  oat.owner  host:pid:start-time of the process that made it (see oat.drivers.docker.owner)
  oat.lab    the topology name
  oat.tag    $OAT_RUN_TAG, when set: a caller's own name for the labs it makes (a proof counts
             only its own while other runs come and go on the engine)
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import signal
import time
from contextlib import contextmanager

import docker
import docker.errors
import requests
from docker.types import IPAMConfig, IPAMPool

from oat.drivers.base import CommandLog, Hardware, ServerInfo, Transport
from oat.drivers.docker import engines
from oat.drivers.docker import owner as owners
from oat.drivers.docker.hardware import DockerHardware
from oat.drivers.docker.images import Images
from oat.drivers.docker.relocation import free_subnet
from oat.drivers.driver import Driver
from oat.drivers.packages import Deb, PackageSource
from oat.errors import LabError
from oat.model.relocation import Relocation, relocate
from oat.model.topology import Server, Topology
from oat.servers import Server as LabServer

RUN_LABEL, OWNER_LABEL, LAB_LABEL, SERVER_LABEL = "oat.run", "oat.owner", "oat.lab", "oat.server"
TAG_LABEL = "oat.tag"
KEPT_LABEL = "oat.kept"  # a lab kept on purpose (`oat.cli up`): no reaper touches it
BOOT_TIMEOUT = 90.0

# systemd as PID 1 runs with Docker's default capabilities (measured here), given a cgroup
# view and tmpfs /run. A server that needs more says so in its topology; ALL (a nested
# engine) is the notes' replacement for --privileged, which fails on this kind of host.
ALL_CAPS_SECURITY_OPT = ["seccomp=unconfined", "apparmor=unconfined"]


def new_run_id() -> str:
    return time.strftime("%m%d%H%M") + secrets.token_hex(2)


def engine_address() -> str:
    """The engine this process uses, as reports and errors name it: the one chosen with
    --engine/--engines (oat/engines.py), else DOCKER_HOST, else the local socket."""
    chosen = engines.applied()
    return chosen.describe() if chosen else os.environ.get("DOCKER_HOST", engines.LOCAL)


def engine_is_here() -> bool:
    """The engine runs on this machine (a unix socket): its labs' bridges, veths and
    namespaces are this machine's, so the runner reaches the servers directly and faults can
    act on the host's side of them."""
    return engine_address().startswith("unix://")


PING_TIMEOUT = 15  # an engine that does not answer within this is reported, not waited for


def connect(timeout: int = 120, engine: engines.Engine | None = None) -> docker.DockerClient:
    """A client of a running engine (this process's, or `engine`), or a one-line LabError
    naming the engine and why."""
    where = engine.describe() if engine else engine_address()
    environment = engines.environment_of(engine) if engine else dict(os.environ)
    try:
        # The first answer is awaited PING_TIMEOUT at most (then the client for the work,
        # whose builds may be silent longer); ssh:// goes through the OpenSSH client, as the
        # docker CLI does (no paramiko).
        probe = _client(PING_TIMEOUT, environment)
        try:
            probe.ping()
        finally:
            probe.close()
        return _client(timeout, environment)
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as exc:
        # The SDK nests the OS error several layers deep; the operator needs only that.
        os_error = re.search(r"(?:\[Errno -?\d+\] |Error\(-?\d+, ')([^'\")]+)", str(exc))
        reason = (
            re.sub(r"\s*\(_ssl\.c:\d+$", "", os_error.group(1).strip())
            if os_error
            else (str(exc) or type(exc).__name__).splitlines()[0][:160]
        )
        hint = "" if engine or engines.applied() else ": start one with `bin/setup` (or `dockerd &`), then run again"
        raise LabError(f"no Docker engine answers at {where} ({reason}){hint}") from None


def _client(timeout: int, environment: dict[str, str]) -> docker.DockerClient:
    """docker.from_env, except that a TLS engine is verified against its own CA only
    (DOCKER_CERT_PATH/ca.pem): requests, trusting the environment, would verify against
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE instead when either is set (the docker CLI never does)."""
    ssh = environment.get("DOCKER_HOST", "").startswith("ssh://")
    params = docker.utils.kwargs_from_env(environment=environment)
    if not params.get("tls"):
        return docker.from_env(timeout=timeout, use_ssh_client=ssh, environment=environment)

    def client(version: str) -> docker.DockerClient:
        made = docker.DockerClient(version=version, timeout=timeout, **params)
        made.api.trust_env = False
        return made

    with client(docker.constants.MINIMUM_DOCKER_API_VERSION).api as asking:  # the API version, as from_env asks
        version = asking.version(api_version=False)["ApiVersion"]
    return client(version)


def _labelled(client: docker.DockerClient):
    """Every container, network and volume made by oat on this engine, with its labels."""
    flt = {"label": RUN_LABEL}
    items = (
        client.containers.list(all=True, filters=flt)
        + client.networks.list(filters=flt)
        + client.volumes.list(filters=flt)
    )
    for item in items:
        yield item, item.attrs.get("Labels") or item.attrs.get("Config", {}).get("Labels") or {}


def runs(client: docker.DockerClient) -> dict[str, set[str]]:
    """The oat runs that have objects on this engine: run id -> object names."""
    found: dict[str, set[str]] = {}
    for item, labels in _labelled(client):
        found.setdefault(labels[RUN_LABEL], set()).add(item.name)
    return found


def reap_stale(client: docker.DockerClient, progress=print) -> int:
    """Remove containers, networks and volumes of oat runs whose process is gone."""
    dead = {
        labels[RUN_LABEL]
        for _, labels in _labelled(client)
        if not labels.get(KEPT_LABEL) and not owners.is_alive(labels.get(OWNER_LABEL, ""))
    }
    for run_id in sorted(dead):
        progress(f"removing lab of earlier run {run_id}: its process is gone")
        remove_run(client, run_id)
    return len(dead)


def remove_run(client: docker.DockerClient, run_id: str) -> list[str]:
    """Remove every object labelled with `run_id`; return what could not be removed.

    Containers first: a network or volume cannot go while a container still uses it.
    """
    problems = []
    flt = {"label": f"{RUN_LABEL}={run_id}"}
    removals = [
        ("container", client.containers.list(all=True, filters=flt), lambda c: c.remove(force=True, v=True)),
        ("network", client.networks.list(filters=flt), lambda n: n.remove()),
        ("volume", client.volumes.list(filters=flt), lambda v: v.remove(force=True)),
    ]
    for kind, items, remove in removals:
        for item in items:
            try:
                remove(item)
            except docker.errors.NotFound:
                pass
            except docker.errors.APIError as exc:
                problems.append(f"{kind} {item.name}: {exc}")
    return problems


@contextmanager
def signals_deferred():
    """Hold SIGINT/SIGTERM while the lab is being removed; re-deliver afterwards.

    A second Ctrl-C during teardown must not leave half a lab behind.
    """
    pending: list[int] = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, lambda signum, frame: pending.append(signum))
        except ValueError:  # not the main thread: nothing to hold
            pass
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if pending:
            signal.raise_signal(pending[0])


def _privileges(capabilities: tuple[str, ...]) -> dict:
    if "ALL" in capabilities:
        # A nested container engine (the virtual server platform): it makes devices and
        # cgroups for its own containers.
        return {
            "cap_add": ["ALL"],
            "cap_drop": ["SYS_RESOURCE"],
            "security_opt": ALL_CAPS_SECURITY_OPT,
            "device_cgroup_rules": ["a *:* rwm"],
        }
    return {"cap_add": list(capabilities)} if capabilities else {}


class DockerExec(Transport):
    """`docker exec` into the server's container, on the engine this process uses (the docker CLI
    follows --engine through the environment, oat.drivers.docker.engines)."""

    def __init__(self, container: str):
        self.container = container
        self.target = f"docker://{container}"

    def argv(self, command: str, stdin: bool = False) -> list[str]:
        return ["docker", "exec", *(["-i"] if stdin else []), self.container, "/bin/sh", "-c", command]


class Lab(Driver):
    kind = "the Docker lab"

    def __init__(
        self,
        topology: Topology,
        client: docker.DockerClient,
        images: Images,
        recorder: CommandLog,
        run_id: str,
        debs: list[Deb] = (),
        progress=print,
        kept: bool = False,
    ):
        """kept: the lab outlives its process on purpose (`oat.cli up`); no run reaps it,
        `oat.cli remove RUN` removes it."""
        self.topology = topology
        self.document_topology = topology  # the addresses as the document has them
        self.relocation = Relocation()  # what this run moved elsewhere (none when all was free)
        self.client = client
        self.images = images
        self.recorder = recorder
        self.run_id = run_id
        self.debs = list(debs)
        self.progress = progress
        self.owner = owners.current()
        self._servers: dict[str, LabServer] = {}
        self._image_tags: dict[str, str] = {}
        self.package_source: PackageSource | None = None
        self.created_at: float | None = None
        self.kept = kept
        self._fencing = None  # the management boards' endpoint, once a cluster asks for it
        self._hardware: DockerHardware | None = None

    # --- naming -------------------------------------------------------------------------
    def object_name(self, name: str) -> str:
        return f"oat-{self.run_id}-{self.topology.name}-{name}"

    def labels(self, **extra: str) -> dict[str, str]:
        kept = {KEPT_LABEL: "true"} if self.kept else {}
        tag = {TAG_LABEL: os.environ["OAT_RUN_TAG"]} if os.environ.get("OAT_RUN_TAG") else {}
        return {RUN_LABEL: self.run_id, OWNER_LABEL: self.owner, LAB_LABEL: self.topology.name, **kept, **tag, **extra}

    # --- create -------------------------------------------------------------------------
    def create(self) -> None:
        started = time.monotonic()
        for name in self.topology.images():
            self._image_tags[name] = self.images.tag(name)
        self.progress(f"lab '{self.topology.name}' (run {self.run_id}): creating networks and volumes")
        for net in self.topology.networks.values():
            self._create_network(net)
        for vol in self.topology.volumes.values():
            self.client.volumes.create(name=self.object_name(vol.name), labels=self.labels())
        for spec in self.topology.servers.values():
            self._create_server(spec)
        self.progress(f"lab '{self.topology.name}': waiting for {len(self._servers)} servers to boot")
        for server in self._servers.values():
            server.wait_booted(BOOT_TIMEOUT)
        if self.topology.package_source:
            self._serve_packages()
        self.created_at = time.time()
        self.progress(f"lab '{self.topology.name}' is up in {time.monotonic() - started:.1f} s")

    def attach(self) -> None:
        """Take over this run's lab as an earlier run left it (kept with --keep-lab): its
        servers, the subnets its networks landed on, nothing made or changed."""
        found = {
            labels.get(SERVER_LABEL): item
            for item, labels in _labelled(self.client)
            if labels.get(RUN_LABEL) == self.run_id
            and labels.get(LAB_LABEL) == self.topology.name
            and labels.get(SERVER_LABEL)
        }
        if not found:
            raise LabError(
                f"no lab '{self.topology.name}' of run {self.run_id} on this engine "
                "(see: oat list; a lab is kept with --keep-lab)"
            )
        for net in self.topology.networks.values():
            try:
                network = self.client.networks.get(self.object_name(net.name))
            except docker.errors.NotFound:
                raise LabError(
                    f"lab '{self.topology.name}' of run {self.run_id}: network '{net.name}' is gone"
                ) from None
            subnet = ipaddress.IPv4Network(network.attrs["IPAM"]["Config"][0]["Subnet"])
            if subnet != net.subnet:
                self.topology, self.relocation = relocate(
                    self.document_topology,
                    {**{n: new for n, (_, new) in self.relocation.moves.items()}, net.name: subnet},
                )
        for spec in self.topology.servers.values():
            container = found.get(spec.name)
            if container is None:
                raise LabError(f"lab '{self.topology.name}' of run {self.run_id}: server '{spec.name}' is gone")
            if container.status != "running":
                raise LabError(
                    f"lab '{self.topology.name}' of run {self.run_id}: server '{spec.name}' is "
                    f"{container.status}, not running"
                )
            self._image_tags[spec.image] = (container.image.tags or [container.image.id])[0]
            self._servers[spec.name] = self._server(spec, container.name)
        self.created_at = time.time()
        self.progress(
            f"lab '{self.topology.name}' of run {self.run_id}: reused as it was left ({len(self._servers)} servers)"
        )

    def _create_network(self, net) -> None:
        """The network on the document's subnet when it is free; else (another run holds it,
        or takes it first) on a free subnet of the relocation pool, its hosts keeping their
        host part (oat/relocation.py)."""
        tried: list = []  # subnets the engine refused: another run reserved them, listed or not yet
        for _ in range(8):
            net = self.topology.networks[net.name]
            taken = self._engine_subnets() + tried
            if any(net.subnet.overlaps(t) for t in taken):
                self._move(
                    net.name,
                    free_subnet(
                        taken + [n.subnet for n in self.topology.networks.values() if n.name != net.name],
                        net.subnet.prefixlen,
                    ),
                )
                continue
            ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=str(net.subnet), gateway=net.gateway)])
            try:
                # internal: no route out of the lab, like a closed production network.
                made = self.client.networks.create(
                    self.object_name(net.name),
                    driver="bridge",
                    internal=True,
                    ipam=ipam,
                    labels=self.labels(),
                    check_duplicate=True,
                )
                self._like_a_lan(made.id)
                return
            except docker.errors.APIError as exc:
                if "overlap" not in str(exc.explanation or exc).lower():
                    raise LabError(
                        f"network '{net.name}' ({net.subnet}) of lab '{self.topology.name}' cannot be "
                        f"created: {exc.explanation or exc}"
                    ) from None
                tried.append(net.subnet)  # another run took it between the look and the create
        raise LabError(
            f"network '{net.name}' of lab '{self.topology.name}': no free subnet after 8 attempts "
            "(other runs keep taking them)"
        )

    def _like_a_lan(self, network_id: str) -> None:
        """The host is the lab LAN's client (the browser, the API clients): make it honour a
        floating IP's gratuitous ARP as a LAN's clients and switches do, and re-resolve a
        silent neighbour within seconds. Only the bridge of a network this lab made, and only
        on a local engine (the host is then that LAN's end)."""
        if not engine_is_here():
            return
        bridge = f"br-{network_id[:12]}"
        settings = {
            f"conf/{bridge}/arp_accept": "1",
            f"neigh/{bridge}/base_reachable_time_ms": "1000",
            f"neigh/{bridge}/delay_first_probe_time": "1",
            f"neigh/{bridge}/ucast_solicit": "1",
            f"neigh/{bridge}/retrans_time_ms": "200",
        }
        for key, value in settings.items():
            try:
                with open(f"/proc/sys/net/ipv4/{key}", "w", encoding="ascii") as out:
                    out.write(value)
            except OSError as exc:
                self.progress(
                    f"lab '{self.topology.name}': cannot set {key} on the host ({exc.strerror}); "
                    "a moved floating IP may take longer to reach"
                )
                return

    def _engine_subnets(self) -> list:
        found = []
        for network in self.client.api.networks():
            for config in (network.get("IPAM") or {}).get("Config") or []:
                try:
                    found.append(ipaddress.IPv4Network(config.get("Subnet", "")))
                except ValueError:
                    continue  # IPv6 or none
        return found

    def _move(self, name: str, subnet) -> None:
        moves = {n: new for n, (_, new) in self.relocation.moves.items()}
        moves[name] = subnet
        self.topology, self.relocation = relocate(self.document_topology, moves)
        self.progress(
            f"lab '{self.topology.name}': network '{name}' {self.relocation.moves[name][0]} is in use "
            f"(another run?); using {subnet}"
        )

    def _create_server(self, spec: Server) -> None:
        api = self.client.api
        name = self.object_name(spec.name)
        nested_engine = "ALL" in spec.capabilities  # the only use of ALL (see _privileges)
        # systemd reads the cgroup tree; only a nested engine writes to it.
        binds = {"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw" if nested_engine else "ro"}}
        for mount in spec.mounts:
            binds[self.object_name(mount.volume)] = {"bind": mount.path, "mode": "rw"}
        host_config = api.create_host_config(
            binds=binds,
            tmpfs={"/run": "rw,exec,mode=755", "/run/lock": "rw,mode=1777"},
            # `systemctl reboot` ends PID 1; the engine then boots the server again, as the
            # machine would (a removal stops it for good).
            restart_policy={"Name": "unless-stopped"},
            **_privileges(spec.capabilities),
            **({"mem_limit": f"{spec.memory_mib}m"} if spec.memory_mib else {}),
        )
        if nested_engine:
            # The CLI's --security-opt systempaths=unconfined: a nested engine mounts /proc
            # and /sys for its containers, which masked paths would forbid.
            host_config.update(MaskedPaths=[], ReadonlyPaths=[])
        networks = list(spec.addresses.items())
        first_net, first_ip = networks[0]
        net_config = api.create_networking_config(
            {
                self.object_name(first_net): api.create_endpoint_config(ipv4_address=first_ip, aliases=[spec.name]),
            }
        )
        try:
            container = api.create_container(
                image=self._image_tags[spec.image],
                name=name,
                hostname=spec.name,
                labels=self.labels(**{SERVER_LABEL: spec.name}),
                host_config=host_config,
                networking_config=net_config,
                environment={"container": "docker"},
                stop_signal="SIGRTMIN+3",
                detach=True,
            )
            for net_name, ip in networks[1:]:
                api.connect_container_to_network(
                    container["Id"], self.object_name(net_name), ipv4_address=ip, aliases=[spec.name]
                )
            api.start(container["Id"])
        except docker.errors.APIError as exc:
            raise LabError(f"server '{spec.name}' cannot be started: {exc.explanation or exc}") from None
        self._servers[spec.name] = self._server(spec, name)

    def _server(self, spec: Server, container: str) -> LabServer:
        return LabServer(spec, DockerExec(container), self.recorder, container=container)

    def _serve_packages(self) -> None:
        self.package_source = source = PackageSource(self.server(self.topology.package_source), self.client)
        summary = source.publish(self.debs)
        self.progress(
            f"package source '{source.repo.name}': {summary} ({len(self.debs)} of them built from this repository)"
        )
        for server in self._servers.values():
            if server is not source.repo:
                source.configure(server)

    # --- use ----------------------------------------------------------------------------
    def restart(self, name: str) -> None:
        """Reboot a server as an operator does (`systemctl reboot`): systemd shuts down
        cleanly, PID 1 exits, and the engine's restart policy boots the container again."""
        self.progress(f"rebooting server '{name}'")
        self.server(name).reboot(BOOT_TIMEOUT)

    def image_tag(self, image: str) -> str:
        """The content-hashed tag of one of the lab's images (oat/server:1a2b…)."""
        return self._image_tags[image]

    def server(self, name: str) -> LabServer:
        spec = self.topology.server(name)  # unknown names: one-line error naming the lab
        return self._servers[spec.name]

    @property
    def servers(self) -> list[LabServer]:
        return list(self._servers.values())

    def entry(self, address: str) -> str | None:
        """The container of a server on the address's network: the lab's infrastructure (the
        package source, which no fault touches) first."""
        ip = ipaddress.ip_address(address)
        for network in self.topology.networks.values():
            if ip in network.subnet:
                on = sorted(
                    (s for s in self.topology.servers.values() if network.name in s.addresses),
                    key=lambda s: not s.infrastructure,
                )
                return next((self._servers[s.name].container for s in on if s.name in self._servers), None)
        return None

    def describe(self) -> list[ServerInfo]:
        return [
            ServerInfo(
                s.name,
                s.spec.role,
                self._image_tags.get(s.spec.image, s.spec.image),
                dict(s.spec.addresses),
                s.container,
                host=s.container,
            )
            for s in self._servers.values()
        ]

    # --- the servers' hardware -----------------------------------------------------------
    def hardware(self) -> Hardware:
        """Power, CPU, cables and disks of the lab's containers (oat.drivers.docker.hardware)."""
        if not engine_is_here():
            # Cables are the host ends of the servers' veths, disks and holdings are read in
            # their namespaces: all on the engine's machine, which this is not.
            raise LabError(
                f"lab '{self.topology.name}' is on {engine_address()}: faults are injected from the "
                "engine's own machine (its side of the servers' cables, their namespaces); run 障害試験 "
                "on this machine's engine"
            )
        if self._hardware is None:
            self._hardware = DockerHardware(self)
        return self._hardware

    def fencing(self, ca, network: str, port: int, nodes: list[str]):
        """The management boards of these servers, as one fencing endpoint on the network's
        gateway (oat/fencing.py): each node may power off or on only the others. Started
        once; stopped with the lab."""
        from oat.drivers.docker.fencing import FencingEndpoint, Machines

        if self._fencing is None:
            unknown = [n for n in nodes if n not in self._servers]
            if unknown:
                raise LabError(f"lab '{self.topology.name}' has no server {', '.join(unknown)} to fence")
            machines = Machines(self.client, {n: self._servers[n].container for n in nodes})
            endpoint = FencingEndpoint(
                ca,
                self.topology.networks[network].gateway,
                port,
                {n: [m for m in nodes if m != n] for n in nodes},
                machines,
            )
            endpoint.start()
            self._fencing = endpoint
        return self._fencing

    # --- destroy ------------------------------------------------------------------------
    def destroy(self) -> None:
        if self._fencing is not None:
            self._fencing.stop()
            self._fencing = None
        with signals_deferred():
            problems = remove_run(self.client, self.run_id)
        if problems:
            raise LabError(f"lab '{self.topology.name}' (run {self.run_id}) not fully removed: {'; '.join(problems)}")

    def keep_instructions(self) -> str:
        lines = [f"lab '{self.topology.name}' (run {self.run_id}) kept for debugging:"]
        for s in self._servers.values():
            lines.append(f"  {s.name:<10} {s.spec.address:<15} docker exec -it {s.container} bash")
        lines.append(f"  run scenarios on it again: pytest … --reuse-lab {self.run_id}")
        lines.append(f"  remove it with: oat remove {self.run_id}")
        return "\n".join(lines)

    def destroyed(self) -> str:
        return f"lab '{self.topology.name}' (run {self.run_id}) removed"
