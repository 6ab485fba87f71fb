"""The charger's transaction message queue on its own: persisted line by line (a torn last line after
a kill loses nothing before it), and thinned when full — periodic meter values only, oldest first;
Started, Ended and every other trigger kept, in order."""

from __future__ import annotations

from pathlib import Path

from hilbench.sim.charger.queue import MessageQueue


def _event(seq: int, event_type: str = "Updated", trigger: str = "MeterValuePeriodic") -> dict[str, object]:
    return {"eventType": event_type, "triggerReason": trigger, "seqNo": seq}


def test_thinned_when_full_never_the_ends(tmp_path: Path) -> None:
    q = MessageQueue(tmp_path / "q.jsonl", max_len=10)
    q.put("TransactionEvent", _event(0, "Started", "RemoteStart"))
    for seq in range(1, 20):
        q.put("TransactionEvent", _event(seq, trigger="ChargingStateChanged" if seq == 7 else "MeterValuePeriodic"))
    q.put("TransactionEvent", _event(20, "Ended", "RemoteStop"))
    seqs = [i["payload"]["seqNo"] for i in q.items]
    assert len(q) <= 11 and q.dropped > 0
    assert seqs[0] == 0 and seqs[-1] == 20 and 7 in seqs and seqs == sorted(seqs)


def test_survives_a_kill_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    q = MessageQueue(path)
    for seq in range(3):
        q.put("TransactionEvent", _event(seq))
    with path.open("a") as f:
        f.write('{"action": "TransactionEvent", "payl')  # the process died here
    again = MessageQueue(path)
    assert [i["payload"]["seqNo"] for i in again.items] == [0, 1, 2]
    again.pop()
    assert [i["payload"]["seqNo"] for i in MessageQueue(path).items] == [1, 2]
