"""Simulation: one plant model, and simulated instruments that are real servers on loopback
speaking each model's dialect, so that drivers run exactly as against hardware."""
