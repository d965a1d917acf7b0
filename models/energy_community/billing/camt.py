"""Bank statements: the entries of an ISO 20022 camt.053 (Bank-to-Customer Statement) file.

Read with lxml along the camt.053.001.02 structure (the version Austrian and German banks
deliver; later versions 001.04–001.08 keep these elements, so any `camt.053.001.NN` namespace is
accepted): `BkToCstmrStmt/Stmt/Ntry`, per entry the amount, `CdtDbtInd`, booking and value
date, and per transaction (`NtryDtls/TxDtls`, several for a batch booking such as a collected
direct-debit file) the end-to-end id, the remittance information (`RmtInf/Ustrd`, the creditor
reference `RmtInf/Strd/CdtrRefInf/Ref`) and the counterparty's name and IBAN.

No package on PyPI was fit to take on: the two camt.053 readers there are 0.0.x releases of one
author with pinned, heavy dependencies. The parser refuses DTDs, entities and network access.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from .errors import BillingError

_NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.\d\d$")
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")


class StatementError(BillingError):
    """A bank statement that cannot be read (not camt.053, a missing or malformed element)."""


@dataclass(frozen=True)
class StatementEntry:
    """One transaction of a statement: a whole entry, or one transaction of a batch entry.

    `credit` is True for money the account received (a member paid, a direct debit was
    collected) and False for money that left it (a credit note paid out, a returned debit).
    `line` is the line of the entry in the file, for messages.
    """

    line: int
    amount: Decimal
    currency: str
    credit: bool
    booked: bool
    reversal: bool
    booking_date: date | None
    value_date: date | None
    end_to_end_id: str | None
    remittance: str
    reference: str | None
    counterparty: str | None
    counterparty_iban: str | None
    bank_reference: str | None


@dataclass(frozen=True)
class Statement:
    """A statement's account and its entries in file order."""

    account_iban: str | None
    identification: str | None
    entries: tuple[StatementEntry, ...]


def statement_text(data: bytes) -> str:
    """The file's text, decoded by its XML declaration (UTF-8 without one)."""
    declared = _DECLARATION.match(data)
    encoding = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise StatementError(f"cannot decode the statement as {encoding}: {exc}") from exc


def parse_statement(text: str) -> Statement:
    """The entries of every `Stmt` of a camt.053 document; StatementError names what is wrong
    and where (line numbers of the file)."""
    body = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"not well-formed XML: {exc}") from exc
    namespace = etree.QName(root).namespace or ""
    if etree.QName(root).localname != "Document" or not _NAMESPACE.match(namespace):
        raise StatementError(
            f"not a camt.053 statement (root {root.tag})",
            hint="export the account statement as camt.053 (ISO 20022) from the online bank",
        )
    ns = {"c": namespace}
    statements = root.findall("c:BkToCstmrStmt/c:Stmt", ns)
    if not statements:
        raise StatementError("the file holds no statement (BkToCstmrStmt/Stmt)")
    entries: list[StatementEntry] = []
    iban = identification = None
    for stmt in statements:
        iban = iban or _text(stmt, "c:Acct/c:Id/c:IBAN", ns)
        identification = identification or _text(stmt, "c:Id", ns)
        for entry in stmt.findall("c:Ntry", ns):
            entries.extend(_entries(entry, ns))
    return Statement(iban, identification, tuple(entries))


def _entries(entry: etree._Element, ns: dict[str, str]) -> list[StatementEntry]:
    line = _line(entry)
    amount, currency = _amount(entry, "c:Amt", ns, line)
    indicator = _text(entry, "c:CdtDbtInd", ns)
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(
            f"CdtDbtInd is {indicator!r}, expected CRDT or DBIT", where=f"entry at line {line}"
        )
    status = _text(entry, "c:Sts", ns) or _text(entry, "c:Sts/c:Cd", ns) or "BOOK"
    common = {
        "currency": currency,
        "credit": indicator == "CRDT",
        "booked": status == "BOOK",
        "reversal": (_text(entry, "c:RvslInd", ns) or "").lower() == "true",
        "booking_date": _date(entry, "c:BookgDt", ns, line),
        "value_date": _date(entry, "c:ValDt", ns, line),
        "bank_reference": _text(entry, "c:AcctSvcrRef", ns),
    }
    details = entry.findall("c:NtryDtls/c:TxDtls", ns)
    if not details:
        return [
            StatementEntry(
                line=line,
                amount=amount,
                end_to_end_id=None,
                remittance=_text(entry, "c:AddtlNtryInf", ns) or "",
                reference=None,
                counterparty=None,
                counterparty_iban=None,
                **common,  # type: ignore[arg-type]
            )
        ]
    found = []
    for tx in details:
        tx_line = _line(tx) or line
        tx_amount = None
        for path in ("c:AmtDtls/c:TxAmt/c:Amt", "c:Amt"):
            if tx.find(path, ns) is not None:
                tx_amount, _ = _amount(tx, path, ns, tx_line)
                break
        if tx_amount is None:
            if len(details) > 1:
                raise StatementError(
                    "a transaction of a batch entry has no amount (AmtDtls/TxAmt/Amt)",
                    where=f"transaction at line {tx_line}",
                )
            tx_amount = amount
        # The other party: the debtor of money received, the creditor of money paid out.
        party = "Dbtr" if common["credit"] else "Cdtr"
        end_to_end = _text(tx, "c:Refs/c:EndToEndId", ns)
        found.append(
            StatementEntry(
                line=tx_line,
                amount=tx_amount,
                end_to_end_id=None if end_to_end in (None, "NOTPROVIDED") else end_to_end,
                remittance=" ".join(
                    (u.text or "").strip() for u in tx.findall("c:RmtInf/c:Ustrd", ns)
                ).strip(),
                reference=_text(tx, "c:RmtInf/c:Strd/c:CdtrRefInf/c:Ref", ns),
                counterparty=_text(tx, f"c:RltdPties/c:{party}/c:Nm", ns),
                counterparty_iban=_text(tx, f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN", ns),
                **common,  # type: ignore[arg-type]
            )
        )
    return found


def _line(element: etree._Element) -> int:
    """The element's line in the file (0 when unknown)."""
    return int(getattr(element, "sourceline", None) or 0)


def _text(element: etree._Element, path: str, ns: dict[str, str]) -> str | None:
    found = element.find(path, ns)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _amount(
    element: etree._Element, path: str, ns: dict[str, str], line: int
) -> tuple[Decimal, str]:
    found = element.find(path, ns)
    if found is None or not (found.text or "").strip():
        raise StatementError(f"no amount ({path.replace('c:', '')})", where=f"line {line}")
    try:
        value = Decimal((found.text or "").strip())
    except InvalidOperation:
        raise StatementError(
            f"amount {found.text!r} is not a number", where=f"line {_line(found) or line}"
        ) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise StatementError(
            f"amount {value} is not a positive amount in cents",
            where=f"line {_line(found) or line}",
        )
    return value, str(found.get("Ccy") or "EUR")


def _date(element: etree._Element, path: str, ns: dict[str, str], line: int) -> date | None:
    for child in ("c:Dt", "c:DtTm"):
        found = element.find(f"{path}/{child}", ns)
        if found is None or not (found.text or "").strip():
            continue
        text = (found.text or "").strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise StatementError(
                f"{path.replace('c:', '')} {text!r} is not a date",
                where=f"line {_line(found) or line}",
            ) from None
    return None


__all__ = ["Statement", "StatementEntry", "StatementError", "parse_statement", "statement_text"]
