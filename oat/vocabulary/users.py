"""Users and groups of a server, read with testinfra's host.user and host.group (the system's
own databases: getent, id)."""

from __future__ import annotations

from oat.vocabulary.checks import check, each


@check('"{server:q}" にユーザ "{user:q}" がいる')
def user_exists(lab, server, user):
    """The user exists on the server."""

    def exists(s):
        assert s.host.user(user).exists, f"{s.name}: no user '{user}'"

    each(lab, server, exists)


@check('"{server:q}" にユーザ "{user:q}" がいない')
def user_absent(lab, server, user):
    """The user does not exist on the server."""

    def absent(s):
        found = s.host.user(user)
        assert not found.exists, f"{s.name}: user '{user}' exists (uid {found.uid}), expected none"

    each(lab, server, absent)


@check('"{server:q}" のユーザ "{user:q}" がグループ "{group:q}" に属している')
def user_in_group(lab, server, user, group):
    """The user is a member of the group (primary or supplementary) on the server."""

    def member(s):
        found = s.host.user(user)
        assert found.exists, f"{s.name}: no user '{user}', expected a member of group '{group}'"
        groups = found.groups
        assert group in groups, f"{s.name}: user '{user}' is in groups {', '.join(groups)}, not in '{group}'"

    each(lab, server, member)


@check('"{server:q}" にグループ "{group:q}" がある')
def group_exists(lab, server, group):
    """The group exists on the server."""

    def exists(s):
        assert s.host.group(group).exists, f"{s.name}: no group '{group}'"

    each(lab, server, exists)
