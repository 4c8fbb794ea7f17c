"""The API: likely duplicates on the ticket representation, and the duplicate check."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opsdesk.tickets.tests.refusals import assert_error

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/tickets/duplicate-check"


def create(client, title, description, **extra):
    body = {"title": title, "description": description,
            "requester": {"name": "Le Ngoc A", "email": "ngoc.a.le@campus.example.edu.vn"},
            **extra}
    response = client.post("/api/v1/tickets", body)
    assert response.status_code == 201, response.content
    return response.json()


def test_a_created_ticket_lists_its_likely_duplicates(api, agent):
    client = api.as_(agent)
    first = create(client, "Exam submission fails in WEB102-HN",
                   "Students cannot submit the final exam: System error.", tags=["exam"])
    assert first["duplicate_candidates"] == []
    second = create(client, "Không nộp được bài thi - WEB102-HN",
                    "Học sinh không nộp được bài thi cuối kỳ, hệ thống báo lỗi System error.",
                    tags=["exam"], language="vi")
    [candidate] = second["duplicate_candidates"]
    assert candidate["ticket_id"] == first["id"] and 0.5 <= candidate["score"] <= 1
    again = client.get(f"/api/v1/tickets/{first['id']}").json()
    assert again["duplicate_candidates"] == [{"ticket_id": second["id"], "incident_id": None,
                                              "score": candidate["score"]}]


def test_listing_tickets_costs_the_same_queries_for_5_or_30_tickets(api, agent, make_ticket):
    client = api.as_(agent)

    def queries_to_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/tickets", {"limit": 50}).status_code == 200
        return len(queries)

    for i in range(5):
        make_ticket(title=f"Video lesson {i} not playing for WEB101-HN")
    queries_to_list()  # the first request also reads what is then cached (the token …)
    five = queries_to_list()
    for i in range(25):
        make_ticket(title=f"Video lesson {i} not playing for WEB101-HN")
    page = client.get("/api/v1/tickets", {"limit": 50}).json()["items"]
    assert len(page) == 30 and all(len(t["duplicate_candidates"]) == 5 for t in page)
    assert queries_to_list() == five


def test_the_duplicate_check_lists_open_tickets_like_a_text(api, agent, make_ticket):
    login = make_ticket(title="Không đăng nhập được LMS",
                        description="Tài khoản đã bị vô hiệu hóa.", language="vi")
    make_ticket(title="Gradebook shows wrong scores for DATA101-SG")
    response = api.as_(agent).get(CHECK, {"title": "khong dang nhap duoc",
                                          "description": "tai khoan bi vo hieu hoa"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(i["ticket_id"], i["ref"]) for i in body["items"]] == [(login.pk, login.ref)]
    assert body["items"][0]["score"] >= body["threshold"] == 0.5


def test_the_duplicate_check_leaves_out_the_ticket_being_edited(api, agent, make_ticket):
    login = make_ticket(title="Cannot log in: account deactivated")
    found = api.as_(agent).get(CHECK, {"title": "Cannot log in: account deactivated",
                                       "exclude": login.pk}).json()
    assert found["items"] == []


def test_the_duplicate_check_needs_some_text(api, agent):
    assert_error(api.as_(agent).get(CHECK, {"title": " "}), 422, "invalid")


def test_a_requester_may_not_run_the_duplicate_check(api, requester):
    assert_error(api.as_(requester).get(CHECK, {"title": "exam"}), 403, "forbidden")
