"""Ad hoc payment by a dynamic QR code (OCPP 2.1 C25) in the virtual charger: its display shows
``WebPaymentsCtrlr.URLTemplate`` filled with its identity, the EVSE and a one-time password that
changes every ``ValidityTime`` seconds, so that the CSMS can tell a code read at this EVSE now from
a photographed or forged one; NotifyWebPaymentStarted blocks a local start at the EVSE while the
driver pays on the web page (for its ``timeout``, or until the CSMS's RequestStartTransaction).

The one-time password is our reading of the 2.1 "TOTP algorithm version 1" (a ⚠ reading: the
Part 2 text was not at hand): HMAC-SHA256 keyed with ``WebPaymentsCtrlr.SharedSecret`` over the
time step (Unix time // ValidityTime, 8 bytes big-endian); from the offset in the digest's last
nibble, ``Length`` bytes each give one base-62 character. Written here because no library
implements it (RFC 6238 libraries give decimal digits only)."""

from __future__ import annotations

import hashlib
import hmac
import string
import time
import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hilbench.sim.charger.firmware import Firmware

ALPHABET = string.digits + string.ascii_lowercase + string.ascii_uppercase
VERSION = "v1"


def one_time_password(secret: str, length: int, validity_s: int, at: float) -> str:
    step = int(at // validity_s).to_bytes(8, "big")
    digest = hmac.new(secret.encode(), step, hashlib.sha256).digest()
    start = digest[-1] & 0x0F
    return "".join(ALPHABET[digest[(start + i) % len(digest)] % len(ALPHABET)] for i in range(length))


class WebPayment:
    def __init__(self, fw: Firmware) -> None:
        self.fw = fw
        self._blocked_until: dict[int, float] = {}

    def qr_url(self, evse_id: int = 1, at: float | None = None) -> str | None:
        """What the display shows at ``evse_id`` now: the payment URL (None: web payment is off)."""
        dm = self.fw.dm
        template = dm.value("WebPaymentsCtrlr", "URLTemplate") or ""
        if not dm.get_bool("WebPaymentsCtrlr", "Enabled") or not template:
            return None
        secret = dm.value("WebPaymentsCtrlr", "SharedSecret") or ""
        if self.fw.faults.on("qr-code-unsigned"):
            secret = ""  # the password no longer proves anything: anyone can compute it
        password = one_time_password(secret, dm.get_int("WebPaymentsCtrlr", "Length"),
                                     max(1, dm.get_int("WebPaymentsCtrlr", "ValidityTime")),
                                     time.time() if at is None else at)
        quote = urllib.parse.quote
        return (template.replace("{chargingstationid}", quote(self.fw.config.station_id, safe=""))
                .replace("{evse}", str(evse_id)).replace("{totp}", quote(password, safe=""))
                .replace("{version}", VERSION))

    def started(self, evse_id: int, timeout_s: int) -> None:
        """NotifyWebPaymentStarted: no local start at ``evse_id`` while the driver pays."""
        if not self.fw.faults.on("web-payment-lock-ignored"):
            self._blocked_until[evse_id] = time.monotonic() + timeout_s

    def blocked(self, evse_id: int = 1) -> bool:
        return time.monotonic() < self._blocked_until.get(evse_id, 0.0)

    def remote_start(self, evse_id: int = 1) -> None:
        """The CSMS started the transaction the driver paid for: the block ends."""
        self._blocked_until.pop(evse_id, None)
