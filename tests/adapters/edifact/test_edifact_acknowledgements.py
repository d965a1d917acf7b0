"""Syntax check, CONTRL and APERAK: what is written is parsed back and its content asserted."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from meshkit.adapters.edifact import (
    ApplicationErrorCode,
    EdifactError,
    EdifactSyntaxError,
    Segment,
    SyntaxErrorCode,
    check_syntax,
    iter_segments,
    split_segments,
)
from meshkit.adapters.edifact.aperak import build_aperak, find_processing_problems
from meshkit.adapters.edifact.contrl import build_contrl

DATA = Path(__file__).parents[2] / "data" / "edifact"
NOW = datetime(2026, 3, 30, 9, 15, tzinfo=UTC)


def fixture(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def parsed(text: str) -> list[Segment]:
    segments = list(iter_segments(text))
    assert check_syntax(text).accepted, check_syntax(text).issues
    return segments


def by_tag(segments: list[Segment], tag: str) -> list[Segment]:
    return [s for s in segments if s.tag == tag]


def test_fixtures_are_syntactically_valid_and_tokenizers_agree() -> None:
    for name in ("mscons_dst_spring.edi", "mscons_dst_autumn.edi", "mscons_tricky.edi"):
        text = fixture(name)
        assert check_syntax(text).accepted
        exact = [s._replace(offset=None) for s in iter_segments(text)]
        assert split_segments(text)[1] == exact


def test_released_characters_are_read() -> None:
    ftx = by_tag(list(iter_segments(fixture("mscons_tricky.edi"))), "FTX")[0]
    assert ftx.get(4, 0) == "Ablesung: Zähler getauscht' neu + alt, Pfad C:?temp"


def test_positive_contrl_keeps_una_and_swaps_parties() -> None:
    text = fixture("mscons_dst_spring.edi")
    contrl = build_contrl(text, reference="CTRL0001", prepared=NOW)
    assert contrl is not None
    assert contrl.startswith("UNA:+,? '")  # same service characters as received
    segments = parsed(contrl)
    unb = segments[0]
    assert (unb.get(2), unb.get(3), unb.get(4), unb.get(4, 1), unb.get(5)) == (
        "9900456000004",
        "9900123000002",
        "260330",
        "0915",
        "CTRL0001",
    )
    assert segments[1].elements[1] == ("CONTRL", "D", "3", "UN", "2.0b")
    uci = by_tag(segments, "UCI")[0]
    assert uci.elements == (
        ("MK00000001",),
        ("9900123000002", "500"),
        ("9900456000004", "500"),
        ("7",),
    )
    ucm = by_tag(segments, "UCM")
    assert [(u.get(1), u.get(2), u.get(3)) for u in ucm] == [("MSG0001", "MSCONS", "7")]


def test_contrl_rejects_message_with_wrong_unt_count() -> None:
    text = fixture("mscons_dst_autumn.edi").replace("UNT+312+MSG0002", "UNT+311+MSG0002")
    report = check_syntax(text)
    assert not report.accepted
    assert [i.code for i in report.messages[1].issues] == [SyntaxErrorCode.CONTROL_COUNT_MISMATCH]
    segments = parsed(build_contrl(report, reference="C2", prepared=NOW) or "")
    assert by_tag(segments, "UCI")[0].get(4) == "7"  # interchange fine, one message rejected
    ucm = by_tag(segments, "UCM")
    assert [(u.get(1), u.get(3), u.get(4), u.get(5)) for u in ucm] == [
        ("MSG0001", "7", "", ""),
        ("MSG0002", "4", "29", "UNT"),
    ]


def test_contrl_rejects_interchange_with_wrong_unz_count_and_reference() -> None:
    text = fixture("mscons_dst_autumn.edi").replace("UNZ+2+MK00000002", "UNZ+3+MK99")
    report = check_syntax(text)
    assert [i.code for i in report.interchange_issues] == [
        SyntaxErrorCode.CONTROL_COUNT_MISMATCH,
        SyntaxErrorCode.REFERENCES_DO_NOT_MATCH,
    ]
    uci = by_tag(parsed(build_contrl(report, reference="C3", prepared=NOW) or ""), "UCI")[0]
    assert (uci.get(4), uci.get(5), uci.get(6), uci.get(7)) == ("4", "29", "UNZ", "1")


def test_contrl_reports_bad_character_at_segment_and_element() -> None:
    # UNOC is ISO 8859-1: the euro sign is not in it.
    text = fixture("mscons_dst_spring.edi").replace("NAD+DP'", "NAD+DP+x€'", 1)
    report = check_syntax(text)
    issue = report.messages[0].issues[0]
    assert (issue.code, issue.tag, issue.position_in_message, issue.element) == (
        SyntaxErrorCode.INVALID_CHARACTERS,
        "NAD",
        8,
        2,
    )
    segments = parsed(build_contrl(report, reference="C4", prepared=NOW) or "")
    assert [s.tag for s in segments[2:6]] == ["UCI", "UCM", "UCS", "UCD"]
    assert by_tag(segments, "UCS")[0].get(1) == "8"
    assert by_tag(segments, "UCD")[0].elements == (("21",), ("2", "1"))


def test_missing_unt_and_unterminated_text_are_reported() -> None:
    text = fixture("mscons_dst_spring.edi")
    report = check_syntax(text.replace("UNT+570+MSG0001'\n", ""))
    assert report.messages[0].issues[0].code == SyntaxErrorCode.MISSING
    assert report.messages[0].issues[0].tag == "UNT"
    cut = check_syntax(text[:-3])
    assert cut.interchange_issues[0].code == SyntaxErrorCode.MISSING
    contrl = build_contrl(cut, reference="C5", prepared=NOW)
    assert by_tag(parsed(contrl or ""), "UCI")[0].get(4) == "4"


def test_contrl_is_never_answered_with_contrl() -> None:
    contrl = build_contrl(fixture("mscons_tricky.edi"), reference="C6", prepared=NOW)
    assert contrl is not None
    assert build_contrl(contrl, reference="C7", prepared=NOW) is None
    with pytest.raises(EdifactError, match="never answered with an APERAK"):
        build_aperak(contrl, [], reference="A0", prepared=NOW)


@pytest.mark.parametrize(
    ("una", "reason"),
    [("UNA:+.?'", "must all differ|letters or digits"), ("UNA:+.? +", "must all differ")],
)
def test_bad_una_cannot_be_acknowledged(una: str, reason: str) -> None:
    text = fixture("mscons_tricky.edi")
    with pytest.raises(EdifactSyntaxError, match=reason) as info:
        check_syntax(una + text)
    assert info.value.code == SyntaxErrorCode.INVALID_SERVICE_CHARACTER


def test_text_without_unb_cannot_be_acknowledged() -> None:
    with pytest.raises(EdifactSyntaxError, match="no UNB"):
        check_syntax("UNH+1+MSCONS:D:04B:UN'UNT+2+1'")


def test_aperak_for_unknown_metering_point_and_acceptance() -> None:
    text = fixture("mscons_dst_autumn.edi")
    problems = find_processing_problems(text, {"AT0030000000000000000000000123456"})
    assert [(p.message_ref, p.code) for p in problems] == [
        ("MSG0002", ApplicationErrorCode.UNKNOWN_METERING_POINT)
    ]
    aperak = build_aperak(text, problems, reference="AP01", prepared=NOW)
    assert aperak is not None and aperak.startswith("UNA:+.? '")
    segments = parsed(aperak)
    assert [s.get(1) for s in by_tag(segments, "BGM")] == ["312", "313"]
    assert [s.get(1, 1) for s in by_tag(segments, "RFF") if s.get(1) == "ACE"] == [
        "MSCONS0002",
        "MSCONS0003",
    ]
    assert [s.get(1) for s in by_tag(segments, "ERC")] == ["E01"]
    ftx = by_tag(segments, "FTX")[0]
    assert "AT0030000000000000000000000654321" in ftx.get(4, 0)
    assert by_tag(segments, "DTM")[0].elements == (("137", "202603300915+00", "303"),)
    only_errors = build_aperak(text, problems, reference="AP02", include_accepted=False)
    assert only_errors is not None
    assert [s.get(1) for s in by_tag(parsed(only_errors), "BGM")] == ["313"]


def test_aperak_for_content_error_escapes_free_text_with_decimal_comma_una() -> None:
    text = fixture("mscons_dst_spring.edi").replace("QTY+220:0,050", "QTY+220:0?'5", 1)
    problems = find_processing_problems(text)
    assert [(p.code, p.segment_index) for p in problems] == [
        (ApplicationErrorCode.INVALID_QUANTITY, 13)
    ]
    aperak = build_aperak(text, problems, reference="AP03", prepared=NOW)
    assert aperak is not None and aperak.startswith("UNA:+,? '")
    assert "0?'5" in aperak  # the quote in the quoted value is released
    ftx = by_tag(parsed(aperak), "FTX")[0]
    assert ftx.get(4, 0).startswith('quantity "0\'5"') and ftx.get(4, 1) == "segment 13"


def test_syntax_errors_get_no_aperak() -> None:
    text = fixture("mscons_dst_spring.edi").replace("UNT+570+", "UNT+5+")
    with pytest.raises(EdifactSyntaxError, match="answer it with a CONTRL"):
        find_processing_problems(text)
