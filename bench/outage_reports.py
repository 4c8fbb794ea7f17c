"""The tickets of an outage burst: reports of one outage (exam submission failing),
paraphrased from templates in English and Vietnamese (a third of the Vietnamese typed
without diacritics) from random classes, and unrelated requests — bench/generate.py's
varied ones (not about submitting work) and questions that share the outage's words (the
exam schedule, a deadline, results) — as API payloads and as emails."""

import datetime
import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from .server import json_body

SUBJECTS = ("WEB", "DATA", "MOBILE", "UX", "AI", "GAME", "PY", "SEC")
CAMPUSES = ("HN", "SG", "DN", "HCM")
TITLES = {
    "en": ("Cannot submit the final exam in {g}", "Exam submission fails with error 500 ({g})",
           "{g}: students get an error when submitting the exam",
           "Submit button on the exam page shows 'System error'",
           "URGENT - exam won't submit for {g}", "Online exam cannot be handed in ({g})",
           "Error when submitting exam answers - class {g}",
           "Students stuck on exam submit page in {g}", "Final test: submit fails for everyone",
           "Exam submit broken?"),
    "vi": ("Không nộp được bài thi - lớp {g}", "Lỗi 500 khi nộp bài thi cuối kỳ ({g})",
           "Học viên lớp {g} bấm Nộp bài thi bị báo lỗi", "GẤP: lớp {g} không nộp được bài thi",
           "Nộp bài thi bị lỗi hệ thống ({g})", "Bài thi không nộp được, hệ thống báo lỗi 500",
           "Lớp {g} không nộp bài thi online được", "Thi cuối kỳ: bấm nộp bài bị lỗi"),
}
DESCRIPTIONS = {
    "en": ("Since {t}, {n} students of {g} press Submit on the final exam and get \"{e}\".",
           "Hello, nobody in {g} can submit the exam. The page says \"{e}\". Please help!",
           "The exam ends at {t} and {n} learners cannot hand in their answers ({e}).",
           "Submitting the online exam fails with {e}. Tried Chrome and Firefox."),
    "vi": ("Từ {t}, {n} học viên lớp {g} bấm Nộp bài thi thì báo lỗi \"{e}\".",
           "Chào anh chị, cả lớp {g} không nộp được bài thi cuối kỳ, hệ thống báo \"{e}\".",
           "Bài thi kết thúc lúc {t} mà {n} học viên chưa nộp được bài ({e}). Nhờ anh chị "
           "kiểm tra gấp.", "Nộp bài thi online bị lỗi {e}, đã thử Chrome và Firefox."),
}
ERRORS = ("Error 500", "System error - please contact administrator", "Internal Server Error",
          "Something went wrong")
NEAR = {  # unrelated, but sharing the outage's words
    "en": ("Question about the final exam schedule for {g}",
           "Please extend the exam deadline for {g}", "Exam results of {g} not published yet",
           "Can students of {g} retake the midterm quiz?"),
    "vi": ("Hỏi lịch thi cuối kỳ lớp {g}", "Xin gia hạn thời gian thi cho lớp {g}",
           "Chưa có điểm bài thi lớp {g}", "Học viên lớp {g} có được thi lại không?"),
}
NEAR_BODY = {"en": "Hello, {n} students of {g} asked us about this. Thank you.",
             "vi": "Chào anh chị, {n} học viên lớp {g} hỏi về việc này. Cảm ơn anh chị."}
def _plain(text: str) -> str:
    """Vietnamese typed without diacritics (case kept)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _class(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)}{rng.randint(100, 399)}-{rng.choice(CAMPUSES)}"


@dataclass
class Event:
    """One ticket of the burst: a report of the incident or not, by API or by email."""

    report: bool
    channel: str  # api | email
    title: str
    description: str
    language: str
    email: str
    groups: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    sent: float = 0.0  # epoch seconds, when the client sent it
    ticket_id: int | None = None
    error: str = ""

    @property
    def variant(self) -> str:
        """en, vi, or vi typed without diacritics."""
        plain = self.language == "vi" and _plain(self.title + self.description) == \
            self.title + self.description
        return "vi without diacritics" if plain else self.language


def _text(rng: random.Random, titles: Mapping[str, tuple[str, ...]],
          bodies: Mapping[str, Any]) -> tuple[str, str, str, str]:
    language = "vi" if rng.random() < 0.4 else "en"
    g = _class(rng)
    values = {"g": g, "n": rng.randint(2, 60), "e": rng.choice(ERRORS),
              "t": f"{rng.randint(7, 21)}:{rng.choice(('00', '15', '30', '45'))}"}
    body = bodies[language] if isinstance(bodies[language], str) else rng.choice(bodies[language])
    title, description = rng.choice(titles[language]).format(**values), body.format(**values)
    if language == "vi" and rng.random() < 0.35:
        title, description = _plain(title), _plain(description)
    return title, description, language, g


def make_events(rng: random.Random, *, reports: int, unrelated: int, api_share: float,
                tag: str) -> list[Event]:
    """The burst's tickets in arrival order (reports and unrelated ones shuffled)."""
    from .generate import support_request

    events = []
    for n in range(reports):
        title, description, language, g = _text(rng, TITLES, DESCRIPTIONS)
        events.append(Event(True, "api" if rng.random() < api_share else "email", title,
                            description, language, f"report{n}.{tag}@campus.example.edu.vn",
                            [g] if rng.random() < 0.6 else [],
                            ["exam"] if rng.random() < 0.3 else []))
    for n in range(unrelated):
        if rng.random() < 0.15:
            title, description, language, g = _text(rng, NEAR, NEAR_BODY)
            groups, tags = [g], ["exam"]
        else:
            request = support_request(rng)
            while {"submission", "performance"} & set(request["tags"]):
                request = support_request(rng)
            title, description, language = (request["title"], request["description"],
                                             request["language"])
            groups, tags = request["groups"], request["tags"]
        events.append(Event(False, "api" if rng.random() < api_share else "email", title,
                            description, language, f"other{n}.{tag}@campus.example.edu.vn",
                            groups, tags))
    rng.shuffle(events)
    return events


def api_body(event: Event) -> bytes:
    payload: dict[str, Any] = {
        "title": event.title, "description": event.description, "channel": "api",
        "language": event.language, "tags": event.tags,
        "requester": {"name": event.email.split("@")[0], "email": event.email,
                      "role": "teacher"}}
    if event.groups:
        affected = 10 + len(event.title) % 30
        payload["impact"] = {"affected_users": affected, "blocking": True, "scope": "group",
                             "groups": [{"name": g, "affected": affected} for g in event.groups]}
    return json_body(payload)


def raw_email(event: Event) -> bytes:
    message = EmailMessage()
    message["From"] = f"{event.email.split('@')[0]} <{event.email}>"
    message["To"] = "support@opsdesk.example.edu.vn"
    message["Message-ID"] = make_msgid(domain="campus.example.edu.vn")
    message["Date"] = format_datetime(datetime.datetime.now().astimezone())
    message["Subject"] = event.title
    message.set_content(event.description)
    return message.as_bytes()
