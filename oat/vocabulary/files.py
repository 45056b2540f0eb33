"""Files, folders and links on a server: there or not, their text, mode, owner and target,
read with testinfra's host.file; and writing a file whole (Server.put_file, recorded with its
content).

`… に "…" が含まれる` cannot tell a line written at install time from one written after the
event a runbook checks. `… の末尾を記録する` remembers where the file ends (its size and inode,
oat.vocabulary.remembered), and `… に記録した後で "…" が追記されている` reads only what comes after:
the bytes past that size, or the whole file when it was since replaced (another inode, as a
rotation makes) or truncated. A line from before the mark never counts."""

from __future__ import annotations

import re

from pytest_bdd import when

from oat.errors import LabError
from oat.model.targets import servers
from oat.vocabulary.checks import check, each, excerpt, sentence

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
        assert found.rc != 2, (
            f"{s.name}: {path} cannot be read ({excerpt(found.stderr)}), expected it to contain '{text}'"
        )
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
            f"{s.name}: {path} is owned by {seen}, expected {owner}"
        )

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


def _end(server, path: str) -> tuple[int, str] | None:
    """(size in bytes, inode) of the file, None when there is none."""
    found = server.run("stat -L -c '%%s %%i' -- %s", path)
    if found.rc != 0:
        if server.run("test -e %s", path).rc != 0:
            return None
        raise AssertionError(f"{server.name}: cannot stat {path}: {excerpt(found.stderr)}")
    size, inode = found.stdout.split()
    return int(size), inode


@when(sentence('"{server:q}" のファイル "{path:q}" の末尾を記録する'))
def remember_file_end(lab, remembered, server, path):
    """Remember where the file ends now (size and inode; no file: from its first byte), for a later check of what is appended."""
    for s in servers(lab, server):
        end = _end(s, path)
        remembered.keep_file_end(path, s.name, *(end or (0, None)))


# What comes after the mark (from byte %s), the first line with the text; else the number of
# bytes after the mark, then the last line before it that has the text (from its first %s bytes).
_AFTER = (
    "tail -c +%s -- %s | grep -a -F -m 1 -e %s && exit 0; "
    "tail -c +%s -- %s | wc -c; head -c %s -- %s | grep -a -F -e %s | tail -n 1; exit 1"
)


@check('"{server:q}" のファイル "{path:q}" に記録した後で "{text}" が追記されている')
def file_appended(lab, remembered, server, path, text):
    """A line with this text was written to the file after its end was remembered (a line from before never counts)."""

    def appended(s):
        mark = remembered.file_end(path, s.name)
        now = _end(s, path)
        assert now is not None, f"{s.name}: {path} is {_kind(s, path)}, expected a file with '{text}' appended"
        size, inode = now
        whole = mark.inode is not None and (inode != mark.inode or size < mark.size)
        start = 0 if whole or mark.inode is None else mark.size
        found = s.run(_AFTER, str(start + 1), path, text, str(start + 1), path, str(start), path, text)
        if found.rc == 0:
            return
        lines = found.stdout.splitlines()
        count, before = (lines[0].strip() if lines else "?"), (lines[1] if len(lines) > 1 else "")
        since = (
            "since it was replaced or truncated"
            if whole
            else "since its end was remembered"
            if mark.inode is not None
            else "since it was created"
        )
        raise AssertionError(
            f"{s.name}: {path} has no line with '{text}' written {since} ({count} bytes since)"
            + (f"; it has one from before: {excerpt(before)}" if before else "")
        )

    each(lab, server, appended)
