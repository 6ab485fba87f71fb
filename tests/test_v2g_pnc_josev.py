"""Plug & Charge messages against Josev's EXIficient codec (Java, an independent EXI implementation;
`make peers`): the EXI fragment the contract signature digests, and an AuthorizationReq carrying a
signed PnC_AReqAuthorizationMode, each as EXIficient codes and reads it. Josev's own -20 PnC flow is
unfinished (its EVCC signs the -2 way), so the codec is the part of it to compare against."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

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
       "decoded": json.loads(codec.decode(bytes.fromhex(job["request"]), job["ns"]))}
print(json.dumps(out))
"""


def test_the_signed_fragment_and_the_request_as_exificient_has_them(tmp_path: Path) -> None:
    if not JOSEV.exists():
        pytest.skip("Josev is not installed: run `make peers` (make test does)")
    contract = pnc.Contract.from_chain(v2g_pki.generate(tmp_path).contract)
    mode, signature = pnc.sign(contract, pnc.new_challenge())
    request = {"AuthorizationReq": {"Header": {"SessionID": "0011223344556677", "TimeStamp": 1795000000, "Signature": signature},
                                    "SelectedAuthorizationService": "PnC", "PnC_AReqAuthorizationMode": mode}}
    job = {"mode": mode, "ns": codec.COMMON, "request": codec.encode(request, codec.COMMON).hex()}
    p = subprocess.run([str(JOSEV), "-c", EXIFICIENT], input=json.dumps(job), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    theirs = json.loads(p.stdout.strip().splitlines()[-1])
    # The bytes the Reference digests: EXIficient codes the element as a fragment byte for byte alike.
    assert theirs["fragment"] == _core.v2g_pnc_fragment(mode).hex()
    # The whole request reads back the same, base64Binary values as base64 and SessionID as hex.

    assert theirs["decoded"] == request
