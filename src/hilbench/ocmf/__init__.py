"""OCMF signed meter values: strict parsing, signature verification on all seven curves of the
spec, transaction checks and the OCPP SignedMeterValue carriage (over ``hilbench._core``).

A verdict separates *errors* (the record is not valid) from *deviations*: departures from the
spec's text that real meters make and that still verify (raw r‖s signatures, bare X‖Y keys,
non-canonical DER, RV as a string, …). Deviations are reported; ``strict=True`` makes them errors.
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
