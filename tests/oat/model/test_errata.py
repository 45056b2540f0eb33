"""The errata mechanism: documented commands run as written first, then the correction."""

from pathlib import Path

import pytest

from oat.errors import LabError
from oat.model.errata import Errata

ROOT = Path(__file__).resolve().parents[3]


class Result:
    def __init__(self, rc, stdout="", stderr=""):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr


class FakeServer:
    """Stands in for a lab server: answers commands from a table (unit test only)."""

    name = "node1"

    def __init__(self, answers):
        self.answers, self.ran, self.files = answers, [], {}

    def run(self, command, *args):
        command = command % args if args else command
        self.ran.append(command)
        return self.answers.get(command, Result(0))

    def check(self, command, *args):
        result = self.run(command, *args)
        assert result.rc == 0
        return result.stdout

    def put_file(self, path, text, mode=0o644):
        self.files[path] = text


def test_a_listed_command_runs_as_written_then_corrected():
    errata = Errata(ROOT / "features" / "clweb" / "errata.yaml")
    server = FakeServer({"systemctl jclweb disable": Result(1, stderr="Unknown command verb jclweb.")})
    errata.run(server, "systemctl jclweb disable")
    assert server.ran == ["systemctl jclweb disable", "systemctl disable jcclweb"]
    assert errata.applied[0].as_written == "exit 1: Unknown command verb jclweb."


def test_an_erratum_that_no_longer_stands_fails_the_step():
    errata = Errata(ROOT / "features" / "clweb" / "errata.yaml")
    with pytest.raises(AssertionError, match="worked as written"):
        errata.run(FakeServer({}), "systemctl jclweb disable")


def test_an_unlisted_command_runs_as_is():
    errata = Errata(ROOT / "features" / "clweb" / "errata.yaml")
    server = FakeServer({})
    errata.run(server, "mv /usr/local/jcclweb/config /mnt/export/config")
    assert server.ran == ["mv /usr/local/jcclweb/config /mnt/export/config"] and not errata.applied


def test_a_script_with_unspaced_brackets_is_corrected():
    errata = Errata(ROOT / "features" / "clweb" / "errata.yaml")
    server = FakeServer(
        {"CLP_EVENT=START CLP_DISK=FAILURE CLP_SERVER=HOME sh /tmp/as-written-start.sh": Result(1, stdout="NO_CLP")}
    )
    fixed = errata.script(server, "/x/start.sh", 'if ["$CLP_EVENT" = "START"]\nthen\n  :\nfi\n')
    assert fixed == 'if [ "$CLP_EVENT" = "START" ]\nthen\n  :\nfi\n'


def test_a_broken_errata_file_names_the_key(tmp_path):
    path = tmp_path / "errata.yaml"
    path.write_text("- documented: x\n  corrected: y\n  where: z\n")
    with pytest.raises(LabError, match=r"errata\.yaml: \[0\]\.why is missing"):
        Errata(path)
