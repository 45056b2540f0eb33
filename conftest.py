"""oat's pytest plugins: the lab's lifecycle, the operator report, and the step definitions
(loaded as plugins so every feature folder sees every domain's steps)."""

pytest_plugins = [
    "fixtures.lab",
    "fixtures.web",
    "fixtures.report",
    "fixtures.procedure",
    "steps.servers",
    "steps.cluster",
    "steps.packages",
    "steps.services",
    "steps.settings",
    "steps.clweb",
    "steps.web",
    "steps.documents",
    "steps.tengine",
    "steps.console",
    "steps.platform",
    "steps.jobs",
    "steps.support",
    "pytester",  # the report plugin's own end-to-end tests (tests/test_report_plugin.py)
]
