"""Class of Service: the shipped rules (migration 0002), their rationale, and rules as data."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from opsdesk.tickets.classification import ImpactFacts, active_rules, classify
from opsdesk.tickets.models import Cos, CosRule, Ticket
from opsdesk.tickets.services import Impact

pytestmark = pytest.mark.django_db

RANK = {Cos.INTANGIBLE: 0, Cos.STANDARD: 1, Cos.FIXED_DATE: 2, Cos.PRIORITY: 3, Cos.EXPEDITE: 4}
DUE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
EXAM_OUTAGE = ImpactFacts(affected_users=54, blocking=True, critical_function=True,
                          failure_rate=1.0)


@pytest.mark.parametrize(("users", "expected"), [
    (4, Cos.STANDARD),
    (5, Cos.PRIORITY),
    (25, Cos.PRIORITY),
    (26, Cos.EXPEDITE),
])
def test_affected_users_decide_the_class_at_the_boundaries(users, expected):
    assert classify(ImpactFacts(affected_users=users), active_rules()).cos == expected


def test_a_critical_function_failing_at_99_percent_is_not_expedite():
    facts = ImpactFacts(affected_users=3, critical_function=True, failure_rate=0.99)
    assert classify(facts, active_rules()).cos == Cos.STANDARD


def test_a_critical_function_fully_down_is_expedite_even_for_few_users():
    facts = ImpactFacts(affected_users=3, critical_function=True, failure_rate=1.0)
    assert classify(facts, active_rules()).cos == Cos.EXPEDITE


def test_it_explains_an_expedite_decision_with_every_matching_reason():
    decision = classify(EXAM_OUTAGE, active_rules())
    assert decision.rationale == "54 users > 25; critical function at 100 % failure"


def test_it_names_the_critical_function_in_the_rationale():
    facts = replace(EXAM_OUTAGE, affected_users=3, critical_function_label="exam submission")
    rationale = classify(facts, active_rules()).rationale
    assert rationale == "critical function exam submission at 100 % failure"


def test_the_rationale_is_stored_on_the_ticket(make_ticket):
    ticket = make_ticket(impact=Impact(affected_users=54, blocking=True, critical_function=True,
                                       failure_rate=1.0))
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.cos, stored.cos_rationale) == (
        Cos.EXPEDITE, "54 users > 25; critical function at 100 % failure")


def test_a_requested_date_makes_a_ticket_fixed_date():
    decision = classify(ImpactFacts(affected_users=2, due_at=DUE), active_rules())
    assert (decision.cos, decision.rationale) == (Cos.FIXED_DATE, "deadline 2026-03-01")


def test_a_feature_request_is_intangible():
    decision = classify(ImpactFacts(tags=frozenset({"feature-request"})), active_rules())
    assert decision.cos == Cos.INTANGIBLE
    assert "feature-request" in decision.rationale


@pytest.mark.parametrize(("impact", "tags", "stars"), [
    (Impact(affected_users=54), [], 3),
    (Impact(affected_users=10), [], 2),
    (Impact(affected_users=2), [], 1),
    (Impact(affected_users=1), ["Feature-Request"], 0),
])
def test_priority_stars_follow_the_class_of_service(make_ticket, impact, tags, stars):
    assert make_ticket(impact=impact, tags=tags).priority == stars


# --- properties over every possible impact -------------------------------------------------

impact_facts = st.builds(
    ImpactFacts,
    affected_users=st.integers(min_value=0, max_value=1_000_000),
    blocking=st.booleans(),
    critical_function=st.booleans(),
    critical_function_label=st.sampled_from(["", "exam submission", "login"]),
    failure_rate=st.none() | st.floats(min_value=0.0, max_value=1.0),
    due_at=st.none() | st.just(DUE),
    tags=st.frozensets(st.sampled_from(["feature-request", "lms", "exam", "login"])),
)
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None, database=None)


def test_classification_always_gives_a_class_and_a_reason():
    rules = active_rules()

    @PROPERTY_SETTINGS
    @given(facts=impact_facts)
    def check(facts):
        decision = classify(facts, rules)
        assert decision.cos in Cos.values
        assert decision.rationale.strip()

    check()


def test_more_affected_users_never_lower_the_class():
    rules = active_rules()

    @PROPERTY_SETTINGS
    @given(facts=impact_facts, more=st.integers(min_value=1, max_value=1_000))
    def check(facts, more):
        fewer = classify(facts, rules).cos
        larger = classify(replace(facts, affected_users=facts.affected_users + more), rules).cos
        assert RANK[Cos(larger)] >= RANK[Cos(fewer)], (fewer, larger)

    check()


# --- rules are data ------------------------------------------------------------------------

def test_an_edited_threshold_changes_the_class():
    facts = ImpactFacts(affected_users=12)
    assert classify(facts, active_rules()).cos == Cos.PRIORITY
    rule = CosRule.objects.get(name="More than 25 users")  # edited as the admin does
    rule.min_users, rule.rationale = 10, "{users} users > 9"
    rule.save()
    decision = classify(facts, active_rules())
    assert (decision.cos, decision.rationale) == (Cos.EXPEDITE, "12 users > 9")


def test_a_disabled_rule_is_left_out_of_the_active_rules():
    CosRule.objects.filter(name="Critical function fully down").update(enabled=False)
    facts = ImpactFacts(affected_users=3, critical_function=True, failure_rate=1.0)
    assert classify(facts, active_rules()).cos == Cos.STANDARD


def test_classify_skips_a_disabled_rule_it_is_given():
    CosRule.objects.filter(name="Critical function fully down").update(enabled=False)
    facts = ImpactFacts(affected_users=3, critical_function=True, failure_rate=1.0)
    assert classify(facts, CosRule.objects.all()).cos == Cos.STANDARD


def test_a_new_ticket_is_classified_by_the_rules_as_stored_now(make_ticket):
    CosRule.objects.filter(name="More than 25 users").update(min_users=10)
    assert make_ticket(impact=Impact(affected_users=12)).cos == Cos.EXPEDITE


def _rule(**fields):
    defaults = {"name": "Exam week", "cos": Cos.EXPEDITE, "rationale": "{users} users in exams"}
    return CosRule(**{**defaults, **fields})


def test_a_valid_rule_passes_its_checks():
    _rule(min_users=5, max_users=5, tag="exam").full_clean()


def test_a_rule_refuses_an_unknown_rationale_placeholder():
    with pytest.raises(ValidationError) as refused:
        _rule(rationale="{people} users in exams").clean()
    assert "rationale" in refused.value.message_dict


@pytest.mark.parametrize("rationale", ["{users.count} users", "{users.total} users"])
def test_a_rule_refuses_attribute_access_in_a_placeholder(rationale):
    with pytest.raises(ValidationError) as refused:
        _rule(rationale=rationale).clean()
    assert "rationale" in refused.value.message_dict


def test_a_rule_refuses_a_minimum_above_its_maximum():
    with pytest.raises(ValidationError) as refused:
        _rule(min_users=26, max_users=25).clean()
    assert "max_users" in refused.value.message_dict


def test_the_deadline_in_the_rationale_is_the_requested_local_date(api, agent):
    body = api.as_(agent).post("/api/v1/tickets", {
        "title": "Open the DATA101 exam on March 1",
        "requester": {"name": "Le Ngoc A", "email": "ngoc.a.le@campus.example.edu.vn"},
        "due_at": "2026-03-01T00:00:00+07:00",
    }).json()
    assert body["cos_rationale"] == "deadline 2026-03-01"


def test_the_deadline_in_the_rationale_survives_a_reclassification(api, agent):
    client = api.as_(agent)
    created = client.post("/api/v1/tickets", {
        "title": "Open the DATA101 exam on March 1",
        "requester": {"name": "Le Ngoc A", "email": "ngoc.a.le@campus.example.edu.vn"},
        "due_at": "2026-03-01T00:00:00+07:00",
    }).json()
    patched = client.patch(f"/api/v1/tickets/{created['id']}", {"impact": {"affected_users": 3}})
    assert patched.json()["cos_rationale"] == "deadline 2026-03-01"


def test_a_deadline_a_day_away_does_not_outrank_an_outage():
    facts = replace(EXAM_OUTAGE, due_at=datetime.now(UTC) + timedelta(days=1))
    assert classify(facts, active_rules()).cos == Cos.EXPEDITE
