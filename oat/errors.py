"""Errors the suite reports to an operator in one line, without a traceback, by kind.

Every message is complete on its own: it names the server, file, key or inventory entry
concerned. Each kind stops a run with its own exit code (docs/errors.md), apart from pytest's
own codes (1 a check failed, 2 interrupted, 4 a bad option, 5 nothing collected):

    3  LabError          the lab: engine, image, network, a server that does not answer
    6  InventoryError    an inventory file or the servers it names (ssh preflight)
    7  FeatureError      a feature folder, document, traceability, errata or step text
    8  ProductError      a product's data (lab/products/NAME.yaml) or a product fact it lacks
    9  NothingAtStake    an invariant or comparison that had nothing to check (at_stake below)

NothingAtStake is raised inside a step: that step and its scenario fail with its one line (an
error of the test, never a pass), and a run whose only failures are such errors exits 9
(oat/plugin/stakes.py); any failed check among them makes it 1.
"""

from __future__ import annotations


class OatError(Exception):
    """One line for the operator; `exit_code` is the run's exit status when it stops a run."""

    exit_code = 3
    kind = "oat"


class LabError(OatError):
    """Something about the lab (engine, image, network, server) that stops a procedure."""

    exit_code = 3
    kind = "lab"


class InventoryError(LabError):
    """An inventory that cannot be read, or a server it names that cannot be used as it says.

    A LabError too: the inventory is the lab of a run on servers oat did not make, and code
    that handles "the servers are not there" handles both."""

    exit_code = 6
    kind = "inventory"


class FeatureError(OatError):
    """A feature folder, its document, traceability or errata, or a step's text is wrong."""

    exit_code = 7
    kind = "feature"


class ProductError(OatError):
    """A product's data file is wrong or lacks a fact a step needs."""

    exit_code = 8
    kind = "product"


class NothingAtStake(OatError):
    """An invariant or a before/after comparison that had nothing to check: no acknowledged
    write before the fault, an empty value to read back. Passing it would prove nothing."""

    exit_code = 9
    kind = "stake"


def at_stake(count: int, what: str) -> int:
    """What an invariant checker calls with the number of things it is about to check (`what`
    names them, plural, with where and when); raises NothingAtStake when there are none."""
    if count <= 0:
        raise NothingAtStake(
            f"nothing at stake: 0 {what}, so the check would check nothing (an error of the test, not a pass)"
        )
    return count


def one_line(error: BaseException) -> str:
    """The first meaningful line of an exception, prefixed by its type unless it is obvious."""
    text = str(error).strip()
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    name = type(error).__name__
    if not first:
        return name
    if isinstance(error, (AssertionError, OatError)):
        return first  # their messages are written for the operator already
    return f"{name}: {first}"
