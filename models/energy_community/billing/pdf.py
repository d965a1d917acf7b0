"""Documents as PDF (reportlab): letterhead, member and metering points, lines, totals, tax
notes, payment terms, and a bar chart of the period's energy and the community's part of it.

Texts are German, as the documents go to Austrian members. Output is byte-for-byte repeatable
(`invariant`), so a re-rendered final document can be compared with the archived file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .documents import ChartBar, Document, DocumentKind, DocumentState, LineItem, PaymentMethod
from .parties import Community
from .vat import TaxRegime

TITLES = {
    DocumentKind.INVOICE: "Rechnung",
    DocumentKind.CREDIT_NOTE: "Gutschrift",
    DocumentKind.INFORMATION: "Information zur Abrechnung",
    DocumentKind.CANCELLATION: "Storno",
}
_COMMUNITY_COLOUR = colors.HexColor("#2e7d32")
_TOTAL_COLOUR = colors.HexColor("#b0bec5")


def german(value: Decimal, places: int = 2) -> str:
    """1234.5 -> '1.234,50': German thousands and decimal separators."""
    text = f"{value:,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _quantity(value: Decimal) -> str:
    """Quantities with as many decimals as they carry (up to 6), at least none."""
    normalized = value.normalize()
    places = max(0, -int(normalized.as_tuple().exponent))
    return german(value, min(places, 6))


def _masked(iban: str | None) -> str:
    return f"{iban[:4]} **** {iban[-4:]}" if iban else "-"


def render_pdf(document: Document, community: Community, *, compress: bool = True) -> bytes:
    """The document as a PDF; `compress=False` leaves content streams readable (for tests)."""
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{TITLES[document.kind]} {document.number or ''}".strip(),
        author=community.name,
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    template.build(_story(document, community))
    return buffer.getvalue()


def _story(document: Document, community: Community) -> list[Flowable]:
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    small = ParagraphStyle("small", parent=normal, fontSize=8, leading=10)
    story: list[Flowable] = []
    letterhead = [community.name, *community.address.lines()]
    if community.vat_id:
        letterhead.append(f"UID: {community.vat_id}")
    story.append(Paragraph(f"<b>{letterhead[0]}</b>", styles["Heading2"]))
    story.append(Paragraph(" · ".join(letterhead[1:]), small))
    story.append(Spacer(1, 8 * mm))
    recipient = document.recipient
    story.append(Paragraph("<br/>".join([recipient.name, *recipient.address.lines()]), normal))
    story.append(Spacer(1, 8 * mm))
    title = f"{TITLES[document.kind]} {document.number or ''}".strip()
    if document.state is DocumentState.DRAFT:
        title += " – ENTWURF (Vorschau)"
    story.append(Paragraph(title, styles["Heading1"]))
    if document.cancels:
        story.append(Paragraph(f"Storniert Beleg {document.cancels}", normal))
    story.append(_facts(document, small))
    story.append(Spacer(1, 5 * mm))
    story.append(_lines_table(document.lines, small))
    story.append(Spacer(1, 3 * mm))
    story.append(_totals(document))
    story.append(Spacer(1, 4 * mm))
    for note in document.notes:
        story.append(Paragraph(note, small))
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(_payment_terms(document, community), normal))
    if document.chart:
        story.append(Spacer(1, 6 * mm))
        story.append(_chart(document))
    return story


def _facts(document: Document, style: ParagraphStyle) -> Table:
    rows = [
        ["Mitglied", document.recipient.participant_id],
        ["Leistungszeitraum", str(document.period)],
        ["Belegdatum", f"{document.issue_date:%d.%m.%Y}" if document.issue_date else "-"],
        ["Zählpunkte", Paragraph("<br/>".join(document.metering_points) or "-", style)],
    ]
    if document.due_date:
        rows.insert(3, ["Fällig am", f"{document.due_date:%d.%m.%Y}"])
    if document.recipient.vat_id:
        rows.append(["UID Empfänger", document.recipient.vat_id])
    table = Table(rows, colWidths=[40 * mm, 130 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle([("FONTSIZE", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return table


def _description(line: LineItem, style: ParagraphStyle) -> Paragraph:
    text = line.description
    if line.quality is not None and line.quality.total:
        l1, l2, l3 = line.quality.percent()
        text += (
            f"<br/><font size=6>Datenqualität: gemessen (L1) {german(l1, 1)} %, "
            f"Ersatzwert L2 {german(l2, 1)} %, L3 {german(l3, 1)} %</font>"
        )
    return Paragraph(text, style)


def _lines_table(lines: Sequence[LineItem], style: ParagraphStyle) -> Table:
    header: list[object] = [
        "Pos",
        "Beschreibung",
        "Menge",
        "Einheit",
        "Preis",
        "Netto",
        "USt %",
        "USt",
        "Brutto",
    ]
    rows: list[list[object]] = [header]
    for line in lines:
        rows.append(
            [
                str(line.position),
                _description(line, style),
                _quantity(line.quantity),
                line.unit,
                german(line.unit_price, 6 if line.unit_price % Decimal("0.01") else 2),
                german(line.net),
                german(line.vat_rate, 0),
                german(line.vat),
                german(line.gross),
            ]
        )
    widths = [8, 62, 18, 14, 16, 14, 10, 12, 16]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _totals(document: Document) -> Table:
    rows = [["Summe netto", f"{german(document.net)} EUR"]]
    for subtotal in document.vat_breakdown():
        label = f"USt {german(subtotal.rate, 0)} % auf {german(subtotal.net)} EUR"
        if subtotal.regime is TaxRegime.REVERSE_CHARGE:
            label = f"Reverse Charge, 0 % auf {german(subtotal.net)} EUR"
        rows.append([label, f"{german(subtotal.vat)} EUR"])
    rows.append(["Gesamtbetrag brutto", f"{german(document.gross)} EUR"])
    table = Table(rows, colWidths=[80 * mm, 35 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
            ]
        )
    )
    return table


def _payment_terms(document: Document, community: Community) -> str:
    amount = f"{german(document.payable)} EUR"
    due = f"{document.due_date:%d.%m.%Y}" if document.due_date else "dem Fälligkeitstag"
    recipient = document.recipient
    if document.kind is DocumentKind.INFORMATION or document.payment_method is PaymentMethod.NONE:
        return "Dieses Schreiben dient der Information; es ist keine Zahlung zu leisten."
    if document.gross < 0:
        return f"Den Betrag von {amount} überweisen wir auf Ihr Konto {_masked(recipient.iban)}."
    if document.payment_method is PaymentMethod.DIRECT_DEBIT and recipient.mandate is not None:
        return (
            f"Den Betrag von {amount} ziehen wir am {due} per SEPA-Lastschrift von Ihrem Konto "
            f"{_masked(recipient.iban)} ein (Mandatsreferenz {recipient.mandate.reference}, "
            f"Gläubiger-ID {community.creditor_id or '-'})."
        )
    account = community.bank_account
    iban = account.iban if account else "-"
    return (
        f"Bitte überweisen Sie {amount} bis {due} auf das Konto IBAN {iban} "
        f"unter Angabe der Belegnummer {document.number or '-'}."
    )


def _chart(document: Document) -> Flowable:
    return _BarChart(document.chart)


class _BarChart(Flowable):  # type: ignore[misc]  # reportlab is untyped
    """Bars of total and community kWh per day or month, drawn straight on the canvas.

    Ten times faster than reportlab.graphics' VerticalBarChart (a final run draws one per
    member), with the same content: title, value axis with ticks, a pair of bars and a label
    per period, legend.
    """

    WIDTH, HEIGHT = 170 * mm, 60 * mm
    LEFT, BOTTOM, PLOT_W, PLOT_H = 12 * mm, 8 * mm, 120 * mm, 42 * mm

    def __init__(self, bars: Sequence[ChartBar]) -> None:
        super().__init__()
        self.bars = tuple(bars)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.WIDTH, self.HEIGHT

    def draw(self) -> None:
        c = self.canv
        c.setFont("Helvetica", 8)
        c.setFillColor(colors.black)
        c.drawString(0, 56 * mm, "Energie im Zeitraum (kWh)")
        top = _nice_top(max((float(bar.total_kwh) for bar in self.bars), default=0.0))
        left, bottom, width, height = self.LEFT, self.BOTTOM, self.PLOT_W, self.PLOT_H
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.5)
        c.line(left, bottom, left, bottom + height)
        c.line(left, bottom, left + width, bottom)
        c.setFont("Helvetica", 6)
        for step in range(5):
            value = top * step / 4
            y = bottom + height * step / 4
            c.line(left - 1.5 * mm, y, left, y)
            c.drawRightString(left - 2 * mm, y - 2, german(Decimal(f"{value:.2f}")))
        slot = width / max(len(self.bars), 1)
        bar_width = slot * 0.4
        label_size = 5 if len(self.bars) > 12 else 7
        for index, bar in enumerate(self.bars):
            x = left + slot * index + slot * 0.1
            for offset, value, colour in (
                (0.0, float(bar.total_kwh), _TOTAL_COLOUR),  # float only for drawing
                (bar_width, float(bar.community_kwh), _COMMUNITY_COLOUR),
            ):
                if value > 0 and top > 0:
                    c.setFillColor(colour)
                    c.rect(x + offset, bottom, bar_width, height * value / top, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.setFont("Helvetica", label_size)
            c.drawCentredString(left + slot * (index + 0.5), bottom - 3 * mm, bar.label)
        c.setFont("Helvetica", 7)
        for row, (colour, text) in enumerate(
            ((_TOTAL_COLOUR, "gesamt (gemessen)"), (_COMMUNITY_COLOUR, "aus/an Gemeinschaft"))
        ):
            y = 45 * mm - row * 5 * mm
            c.setFillColor(colour)
            c.rect(135 * mm, y, 3 * mm, 3 * mm, stroke=0, fill=1)
            c.setFillColor(colors.black)
            c.drawString(140 * mm, y + 0.5 * mm, text)


def _nice_top(value: float) -> float:
    """The axis maximum: the smallest 1, 2, 2.5 or 5 × 10^n at or above `value` (1 for 0)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= value)
