"""What a virtual charger is: its variant and ratings, where its CSMS is and how it connects, how
fast its power stage follows, its meter's key, its state folder and its faults. Read from a rig's
``[dut]`` section or from ``hilbench sim charger``'s options; every value checked with the key named."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hilbench.errors import ConfigError
from hilbench.ocpp.identity import check_station_id
from hilbench.sim.charger.faults import Faults

#: Ratings by variant: a DC bidirectional CCS charger and an AC bidirectional three-phase wall box.
VARIANTS: dict[str, dict[str, float]] = {
    "dc": {"max_power_w": 22_000.0, "max_current_a": 100.0, "min_voltage_v": 150.0, "max_voltage_v": 920.0},
    "ac": {"max_power_w": 11_000.0, "max_current_a": 16.0, "min_voltage_v": 200.0, "max_voltage_v": 253.0},
}
OCMF_CURVES = ("secp256r1", "secp384r1", "secp256k1", "brainpool256r1", "brainpool384r1", "secp192r1")


@dataclass
class ChargerConfig:
    csms_url: str = "ws://127.0.0.1:9000/ocpp"
    station_id: str = "HB-VC-001"
    variant: str = "dc"
    security_profile: int = 0
    password: str | None = None
    #: The OCPP test PKI folder (``hilbench pki``) for profiles 2 and 3.
    pki_dir: Path | None = None
    max_power_w: float | None = None
    max_discharge_power_w: float | None = None
    max_current_a: float | None = None
    min_voltage_v: float | None = None
    max_voltage_v: float | None = None
    #: The grid it is built for (phase voltage): what DER percentages of nominal refer to.
    grid_nominal_voltage_v: float = 230.0
    grid_nominal_frequency_hz: float = 50.0  #: what a FreqDroop's per-unit droop refers to
    #: The reactive power its grid side is rated for, var (what the DER controls' PctMaxVar counts in).
    max_reactive_power_var: float = 10_000.0
    #: The power stage: how fast it moves toward a new target (W/s) and the time it takes to react.
    ramp_w_per_s: float = 88_000.0
    response_time_s: float = 0.2
    #: Grid side to DC link (DC variant) / to the EV's on-board charger (AC variant).
    efficiency: float = 0.96
    #: The control loop's period (the power stage and the EVSE state), s.
    tick_s: float = 0.01
    #: ISO 15118-20: where the SECC listens (IPv6), and with TLS (the -20 test PKI) or plain TCP.
    secc_host: str = "::1"
    secc_port: int = 0
    #: Serve SDP and the SECC on this interface's link-local address instead of secc_host.
    secc_interface: str | None = None
    secc_tls: bool = False
    v2g_pki_dir: Path | None = None
    #: The signing meter: curve of its key (the key is made and kept in the state folder).
    ocmf_curve: str = "secp256r1"
    #: Where device-model values, the offline queue and a running transaction survive a restart.
    state_dir: Path | None = None
    #: Queued events beyond this while offline: periodic meter values are thinned (never Started,
    #: Ended or another trigger).
    offline_queue_max: int = 1000
    #: A battery swap station with this many battery slots (EVSEs 1..N; 0: none, an EV charger).
    swap_slots: int = 0
    #: OCPP call timeout the charger uses for its own CALLs, s.
    call_timeout_s: float = 30.0
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        check_station_id(self.station_id, "station_id")  # it names the state folder and the URL
        if self.variant not in VARIANTS:
            raise ConfigError(f"variant: {self.variant!r} is not one of {', '.join(VARIANTS)}")
        for key, value in VARIANTS[self.variant].items():
            if getattr(self, key) is None:
                setattr(self, key, value)
        if self.max_discharge_power_w is None:
            self.max_discharge_power_w = self.max_power_w
        if self.security_profile not in (0, 1, 2, 3):
            raise ConfigError(f"security_profile: {self.security_profile} is not 0-3")
        if self.security_profile in (1, 2) and not self.password:
            raise ConfigError(f"security_profile {self.security_profile} needs a password (Basic auth)")
        if self.security_profile in (2, 3) and self.pki_dir is None:
            raise ConfigError(f"security_profile {self.security_profile} needs pki_dir (the CSMS's CA)")
        if self.ocmf_curve not in OCMF_CURVES:
            raise ConfigError(f"ocmf_curve: {self.ocmf_curve!r} is not one of {', '.join(OCMF_CURVES)}")
        for key in ("grid_nominal_voltage_v", "grid_nominal_frequency_hz", "max_reactive_power_var", "ramp_w_per_s", "tick_s", "max_power_w", "max_current_a", "call_timeout_s",
                    "offline_queue_max"):
            if not getattr(self, key) > 0:
                raise ConfigError(f"{key}: must be > 0, got {getattr(self, key)}")
        if not 0 < self.efficiency <= 1:
            raise ConfigError(f"efficiency: must be in (0, 1], got {self.efficiency}")
        if self.swap_slots != 0 and not 2 <= self.swap_slots <= 16:
            raise ConfigError(f"swap_slots: {self.swap_slots} is not 0 (no swap station) or 2-16")
        if self.response_time_s < 0:
            raise ConfigError(f"response_time_s: must be >= 0, got {self.response_time_s}")

    @property
    def dc(self) -> bool:
        return self.variant == "dc"

    @classmethod
    def from_table(cls, table: dict[str, Any], *, where: str = "[dut]", **fixed: Any) -> ChargerConfig:
        """A rig's ``[dut]`` table (kind = "virtual"): each key a field of this class, ``fault`` a
        list of fault names; an unknown key is an error naming it."""
        known = {f for f in cls.__dataclass_fields__ if f not in ("faults", "csms_url")} | {"fault", "kind"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {k: v for k, v in table.items() if k not in ("fault", "kind")}
        for key in ("pki_dir", "v2g_pki_dir", "state_dir"):
            if key in values:
                values[key] = Path(values[key])
        faults = table.get("fault", [])
        if not isinstance(faults, list) or not all(isinstance(f, str) for f in faults):
            raise ConfigError(f"{where}: fault: expected a list of fault names")
        try:
            return cls(**values, faults=Faults(faults), **fixed)
        except (TypeError, ConfigError) as e:
            raise ConfigError(f"{where}: {e}") from None
