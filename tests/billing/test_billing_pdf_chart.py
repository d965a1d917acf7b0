"""The PDF's bar chart, drawn on the canvas: title, axis, a bar pair and a label per day."""

from __future__ import annotations

import re
from datetime import date, timedelta

from billing_examples import D, member, point
from test_billing_pdf import pdf_text

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Community,
    EnergyValue,
    Period,
    SettlementInterval,
    Tariff,
    bill,
)
from meshkit.models.energy_community.billing.pdf import _nice_top, render_pdf

MARCH = Period(SettlementInterval.MONTHLY, date(2026, 3, 1))


def test_billing_pdf_chart_has_a_bar_pair_per_day(community: Community, tariff: Tariff) -> None:
    values = []
    for offset in range(31):
        day = date(2026, 3, 1) + timedelta(days=offset)
        values.append(EnergyValue(point(1).id, MeterCode.CONSUMPTION, day, D(10)))
        values.append(EnergyValue(point(1).id, MeterCode.COVERED, day, D(offset % 4)))
    [document] = bill(community, MARCH, [member("M001", point(1))], [tariff], values).documents
    assert len(document.chart) == 31
    pdf = render_pdf(document, community, compress=False)
    text = pdf_text(pdf)
    assert "Energie im Zeitraum (kWh)" in text
    assert "gesamt (gemessen)" in text and "aus/an Gemeinschaft" in text
    assert all(f"{day:02d}." in text for day in range(1, 32))
    assert "10,00" in text  # the axis top: 10 kWh a day
    # filled rectangles: 31 totals + 23 days with community energy (offset % 4 != 0) + legend 2
    assert len(re.findall(rb" re f", pdf)) == 31 + 23 + 2


def test_billing_pdf_chart_axis_tops_are_round() -> None:
    assert [_nice_top(v) for v in (0, 0.3, 1, 1.2, 2.4, 4, 9, 12, 260)] == [
        1,
        0.5,
        1,
        2,
        2.5,
        5,
        10,
        20,
        500,
    ]
