"""Files, folders and links on a server: there or not, their text, mode, owner and target,
read with testinfra's host.file; and writing a file whole (Server.put_file, recorded with its
content)."""
from __future__ import annotations

import re

from pytest_bdd import when

from oat.errors import LabError
from oat.model.targets import servers
from oat.vocabulary.checks import check, sentence, each, excerpt

MODE = re.compile(r"^0?[0-7]{3,4}$")


def _kind(server, path: str) -> str:
    """What is at `path`, in a word: a file, a folder, a link (to what), something else, nothing."""
    found = server.host.file(path)
    if found.is_symlink:
        return f"a symbolic link to {server.run('readlink -- %s', path).stdout.strip()}"
    if not found.exists:
        return "nothing"
    if found.is_directory:
        return "a folder"
    if found.is_file:
        return "a file"
    return "neither a file nor a folder"


@check('"{server:q}" にファイル "{path:q}" がある')
def file_exists(lab, server, path):
    """A regular file (or a link to one) exists at this path on the server."""
    def exists(s):
        assert s.host.file(path).is_file, f"{s.name}: {path} is {_kind(s, path)}, expected a file"
    each(lab, server, exists)


@check('"{server:q}" にファイル "{path:q}" がない')
def file_absent(lab, server, path):
    """Nothing exists at this path on the server (no file, folder or link)."""
    def absent(s):
        found = s.host.file(path)
        assert not (found.exists or found.is_symlink), f"{s.name}: {path} is {_kind(s, path)}, expected nothing"
    each(lab, server, absent)


@check('"{server:q}" にフォルダ "{path:q}" がある')
def folder_exists(lab, server, path):
    """A folder (or a link to one) exists at this path on the server."""
    def exists(s):
        assert s.host.file(path).is_directory, f"{s.name}: {path} is {_kind(s, path)}, expected a folder"
    each(lab, server, exists)


def _grep(server, path: str, text: str):
    """grep's answer: exit 0 and the first line with the text, 1 when none has it, 2 on an error."""
    return server.run("grep -F -n -m 1 -e %s -- %s", text, path)


@check('"{server:q}" のファイル "{path:q}" に "{text}" が含まれる')
def file_contains(lab, server, path, text):
    """The file's text contains this text (grep -F) on the server."""
    def contains(s):
        found = _grep(s, path, text)
        assert found.rc != 2, f"{s.name}: {path} cannot be read ({excerpt(found.stderr)}), expected it to contain '{text}'"
        assert found.rc == 0, f"{s.name}: {path} does not contain '{text}'"
    each(lab, server, contains)


@check('"{server:q}" のファイル "{path:q}" に "{text}" が含まれない')
def file_lacks(lab, server, path, text):
    """The file exists and its text does not contain this text (grep -F) on the server."""
    def lacks(s):
        found = _grep(s, path, text)
        assert found.rc != 2, f"{s.name}: {path} cannot be read ({excerpt(found.stderr)})"
        assert found.rc == 1, f"{s.name}: {path} contains '{text}', expected not: line {excerpt(found.stdout)}"
    each(lab, server, lacks)


@check('"{server:q}" のファイル "{path:q}" の権限が "{mode:q}" である')
def file_mode(lab, server, path, mode):
    """The file's permission bits are this octal mode (e.g. 0640) on the server."""
    if not MODE.match(mode):
        raise LabError(f"'{mode}' is not an octal file mode such as 0640")
    wanted = int(mode, 8)

    def has_mode(s):
        found = s.host.file(path)
        assert found.exists, f"{s.name}: {path} is {_kind(s, path)}, expected mode {wanted:04o}"
        assert found.mode == wanted, f"{s.name}: {path} has mode {found.mode:04o}, expected {wanted:04o}"
    each(lab, server, has_mode)


@check('"{server:q}" のファイル "{path:q}" の所有者が "{owner:q}" である')
def file_owner(lab, server, path, owner):
    """The file belongs to this user, or to user:group, on the server."""
    user, _, group = owner.partition(":")

    def owned(s):
        found = s.host.file(path)
        assert found.exists, f"{s.name}: {path} is {_kind(s, path)}, expected it owned by {owner}"
        seen = f"{found.user}:{found.group}"
        assert found.user == user and (not group or found.group == group), (
            f"{s.name}: {path} is owned by {seen}, expected {owner}")
    each(lab, server, owned)


@check('"{server:q}" の "{path:q}" が "{target:q}" へのシンボリックリンクである')
def symlink_to(lab, server, path, target):
    """The path is a symbolic link to this target (as written, or resolving to the same place) on the server."""
    def links(s):
        found = s.host.file(path)
        assert found.is_symlink, f"{s.name}: {path} is {_kind(s, path)}, expected a symbolic link to {target}"
        written = s.run("readlink -- %s", path).stdout.strip()
        if written == target:
            return
        resolved = {s.run("readlink -m -- %s", p).stdout.strip() for p in (path, target)}
        assert len(resolved) == 1, f"{s.name}: {path} is a symbolic link to {written}, expected {target}"
    each(lab, server, links)


@when(sentence('"{server:q}" のファイル "{path:q}" を次の内容で作成する:'))
def write_file(lab, server, path, docstring):
    """Write the step's text as the whole file (mode 0644, parent folders made) on the server."""
    content = docstring if docstring.endswith("\n") else docstring + "\n"
    for s in servers(lab, server):
        s.put_file(path, content, mode=0o644)
