"""Fixtures for the web checks: the lab's CA, and a real headless Chromium that trusts it.

TLS is always verified: requests gets the CA file; Chromium gets a private NSS database
(a HOME of its own) in which the lab CA is the trusted authority. Nothing turns
certificate checks off.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from oat.drivers.docker.relocation import POOL
from oat.errors import LabError
from oat.model.topology import load
from oat.pki import LabCA
from oat.plugin.lab import labs_key
from oat.plugin.project import project_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pings",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
]
# Nowhere to go but the lab. Chromium on its own asks Google's services (autofill, accounts,
# updates): DNS lookups measured on the host's interface in every run. Everything but
# loopback and the lab's own subnets goes to a proxy that is not there, so nothing is
# resolved or sent beyond them.
NO_PROXY = "http://127.0.0.1:9"


def chromium_args(subnets: list[str], way_in: str | None = None) -> list[str]:
    """The browser's arguments: reach loopback and these subnets directly, nothing else; or,
    with a way in (labs on another engine), everything through it (it refuses all but the
    labs' addresses)."""
    if way_in:
        return [*CHROMIUM_ARGS, f"--proxy-server={way_in}"]
    return [*CHROMIUM_ARGS, f"--proxy-server={NO_PROXY}", f"--proxy-bypass-list={';'.join(subnets)}"]


def lab_subnets(topologies: Path, inventory=None) -> list[str]:
    """Every subnet a lab of this suite creates, or the inventory lists: the only addresses
    the browser may reach."""
    if inventory is not None:
        return sorted({str(subnet) for lab in inventory.labs.values() for subnet in lab.networks.values()})
    # A lab moved off its document's subnets (another run held them) lands in the pool.
    return sorted(
        {str(network.subnet) for path in topologies.glob("*.yaml") for network in load(path).networks.values()}
        | {str(POOL)}
    )


@pytest.fixture(scope="session")
def lab_ca(pytestconfig) -> LabCA:
    ca = LabCA(f"oat lab CA {pytestconfig.stash[labs_key].run_id}")
    ca.write_cert(project_of(pytestconfig).work / "ca" / f"{pytestconfig.stash[labs_key].run_id}.pem")
    yield ca
    if not pytestconfig.getoption("keep_lab", False):  # a kept lab's clients still need it
        ca.file.unlink(missing_ok=True)


# The running browser, so a failing step's screen can be put in the report.
browser_key = pytest.StashKey[object]()


@pytest.fixture(scope="session")
def browser(lab_ca, pytestconfig):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise LabError(f"{CHROMIUM} not found: run bin/setup (it installs chromium)")
    if shutil.which("certutil") is None:
        raise LabError("certutil not found: run bin/setup (it installs libnss3-tools)")
    home = Path(tempfile.mkdtemp(prefix="oat-chromium-"))
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    for argv in (
        ["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"],
        ["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "oat-lab-ca", "-t", "C,,", "-i", str(lab_ca.file)],
    ):
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise LabError(f"certutil could not trust the lab CA: {done.stderr.strip()}")
    labs = pytestconfig.stash[labs_key]
    way_in = labs.way_in()
    with sync_playwright() as pw:
        # Chromium reads its trust store from $HOME/.pki/nssdb.
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=chromium_args(
                lab_subnets(project_of(pytestconfig).topologies, labs.inventory),
                way_in.browser_proxy if way_in else None,
            ),
            env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        )
        pytestconfig.stash[browser_key] = chromium
        try:
            yield chromium
        finally:
            del pytestconfig.stash[browser_key]
            chromium.close()
            shutil.rmtree(home, ignore_errors=True)
