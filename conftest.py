"""oat's pytest plugins: the lab's lifecycle, the operator report, and the step definitions
(loaded as plugins so every feature folder sees every domain's steps)."""

pytest_plugins = [
    "fixtures.lab",
    "fixtures.report",
    "steps.servers",
]
