"""Behaviours of the energy-community model (allocation, billing, EDA processes).

Empty for now: the behaviours arrive with their own issues. The construction kit names no
behaviour yet, so nothing here is loaded by the runtime.
"""
