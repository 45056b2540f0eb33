"""A scenario selected alone without the earlier scenarios of its procedure is named, with
the first one it depends on; @独立 scenarios need nothing and are needed by nothing."""
from oat.plugin.procedure import dependency_gaps


def at(folder, feature, line, name, independent=False):
    return (folder, (feature, line), name, f"{folder}/{feature}", independent)


INSTALL = at("clweb", "01_install.feature", 8, "(1)(2) 構築")
CONFIG = at("clweb", "01_install.feature", 20, "(4)(5) 設定")
KILL = at("clweb", "02_failover.feature", 7, "kill -9")
CHECKS = at("tengine", "00_preconditions.feature", 9, "サーバの確認", independent=True)
DB = at("tengine", "01_install.feature", 8, "DB")


def test_a_scenario_without_its_predecessors_names_the_first_one():
    assert dependency_gaps([KILL], [INSTALL, CONFIG, DB]) == [
        ("kill -9", "(1)(2) 構築", "clweb/01_install.feature")]


def test_predecessors_selected_or_in_other_folders_are_no_gap():
    assert dependency_gaps([INSTALL, CONFIG, KILL], [DB]) == []
    assert dependency_gaps([INSTALL], [CONFIG, KILL]) == []  # later ones may be left out


def test_independent_scenarios_neither_need_nor_are_needed():
    assert dependency_gaps([CHECKS], [DB]) == []
    assert dependency_gaps([DB], [CHECKS]) == []
