"""The virtual charger's catalogue of named faults: each one a defect a certification would have to
catch, switched on by name (``--fault NAME``), freely combined, never active unless named. The code
that misbehaves asks ``faults.on(NAME)`` at the one place where the defect lives; the catalogue is
the list of names a lab sees (``hilbench sim faults``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hilbench.errors import ConfigError


@dataclass(frozen=True)
class Fault:
    name: str
    area: str
    does: str


CATALOGUE: tuple[Fault, ...] = (
    # provisioning and RPC
    Fault("heartbeat-interval-ignored", "provisioning",
          "keeps heartbeating at the boot interval after SetVariables OCPPCommCtrlr.HeartbeatInterval"),
    Fault("readonly-variable-accepted", "provisioning", "answers Accepted to SetVariables on a ReadOnly variable (and keeps the old value)"),
    Fault("unknown-component-accepted", "provisioning", "answers Accepted to SetVariables on a component it does not have"),
    Fault("base-report-incomplete", "provisioning", "GetBaseReport FullInventory leaves out the last part's variables"),
    Fault("pending-boot-sends-transactions", "provisioning",
          "sends TransactionEvent while its BootNotification is Pending"),
    Fault("boot-retry-too-early", "provisioning", "retries a Rejected BootNotification after 1 s instead of the interval"),
    Fault("reset-on-idle-interrupts", "provisioning", "Reset OnIdle reboots at once, ending a running transaction"),
    Fault("status-notification-missing-after-boot", "provisioning", "sends no StatusNotification for its connector after boot"),
    Fault("getvariables-unknown-accepted", "provisioning", "answers Accepted (an empty value) to GetVariables of an unknown variable"),
    Fault("custom-report-ignores-filter", "provisioning", "GetReport sends the full inventory whatever it was asked for"),
    Fault("boot-reason-wrong-after-reset", "provisioning", "boots with reason PowerUp after a Reset (RemoteReset expected)"),
    Fault("writeonly-variable-readable", "provisioning", "answers GetVariables of a WriteOnly variable (the password) with its value"),
    Fault("out-of-range-variable-accepted", "provisioning", "accepts SetVariables values outside the variable's limits"),
    Fault("settings-lost-on-reboot", "provisioning", "forgets every variable set by the CSMS when it reboots"),
    Fault("callerror-missing-for-malformed-call", "rpc", "ignores a malformed CALL instead of answering CALLERROR"),
    Fault("schema-violation-notify-ev-charging-needs", "rpc",
          "sends NotifyEVChargingNeeds with departureTime as a number (a schema violation)"),
    Fault("answers-call-after-timeout", "rpc", "answers GetVariables only after the CSMS's call timeout (35 s)"),
    Fault("no-callresulterror", "rpc", "sends no CALLRESULTERROR for a CALLRESULT it cannot take (OCPP 2.1)"),
    Fault("second-call-while-outstanding", "rpc", "sends a triggered Heartbeat at once, past its own unanswered CALL"),
    Fault("answers-send", "rpc", "answers a SEND (OCPP 2.1) with CALLERROR MessageTypeNotSupported, as a 2.0.1 stack would"),
    # transactions
    Fault("seqno-gap-after-reconnect", "transactions", "skips one seqNo after the connection comes back"),
    Fault("drops-ended-while-offline", "transactions", "loses a TransactionEvent Ended that happened while offline"),
    Fault("offline-flag-missing", "transactions", "sends queued events without offline = true"),
    Fault("no-resume-after-reboot", "transactions", "forgets a running transaction across a reboot (neither TxResumed nor Ended)"),
    Fault("ignores-max-energy", "transactions", "does not stop a transaction at its maxEnergy limit"),
    Fault("limit-stop-wrong-reason", "transactions", "ends a limited transaction with stoppedReason Other"),
    Fault("unplug-stop-reason-wrong", "transactions", "ends a transaction the EV unplugged with stoppedReason Local"),
    Fault("remote-stop-ignored", "transactions", "answers RequestStopTransaction Accepted and goes on charging"),
    Fault("remote-start-id-missing", "transactions", "leaves the remoteStartId out of a remotely started transaction"),
    Fault("transaction-status-wrong", "transactions", "GetTransactionStatus says a running transaction is not ongoing"),
    Fault("invalid-token-keeps-charging", "transactions", "keeps charging after the CSMS answers a TransactionEvent with an invalid idToken"),
    # power stage and smart charging
    Fault("ignores-discharge-limit", "power", "discharges at the setpoint even beyond the profile's dischargeLimit"),
    Fault("setpoint-sign-inverted", "power", "charges where the setpoint says discharge, and the reverse"),
    Fault("slow-setpoint-ramp", "power", "reaches a new setpoint in 3x the configured response time"),
    Fault("ignores-charging-limit", "power", "charges at the EV's request above the charging profile's limit"),
    Fault("idle-mode-still-charges", "power", "keeps the power flowing under operationMode Idle"),
    Fault("ignores-afrr-signal", "power", "answers AFRRSignal Accepted but stays at the CentralFrequency baseline"),
    Fault("idle-mode-still-discharges", "power",
          "under operationMode Idle stops charging but keeps a discharge going at the last setpoint"),
    Fault("no-operation-mode-changed-event", "protocol",
          "changes the operation mode without TransactionEvent triggerReason OperationModeChanged"),
    Fault("volt-var-sign-inverted", "power", "absorbs reactive power where the VoltVar curve asks it to inject, and back"),
    Fault("fixed-pf-ignored", "power", "holds unity power factor under FixedPFInject / FixedPFAbsorb"),
    Fault("ignores-ev-discharge-limit", "power",
          "discharges at a setpoint beyond the EV's EVMaximumDischargePower (up to its own rating)"),
    Fault("ev-schedule-ignores-profile", "power",
          "sends the EV its rated power as the ISO 15118-20 schedule, whatever the charging profile says"),
    Fault("freq-watt-curve-ignored", "power", "holds v2xBaseline under LocalFrequency, whatever the grid's frequency"),
    Fault("accepts-frequency-mode-without-curve", "power",
          "accepts a LocalFrequency or CentralFrequency period without a v2xFreqWattCurve"),
    # DER control
    Fault("ignores-limit-max-discharge", "der", "discharges beyond a LimitMaxDischarge control's pctMaxDischargePower"),
    Fault("der-priority-ignored", "der", "applies the DER control set last, not the one with the lowest priority value"),
    Fault("clear-der-unknown-accepted", "der", "answers ClearDERControl of a control it does not have with Accepted"),
    Fault("trips-late-hv-must-trip", "der", "ceases to energize only after 3x the HVMustTrip curve's clearing time"),
    Fault("trips-late-lv-must-trip", "der", "ceases to energize only after 3x the LVMustTrip curve's clearing time"),
    Fault("der-control-shape-unchecked", "der",
          "accepts a scheduled EnterService, a default control with a schedule, and a control field that is not its controlType's"),
    Fault("freq-droop-ignored", "der", "keeps its active power when the grid frequency leaves a FreqDroop control's band"),
    Fault("freq-droop-sign-inverted", "der",
          "moves its active power the wrong way under FreqDroop: discharges more at over-frequency, less at under-frequency"),
    Fault("momentary-cessation-ignored", "der", "keeps energizing beyond an HVMomCess or LVMomCess curve"),
    Fault("momentary-cessation-as-trip", "der",
          "treats a momentary cessation as a trip: comes back only after the EnterService delay and ramp"),
    Fault("enter-service-ignored", "der",
          "returns to full power the moment a must-trip clears, without an EnterService control's delay and ramp"),
    Fault("no-der-alarm-on-trip", "der", "trips on a must-trip curve without sending NotifyDERAlarm"),
    Fault("clear-profile-keeps-limit", "power", "answers ClearChargingProfile Accepted and keeps the profile in force"),
    Fault("priority-charging-ignored", "power",
          "answers UsePriorityCharging Accepted (and notifies it) but stays on the TxProfile"),
    Fault("stack-level-conflict-replaces", "protocol",
          "takes a second profile of the same purpose and stack level (a TxProfile: of the same transaction), "
          "replacing the first, where 2.x refuses it"),
    Fault("composite-schedule-wrong", "power", "GetCompositeSchedule reports the lowest stack level's profile, not the one applied"),
    # meter and signed meter values
    Fault("meter-drift-export-2pct", "meter", "the export register counts 2 % more than flowed"),
    Fault("export-counted-as-import", "meter", "the meter adds exported energy to the import register"),
    Fault("meter-values-interval-ignored", "meter", "samples meter values every 60 s whatever TxUpdatedInterval says"),
    Fault("measurands-config-ignored", "meter", "samples only the import register whatever TxUpdatedMeasurands says"),
    Fault("aligned-data-ignored", "meter", "sends no clock-aligned meter values whatever AlignedDataCtrlr.Interval says"),
    Fault("energy-unit-wrong", "meter", "reports the energy registers in Wh but labels them kWh"),
    Fault("ocmf-bad-signature-end", "meter", "the transaction end's signed meter value has a broken signature"),
    Fault("ocmf-reading-not-monotonic", "meter", "the signed end reading is lower than the begin reading"),
    # tariffs and cost
    Fault("export-billed-as-import", "cost", "bills exported energy as imported, at the import price"),
    Fault("cost-without-tax", "cost", "reports costs including tax equal to the costs excluding tax"),
    Fault("tariff-condition-ignored", "cost", "bills every kWh, minute and fee at a dimension's first price element, whatever its conditions"),
    Fault("ev-connection-timeout-ignored", "transactions",
          "keeps an authorization (and a transaction it started) past TxCtrlr.EVConnectionTimeOut when no EV connects"),
    Fault("unbilled-transaction-settled", "payment",
          "settles 0.00 with the payment service provider for a paid transaction nothing was billed in (Canceled expected)"),
    Fault("settlement-failure-reported-settled", "payment",
          "reports NotifySettlement Settled when the payment service provider rejected the settlement or could not be reached"),
    Fault("tariff-time-in-utc", "cost", "evaluates a tariff's time of day and day of week in UTC, not in its ClockCtrlr.TimeZone"),
    Fault("driver-tariff-ignored", "cost", "bills a driver by the default tariff although the authorization came with the driver's own"),
    Fault("idle-billed-as-charging", "cost", "bills the time the EV is connected without energy flowing at the charging-time price"),
    Fault("change-tariff-ignored", "cost", "answers ChangeTransactionTariff Accepted (and reports TariffChanged) but bills on at the old tariff"),
    Fault("no-running-cost-updates", "cost", "sends no TransactionEvent RunningCost whatever TariffCostCtrlr.Interval[Cost] says"),
    Fault("ignores-max-cost", "cost", "does not stop a transaction at its maxCost limit"),
    Fault("prepaid-limit-overrun", "cost", "holds a maxCost limit against the cost excluding tax, so the driver pays the tax beyond it"),
    Fault("settlement-amount-wrong", "payment", "settles an ad hoc card payment for the cost excluding tax"),
    Fault("payment-not-released", "payment",
          "keeps a card payment's authorization when no transaction follows in EVConnectionTimeOut (no NotifySettlement Canceled)"),
    Fault("vat-number-not-validated", "payment",
          "puts the driver's VAT number on the settlement without asking the CSMS (VatNumberValidation)"),
    Fault("qr-code-unsigned", "payment", "shows the web-payment QR code with a one-time password computed without the shared secret"),
    Fault("web-payment-lock-ignored", "payment", "lets a card start the EVSE while a web payment for it is under way"),
    # battery swap station
    Fault("swap-out-without-authorization", "swap", "opens its free slot and releases a battery to a driver nobody authorized"),
    Fault("swap-battery-data-missing", "swap", "leaves the serial number out of the battery data of BatteryIn"),
    Fault("swap-charges-wrong-slot", "swap", "reports the swapped-in battery's charging transaction on the next slot's EVSE"),
    Fault("accepts-malformed-tariff", "cost",
          "takes any tariff: another currency, too many price elements, negative fees, conditions it cannot evaluate"),
    Fault("get-tariffs-forgets-default", "cost", "leaves the default tariffs out of GetTariffs"),
    Fault("clear-tariffs-ignored", "cost", "answers ClearTariffs Accepted and keeps the tariffs"),
    # ISO 15118-20 side
    Fault("secc-slow-chargeloop-response", "iso15118", "answers ChargeLoopReq after 300 ms (the EV waits 250 ms)"),
    Fault("pnc-hash-data-wrong", "protocol",
          "sends the contract's iso15118CertificateHashData with issuerKeyHash over the issuer's whole "
          "SubjectPublicKeyInfo, not its key (RFC 6960)"),
    Fault("pnc-charges-despite-refusal", "iso15118",
          "authorizes the EV's contract and charges whatever the CSMS answered to Authorize"),
    Fault("secc-ignores-session-id", "iso15118", "answers a request carrying another session's SessionID as if it were its own"),
    Fault("keeps-power-after-v2g-error", "iso15118",
          "keeps the energy flowing after its ISO 15118-20 session failed (a FAILED answer, undecodable EXI)"),
    Fault("secc-accepts-out-of-sequence", "iso15118", "answers an out-of-sequence request with OK instead of FAILED_SequenceError"),
    Fault("dynamic-duration-from-install", "power",
          "counts a Dynamic profile's duration from its installation, so it lapses though the CSMS kept updating it"),
    Fault("dynamic-profile-never-lapses", "power", "keeps a Dynamic profile's last setpoint after its duration with no update"),
    Fault("dynamic-pull-never-sent", "power", "never sends PullDynamicScheduleUpdate, whatever the profile's dynUpdateInterval"),
    Fault("phase-conflict-accepted", "protocol",
          "accepts per-phase discharge limits and setpoints the EV never reported, or outside a TxProfile (PhaseConflict expected)"),
    Fault("v2x-offered-without-authorization", "iso15118",
          "offers the EV bidirectional services though the driver's AuthorizeResponse allowed charging only"),
    Fault("charging-needs-rejection-ignored", "iso15118",
          "goes on with the transaction when the CSMS answers NotifyEVChargingNeeds Rejected"),
    Fault("evccid-missing-in-started", "iso15118", "leaves the EV's EVCCID out of the Started's idToken in an ISO 15118-20 session"),
    Fault("charging-needs-altered", "iso15118", "reports the EV's maximum energy request 10 % low in NotifyEVChargingNeeds"),
    # security
    Fault("no-security-event-on-reset", "security", "sends no SecurityEventNotification (ResetOrReboot) after a reset"),
    Fault("tls12-weak-cipher", "security", "offers TLS 1.2 at most and prefers a CBC cipher suite OCPP does not allow"),
    Fault("password-change-ignored", "security", "accepts a new Basic-auth password but keeps connecting with the old one"),
    Fault("accepts-security-downgrade", "security", "accepts a network profile with a lower security profile than the one in use"),
    Fault("falls-back-to-lower-profile", "security", "keeps its lower-profile network slots after an upgrade and falls back to them"),
    Fault("accepts-unknown-csms-ca", "security", "does not verify the CSMS's certificate (connects to one from any CA)"),
    Fault("accepts-expired-csms-cert", "security", "does not check the validity dates of the CSMS's certificate"),
    Fault("accepts-old-tls", "security", "connects to a CSMS that offers only TLS 1.0 or 1.1"),
    Fault("csr-wrong-common-name", "security", "requests its new certificate with a common name that is not its identity"),
    Fault("certificate-signed-unchecked", "security", "installs a certificate from CertificateSigned without checking it"),
    Fault("no-security-event-on-reconfiguration", "security",
          "sends no SecurityEventNotification when a security parameter is changed"),
)
BY_NAME = {f.name: f for f in CATALOGUE}


class Faults:
    """The faults switched on for one charger."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        names = tuple(names)
        unknown = [n for n in names if n not in BY_NAME]
        if unknown:
            raise ConfigError(f"unknown fault {', '.join(repr(n) for n in unknown)} "
                              f"(hilbench sim faults lists the {len(CATALOGUE)} known)")
        self.names = frozenset(names)

    def on(self, name: str) -> bool:
        assert name in BY_NAME, f"fault {name!r} is not in the catalogue"  # a typo in the charger's code
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __repr__(self) -> str:
        return f"Faults({sorted(self.names)})"
