"""The bench's check of a DUT's dynamic payment QR code (OCPP 2.1 C25), as the CSMS's payment page
does it: the URL must be ``WebPaymentsCtrlr.URLTemplate`` filled with the station's identity, the
EVSE, the algorithm version and a one-time password that the shared secret gives for the current
time step (or the one before, for a code read just as it changed).

The password is the bench's own computation of our reading of the 2.1 "TOTP algorithm version 1"
(HMAC-SHA256 over the time step, base-62 characters from the digest's dynamic offset; the
virtual charger's ``sim/charger/web_payment.py`` is written apart from this). No library
implements it."""

from __future__ import annotations

import hmac
import re
import struct
import urllib.parse

BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
PLACEHOLDERS = {"chargingstationid": "station", "evse": "evse", "totp": "totp", "version": "version"}


def password_at(secret: str, length: int, validity_s: int, unix_s: float) -> str:
    mac = hmac.digest(secret.encode("utf-8"), struct.pack(">Q", int(unix_s) // validity_s), "sha256")
    first = mac[-1] % 16
    return "".join(BASE62[mac[(first + k) % len(mac)] % 62] for k in range(length))


def template_pattern(template: str) -> re.Pattern[str]:
    """A regex of ``template`` with a named group per placeholder."""
    parts = re.split(r"\{(\w+)\}", template)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(re.escape(part))
        elif part in PLACEHOLDERS:
            out.append(f"(?P<{PLACEHOLDERS[part]}>[^/?&#]*)")
        else:
            out.append(re.escape("{" + part + "}"))
    return re.compile("".join(out))


def qr_problem(url: str | None, *, template: str, station_id: str, evse_id: int, secret: str, length: int,
               validity_s: int, now: float) -> str | None:
    """What is wrong with the QR code's ``url`` (None: it is the one the CSMS would accept now)."""
    if not url:
        return "the DUT shows no QR code"
    m = template_pattern(template).fullmatch(url)
    if m is None:
        return f"{url!r} does not follow the URL template {template!r}"
    got = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
    if "station" in got and got["station"] != station_id:
        return f"the QR code names station {got['station']!r}, not {station_id!r}"
    if "evse" in got and got["evse"] != str(evse_id):
        return f"the QR code names EVSE {got['evse']!r}, not {evse_id}"
    if "version" in got and got["version"] != "v1":
        return f"the QR code names TOTP version {got['version']!r}; the bench checks v1"
    valid = {password_at(secret, length, validity_s, now - back) for back in (0, validity_s)}
    if got.get("totp") not in valid:
        return f"the one-time password {got.get('totp')!r} is not the one the shared secret gives now"
    return None
