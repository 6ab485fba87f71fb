"""The virtual charger: the device under test for CI. An OCPP 2.1 station with a device model, an
ISO 15118-20 SECC, a power stage and a signing meter on the simulated plant, with a catalogue of
named faults (``faults.py``) that make it misbehave in ways a certification must catch."""

from hilbench.sim.charger.config import ChargerConfig
from hilbench.sim.charger.faults import CATALOGUE, Faults

__all__ = ["CATALOGUE", "ChargerConfig", "Faults"]
