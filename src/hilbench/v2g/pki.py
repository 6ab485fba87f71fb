"""The ISO 15118-20 test PKI, every key secp521r1 and every signature ECDSA with SHA-512 (the -20
TLS profile): V2G root → CPO Sub-CA 1 → Sub-CA 2 → SECC leaf; OEM root → Sub-CA 1 → Sub-CA 2 →
vehicle leaf (the EVCC's TLS certificate in -20); MO root → Sub-CA 1 → Sub-CA 2 → contract leaf.
Each leaf's chain file holds the leaf, then Sub-CA 2, then Sub-CA 1; the roots are the trust anchors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from hilbench.errors import PkiError
from hilbench.pki import _issue, _name

CURVE = ec.SECP521R1


@dataclass(frozen=True)
class Chain:
    chain: Path  #: PEM: leaf, Sub-CA 2, Sub-CA 1
    key: Path
    root: Path  #: PEM: the root the chain ends in


@dataclass(frozen=True)
class V2gPki:
    directory: Path
    secc: Chain
    vehicle: Chain
    contract: Chain


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def issue_chain(directory: Path, name: str, root_cn: str, leaf_cn: str, *, eku: x509.ObjectIdentifier | None,
                expired: bool = False, days: int = 365, curve: type[ec.EllipticCurve] = CURVE) -> Chain:
    """A root, two sub-CAs and a leaf under ``directory/name``; ``expired`` ends the leaf yesterday;
    ``curve`` other than secp521r1 makes a chain outside the -20 profile, for negative tests."""
    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    sha512 = hashes.SHA512()
    keys = [ec.generate_private_key(curve()) for _ in range(4)]
    names = [_name(root_cn), _name(f"{root_cn} Sub-CA 1"), _name(f"{root_cn} Sub-CA 2"), _name(leaf_cn)]
    certs: list[x509.Certificate] = []
    for k in range(4):
        issuer = k - 1 if k else 0
        leaf = k == 3
        not_before = now - dt.timedelta(days=days + 1) if leaf and expired else now
        certs.append(_issue(names[k], keys[k], names[issuer], keys[issuer], ca=not leaf, days=days * (1 if leaf else 4),
                            not_before=not_before, eku=eku if leaf else None, hash_algorithm=sha512))
    out = directory / name
    out.mkdir(parents=True, exist_ok=True)
    chain = Chain(out / "chain.pem", out / "key.pem", out / "root.pem")
    chain.chain.write_bytes(_pem(certs[3]) + _pem(certs[2]) + _pem(certs[1]))
    chain.key.write_bytes(_key_pem(keys[3]))
    chain.key.chmod(0o600)
    chain.root.write_bytes(_pem(certs[0]))
    return chain


def generate(directory: Path | str) -> V2gPki:
    directory = Path(directory)
    try:
        return V2gPki(
            directory,
            secc=issue_chain(directory, "secc", "hilbench V2G Root", "hilbench SECC DE*HIL*E0001",
                             eku=ExtendedKeyUsageOID.SERVER_AUTH),
            vehicle=issue_chain(directory, "vehicle", "hilbench OEM Root", "hilbench vehicle WMIV1234567890ABCDEX",
                                eku=ExtendedKeyUsageOID.CLIENT_AUTH),
            contract=issue_chain(directory, "contract", "hilbench MO Root", "DE-HIL-C12345678-9",
                                 eku=None),
        )
    except OSError as e:
        raise PkiError(f"cannot write the V2G PKI under {directory}: {e}") from e


def load(directory: Path | str) -> V2gPki:
    directory = Path(directory)
    chains = {n: Chain(directory / n / "chain.pem", directory / n / "key.pem", directory / n / "root.pem")
              for n in ("secc", "vehicle", "contract")}
    for c in chains.values():
        for p in (c.chain, c.key, c.root):
            if not p.exists():
                raise PkiError(f"{p} is missing; generate the V2G PKI with `hilbench v2g pki --out DIR`")
    return V2gPki(directory, **chains)
