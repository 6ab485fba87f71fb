"""The bench as charging station, toward a CSMS under test: boots, heartbeats, reports status,
runs transactions (TransactionEvent Started / Updated with meter values / Ended, seqNo from 0)
and answers CSMS-initiated calls conformantly (``defaults.station_handlers``)."""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from hilbench.errors import ConfigError, ConnectionRefused
from hilbench.ocpp import tls
from hilbench.ocpp.defaults import now_iso, station_handlers
from hilbench.ocpp.identity import check_station_id, url_segment
from hilbench.ocpp.link import Handler, OcppLink
from hilbench.ocpp.session import Hook, Session
from hilbench.ocpp.trace import TraceWriter
from hilbench.pki import CertPair, TestPki

log = logging.getLogger("hilbench.station")


@dataclass
class TransactionRecord:
    transaction_id: str
    evse_id: int
    seq_nos: list[int] = field(default_factory=list)
    energy_wh: float = 0.0
    responses: list[dict[str, Any]] = field(default_factory=list)


class Station:
    def __init__(self, csms_url: str, station_id: str, *, version: str = "2.1", security_profile: int = 0,
                 password: str | None = None, pki: TestPki | None = None, cert: CertPair | None = None,
                 tls_min_version: str = "1.2", trace_dir: Path | str | None = None,
                 call_timeout_s: float = 30.0, vendor: str = "hilbench", model: str = "VirtualStation",
                 serial_number: str | None = None, hook: Hook | None = None,
                 handlers: Mapping[str, Handler] | None = None, ssl_context: Any = None) -> None:
        if security_profile in (1, 2) and password is None:
            raise ConfigError(f"security profile {security_profile} needs the station's Basic-auth password")
        if security_profile in (2, 3) and pki is None and ssl_context is None:
            raise ConfigError(f"security profile {security_profile} needs the PKI (CA of the CSMS)")
        self.station_id = check_station_id(station_id)
        self.url = csms_url.rstrip("/") + "/" + url_segment(station_id)
        self.version = version
        self.security_profile = security_profile
        self.password = password
        self.pki, self.cert = pki, cert
        self.tls_min_version = tls_min_version
        self.trace = TraceWriter.for_station(trace_dir, station_id) if trace_dir else None
        self.call_timeout_s = call_timeout_s
        self.vendor, self.model = vendor, model
        self.serial_number = serial_number or station_id
        self.hook = hook
        self.handlers: dict[str, Handler] = {**station_handlers(), **dict(handlers or {})}
        self.ssl_context = ssl_context
        self.link: OcppLink | None = None
        self.heartbeat_interval = 300
        self.heartbeats_sent = 0
        self._tasks: list[asyncio.Task[Any]] = []

    # ---- connection ---------------------------------------------------------------------------

    def _ssl(self) -> Any:
        if self.ssl_context is not None or self.security_profile not in (2, 3):
            return self.ssl_context
        assert self.pki is not None
        cert = self.cert or (self.pki.station(self.station_id) if self.security_profile == 3 else None)
        return tls.client_context(self.security_profile, self.pki.ca.cert, cert.cert if cert else None,
                                  cert.key if cert else None, min_version=self.tls_min_version)

    async def connect(self, open_timeout: float = 10.0) -> OcppLink:
        headers = {}
        if self.security_profile in (1, 2):
            token = base64.b64encode(f"{self.station_id}:{self.password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            ws: ClientConnection = await connect(
                self.url, subprotocols=[f"ocpp{self.version}"], additional_headers=headers,  # type: ignore[list-item]
                ssl=self._ssl(), open_timeout=open_timeout, compression=None, max_size=1 << 20)
        except InvalidStatus as e:
            raise ConnectionRefused(f"CSMS refused {self.station_id}: HTTP {e.response.status_code} "
                                    f"{e.response.body.decode(errors='replace').strip()}") from e
        except (InvalidHandshake, ssl.SSLError, OSError, EOFError) as e:
            # With TLS 1.3 a refused client certificate surfaces as a closed connection during
            # the HTTP upgrade; name the underlying cause.
            cause = e.__cause__ or e.__context__
            raise ConnectionRefused(f"cannot connect {self.station_id} to {self.url}: {type(e).__name__}: {e}"
                                    + (f" ({cause})" if cause else "")) from e
        if ws.subprotocol != f"ocpp{self.version}":
            await ws.close()
            raise ConnectionRefused(f"CSMS did not accept subprotocol ocpp{self.version} (got {ws.subprotocol})")
        session = Session("station", self.version, call_timeout_s=self.call_timeout_s, hook=self.hook)
        self.link = OcppLink(ws, session, peer_id="csms", trace=self.trace, handlers=self.handlers)
        self._tasks.append(asyncio.create_task(self.link.run()))
        return self.link

    async def close(self) -> None:
        for t in self._tasks[1:]:
            t.cancel()
        if self.link is not None:
            await self.link.close()
            await self.link.closed.wait()
        if self.trace:
            self.trace.close()

    async def __aenter__(self) -> Station:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _link(self) -> OcppLink:
        if self.link is None:
            raise ConnectionRefused(f"station {self.station_id} is not connected")
        return self.link

    async def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._link().call(action, payload)

    # ---- behaviour ----------------------------------------------------------------------------

    async def boot(self, reason: str = "PowerUp", max_attempts: int = 3) -> dict[str, Any]:
        """BootNotification until Accepted (waiting the CSMS's interval after Pending/Rejected)."""
        payload = {"reason": reason, "chargingStation": {
            "model": self.model, "vendorName": self.vendor, "serialNumber": self.serial_number,
            "firmwareVersion": "hilbench"}}
        for _ in range(max_attempts):
            res = await self.call("BootNotification", payload)
            self.heartbeat_interval = int(res.get("interval") or self.heartbeat_interval)
            if res["status"] == "Accepted":
                return res
            await asyncio.sleep(max(1, self.heartbeat_interval))
        return res

    async def heartbeat(self) -> dict[str, Any]:
        res = await self.call("Heartbeat", {})
        self.heartbeats_sent += 1
        return res

    def start_heartbeats(self, interval_s: float | None = None) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(interval_s or self.heartbeat_interval)
                await self.heartbeat()
        self._tasks.append(asyncio.create_task(loop()))

    async def status(self, evse_id: int = 1, connector_id: int = 1, status: str = "Available") -> None:
        await self.call("StatusNotification", {"timestamp": now_iso(), "connectorStatus": status,
                                               "evseId": evse_id, "connectorId": connector_id})

    async def authorize(self, id_token: str, token_type: str = "ISO14443") -> dict[str, Any]:
        return await self.call("Authorize", {"idToken": {"idToken": id_token, "type": token_type}})

    async def run_transaction(self, *, evse_id: int = 1, connector_id: int = 1, id_token: str = "04A1B2C3D4",
                              power_w: float = 11000.0, samples: int = 3, sample_interval_s: float = 0.2,
                              simulated_seconds_per_sample: float = 60.0) -> TransactionRecord:
        """A charging transaction: Started (seqNo 0), ``samples`` Updated with meter values,
        Ended. Energy advances by ``power_w`` x ``simulated_seconds_per_sample`` per sample."""
        tx = TransactionRecord(str(uuid.uuid4()), evse_id)
        token = {"idToken": id_token, "type": "ISO14443"}
        evse = {"id": evse_id, "connectorId": connector_id}
        await self.status(evse_id, connector_id, "Occupied")

        async def event(event_type: str, trigger: str, state: str, context: str, extra: dict[str, Any]) -> None:
            seq = len(tx.seq_nos)
            payload = {"eventType": event_type, "timestamp": now_iso(), "triggerReason": trigger, "seqNo": seq,
                       "transactionInfo": {"transactionId": tx.transaction_id, "chargingState": state, **extra.pop("info", {})},
                       "meterValue": [self._meter_value(tx.energy_wh, power_w if state == "Charging" else 0.0, context)],
                       **extra}
            tx.responses.append(await self.call("TransactionEvent", payload))
            tx.seq_nos.append(seq)

        await event("Started", "Authorized", "Charging", "Transaction.Begin", {"idToken": token, "evse": evse})
        for _ in range(samples):
            await asyncio.sleep(sample_interval_s)
            tx.energy_wh += power_w * simulated_seconds_per_sample / 3600.0
            await event("Updated", "MeterValuePeriodic", "Charging", "Sample.Periodic", {})
        await event("Ended", "StopAuthorized", "Idle", "Transaction.End",
                    {"idToken": token, "info": {"stoppedReason": "Local"}})
        await self.status(evse_id, connector_id, "Available")
        return tx

    @staticmethod
    def _meter_value(energy_wh: float, power_w: float, context: str) -> dict[str, Any]:
        return {"timestamp": now_iso(), "sampledValue": [
            {"value": round(energy_wh, 3), "measurand": "Energy.Active.Import.Register", "context": context,
             "location": "Outlet", "unitOfMeasure": {"unit": "Wh"}},
            {"value": round(power_w, 1), "measurand": "Power.Active.Import", "context": context,
             "location": "Outlet", "unitOfMeasure": {"unit": "W"}},
            {"value": 230.0, "measurand": "Voltage", "phase": "L1-N", "context": context, "location": "Outlet",
             "unitOfMeasure": {"unit": "V"}},
        ]}
