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

__all__ = ["CONTROL_CHARACTERS", "check_header_values", "check_host", "normalise_allowed_hosts"]

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


def check_host(environ: WSGIEnvironment, allowed_hosts: frozenset[str]) -> None:
    """Raise ``errors.BadRequest`` unless the request's Host names an allowed host.

    The Host is read as WebOb's ``request.host`` reads it: the header, else the server's
    name and port. The port is ignored. ``"*"`` allows any well-formed host;
    ``".example.com"`` allows example.com and its subdomains.
    """
    host = environ.get("HTTP_HOST")
    if host is None:
        host = f"{environ.get('SERVER_NAME', '')}:{environ.get('SERVER_PORT', '')}"
    found = _HOST.fullmatch(host.lower())
    if found is None:
        raise errors.BadRequest("The Host header is malformed.")
    name = found.group("name").rstrip(".")
    if "*" in allowed_hosts or name in allowed_hosts:
        return
    labels = name.split(".")
    if any("." + ".".join(labels[index:]) in allowed_hosts for index in range(len(labels))):
        return
    raise errors.BadRequest("This server does not serve that host (Host header).")


def check_header_values(headerlist: Iterable[tuple[str, str]]) -> None:
    """Raise ``ValueError`` if a header name or value holds CR, LF or NUL: never send those."""
    for name, value in headerlist:
        # isprintable() is one C call that is False for all three (and for TAB, hence the 2nd test).
        if not (value.isprintable() and name.isprintable()) and any(
            character in name or character in value for character in "\r\n\0"
        ):
            raise ValueError(f"response header {name!r} contains CR, LF or NUL; not sending it")
