"""Verification entry points. The work happens in Rust with the GIL released; batches run on all
cores and each distinct public key is parsed once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from hilbench import _core
from hilbench._core import OcmfVerdict

#: The curves of OCMF table 22 (every algorithm uses SHA-256).
CURVES = ("secp192k1", "secp256k1", "secp192r1", "secp256r1", "brainpool256r1", "secp384r1", "brainpool384r1")

#: Records verified per parallel batch when streaming (bounds memory for any input size).
CHUNK = 8192


def verify(ocmf: str | bytes, public_key: str | None = None, *, strict: bool = False) -> OcmfVerdict:
    """Verifies one ``OCMF|payload|signature`` record with the meter's public key (hex or base64
    DER SubjectPublicKeyInfo, the OCA ``oca:base16:asn1:`` form, or bare X‖Y)."""
    return _core.ocmf_verify(ocmf, public_key, strict=strict)


def verify_many(
    records: Iterable[tuple[str, str | None]], *, strict: bool = False, threads: int | None = None
) -> list[OcmfVerdict]:
    """One verdict per ``(ocmf, public_key)``, in order, verified in parallel (on ``threads``
    cores, default all); a failing record never stops the batch."""
    return _core.ocmf_verify_many(list(records), strict=strict, threads=threads)


def iter_verify(records: Iterable[tuple[str, str | None]], *, strict: bool = False, chunk: int = CHUNK) -> Iterator[OcmfVerdict]:
    """Like :func:`verify_many`, streaming: at most ``chunk`` records are held at a time."""
    it = iter(records)
    while batch := list(islice(it, chunk)):
        yield from _core.ocmf_verify_many(batch, strict=strict)


def verify_signed_meter_value(
    value: Mapping[str, Any],
    configured_key: str | None = None,
    *,
    strict: bool = False,
) -> OcmfVerdict:
    """Verifies an OCPP 2.x ``SignedMeterValueType`` object.

    ``configured_key`` is the station's key from its device model, used when the object carries no
    ``publicKey``; an object whose key differs from it is invalid.
    """
    def text(name: str) -> str | None:
        v = value.get(name)
        return v if isinstance(v, str) else None

    return _core.ocmf_verify_signed_meter_value(
        text("signedMeterData"),
        text("encodingMethod"),
        text("signingMethod"),
        text("publicKey"),
        configured_key,
        strict=strict,
    )


@dataclass(frozen=True)
class TransactionReport:
    """Transaction checks over the records of one charging session."""

    valid: bool
    reason: str | None
    findings: tuple[dict[str, str], ...]
    meter: str | None
    energy_wh: float | None  #: end − begin of the first begin reading's register
    registers: tuple[dict[str, Any], ...]
    duration_ms: int | None


def check_transaction(verdicts: Iterable[OcmfVerdict]) -> TransactionReport:
    """Pairs begin (TX=B) and end (TX=E/L/R/A/P) readings across the records of one transaction
    (given in the order produced), and checks meter, identification, pagination, monotonic
    readings, units, times, status and error flags. The energy is end − begin."""
    d = _core.ocmf_check_transaction(list(verdicts))
    return TransactionReport(
        valid=d["valid"],
        reason=d["reason"],
        findings=tuple(d["findings"]),
        meter=d["meter"],
        energy_wh=d["energy_wh"],
        registers=tuple(d["registers"]),
        duration_ms=d["duration_ms"],
    )


def parse(ocmf: str) -> dict[str, Any]:
    """``{"record": dict | None, "findings": [...]}`` without verifying the signature."""
    return _core.ocmf_parse(ocmf)
