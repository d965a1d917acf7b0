"""camt.053.001.02 bank statements for the payment tests, written like a bank exports them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


@dataclass(frozen=True)
class Tx:
    amount: Decimal
    end_to_end_id: str = "NOTPROVIDED"
    remittance: str = ""
    name: str = "Anna Huber"
    iban: str = "AT483200000012345864"


@dataclass(frozen=True)
class Entry:
    amount: Decimal
    credit: bool
    transactions: tuple[Tx, ...]
    status: str = "BOOK"
    reversal: bool = False


def statement(*entries: Entry, encoding: str = "UTF-8") -> str:
    body = "".join(_entry(e) for e in entries)
    return f"""<?xml version="1.0" encoding="{encoding}"?>
<Document xmlns="{NS}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-1</MsgId><CreDtTm>2026-04-22T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2026-04-22</Id>
      <CreDtTm>2026-04-22T06:00:00</CreDtTm>
      <Acct><Id><IBAN>AT611904300234573201</IBAN></Id></Acct>{body}
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def _entry(entry: Entry) -> str:
    party = "Dbtr" if entry.credit else "Cdtr"
    details = "".join(
        f"""
          <TxDtls>
            <Refs><EndToEndId>{tx.end_to_end_id}</EndToEndId></Refs>
            <AmtDtls><TxAmt><Amt Ccy="EUR">{tx.amount}</Amt></TxAmt></AmtDtls>
            <RltdPties>
              <{party}><Nm>{tx.name}</Nm></{party}>
              <{party}Acct><Id><IBAN>{tx.iban}</IBAN></Id></{party}Acct>
            </RltdPties>
            <RmtInf><Ustrd>{tx.remittance}</Ustrd></RmtInf>
          </TxDtls>"""
        for tx in entry.transactions
    )
    reversal = "<RvslInd>true</RvslInd>" if entry.reversal else ""
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{entry.amount}</Amt>
        <CdtDbtInd>{"CRDT" if entry.credit else "DBIT"}</CdtDbtInd>{reversal}
        <Sts>{entry.status}</Sts>
        <BookgDt><Dt>2026-04-21</Dt></BookgDt>
        <ValDt><Dt>2026-04-21</Dt></ValDt>
        <AcctSvcrRef>REF-{entry.amount}</AcctSvcrRef>
        <BkTxCd/>
        <NtryDtls>{details}
        </NtryDtls>
      </Ntry>"""
