"""The terms a ticket is compared by, in English and Vietnamese.

    terms_of(title="Không nộp được bài thi - WEB102-HN", description="…")
        → {"submit": 1.5, "exam": 1.5, "web102-hn": 1.5, …}   (term → field factor)

Text is lower-cased and folded to plain letters ("đăng nhập" → "dang nhap"), so Vietnamese
typed with or without diacritics gives the same terms. A small glossary maps the words
support tickets use in both languages onto one term ("nộp bài" and "submission" are both
`submit`), so an English and a Vietnamese report of one outage share most of their terms.
Stop-words, ticket references, numbers, emails and links are not content.
"""

import re
import unicodedata
from collections.abc import Iterable

# How much a term counts by where it was found (the larger wins when found twice).
TITLE, DESCRIPTION, GROUP, TAG = 1.5, 1.0, 2.0, 1.0
DESCRIPTION_CHARS = 600  # the first part of a description says what is wrong
MAX_TERM_LENGTH = 40
MAX_TERMS = 60

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
_NOT_CONTENT = re.compile(
    r"\S+@\S+"  # emails
    r"|https?://\S+|www\.\S+"  # links
    r"|#\d+"  # ticket references (#00042)
)
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

# Folded Vietnamese phrases (and English variants) → one term. Longest phrases first.
PHRASES: dict[tuple[str, ...], str] = {
    ("vo", "hieu", "hoa"): "deactivated",
    ("ngung", "hoat", "dong"): "deactivated",
    ("thoi", "gian", "cho"): "timeout",
    ("dang", "nhap"): "login", ("dang", "xuat"): "logout",
    ("log", "in"): "login", ("log", "on"): "login", ("sign", "in"): "login",
    ("logged", "in"): "login", ("signed", "in"): "login", ("signing", "in"): "login",
    ("mat", "khau"): "password", ("tai", "khoan"): "account",
    ("bai", "thi"): "exam", ("ky", "thi"): "exam", ("de", "thi"): "exam",
    ("kiem", "tra"): "exam", ("cuoi", "ky"): "final",
    ("bai", "tap"): "assignment", ("bai", "hoc"): "lesson", ("bai", "giang"): "lesson",
    ("khoa", "hoc"): "course", ("he", "thong"): "system", ("may", "chu"): "server",
    ("hoc", "sinh"): "student", ("hoc", "vien"): "student", ("sinh", "vien"): "student",
    ("giao", "vien"): "teacher", ("giang", "vien"): "teacher",
    ("bang", "diem"): "grade", ("so", "diem"): "grade",
    ("tai", "len"): "upload", ("tai", "xuong"): "download",
    ("truy", "cap"): "access", ("ket", "noi"): "connect", ("dat", "lai"): "reset",
    ("kich", "hoat"): "activate", ("bi", "khoa"): "locked", ("bao", "loi"): "error",
    ("chung", "chi"): "certificate", ("trang", "thai"): "status", ("tra", "loi"): "answer",
    ("cham", "diem"): "grade", ("tai", "sao"): "", ("bi", "sap"): "down",
    ("de", "xuat"): "request",
    ("han", "nop"): "deadline", ("du", "an"): "project", ("ma", "nguon"): "source",
    ("anh", "chup"): "screenshot", ("chup", "anh"): "screenshot", ("dien", "thoai"): "phone",
    ("ung", "dung"): "app", ("phan", "hoi"): "reply", ("thanh", "toan"): "payment",
    ("xac", "nhan"): "confirm", ("diem", "danh"): "attendance", ("thong", "bao"): "notification",
    ("phu", "huynh"): "parent", ("tro", "giang"): "assistant", ("tinh", "nang"): "feature",
    ("giua", "ky"): "midterm", ("ve", "nha"): "", ("binh", "thuong"): "",
    ("times", "out"): "timeout", ("timed", "out"): "timeout", ("time", "out"): "timeout",
    ("doesn", "t"): "", ("don", "t"): "", ("can", "t"): "", ("won", "t"): "",
    # Handing work in, and the ways of saying that something is broken.
    ("hand", "in"): "submit", ("hands", "in"): "submit", ("handed", "in"): "submit",
    ("handing", "in"): "submit", ("turn", "in"): "submit", ("turns", "in"): "submit",
    ("turned", "in"): "submit", ("turning", "in"): "submit", ("nhan", "nut"): "click",
    ("internal", "server", "error"): "error", ("went", "wrong"): "error",
    ("not", "working"): "broken", ("stopped", "working"): "broken",
    ("doesn", "t", "work"): "broken", ("isn", "t", "working"): "broken",
    ("khong", "hoat", "dong"): "broken", ("bi", "hong"): "broken",
}
# Single words → their term (English inflections, Vietnamese words with one clear meaning).
WORDS: dict[str, str] = {
    "submission": "submit", "submitting": "submit", "submitted": "submit", "nop": "submit",
    "login": "login", "logins": "login", "logon": "login", "signin": "login",
    "log-in": "login", "sign-in": "login",
    "exams": "exam", "examination": "exam", "test": "exam", "tests": "exam",
    "deactivate": "deactivated", "disabled": "deactivated", "inactive": "deactivated",
    "lock": "locked", "locking": "locked", "nhac": "reminder", "reminders": "reminder",
    "forget": "forgot", "forgotten": "forgot", "quen": "forgot",
    "slowly": "slow", "lag": "slow", "laggy": "slow", "cham": "slow", "lags": "slow",
    "play": "play", "playing": "play", "plays": "play", "playback": "play", "phat": "play",
    "loading": "load", "loads": "load", "buffering": "buffer", "buffers": "buffer",
    "watch": "view", "watching": "view", "xem": "view",
    "uploading": "upload", "uploaded": "upload",
    "error": "error", "errors": "error", "loi": "error",
    "outage": "down", "sap": "down", "crash": "down", "crashed": "down", "crashes": "down",
    "failing": "fail", "failed": "fail", "fails": "fail", "failure": "fail",
    "timeouts": "timeout", "score": "grade", "scores": "grade", "grades": "grade",
    "gradebook": "grade", "diem": "grade", "marks": "grade",
    "students": "student", "learners": "student", "learner": "student",
    "teachers": "teacher", "trang": "page", "pages": "page", "webpage": "page",
    "accounts": "account", "passwords": "password", "reactivate": "activate",
    "videos": "video", "clip": "video", "lessons": "lesson", "courses": "course",
    "assignments": "assignment", "homework": "assignment", "quizzes": "quiz",
    "certificates": "certificate", "screenshots": "screenshot", "mobile": "phone",
    "parents": "parent", "notifications": "notification",
    "hand-in": "submit", "handin": "submit",
    "click": "click", "clicks": "click", "clicked": "click", "clicking": "click",
    "press": "click", "pressed": "click", "presses": "click", "pressing": "click",
    "bam": "click",
}
_ENGLISH_STOP_WORDS = """
a about after again all also am an and any are as at be been before being but by can
cannot could did do does doing done for from get gets getting got had has have having he
help hello her here hi him his how i if in into is it its just me more my no not now of on
once only or other our out over please same she since so some still such than thank thanks
that the their them then there these they this those to too under until up us very was we
were what when where which while who why will with would you your yours dear regards team
class classes today yesterday morning afternoon evening urgent issue problem problems
issues anyone everyone nobody everything nothing something able unable again tried try trying
keeps keep every each many much say says said shows show showing re fw fwd write see
look need needs needed want know let pm am per take takes think than
"""
# Folded: "được", "không", "đang" … (words folding makes ambiguous are left out or in PHRASES)
_VIETNAMESE_STOP_WORDS = """
va la cua cho cac nhung mot duoc khong bi da roi em anh chi toi minh ban nho giup ho tro voi
nay do vao ve tu trong tren hay hoac lop vui long tat ca van cung rat nen khi luc sau truoc
hom sang chieu toi gio phut dang thi co the nhe a oi ah ma neu nua moi deu chua gi sao nao
ai bao nhieu lai len xuong ra di den hien ngay bai tai chung chao thu gui kem khoa
"""
STOP_WORDS = frozenset(_ENGLISH_STOP_WORDS.split() + _VIETNAMESE_STOP_WORDS.split())


def fold(text: str) -> str:
    """Lower case, without diacritics: "Không đăng nhập được" → "khong dang nhap duoc"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_STROKE).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The folded words of `text`, without emails, links, references and bare numbers."""
    words = _TOKEN.findall(_NOT_CONTENT.sub(" ", fold(text)))
    return [w for w in words if not w.isdigit()]


def _singular(word: str) -> str:
    # Vietnamese syllables never end in "s", so this only touches English plurals.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """The content terms of a text, in order, glossary applied and stop-words dropped."""
    words, out, i = tokens(text), [], 0
    while i < len(words):
        for size in (3, 2):
            phrase = tuple(words[i:i + size])
            if len(phrase) == size and phrase in PHRASES:
                out.append(PHRASES[phrase])
                i += size
                break
        else:
            word = words[i]
            i += 1
            single = _singular(word)
            if word in WORDS or single in WORDS:
                out.append(WORDS.get(word) or WORDS[single])
            elif word not in STOP_WORDS and len(word) > 1:
                out.append(single)
    return [t[:MAX_TERM_LENGTH] for t in out if t and t not in STOP_WORDS]


def _label_term(name: str) -> str:
    words = tokens(name)
    return "-".join(words)[:MAX_TERM_LENGTH]


def terms_of(
    *, title: str, description: str = "", groups: Iterable[str] = (), tags: Iterable[str] = ()
) -> dict[str, float]:
    """Each term of a ticket with its field factor (title, description, group or tag)."""
    found: dict[str, float] = {}

    def add(term: str, factor: float) -> None:
        if term and (term in found or len(found) < MAX_TERMS):
            found[term] = max(found.get(term, 0.0), factor)

    for term in content_terms(title):
        add(term, TITLE)
    for term in content_terms(description[:DESCRIPTION_CHARS]):
        add(term, DESCRIPTION)
    for name in groups:
        add(_label_term(name), GROUP)
    for name in tags:
        add(_label_term(name), TAG)
    return found
