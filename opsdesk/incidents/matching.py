"""Which open incidents a new ticket is a report of, scored 0 to 1 (auto-link at intake).

    match_new_tickets(created=[new], at=now) → {ticket id: [IncidentMatch(7, 0.64)]}

The incidents considered are the active ones and the resolved ones still watched
(`watch_until` not past), opened before `at`. Each has a profile:

- its words: the terms of its title, components and summary and of its first and latest
  LINKED_SAMPLE linked tickets (title, description, tags), averaged — a word every report
  uses counts fully, one a single report used counts little. Terms are duplicates/text.py's
  (EN/VI, with or without diacritics, one glossary), plus a numbered thing as one term
  ("lesson 3", "bài giảng 3" → lesson-3), "missing" for the ways a report says that
  something does not show (text.py drops "show" as a stop-word), and one term for the
  words that say something fails without saying what ("error", "fail", "broken", "stuck"):
  rare on a desk, "broken" would otherwise outweigh the exam and the submission that an
  outage's first reports share with its title;
- its classes: the course codes ("web101" of WEB101-HN-2024) of its groups and of its
  linked tickets' groups and words.

The score of a ticket against a profile is
    words × (1 + GROUP_BOOST × share of the ticket's courses the incident has seen)
          × time × (1 or NO_PROBLEM),
capped at 1. `words` is the weighted Ochiai similarity of the two term sets (as for likely
duplicates: the weight shared over the geometric mean of each side's), each term weighed by
its field (title, description, tag) and its rarity among the open tickets that are not
reports of this incident (duplicates' TermFrequency counts, less the incident's linked
tickets holding it: a burst of reports does not make the incident's own words common).
Courses are compared apart from the words: a report from a class the incident has not seen
loses nothing, one from a class it has is confirmed, but a shared class never stands for
the words (an exam outage in the classes of a video problem is not even suggested). A
ticket that says nothing is wrong (no "not", "error", "slow", "không", "lỗi"…: a question
or a request sharing the incident's words) scores NO_PROBLEM times less. `time` is 1 while
the incident is active and heard of (opened, updated, a ticket linked) in the last
QUIET_HOURS, QUIET_DECAY less a day after that (at least TIME_FLOOR); for a resolved
incident still watched it starts at WATCHED and falls to TIME_FLOOR at the end of the watch.

One read when no incident is open; five otherwise (incidents, their components, their
sampled linked tickets with groups and tags, their linked counts, term counts), whatever
the number of linked tickets. docs/incident-matching.md has the measured quality.
"""

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from opsdesk.duplicates import lookups
from opsdesk.duplicates.services import RARITY_SCALE
from opsdesk.duplicates.text import DESCRIPTION, DESCRIPTION_CHARS, TITLE, fold, terms_of
from opsdesk.tickets.models import ImpactGroup, Tag, Ticket
from opsdesk.tickets.services import NewTicket

from .models import ACTIVE_STATUSES, Incident

LINKED_SAMPLE = 10  # the first and the latest linked tickets in a profile, each
GROUP_BOOST = 0.3
QUIET_HOURS = 48.0
QUIET_DECAY = 0.04  # a day
WATCHED = 0.9
TIME_FLOOR = 0.75
_COURSE = re.compile(r"[a-z]{2,}\d{3}")  # the course of a class code: web101 in WEB101-HN
# What support reports say in many ways that text.py drops or splits (folded words).
_SYMPTOMS = {
    "missing": re.compile(r"\b(?:not (?:showing|shown|visible|displayed|appearing)|missing|"
                          r"disappeared|empty|blank|gone|khong hien(?: thi)?|trong tron|"
                          r"trong rong|bi trong|mat het|bien mat)\b"),
}
# Words that say something is wrong but not what (text.py's terms): one term, as common
# as all of them are, so that "broken" or "stuck", rare on the desk, does not outweigh the
# exam or the submission a report is about.
_FAULTS = frozenset({"error", "fail", "broken", "stuck"})
FAULT = "error"
# Words by which a ticket says something is wrong (folded): a question or a request
# sharing an incident's words ("Is the lesson 3 video required?") is not a report of it.
_PROBLEM = re.compile(
    r"\b(?:not?|cannot|can ?t|won ?t|doesn ?t|don ?t|didn ?t|isn ?t|aren ?t|unable|nobody|"
    r"fail\w*|error\w*|broken|break\w*|stuck|down|outage|slow\w*|lag\w*|crawl\w*|"
    r"time[sd]? ?out\w*|crash\w*|freez\w*|froze|hang\w*|black|blank|empty|missing|gone|"
    r"disappear\w*|buffer\w*|spin\w*|forever|wrong|invalid|locked|urgent|gap|nothing|"
    r"khong|loi|bi|cham|treo|sap|mat|trong|den|sai|khoa|hong)\b")
NO_PROBLEM = 0.7  # the score of a ticket that says nothing is wrong, times this
# A numbered thing ("lesson 3", "bài giảng 3") is one term: lesson-3. Folded words.
_NUMBERED = re.compile(
    r"\b(lesson|lecture|bai giang|bai hoc|bai tap|bai|assignment|homework|quiz|week|tuan|"
    r"unit|chapter|chuong|module|session|buoi)\s+(?:so\s+)?(\d{1,3})\b")
_NUMBERED_TERM = {"lecture": "lesson", "bai giang": "lesson", "bai hoc": "lesson",
                  "bai": "lesson", "bai tap": "assignment", "homework": "assignment",
                  "tuan": "week", "chuong": "chapter", "buoi": "session"}


@dataclass(frozen=True)
class IncidentMatch:
    incident_id: int
    score: float


@dataclass
class _Profile:
    incident_id: int
    time: float
    open_linked: int
    words: dict[str, float] = field(default_factory=dict)  # term → mean field factor
    share: dict[str, float] = field(default_factory=dict)  # term → share of linked holding it
    courses: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Text:
    words: dict[str, float]
    courses: frozenset[str]
    problem: bool = True  # it says something is wrong


def link_threshold() -> float:
    """The score from which a new ticket is linked to the incident by itself."""
    return float(getattr(settings, "OPSDESK_INCIDENT_LINK_THRESHOLD", 0.4))


def suggest_threshold() -> float:
    """The score from which an incident is shown to the agent as a candidate."""
    return float(getattr(settings, "OPSDESK_INCIDENT_SUGGEST_THRESHOLD", 0.25))


def match_new_tickets(*, created: Sequence[NewTicket],
                      at: datetime) -> dict[int, list[IncidentMatch]]:
    """For each new ticket, the open incidents it looks like (score ≥ suggest_threshold),
    best first."""
    profiles = _profiles(at=at, leave_out=[new.ticket.pk for new in created])
    texts = {new.ticket.pk: _text_of(new.ticket.title, new.ticket.description,
                                     new.groups, new.tags) for new in created}
    return _score_all(texts, profiles)


def match_ticket(*, ticket: Ticket, at: datetime) -> list[IncidentMatch]:
    """The open incidents an existing ticket looks like (itself left out of their
    profiles), best first."""
    profiles = _profiles(at=at, leave_out=[ticket.pk])
    groups = list(ImpactGroup.objects.filter(ticket_id=ticket.pk).values_list("name", flat=True))
    tags = list(ticket.tags.values_list("name", flat=True))
    texts = {ticket.pk: _text_of(ticket.title, ticket.description, groups, tags)}
    return _score_all(texts, profiles)[ticket.pk]


def _text_of(title: str, description: str, groups: Iterable[str],
             tags: Iterable[str]) -> _Text:
    """A text's words (class codes left out) and the courses it names or is from."""
    return _words_of(title, description, tuple(sorted(groups)), tuple(sorted(tags)))


@lru_cache(maxsize=4096)  # the same linked tickets are read for each new ticket
def _words_of(title: str, description: str, groups: tuple[str, ...],
              tags: tuple[str, ...]) -> _Text:
    terms = terms_of(title=title, description=description, tags=tags)
    for part, factor in ((fold(description[:DESCRIPTION_CHARS]), DESCRIPTION),
                         (fold(title), TITLE)):
        for term, pattern in _SYMPTOMS.items():
            if pattern.search(part):
                terms[term] = max(terms.get(term, 0.0), factor)
        for noun, number in _NUMBERED.findall(part):
            terms[f"{_NUMBERED_TERM.get(noun, noun)}-{number}"] = factor
    courses = {m.group() for term in terms if (m := _COURSE.match(term))}
    courses |= {m.group() for name in groups if (m := _COURSE.match(fold(name)))}
    words: dict[str, float] = {}
    for term, factor in terms.items():
        if not _COURSE.match(term):
            term = FAULT if term in _FAULTS else term
            words[term] = max(words.get(term, 0.0), factor)
    problem = bool(_PROBLEM.search(fold(f"{title} {description[:DESCRIPTION_CHARS]}")))
    return _Text(words, frozenset(courses), problem)


def _score_all(texts: dict[int, _Text],
               profiles: list[_Profile]) -> dict[int, list[IncidentMatch]]:
    found: dict[int, list[IncidentMatch]] = {ticket_id: [] for ticket_id in texts}
    if not profiles:
        return found
    every = {t for text in texts.values() for t in text.words}
    every |= {t for profile in profiles for t in profile.words}
    if FAULT in every:
        every |= _FAULTS
    counts = lookups.term_counts(sorted(every)) if every else {}
    if FAULT in counts:  # tickets holding any of them, at most
        counts[FAULT] = sum(counts.get(term, 0) for term in _FAULTS)
    least = suggest_threshold()
    for ticket_id, text in texts.items():
        scored = [IncidentMatch(p.incident_id, _score(text, p, counts)) for p in profiles]
        found[ticket_id] = sorted((m for m in scored if m.score >= least),
                                  key=lambda m: (-m.score, m.incident_id))
    return found


def _score(text: _Text, profile: _Profile, counts: dict[str, int]) -> float:
    def rarity(term: str) -> float:
        others = counts.get(term, 0) - round(profile.share.get(term, 0.0) * profile.open_linked)
        return math.log1p(RARITY_SCALE / (1 + max(0, others)))

    ours = {t: f * rarity(t) for t, f in text.words.items()}
    theirs = {t: f * rarity(t) for t, f in profile.words.items()}
    norm = math.sqrt(sum(ours.values()) * sum(theirs.values()))
    if not norm:
        return 0.0
    words = sum(min(w, theirs[t]) for t, w in ours.items() if t in theirs) / norm
    seen = len(text.courses & profile.courses) / len(text.courses) if text.courses else 0.0
    said = 1.0 if text.problem else NO_PROBLEM
    return round(min(1.0, words * (1 + GROUP_BOOST * seen) * profile.time * said), 3)


def _time_factor(incident: Incident, last_heard: datetime, at: datetime) -> float:
    """1 while active and heard of lately; lower as it goes quiet or once resolved."""
    if incident.status not in ACTIVE_STATUSES:
        resolved = incident.resolved_at or last_heard
        watch = max(1.0, (incident.watch_until - resolved).total_seconds()) \
            if incident.watch_until else 1.0
        gone = min(1.0, max(0.0, (at - resolved).total_seconds() / watch))
        return WATCHED - (WATCHED - TIME_FLOOR) * gone
    quiet_days = ((at - last_heard).total_seconds() / 3600 - QUIET_HOURS) / 24
    return max(TIME_FLOOR, 1.0 - QUIET_DECAY * max(0.0, quiet_days))


def _profiles(*, at: datetime, leave_out: Sequence[int]) -> list[_Profile]:
    """The profiles of the incidents a ticket received `at` may be a report of, without
    the tickets being matched (linked already or not)."""
    incidents = list(Incident.objects.filter(
        Q(status__in=ACTIVE_STATUSES) | Q(watch_until__gte=at), opened_at__lte=at).only(
        "title", "summary", "groups", "status", "opened_at", "updated_at", "resolved_at",
        "watch_until"))
    if not incidents:
        return []
    ids = [incident.pk for incident in incidents]
    components: dict[int, list[str]] = defaultdict(list)
    for incident_id, name in Incident.components.through.objects.filter(
            incident_id__in=ids).values_list("incident_id", "component__name"):
        components[incident_id].append(name)
    samples, counts = _linked_samples(ids, leave_out), _linked_counts(ids)
    profiles = []
    for incident in incidents:
        texts, last_linked = samples.get(incident.pk, ([], incident.opened_at))
        last = min(at, max(incident.opened_at, incident.updated_at, last_linked))
        own = _text_of(" ".join([incident.title, *components[incident.pk]]), incident.summary,
                       incident.groups, ())
        # A resolved incident's reports were resolved with it: no longer counted as open.
        reports = counts.get(incident.pk, 0) if incident.status in ACTIVE_STATUSES else 0
        profiles.append(_profile(incident.pk, own, texts, reports=reports,
                                 time=_time_factor(incident, last, at)))
    return profiles


def _profile(incident_id: int, own: _Text, linked: list[_Text], *, reports: int,
             time: float) -> _Profile:
    """An incident's averaged words and its courses, from its own text and its linked tickets'."""
    profile = _Profile(incident_id, time, reports)
    sums: dict[str, float] = defaultdict(float)
    held: dict[str, int] = defaultdict(int)
    for text in (own, *linked):
        profile.courses |= text.courses
        for term, factor in text.words.items():
            sums[term] += factor
    for text in linked:
        for term in text.words:
            held[term] += 1
    documents = 1 + len(linked)
    profile.words = {term: total / documents for term, total in sums.items()}
    profile.share = {term: n / len(linked) for term, n in held.items()}
    return profile


def _linked_samples(ids: list[int], leave_out: Sequence[int]
                    ) -> dict[int, tuple[list[_Text], datetime]]:
    """The texts of the first and latest LINKED_SAMPLE tickets of each incident, and when
    the latest was created: one read of those tickets only, whatever the number linked."""
    found: dict[int, tuple[int, str, str, datetime, set[str], set[str]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(*_samples_sql(ids, leave_out))
        for ticket_id, incident_id, title, description, created_at, group, tag in cursor:
            row = found.setdefault(ticket_id, (incident_id, title, description,
                                               _aware(created_at), set(), set()))
            row[4].update([group] if group else [])
            row[5].update([tag] if tag else [])
    samples: dict[int, tuple[list[_Text], datetime]] = {}
    for incident_id, title, description, created_at, groups, tags in found.values():
        texts, latest = samples.setdefault(incident_id, ([], created_at))
        texts.append(_text_of(title, description, groups, tags))
        samples[incident_id] = (texts, max(latest, created_at))
    return samples


def _samples_sql(ids: list[int], leave_out: Sequence[int]) -> tuple[str, list[Any]]:
    """In SQL both databases take: the ORM spent 3–7 ms composing the same read (a subquery
    per incident and end), which runs in 0.2–2 ms. Only quoted table names and placeholders
    are put into the text (hence the `noqa: S608`)."""
    tickets, groups = _table(Ticket), _table(ImpactGroup)
    ticket_tags, tags = _table(Ticket.tags.through), _table(Tag)
    skip = f" AND id NOT IN ({', '.join(['%s'] * len(leave_out))})" if leave_out else ""
    ends: list[str] = []
    params: list[Any] = []
    for incident_id in ids:
        for order in ("ASC", "DESC"):
            ends.append(f"SELECT id FROM (SELECT id FROM {tickets} WHERE incident_id = %s"  # noqa: S608
                        f"{skip} ORDER BY id {order} LIMIT %s) e{len(ends)}")
            params += [incident_id, *leave_out, LINKED_SAMPLE]
    sql = (f"SELECT t.id, t.incident_id, t.title, t.description, t.created_at, g.name, "  # noqa: S608
           f"tag.name FROM {tickets} t LEFT JOIN {groups} g ON g.ticket_id = t.id "
           f"LEFT JOIN {ticket_tags} tt ON tt.ticket_id = t.id "
           f"LEFT JOIN {tags} tag ON tag.id = tt.tag_id "
           f"WHERE t.id IN ({' UNION ALL '.join(ends)})")
    return sql, params


def _linked_counts(ids: list[int]) -> dict[int, int]:
    """How many tickets each incident has linked (its index alone is read)."""
    return dict(Ticket.objects.filter(incident_id__in=ids).values("incident_id")
                .annotate(n=Count("id")).order_by().values_list("incident_id", "n"))


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _aware(moment: datetime) -> datetime:
    """A time read in raw SQL: SQLite gives it naive, in UTC."""
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)
