"""ISO 15118-20 over TLS 1.3 with mutual authentication and the -20 constraints (secp521r1 chains
from the bench's -20 PKI), over real sockets; and the SECC refusing each client that breaks them:
TLS 1.2 only (the stdlib client, an independent implementation), only TLS_AES_128_GCM_SHA256, only
P-256 groups, a vehicle certificate from an unknown root, an expired vehicle leaf."""

from __future__ import annotations

import asyncio
import socket
import ssl
from pathlib import Path

import pytest
from cryptography.x509.oid import ExtendedKeyUsageOID

from hilbench.errors import V2gTlsError
from hilbench.v2g import pki as v2g_pki
from hilbench.v2g import tls
from hilbench.v2g.ev_model import BatteryEv
from hilbench.v2g.events import SessionEnded
from hilbench.v2g.evcc import Evcc
from hilbench.v2g.secc import Secc
from hilbench.v2g.transport import SeccServer, run_evcc


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> v2g_pki.V2gPki:
    return v2g_pki.generate(tmp_path_factory.mktemp("v2gpki"))


async def wait_sessions(server: SeccServer, n: int = 1) -> None:
    await server.wait_for_sessions(n)


@pytest.mark.parametrize("control", ["scheduled", "dynamic"])
@pytest.mark.parametrize("service", ["DC", "AC", "DC_BPT", "AC_BPT"])
async def test_session_over_mutual_tls_13(pki: v2g_pki.V2gPki, service: str, control: str) -> None:
    async with SeccServer(Secc, make_tls=lambda: tls.secc_session(pki)) as server:
        client = tls.evcc_session(pki)
        evcc = await run_evcc(Evcc(service, control, ev=BatteryEv(loop_cycles=4)), "::1", server.port, tls=client)
        await wait_sessions(server)
    assert evcc.ended == SessionEnded(True, "SessionStop OK"), evcc.ended
    assert client.negotiated == ("TLSv1.3", "TLS_AES_256_GCM_SHA384")
    assert client.peer_subject == "hilbench SECC DE*HIL*E0001"
    assert server.sessions[0].ended == SessionEnded(True, "SessionStop OK")


async def refused(pki_server: v2g_pki.V2gPki, client_session) -> tuple[str, Evcc]:  # type: ignore[no-untyped-def]
    async with SeccServer(Secc, make_tls=lambda: tls.secc_session(pki_server)) as server:
        evcc = await run_evcc(Evcc("DC", "scheduled"), "::1", server.port, tls=client_session)
        await wait_sessions(server)
    secc = server.sessions[0]
    assert secc.ended is not None and not secc.ended.ok
    assert evcc.ended is not None and not evcc.ended.ok
    assert secc.log == []  # not one V2G message got through
    return secc.ended.reason, evcc


@pytest.mark.parametrize(("change", "reason"), [
    ({"ciphersuites": "TLS_AES_128_GCM_SHA256"}, "no shared cipher"),
    ({"groups": "P-256"}, "no suitable key share"),
])
async def test_a_client_outside_the_profile_is_refused(pki: v2g_pki.V2gPki, change: dict[str, str], reason: str) -> None:
    why, _ = await refused(pki, tls.evcc_session(pki, tls.V2G20.but(**change)))
    assert reason in why


async def test_a_vehicle_certificate_from_an_unknown_root_is_refused(pki: v2g_pki.V2gPki, tmp_path: Path) -> None:
    stranger = v2g_pki.issue_chain(tmp_path, "stranger", "Somebody's OEM Root", "a vehicle", eku=ExtendedKeyUsageOID.CLIENT_AUTH)
    client_pki = v2g_pki.V2gPki(tmp_path, secc=pki.secc, vehicle=stranger, contract=pki.contract)
    why, _ = await refused(pki, tls.evcc_session(client_pki))
    assert "certificate verify failed" in why


async def test_an_expired_vehicle_leaf_is_refused(pki: v2g_pki.V2gPki, tmp_path: Path) -> None:
    expired = v2g_pki.issue_chain(tmp_path, "expired", "hilbench OEM Root 2", "an old vehicle",
                                  eku=ExtendedKeyUsageOID.CLIENT_AUTH, expired=True)
    both = v2g_pki.V2gPki(tmp_path, secc=pki.secc, vehicle=expired, contract=pki.contract)  # the SECC trusts its root
    why, _ = await refused(both, tls.evcc_session(both))
    assert "certificate verify failed" in why


async def test_a_tls_12_client_is_refused(pki: v2g_pki.V2gPki) -> None:
    """Python's own ssl module as the client (another TLS implementation), limited to TLS 1.2."""
    async with SeccServer(Secc, make_tls=lambda: tls.secc_session(pki)) as server:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_verify_locations(pki.secc.root)
        ctx.load_cert_chain(pki.vehicle.chain, pki.vehicle.key)
        ctx.check_hostname = False
        with pytest.raises(ssl.SSLError, match="PROTOCOL_VERSION|protocol version|unsupported protocol"):
            await asyncio.open_connection("::1", server.port, ssl=ctx, family=socket.AF_INET6)
        await wait_sessions(server)
    assert "unsupported protocol" in (server.sessions[0].ended.reason if server.sessions[0].ended else "")


def test_a_configuration_that_cannot_load_says_why(pki: v2g_pki.V2gPki) -> None:
    with pytest.raises(V2gTlsError, match="TLS configuration"):
        tls.evcc_session(pki, tls.V2G20.but(groups="P-999"))


async def test_a_stalling_tls_peer_ends_at_the_sequence_timeout(pki: v2g_pki.V2gPki) -> None:
    """A client that connects and sends half a ClientHello, then nothing: the SECC gives up at its
    V2G_SECC_Sequence_Timeout (shortened here), it does not hang."""
    from hilbench.v2g.timing import Limits

    async with SeccServer(lambda: Secc(limits=Limits(secc_sequence_timeout_s=0.5)), make_tls=lambda: tls.secc_session(pki)) as server:
        reader, writer = await asyncio.open_connection("::1", server.port, family=socket.AF_INET6)
        hello = tls.evcc_session(pki).take_outgoing()
        writer.write(hello[: len(hello) // 2])
        await writer.drain()
        started = asyncio.get_running_loop().time()
        await wait_sessions(server)
        elapsed = asyncio.get_running_loop().time() - started
        writer.close()
    assert server.sessions[0].ended is not None
    assert server.sessions[0].ended.reason == "no request after connecting (V2G_SECC_Sequence_Timeout)"
    assert 0.3 < elapsed < 2.0
