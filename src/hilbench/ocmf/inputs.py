"""Records to verify, read from a file: JSON lines of ``{"ocmf", "public_key"}`` records, OCPP
``SignedMeterValue`` objects, bare ``OCMF|…`` lines, or a hilbench OCPP trace (every
signedMeterValue in TransactionEvent and MeterValues frames). Unreadable lines become records
that fail with the reason, so a bad line never hides the others."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from hilbench._core import OcmfVerdict
from hilbench.ocmf.verify import CHUNK, verify_many, verify_signed_meter_value

_METER_ACTIONS = ("TransactionEvent", "MeterValues")


@dataclass(frozen=True)
class InputRecord:
    """One record and where it came from (``line 3``, ``line 7 meterValue[0].sampledValue[1]``)."""

    index: int
    where: str
    ocmf: str | None = None
    public_key: str | None = None
    signed_meter_value: Mapping[str, Any] | None = None
    error: str | None = None  #: why the line could not be read


@dataclass(frozen=True)
class Result:
    """A verdict row: what ``hilbench verify --json`` prints per record."""

    index: int
    where: str
    valid: bool
    reason: str | None
    signature_valid: bool | None = None
    curve: str | None = None
    billable: bool = False
    deviations: tuple[str, ...] = field(default=())
    meter: str | None = None
    pagination: str | None = None
    verdict: OcmfVerdict | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "where": self.where,
            "valid": self.valid,
            "reason": self.reason,
            "signature_valid": self.signature_valid,
            "curve": self.curve,
            "billable": self.billable,
            "deviations": list(self.deviations),
            "meter": self.meter,
            "pagination": self.pagination,
        }


def read_records(path: Path | str) -> Iterator[InputRecord]:
    """Reads records lazily (any file size)."""
    counter = iter(range(1 << 62))
    station_keys: dict[str, str] = {}
    with Path(path).open(encoding="utf-8", errors="replace") as f:
        for n, raw in enumerate(f, start=1):
            line = raw.strip()
            if not line:
                continue
            where = f"line {n}"
            if line.startswith("OCMF|"):
                yield InputRecord(next(counter), where, ocmf=line)
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield InputRecord(next(counter), where, error=f"{where}: not JSON ({exc.msg} at column {exc.colno})")
                continue
            yield from _records_of(obj, where, counter, station_keys)


def _records_of(obj: Any, where: str, counter: Iterator[int], station_keys: dict[str, str]) -> Iterator[InputRecord]:
    if not isinstance(obj, dict):
        yield InputRecord(next(counter), where, error=f"{where}: a JSON {type(obj).__name__}, not an object")
    elif "ocmf" in obj:
        ocmf, key = obj.get("ocmf"), obj.get("public_key")
        if not isinstance(ocmf, str) or (key is not None and not isinstance(key, str)):
            yield InputRecord(next(counter), where, error=f"{where}: 'ocmf' and 'public_key' must be strings")
        else:
            yield InputRecord(next(counter), where, ocmf=ocmf, public_key=key)
    elif "signedMeterData" in obj:
        yield InputRecord(next(counter), where, signed_meter_value=obj)
    elif "text" in obj and "dir" in obj:
        yield from _trace_records(obj, where, counter, station_keys)
    else:
        yield InputRecord(next(counter), where, error=f"{where}: neither an OCMF record, a SignedMeterValue nor a trace line")


def _trace_records(line: Mapping[str, Any], where: str, counter: Iterator[int], station_keys: dict[str, str]) -> Iterator[InputRecord]:
    try:
        frame = json.loads(line["text"])
    except (TypeError, json.JSONDecodeError):
        return  # not a frame (a note, or a malformed frame the trace recorded): nothing signed
    if not (isinstance(frame, list) and len(frame) == 4 and frame[0] in (2, 6) and frame[2] in _METER_ACTIONS):
        return
    station = str(line.get("station", ""))
    payload = frame[3] if isinstance(frame[3], dict) else {}
    for m, meter_value in enumerate(payload.get("meterValue") or ()):
        for k, sampled in enumerate((meter_value or {}).get("sampledValue") or ()):
            smv = sampled.get("signedMeterValue") if isinstance(sampled, dict) else None
            if not isinstance(smv, dict):
                continue
            if isinstance(smv.get("publicKey"), str) and smv["publicKey"]:
                station_keys[station] = smv["publicKey"]
            elif station in station_keys:
                # PublicKeyWithSignedMeterValue = OncePerTransaction: the key came with an earlier value.
                smv = {**smv, "publicKey": station_keys[station]}
            at = f"{where} {frame[2]} meterValue[{m}].sampledValue[{k}]"
            yield InputRecord(next(counter), at, signed_meter_value=smv)


def verify_records(records: Iterable[InputRecord], *, public_key: str | None = None, strict: bool = False) -> Iterator[Result]:
    """Verdict rows in input order, verified in parallel chunks (bounded memory).

    ``public_key`` is used for records that carry none (e.g. the station's key from its device
    model)."""
    it = iter(records)
    while chunk := list(islice(it, CHUNK)):
        plain = [r for r in chunk if r.ocmf is not None]
        verdicts = iter(verify_many([(r.ocmf, r.public_key or public_key) for r in plain], strict=strict))  # type: ignore[misc]
        for r in chunk:
            if r.error is not None:
                yield Result(r.index, r.where, False, r.error)
                continue
            if r.ocmf is not None:
                v = next(verdicts)
            else:
                v = verify_signed_meter_value(r.signed_meter_value or {}, public_key, strict=strict)
            payload = (v.record or {}).get("payload") or {}
            yield Result(
                r.index,
                r.where,
                v.valid,
                v.reason,
                v.signature_valid,
                v.curve,
                v.billable,
                tuple(v.deviations),
                payload.get("meter_serial") or payload.get("gateway_serial"),
                payload.get("pagination"),
                v,
            )
