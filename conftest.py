"""This repository is oat's flagship project: it uses the installed plugin (entry point `oat`)
like any user's project. Only the suite's own tests need more: pytester, for the plugin's
end-to-end tests (tests/oat/plugin)."""

pytest_plugins = ["pytester"]
