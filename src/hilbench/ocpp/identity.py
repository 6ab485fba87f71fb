"""The one check of a charging-station identity, and the one way to turn outside input into a file
path that stays inside its folder.

A station id arrives from outside in many places — the websocket URL path, the HTTP Basic-auth
user, the client certificate's CN, a ``--station`` option, a rig file — and becomes a dict key, a
trace file name and a PKI file name. Every one of those places calls :func:`check_station_id`.

The rule (the strictest set the OCPP 2.x specification lets us justify):

- 1 to 48 characters: OCPP 2.x gives the identity as a string of at most 48 characters;
- only ASCII letters, digits and ``* - _ = + | @ .``: OCPP 2.x Part 2's ``identifierString``
  character set (a-z, A-Z, 0-9, ``*-_=:+|@.``) **without the colon**. ⚠ The identifierString set
  and that the identity must use it are recalled from OCPP 2.0.1/2.1 Part 2 and Part 4 (not in
  ``reference/``); the colon is dropped on firmer ground: under Security Profiles 1 and 2 the
  identity is the HTTP Basic-auth user-id, and RFC 7617 §2 makes a user-id with a colon invalid
  (the first colon separates user-id and password);
- not ``.`` and no ``..``: a dot segment that a URL client normalises away, and the parent folder
  when the id becomes a file name.

The set excludes ``/``, ``\\``, ``%``, NUL and every control or non-ASCII character, so an id that
passes is a single safe file-name component; :func:`confined` checks that anyway, after resolving
symbolic links.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from hilbench.errors import StationIdError, UnsafePathError

MAX_LENGTH = 48
#: The characters besides ASCII letters and digits an identity may use.
PUNCTUATION = "*-_=+|@."
_ALLOWED = re.compile(r"[A-Za-z0-9*\-_=+|@.]+")


def _shown(text: str, limit: int = 60) -> str:
    """An outside string in a message: repr (control characters escaped, one line), clipped."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def station_id_problem(station_id: str) -> str | None:
    """Why ``station_id`` is not an acceptable identity, or None when it is."""
    if not isinstance(station_id, str):
        return f"must be a string, not {type(station_id).__name__}"
    if not station_id:
        return "is empty"
    if len(station_id) > MAX_LENGTH:
        return f"has {len(station_id)} characters; OCPP allows at most {MAX_LENGTH}"
    if not _ALLOWED.fullmatch(station_id):
        bad = sorted({c for c in station_id if not (c.isascii() and (c.isalnum() or c in PUNCTUATION))})
        return (f"has characters outside letters, digits and {PUNCTUATION!r}: "
                f"{', '.join(repr(c) for c in bad)}")
    if station_id == "." or ".." in station_id:
        return "is '.' or contains '..'"
    return None


def check_station_id(station_id: str, where: str = "station id") -> str:
    """Return ``station_id`` if it is an acceptable OCPP identity, else raise ``StationIdError``
    naming the id, ``where`` it came from and the rule it breaks."""
    problem = station_id_problem(station_id)
    if problem is not None:
        raise StationIdError(f"{where} {_shown(str(station_id))} {problem}", station_id=str(station_id))
    return station_id


def url_segment(station_id: str) -> str:
    """The id as the last URL path segment (``|`` is not a URI path character; it is escaped)."""
    return quote(check_station_id(station_id), safe="*-_=+@.")


def confined(folder: Path | str, name: str) -> Path:
    """``folder / name``, refused with ``UnsafePathError`` unless it resolves (symbolic links
    followed) to a path inside ``folder``. ``name`` may contain sub-folders."""
    base = Path(folder).resolve()
    resolved = (base / name).resolve()
    if resolved == base or not resolved.is_relative_to(base):
        raise UnsafePathError(f"{_shown(name)} would be written at {resolved}, outside {base}")
    return Path(folder) / name


def station_file(folder: Path | str, station_id: str, suffix: str, where: str = "station id") -> Path:
    """The file of one station in ``folder`` (``<folder>/<id><suffix>``): the id checked, the path
    confined to the folder."""
    return confined(folder, check_station_id(station_id, where) + suffix)
