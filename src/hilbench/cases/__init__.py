"""The test-case library: one module per functional block in ``blocks/``; ``model.py`` is what a
case is. ``library()`` returns every case."""

from hilbench.cases.model import Case, CaseFailed, CaseInconclusive, CaseSkipped, Measurement, case, library

__all__ = ["Case", "CaseFailed", "CaseInconclusive", "CaseSkipped", "Measurement", "case", "library"]
