"""A simulated ITECH IT6000C bidirectional supply: set commands refused until ``SYST:REM``,
``CURR:LIM:NEG`` taken as a negative value (−Imax…0), ``OUTP?`` answering 1 / 0 ⚠, plain numbers."""

from __future__ import annotations

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_supply import Dialect, ScpiSupply, Setting


class ItechIt6000c(ScpiSupply):
    def __init__(self, plant: Plant, *, model: str = "IT6018C-1500-40", nominal_v: float = 1500.0,
                 nominal_a: float = 40.0, nominal_w: float = 18000.0) -> None:
        dialect = Dialect(
            identity=f"ITECH Ltd., {model}, 602418010757210011, 1.05-1.04",
            settings=(
                Setting("[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]", "voltage_v", "V"),
                Setting("[SOURce:]CURRent:LIMit[:POSitive]", "source_current_a", "A"),
                Setting("[SOURce:]CURRent:LIMit:NEGative", "sink_current_a", "A", negative=True),
                Setting("[SOURce:]POWer:LIMit[:POSitive]", "source_power_w", "W"),
                Setting("[SOURce:]POWer:LIMit:NEGative", "sink_power_w", "W", negative=True),
            ),
            output="OUTPut[:STATe]", output_on="1", output_off="0",
            measure={"V": "MEASure[:SCALar]:VOLTage[:DC]?", "A": "MEASure[:SCALar]:CURRent[:DC]?",
                     "W": "MEASure[:SCALar]:POWer[:DC]?"},
            number_format=lambda value, unit: f"{value:.4f}",
            remote=("SYSTem:REMote", lambda _arg: True),
            local="SYSTem:LOCal",
        )
        super().__init__(plant, dialect, {"V": nominal_v, "A": nominal_a, "W": nominal_w})
