"""Errors the suite reports to an operator in one line, without a traceback, by kind.

Every message is complete on its own: it names the server, file, key or inventory entry
concerned. Each kind stops a run with its own exit code (docs/errors.md), apart from pytest's
own codes (1 a check failed, 2 interrupted, 4 a bad option, 5 nothing collected):

    3  LabError          the lab: engine, image, network, a server that does not answer
    6  InventoryError    an inventory file or the servers it names (ssh preflight)
    7  FeatureError      a feature folder, document, traceability, errata or step text
    8  ProductError      a product's data (lab/products/NAME.yaml) or a product fact it lacks
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
