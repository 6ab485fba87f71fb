"""The charger meter's signatures: OCMF records (transaction begin ``T``, fiscal periodic ``F`` and
transaction end) signed with the meter's key, carried in OCPP as ``signedMeterValue`` (encoding
``OCMF``, the record base64-coded, the public key as 2.1 carries it: DER SubjectPublicKeyInfo, hex).

The key is made on first use and kept in the state folder, so a restarted charger signs with the
same key; ``cryptography`` does the ECDSA (SHA-256 on every OCMF curve, DER signature)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp192r1": ec.SECP192R1, "secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1, "secp256k1": ec.SECP256K1,
    "brainpool256r1": ec.BrainpoolP256R1, "brainpool384r1": ec.BrainpoolP384R1,
}
#: OBIS codes of the registers: total import / export (OCMF 1.4 reserves B0 / C0 for mains totals).
OBIS = {"import": "01-00:B0.08.00*FF", "export": "01-00:C0.08.00*FF"}


def ocmf_time(when: dt.datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss,fff+hhmm S``: comma before the milliseconds, offset without a colon,
    then the time status (S: synchronised — the charger's clock is the CSMS's)."""
    when = when.astimezone(dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S,") + f"{when.microsecond // 1000:03d}+0000 S"


class OcmfSigner:
    def __init__(self, key_file: Path | None, curve: str = "secp256r1", *, meter_serial: str, gateway_id: str,
                 current_type: str = "DC") -> None:
        self.curve = curve
        self.meter_serial, self.gateway_id, self.current_type = meter_serial, gateway_id, current_type
        self._key = _load_or_make(key_file, curve)
        self.public_key_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        #: Pagination counters per context (T transaction, F fiscal), kept across records.
        self.pages = {"T": 0, "F": 0}

    @property
    def public_key_hex(self) -> str:
        return self.public_key_der.hex().upper()

    @property
    def algorithm(self) -> str:
        return f"ECDSA-{self.curve}-SHA256"

    def record(self, context: str, readings: list[dict[str, Any]], *, id_token: str | None = None,
               id_type: str = "ISO14443", charge_point: str = "", break_signature: bool = False) -> str:
        """One signed record; ``readings`` are (TM, TX, RV kWh, register) dicts in the order taken."""
        self.pages[context] += 1
        payload: dict[str, Any] = {
            "FV": "1.0", "GI": self.gateway_id, "GS": self.meter_serial, "GV": "1.0", "PG": f"{context}{self.pages[context]}",
            "MV": "hilbench", "MM": "VirtualMeter", "MS": self.meter_serial, "MF": "1.0",
        }
        if context == "T":
            payload |= {"IS": id_token is not None, "IL": "TRUSTED" if id_token else "NONE",
                        "IF": ["OCPP_AUTH"] if id_token else ["OCPP_NONE"], "IT": id_type if id_token else "NONE"}
            if id_token:
                payload["ID"] = id_token
        if charge_point:
            payload |= {"CT": "EVSEID", "CI": charge_point}
        payload["RD"] = [{k: v for k, v in r.items() if v is not None} | {"RT": self.current_type, "EF": "", "ST": "G"}
                         for r in readings]
        text = json.dumps(payload, separators=(",", ":"))
        signature = self._key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
        if break_signature:  # a fault: the record no longer matches what was signed
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return f"OCMF|{text}|" + json.dumps({"SA": self.algorithm, "SD": signature.hex().upper()}, separators=(",", ":"))

    def signed_meter_value(self, record: str, *, with_key: bool) -> dict[str, Any]:
        """The OCPP 2.1 SignedMeterValueType carrying ``record``."""
        out: dict[str, Any] = {"signedMeterData": base64.b64encode(record.encode()).decode(), "encodingMethod": "OCMF",
                               "signingMethod": self.algorithm}
        if with_key:
            out["publicKey"] = self.public_key_hex
        return out


def reading(when: dt.datetime, tx: str | None, kwh: float, register: str = "import") -> dict[str, Any]:
    return {"TM": ocmf_time(when), "TX": tx, "RV": round(kwh, 4), "RI": OBIS[register], "RU": "kWh"}


def _load_or_make(key_file: Path | None, curve: str) -> ec.EllipticCurvePrivateKey:
    if key_file is not None and key_file.exists():
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == CURVES[curve]().name:
            return key
    key = ec.generate_private_key(CURVES[curve]())
    if key_file is not None:
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return key
