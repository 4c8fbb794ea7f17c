"""Likely duplicates among open tickets: the same outage reported three ways finds itself."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opsdesk.duplicates.models import DuplicateCandidate, IndexedTerm
from opsdesk.duplicates.services import find_duplicates, reindex
from opsdesk.tickets import stages
from opsdesk.tickets.services import Impact
from opsdesk.workflows import tickets as ticket_workflow

pytestmark = pytest.mark.django_db

GROUPS = [("WEB102-HN", 20), ("DATA101-SG", 18), ("MOBILE201-HN", 15)]
OUTAGE_EN = {
    "title": "Exam submission fails for WEB102-HN and DATA101-SG",
    "description": "Students cannot submit their final exams: every submission fails with "
                   "'System error - please contact administrator'.",
    "tags": ["LMS", "exam"],
}
OUTAGE_VI = {
    "title": "Không nộp được bài thi cuối kỳ - lớp WEB102-HN",
    "description": "Học sinh lớp WEB102-HN và DATA101-SG không nộp được bài thi, "
                   "hệ thống báo lỗi 'System error'.",
    "tags": ["LMS", "exam"],
}
OUTAGE_VI_PLAIN = {
    "title": "Khong nop duoc bai thi cuoi ky - lop WEB102-HN",
    "description": "Hoc sinh lop WEB102-HN va DATA101-SG khong nop duoc bai thi, "
                   "he thong bao loi System error.",
}
UNRELATED = (
    {"title": "Video lesson 3 not playing for MOBILE201", "description": "Buffers forever.",
     "tags": ["video"]},
    {"title": "Quên mật khẩu", "description": "Em quên mật khẩu tài khoản LMS."},
    {"title": "Enrolment report needed for the Director by 5 PM",
     "description": "Numbers per campus for a meeting today.", "tags": ["reporting"]},
)


@pytest.fixture
def outage(make_ticket):
    """The exam outage reported in English, Vietnamese, and Vietnamese without diacritics."""
    english = make_ticket(**OUTAGE_EN, impact=Impact(groups=GROUPS))
    vietnamese = make_ticket(**OUTAGE_VI, language="vi")
    plain = make_ticket(**OUTAGE_VI_PLAIN, language="vi")
    return english, vietnamese, plain


def candidates_of(ticket):
    return {c.candidate_id: c.score for c in DuplicateCandidate.objects.filter(ticket=ticket)}


def test_the_same_outage_reported_three_ways_finds_each_other(outage):
    english, vietnamese, plain = outage
    assert set(candidates_of(plain)) == {english.pk, vietnamese.pk}
    assert set(candidates_of(vietnamese)) == {english.pk, plain.pk}
    assert set(candidates_of(english)) == {vietnamese.pk, plain.pk}  # the later reports too
    assert candidates_of(plain)[vietnamese.pk] > 0.8  # the same words, diacritics or not
    assert all(0.5 <= score <= 1 for score in candidates_of(english).values())


def test_unrelated_tickets_are_not_candidates(make_ticket, outage):
    others = [make_ticket(**fields) for fields in UNRELATED]
    pairs = DuplicateCandidate.objects.filter(ticket__in=others)
    assert not pairs.exists()
    again = find_duplicates(title="Lesson video won't play", description="It buffers.")
    assert [c.ticket_id for c in again] == [others[0].pk]


def test_a_text_is_checked_before_its_ticket_exists(outage):
    english, vietnamese, plain = outage
    found = find_duplicates(title="khong nop duoc bai thi cuoi ky",
                            description="hoc sinh lop WEB102-HN bao loi System error")
    assert [c.ticket_id for c in found] == [plain.pk, vietnamese.pk, english.pk]
    assert found == sorted(found, key=lambda c: -c.score)


@pytest.mark.parametrize("to", ["resolved", "closed", "cancelled"])
def test_a_ticket_no_longer_open_is_not_a_candidate(agent, make_ticket, to):
    earlier = make_ticket(**OUTAGE_EN)
    summary = stages.CloseSummary(root_cause="pool", resolution="rolled back")
    for stage in ("resolved", "closed") if to == "closed" else (to,):
        ticket_workflow.change_stage(ticket=earlier, actor=agent, to=stage, summary=summary,
                            waive_verification="checked by phone")
    assert not IndexedTerm.objects.filter(ticket=earlier).exists()
    later = make_ticket(**OUTAGE_VI)
    assert candidates_of(later) == {}
    assert earlier.pk not in {c.ticket_id for c in find_duplicates(**OUTAGE_EN)}


def test_a_reopened_ticket_is_a_candidate_again(agent, make_ticket):
    earlier = make_ticket(**OUTAGE_EN)
    ticket_workflow.change_stage(
        ticket=earlier, actor=agent, to="resolved", waive_verification="ok")
    ticket_workflow.change_stage(ticket=earlier, actor=agent, to="in_progress")
    assert [c.ticket_id for c in find_duplicates(**OUTAGE_VI)] == [earlier.pk]


def test_a_new_title_is_indexed(agent, make_ticket, outage):
    english = outage[0]
    ticket_workflow.update_ticket(ticket=english, actor=agent,
                                  title="Enrolment report for the Director")
    terms = set(IndexedTerm.objects.filter(ticket=english).values_list("term", flat=True))
    assert {"enrolment", "director"} <= terms
    assert IndexedTerm.objects.filter(ticket=english, term="report").count() == 1  # no copies
    found = find_duplicates(title="Enrolment report for the Director",
                            description=OUTAGE_EN["description"], groups=["WEB102-HN"])
    assert [c.ticket_id for c in found][:1] == [english.pk]


def test_reindex_finds_the_same_duplicates_again(outage):
    before = set(DuplicateCandidate.objects.values_list("ticket_id", "candidate_id"))
    DuplicateCandidate.objects.all().delete()
    IndexedTerm.objects.all().delete()
    assert reindex() == (3, 3)
    assert set(DuplicateCandidate.objects.values_list("ticket_id", "candidate_id")) == before


def test_reindex_in_bulk_weighs_terms_as_one_by_one_does(outage):
    one_by_one = dict(IndexedTerm.objects.values_list("ticket_id", "doc_weight"))
    assert reindex(candidates=False) == (3, 0)
    in_bulk = dict(IndexedTerm.objects.values_list("ticket_id", "doc_weight"))
    assert set(in_bulk) == set(one_by_one)
    assert len(DuplicateCandidate.objects.all()) == 6  # kept


def test_checking_a_new_ticket_costs_a_few_queries_whatever_the_number_of_tickets(make_ticket):
    from opsdesk.duplicates.services import index_ticket

    for i in range(20):
        make_ticket(title=f"Gradebook shows wrong scores for class {i}", tags=["gradebook"])
    ticket = make_ticket(**OUTAGE_EN)
    IndexedTerm.objects.filter(ticket=ticket).delete()
    with CaptureQueriesContext(connection) as queries:
        found = index_ticket(ticket=ticket, tags=["LMS", "exam"])
    # document frequencies, pool, scoring, groups read, terms inserted (no duplicates found)
    assert len(queries) <= 5 and found == []


def test_a_word_most_open_tickets_share_weighs_little_once_counted(make_ticket):
    from opsdesk.duplicates.services import refresh_frequencies

    for course in ("Python", "Robotics", "Scratch", "Excel", "Unity", "Figma"):
        make_ticket(title=f"LMS slow: {course} lessons", description="The LMS is slow.")
    mine = {"title": "LMS slow for the gradebook", "description": "Gradebook export."}
    assert find_duplicates(**mine)  # every term weighs the same before they are counted
    assert refresh_frequencies() > 0
    assert find_duplicates(**mine) == []  # "lms" and "slow" are in every open ticket


def test_a_short_report_finds_the_long_original(make_ticket):
    original = make_ticket(
        title="LMS Critical Bug - Exam Submission System Down (50+ users affected)",
        description="Students cannot submit their final exams. Every submission fails with "
                    "\"System error – please contact administrator\". Classes affected: "
                    "WEB102-HN (20 students), DATA101-SG (18 students), MOBILE201-HN (15).",
        tags=["LMS", "critical-bug", "exam"], impact=Impact(groups=GROUPS))
    make_ticket(title="Gradebook shows wrong scores for DATA101-SG", tags=["gradebook"])
    short = make_ticket(title="Không nộp được bài thi cuối kỳ", language="vi",
                        description="Học sinh lớp WEB102-HN không nộp được bài thi, "
                                    "hệ thống báo lỗi System error.")
    assert list(candidates_of(short)) == [original.pk]


def test_the_pool_is_looked_for_among_the_latest_tickets_when_terms_are_not_counted(
        make_ticket, monkeypatch):
    """On a new desk or in a burst the counts are stale and every word passes for rare: the
    pool is still looked for in a bounded number of index rows, the latest of each term."""
    from opsdesk.duplicates import lookups
    from opsdesk.duplicates import services as duplicate_services

    older = [make_ticket(title=f"Exam submission fails for class {i}",
                         description="Students cannot submit their exam.") for i in range(12)]
    latest = make_ticket(**OUTAGE_EN)
    rows = lookups.pool_terms([("exam", 4), ("submission", 4)],
                              ["exam", "submission", "students"], exclude=None, pool=80)
    pooled = {ticket_id for ticket_id, *_ in rows}
    assert pooled == {latest.pk, *(t.pk for t in older[-3:])}  # 13 tickets hold both words
    monkeypatch.setattr(duplicate_services, "STALE_SHARE", 8)
    assert duplicate_services._row_limits(["exam", "submission"], {"exam": 0, "submission": 0}) \
        == [("exam", 4), ("submission", 4)]  # never counted: an even share of STALE_SHARE
    assert duplicate_services._row_limits(["exam"], {"exam": 13}) == [("exam", 26)]  # counted
    monkeypatch.setattr(duplicate_services, "ROW_BUDGET", 20)
    assert duplicate_services._row_limits(["exam"], {"exam": 13}) == [("exam", 20)]  # common
    found = find_duplicates(title=OUTAGE_EN["title"], description=OUTAGE_EN["description"],
                            tags=OUTAGE_EN["tags"])
    assert found and found[0].ticket_id == latest.pk  # the same report, found within the bound


@pytest.mark.postgres
def test_postgresqls_own_pool_read_returns_the_rows_of_the_shared_one(make_ticket, outage):
    from opsdesk.duplicates import lookups

    for i in range(6):
        make_ticket(title=f"Exam submission fails for class {i}",
                    description="Students cannot submit their exam.")
    rare = [("exam", 4), ("submission", 3), ("web102-hn", 10)]
    terms = ["exam", "submission", "web102-hn", "students", "system", "error"]
    for exclude in (None, outage[0].pk):
        shared = lookups._pool_sql(rare, terms, exclude=exclude, pool=5)
        own = lookups._pool_sql_postgresql(rare, terms, exclude=exclude, pool=5)
        with connection.cursor() as cursor:
            cursor.execute(*shared)
            expected = sorted(cursor.fetchall())
            cursor.execute(*own)
            assert sorted(cursor.fetchall()) == expected and expected


@pytest.mark.postgres
def test_postgresqls_pool_read_reads_only_the_pools_rows_when_statistics_are_stale(
        make_ticket, agent, requester):
    """In an outage burst thousands of open tickets share the text's common words while
    the statistics still describe a small table: the rows of the text's terms are read for
    the pool's tickets only, not for every ticket holding them (that plan took 160 ms)."""
    import json

    from django.utils import timezone

    from opsdesk.duplicates import lookups
    from opsdesk.tickets.models import Ticket

    def open_tickets(terms_of_each):
        now = timezone.now()
        tickets = Ticket.objects.bulk_create(
            Ticket(title="Report", requester=requester, created_by=agent, received_at=now,
                   created_at=now, updated_at=now) for _ in terms_of_each)
        IndexedTerm.objects.bulk_create(
            IndexedTerm(ticket=ticket, term=term, weight=1.0, doc_weight=2.0)
            for ticket, terms in zip(tickets, terms_of_each, strict=True) for term in terms)

    make_ticket(**OUTAGE_EN)
    open_tickets([["video", "lesson"]] * 3000)  # the desk as last counted: another outage
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE duplicates_indexedterm")
        cursor.execute("ANALYZE tickets_ticket")
    open_tickets([["exam", "submission"]] * 3000)  # the burst, not counted yet

    sql, params = lookups._pool_sql_postgresql(
        [("web102-hn", 10)], ["exam", "submission", "web102-hn"], exclude=None, pool=80)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan

    def rows_read(node):
        own = node["Actual Rows"] * node["Actual Loops"] \
            if node.get("Relation Name") == "duplicates_indexedterm" else 0
        return own + sum(rows_read(child) for child in node.get("Plans", []))

    assert rows_read(plan[0]["Plan"]) < 50
