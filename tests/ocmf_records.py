"""Test records for OCMF: keys and signatures made by independent implementations (the
`cryptography` package, and python-ecdsa for secp192k1, which `cryptography` lacks)."""

from __future__ import annotations

import json
from typing import Any

import ecdsa
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

CRYPTOGRAPHY_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "secp192r1": ec.SECP192R1,
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp256k1": ec.SECP256K1,
    "brainpool256r1": ec.BrainpoolP256R1,
    "brainpool384r1": ec.BrainpoolP384R1,
}

# secp192k1 from SEC 2 v2, section 2.2.1 (python-ecdsa has no built-in definition).
_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFEE37
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFE26F2FC170F69466A74DEFD8D
_GX = 0xDB4FF10EC057E9AE26B07D0280B7F4341DA5D1B1EAE06C7D
_GY = 0x9B2F2F6D9C5628A7844163D015BE86344082AA88D95E2F9D
_CURVE_FP = ecdsa.ellipticcurve.CurveFp(_P, 0, 3, 1)
SECP192K1 = ecdsa.curves.Curve(
    "secp192k1",
    _CURVE_FP,
    ecdsa.ellipticcurve.PointJacobi(_CURVE_FP, _GX, _GY, 1, _N, generator=True),
    (1, 3, 132, 0, 31),
)

ALL_CURVES = ("secp192k1", *CRYPTOGRAPHY_CURVES)


class Signer:
    """A meter's key pair on one OCMF curve; signs with ECDSA over SHA-256 (as OCMF requires)."""

    def __init__(self, curve: str) -> None:
        self.curve = curve
        if curve == "secp192k1":
            self._ecdsa = ecdsa.SigningKey.generate(curve=SECP192K1)
            self.public_key_der: bytes = self._ecdsa.get_verifying_key().to_der()
        else:
            self._key = ec.generate_private_key(CRYPTOGRAPHY_CURVES[curve]())
            self.public_key_der = self._key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )

    @property
    def public_key_hex(self) -> str:
        return self.public_key_der.hex().upper()

    @property
    def algorithm(self) -> str:
        return f"ECDSA-{self.curve}-SHA256"

    def sign(self, data: bytes) -> bytes:
        """DER signature of SHA-256(data)."""
        if self.curve == "secp192k1":
            import hashlib

            return self._ecdsa.sign_deterministic(data, hashfunc=hashlib.sha256, sigencode=ecdsa.util.sigencode_der)
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    def record(self, payload: dict[str, Any] | str, *, signature: dict[str, Any] | None = None) -> str:
        """``OCMF|payload|{"SA", "SD"}`` with the payload signed as written."""
        text = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))
        sig = {"SA": self.algorithm, "SD": self.sign(text.encode()).hex().upper()}
        sig.update(signature or {})
        return f"OCMF|{text}|{json.dumps(sig, separators=(',', ':'))}"


def reading(tm: str, tx: str | None, rv: float, **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"TM": tm}
    if tx is not None:
        r["TX"] = tx
    r.update({"RV": rv, "RI": "01-00:B2.08.00*FF", "RU": "kWh", "RT": "DC", "EF": "", "ST": "G"})
    r.update(extra)
    return r


def payload(pg: str = "T1", readings: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    """A complete OCMF 1.4 payload of a DC charger (begin and end in one record by default)."""
    p: dict[str, Any] = {
        "FV": "1.4",
        "GI": "HILBENCH VIRTUAL CHARGER",
        "GS": "HB-GW-0001",
        "GV": "1.0.0",
        "PG": pg,
        "MV": "hilbench",
        "MM": "virtual DC meter",
        "MS": "HB-METER-0001",
        "MF": "1.0",
        "IS": True,
        "IL": "VERIFIED",
        "IF": ["RFID_PLAIN", "OCPP_RS_TLS"],
        "IT": "ISO14443",
        "ID": "04A1B2C3D4E5F6",
        "CT": "EVSEID",
        "CI": "DE*HIL*E0001*1",
        "RD": readings
        if readings is not None
        else [
            reading("2026-11-25T10:00:00,000+0100 S", "B", 1234.56),
            reading("2026-11-25T10:45:00,000+0100 S", "E", 1262.34),
        ],
    }
    p.update(extra)
    return p
