"""Every text colour on its background in the stylesheet passes WCAG AA (4.5:1)."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[1] / "static" / "web" / "opsdesk.css").read_text()
VARIABLES = {name: value if len(value) == 7 else "#" + "".join(c * 2 for c in value[1:])
             for name, value in re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})\b",
                                           CSS)}
WHITE, TOPBAR, COLUMN = "#ffffff", "#1b2733", "#eceff3"

# (text, background) pairs as the pages use them
PAIRS = [
    ("ink", "bg"), ("ink", "card"), ("muted", "card"), ("muted", "bg"), ("accent", "card"),
    (WHITE, "accent"), (WHITE, "expedite"), (WHITE, "priority"), (WHITE, "standard"),
    (WHITE, "fixed"), (WHITE, "intangible"), (WHITE, "note-line"), ("ink", "note-bg"),
    ("#6b4300", "note-bg"), ("reply-line", "card"), ("ok", "card"), ("amber", "card"),
    ("red", "card"), (WHITE, TOPBAR), ("ink", COLUMN), ("muted", COLUMN), (WHITE, "red"),
    (WHITE, "ok"),
]


def _colour(name: str) -> str:
    return name if name.startswith("#") else VARIABLES[name]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: str, bg: str) -> float:
    light, dark = sorted((_luminance(_colour(fg)), _luminance(_colour(bg))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize(("fg", "bg"), PAIRS)
def test_text_passes_wcag_aa(fg, bg):
    assert contrast(fg, bg) >= 4.5, f"{fg} on {bg}: {contrast(fg, bg):.2f}"


def test_the_checker_itself_knows_black_on_white():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
