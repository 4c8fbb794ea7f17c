"""Text matching that works for Vietnamese as well as English.

Comparisons are case-insensitive and Unicode-normalised, so "đăng nhập" finds "Đăng Nhập"
whether either was typed with composed or combining accents. Optionally they are blind to
diacritics too, so "dang nhap" (typed without them, as people often do) finds "Đăng nhập".
"""

import re
import unicodedata
from functools import lru_cache

# Đ/đ are letters of their own, not D plus a mark: NFD leaves them alone.
_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
# Regular expressions run over this much text at most (descriptions can be long pastes).
MAX_TEXT = 20_000


def normalise(text: str) -> str:
    """NFC, casefolded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def strip_accents(text: str) -> str:
    """The text without diacritics: "Đăng nhập" → "Dang nhap"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str, *, ignore_accents: bool) -> str:
    folded = normalise(text)
    return strip_accents(folded) if ignore_accents else folded


def find(needle: str, haystack: str, *, ignore_accents: bool = False) -> bool:
    """Whether `needle` occurs in `haystack`, ignoring case (and accents when asked)."""
    return fold(needle, ignore_accents=ignore_accents) in fold(
        haystack, ignore_accents=ignore_accents)


@lru_cache(maxsize=256)
def compile_pattern(pattern: str, ignore_accents: bool = False) -> re.Pattern[str]:
    """The pattern, compiled case-insensitively; raises re.error when it is not valid."""
    source = unicodedata.normalize("NFC", pattern)
    if ignore_accents:
        source = strip_accents(source)
    return re.compile(source, re.IGNORECASE)


def search(pattern: str, haystack: str, *, ignore_accents: bool = False) -> str | None:
    """The first text the pattern matches, or None."""
    text = " ".join(unicodedata.normalize("NFC", haystack[:MAX_TEXT]).split())
    if ignore_accents:
        text = strip_accents(text)
    found = compile_pattern(pattern, ignore_accents).search(text)
    return found.group(0) if found else None
