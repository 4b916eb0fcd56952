"""Checks that keep hostile requests and unsafe responses out: the Host allow-list and
response header values (CR/LF would split a header into two, or end the headers early).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import errors

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = ["CONTROL_CHARACTERS", "HostCheck", "check_header_values", "normalise_allowed_hosts"]

#: Characters refused in paths and redirect targets: C0 controls (CR, LF, NUL...) and DEL.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")

# A DNS name or IPv4 address, or a bracketed IPv6 address; in a Host header, with a port.
_HOST_NAME = r"[a-z0-9.-]+|\[[a-f0-9:.]+\]"
_HOST = re.compile(rf"(?P<name>{_HOST_NAME})(?::[0-9]{{1,5}})?")


def normalise_allowed_hosts(allowed_hosts: Iterable[str]) -> frozenset[str]:
    """Lower-case the ``allowed_hosts`` setting and drop trailing dots, refusing ports."""
    hosts = frozenset(host.lower().rstrip(".") for host in allowed_hosts)
    for host in hosts:
        if host != "*" and not re.fullmatch(_HOST_NAME, host.lstrip(".")):
            raise ValueError(f"allowed_hosts: {host!r} is not a host name (leave the port out)")
    return hosts


class HostCheck:
    """The ``allowed_hosts`` decision for each ``Host`` header, remembered once made.

    The Host is read as WebOb's ``request.host`` reads it: the header, else the server's
    name and port. The port is ignored. ``"*"`` allows any well-formed host;
    ``".example.com"`` allows example.com and its subdomains. At most ``cache_size`` allowed
    and as many refused headers are remembered (each set starts over when full), so a flood
    of made-up Hosts costs each its check but cannot grow memory.
    """

    def __init__(self, allowed_hosts: frozenset[str], cache_size: int = 1000) -> None:
        self.allowed_hosts = allowed_hosts
        self.cache_size = cache_size
        #: Host headers found allowed: the App lets these through without calling `check`.
        self.allowed: set[str] = set()
        #: Host headers found not allowed, and why: answered 400 without a second look.
        self.refused: dict[str, str] = {}

    def check(self, environ: WSGIEnvironment) -> None:
        """Raise ``errors.BadRequest`` unless the request's Host names an allowed host."""
        host = environ.get("HTTP_HOST")
        if host is None:  # HTTP/1.0: the server's own name, not worth remembering
            refusal = _refusal(
                f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}",
                self.allowed_hosts,
            )
        elif host in self.allowed:
            return
        else:
            refusal = self.refused.get(host)
            if refusal is None:
                refusal = _refusal(host, self.allowed_hosts)
                self._remember(host, refusal)
        if refusal is not None:
            raise errors.BadRequest(refusal)

    def _remember(self, host: str, refusal: str | None) -> None:
        if refusal is None:
            if len(self.allowed) >= self.cache_size:
                self.allowed.clear()
            self.allowed.add(host)
        else:
            if len(self.refused) >= self.cache_size:
                self.refused.clear()
            self.refused[host] = refusal


def _refusal(host: str, allowed_hosts: frozenset[str]) -> str | None:
    """Why the ``Host`` value ``host`` is refused, or None if it names an allowed host."""
    found = _HOST.fullmatch(host.lower())
    if found is None:
        return "The Host header is malformed."
    name = found.group("name").rstrip(".")
    if "*" in allowed_hosts or name in allowed_hosts:
        return None
    labels = name.split(".")
    if any("." + ".".join(labels[index:]) in allowed_hosts for index in range(len(labels))):
        return None
    return "This server does not serve that host (Host header)."


def check_header_values(headerlist: Iterable[tuple[str, str]]) -> None:
    """Raise ``ValueError`` if a header name or value holds CR, LF or NUL: never send those."""
    for name, value in headerlist:
        # PERF(S3): isprintable() is one C call that is False for all three (and for TAB, hence
        # the 2nd test); tests/test_security.py checks every control character.
        if not (value.isprintable() and name.isprintable()) and any(
            character in name or character in value for character in "\r\n\0"
        ):
            raise ValueError(f"response header {name!r} contains CR, LF or NUL; not sending it")
