"""Instrument drivers: one interface per role (DC supply, grid simulator, power analyzer, energy
meter, EV emulator), models as data (``instruments/*.toml``), every setpoint through one limit check.

Sign convention as everywhere in hilbench: current and power positive = energy into the EV. A DC
supply that emulates the EV battery therefore reports positive current while it sinks (the
charger charges the battery) and negative while it sources (the charger discharges it, V2G).
"""
