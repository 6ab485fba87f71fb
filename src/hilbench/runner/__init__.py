"""The campaign runner: selection of cases, the rig and the DUT around them, verdicts, the record."""

from hilbench.runner.campaign import Campaign
from hilbench.runner.select import select

__all__ = ["Campaign", "select"]
