"""Energy integration of 10⁷ samples, side by side (run: make bench).

Peers: ``numpy.trapezoid`` with the import/export split done the way a user would (clip the power
at zero, integrate each side; it even misplaces the zero crossings), and a plain numpy copy of the
same two arrays — the memory-bandwidth yardstick (it reads and writes 2 × 80 MB).
"""

from __future__ import annotations

import numpy as np
import pytest

from hilbench import metering

N = 10_000_000
T = np.arange(N, dtype=np.int64) * 1_000_000  # 1 kHz
P = 7000.0 * np.sin(np.arange(N) / 3000.0)
P32 = P.astype(np.float32)


def numpy_user() -> tuple[float, float]:
    imp = np.trapezoid(np.maximum(P, 0.0), T) / 3.6e12
    exp = -np.trapezoid(np.minimum(P, 0.0), T) / 3.6e12
    return float(imp), float(exp)


@pytest.mark.benchmark(group="integrate 1e7")
def test_hilbench_f64(benchmark) -> None:  # type: ignore[no-untyped-def]
    e = benchmark(metering.integrate, T, P, max_gap_s=None)
    imp, exp = numpy_user()
    assert abs(e.import_wh - imp) < 1e-3 * imp and abs(e.export_wh - exp) < 1e-3 * exp


@pytest.mark.benchmark(group="integrate 1e7")
def test_hilbench_f32(benchmark) -> None:  # type: ignore[no-untyped-def]
    benchmark(metering.integrate, T, P32, max_gap_s=None)


@pytest.mark.benchmark(group="integrate 1e7")
def test_numpy_trapezoid_user_split(benchmark) -> None:  # type: ignore[no-untyped-def]
    benchmark(numpy_user)


@pytest.mark.benchmark(group="integrate 1e7")
def test_numpy_copy_same_arrays(benchmark) -> None:  # type: ignore[no-untyped-def]
    benchmark(lambda: (T.copy(), P.copy()))
