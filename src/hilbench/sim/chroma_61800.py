"""A simulated Chroma 61800 regenerative grid simulator over the plant's AC side: remote taken with
``SYST:REM``, values edited for all phases (``INST:EDIT ALL``) or one (``INST:COUP NONE`` and
``INST:NSEL n``), plain numbers in replies, ``OUTP:STAT?`` answering ON / OFF, power signed (negative
while the charger feeds back). Written from the family's public drivers, independently of the model
file the driver reads."""

from __future__ import annotations

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiCommandError, ScpiDevice, boolean, number


class Chroma61800(ScpiDevice):
    def __init__(self, plant: Plant, *, model: str = "61845", serial: str = "618450001234",
                 max_voltage_v: float = 300.0, max_current_a: float = 50.0,
                 frequency_range_hz: tuple[float, float] = (30.0, 100.0)) -> None:
        super().__init__(f"Chroma ATE,{model},{serial},1.20")
        self.plant = plant
        self.max_v, self.max_a, self.f_range = max_voltage_v, max_current_a, frequency_range_hz
        self.remote = False
        self.selected: int | None = None  # None: every phase (INST:EDIT ALL / INST:COUP ALL)
        with plant.lock:
            plant.grid.output_on = False  # a grid simulator powers up with its output off
        self.on("SYSTem:REMote", lambda _: self._set_remote(True))
        self.on("SYSTem:LOCal", lambda _: self._set_remote(False))
        self.on("INSTrument:PHASe", lambda a: self._accept(a, ("SINGLE", "THREE")))
        self.on("INSTrument:EDIT", lambda a: self._select_all(a, ("ALL", "EACH")))
        self.on("INSTrument:COUPle", lambda a: self._select_all(a, ("ALL", "NONE")))
        self.on("INSTrument:NSELect", self._nselect)
        self.on("OUTPut:MODE", lambda a: self._accept(a, ("FIXED", "LIST", "PULSE", "STEP")))
        self.on("[SOURce:]FUNCtion:SHAPe:A", lambda a: self._accept(a, ("SINE", "SQUARE", "CSIN")))
        self.on("[SOURce:]FUNCtion:SHAPe", lambda a: self._accept(a, ("A", "B")))
        self.on("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]:AC", self._set_voltage)
        self.on("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]:AC?", lambda _: f"{self._phase_voltage():.2f}")
        self.on("[SOURce:]FREQuency", self._set_frequency)
        self.on("[SOURce:]FREQuency?", lambda _: f"{plant.grid.frequency_hz:.3f}")
        self.on("[SOURce:]CURRent:LIMit", self._set_current_limit)
        self.on("[SOURce:]CURRent:LIMit?", lambda _: f"{plant.grid.current_limit_a:.2f}")
        self.on("OUTPut[:STATe]", self._output)
        self.on("OUTPut[:STATe]?", lambda _: "ON" if plant.grid.output_on else "OFF")
        self.on("FETCh:FREQuency?", lambda _: f"{self._measured(plant.grid.frequency_hz, 100.0):.3f}")
        self.on("FETCh:VOLTage:ACDC?", lambda _: f"{self._measured(self._present()[self._index()], self.max_v):.2f}")
        self.on("FETCh:CURRent:AC?", lambda _: f"{self._measured(self._currents()[self._index()], self.max_a):.3f}")
        self.on("FETCh:POWer:AC?", lambda _: f"{self._measured(self._power(), self.max_v * self.max_a):.1f}")

    # -- state -----------------------------------------------------------------------------------
    def _set_remote(self, on: bool) -> None:
        self.remote = on
        if not on:
            self.plant.grid.output_on = False

    def _require_remote(self) -> None:
        if not self.remote:
            raise ScpiCommandError(-203, "Command protected")

    @staticmethod
    def _choice(argument: str, allowed: tuple[str, ...]) -> str:
        a = argument.strip().upper()
        for word in allowed:
            if word.startswith(a[:4]) and a in (word, word[:4]):
                return word
        raise ScpiCommandError(-224, "Illegal parameter value")

    def _accept(self, argument: str, allowed: tuple[str, ...]) -> None:
        self._choice(argument, allowed)  # a setting the plant does not model: checked, then accepted

    def _select_all(self, argument: str, allowed: tuple[str, str]) -> None:
        """``INST:EDIT ALL`` / ``INST:COUP ALL`` act on every phase again; EACH / NONE keep the
        phase ``INST:NSEL`` chose."""
        if self._choice(argument, allowed) == allowed[0]:
            self.selected = None

    def _nselect(self, argument: str) -> None:
        self.selected = int(number(argument, 1, 3))

    def _index(self) -> int:
        return (self.selected or 1) - 1

    # -- settings --------------------------------------------------------------------------------
    def _set_voltage(self, argument: str) -> None:
        self._require_remote()
        value = number(argument, 0.0, self.max_v)
        with self.plant.lock:
            v = list(self.plant.grid.voltage_v)
            for k in range(3) if self.selected is None else (self.selected - 1,):
                v[k] = value
            self.plant.grid.voltage_v = (v[0], v[1], v[2])

    def _phase_voltage(self) -> float:
        return self.plant.grid.voltage_v[self._index()]

    def _set_frequency(self, argument: str) -> None:
        self._require_remote()
        self.plant.grid.frequency_hz = number(argument, *self.f_range)

    def _set_current_limit(self, argument: str) -> None:
        self._require_remote()
        self.plant.grid.current_limit_a = number(argument, 0.0, self.max_a)

    def _output(self, argument: str) -> None:
        self._require_remote()
        with self.plant.lock:
            self.plant.grid.output_on = boolean(argument)

    # -- measurements ----------------------------------------------------------------------------
    def _present(self) -> tuple[float, float, float]:
        self.plant.step()
        return self.plant.grid.present_voltage_v()

    def _currents(self) -> tuple[float, float, float]:
        self.plant.step()
        return self.plant.ac_current_a()

    def _power(self) -> float:
        self.plant.step()
        total = self.plant.ac_power_w()
        return total if self.selected is None else total / 3

    def _measured(self, value: float, full_scale: float) -> float:
        if "out_of_range" in self.faults:
            return 10 * full_scale if value >= 0 else -10 * full_scale
        return value
