"""A scenario selected with -k on a fresh lab gets its folder's earlier scenarios as its set-up;
@独立 scenarios need nothing and are needed by nothing."""

from oat.plugin.procedure import set_up_for


def at(folder, feature, line, name, independent=False):
    return (folder, (feature, line), name, f"{folder}/{feature}", independent)


INSTALL = at("clweb", "01_install.feature", 8, "(1)(2) 構築")
CONFIG = at("clweb", "01_install.feature", 20, "(4)(5) 設定")
KILL = at("clweb", "02_failover.feature", 7, "kill -9")
CHECKS = at("tengine", "00_preconditions.feature", 9, "サーバの確認", independent=True)
DB = at("tengine", "01_install.feature", 8, "DB")


def test_a_scenario_needs_every_earlier_scenario_of_its_folder():
    assert set_up_for([KILL], [INSTALL, CONFIG, DB]) == {
        ("clweb", ("01_install.feature", 8)): "kill -9",
        ("clweb", ("01_install.feature", 20)): "kill -9",
    }


def test_predecessors_selected_or_in_other_folders_are_not_needed():
    assert set_up_for([INSTALL, CONFIG, KILL], [DB]) == {}
    assert set_up_for([INSTALL], [CONFIG, KILL]) == {}  # later ones may be left out


def test_independent_scenarios_neither_need_nor_are_needed():
    assert set_up_for([CHECKS], [DB]) == {}
    assert set_up_for([DB], [CHECKS]) == {}
