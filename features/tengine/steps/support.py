"""Steps of the server configuration report collection tool (サーバ構成レポート収集ツール,
use case 000 alternate courses Y and Z): collected on every server, read back, and checked
for what support needs (packages, configuration) and for what must never leave (secrets).
The tool's package, command and report files are product data (lab/products/tengine.yaml
`support`)."""

from __future__ import annotations

import io
import re
import tarfile

from pytest_bdd import then, when

from oat.vocabulary.parts import apt_install

COLLECT = "全てのサーバで サーバ構成レポートを収集する"

# A private key block whose body is still there (the tool keeps only BEGIN and END lines).
KEY_MATERIAL = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n[A-Za-z0-9+/=]{20,}")


def every_server(lab, parts):
    """The lab's procedure servers and the virtual servers made in this run."""
    return [lab.server(s.name) for s in lab.topology.procedure_servers] + list(parts.virtual)


@when("全てのサーバに サーバ構成レポート収集ツール をインストールする")
def install_everywhere(lab, parts, product):
    """Install the support tool's package on every server."""
    for server in every_server(lab, parts):
        apt_install(server, product["support.package"])


@when("全てのサーバで サーバ構成レポートを収集する")
def collect_everywhere(lab, parts, product, tengine_state, recorder):
    """Collect a report on every server and read its archive back; each report's index is attached."""
    index = product["support.index"]
    reports = {}
    for server in every_server(lab, parts):
        path = server.check(product["support.collect"]).strip().splitlines()[-1]
        with tarfile.open(fileobj=io.BytesIO(server.get_file(path)), mode="r:*") as archive:
            reports[server.name] = {
                m.name.split("/", 1)[-1]: archive.extractfile(m).read().decode("utf-8", "replace")
                for m in archive.getmembers()
                if m.isfile()
            }
        recorder.attach(
            "text",
            f"{server.name} のサーバ構成レポート ({index}): {path}",
            reports[server.name].get(index, f"({index} がありません)"),
        )
    tengine_state.support_reports = reports


@then("各サーバのレポートにパッケージとバージョン、OS、ネットワーク、ポート、プロセスが含まれている")
def reports_have_the_basics(lab, parts, product, tengine_state):
    """Every report has each of its files, not empty, and lists the tool's own package; and
    its OS, addresses, listening ports and processes are the server's own: each item the
    server itself gives now (product data `support.shows`) is in that file of its report."""
    package, packages = product["support.package"], product["support.packages"]
    problems = []
    for server in every_server(lab, parts):
        files = tengine_state.needs("support_reports", COLLECT)[server.name]
        for name in product["support.files"]:
            if not files.get(name, "").strip():
                problems.append(f"{server.name}: {name} is missing or empty")
        if package not in files.get(packages, ""):
            problems.append(f"{server.name}: {packages} does not list the installed {package}")
        for name, command in product["support.shows"].items():
            said = server.run(command)
            items = [line.strip() for line in said.stdout.splitlines() if line.strip()]
            if said.rc != 0 or not items:
                problems.append(f"{server.name}: `{command}` gave nothing to compare {name} with (exit {said.rc})")
                continue
            missing = [item for item in items if item not in files.get(name, "")]
            if missing:
                problems.append(
                    f"{server.name}: {name} does not show {', '.join(missing[:5])}"
                    f"{' …' if len(missing) > 5 else ''} (`{command}` on the server)"
                )
    assert not problems, "; ".join(problems)


@then("Tengine の部品を持つサーバのレポートにその部品のパッケージと設定が含まれている")
def reports_have_the_parts(parts, product, tengine_state):
    """The report of each part's server lists the part's package and holds a copy of its config file."""
    listing = product["support.part_packages"]
    problems = []
    for part, config in product["support.expected"].items():
        for server in parts.servers(part):
            files = tengine_state.needs("support_reports", COLLECT)[server.name]
            package = parts.part(part).version_package
            if package not in files.get(listing, ""):
                problems.append(f"{server.name}: {listing} does not list {package}")
            if config and not any(name.endswith(config) for name in files):
                problems.append(f"{server.name}: the report has no copy of {config}")
    assert not problems, "; ".join(problems)


@then("どのレポートにもパスワードと秘密鍵が含まれていない")
def reports_hold_no_secret(product, tengine_state):
    """No report holds a password of the product data, a private key, or a file the tool must withhold."""
    secrets = product.secrets()
    withheld = tuple(product["support.withheld"])
    problems = []
    for server, files in tengine_state.needs("support_reports", COLLECT).items():
        for name, text in files.items():
            leaked = [s for s in secrets if s in text]
            if leaked:
                problems.append(f"{server}: {name} contains a password")
            if KEY_MATERIAL.search(text):
                problems.append(f"{server}: {name} contains a private key")
            if name.endswith(withheld):
                problems.append(f"{server}: {name} was copied (keys and password files must be withheld)")
    assert not problems, "; ".join(problems)
