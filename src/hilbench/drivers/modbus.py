"""Modbus TCP through pymodbus: register reads decoded by the model's map (type, word order, scale)
and held to the model's range; every request and response goes to the command log."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
import struct
import threading
from typing import Any
from urllib.parse import parse_qs, urlparse

from pymodbus import FramerType
from pymodbus.client import ModbusBaseSyncClient, ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusIOException
from pymodbus.pdu import ExceptionResponse

from hilbench.drivers.limits import Limits
from hilbench.drivers.log import CommandLog
from hilbench.drivers.modbus_model import Register
from hilbench.drivers.model import Model, range_key
from hilbench.errors import InstrumentDisconnected, InstrumentError, InstrumentReplyError, InstrumentTimeout

_FORMATS = {"float32": ">f", "int32": ">i", "uint32": ">I", "int16": ">h", "uint16": ">H"}


ADDRESS_FORMS = ("modbus-tcp://host:port?unit=1", "modbus-rtu-tcp://gateway:port?unit=1",
                 "modbus-rtu:///dev/ttyUSB0?baudrate=9600&parity=N&stopbits=1&unit=1")


def parse_address(address: str) -> tuple[str, int, int | None]:
    """``modbus-tcp://host:port[?unit=N]`` → (host, port, unit id or None)."""
    u = urlparse(address)
    if u.scheme not in ("modbus-tcp", "modbus-rtu-tcp") or not u.hostname:
        raise InstrumentError(f"{address!r} is not a Modbus TCP address (modbus-tcp://host:port?unit=1)")
    unit = parse_qs(u.query).get("unit")
    return u.hostname, u.port or 502, int(unit[0]) if unit else None


def client_for(address: str, timeout_s: float) -> tuple[ModbusBaseSyncClient, int | None]:
    """A pymodbus client for one of :data:`ADDRESS_FORMS`: Modbus TCP, RTU frames through a TCP
    gateway, or RTU on a serial line. Returns the client and the unit id the address names."""
    u = urlparse(address)
    query = {k: v[-1] for k, v in parse_qs(u.query).items()}
    try:
        unit = int(query.pop("unit")) if "unit" in query else None
        if u.scheme == "modbus-rtu":
            if not u.path:
                raise ValueError("no serial device")
            parity = query.pop("parity", "N")
            if parity not in ("N", "E", "O"):
                raise ValueError(f"parity {parity!r} is not N, E or O")
            client: ModbusBaseSyncClient = ModbusSerialClient(
                u.path, framer=FramerType.RTU, timeout=timeout_s, retries=0, baudrate=int(query.pop("baudrate", 19200)),
                parity=parity, stopbits=int(query.pop("stopbits", 1)), bytesize=int(query.pop("bytesize", 8)))
        else:
            host, port, _ = parse_address(address)
            framer = FramerType.RTU if u.scheme == "modbus-rtu-tcp" else FramerType.SOCKET
            client = ModbusTcpClient(host, port=port, framer=framer, timeout=timeout_s, retries=0)
        if query:
            raise ValueError(f"unknown parameters {sorted(query)}")
    except (InstrumentError, ValueError) as e:
        raise InstrumentError(f"{address!r} is not a Modbus address ({e}; forms: {', '.join(ADDRESS_FORMS)})") from None
    return client, unit


def decode(registers: list[int], reg: Register, word_order: str) -> float:
    words = list(registers) if word_order == "big" or reg.count == 1 else list(reversed(registers))
    raw = struct.pack(">" + "H" * len(words), *words)
    return float(struct.unpack(_FORMATS[reg.type], raw)[0]) * reg.scale


class ModbusTransport:
    """One Modbus connection (TCP, RTU through a gateway, or RTU on a serial line). Reads are idempotent, so a failed read is retried once on a fresh
    connection before it is reported."""

    def __init__(self, address: str, *, name: str, log: CommandLog, unit_id: int, timeout_s: float = 2.0) -> None:
        self._client, unit = client_for(address, timeout_s)
        self._lock = threading.Lock()
        self.name, self.log, self.address = name, log, address
        self.unit_id = unit if unit is not None else unit_id
        if not self._client.connect():
            log.add(name, "error", f"cannot connect to {address}")
            raise InstrumentDisconnected(f"{name}: cannot connect to {address}", instrument=name)
        log.add(name, "note", f"opened {address}")

    def read(self, reg: Register) -> list[int]:
        """Reads are idempotent: retried once on a fresh connection."""
        fn = self._client.read_input_registers if reg.table == "input" else self._client.read_holding_registers
        rr = self._exchange(f"read {reg.table} {reg.address:#06x}×{reg.count} unit {self.unit_id}",
                            lambda: fn(reg.address, count=reg.count, device_id=self.unit_id), retry=True)
        self.log.add(self.name, "rx", " ".join(f"{r:04x}" for r in rr.registers))
        return list(rr.registers)

    def read_text(self, address: int, count: int = 20) -> str:
        """ASCII text in ``count`` holding registers, two characters each, high byte first."""
        rr = self._exchange(f"read holding {address:#06x}×{count} unit {self.unit_id}",
                            lambda: self._client.read_holding_registers(address, count=count, device_id=self.unit_id),
                            retry=True)
        raw = b"".join(r.to_bytes(2, "big") for r in rr.registers)
        text = raw.split(b"\0", 1)[0].decode("ascii", "replace").strip()
        self.log.add(self.name, "rx", repr(text))
        return text

    def write(self, reg: Register, raw: int) -> None:
        """One holding register (FC6). Not retried: a write that may have arrived is not repeated."""
        self._exchange(f"write holding {reg.address:#06x} = {raw} unit {self.unit_id}",
                       lambda: self._client.write_register(reg.address, raw, device_id=self.unit_id), retry=False)

    def write_coil(self, address: int, on: bool) -> None:
        """One coil (FC5: 0xFF00 on, 0x0000 off)."""
        self._exchange(f"write coil {address:#06x} = {'ON' if on else 'OFF'} unit {self.unit_id}",
                       lambda: self._client.write_coil(address, on, device_id=self.unit_id), retry=False)

    def _exchange(self, request: str, call: Any, *, retry: bool) -> Any:
        with self._lock:  # one exchange at a time: callers run in several worker threads
            return self._exchange_locked(request, call, retry=retry)

    def _exchange_locked(self, request: str, call: Any, *, retry: bool) -> Any:
        self.log.add(self.name, "tx", request)
        for attempt in (1, 2) if retry else (1,):
            try:
                rr = call()
            except ModbusIOException as e:
                error: InstrumentError = InstrumentTimeout(f"{self.name}: no answer to {request}: {e}", instrument=self.name,
                                                           command=request)
            except ConnectionException as e:
                error = InstrumentDisconnected(f"{self.name}: connection lost during {request}: {e}", instrument=self.name,
                                               command=request)
            else:
                if isinstance(rr, ExceptionResponse) or rr.isError():
                    self.log.add(self.name, "error", f"{request}: {rr}")
                    raise InstrumentReplyError(f"{self.name}: {request} answered {rr}", instrument=self.name,
                                               command=request, reply=str(rr))
                return rr
            self.log.add(self.name, "error", str(error))
            if attempt == 1 and retry:
                self._client.close()
                self._client.connect()
        raise error

    def close(self) -> None:
        self._client.close()
        self.log.add(self.name, "note", f"closed {self.address}")


class ModbusInstrument:
    """The model-driven core of Modbus role drivers."""

    def __init__(self, name: str, model: Model, transport: ModbusTransport, limits: Limits | None = None) -> None:
        assert model.modbus is not None
        self.name, self.model, self.transport, self.map = name, model, transport, model.modbus
        self.limits = limits or Limits.of_ranges(name, model.ranges, f"model {model.id}")

    def read(self, quantity: str, plausible: tuple[float, float] | None = None,
             state: Mapping[str, int] | None = None) -> float:
        """A register's value in the role's unit, held to ``plausible`` (by default the model's
        range); a sign given by a state bit is applied (``state`` holds raw registers already read)."""
        reg = self.map.read[quantity]
        value = decode(self.transport.read(reg), reg, self.map.word_order)
        if reg.negative_when is not None:
            source, _, bit = reg.negative_when.partition(".")
            raw = (state or {}).get(source)
            if raw is None:
                raw = self.read_raw(source)
            value = -value if raw >> int(bit) & 1 else value
        lo, hi = plausible if plausible is not None else self.plausible(quantity)
        if not (math.isfinite(value) and lo <= value <= hi):
            message = f"{self.name}: {quantity} at {reg.address:#06x} read {value:g}, outside the plausible [{lo:g}, {hi:g}] of {self.model.id}"
            self.transport.log.add(self.name, "error", message)
            raise InstrumentReplyError(message, instrument=self.name, command=f"read {reg.address:#06x}", reply=str(value))
        return value

    def read_raw(self, quantity: str) -> int:
        """An integer register as it is (a state word)."""
        reg = self.map.read[quantity]
        return int(decode(self.transport.read(reg), dataclasses.replace(reg, scale=1.0), self.map.word_order))

    def plausible(self, quantity: str) -> tuple[float, float]:
        base = range_key(quantity).replace("total_", "").replace("import_", "").replace("export_", "")
        lo, hi = self.model.ranges.get(quantity, self.model.ranges.get(base, (-math.inf, math.inf)))
        m = self.model.readback_margin
        return (lo * m if lo < 0 else lo), hi * m
