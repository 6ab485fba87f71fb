"""The charger's own meter at its outlet: import and export registers (Wh, both non-negative)
counted from the power that really flowed through the plant — the DC link for the DC variant, the
grid connection for the AC variant (an AC wall box does not convert) — and the sampled values of
the measurands the device model configures, with phases and location as OCPP 2.1 writes them.

The meter's faults live here: a register that drifts, or one that counts export as import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hilbench.sim.charger.faults import Faults
from hilbench.sim.plant import Plant

#: Measurands this meter can sample.
MEASURANDS = ("Energy.Active.Import.Register", "Energy.Active.Export.Register", "Energy.Active.Net",
              "Power.Active.Import", "Power.Active.Export", "Current.Import", "Current.Export", "Voltage",
              "Frequency", "SoC", "Power.Offered")
UNITS = {"Energy": "Wh", "Power": "W", "Current": "A", "Voltage": "V", "Frequency": "Hz", "SoC": "Percent"}


class Meter:
    def __init__(self, plant: Plant, *, dc: bool, faults: Faults, state_file: Path | None = None) -> None:
        self.plant, self.dc, self.faults = plant, dc, faults
        self.state_file = state_file
        self.import_wh = 0.0
        self.export_wh = 0.0
        #: What the EV last reported of its state of charge (ISO 15118), %; None when unknown.
        self.soc_percent: float | None = None
        #: What the charger offers the EV (Power.Offered), W.
        self.offered_w = 0.0
        if state_file is not None and state_file.exists():
            try:
                saved = json.loads(state_file.read_text(encoding="utf-8"))
                self.import_wh, self.export_wh = float(saved["import_wh"]), float(saved["export_wh"])
            except (OSError, ValueError, KeyError):
                pass
        self._last = self._counters()

    def _counters(self) -> tuple[float, float]:
        p = self.plant
        with p.lock:
            p.step()
            return (p.dc_import_wh, p.dc_export_wh) if self.dc else (p.ac_import_wh, p.ac_export_wh)

    def update(self) -> None:
        """Counts what flowed since the last update."""
        now = self._counters()
        d_import, d_export = max(0.0, now[0] - self._last[0]), max(0.0, now[1] - self._last[1])
        self._last = now
        if self.faults.on("meter-drift-export-2pct"):
            d_export *= 1.02
        if self.faults.on("export-counted-as-import"):
            d_import, d_export = d_import + d_export, 0.0
        self.import_wh += d_import
        self.export_wh += d_export

    def save(self) -> None:
        if self.state_file is not None:
            self.state_file.write_text(json.dumps({"import_wh": self.import_wh, "export_wh": self.export_wh}), encoding="utf-8")

    # ---- instantaneous values ------------------------------------------------------------------
    def power_w(self) -> float:
        p = self.plant
        with p.lock:
            p.step()
            return p.dc_power_w() if self.dc else p.ac_power_w()

    def voltage_v(self) -> tuple[float, ...]:
        p = self.plant
        return (p.dc_terminal_voltage_v(),) if self.dc else p.grid.present_voltage_v()

    def current_a(self) -> tuple[float, ...]:
        p = self.plant
        return (p.dc.current_a,) if self.dc else p.ac_current_a()

    # ---- sampled values ------------------------------------------------------------------------
    def sampled_values(self, measurands: list[str], context: str) -> list[dict[str, Any]]:
        """One SampledValueType per measurand (per phase where the AC meter measures phases)."""
        self.update()
        out = []
        for m in measurands:
            for value, phase in self._values(m):
                unit = UNITS[m.split(".")[0]]
                if unit == "Wh" and self.faults.on("energy-unit-wrong"):
                    unit = "kWh"
                entry: dict[str, Any] = {"value": round(value, 3), "measurand": m, "context": context, "location": "Outlet",
                                         "unitOfMeasure": {"unit": unit}}
                if phase:
                    entry["phase"] = phase
                out.append(entry)
        return out

    def _values(self, measurand: str) -> list[tuple[float, str | None]]:
        power = self.power_w()
        phases = ("L1", "L2", "L3")
        if measurand == "Energy.Active.Import.Register":
            return [(self.import_wh, None)]
        if measurand == "Energy.Active.Export.Register":
            return [(self.export_wh, None)]
        if measurand == "Energy.Active.Net":
            return [(self.import_wh - self.export_wh, None)]
        if measurand == "Power.Active.Import":
            return [(max(0.0, power), None)]
        if measurand == "Power.Active.Export":
            return [(max(0.0, -power), None)]
        if measurand == "Power.Offered":
            return [(self.offered_w, None)]
        if measurand in ("Current.Import", "Current.Export"):
            flowing = power >= 0 if measurand == "Current.Import" else power < 0
            currents = self.current_a()
            if self.dc:
                return [(abs(currents[0]) if flowing else 0.0, None)]
            return [(abs(i) if flowing else 0.0, ph) for i, ph in zip(currents, phases)]
        if measurand == "Voltage":
            volts = self.voltage_v()
            return [(volts[0], None)] if self.dc else [(u, f"{ph}-N") for u, ph in zip(volts, phases)]
        if measurand == "Frequency":
            return [(self.plant.grid.frequency_hz if self.plant.grid.output_on else 0.0, None)]
        if measurand == "SoC":
            return [(self.soc_percent, None)] if self.soc_percent is not None else []
        return []
