"""Is this ticket about one person's sign-in or account, and whose account is it?

    detect("Không đăng nhập được LMS", "…tài khoản đã bị vô hiệu hóa…")
        → Detection(login=True, matched=["đăng nhập", "tài khoản … vô hiệu hóa"], …)
    affected_person(requester_email=…, requester_role="coordinator", text=…)
        → Person(email="quang.pham@…", source="text", …)

English and Vietnamese wording. Vietnamese written with diacritics is matched with them, so
"đang nhập điểm" (entering marks) is not "đăng nhập" (sign in); text typed without any
diacritics ("khong dang nhap duoc") is matched against the phrases without them.

A ticket that speaks of many people ("students cannot log in", "cả lớp không đăng nhập
được", or an impact of more than one user) is not one account to repair: it is left to
people (an outage is not fixed by reactivating the reporter's account).
"""

import re
import unicodedata
from dataclasses import dataclass, field

from opsdesk.automation.text import strip_accents
from opsdesk.tickets.models import Ticket

# Each phrase: (label, pattern). Patterns run on NFC, casefolded text; those of VI_* are also
# run without diacritics (on text written without them). "khóa"/"khoá", "hóa"/"hoá": both
# placements of the tone mark are in use.
_KHOA = r"kh(?:óa|oá)"
_HOA = r"h(?:óa|oá)"
EN_LOGIN = (
    ("log in", r"\blog(?:ging|ged)?[ -]?(?:in|on)\b|\blogins?\b|\blogon\b"),
    ("sign in", r"\bsign(?:ing|ed)?[ -]?in\b|\bsignin\b"),
    ("password", r"\bpass[ -]?words?\b"),
    ("locked out", r"\blocked out\b"),
    ("reactivate", r"\bre-?activat(?:e|ed|ion)\b|\bunlock (?:my|the|his|her|their) account\b"),
    ("account … deactivated",
     r"\baccounts?\b.{0,40}?\b(?:de-?activated|disabled|locked|suspended|blocked|inactive"
     r"|expired)\b|\b(?:de-?activated|disabled|locked|suspended|blocked)\b.{0,20}?\baccounts?\b"),
    ("cannot access the account",
     r"\b(?:can ?not|can'?t|unable to|not able to) (?:access|open|get into) (?:my|the|his|her|"
     r"their) (?:lms )?account\b"),
)
VI_LOGIN = (
    ("đăng nhập", r"đăng nhập"),
    ("mật khẩu", r"mật khẩu"),
    ("tài khoản … vô hiệu hóa",
     rf"tài khoản.{{0,40}}?(?:bị {_KHOA}|vô hiệu(?: {_HOA})?|ngừng hoạt động|bị chặn|hết hạn)"),
    ("kích hoạt lại", r"kích hoạt lại"),
    ("mở khóa tài khoản", rf"mở {_KHOA} tài khoản"),
)
EN_MANY = (
    r"\b(?:all|many|several|multiple|the whole|every|no|most) (?:of (?:the|my) )?(?:students|"
    r"learners|users|teachers|people|class(?:es)?|accounts)\b",
    r"\b(?:everyone|everybody|nobody|no one)\b",
    r"\b(?:students|learners|teachers|users)\b.{0,30}?\b(?:can ?not|can'?t|unable|not able)\b",
)
VI_MANY = (
    r"tất cả", r"mọi người", r"cả lớp", r"toàn bộ",
    r"nhiều (?:học viên|học sinh|sinh viên|giáo viên|người|tài khoản)",
    r"(?:các|những) (?:học viên|học sinh|sinh viên|giáo viên)",
    r"(?:học viên|học sinh|sinh viên)(?: đều)? không",
)
EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}", re.IGNORECASE)

# Requesters who write for somebody else: an address in their text is the affected person's.
WRITES_FOR_OTHERS = frozenset({"coordinator", "director", "staff"})


def _compile(patterns: tuple[str, ...] | tuple[tuple[str, str], ...],
             *, plain: bool = False) -> list[tuple[str, re.Pattern[str]]]:
    compiled = []
    for item in patterns:
        label, pattern = item if isinstance(item, tuple) else (item, item)
        source = strip_accents(pattern) if plain else pattern
        compiled.append((label, re.compile(source, re.IGNORECASE | re.DOTALL)))
    return compiled


_LOGIN = _compile(EN_LOGIN) + _compile(VI_LOGIN)
_LOGIN_PLAIN = _compile(EN_LOGIN) + _compile(VI_LOGIN, plain=True)
_MANY = _compile(EN_MANY) + _compile(VI_MANY)
_MANY_PLAIN = _compile(EN_MANY) + _compile(VI_MANY, plain=True)
MAX_TEXT = 20_000


@dataclass(frozen=True)
class Detection:
    login: bool  # one person's sign-in or account problem: the playbook applies
    matched: list[str] = field(default_factory=list)  # the phrases found
    many_people: bool = False  # about several people: not one account to repair
    reason: str = ""  # why it does not apply, when it does not

    def as_dict(self) -> dict[str, object]:
        return {"login_ticket": self.login, "matched": self.matched,
                "many_people": self.many_people, **({"reason": self.reason}
                                                     if self.reason else {})}


def fold(text: str) -> str:
    """NFC, casefolded, whitespace collapsed; at most MAX_TEXT characters."""
    return " ".join(unicodedata.normalize("NFC", text[:MAX_TEXT]).casefold().split())


def has_diacritics(text: str) -> bool:
    return strip_accents(text) != text


def _found(patterns: list[tuple[str, re.Pattern[str]]], text: str) -> list[str]:
    return [label for label, pattern in patterns if pattern.search(text)]


def detect(title: str, description: str = "", *, affected_users: int = 1,
           scope: str = "") -> Detection:
    """Whether a ticket with this text (and impact) is one person's login/account problem."""
    text = fold(f"{title}\n{description}")
    plain = not has_diacritics(text)
    matched = _found(_LOGIN_PLAIN if plain else _LOGIN, text)
    if not matched:
        return Detection(False, reason="no sign-in or account wording")
    many = bool(_found(_MANY_PLAIN if plain else _MANY, text))
    if many or affected_users > 1 or scope in ("group", "system_wide"):
        return Detection(False, matched, many_people=True,
                         reason="about several people, not one account")
    return Detection(True, matched)


@dataclass(frozen=True)
class Person:
    email: str  # "" when nobody could be named
    source: str  # "requester" or "text"
    mentioned: list[str] = field(default_factory=list)  # other addresses in the text
    problem: str = ""  # why no single person could be named

    def as_dict(self) -> dict[str, object]:
        return {"email": self.email, "source": self.source, "mentioned": self.mentioned,
                **({"problem": self.problem} if self.problem else {})}


def addresses_in(text: str) -> list[str]:
    """The email addresses in the text, lower-cased, in order, each once."""
    return list(dict.fromkeys(m.group(0).lower().rstrip(".") for m in EMAIL.finditer(
        text[:MAX_TEXT])))


def affected_person(*, requester_email: str, requester_role: str, text: str) -> Person:
    """Whose account the ticket is about.

    The requester's own, unless the requester writes for others (a coordinator, director or
    staff member, or someone whose role is not known yet, e.g. first contact by email) and
    the text names exactly one other address: then that person's. Such a requester naming
    several addresses names nobody for sure.
    """
    own = requester_email.strip().lower()
    others = [a for a in addresses_in(text) if a != own]
    for_others = requester_role in WRITES_FOR_OTHERS or not requester_role
    if not for_others or not others:
        return Person(own, "requester", others)
    if len(others) == 1:
        return Person(others[0], "text", others)
    return Person("", "text", others, problem=f"the text names {len(others)} addresses "
                  "and the requester writes for others: whose account is it?")


def detect_ticket(ticket: Ticket) -> Detection:
    """`detect` on a ticket's text and reach."""
    return detect(ticket.title, ticket.description, affected_users=ticket.affected_users,
                  scope=ticket.scope)
