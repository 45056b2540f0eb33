"""The commands: tengine_console (the server) and tengine_console_passwd (its users).
Each failure is one line on stderr; a bad config exits 2, anything else 1."""
from __future__ import annotations

import argparse
import sys

from tengine_console.app import App
from tengine_console.config import DEFAULT_PATH, ConfigError, load
from tengine_console.errors import ConsoleError
from tengine_console.log import LOG_FILE, open_log
from tengine_console.server import make_server, serve_until_stopped
from tengine_console.sessions import Sessions
from tengine_console.store import Store
from tengine_console.users import USERS_FILE, UserFile


def serve(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tengine_console",
                                     description="Tengine console: the HTTPS web screens")
    parser.add_argument("-f", dest="config", metavar="CONFIG", default=DEFAULT_PATH,
                        help=f"config file (default {DEFAULT_PATH})")
    parser.add_argument("--users", default=USERS_FILE, help=f"users file (default {USERS_FILE})")
    parser.add_argument("--log", default=LOG_FILE, help=f"log file (default {LOG_FILE})")
    args = parser.parse_args(argv)
    log = None
    try:
        config = load(args.config)
        log = open_log(args.log)
        app = App(UserFile(args.users), Store(config.db), Sessions(config.session_timeout), log)
        server = make_server(app, config)
    except ConsoleError as error:
        print(f"tengine_console: {error}", file=sys.stderr)
        if log:
            log.error("start failed: %s", error)
        return 2 if isinstance(error, ConfigError) else 1
    host, port = server.server_address[:2]
    log.info("tengine_console started: https://%s:%s, DB %s (config %s)",
             host, port, config.db.address, config.source)
    serve_until_stopped(server, log)
    return 0


def passwd(argv=None, stdin=None) -> int:
    parser = argparse.ArgumentParser(
        prog="tengine_console_passwd",
        description="Add a console user or replace their password, read from standard input "
                    "(echo PASSWORD | tengine_console_passwd NAME).")
    parser.add_argument("name")
    parser.add_argument("--file", default=USERS_FILE, help=f"users file (default {USERS_FILE})")
    args = parser.parse_args(argv)
    password = (stdin or sys.stdin).readline().rstrip("\r\n")
    if not password:
        print("tengine_console_passwd: no password on standard input", file=sys.stderr)
        return 1
    try:
        replaced = UserFile(args.file).set(args.name, password)
    except ConsoleError as error:
        print(f"tengine_console_passwd: {error}", file=sys.stderr)
        return 1
    print(f"{'replaced the password of' if replaced else 'added'} {args.name} in {args.file}")
    return 0
