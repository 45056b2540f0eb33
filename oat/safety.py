"""Safety on servers oat did not create: what disrupts a server is marked, and runs on an
inventory's servers only when the inventory declares them disposable.

Scenarios that break, stop, reboot or remove something carry the tag @破壊的 in the features;
the step functions that do it are marked @disruptive, so a disruptive step in an untagged
scenario stops the run on such servers instead of doing harm.
"""
from __future__ import annotations

DISRUPTIVE_TAG = "破壊的"
NOT_DISPOSABLE = ("破壊的な手順 (サーバを停止・再起動・破壊する): インベントリのサーバは disposable と"
                  "宣言されていないため実施しない")


def disruptive(func):
    """Mark a step function as one that disrupts a server (kill, reboot, stop, remove)."""
    func.oat_disruptive = True
    return func


def is_disruptive(func) -> bool:
    return bool(getattr(func, "oat_disruptive", False))
