"""The text of an email: HTML to plain text, quoted history trimmed, language detected."""

import re
import unicodedata
from contextlib import suppress
from html.parser import HTMLParser

# "On Mon, 3 Jun 2024 at 10:00, Le Ngoc A <a@x> wrote:" (Gmail may wrap it on two lines),
# and Gmail in Vietnamese: "Vào Th 2, 3 thg 6, 2024 vào lúc 10:00 Le Ngoc A <…> đã viết:".
ATTRIBUTION_START = re.compile(r"^\s*(On|Vào)\s", re.IGNORECASE)
ATTRIBUTION_END = re.compile(r"(wrote|đã viết|viết)\s*:\s*$", re.IGNORECASE)
ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(Original Message|Thư gốc|Tin nhắn gốc)\s*-{2,}\s*$", re.IGNORECASE
)
# Outlook's header block of the quoted message: "From: …" then "Sent: …" (or Vietnamese).
OUTLOOK_FROM = re.compile(r"^\s*\**(From|Từ)\s*:\**\s", re.IGNORECASE)
OUTLOOK_SENT = re.compile(r"^\s*\**(Sent|Date|Đã gửi|Ngày)\s*:\**\s", re.IGNORECASE)
SEPARATOR = re.compile(r"^\s*(_{5,}|-{5,})\s*$")
FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|tr|chuyển tiếp)\s*:", re.IGNORECASE)


def trim_quoted(text: str, *, subject: str = "") -> str:
    """The new text of a reply, without the quoted history under it.

    A forwarded message keeps its quoted part: there it is the request itself.
    When everything is quoted, the whole text is kept rather than nothing.
    """
    if FORWARD_SUBJECT.match(subject):
        return text.strip()
    lines = text.splitlines()
    cut = _history_start(lines)
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or SEPARATOR.match(kept[-1])):
        kept.pop()
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def _history_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if ORIGINAL_MESSAGE.match(line):
            return i
        if ATTRIBUTION_START.match(line) and any(
            ATTRIBUTION_END.search(candidate) for candidate in lines[i:i + 3]
        ):
            return i
        if OUTLOOK_FROM.match(line) and any(OUTLOOK_SENT.match(c) for c in lines[i + 1:i + 4]):
            return i
    return len(lines)


# Letters only Vietnamese uses (ă đ ơ ư and the tone-marked vowels of Latin Extended
# Additional), and the ones it shares with French and others (â ê ô, acute, grave, tilde).
VIETNAMESE_ONLY = frozenset("ăđơưĩũ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))
SHARED = frozenset("âêôàáèéìíòóùúýãõ")


def detect_language(text: str) -> str:
    """`vi` when the text is written with Vietnamese diacritics, else `en`."""
    letters = unicodedata.normalize("NFC", text.lower())
    only = sum(1 for ch in letters if ch in VIETNAMESE_ONLY)
    shared = sum(1 for ch in letters if ch in SHARED)
    return "vi" if only >= 2 or (only == 1 and shared >= 1) else "en"


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote",
                        "table", "ul", "ol", "hr"})
    SKIPPED = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        if tag == "blockquote":
            self.quote_depth += 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self.skipping:
            self.skipping -= 1
        if tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.quote_depth:  # quoted history in HTML mail is a <blockquote>
            data = "\n".join("> " + line for line in data.splitlines() if line.strip())
        self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML email body (quoted blocks marked with '>')."""
    parser = _TextExtractor()
    with suppress(Exception):  # HTMLParser is lenient; keep whatever it read before giving up
        parser.feed(html)
        parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
