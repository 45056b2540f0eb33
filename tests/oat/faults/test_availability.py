"""The API availability probe: failure windows, summary and timeline from samples."""

import time

from oat.faults.availability import Probe, Sample, failure_windows, summary, timeline_svg


def samples(pattern: str, step: float = 0.5):
    return [
        Sample(i * step, c == "o", "node1 1.0.0" if c == "o" else "ConnectionError: refused")
        for i, c in enumerate(pattern)
    ]


def test_failure_windows_are_runs_of_failed_calls():
    assert failure_windows(samples("ooxxxooxo")) == [(1.0, 2.5, 3), (3.5, 4.0, 1)]


def test_a_failure_at_the_end_is_a_window_too():
    assert failure_windows(samples("oxx")) == [(0.5, 1.0, 2)]


def test_summary_counts_and_lists_windows():
    text = summary(samples("ooxxo"))
    assert text.splitlines()[0] == "API 呼び出し 5 回、失敗 2 回 (可用性 60.00 %)"
    assert "1.00 秒 〜    2.00 秒 (1.00 秒間、2 回)" in text


def test_timeline_marks_failures_red():
    svg = timeline_svg(samples("oxo"))
    assert svg.count("#cf222e") == 1 and svg.count("#1a7f37") == 2


def test_the_probe_records_calls_and_stops_when_told():
    calls = iter([ValueError("down")] + ["up"] * 1000)

    def call():
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    probe = Probe(call, interval=0.01).start()
    time.sleep(0.1)
    found = probe.stop()
    assert found[0].ok is False and "ValueError: down" in found[0].detail
    assert found[1].ok and len(found) >= 3


def test_the_probe_stops_by_itself_at_its_limit():
    probe = Probe(lambda: "up", interval=0.01, limit=0.05).start()
    probe._thread.join(timeout=2)
    assert not probe._thread.is_alive()
