"""Service characters (UNA) and the two ways to cut EDIFACT text into segments.

`iter_segments` scans exactly and knows where each segment starts; the syntax check and CONTRL
use it. `split_segments` is the bulk path: it hides released characters behind control-character
placeholders so that plain `str.split` (C speed) can cut the text, then restores them.
Both return the same `Segment` values for the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from meshkit.adapters.edifact.errors import EdifactSyntaxError, SyntaxErrorCode

#: Characters skipped between segments: line breaks after a terminator are common practice.
BETWEEN_SEGMENTS = " \r\n"

Element = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceChars:
    """The six characters a UNA announces (ISO 9735 defaults when there is no UNA)."""

    component: str = ":"
    data: str = "+"
    decimal: str = "."
    release: str = "?"
    reserved: str = " "
    terminator: str = "'"

    @property
    def una(self) -> str:
        """The service string advice that announces these characters."""
        return (
            f"UNA{self.component}{self.data}{self.decimal}"
            f"{self.release}{self.reserved}{self.terminator}"
        )


DEFAULT_SERVICE_CHARS = ServiceChars()


class Segment(NamedTuple):
    """One segment: its tag and its data elements, each a tuple of components.

    Release characters are already removed; trailing empty components and elements are
    dropped, so `A::` and `A` read the same. `number` counts from 1 (UNA not counted);
    `offset` is where the segment starts in the text, or None when it was not tracked.
    """

    tag: str
    elements: tuple[Element, ...]
    number: int
    offset: int | None = None

    def get(self, element: int, component: int = 0) -> str:
        """The component at 1-based data element `element` (the tag is 0), or "" if absent."""
        if element < 1 or element > len(self.elements):
            return ""
        parts = self.elements[element - 1]
        return parts[component] if component < len(parts) else ""


def read_service_string(text: str) -> tuple[ServiceChars, int, bool]:
    """The service characters, the offset where segments begin and whether a UNA was present."""
    if not text.startswith("UNA"):
        return DEFAULT_SERVICE_CHARS, _skip_between(text, 0), False
    if len(text) < 9:
        raise EdifactSyntaxError(
            "UNA must be exactly 9 characters (UNA and six service characters)",
            code=SyntaxErrorCode.INVALID_SERVICE_CHARACTER,
            tag="UNA",
            offset=0,
        )
    component, data, decimal, release, reserved, terminator = tuple(text[3:9])
    separators = (component, data, release, terminator)
    problem = None
    if len(set(separators)) != 4 or decimal in separators or reserved in separators:
        problem = "UNA service characters must all differ"
    elif any(c.isalnum() or c in "\r\n\t" or not c.isprintable() for c in (*separators, decimal)):
        problem = "UNA service characters must be printable and not letters or digits"
    elif " " in separators:
        problem = "UNA separators and release character must not be a space"
    elif decimal not in ".,":
        problem = f"UNA decimal mark must be '.' or ',', got {decimal!r}"
    elif reserved.isalnum() or reserved in "\r\n\t":
        problem = "UNA reserved character must not be a letter, digit or line break"
    if problem:
        raise EdifactSyntaxError(
            f"{problem}: {text[:9]!r}",
            code=SyntaxErrorCode.INVALID_SERVICE_CHARACTER,
            tag="UNA",
            offset=0,
        )
    chars = ServiceChars(component, data, decimal, release, reserved, terminator)
    return chars, _skip_between(text, 9), True


def _skip_between(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in BETWEEN_SEGMENTS:
        pos += 1
    return pos


def _unterminated(index: int, offset: int | None, tag: str) -> EdifactSyntaxError:
    return EdifactSyntaxError(
        "last segment is not terminated (text ends inside a segment)",
        code=SyntaxErrorCode.MISSING,
        segment_index=index,
        tag=tag[:3] or None,
        offset=offset,
    )


def _trim(parts: list[str]) -> Element:
    while parts and not parts[-1]:
        parts.pop()
    return tuple(parts)


def make_segment(raw_elements: list[list[str]], index: int, offset: int | None) -> Segment:
    tag_parts = raw_elements[0]
    # A tag with components ("QT:Y") is kept whole so the syntax check can reject it.
    tag = ":".join(tag_parts) if len(tag_parts) > 1 else tag_parts[0]
    elements = [_trim(parts) for parts in raw_elements[1:]]
    while elements and not elements[-1]:
        elements.pop()
    return Segment(tag, tuple(elements), index, offset)


def iter_segments(text: str) -> Iterator[Segment]:
    """Scan `text` segment by segment, with offsets; raises EdifactSyntaxError when it breaks."""
    chars, pos, _ = read_service_string(text)
    special = re.compile(
        "[" + re.escape(chars.component + chars.data + chars.release + chars.terminator) + "]"
    )
    comp, data, release = chars.component, chars.data, chars.release
    n = len(text)
    index = 0
    while pos < n:
        index += 1
        start = pos
        elements: list[list[str]] = []
        components: list[str] = []
        buf: list[str] = []
        while True:
            match = special.search(text, pos)
            if match is None:
                raise _unterminated(index, start, text[start : start + 3])
            buf.append(text[pos : match.start()])
            ch = match.group()
            pos = match.end()
            if ch == release:
                if pos >= n:
                    raise _unterminated(index, start, text[start : start + 3])
                buf.append(text[pos])
                pos += 1
                continue
            components.append("".join(buf))
            buf = []
            if ch == comp:
                continue
            elements.append(components)
            components = []
            if ch == data:
                continue
            break  # terminator
        yield make_segment(elements, index, start)
        pos = _skip_between(text, pos)


def offset_of(text: str, index: int) -> int | None:
    """Where segment `index` starts in `text` (None if the text breaks before it)."""
    try:
        for segment in iter_segments(text):
            if segment.number == index:
                return segment.offset
    except EdifactSyntaxError as error:
        return error.offset if error.segment_index == index else None
    return None


# Control characters stand in for released characters while str.split cuts the text. No
# syntax level allows them in an interchange (a text that holds one is scanned exactly), and
# unlike private-use code points they keep Latin-1 text in Python's compact one-byte form,
# which every later str operation, regex and polars conversion is faster on.
_P_RELEASE, _P_TERMINATOR, _P_DATA, _P_COMPONENT = "\x01", "\x02", "\x03", "\x04"
_PLACEHOLDERS = re.compile("[\x01-\x04]")


def hide_released(body: str, chars: ServiceChars) -> tuple[str, dict[int, str]]:
    """`body` with released characters replaced by placeholders, and the table to restore them.

    Callers must first make sure `body` holds no placeholder code point itself.
    """
    release = chars.release
    if release not in body:
        return body, {}
    comp, data, term = chars.component, chars.data, chars.terminator
    hidden = {
        release + release: _P_RELEASE,
        release + term: _P_TERMINATOR,
        release + data: _P_DATA,
        release + comp: _P_COMPONENT,
    }
    try:
        # One Aho-Corasick pass, several times faster than four str.replace on bulk text. All
        # patterns are two characters starting with the release character, so the first
        # match to end is the leftmost one and a run of releases pairs from its start, as in
        # a sequential scan: "???+" is a released "?" and a released "+".
        body = pl.Series([body]).str.replace_many(list(hidden), list(hidden.values())).item()
    except UnicodeEncodeError:  # lone surrogates: polars holds UTF-8 only
        for sequence, placeholder in hidden.items():  # "??" first, for the same pairing
            body = body.replace(sequence, placeholder)
    if release in body:
        # A release before an ordinary character just yields that character.
        body = re.sub(re.escape(release) + "(.)", r"\1", body, flags=re.DOTALL)
    restore = {ord(placeholder): sequence[1] for sequence, placeholder in hidden.items()}
    return body, restore


def has_placeholders(body: str) -> bool:
    """Whether `body` uses the code points `hide_released` relies on (then scan it exactly)."""
    # Four substring tests (memchr) are faster than one regex search.
    return any(p in body for p in (_P_RELEASE, _P_TERMINATOR, _P_DATA, _P_COMPONENT))


def piece_to_segment(
    piece: str, number: int, chars: ServiceChars, restore: dict[int, str]
) -> Segment:
    """One segment's text (terminator cut off, released characters hidden) as a Segment."""
    comp = chars.component
    raw = [
        [c.translate(restore) for c in p.split(comp)] if restore else p.split(comp)
        for p in piece.split(chars.data)
    ]
    return make_segment(raw, number, None)


def split_segments(text: str) -> tuple[ServiceChars, list[Segment]]:
    """Cut `text` into segments fast (no offsets); same segments as `iter_segments`."""
    chars, pos, _ = read_service_string(text)
    body = text[pos:]
    if _PLACEHOLDERS.search(body):
        # The text itself uses the placeholder code points: only the exact scan is safe.
        return chars, [s._replace(offset=None) for s in iter_segments(text)]
    comp, data, term = chars.component, chars.data, chars.terminator
    body, restore = hide_released(body, chars)
    escaped = bool(restore)
    pieces = body.split(term)
    last = pieces.pop()
    if last.strip(BETWEEN_SEGMENTS):
        tag = last.lstrip(BETWEEN_SEGMENTS)[:3]
        raise _unterminated(len(pieces) + 1, None, tag)
    segments: list[Segment] = []
    append = segments.append
    search = _PLACEHOLDERS.search
    for index, piece in enumerate(pieces, 1):
        if piece[:1] in BETWEEN_SEGMENTS and piece:
            piece = piece.lstrip(BETWEEN_SEGMENTS)
        parts = piece.split(data)
        if escaped and search(piece):
            raw = [[c.translate(restore) for c in p.split(comp)] for p in parts]
            append(make_segment(raw, index, None))
            continue
        tag = parts[0]
        if (
            comp in tag
            or parts[-1] == ""
            or piece.endswith(comp)
            or (comp + data) in piece
            or (data + data) in piece
        ):
            append(make_segment([p.split(comp) for p in parts], index, None))
            continue
        # Common case: no trailing empties to trim.
        append(Segment(tag, tuple([tuple(p.split(comp)) for p in parts[1:]]), index, None))
    return chars, segments


def escape(value: str, chars: ServiceChars) -> str:
    """`value` with every service character preceded by the release character."""
    release = chars.release
    out = value.replace(release, release + release)
    for ch in (chars.terminator, chars.data, chars.component):
        out = out.replace(ch, release + ch)
    return out


def write_segment(tag: str, elements: list[list[str] | str], chars: ServiceChars) -> str:
    """One segment as text, escaped, trailing empty components and elements left out."""
    rendered: list[str] = []
    for element in elements:
        parts = [element] if isinstance(element, str) else list(element)
        while parts and not parts[-1]:
            parts.pop()
        rendered.append(chars.component.join(escape(p, chars) for p in parts))
    while rendered and not rendered[-1]:
        rendered.pop()
    return chars.data.join([tag, *rendered]) + chars.terminator
