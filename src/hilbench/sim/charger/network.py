"""The charger's network connection profiles (B09, A05): numbered configuration slots, each a CSMS
URL with its security profile, tried in the order of ``OCPPCommCtrlr.NetworkConfigurationPriority``
(a new order takes effect at the next boot). Slot 1 is what the charger was configured with.

The security rules the bench tests (⚠ requirement numbers as recalled, the texts were not at hand):
a profile below the one in use is refused (SetNetworkProfile and the priority list, A05.FR.02 and
B09); profile 3 needs a client certificate, 2 and 3 a ``wss`` URL; once the charger connected
with a higher profile, every slot below it is dropped so that it can never fall back (A05.FR.07).
A slot that fails ``OCPPCommCtrlr.NetworkProfileConnectionAttempts`` times in a row hands over to
the next in the list.

The slots survive reboots and power cuts in ``network.json`` in the state folder."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from hilbench.sim.charger.config import ChargerConfig
    from hilbench.sim.charger.device_model import DeviceModel
    from hilbench.sim.charger.faults import Faults

log = logging.getLogger("hilbench.sim.charger.network")

#: The slots this charger has (the valuesList of NetworkConfigurationPriority).
SLOTS = (1, 2)


@dataclass
class Slot:
    url: str                       #: the CSMS URL without the station identity
    security_profile: int
    password: str | None = None
    message_timeout: int = 30
    interface: str = "Wired0"


class NetworkProfiles:
    def __init__(self, config: ChargerConfig, state_dir: Path | None, faults: Faults) -> None:
        self.faults = faults
        self._file = state_dir / "network.json" if state_dir else None
        self.slots: dict[int, Slot] = {1: Slot(config.csms_url, config.security_profile, config.password,
                                               int(config.call_timeout_s))}
        if self._file is not None and self._file.exists():
            try:
                saved = json.loads(self._file.read_text())
                self.slots = {int(k): Slot(**v) for k, v in saved.items()}
            except (ValueError, TypeError, OSError) as e:  # a damaged file: the configured slot
                log.warning("network profiles in %s unreadable (%s); using the configured one", self._file, e)
        self.active = min(self.slots)
        self._order = [self.active]
        self._failures = 0

    # ---- which slot to use -------------------------------------------------------------------
    def start(self, dm: DeviceModel) -> None:
        """At boot: the first configured slot of the priority list; the device model shows the slots."""
        self._order = [s for s in _slots(dm.value("OCPPCommCtrlr", "NetworkConfigurationPriority")) if s in self.slots] \
            or [min(self.slots)]
        self.active, self._failures = self._order[0], 0
        self.show(dm)

    def current(self) -> Slot:
        return self.slots[self.active]

    def failed(self, attempts: int) -> None:
        """A connection attempt on the active slot failed; after ``attempts`` in a row
        (NetworkProfileConnectionAttempts) the next slot of the list takes over."""
        self._failures += 1
        if self._failures >= max(1, attempts) and len(self._order) > 1:
            i = self._order.index(self.active) if self.active in self._order else -1
            self.active, self._failures = self._order[(i + 1) % len(self._order)], 0
            log.info("connection slot %d after %d failures", self.active, attempts)

    def connected(self, dm: DeviceModel) -> None:
        """Connected on the active slot: a slot below its profile is never used again (A05.FR.07)."""
        self._failures = 0
        profile = self.current().security_profile
        lower = [n for n, s in self.slots.items() if s.security_profile < profile]
        if lower and not self.faults.on("falls-back-to-lower-profile"):
            for n in lower:
                del self.slots[n]
            self._order = [n for n in self._order if n in self.slots]
            dm.set_actual("OCPPCommCtrlr", "NetworkConfigurationPriority", ",".join(map(str, self._order)))
            self._save()
        self.show(dm)

    # ---- what the CSMS may change ---------------------------------------------------------------
    def set_profile(self, slot: int, data: dict[str, Any], has_certificate: bool) -> tuple[str, str | None, str]:
        """SetNetworkProfile: (status, reasonCode, additional info)."""
        profile, url = int(data["securityProfile"]), str(data["ocppCsmsUrl"])
        if slot not in SLOTS:
            return "Rejected", "InvalidValue", f"configurationSlot {slot} is not one of {', '.join(map(str, SLOTS))}"
        if profile < self.current().security_profile and not self.faults.on("accepts-security-downgrade"):
            return "Rejected", "NoSecurityDowngrade", \
                f"security profile {profile} is below the {self.current().security_profile} in use"
        if profile == 3 and not has_certificate:
            return "Rejected", "NoCertificate", "security profile 3 needs a charging station certificate"
        scheme = urlsplit(url).scheme
        if scheme not in ("ws", "wss") or (profile >= 2) != (scheme == "wss"):
            return "Rejected", "InvalidURL", f"{url[:200]!r} does not fit security profile {profile}"
        self.slots[slot] = Slot(url.rstrip("/"), profile, data.get("basicAuthPassword") or self.current().password,
                                int(data["messageTimeout"]), str(data["ocppInterface"]))
        self._save()
        return "Accepted", None, ""

    def priority_problem(self, value: str) -> str | None:
        """Why NetworkConfigurationPriority may not become ``value`` (None: it may)."""
        try:
            order = _slots(value, strict=True)
        except ValueError as e:
            return str(e)
        missing = [n for n in order if n not in self.slots]
        if missing:
            return f"slot {missing[0]} has no network profile"
        lower = [n for n in order if self.slots[n].security_profile < self.current().security_profile]
        if lower and not self.faults.on("accepts-security-downgrade"):
            return f"slot {lower[0]} has a security profile below the one in use"
        return None

    def show(self, dm: DeviceModel) -> None:
        """The NetworkConfiguration components and SecurityCtrlr.SecurityProfile as they are."""
        dm.set_actual("SecurityCtrlr", "SecurityProfile", str(self.current().security_profile))
        for n, s in self.slots.items():
            for variable, value in (("OcppCsmsUrl", s.url), ("SecurityProfile", str(s.security_profile)),
                                    ("MessageTimeout", str(s.message_timeout)), ("OcppInterface", s.interface)):
                try:
                    dm.set_actual("NetworkConfiguration", variable, value, component_instance=str(n))
                except KeyError:
                    pass  # a device model without that slot's component

    def _save(self) -> None:
        if self._file is not None:
            self._file.write_text(json.dumps({str(n): asdict(s) for n, s in self.slots.items()}))


def _slots(text: str | None, *, strict: bool = False) -> list[int]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if part.isdigit():
            out.append(int(part))
        elif part and strict:
            raise ValueError(f"{part!r} is not a slot number")
    return out
