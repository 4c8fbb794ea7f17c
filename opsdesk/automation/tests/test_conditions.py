"""Conditions: every operator, tags, and text in English and Vietnamese (with and without
diacritics, composed or combining accents), regular expressions, `any` groups."""

import unicodedata
from typing import Any

import pytest

from opsdesk.automation.conditions import evaluate, facts_of
from opsdesk.workflows.tickets import update_ticket

LOGIN_VI = "Không Đăng Nhập được vào LMS"


def facts(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "cos": "priority", "stage": "new", "channel": "email", "language": "vi",
        "team": "Dev Team", "assignee": None, "priority": 2, "affected_users": 12,
        "failure_rate": None, "requester_role": "teacher", "tags": {"login", "lms"},
        "title": LOGIN_VI, "description": "Tài khoản bị khoá sau 30 ngày.", "message": "",
        "hours_since_updated": 5.0,
    }
    base.update(values)
    base["text"] = "\n".join(p for p in (base["title"], base["description"], base["message"]) if p)
    return base


def holds(condition: dict[str, Any], **values: Any) -> bool:
    return evaluate(condition, facts(**values))[0]


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("eq", 12, True), ("eq", 13, False), ("ne", 13, True), ("ne", 12, False),
    ("gt", 11, True), ("gt", 12, False), ("gte", 12, True), ("gte", 13, False),
    ("lt", 13, True), ("lt", 12, False), ("lte", 12, True), ("lte", 11, False),
    ("in", [5, 12], True), ("in", [5, 6], False), ("not_in", [5, 6], True),
])
def test_it_compares_numbers_with_each_operator(op, value, expected):
    assert holds({"field": "affected_users", "op": op, "value": value}) is expected


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("eq", "priority", True), ("ne", "priority", False),
    ("in", ["expedite", "priority"], True), ("not_in", ["expedite", "priority"], False),
])
def test_it_compares_the_class_of_service(op, value, expected):
    assert holds({"field": "cos", "op": op, "value": value}) is expected


def test_a_missing_number_is_never_greater_or_smaller():
    assert not holds({"field": "failure_rate", "op": "gt", "value": 0})
    assert not holds({"field": "failure_rate", "op": "lte", "value": 1})
    assert holds({"field": "failure_rate", "op": "gte", "value": 0.5}, failure_rate=1.0)


def test_team_names_compare_without_case_and_none_means_no_team():
    assert holds({"field": "team", "op": "eq", "value": "dev team"})
    assert holds({"field": "team", "op": "in", "value": ["Support", "DEV TEAM"]})
    assert holds({"field": "team", "op": "eq", "value": None}, team=None)
    assert holds({"field": "assignee", "op": "eq", "value": None})


def test_it_knows_the_requesters_role():
    assert holds({"field": "requester_role", "op": "eq", "value": "teacher"})
    assert not holds({"field": "requester_role", "op": "in", "value": ["student"]})


def test_it_finds_tags_whatever_their_case():
    assert holds({"field": "tags", "op": "has", "value": "Login"})
    assert holds({"field": "tags", "op": "not_has", "value": "exam"})
    assert not holds({"field": "tags", "op": "has", "value": "exam"})


def test_english_text_is_found_whatever_its_case():
    condition = {"field": "text", "op": "contains", "value": "can't log in"}
    assert holds(condition, title="I CAN'T LOG IN to the LMS")
    assert not holds(condition, title="Exam page is slow", description="")


def test_vietnamese_text_is_found_whatever_its_case():
    assert holds({"field": "text", "op": "contains", "value": "đăng nhập"})
    assert holds({"field": "title", "op": "contains", "value": "ĐĂNG NHẬP"})


def test_vietnamese_typed_with_combining_accents_matches_composed_text():
    decomposed = unicodedata.normalize("NFD", "đăng nhập")
    assert decomposed != "đăng nhập"
    assert holds({"field": "text", "op": "contains", "value": decomposed})
    assert holds({"field": "text", "op": "contains", "value": "đăng nhập"},
                 title=unicodedata.normalize("NFD", LOGIN_VI))


def test_text_without_diacritics_matches_only_when_asked():
    plain = {"field": "text", "op": "contains", "value": "dang nhap"}
    assert not holds(plain)
    assert holds({**plain, "ignore_accents": True})
    # and the other way round: a rule written with accents, a requester typing without
    assert holds({"field": "text", "op": "contains", "value": "Đăng nhập", "ignore_accents": True},
                 title="khong dang nhap duoc", description="")
    assert not holds({"field": "text", "op": "contains", "value": "Đăng nhập"},
                     title="khong dang nhap duoc", description="")


def test_any_phrase_of_a_list_is_enough_and_the_one_found_is_recorded():
    matched, seen = evaluate({"field": "text", "op": "contains",
                              "value": ["log in", "login", "đăng nhập"]}, facts())
    assert matched and seen == {"found": "đăng nhập"}


def test_not_contains_holds_when_no_phrase_is_there():
    assert holds({"field": "text", "op": "not_contains", "value": ["exam", "bài thi"]})
    assert not holds({"field": "text", "op": "not_contains", "value": "khoá"})


def test_a_regular_expression_matches_case_insensitively_in_both_languages():
    assert holds({"field": "text", "op": "matches", "value": r"log\s?in|đăng\s+nhập"})
    assert holds({"field": "text", "op": "matches", "value": r"\bLOG-?IN\b"},
                 title="Login broken", description="")
    assert not holds({"field": "text", "op": "matches", "value": r"^exam"})
    assert holds({"field": "text", "op": "matches", "value": r"dang\s+nhap",
                  "ignore_accents": True})


def test_a_regular_expression_records_what_it_matched_not_the_whole_text():
    matched, seen = evaluate({"field": "text", "op": "matches", "value": r"\d+ ngày"}, facts())
    assert matched and seen == {"found": "30 ngày"}


def test_the_message_is_searched_on_message_received():
    condition = {"field": "message", "op": "contains", "value": "vẫn chưa"}
    assert holds(condition, message="Tôi VẪN CHƯA vào được")
    assert holds({"field": "text", "op": "contains", "value": "vẫn chưa"},
                 message="Tôi vẫn chưa vào được")
    assert not holds(condition)


def test_any_group_holds_when_one_of_its_conditions_does():
    group = {"any": [{"field": "cos", "op": "eq", "value": "expedite"},
                     {"field": "tags", "op": "has", "value": "login"}]}
    matched, seen = evaluate(group, facts())
    assert matched
    assert [part["matched"] for part in seen["any"]] == [False, True]


def test_idle_hours_compare_with_the_last_update():
    assert holds({"field": "hours_since_updated", "op": "gt", "value": 4})
    assert not holds({"field": "hours_since_updated", "op": "gt", "value": 24})


def test_facts_are_read_from_the_ticket(make_ticket, dev_team, agent):
    ticket = make_ticket(title="Không đăng nhập được", description="Since Monday", tags=["LMS"])
    update_ticket(ticket=ticket, actor=agent, team=dev_team, assignee=agent)
    ticket.refresh_from_db()
    seen = facts_of(ticket)
    assert seen["team"] == "Dev Team" and seen["assignee"] == agent.email
    assert seen["tags"] == {"lms"} and seen["requester_role"] == ""
    assert seen["text"] == "Không đăng nhập được\nSince Monday"
    assert 0 <= seen["hours_since_created"] < 0.1
