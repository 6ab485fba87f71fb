"""Importing this package registers every case of the library."""

from hilbench.cases.blocks import a_profile, a_security, a_tls, b_provisioning, e_transactions, j_meter_values, rpc_framing

__all__ = ["a_profile", "a_security", "a_tls", "b_provisioning", "e_transactions", "j_meter_values", "rpc_framing"]
