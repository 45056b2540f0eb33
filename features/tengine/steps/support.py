"""Steps of the server configuration report collection tool (サーバ構成レポート収集ツール,
use case 000 alternate courses Y and Z): collected on every server, read back, and checked
for what support needs (packages, configuration) and for what must never leave (secrets)."""
from __future__ import annotations

import io
import re
import tarfile

from pytest_bdd import then, when

from steps.generic.parts import apt_install

TOOL = "tengine-support"
# A private key block whose body is still there (the tool keeps only BEGIN and END lines).
KEY_MATERIAL = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n[A-Za-z0-9+/=]{20,}")


def every_server(lab, parts):
    return [lab.server(s.name) for s in lab.topology.procedure_servers] + list(parts.virtual)


@when("全てのサーバに サーバ構成レポート収集ツール をインストールする")
def install_everywhere(lab, parts):
    for server in every_server(lab, parts):
        apt_install(server, TOOL)


@when("全てのサーバで サーバ構成レポートを収集する")
def collect_everywhere(lab, parts, product, tengine_state, recorder):
    reports = {}
    for server in every_server(lab, parts):
        path = server.check(product["support.collect"]).strip().splitlines()[-1]
        with tarfile.open(fileobj=io.BytesIO(server.get_file(path)), mode="r:gz") as archive:
            reports[server.name] = {m.name.split("/", 1)[-1]: archive.extractfile(m).read().decode("utf-8", "replace")
                                    for m in archive.getmembers() if m.isfile()}
        recorder.attach("text", f"{server.name} のサーバ構成レポート (index.txt): {path}",
                        reports[server.name].get("index.txt", "(index.txt がありません)"))
    tengine_state["support_reports"] = reports


@then("各サーバのレポートにパッケージとバージョン、OS、ネットワーク、ポート、プロセスが含まれている")
def reports_have_the_basics(product, tengine_state):
    problems = []
    for server, files in tengine_state["support_reports"].items():
        for name in product["support.files"]:
            if not files.get(name, "").strip():
                problems.append(f"{server}: {name} is missing or empty")
        if "tengine-support" not in files.get("packages.txt", ""):
            problems.append(f"{server}: packages.txt does not list the installed tengine-support")
    assert not problems, "; ".join(problems)


@then("Tengine の部品を持つサーバのレポートにその部品のパッケージと設定が含まれている")
def reports_have_the_parts(parts, product, tengine_state):
    problems = []
    for part, config in product["support.expected"].items():
        for server in parts.servers(part):
            files = tengine_state["support_reports"][server.name]
            package = parts.part(part).version_package
            if package not in files.get("tengine-packages.txt", ""):
                problems.append(f"{server.name}: tengine-packages.txt does not list {package}")
            if config and not any(name.endswith(config) for name in files):
                problems.append(f"{server.name}: the report has no copy of {config}")
    assert not problems, "; ".join(problems)


@then("どのレポートにもパスワードと秘密鍵が含まれていない")
def reports_hold_no_secret(product, tengine_state):
    secrets = product.secrets()
    problems = []
    for server, files in tengine_state["support_reports"].items():
        for name, text in files.items():
            leaked = [s for s in secrets if s in text]
            if leaked:
                problems.append(f"{server}: {name} contains a password")
            if KEY_MATERIAL.search(text):
                problems.append(f"{server}: {name} contains a private key")
            if name.endswith(("id_ed25519", ".key", "console_users")):
                problems.append(f"{server}: {name} was copied (keys and password files must be withheld)")
    assert not problems, "; ".join(problems)
