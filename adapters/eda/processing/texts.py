"""EDA response codes as readable text, German and English.

The codes the transports know come from `ResponseCode` (adapters/eda/transport/response_codes.py)
and are not repeated here as numbers; a few more that appear in real messages are added.
"""

from __future__ import annotations

from meshkit.adapters.eda.transport import ResponseCode

#: Codes seen in real messages but not (yet) in `ResponseCode`.
ACCEPTED = 70  # seen on ANTWORT_PT in the official samples
INVALID_DATA = 76  # meshkit's rejection of a document it cannot process (configurable)
CONSENT_EXISTS = 178

_TEXTS: dict[int, tuple[str, str]] = {
    ResponseCode.METERING_POINT_NOT_FOUND: ("Zählpunkt nicht gefunden", "metering point not found"),
    ResponseCode.WRONG_PROCESS_DATE: ("Prozessdatum falsch", "wrong process date"),
    ResponseCode.NO_SMART_METER: ("Kein Smart Meter", "no smart meter"),
    ResponseCode.RECEIVED: ("Meldung erhalten", "message received"),
    ResponseCode.CONSENT_GIVEN: ("Zustimmung erteilt", "consent given"),
    ResponseCode.COMMUNITY_UNKNOWN: (
        "Gemeinschafts-ID nicht vorhanden",
        "community id unknown",
    ),
    ResponseCode.OUTSIDE_COMMUNITY_AREA: (
        "Zählpunkt liegt nicht im Bereich der Gemeinschaft",
        "metering point outside the community's area",
    ),
    ResponseCode.FACTOR_EXCEEDS_100: (
        "Teilnahmefaktor würde 100 % überschreiten",
        "participation factor would exceed 100 %",
    ),
    ResponseCode.PARTICIPATION_LIMIT_EXCEEDED: (
        "Anzahl der Teilnahmen überschritten",
        "participation limit exceeded",
    ),
    ACCEPTED: ("Anforderung akzeptiert", "request accepted"),
    INVALID_DATA: ("Ungültige Daten", "invalid data"),
    CONSENT_EXISTS: ("Zustimmung besteht bereits", "consent already exists"),
}


def response_text(code: int, language: str = "en") -> str:
    """`175` -> "consent given" (language "en") or "Zustimmung erteilt" ("de")."""
    texts = _TEXTS.get(code)
    if texts is None:
        return f"Antwortcode {code}" if language == "de" else f"response code {code}"
    return texts[0] if language == "de" else texts[1]


def describe_codes(codes: list[int] | tuple[int, ...], language: str = "en") -> str:
    """`[99, 175]` -> "99 message received, 175 consent given"."""
    return ", ".join(f"{c} {response_text(c, language)}" for c in codes)
