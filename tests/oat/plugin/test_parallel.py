"""Under pytest-xdist, every scenario of a feature folder runs on one worker, in the folder's
order, whatever --dist says (a folder is one procedure on one lab)."""

from __future__ import annotations

import pytest

CONFTEST = """
import os
import time
from pytest_bdd import parsers, when

@when(parsers.parse('"{mark}" を記録する'))
def note(mark):
    time.sleep(0.2)  # long enough for the other worker to ask for more work meanwhile
    with open(os.environ["OAT_TEST_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{mark} {os.environ.get('PYTEST_XDIST_WORKER', '-')}\\n")
"""


def feature(folder: str, count: int) -> str:
    return "# language: ja\n機能: 手順\n" + "".join(
        f'  シナリオ: {folder}{n}\n    もし "{folder}{n}" を記録する\n' for n in range(1, count + 1)
    )


@pytest.mark.parametrize("dist", ["load", "loadfile", "worksteal"])
def test_a_folder_runs_on_one_worker_in_its_order(pytester, monkeypatch, dist):
    log = pytester.path / "ran.log"
    monkeypatch.setenv("OAT_TEST_LOG", str(log))
    pytester.makeini("[pytest]\ntestpaths = features\n")
    pytester.makeconftest(CONFTEST)
    for folder, files in (("alpha", 4), ("beta", 4)):
        (pytester.path / "features" / folder).mkdir(parents=True)
        for n in range(1, files + 1):  # several files: loadfile alone would split the folder
            (pytester.path / "features" / folder / f"0{n}.feature").write_text(
                feature(f"{folder}{n}-", 2), encoding="utf-8"
            )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--dist", dist)
    result.assert_outcomes(passed=16)
    ran = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    for folder in ("alpha", "beta"):
        mine = [(mark, worker) for mark, worker in ran if mark.startswith(folder)]
        assert len({worker for _, worker in mine}) == 1, f"{folder} ran on several workers: {mine}"
        assert [mark for mark, _ in mine] == sorted(mark for mark, _ in mine), f"{folder} out of order: {mine}"
