"""A DC supply driven over Modbus (EA's register map): setpoints written as raw values scaled to
the nominal (0xCCCC = 100 %) after the limit check, each read back; output and remote control by
coils and confirmed by the state word; actual current and power unsigned, negative while the state
word's sink bit is set."""

from __future__ import annotations

import time

from hilbench.drivers.dc_supply import DcMeasurement, DcSupply
from hilbench.drivers.modbus import ModbusInstrument
from hilbench.drivers.model import range_key
from hilbench.errors import InstrumentError, InstrumentIdentityError, InstrumentReplyError, SetpointRefused


class ModbusDcSupply(ModbusInstrument, DcSupply):
    SETTINGS = ("voltage_v", "source_current_a", "sink_current_a", "source_power_w", "sink_power_w")

    def identify(self) -> str:
        identity = ", ".join(self.transport.read_text(a) for a in self.map.identity_text)
        if self.model.identity is None or not self.model.identity.search(identity):
            self.transport.log.add(self.name, "error", f"identity {identity!r}")
            raise InstrumentIdentityError(
                f"{self.name}: registers {', '.join(map(str, self.map.identity_text))} read {identity!r}, which is not "
                f"a {self.model.vendor} {self.model.name} (expected /{self.model.identity.pattern if self.model.identity else ''}/)",
                instrument=self.name, reply=identity)
        return identity

    def setup(self) -> None:
        """Takes remote control (set values are refused without it)."""
        self.transport.write_coil(self.map.coils["remote"], True)
        if "remote" in self.map.bits and not self._bit("remote"):
            raise self._refused("remote control was not granted (the state word's remote bit stays clear)")

    def release(self) -> None:
        self.transport.write_coil(self.map.coils["remote"], False)

    # -- setpoints -------------------------------------------------------------------------------
    def setpoint(self, quantity: str, value: float) -> float:
        if quantity not in self.map.write:
            raise InstrumentError(f"{self.name}: {self.model.id} has no register for {quantity}", instrument=self.name)
        value = self.limits.check(range_key(quantity), value)
        reg = self.map.write[quantity]
        raw = round(value / reg.scale)
        if reg.max_raw is not None and raw > reg.max_raw:
            raise SetpointRefused(f"{self.name}: {quantity} = {value:g} is {raw} raw, above the register's {reg.max_raw}")
        self.transport.write(reg, raw)
        if quantity in self.map.read:
            back = self.read(quantity)
            if abs(back - value) > reg.scale:  # one raw step of resolution
                raise self._refused(f"{quantity} was written as {value:g} and reads back {back:g}")
        return value

    def output(self, on: bool) -> None:
        self.transport.write_coil(self.map.coils["output"], on)
        if self._bit("output_on") != on:
            raise self._refused(f"the output was switched {'on' if on else 'off'} but the state word says otherwise")

    def safe_state(self) -> None:
        """Output off: one coil write, not read back (a dead instrument must not delay the rig)."""
        self.transport.write_coil(self.map.coils["output"], False)

    def output_is_on(self) -> bool:
        return self._bit("output_on")

    def settings(self) -> dict[str, float]:
        return {q: self.read(q) for q in self.SETTINGS if q in self.map.read}

    def voltage_setpoint(self) -> float:
        return self.read("voltage_v")

    # -- readings --------------------------------------------------------------------------------
    def measure(self) -> DcMeasurement:
        state = {"device_state": self.read_raw("device_state")}
        m = self.model.readback_margin
        v_max = self.model.ranges["voltage_v"][1]
        i_max = max(self.model.ranges["source_current_a"][1], self.model.ranges["sink_current_a"][1])
        p_max = max(self.model.ranges.get("source_power_w", (0.0, v_max * i_max))[1],
                    self.model.ranges.get("sink_power_w", (0.0, 0.0))[1])
        v = self.read("measured_voltage_v", (0.0, v_max * m), state)
        i = self.read("measured_current_a", (-i_max * m, i_max * m), state)
        p = self.read("measured_power_w", (-p_max * m, p_max * m), state)
        sign = -1.0 if self.model.current_sign == "source_positive" else 1.0
        return DcMeasurement(v, sign * i, sign * p, time.monotonic_ns())

    def _bit(self, name: str) -> bool:
        return bool(self.read_raw("device_state") >> self.map.bits[name] & 1)

    def _refused(self, why: str) -> InstrumentReplyError:
        self.transport.log.add(self.name, "error", why)
        return InstrumentReplyError(f"{self.name}: {why}", instrument=self.name)

