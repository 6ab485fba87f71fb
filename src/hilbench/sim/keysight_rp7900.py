"""A simulated Keysight RP7900 regenerative power system: no remote lock, voltage priority with
``CURR:LIM`` (source) and ``CURR:LIM:NEG`` (sink, taken and reported as a negative value, the
Keysight APS convention ⚠), ``OUTP?`` answering 1 / 0, plain numbers in the ``+4.00000E+02`` form."""

from __future__ import annotations

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiCommandError
from hilbench.sim.scpi_supply import Dialect, ScpiSupply, Setting


class KeysightRp7900(ScpiSupply):
    def __init__(self, plant: Plant, *, model: str = "RP7952A", nominal_v: float = 950.0, nominal_a: float = 20.0,
                 nominal_w: float = 10000.0) -> None:
        self.priority = "VOLT"

        def function(argument: str) -> None:
            if argument.strip().upper() not in ("VOLT", "VOLTAGE", "CURR", "CURRENT"):
                raise ScpiCommandError(-224, "Illegal parameter value")
            self.priority = argument.strip().upper()[:4]

        dialect = Dialect(
            identity=f"Keysight Technologies,{model},MY00000001,A.02.03.1234",
            settings=(
                Setting("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]", "voltage_v", "V"),
                Setting("[SOURce:]CURRent:LIMit[:POSitive][:IMMediate][:AMPLitude]", "source_current_a", "A"),
                Setting("[SOURce:]CURRent:LIMit:NEGative[:IMMediate][:AMPLitude]", "sink_current_a", "A", negative=True),
            ),
            output="OUTPut[:STATe]", output_on="1", output_off="0",
            measure={"V": "MEASure[:SCALar]:VOLTage[:DC]?", "A": "MEASure[:SCALar]:CURRent[:DC]?",
                     "W": "MEASure[:SCALar]:POWer[:DC]?"},
            number_format=lambda value, unit: f"{value:+.5E}",
            extra={"[SOURce:]FUNCtion": function, "[SOURce:]FUNCtion?": lambda _: self.priority},
        )
        super().__init__(plant, dialect, {"V": nominal_v, "A": nominal_a, "W": nominal_w})
