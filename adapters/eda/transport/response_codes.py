"""The ebUtilities response codes the community processes use (DOMAIN.md)."""

from __future__ import annotations

from enum import IntEnum


class ResponseCode(IntEnum):
    METERING_POINT_NOT_FOUND = 56  # "Zählpunkt nicht gefunden" (unknown, or not in the EC)
    WRONG_PROCESS_DATE = 82
    NO_SMART_METER = 90
    RECEIVED = 99
    CONSENT_GIVEN = 175
    COMMUNITY_UNKNOWN = 181
    OUTSIDE_COMMUNITY_AREA = 185
    FACTOR_EXCEEDS_100 = 188
    PARTICIPATION_LIMIT_EXCEEDED = 196
