"""Durations and clock times as the record's reasons and every report write them (秒, 分, local time)."""

from __future__ import annotations

import time


def seconds(value: float) -> str:
    if value < 60:
        return f"{value:.2f} 秒"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} 分 {rest} 秒"


def clock(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))
