"""The camt.053 reader: entries, batch transactions, encodings and precise refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from meshkit.models.energy_community.billing.camt import (
    StatementError,
    parse_statement,
    statement_text,
)

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def document(entries: str, *, namespace: str = NS) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{namespace}"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-04-22T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S-1</Id><Acct><Id><IBAN>AT611904300234573201</IBAN></Id></Acct>
{entries}
</Stmt></BkToCstmrStmt></Document>"""


BATCH = """<Ntry>
<Amt Ccy="EUR">30.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-04-21</Dt></BookgDt><ValDt><Dt>2026-04-22</Dt></ValDt>
<AcctSvcrRef>B-1</AcctSvcrRef>
<NtryDtls>
<TxDtls><Refs><EndToEndId>R-2026-000001</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Anna Huber</Nm></Dbtr>
<DbtrAcct><Id><IBAN>AT483200000012345864</IBAN></Id></DbtrAcct></RltdPties></TxDtls>
<TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">20.00</Amt></TxAmt></AmtDtls>
<RmtInf><Ustrd>Rechnung R-2026-000002</Ustrd><Ustrd>und Dank</Ustrd></RmtInf></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">5.25</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-04-21</Dt></BookgDt><AddtlNtryInf>Kontoführung</AddtlNtryInf></Ntry>"""


def test_camt_batch_entries_become_one_line_per_transaction() -> None:
    parsed = parse_statement(document(BATCH))
    assert parsed.account_iban == "AT611904300234573201" and parsed.identification == "S-1"
    first, second, fee = parsed.entries
    assert (first.amount, first.end_to_end_id, first.counterparty) == (
        Decimal("10.00"),
        "R-2026-000001",
        "Anna Huber",
    )
    assert first.counterparty_iban == "AT483200000012345864"
    assert first.credit and first.booked and not first.reversal
    assert (first.booking_date, first.value_date) == (date(2026, 4, 21), date(2026, 4, 22))
    assert second.end_to_end_id is None  # NOTPROVIDED
    assert second.remittance == "Rechnung R-2026-000002 und Dank"
    assert (fee.amount, fee.credit, fee.remittance) == (Decimal("5.25"), False, "Kontoführung")
    assert fee.value_date is None and first.line < second.line < fee.line


def test_camt_later_versions_and_declared_encodings_are_read() -> None:
    text = document(BATCH, namespace="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08")
    latin = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1")
    parsed = parse_statement(statement_text(latin))
    assert parsed.entries[-1].remittance == "Kontoführung"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<Document", "not well-formed XML"),
        ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>', "not a camt.053"),
        (document(""), None),
        (
            document(BATCH.replace('<Amt Ccy="EUR">5.25</Amt>', '<Amt Ccy="EUR">5,25</Amt>')),
            r"line 18: amount '5,25' is not a number",
        ),
        (
            document(BATCH.replace('<Amt Ccy="EUR">5.25</Amt>', '<Amt Ccy="EUR">5.255</Amt>')),
            "not a positive amount in cents",
        ),
        (
            document(BATCH.replace("<Dt>2026-04-22</Dt>", "<Dt>22.04.2026</Dt>")),
            r"line 7: ValDt '22.04.2026' is not a date",
        ),
        (
            document(
                BATCH.replace('<AmtDtls><TxAmt><Amt Ccy="EUR">20.00</Amt></TxAmt></AmtDtls>', "")
            ),
            "a transaction of a batch entry has no amount",
        ),
    ],
)
def test_camt_refusals_name_what_and_where(text: str, message: str | None) -> None:
    if message is None:  # a statement without entries is fine
        assert parse_statement(text).entries == ()
        return
    with pytest.raises(StatementError, match=message):
        parse_statement(text)


def test_camt_entities_are_not_expanded() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + document(
        BATCH
    ).split("?>", 1)[1].replace("Kontoführung", "&x;")
    parsed = parse_statement(evil)
    assert "root:" not in parsed.entries[-1].remittance
