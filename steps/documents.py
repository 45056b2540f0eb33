"""Steps that run a document's commands as written (through its errata)."""
from __future__ import annotations

from pytest_bdd import parsers, when

from steps.cluster import SIDES, node_of


@when(parsers.re(f'{SIDES}で手順書のコマンド "(?P<command>.+)" を実行する'))
def run_documented_command(lab, product, documents, side, command):
    documents.run(lab.server(node_of(product, side)), command)
