"""oat as a pytest plugin (the `pytest11` entry point `oat`): the lab's lifecycle, the operator
report, the feature folders as procedures, and the 汎用 vocabulary every feature folder sees.

Each document's own product steps sit beside its features (features/<doc>/steps), imported by
that folder's conftest.py, and only it sees them.
"""

pytest_plugins = [
    "oat.plugin.lab",
    "oat.plugin.web",
    "oat.plugin.waivers",
    "oat.plugin.report",
    "oat.plugin.procedure",
    "oat.plugin.parallel",
    "oat.plugin.secrets",
    "oat.plugin.allure",
    "oat.plugin.placeholders",
    "oat.vocabulary.commands",
    "oat.vocabulary.services",
    "oat.vocabulary.processes",
    "oat.vocabulary.ports",
    "oat.vocabulary.files",
    "oat.vocabulary.packages",
    "oat.vocabulary.users",
    "oat.vocabulary.http",
    "oat.vocabulary.browser",
    "oat.vocabulary.network",
    "oat.vocabulary.reboot",
    "oat.vocabulary.remembered",
    "oat.vocabulary.journal",
    "oat.vocabulary.sql",
    "oat.plugin.stakes",
    "oat.plugin.features",
    "oat.vocabulary.servers",
    "oat.vocabulary.parts",
    "oat.vocabulary.objectives",
]
