"""The seed scenarios, posted through the API, get the class the seeds expect."""

import json
from pathlib import Path

import pytest

import opsdesk

PLACES = (
    Path(opsdesk.__file__).parent / "demo" / "data",  # the demo app's copy
    Path("/work/shared/scenarios"),  # the shared folder on dev machines
)


def scenario(name):
    for place in PLACES:
        path = place / name
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    pytest.skip(f"scenario {name} is not available here")
    return None


@pytest.mark.parametrize("name", ["expedite-exam-outage.json", "priority-performance.json"])
def test_a_seed_scenario_gets_the_expected_class_and_priority(api, agent, name):
    story = scenario(name)
    response = api.as_(agent).post("/api/v1/tickets", story["ticket"])
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert (ticket["cos"], ticket["priority"]) == (story["expect"]["cos"],
                                                   story["expect"]["priority"])
    assert str(story["ticket"]["impact"]["affected_users"]) in ticket["cos_rationale"]
