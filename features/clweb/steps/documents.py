"""The guide's commands run as written, through its errata (features/clweb/errata.yaml)."""

from __future__ import annotations

from pytest_bdd import parsers, when

from features.clweb.steps.cluster import SIDE


@when(parsers.parse('{side:Side}で手順書のコマンド "{command}" を実行する', extra_types=SIDE))
def run_documented_command(cluster, documents, side, command):
    """Run the guide's command on that node; a listed erratum is run as written (and must
    fail), then corrected."""
    documents.run(cluster.server(cluster.node(side)), command)
