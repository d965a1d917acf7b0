"""Behaviours of the energy-community model.

The construction kit binds them to EnergyCommunity by dotted path:

- `allocation:CommunityAllocation` — `allocate(period)`: the community's own allocation of a
  period, stored in the series `MeteringPoint.calculated` beside the grid operator's values;
- `reconciliation:CommunityReconciliation` — `reconcile(period, tolerance)`: the own
  allocation compared with the grid operator's, differences as `ReconciliationFinding`s;
- `kpis:CommunityKpis` — `kpis(period)`: self-consumption, self-sufficiency, shares.

See docs/allocation.md.
"""
