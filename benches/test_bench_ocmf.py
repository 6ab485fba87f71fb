"""OCMF verification per curve, side by side (run: make bench).

Peers for the same record: OpenSSL's verify through ``cryptography`` (key loaded once, DER
signature decoded once: the raw rate), and ``pyocmf`` (parse + verify, the way its users call it).
The batch runs on 1 and on 2 threads.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyocmf import OCMF

from hilbench import ocmf

SAMPLES = [json.loads(line) for line in (Path(__file__).parent.parent / "tests/data/ocmf/public-samples.jsonl").read_text().splitlines()]


def sample(curve: str) -> tuple[str, str]:
    for s in SAMPLES:
        if s["curve"] == curve and s["checked_valid"] and not s["needs_lenient_parsing"]:
            v = ocmf.verify(s["ocmf"], s["public_key"])
            if v.valid:
                return s["ocmf"], s["public_key"]
    raise LookupError(curve)


CURVES = ["secp256r1", "secp384r1", "secp256k1", "secp192r1", "brainpool256r1", "brainpool384r1", "secp192k1"]


@pytest.mark.parametrize("curve", CURVES)
@pytest.mark.benchmark(group="ocmf verify per curve: hilbench")
def test_hilbench_verify(benchmark, curve: str) -> None:  # type: ignore[no-untyped-def]
    record, key = sample(curve)
    assert benchmark(ocmf.verify, record, key).valid


@pytest.mark.parametrize("curve", CURVES[:-1])  # cryptography has no secp192k1
@pytest.mark.benchmark(group="ocmf verify per curve: OpenSSL via cryptography")
def test_openssl_verify(benchmark, curve: str) -> None:  # type: ignore[no-untyped-def]
    record, key = sample(curve)
    public = serialization.load_der_public_key(bytes.fromhex(key.replace(" ", "")))
    assert isinstance(public, ec.EllipticCurvePublicKey)
    payload = record.split("|")[1].encode()
    sig = bytes.fromhex(json.loads(record.split("|", 2)[2])["SD"])
    benchmark(public.verify, sig, payload, ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("curve", ["secp256r1", "secp384r1", "secp256k1"])
@pytest.mark.benchmark(group="ocmf verify per curve: pyocmf")
def test_pyocmf_verify(benchmark, curve: str) -> None:  # type: ignore[no-untyped-def]
    record, key = sample(curve)

    def run() -> bool:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(OCMF.from_string(record).verify_signature(key))

    assert benchmark(run)


BATCH = [sample("secp256r1")] * 2000


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.benchmark(group="ocmf verify_many 2000 x secp256r1")
def test_batch(benchmark, threads: int) -> None:  # type: ignore[no-untyped-def]
    verdicts = benchmark.pedantic(ocmf.verify_many, args=(BATCH,), kwargs={"threads": threads}, rounds=5, iterations=1)
    assert all(v.valid for v in verdicts)
