"""The parts a procedure installs (DB, queue, core...) as data: which servers hold them, and
the setup actions an operator performs on them (lab/products/NAME.yaml, key `parts`).

A part is found on the lab's servers by role: a topology server's `role` is one of the
part's `roles` (by default the part's own name). So the procedure says "the DB server" or
"運用系" and the lab (or the inventory) decides which server that is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from oat.errors import LabError
from oat.model.products import Product

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


@dataclass(frozen=True)
class Part:
    name: str
    roles: tuple[str, ...]  # the topology roles of the servers that hold it
    package: str
    service: str
    processes: tuple[str, ...]
    ports: tuple[int, ...]
    version_package: str
    setup: tuple[dict, ...]
    # Units stopped along with the service (a socket that would start it again, a helper daemon).
    also_stop: tuple[str, ...] = ()
    config: str = ""  # its configuration file, when it has one
    # The live connections its config file names: (peer part, dotted key of host, of port).
    connections: tuple[tuple[str, str, str], ...] = ()
    version: str = ""  # the version the procedure installs ("": what the source has)
    update_version: str = ""  # the version an update procedure brings


class Parts:
    """A product's parts on one lab: lookup, placeholders and setup actions."""

    def __init__(self, product: Product, lab):
        self.product = product
        self.lab = lab
        self.virtual: list = []  # servers the virtual server platform made during the run

    def add(self, server) -> None:
        """A server made during the run (a virtual server) joins its role's part."""
        self.virtual = [s for s in self.virtual if s.name != server.name] + [server]

    def part(self, name: str) -> Part:
        parts = self.product["parts"]
        if name not in parts:
            raise LabError(f"{self.product.path}: unknown part '{name}' (known: {', '.join(parts)})")
        data = self.product[f"parts.{name}"]
        return Part(
            name=name,
            roles=tuple(data.get("roles", (name,))),
            package=data["package"],
            service=data["service"],
            processes=tuple(data.get("processes", ())),
            ports=tuple(data.get("ports", ())),
            version_package=data.get("version_package", data["package"]),
            setup=tuple(data.get("setup", ())),
            also_stop=tuple(data.get("also_stop", ())),
            config=data.get("config", ""),
            connections=tuple((peer, c["host"], c["port"]) for peer, c in data.get("connections", {}).items()),
            version=str(data.get("version", "")),
            update_version=str(data.get("update_version", "")),
        )

    def servers(self, name: str, role: str | None = None) -> list:
        """The servers of the lab that hold this part (at least one): all of them, or those of
        one of its roles."""
        roles = self.part(name).roles
        if role is not None and role not in roles:
            raise LabError(
                f"{self.product.path}: part '{name}' is not on role '{role}' (its roles: {', '.join(roles)})"
            )
        wanted = roles if role is None else (role,)
        found = [self.lab.server(s.name) for s in self.lab.topology.procedure_servers if s.role in wanted]
        found += [s for s in self.virtual if s.spec.role in wanted]
        if not found:
            raise LabError(
                f"lab '{self.lab.topology.name}' has no server with role {' or '.join(repr(r) for r in wanted)}"
            )
        return found

    def address(self, role: str) -> str:
        """The address of the one server of the lab (the package source included) with a role."""
        return self.lab.topology.servers[self.server_name(role)].address

    def gateway(self, network: str) -> str:
        """The gateway address of one of the lab's networks (the host's side of it)."""
        networks = self.lab.topology.networks
        if network not in networks:
            raise LabError(
                f"lab '{self.lab.topology.name}' has no network '{network}' (networks: {', '.join(networks)})"
            )
        return networks[network].gateway

    def server_name(self, role: str) -> str:
        """The name of the one server of the lab with a role."""
        found = [s for s in self.lab.topology.servers.values() if s.role == role]
        if len(found) != 1:
            raise LabError(
                f"lab '{self.lab.topology.name}' has {len(found)} servers with role '{role}'; "
                f"exactly one is needed here"
            )
        return found[0].name

    def render(self, text: str) -> str:
        """Fill {{ dotted.key }} from the product data, {{ address:ROLE }},
        {{ server:ROLE }} and {{ gateway:NETWORK }} from the lab."""

        def value(match: re.Match) -> str:
            key = match.group(1)
            if key.startswith("gateway:"):
                return self.gateway(key.split(":", 1)[1])
            if key.startswith("address:"):
                return self.address(key.split(":", 1)[1])
            if key.startswith("server:"):
                return self.server_name(key.split(":", 1)[1])
            return str(self.product[key])

        return _PLACEHOLDER.sub(value, str(text))

    def template(self, name: str) -> str:
        path = self.product.path.with_suffix("") / name
        try:
            return self.lab.relocation.text(self.render(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise LabError(f"{self.product.path}: template {path} not found") from None

    def set_up(self, name: str, server, lab_ca=None) -> None:
        """Carry out the part's setup actions on one of its servers, in order."""
        for number, action in enumerate(self.part(name).setup, 1):
            kind = next(iter(action))
            where = f"{self.product.path}: parts.{name}.setup[{number}]"
            if kind == "run":
                server.check(self.render(action["run"]))
            elif kind == "file":
                self._file(server, action)
            elif kind == "certificate":
                self._certificate(server, action["certificate"], lab_ca, where)
            elif kind == "copy_to":
                self._copy_to(server, action["copy_to"])
            else:
                raise LabError(f"{where}: unknown action '{kind}' (known: run, file, certificate, copy_to)")

    def files(self, name: str) -> list[dict]:
        """What the part's setup writes into files: path, content, mode and owner (if set)."""
        return [
            {
                "path": self.render(a["file"]),
                "content": self.template(a["template"]),
                "mode": int(a.get("mode", 0o644)),
                "owner": a.get("owner", ""),
            }
            for a in self.part(name).setup
            if "file" in a
        ]

    def write_file(self, name: str, server, path: str) -> None:
        """Write one of the part's files again from its template (undo an operator's edit)."""
        for action in self.part(name).setup:
            if "file" in action and self.render(action["file"]) == path:
                return self._file(server, action)
        raise LabError(f"{self.product.path}: parts.{name}.setup writes no file {path}")

    def _file(self, server, action: dict) -> None:
        path = self.render(action["file"])
        server.put_file(path, self.template(action["template"]), mode=int(action.get("mode", 0o644)))
        if "owner" in action:
            server.check(f"chown {action['owner']} {path}")

    def _certificate(self, server, spec: dict, lab_ca, where: str) -> None:
        if lab_ca is None:
            raise LabError(f"{where}: a certificate needs the lab's CA")
        issued = lab_ca.issue(server.name, dns_names=[server.name], ips=[server.address])
        server.put_file(spec["cert"], issued.cert_pem, mode=0o644)
        server.put_file(spec["key"], issued.key_pem, mode=0o640)
        if "owner" in spec:
            server.check(f"chown {spec['owner']} {spec['cert']} {spec['key']}")

    def _copy_to(self, server, spec: dict) -> None:
        content = server.check("cat %s", self.render(spec["from"]))
        for target in self.servers(spec["part"]):
            path = self.render(spec["to"])
            existing = target.run("cat %s", path).stdout if target.host.file(path).exists else ""
            if content.strip() not in existing:
                target.put_file(path, existing + content, mode=0o600)
            owner = target.check("stat -c %%U:%%G %s", str(Path(path).parent)).strip()
            target.check("chown %s %s" % (owner, path))
