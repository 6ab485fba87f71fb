"""OCMF signed meter values: strict parsing, signature verification on all seven curves of the
spec, transaction checks and the OCPP SignedMeterValue carriage (over ``hilbench._core``).

A verdict separates *errors* (the record is not valid) from *deviations*: departures from the
spec's text that real meters make and that still verify (raw r‖s signatures, bare X‖Y keys,
non-canonical DER, RV as a string, …). Deviations are reported; ``strict=True`` makes them errors.

A field whose JSON type is not the one OCMF gives it is an error where it changes what is billed
or who is identified, and a deviation elsewhere (``FV: 1.0`` is kept as ``"1.0"``)::

    error      PG MS GS IS IL IT ID RD  RD[].TM TX RV RI RU RT EF ST  SA SE SM SD
    deviation  FV GI GV MV MM MF IF TT CF LC CT CI VI VV  RD[].CL EI  LC.LN LI LR LU

Vendor fields (names starting with U–Z) are never an error, whatever their JSON type: one holding
anything but a string is listed as a deviation (so ``strict`` flags it). VI/VV (OCMF 0.1 names of
GI/GV) fill GI/GV when they hold a string. In any field, a number
written as a string and IS as an OCMF 0.1 string (``"VERIFIED"``) are deviations; other names are
deviations (unknown field); a name written twice is an error. The formats of the fields, and
what a departure from them is, are in the full table: the module documentation of
``rust/core/src/ocmf/fields.rs``.
"""

from hilbench._core import OcmfVerdict as Verdict
from hilbench.ocmf.inputs import InputRecord, Result, read_records, verify_records
from hilbench.ocmf.verify import (
    CURVES,
    TransactionReport,
    check_transaction,
    iter_verify,
    parse,
    verify,
    verify_many,
    verify_signed_meter_value,
)

__all__ = [
    "CURVES",
    "InputRecord",
    "Result",
    "TransactionReport",
    "Verdict",
    "check_transaction",
    "iter_verify",
    "parse",
    "read_records",
    "verify_records",
    "verify",
    "verify_many",
    "verify_signed_meter_value",
]
