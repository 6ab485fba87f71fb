"""A simulated Yokogawa WT power analyzer (WT5000 and its siblings) over the plant: the numeric
list (``:NUM:NORM:NUM``, ``ITEM<n> function,element``, ``VAL?`` as CSV in ``2.3012E+02`` form),
the integrator (``:INTEG:STAR/STOP/RES``, ``STAT?``) with positive and negative energy kept apart,
and the marker values for no data (9.91E+37) and over-range (9.9E+37). Written from the WT
series' public command descriptions, independently of the model file the driver reads.

Element 1 sits on the DC link (positive = into the EV battery), elements 2–4 on the AC phases L1–L3
at the charger's grid connection (positive = from the grid; reactive power positive with the current
lagging, the charger absorbing). The AC current is the apparent power's, signed with the active power."""

from __future__ import annotations

import math
import time

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiCommandError, ScpiDevice, boolean, number
from hilbench.sim.scpi_syntax import suffix

NO_DATA = 9.91e37
OVER_RANGE = 9.9e37
FUNCTIONS = ("U", "I", "P", "Q", "S", "LAMBDA", "FU", "WH", "WHP", "WHM", "TIME")
INTEGRATION_STATES = ("RESET", "START", "STOP")


class YokogawaWt(ScpiDevice):
    def __init__(self, plant: Plant, *, model: str = "WT5000", serial: str = "C2WT50001", elements: int = 4,
                 max_current_a: float = 30.0) -> None:
        super().__init__(f"YOKOGAWA,{model},{serial},F1.02")
        self.plant, self.elements, self.max_a = plant, elements, max_current_a
        self.count = 15
        self.items: dict[int, tuple[str, int]] = {}
        self.integration = "RESET"
        self._base = self._counters()  # counter values when the integration last started
        self._held = {e: (0.0, 0.0) for e in range(1, elements + 1)}  # (WP+, WP−) up to the last stop
        self._time_s, self._started_ns = 0.0, 0
        self.on("COMMunicate:REMote", lambda a: self._flag(a))
        self.on("COMMunicate:HEADer", lambda a: self._flag(a))
        self.on("COMMunicate:VERBose", lambda a: self._flag(a))
        self.on("NUMeric:FORMat", self._format)
        self.on("NUMeric[:NORMal]:NUMber", self._number)
        self.on("NUMeric[:NORMal]:ITEM<n>", self._item)
        self.on("NUMeric[:NORMal]:VALue?", self._values)
        self.on("INTEGrate:MODE", lambda a: self._mode(a))
        self.on("INTEGrate:STARt", lambda _: self._start())
        self.on("INTEGrate:STOP", lambda _: self._stop())
        self.on("INTEGrate:RESet", lambda _: self._reset())
        self.on("INTEGrate:STATe?", lambda _: self.integration)
        self.on("STATus:ERRor?", lambda _: self._next_error())

    # -- set-up ----------------------------------------------------------------------------------
    @staticmethod
    def _flag(argument: str) -> None:
        boolean(argument)

    @staticmethod
    def _format(argument: str) -> None:
        if argument.strip().upper() not in ("ASC", "ASCII", "FLO", "FLOAT"):
            raise ScpiCommandError(-224, "Illegal parameter value")

    @staticmethod
    def _mode(argument: str) -> None:
        if argument.strip().upper() not in ("NORM", "NORMAL", "CONT", "CONTINUOUS"):
            raise ScpiCommandError(-224, "Illegal parameter value")

    def _number(self, argument: str) -> None:
        self.count = int(number(argument, 1, 255))

    def _item(self, argument: str) -> None:
        index = suffix(self.header)
        function, _, element = argument.partition(",")
        function = function.strip().upper()
        if not 1 <= index <= 255 or function not in FUNCTIONS:
            raise ScpiCommandError(-224, "Illegal parameter value")
        self.items[index] = (function, int(number(element, 1, self.elements)))

    # -- integration -----------------------------------------------------------------------------
    def _counters(self) -> dict[int, tuple[float, float]]:
        """The plant's running energy counters per element: (positive, negative) Wh."""
        p = self.plant
        p.step()
        ac = (p.ac_import_wh / 3, p.ac_export_wh / 3)
        return {1: (p.dc_import_wh, p.dc_export_wh), **{e: ac for e in range(2, self.elements + 1)}}

    def _start(self) -> None:
        if self.integration == "START":
            raise ScpiCommandError(-221, "Settings conflict")
        self._base, self._started_ns, self.integration = self._counters(), time.monotonic_ns(), "START"

    def _stop(self) -> None:
        if self.integration != "START":
            raise ScpiCommandError(-221, "Settings conflict")
        self._held, self._time_s = self._energies(), self._elapsed_s()
        self.integration = "STOP"

    def _reset(self) -> None:
        if self.integration == "START":
            raise ScpiCommandError(-221, "Settings conflict")  # stop before reset, as on the instrument
        self._held = {e: (0.0, 0.0) for e in self._held}
        self._time_s, self.integration = 0.0, "RESET"

    def _elapsed_s(self) -> float:
        running = (time.monotonic_ns() - self._started_ns) / 1e9 if self.integration == "START" else 0.0
        return self._time_s + running

    def _energies(self) -> dict[int, tuple[float, float]]:
        if self.integration != "START":
            return dict(self._held)
        now = self._counters()
        return {e: (held[0] + now[e][0] - self._base[e][0], held[1] + now[e][1] - self._base[e][1])
                for e, held in self._held.items()}

    # -- readings --------------------------------------------------------------------------------
    def _element(self, element: int) -> dict[str, float]:
        p = self.plant
        p.step()
        if element == 1:
            u = p.dc.voltage_v if p.dc.output_on else 0.0
            i = p.dc.current_a
            f = NO_DATA  # no frequency on a DC input
            power, q = u * i, 0.0
        else:  # a phase: P and Q a third of the charger's, I from the apparent power
            u = p.grid.present_voltage_v()[element - 2]
            i = p.ac_current_a()[element - 2] * (1 if p.ac_power_w() >= 0 else -1)  # signed as the DC link's
            f = p.grid.frequency_hz if p.grid.output_on else NO_DATA
            power, q = p.ac_power_w() / 3 if u > 0 else 0.0, p.ac_reactive_var() / 3 if u > 0 else 0.0
        s = math.hypot(power, q) if element != 1 else abs(power)
        plus, minus = self._energies()[element]
        # Q signed as the WT series signs it: negative with the current leading (the charger injects)
        values = {"U": u, "I": i, "P": power, "Q": q, "S": s, "LAMBDA": power / s if s else NO_DATA, "FU": f,
                  "WHP": plus, "WHM": -minus, "WH": plus - minus, "TIME": self._elapsed_s()}
        if "out_of_range" in self.faults or abs(i) > self.max_a * 1.4:
            values |= {"U": OVER_RANGE, "I": OVER_RANGE, "P": OVER_RANGE, "S": OVER_RANGE}
        return values

    def _values(self, argument: str) -> str:
        cache: dict[int, dict[str, float]] = {}

        def value(index: int) -> str:
            function, element = self.items.get(index, ("", 0))
            if not function:
                return f"{NO_DATA:.2E}"
            if element not in cache:
                cache[element] = self._element(element)
            x = cache[element][function]
            return f"{x:.2E}" if abs(x) >= OVER_RANGE or math.isnan(x) else f"{x:.4E}"

        if argument.strip():
            return value(int(number(argument, 1, 255)))
        return ",".join(value(k) for k in range(1, self.count + 1))
