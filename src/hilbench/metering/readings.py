"""A charger's meter register readings (sparse), as reported over OCPP."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from hilbench.errors import MeteringInputError

IMPORT_REGISTER = "Energy.Active.Import.Register"
EXPORT_REGISTER = "Energy.Active.Export.Register"
_UNIT_TO_WH = {"Wh": 1.0, "kWh": 1000.0}


@dataclass(frozen=True)
class MeterReadings:
    """Register readings at instants ``t_ns`` (same time base as the reference's samples).

    ``import_wh`` / ``export_wh`` hold NaN where a reading did not report that register.
    """

    t_ns: npt.NDArray[np.int64]
    import_wh: npt.NDArray[np.float64]
    export_wh: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        n = len(self.t_ns)
        if len(self.import_wh) != n or len(self.export_wh) != n:
            raise MeteringInputError(
                f"readings: t_ns has {n} entries, import_wh {len(self.import_wh)}, export_wh {len(self.export_wh)}"
            )

    @classmethod
    def of(
        cls,
        t_ns: npt.ArrayLike,
        import_wh: npt.ArrayLike | None = None,
        export_wh: npt.ArrayLike | None = None,
    ) -> MeterReadings:
        t = np.ascontiguousarray(t_ns, dtype=np.int64)
        nan = np.full(len(t), np.nan)
        imp = nan if import_wh is None else np.asarray(import_wh, dtype=np.float64)
        exp = nan if export_wh is None else np.asarray(export_wh, dtype=np.float64)
        return cls(t, imp, exp)

    @classmethod
    def from_ocpp(cls, payloads: Iterable[Mapping[str, Any]], *, wall_minus_t_ns: int = 0) -> MeterReadings:
        """Readings from OCPP 2.x ``TransactionEvent`` / ``MeterValues`` request payloads.

        Takes the whole-meter (no ``phase``) ``Energy.Active.Import.Register`` (the default
        measurand) and ``Energy.Active.Export.Register`` values at the outlet, with their
        ``unitOfMeasure``. ``wall_minus_t_ns`` maps the station's wall-clock time stamps onto the
        reference's time base: ``t_ns = wall_ns - wall_minus_t_ns``.
        """
        rows: dict[int, list[float]] = {}
        for n, payload in enumerate(payloads):
            for m, meter_value in enumerate(payload.get("meterValue", ())):
                where = f"payload {n} meterValue[{m}]"
                try:
                    wall = datetime.fromisoformat(meter_value["timestamp"])
                except (KeyError, TypeError, ValueError) as exc:
                    raise MeteringInputError(f"{where}.timestamp: {exc}") from exc
                t = _epoch_ns(wall) - wall_minus_t_ns
                for k, sampled in enumerate(meter_value.get("sampledValue", ())):
                    column = _register_column(sampled)
                    if column is None:
                        continue
                    row = rows.setdefault(t, [math.nan, math.nan])
                    row[column] = _to_wh(sampled, f"{where}.sampledValue[{k}]")
        return cls._of_rows(rows)


    @classmethod
    def from_ocmf(cls, records: Iterable[Mapping[str, Any] | None], *, wall_minus_t_ns: int = 0) -> MeterReadings:
        """Readings from parsed OCMF records (``ocmf.verify(...).record``): every reading of a
        cumulative active energy register (import: OBIS C = 1 or B0–B3, export: C = 2 or C0–C3),
        in Wh, at its signed time stamp mapped like :meth:`from_ocpp`. Verify the records first:
        this takes their values as given."""
        rows: dict[int, list[float]] = {}
        for n, record in enumerate(records):
            if record is None:
                raise MeteringInputError(f"record {n}: unreadable (no parsed record)")
            for k, reading in enumerate(record["payload"]["readings"]):
                column = {"import": 0, "export": 1}.get(reading.get("direction") or "")
                if column is None:
                    continue
                scale = _UNIT_TO_WH.get(reading.get("unit") or "")
                if scale is None or reading.get("epoch_ms") is None:
                    raise MeteringInputError(f"record {n} RD[{k}]: no energy unit or no time stamp")
                t = int(reading["epoch_ms"]) * 1_000_000 - wall_minus_t_ns
                rows.setdefault(t, [math.nan, math.nan])[column] = float(reading["value"]) * scale
        return cls._of_rows(rows)

    @classmethod
    def _of_rows(cls, rows: Mapping[int, list[float]]) -> MeterReadings:
        times = sorted(rows)
        return cls(
            np.array(times, dtype=np.int64),
            np.array([rows[t][0] for t in times], dtype=np.float64),
            np.array([rows[t][1] for t in times], dtype=np.float64),
        )


def _epoch_ns(when: datetime) -> int:
    if when.tzinfo is None:
        raise MeteringInputError(f"time stamp {when.isoformat()} has no UTC offset")
    whole = int(when.timestamp())
    return whole * 1_000_000_000 + when.microsecond * 1000


def _register_column(sampled: Mapping[str, Any]) -> int | None:
    if "phase" in sampled or sampled.get("location", "Outlet") != "Outlet":
        return None
    measurand = sampled.get("measurand", IMPORT_REGISTER)
    return {IMPORT_REGISTER: 0, EXPORT_REGISTER: 1}.get(measurand)


def _to_wh(sampled: Mapping[str, Any], where: str) -> float:
    unit = sampled.get("unitOfMeasure", {})
    name = unit.get("unit", "Wh")
    if name not in _UNIT_TO_WH:
        raise MeteringInputError(f"{where}.unitOfMeasure.unit: {name!r} is not an energy unit (Wh, kWh)")
    value = sampled.get("value")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise MeteringInputError(f"{where}.value: {value!r} is not a finite number")
    return float(value) * _UNIT_TO_WH[name] * 10.0 ** int(unit.get("multiplier", 0))
