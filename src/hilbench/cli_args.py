"""Argument checks shared by the commands, done before any work starts, and the one way a command
reports an expected failure: a single ``error: ...`` line on stderr and an exit code — 2 for a
usage error (a bad option, a file that cannot be used), 1 for a run that failed.

The checks raise :class:`typer.BadParameter` naming the option, so the entry point
(:func:`hilbench.cli.main`) prints them as one line like every other usage error."""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

import typer

EXIT_FAILED = 1
EXIT_USAGE = 2
#: A DNS host name (RFC 1123 labels).
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Prints ``error: message`` as one line on stderr and exits with ``code``."""
    print(f"error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
    raise typer.Exit(code)


def bad(option: str, message: str) -> typer.BadParameter:
    return typer.BadParameter(message, param_hint=f"'{option}'")


def choice(option: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    if value not in choices:
        raise bad(option, f"{value!r} is not one of {', '.join(choices)}")
    return value


def host(option: str, value: str) -> str:
    """An IP address (v4 or v6, a scope allowed) or a host name."""
    text = value.strip("[]")
    if ":" in text or re.fullmatch(r"[0-9.]+", text):
        try:
            ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            raise bad(option, f"{value!r} is not an IP address (e.g. 127.0.0.1 or ::1)") from None
        return text
    if not _HOSTNAME.match(text):
        raise bad(option, f"{value!r} is neither an IP address nor a host name")
    return text


def ipv6_endpoint(option: str, value: str) -> tuple[str, int]:
    """``[ADDRESS]:PORT`` of an ISO 15118-20 SECC, which the standard puts on IPv6
    (``[::1]:50000``, ``[fe80::1%eth0]:50000``)."""
    form = "expected [IPV6-ADDRESS]:PORT, e.g. [::1]:50000 or [fe80::1%eth0]:50000"
    m = re.fullmatch(r"\[([^\]]+)\]:(\d+)", value.strip())
    if not m:
        if _is_ipv4(value.strip().rsplit(":", 1)[0]):
            raise bad(option, f"{value!r} is IPv4; ISO 15118-20 runs over IPv6 ({form})")
        raise bad(option, f"{value!r}: {form}")
    address, port_text = m.group(1), m.group(2)
    try:
        ipaddress.IPv6Address(address.split("%", 1)[0])
    except ValueError:
        raise bad(option, f"{address!r} is not an IPv6 address ({form})") from None
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise bad(option, f"port {port} is out of range 1-65535")
    return address, port


def interface(option: str, name: str) -> str:
    """A network interface of this host (SDP and the SECC's link-local address live on one)."""
    names = [n for _i, n in socket.if_nameindex()]
    if name not in names:
        raise bad(option, f"no network interface {name!r} on this host (there are: {', '.join(names)})")
    return name


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def ws_url(option: str, value: str) -> str:
    """A CSMS URL without the station id: ``ws://`` or ``wss://`` with a host."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as e:
        raise bad(option, f"{value!r}: {e}") from None
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise bad(option, f"{value!r} is not a websocket URL (expected ws://HOST:PORT/PATH or wss://...)")
    if port == 0:
        raise bad(option, f"{value!r}: port 0 cannot be connected to")
    return value


def output_dir(option: str, path: Path) -> Path:
    """A folder results are written to: made if missing; an error names why it cannot be used."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise bad(option, f"{path} is a file, not a folder") from None
    except NotADirectoryError:
        raise bad(option, f"{path}: a parent of it is a file, not a folder") from None
    except OSError as e:
        raise bad(option, f"cannot create {path}: {e.strerror}") from None
    probe = path / ".hilbench-write-probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise bad(option, f"cannot write in {path}: {e.strerror}") from None
    return path


def listen_error(host: str, port: int, e: OSError) -> str:
    """One line for a server that cannot listen (the port in use, an address not on this host)."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"cannot listen on {where}: {e.strerror or e}"
