"""HTTP(S) from the test runner to the labs, made one way for every check and client: TLS
verified against the CA it is given (never turned off), nothing taken from the environment
(no proxy, no CA bundle: REQUESTS_CA_BUNDLE would otherwise win over the lab's CA), and through
the way in when the labs are on another engine (oat/drivers/docker/wayin.py). The engine is
chosen for the whole process, so the way in is too."""

from __future__ import annotations

import requests

_through: str | None = None  # the way in (a socks5h:// URL), or None: the labs are routed here


def route_through(proxy: str | None) -> None:
    """Send every request of this process through the proxy (None: straight to the labs)."""
    global _through
    _through = proxy


def session(verify: str | bool = True) -> requests.Session:
    """A session to the labs: `verify` is the CA file (or True: the system's CAs)."""
    made = requests.Session()
    made.trust_env = False
    made.verify = verify
    if _through:
        made.proxies = {"http": _through, "https": _through}
    return made


def get(url: str, *, verify: str | bool = True, timeout: float, **options) -> requests.Response:
    """One GET to a lab, as requests.get makes it otherwise."""
    with session(verify) as made:
        return made.get(url, timeout=timeout, **options)
