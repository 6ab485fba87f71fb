"""Importing this package registers every case of the library."""

from hilbench.cases.blocks import (
    a_profile, a_security, a_tls, b_provisioning, c_payment, c_plug_and_charge, e_cost_limit, e_transactions,
    i_tariff_cost, iso_secc,
    j_meter_values, k_dynamic_profile, k_smart_charging, q_bidirectional, q_v2x_authorization, r_der_control, r_der_frequency, r_der_reactive, r_der_trips,
    rpc_framing,
    s_battery_swap,
)

__all__ = ["a_profile", "a_security", "a_tls", "b_provisioning", "c_payment", "c_plug_and_charge", "e_cost_limit", "e_transactions", "i_tariff_cost",
           "iso_secc", "j_meter_values", "k_dynamic_profile", "k_smart_charging", "q_bidirectional", "q_v2x_authorization", "r_der_control", "r_der_frequency", "r_der_reactive", "r_der_trips", "rpc_framing",
           "s_battery_swap"]
