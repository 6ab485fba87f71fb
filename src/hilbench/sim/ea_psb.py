"""A simulated EA PSB 10000 battery emulator: remote control taken with ``SYST:LOCK ON``, values
returned with their units (``400.00 V``), sink set values under ``SINK:…`` (positive), ``OUTP?``
answering ON / OFF."""

from __future__ import annotations

from hilbench.sim.plant import Plant
from hilbench.sim.scpi_device import ScpiCommandError, boolean
from hilbench.sim.scpi_supply import Dialect, ScpiSupply, Setting


class EaPsb(ScpiSupply):
    def __init__(self, plant: Plant, *, model: str = "PSB 10750-120", serial: str = "2538170001",
                 nominal_v: float = 750.0, nominal_a: float = 120.0, nominal_w: float = 30000.0,
                 nominal_r: float = 10.0) -> None:
        nominal = {"V": nominal_v, "A": nominal_a, "W": nominal_w, "R": nominal_r}
        dialect = Dialect(
            identity=f"EA Elektro-Automatik GmbH & Co. KG, {model}, {serial}, V3.02 17.06.2026 V3.01.1.0",
            settings=(
                Setting("[SOURce:]VOLTage", "voltage_v", "V"),
                Setting("[SOURce:]CURRent", "source_current_a", "A"),
                Setting("[SOURce:]POWer", "source_power_w", "W"),
                Setting("SINK:CURRent", "sink_current_a", "A"),
                Setting("SINK:POWer", "sink_power_w", "W"),
                Setting("[SOURce:]RESistance", "internal_resistance_ohm", "R"),
            ),
            output="OUTPut[:STATe]", output_on="ON", output_off="OFF",
            measure={"V": "MEASure[:SCALar]:VOLTage[:DC]?", "A": "MEASure[:SCALar]:CURRent[:DC]?",
                     "W": "MEASure[:SCALar]:POWer[:DC]?"},
            number_format=lambda value, unit: f"{value:.2f} {'Ohm' if unit == 'R' else unit}",
            remote=("SYSTem:LOCK", boolean),
            extra={
                "SYSTem:LOCK[:OWNer]?": lambda _: "REMOTE" if self.remote else "NONE",
                "SYSTem:NOMinal:VOLTage?": lambda _: f"{nominal_v:.2f} V",
                "SYSTem:NOMinal:CURRent?": lambda _: f"{nominal_a:.2f} A",
                "SYSTem:NOMinal:POWer?": lambda _: f"{nominal_w:.0f} W",
                "SYSTem:NOMinal:RESistance:MAXimum?": lambda _: f"{nominal_r:.3f} Ohm",
                "SYSTem:CONFig:MODE": self._mode,
                "SYSTem:CONFig:MODE?": lambda _: "UIR" if plant.dc.resistance_mode else "UIP",
            },
        )
        super().__init__(plant, dialect, nominal)

    def _mode(self, argument: str) -> None:
        """``SYST:CONF:MODE UIR`` puts the set resistance in series (U/I/R), ``UIP`` takes it out."""
        self._require_remote()
        mode = argument.strip().upper()
        if mode not in ("UIR", "UIP"):
            raise ScpiCommandError(-224, "Illegal parameter value")
        self.plant.dc.resistance_mode = mode == "UIR"
