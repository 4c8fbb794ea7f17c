"""Bulk data for benchmarks: realistic open tickets with SLA clocks, inserted in batches."""

import random
from datetime import datetime, timedelta

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
    tags = [Tag.objects.get_or_create(name=name)[0] for name in
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
