"""A simulated EV emulator on a python-can virtual bus: it applies the host's control frames to the
plant's EV side and echoes their counter in a status frame every period, answers identification
requests, takes the vehicle's CAN frames into the plant, and — standing in for the plant's charger
on the same bus — sends the charger's CHAdeMO frame with the DC link's present voltage and current.

The frame layouts come from the interface's DBC (the published definition a firmware implements);
the behaviour (what is echoed, what a fault does) is written here, independently of the driver."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any, cast

import can
import cantools

from hilbench.sim.plant import Plant

VENDOR_CODE, PRODUCT_CODE = 0x4842, 0x0001
CP_STATES = ("A", "B", "C", "D", "E", "F")


class CanEvEmulator:
    def __init__(self, plant: Plant, dbc: Path, *, channel: str | None = None, period_s: float = 0.1) -> None:
        self.plant, self.period_s = plant, period_s
        self.db = cantools.database.can.Database()
        self.db.add_dbc_file(dbc)
        self.channel = channel or f"hilbench-ev-{uuid.uuid4().hex[:8]}"
        self.faults: set[str] = set()
        self.received: list[dict[str, Any]] = []  # every control frame applied, decoded
        self.echo = 0
        self.lock = threading.RLock()
        self._bus: can.BusABC | None = None
        self._thread: threading.Thread | None = None
        self._running = threading.Event()

    # -- server interface (as the SCPI and Modbus simulators) ------------------------------------
    @property
    def device(self) -> CanEvEmulator:
        return self

    @property
    def address(self) -> str:
        return f"can://virtual/{self.channel}"

    def start(self) -> CanEvEmulator:
        self._bus = can.Bus(interface="virtual", channel=self.channel, receive_own_messages=False)
        self._running.set()
        self._thread = threading.Thread(target=self._run, name=f"sim-can-{self.channel}", daemon=True)
        self._thread.start()
        return self

    def drop_clients(self) -> None:
        """CAN has no connection to drop: the ``disconnect`` fault silences the emulator instead."""

    def stop(self) -> None:
        self._running.clear()
        if self._thread is not None:
            self._thread.join(5)
        if self._bus is not None:
            self._bus.shutdown()
            self._bus = None

    # -- the emulator ----------------------------------------------------------------------------
    def _run(self) -> None:
        assert self._bus is not None
        next_cycle = time.monotonic()
        while self._running.is_set():
            msg = self._bus.recv(timeout=max(0.0, min(next_cycle - time.monotonic(), 0.05)))
            if msg is not None:
                self._handle(msg)
            if time.monotonic() >= next_cycle:
                self._cycle()
                next_cycle += self.period_s

    def _send(self, name: str, signals: dict[str, Any], **kw: Any) -> None:
        m = self.db.get_message_by_name(name)
        assert self._bus is not None
        self._bus.send(can.Message(arbitration_id=m.frame_id, data=m.encode(signals, **kw), is_extended_id=False))

    def _handle(self, msg: can.Message) -> None:
        if "disconnect" in self.faults:
            return
        try:
            m = self.db.get_message_by_frame_id(msg.arbitration_id)
            values = cast(dict[str, Any], m.decode(bytes(msg.data), decode_choices=False))
        except (KeyError, cantools.database.DecodeError):
            return  # not ours, or not decodable: a real node ignores it
        if m.name == "EMU_Control":
            if "mute" in self.faults:
                return  # alive (status keeps coming) but deaf to commands
            self._control(values)
        elif m.name.startswith("EV_"):
            with self.plant.lock:
                self.plant.ev.can_frames[m.name] = dict(values)

    def _control(self, values: dict[str, Any]) -> None:
        with self.lock:
            self.received.append(dict(values))
            ev = self.plant.ev
            with self.plant.lock:
                ev.cp_state = CP_STATES[int(values["CpState"])]
                ev.contactor_closed = bool(values["ContactorCmd"])
                ev.pp_resistance_ohm = float(values["PpResistance"])
                kohm = int(values["InsulationResistance"])
                ev.insulation_ohm = float("inf") if kohm == 0xFFFF else kohm * 1000.0
            self.echo = int(values["Counter"])
        if values["IdentRequest"]:
            product = 0x0BAD if "wrong_identity" in self.faults else PRODUCT_CODE
            self._send("EMU_Ident", {"VendorCode": VENDOR_CODE, "ProductCode": product, "FwMajor": 1, "FwMinor": 3})
        self._status()  # answer at once; the cycle repeats it

    def _cycle(self) -> None:
        if "disconnect" in self.faults:
            return
        self._status()
        self._charger_frame()

    def _status(self) -> None:
        assert self._bus is not None
        if "garbage" in self.faults:
            frame_id = self.db.get_message_by_name("EMU_Status").frame_id
            self._bus.send(can.Message(arbitration_id=frame_id, data=b"\xde\xad\x01", is_extended_id=False))
            return
        ev = self.plant.ev
        insulation = 0xFFFF if ev.insulation_ohm == float("inf") else round(ev.insulation_ohm / 1000.0)
        signals: dict[str, Any] = {
            "CpState": CP_STATES.index(ev.cp_state), "ContactorClosed": int(ev.contactor_closed), "Fault": 0,
            "EchoCounter": self.echo, "CpDuty": round(ev.cp_duty_percent * 10), "CpVoltage": round(ev.pilot_voltage_v() * 10),
            "PpResistance": round(ev.pp_resistance_ohm), "InsulationResistance": insulation,
        }
        if "out_of_range" in self.faults:
            signals["CpDuty"] = 1023  # 102.3 %: beyond what a duty can be
        self._send("EMU_Status", signals, scaling=False, strict=False)

    def _charger_frame(self) -> None:
        """The plant's charger on the same bus: CHAdeMO 0x109 with the DC link's present values."""
        dc = self.plant.dc
        self.plant.step()
        volts = min(1000, round(dc.voltage_v)) if dc.output_on else 0
        amps = min(255, round(abs(dc.current_a)))
        self._send("EVSE_109", {"ProtocolNo": 2, "PresentVoltage": volts, "PresentCurrent": amps,
                                "DischargeCompatible": 1, "Status": 0x01 if amps else 0x00,
                                "RemainingTime10s": 0, "RemainingTimeMin": 60})
