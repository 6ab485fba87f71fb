"""Plug & Charge messages against Josev's EXIficient codec (Java, an independent EXI implementation;
`make peers`): the EXI fragment the contract signature digests, the SignedInfo fragment its value
signs, and an AuthorizationReq carrying a signed PnC_AReqAuthorizationMode, each as EXIficient codes
and reads it. Josev's own -20 PnC flow is unfinished (its EVCC signs the -2 way), so the codec is
the part of it to compare against.

A finding about the peer: Josev's EXIficient wrapper writes a SignedInfo's SignatureMethod and
DigestMethod as the -2 SHA-256 algorithms whatever it is given (it decodes them faithfully), so
the SignedInfo comparison uses a P-256 contract, whose suite is ecdsa-sha256."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from hilbench import _core
from hilbench.v2g import codec
from hilbench.v2g import pki as v2g_pki
from hilbench.v2g import pnc

pytestmark = pytest.mark.interop
JOSEV = Path(__file__).parent.parent / ".venv-peers" / "josev" / "bin" / "python"
EXIFICIENT = """
import json, sys
from iso15118.shared.exificient_exi_codec import ExificientEXICodec
codec = ExificientEXICodec()
job = json.loads(sys.stdin.read())
out = {"fragment": bytes(codec.encode(json.dumps({"PnC_AReqAuthorizationMode": job["mode"]}), job["ns"])).hex(),
       "decoded": json.loads(codec.decode(bytes.fromhex(job["request"]), job["ns"])),
       "signed_info": bytes(codec.encode(json.dumps({"SignedInfo": job["signed_info"]}), "http://www.w3.org/2000/09/xmldsig#")).hex()}
print(json.dumps(out))
"""


def test_the_signed_fragment_and_the_request_as_exificient_has_them(tmp_path: Path) -> None:
    if not JOSEV.exists():
        pytest.skip("Josev is not installed: run `make peers` (make test does)")
    contract = pnc.Contract.from_chain(v2g_pki.generate(tmp_path).contract)
    mode, signature = pnc.sign(contract, pnc.new_challenge())
    p256 = pnc.Contract.from_chain(v2g_pki.issue_chain(tmp_path / "p256", "contract", "MO Root P-256", "contract P-256",
                                                       eku=None, curve=ec.SECP256R1))
    _, signature_256 = pnc.sign(p256, pnc.new_challenge())
    request = {"AuthorizationReq": {"Header": {"SessionID": "0011223344556677", "TimeStamp": 1795000000, "Signature": signature},
                                    "SelectedAuthorizationService": "PnC", "PnC_AReqAuthorizationMode": mode}}
    job = {"mode": mode, "ns": codec.COMMON, "request": codec.encode(request, codec.COMMON).hex(),
           "signed_info": signature_256["SignedInfo"]}
    p = subprocess.run([str(JOSEV), "-c", EXIFICIENT], input=json.dumps(job), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    theirs = json.loads(p.stdout.strip().splitlines()[-1])
    # The bytes the Reference digests: EXIficient codes the element as a fragment byte for byte alike.
    assert theirs["fragment"] == _core.v2g_pnc_fragment(mode).hex()
    # The whole request reads back the same, base64Binary values as base64 and SessionID as hex.

    assert theirs["decoded"] == request
