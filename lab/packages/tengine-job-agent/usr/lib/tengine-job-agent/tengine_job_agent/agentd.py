"""tengine_job_agentd: the resident agent. Fires started.agent.job.tengine once it reaches the
queue, tells systemd it is ready, then fires heartbeat.agent.job.tengine every heartbeat
interval until it is asked to stop. A failure to fire is an AgentError: the command logs it
and exits 1 (systemd starts it again)."""
from __future__ import annotations

import logging
import os
import socket
import threading

from tengine_job_agent import event
from tengine_job_agent.config import Config
from tengine_job_agent.publisher import Publisher

PROGRAM = "tengine_job_agentd"


def serve(config: Config, publisher: Publisher, log: logging.Logger,
          stopping: threading.Event) -> int:
    server = {"server": socket.gethostname()}
    try:
        publisher.fire(event.new("started.agent.job.tengine", server, PROGRAM))
        log.info("tengine_job_agentd started (queue %s)", config.queue.address)
        notify_ready()
        while not stopping.wait(config.heartbeat_interval):
            publisher.fire(event.new("heartbeat.agent.job.tengine", server, PROGRAM,
                                     level=event.HEARTBEAT))
    finally:
        publisher.close()
    log.info("tengine_job_agentd stopped")
    return 0


def notify_ready() -> None:
    """sd_notify(READY=1) for Type=notify: `systemctl start` returns once the agent has
    reached the queue, and fails when it exits first. Nothing outside systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.connect(address)
        notify.sendall(b"READY=1")
