"""Safety on servers oat did not create: what disrupts a server is marked, and runs on an
inventory's servers only when the inventory declares them disposable.

Scenarios that break, stop, reboot or remove something carry the tag @破壊的 in the features;
the step functions that do it are marked @disruptive, so a disruptive step in an untagged
scenario stops the run on such servers instead of doing harm.
"""

from __future__ import annotations

import functools

from oat.errors import LabError

DISRUPTIVE_TAG = "破壊的"
NOT_DISPOSABLE = (
    "破壊的な手順 (サーバを停止・再起動・破壊する): インベントリのサーバは disposable と宣言されていないため実施しない"
)


_refusal: str | None = None  # why disruptive steps may not run in the scenario running now


def disruptive(func):
    """Mark a step function as one that disrupts a server (kill, reboot, stop, remove): it
    refuses to run where `refuse()` says so, failing its step with that reason."""

    @functools.wraps(func)  # pytest-bdd reads the fixtures it needs through __wrapped__
    def guarded(*args, **kwargs):
        if _refusal:
            raise LabError(f"{func.__name__} disrupts a server: {_refusal}")
        return func(*args, **kwargs)

    return guarded


def refuse(reason: str | None) -> None:
    """Set (or with None, lift) the refusal for the scenario about to run."""
    global _refusal
    _refusal = reason
