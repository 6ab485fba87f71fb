"""decode(encode(x)) == x for generated values of every ISO 15118-20 root element (CommonMessages,
AC, DC including every BPT variant), within the schema's facets; a value beyond a facet is refused
by the encoder with the element named, never encoded wrongly."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hilbench.v2g import codec
from tests.v2g_messages import message, roots

ROOTS = roots()
EXAMPLES = int(os.environ.get("HILBENCH_V2G_EXAMPLES", "25"))


def test_every_root_of_the_three_sets_is_covered() -> None:
    names = {root for _ns, root, _ty in ROOTS}
    assert len(ROOTS) == 66  # 22 + 22 + 22 document roots in the three sets
    for expected in ("SessionSetupReq", "PowerDeliveryReq", "ScheduleExchangeRes", "AC_ChargeLoopReq", "DC_ChargeLoopRes",
                     "BPT_DC_CPDReqEnergyTransferMode", "BPT_Scheduled_AC_CLReqControlMode", "DC_WeldingDetectionRes"):
        assert expected in names


@pytest.mark.parametrize(("namespace", "root", "root_type"), ROOTS, ids=[r for _n, r, _t in ROOTS])
def test_round_trip(namespace: str, root: str, root_type: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def check(data: st.DataObject) -> None:
        m = data.draw(message(root_type, root))
        exi = codec.encode(m, namespace)
        assert codec.decode(exi, namespace) == m
        assert codec.encode(codec.decode(exi, namespace), namespace) == exi

    check()
