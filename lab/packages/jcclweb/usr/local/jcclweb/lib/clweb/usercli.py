"""clweb_user: manage the users who log in and their API access keys."""
from __future__ import annotations

import argparse
import getpass
import sys

from clweb.apikeys import ApiKeys
from clweb.errors import ClwebError
from clweb.home import Home
from clweb.users import Users, check_name


def arguments(argv):
    parser = argparse.ArgumentParser(prog="clweb_user", description="CL/Web users and API keys")
    parser.add_argument("--home", help="install root holding config/"
                                       " (default: $CLWEB_HOME, else this script's install root)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = commands.add_parser("add", help="add a user; the password is read from stdin (one line)")
    add.add_argument("name")
    key = commands.add_parser("apikey", help="create and print a new API access key for a user")
    key.add_argument("name")
    commands.add_parser("list", help="list the users and how many API keys each has")
    return parser.parse_args(argv)


def read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("password: ")
    return sys.stdin.readline().rstrip("\r\n")


def main(argv=None) -> int:
    args = arguments(argv)
    home = Home.locate(args.home)
    try:
        home.check()
        users, keys = Users(home.users_dir), ApiKeys(home.users_dir)
        if args.command == "add":
            check_name(args.name)  # before asking for a password
            users.add(args.name, read_password())
            print(f"user '{args.name}' added")
        elif args.command == "apikey":
            print(keys.create(args.name))
        else:
            for name in users.names():
                print(f"{name}\tapikeys={keys.count(name)}")
    except ClwebError as error:
        print(f"clweb_user: {error}", file=sys.stderr)
        return 1
    return 0
