"""A rig file's ``[csms]`` and ``[dut]`` sections: where the bench CSMS listens (the device under test
connects to ``ws(s)://host:port/path/STATION_ID``), and what the device under test is — the
virtual charger (``kind = "virtual"``, its options as in ``hilbench sim charger``) or a real one
(``kind = "external"``: its station id, security profile, password or certificate, and where its
SECC answers). Every mistake is a :class:`~hilbench.errors.RigError` naming the file and the key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hilbench.errors import ConfigError, RigError
from hilbench.ocpp.identity import station_id_problem

CSMS_KEYS = {"host", "port", "path", "security_profile", "pki_dir", "heartbeat_interval", "upgrade_port"}
#: What the lab declares of its DUT (its datasheet or the test plan), for either kind.
DECLARED_KEYS = {"setpoint_settling_s", "rated_reactive_power_var", "rated_active_power_w", "unsupported_tariff_conditions"}
#: The TariffConditionsType fields a DUT may declare it cannot evaluate.
TARIFF_CONDITIONS = ("startTimeOfDay", "endTimeOfDay", "dayOfWeek", "validFromDate", "validToDate", "evseKind",
                     "minEnergy", "maxEnergy", "minCurrent", "maxCurrent", "minPower", "maxPower", "minTime", "maxTime",
                     "minChargingTime", "maxChargingTime", "minIdleTime", "maxIdleTime")
EXTERNAL_KEYS = {"kind", "station_id", "security_profile", "password", "certificate", "key", "secc_interface",
                 "secc_address", "v2g_pki_dir"} | DECLARED_KEYS


@dataclass(frozen=True)
class CsmsConfig:
    host: str = "127.0.0.1"
    port: int = 9000
    path: str = "/ocpp"
    security_profile: int = 0
    pki_dir: Path | None = None
    heartbeat_interval: int = 300
    #: ``pki_dir = "auto"``: the campaign makes a fresh test PKI for the CSMS and the virtual charger.
    pki_auto: bool = False
    #: A second listener one security profile higher, for the profile upgrade (A05); 0 = any free port.
    upgrade_port: int | None = None

    def url(self, station_id: str | None = None) -> str:
        scheme = "wss" if self.security_profile >= 2 else "ws"
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"{scheme}://{host}:{self.port}{self.path}"
        return f"{base}/{station_id}" if station_id else base


@dataclass(frozen=True)
class DutConfig:
    kind: str                      #: "virtual" or "external"
    station_id: str
    security_profile: int = 0
    password: str | None = None
    certificate: Path | None = None
    key: Path | None = None
    secc_interface: str | None = None
    secc_address: str | None = None
    #: The virtual charger's table (kind = "virtual"), checked by ChargerConfig.from_table.
    virtual: Mapping[str, Any] | None = None
    #: Declared: the time from a new setpoint at the CSMS to the power within tolerance, s (Q cases).
    setpoint_settling_s: float = 1.0
    #: Declared: the reactive power the DUT's grid side is rated for, var — what the DER controls'
    #: PctMaxVar counts in (None: not declared; the reactive-power curve cases are skipped).
    rated_reactive_power_var: float | None = None
    #: Declared: the active power the DUT is rated for, W — what a FreqDroop's per-unit droop counts
    #: in (None: not declared; the frequency-droop case is skipped).
    rated_active_power_w: float | None = None
    #: An external DUT's ISO 15118-20 test PKI (``hilbench v2g pki``): the lab installed its MO root
    #: in the DUT, the bench EV presents its contract (None: the Plug & Charge cases skip).
    v2g_pki_dir: Path | None = None
    #: Declared: tariff conditions the DUT answers ConditionNotSupported to (its conformance
    #: statement; empty: it evaluates them all, or says so by TariffCostCtrlr.ConditionsSupported).
    unsupported_tariff_conditions: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == "virtual":
            v = dict(self.virtual or {})
            faults = v.get("fault", [])
            return (f"virtual charger {self.station_id} ({v.get('variant', 'dc')}, security profile {self.security_profile}"
                    + (f", faults: {', '.join(faults)}" if faults else "") + ")")
        where = self.secc_address or (f"SDP on {self.secc_interface}" if self.secc_interface else "no SECC configured")
        return f"external charger {self.station_id} (security profile {self.security_profile}; SECC: {where})"


def parse_csms(table: Mapping[str, Any], where: str) -> CsmsConfig:
    def fail(key: str, why: str) -> RigError:
        return RigError(f"{where}: csms.{key}: {why}")

    for key in table:
        if key not in CSMS_KEYS:
            raise fail(key, f"unknown key (known: {', '.join(sorted(CSMS_KEYS))})")
    host = _get(table, "host", str, fail, "127.0.0.1")
    port = _get(table, "port", int, fail, 9000)
    if not 0 <= port <= 65535:
        raise fail("port", f"{port} is not a TCP port (0-65535; 0 = any free)")
    path = _get(table, "path", str, fail, "/ocpp")
    if not path.startswith("/") or path.endswith("/") and path != "/":
        raise fail("path", f"{path!r} must start with / and not end with one (e.g. /ocpp)")
    profile = _get(table, "security_profile", int, fail, 0)
    if profile not in (0, 1, 2, 3):
        raise fail("security_profile", f"{profile} is not 0-3")
    pki = _get(table, "pki_dir", str, fail, None)
    if profile >= 2 and pki is None:
        raise fail("pki_dir", f"missing: security profile {profile} needs the PKI folder (hilbench pki)")
    interval = _get(table, "heartbeat_interval", int, fail, 300)
    upgrade = _get(table, "upgrade_port", int, fail, None)
    if upgrade is not None:
        if not 0 <= upgrade <= 65535:
            raise fail("upgrade_port", f"{upgrade} is not a TCP port (0-65535; 0 = any free)")
        if profile not in (1, 2):
            raise fail("upgrade_port", f"an upgrade goes from security profile 1 or 2 to the next; "
                                       f"security_profile is {profile}")
        if pki is None:
            raise fail("pki_dir", f"missing: the upgrade to security profile {profile + 1} needs the PKI folder")
    return CsmsConfig(host, port, path.rstrip("/") or "", profile, Path(pki) if pki and pki != "auto" else None,
                      interval, pki_auto=pki == "auto", upgrade_port=upgrade)


def parse_dut(table: Mapping[str, Any], where: str, csms: CsmsConfig | None = None) -> DutConfig:
    """``csms``: a virtual charger without a ``pki_dir`` of its own uses the CSMS's PKI."""
    def fail(key: str, why: str) -> RigError:
        return RigError(f"{where}: dut.{key}: {why}")

    kind = _get(table, "kind", str, fail, None)
    if kind not in ("virtual", "external"):
        raise fail("kind", f"{kind!r} is not \"virtual\" or \"external\"" if kind else "missing (\"virtual\" or \"external\")")
    station_id = _get(table, "station_id", str, fail, "HB-VC-001" if kind == "virtual" else None)
    if station_id is None:
        raise fail("station_id", "missing: the identity the charger connects with")
    problem = station_id_problem(station_id)
    if problem is not None:
        raise fail("station_id", f"{station_id!r} {problem}")
    profile = _get(table, "security_profile", int, fail, 0)
    if profile not in (0, 1, 2, 3):
        raise fail("security_profile", f"{profile} is not 0-3")
    settling = _get(table, "setpoint_settling_s", float, fail, 1.0)
    if not 0.0 < settling <= 600.0:
        raise fail("setpoint_settling_s", f"{settling} is not in (0, 600] s")
    rated_var = _get(table, "rated_reactive_power_var", float, fail, None)
    if rated_var is not None and not 0.0 < rated_var <= 1e6:
        raise fail("rated_reactive_power_var", f"{rated_var} is not in (0, 1e6] var")
    rated_w = _get(table, "rated_active_power_w", float, fail, None)
    if rated_w is not None and not 0.0 < rated_w <= 1e7:
        raise fail("rated_active_power_w", f"{rated_w} is not in (0, 1e7] W")
    conditions = tuple(_get(table, "unsupported_tariff_conditions", list, fail, []))
    unknown = [c for c in conditions if c not in TARIFF_CONDITIONS]
    if unknown:
        raise fail("unsupported_tariff_conditions", f"{unknown} are not TariffConditionsType fields "
                                                    f"(known: {', '.join(TARIFF_CONDITIONS)})")
    if kind == "virtual":
        from hilbench.sim.charger.config import ChargerConfig

        checked = {k: v for k, v in table.items() if k not in DECLARED_KEYS}
        if "pki_dir" not in checked and csms is not None and (csms.pki_dir or csms.pki_auto):
            checked["pki_dir"] = str(csms.pki_dir or "auto")  # the campaign passes the real folder
        try:
            ChargerConfig.from_table(checked, where=f"{where}: dut")
        except ConfigError as e:
            raise RigError(str(e)) from None
        return DutConfig("virtual", station_id, profile, _get(table, "password", str, fail, None),
                         virtual={k: v for k, v in table.items() if k not in DECLARED_KEYS}, setpoint_settling_s=settling,
                         rated_reactive_power_var=rated_var, rated_active_power_w=rated_w,
                         unsupported_tariff_conditions=conditions)
    for key in table:
        if key not in EXTERNAL_KEYS:
            raise fail(key, f"unknown key for an external charger (known: {', '.join(sorted(EXTERNAL_KEYS))})")
    password = _get(table, "password", str, fail, None)
    if profile in (1, 2) and not password:
        raise fail("password", f"missing: security profile {profile} authenticates the charger by its Basic-auth password")
    cert, key = _get(table, "certificate", str, fail, None), _get(table, "key", str, fail, None)
    return DutConfig("external", station_id, profile, password, Path(cert) if cert else None, Path(key) if key else None,
                     _get(table, "secc_interface", str, fail, None), _get(table, "secc_address", str, fail, None),
                     setpoint_settling_s=settling, rated_reactive_power_var=rated_var, rated_active_power_w=rated_w,
                     unsupported_tariff_conditions=conditions,
                     v2g_pki_dir=Path(v2g) if (v2g := _get(table, "v2g_pki_dir", str, fail, None)) else None)


def _get(table: Mapping[str, Any], key: str, kind: type, fail: Any, default: Any) -> Any:
    if key not in table:
        return default
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)  # TOML's 2 and 2.0 mean the same number of seconds
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise fail(key, f"has the wrong type ({type(value).__name__}: {value!r}; expected {kind.__name__})")
    return value
