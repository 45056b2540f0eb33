"""What the Tengine procedure carries between steps: typed, and a value no step kept is a
one-line error naming the step that must come first."""

from __future__ import annotations

import pytest

from features.tengine.steps.state import Ran, TengineState
from oat.errors import FeatureError


def test_a_value_no_step_kept_names_the_step():
    with pytest.raises(FeatureError, match="「仮想サーバ基盤 に空きリソースを問い合わせる」 must come before"):
        TengineState().needs("resources", "仮想サーバ基盤 に空きリソースを問い合わせる")


def test_a_kept_value_is_read_back_and_a_run_unpacks():
    state = TengineState()
    state.test_results = [Ran("core", "result", 1.5)]
    (server, result, seconds) = state.needs("test_results", "テスト起動")[0]
    assert (server, result, seconds) == ("core", "result", 1.5)


def test_its_repr_names_what_is_carried_never_the_values():
    state = TengineState(fired=("oat_probe", "secret-key"))
    assert repr(state) == "<carried: fired>"
