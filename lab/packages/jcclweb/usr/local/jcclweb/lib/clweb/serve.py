"""clweb_serv: start the server, run until SIGTERM, stop cleanly.

Startup problems (config folder, clweb.conf, certificate, bind address) end the process with
exit status 1 and one line on stderr (the journal) and in the log, so a cluster start script
sees the failure at once."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from clweb import housekeeper, logs
from clweb.app import App
from clweb.config import load
from clweb.errors import ClwebError
from clweb.home import Home
from clweb.tlsserver import TLSServer, make_server


def arguments(argv):
    parser = argparse.ArgumentParser(prog="clweb_serv", description="JobCenter CL/Web server")
    parser.add_argument("--home", help="install root holding config/ and VERSION"
                                       " (default: $CLWEB_HOME, else this script's install root)")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = arguments(argv)
    home = Home.locate(args.home)
    if args.version:
        print(f"CL/Web {home.version()}")
        return 0
    log = None
    try:
        home.check()
        log = logs.setup(home.log_file)
        config = load(home.conf_file)
        app = App(home, log)
        server = make_server(app, config)
    except ClwebError as error:
        if log:
            log.error("start failed: %s", error)
        else:
            print(f"clweb_serv: {error}", file=sys.stderr)
        return 1
    log.info("started: CL/Web %s on %s, listening on %s (config %s)",
             app.version, app.node, server.url, home.config)
    return run(server, home, log)


def run(server: TLSServer, home: Home, log: logging.Logger) -> int:
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: stopping.set())
    # Fork before any thread starts: a fork copies only the calling thread.
    child = housekeeper.spawn(home, log, close=[server.socket])
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                               name="serve", daemon=True)
    serving.start()
    status = 0
    while not stopping.wait(0.5):
        if child and os.waitpid(child, os.WNOHANG)[0]:
            log.warning("housekeeper (pid %d) exited", child)
            child = 0
        if not serving.is_alive():
            log.error("the server loop ended unexpectedly")
            status = 1
            break
    server.shutdown()
    server.server_close()
    if child:
        housekeeper.stop(child)
    log.info("stopped")
    return status
