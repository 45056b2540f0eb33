"""oat's pytest plugins: the lab's lifecycle, the operator report, the feature folders as
procedures, and the generic step layer."""

pytest_plugins = [
    "fixtures.lab",
    "fixtures.web",
    "fixtures.report",
    "fixtures.procedure",
    "steps.generic.commands",
    "steps.generic.services",
    "steps.generic.processes",
    "steps.generic.ports",
    "steps.generic.files",
    "steps.generic.packages",
    "steps.generic.users",
    "steps.generic.http",
    "steps.generic.network",
    "steps.generic.reboot",
    "fixtures.features",
    # The generic steps every feature folder sees (no product named); each document's own
    # product steps sit beside its features (features/<doc>/steps) and only it sees them.
    "steps.generic.servers",
    "steps.generic.parts",
    "pytester",  # the report plugin's own end-to-end tests (tests/test_report_plugin.py)
]
