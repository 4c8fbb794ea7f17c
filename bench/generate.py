"""Bulk data for benchmarks: realistic open tickets with SLA clocks, inserted in batches."""

import random
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

TITLES = (
    "Cannot submit assignment in {group}",
    "Video lesson {n} not playing for {group}",
    "Không đăng nhập được LMS ({group})",
    "Quiz page times out for {group}",
    "Bài kiểm tra không nộp được - lớp {group}",
    "Gradebook shows wrong scores for {group}",
)
GROUPS = ("WEB101-HN", "WEB102-HN", "DATA101-SG", "MOBILE201-HN", "UX110-DN", "AI301-SG")
COS_MIX = (("standard", 70), ("priority", 22), ("expedite", 3), ("fixed_date", 3),
           ("intangible", 2))


def _people() -> tuple:
    from opsdesk.accounts.models import Role, User
    from opsdesk.accounts.services import create_user

    agent = User.objects.filter(email="bench.agent@support.example.edu.vn").first() or \
        create_user(email="bench.agent@support.example.edu.vn", role=Role.AGENT, name="Bench")
    requester = User.objects.filter(email="bench.requester@campus.example.edu.vn").first() or \
        create_user(email="bench.requester@campus.example.edu.vn", role=Role.REQUESTER)
    return agent, requester


def open_tickets_with_clocks(count: int, *, seed: int = 7, batch: int = 5000) -> int:
    """Ensure `count` open benchmark tickets, each with running ack/update/resolve clocks
    due over the next day (a few in the next minute). Returns how many were created."""
    from opsdesk.sla.models import SlaClock
    from opsdesk.tickets.models import Ticket

    agent, requester = _people()
    have = Ticket.objects.filter(requester=requester).count()
    if have:
        _bring_to_now(requester)
    rng = random.Random(seed + have)
    cos_values = [c for c, w in COS_MIX for _ in range(w)]
    now = timezone.now()
    created = 0
    while have + created < count:
        size = min(batch, count - have - created)
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(
                _ticket(rng, now, requester, agent, cos_values) for _ in range(size))
            SlaClock.objects.bulk_create(
                clock for t in tickets for clock in _clocks(rng, t, now))
        created += size
    return created


def _bring_to_now(requester) -> None:
    """Shift reused data so that it looks freshly generated (its newest ticket a minute old)."""
    from django.db.models import F, Max

    from opsdesk.sla.models import SlaClock
    from opsdesk.tickets.models import Ticket

    tickets = Ticket.objects.filter(requester=requester)
    newest = tickets.aggregate(newest=Max("received_at"))["newest"]
    shift = timezone.now() - timedelta(minutes=1) - newest
    with transaction.atomic():
        tickets.update(received_at=F("received_at") + shift, created_at=F("created_at") + shift,
                       updated_at=F("updated_at") + shift)
        SlaClock.objects.filter(ticket__requester=requester).update(
            started_at=F("started_at") + shift, due_at=F("due_at") + shift,
            warn_at=F("warn_at") + shift)


def _ticket(rng: random.Random, now: datetime, requester, agent, cos_values) -> "object":
    from opsdesk.tickets.models import Ticket

    group = rng.choice(GROUPS)
    received = now - timedelta(minutes=rng.randint(1, 600))
    return Ticket(
        title=rng.choice(TITLES).format(group=group, n=rng.randint(1, 12)),
        description="Generated for benchmarks.", requester=requester, created_by=agent,
        stage=rng.choice(("new", "in_progress", "waiting")), cos=rng.choice(cos_values),
        affected_users=rng.randint(1, 60), received_at=received, created_at=received,
        updated_at=received, channel=rng.choice(("email", "portal", "api")),
        language=rng.choice(("en", "vi")),
    )


def _clocks(rng: random.Random, ticket, now: datetime) -> list:
    from opsdesk.sla.models import SlaClock

    clocks = []
    for target in ("ack", "update", "resolve"):
        # about one clock in a thousand falls due within the next minute
        due = now + timedelta(seconds=rng.randint(0, 60)) if rng.random() < 0.001 else \
            now + timedelta(minutes=rng.randint(2, 24 * 60))
        clocks.append(SlaClock(ticket=ticket, target=target, started_at=ticket.received_at,
                               due_at=due, warn_at=due - timedelta(minutes=2)))
    return clocks


STAGE_MIX = (("closed", 70), ("resolved", 8), ("new", 7), ("in_progress", 10), ("waiting", 5))


def _tag(model: Any, name: str) -> Any:
    """The tag of this name in any case (tag names are unique regardless of case)."""
    return model.objects.filter(name__iexact=name).first() or model.objects.create(name=name)


def many_tickets(count: int, *, seed: int = 11, batch: int = 10_000) -> int:
    """Ensure `count` mixed benchmark tickets (mostly closed, as a real desk's history),
    spread over agents, teams and tags; open ones carry running clocks."""
    from opsdesk.accounts.models import Role, Team, User
    from opsdesk.accounts.services import create_user
    from opsdesk.sla.models import SlaClock
    from opsdesk.tickets.models import Tag, Ticket

    _, requester = _people()
    agents = [User.objects.filter(email=f"bench.agent{i}@support.example.edu.vn").first()
              or create_user(email=f"bench.agent{i}@support.example.edu.vn", role=Role.AGENT,
                             name=f"Agent {i}") for i in range(8)]
    teams = [Team.objects.get_or_create(name=name)[0] for name in ("Support", "Dev Team", "LMS")]
    tags = [_tag(Tag, name) for name in
            ("LMS", "video", "login", "exam", "performance", "gradebook", "mobile", "report")]
    have = Ticket.objects.filter(requester=requester, created_by__email__startswith="bench.agent")
    have_count = have.count()
    rng = random.Random(seed + have_count)
    cos_values = [c for c, w in COS_MIX for _ in range(w)]
    stage_values = [s for s, w in STAGE_MIX for _ in range(w)]
    now = timezone.now()
    made = 0
    through = Ticket.tags.through
    while have_count + made < count:
        size = min(batch, count - have_count - made)
        with transaction.atomic():
            rows = []
            for _ in range(size):
                ticket = _ticket(rng, now - timedelta(days=rng.randint(0, 700)), requester,
                                 rng.choice(agents), cos_values)
                ticket.stage, ticket.assignee = rng.choice(stage_values), rng.choice(agents)
                ticket.team = rng.choice(teams)
                rows.append(ticket)
            tickets = Ticket.objects.bulk_create(rows)
            through.objects.bulk_create(through(ticket_id=t.pk, tag_id=rng.choice(tags).pk)
                                        for t in tickets)
            SlaClock.objects.bulk_create(clock for t in tickets if t.stage in
                                         ("new", "in_progress", "waiting")
                                         for clock in _clocks(rng, t, now))
        made += size
    return made


# Varied support requests in English and Vietnamese, for the duplicate check. Each pattern:
# (English title, Vietnamese title, tags); descriptions are built from DESCRIPTIONS below.
REQUESTS = (
    ("Cannot submit the {work} in {group}", "Không nộp được {work_vi} lớp {group}",
     ("LMS", "submission")),
    ("{work_cap} page times out for {group}", "Trang {work_vi} bị treo - lớp {group}",
     ("LMS", "performance")),
    ("Video lesson {n} of {course} not playing", "Video bài {n} khóa {course} không phát được",
     ("LMS", "video")),
    ("{person} cannot log in to the LMS", "{person_vi} không đăng nhập được LMS",
     ("LMS", "login")),
    ("Gradebook shows wrong scores for the {work} in {group}",
     "Bảng điểm sai điểm {work_vi} lớp {group}", ("LMS", "gradebook")),
    ("Certificate not issued after finishing {course}",
     "Chưa nhận được chứng chỉ sau khi học xong {course}", ("certificate",)),
    ("Cannot upload the {file} for the {work}", "Không tải lên được {file_vi} cho {work_vi}",
     ("LMS", "upload")),
    ("Attendance not recorded for {group} on {day}", "Không ghi nhận điểm danh lớp {group} {day}",
     ("attendance",)),
    ("{course} not visible to enrolled students", "Học viên không thấy khóa học {course}",
     ("LMS", "enrolment")),
    ("Mobile app crashes when opening the {work}", "Ứng dụng bị văng khi mở {work_vi}",
     ("mobile",)),
    ("Payment for {course} not confirmed", "Chưa xác nhận thanh toán khóa {course}",
     ("payment",)),
    ("Zoom link missing for the {course} session on {day}",
     "Thiếu link Zoom buổi học {course} {day}", ("schedule",)),
    ("Account deactivated, {person} needs access again", "Tài khoản {person_vi} bị vô hiệu hóa",
     ("LMS", "account")),
    ("Feature request: {feature}", "Đề xuất tính năng: {feature_vi}", ("feature-request",)),
)
WORKS = (("assignment", "bài tập"), ("quiz", "bài kiểm tra"), ("final exam", "bài thi cuối kỳ"),
         ("project", "dự án"), ("midterm test", "bài kiểm tra giữa kỳ"),
         ("homework", "bài tập về nhà"))
PEOPLE = (("A teacher", "Giáo viên"), ("A student", "Học viên"),
          ("The coordinator", "Điều phối viên"), ("A parent", "Phụ huynh"),
          ("A new teaching assistant", "Trợ giảng mới"))
FILES = (("PDF report", "file báo cáo PDF"), ("source code zip", "file mã nguồn zip"),
         ("video presentation", "video thuyết trình"), ("Excel sheet", "file Excel"))
COURSES = ("Python Basics", "Web Development", "Data Analysis", "UX Design", "Machine Learning",
           "Scratch for Kids", "Robotics", "Game Design", "Digital Marketing", "English for IT")
DAYS = (("Monday", "thứ Hai"), ("Tuesday", "thứ Ba"), ("Wednesday", "thứ Tư"),
        ("Thursday", "thứ Năm"), ("Friday", "thứ Sáu"), ("Saturday", "thứ Bảy"))
FEATURES = (("notify parents when a student is absent", "báo phụ huynh khi học viên vắng"),
            ("export grades to Excel", "xuất bảng điểm ra Excel"),
            ("dark mode in the mobile app", "giao diện tối trên ứng dụng"),
            ("reminders before assignment deadlines", "nhắc hạn nộp bài tập"))
ERRORS = ("System error - please contact administrator", "Error 500", "Network Error",
          "Request timed out", "Something went wrong", "Access denied")
DESCRIPTIONS = (
    "Since {time}, {count} students in {group} see \"{error}\" when they try. {extra}",
    "Hello, in {group} it does not work: \"{error}\". Tried Chrome and Firefox. {extra}",
    "Reported by {count} learners of {course}. {extra} Please check.",
)
DESCRIPTIONS_VI = (
    "Từ {time}, {count} học viên lớp {group} gặp lỗi \"{error}\". {extra}",
    "Chào anh chị, lớp {group} bị lỗi \"{error}\", đã thử Chrome và Firefox. {extra}",
    "{count} học viên khóa {course} báo lỗi này. {extra} Nhờ anh chị kiểm tra.",
)
EXTRAS = ("It worked yesterday.", "Deadline is tonight.", "Only on the mobile app.",
          "Screenshots attached.", "", "The teacher is waiting for an answer.")
EXTRAS_VI = ("Hôm qua vẫn bình thường.", "Hạn nộp là tối nay.", "Chỉ bị trên điện thoại.",
             "Em gửi kèm ảnh chụp.", "", "Giáo viên đang chờ phản hồi.")


def class_codes() -> list[str]:
    """About 180 class codes like WEB102-HN."""
    return [f"{subject}{level}{n:02d}-{campus}" for subject, level in
            (("WEB", 1), ("DATA", 1), ("MOBILE", 2), ("UX", 1), ("AI", 3), ("GAME", 2))
            for n in range(1, 11) for campus in ("HN", "SG", "DN")]


def support_request(rng: random.Random) -> dict:
    """One realistic request: title, description, language, groups and tags (a third in
    Vietnamese, a fifth of those typed without diacritics)."""
    from opsdesk.duplicates.text import fold

    title_en, title_vi, tags = rng.choice(REQUESTS)
    (work, work_vi), (person, person_vi) = rng.choice(WORKS), rng.choice(PEOPLE)
    (file, file_vi), (day, day_vi) = rng.choice(FILES), rng.choice(DAYS)
    feature, feature_vi = rng.choice(FEATURES)
    group, course = rng.choice(class_codes()), rng.choice(COURSES)
    vietnamese = rng.random() < 0.35
    values = {"work": work, "work_cap": work.capitalize(), "work_vi": work_vi, "group": group,
              "n": rng.randint(1, 12), "course": course, "person": person,
              "person_vi": person_vi, "file": file, "file_vi": file_vi, "feature": feature,
              "feature_vi": feature_vi, "day": day if not vietnamese else day_vi,
              "time": f"{rng.randint(7, 21)}:{rng.choice(('00', '15', '30', '45'))}",
              "count": rng.randint(2, 60), "error": rng.choice(ERRORS)}
    values["extra"] = rng.choice(EXTRAS_VI if vietnamese else EXTRAS)
    title = (title_vi if vietnamese else title_en).format(**values)
    description = rng.choice(DESCRIPTIONS_VI if vietnamese else DESCRIPTIONS).format(**values)
    if vietnamese and rng.random() < 0.2:
        title, description = fold(title), fold(description)
    groups = [group] if "{group}" in title_en or rng.random() < 0.3 else []
    return {"title": title, "description": description, "language": "vi" if vietnamese else "en",
            "groups": groups, "tags": list(tags)}


def open_support_requests(count: int, *, seed: int = 13, batch: int = 5000) -> int:
    """Ensure `count` open varied requests from the benchmark requester (with their groups
    and tags). Returns how many were created."""
    from opsdesk.tickets.models import ImpactGroup, Tag, Ticket

    agent, requester = _people()
    have = Ticket.objects.filter(requester=requester).count()
    rng = random.Random(seed + have)
    now = timezone.now()
    tags = {}
    through = Ticket.tags.through
    created = 0
    while have + created < count:
        size = min(batch, count - have - created)
        requests = [support_request(rng) for _ in range(size)]
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create(Ticket(
                title=r["title"], description=r["description"], language=r["language"],
                requester=requester, created_by=agent, created_at=now, received_at=now,
                updated_at=now, stage=rng.choice(("new", "in_progress", "waiting")),
            ) for r in requests)
            for r in requests:
                for name in r["tags"]:
                    tags.setdefault(name, _tag(Tag, name))
            ImpactGroup.objects.bulk_create(ImpactGroup(ticket=t, name=g, affected=rng.randint(
                1, 40)) for t, r in zip(tickets, requests, strict=True) for g in r["groups"])
            through.objects.bulk_create(through(ticket_id=t.pk, tag_id=tags[name].pk)
                                        for t, r in zip(tickets, requests, strict=True)
                                        for name in r["tags"])
        created += size
    return created
