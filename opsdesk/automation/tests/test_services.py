"""Rule services the workspace uses: reordering, and stopping a rule that no longer validates."""

import pytest

from opsdesk.accounts.models import Team
from opsdesk.automation import services
from opsdesk.automation.models import Rule
from opsdesk.core.errors import Forbidden, InvalidInput

pytestmark = pytest.mark.django_db
TAG = [{"action": "add_tag", "tag": "x"}]


def names(trigger="ticket_created"):
    return [(r.name, r.position) for r in Rule.objects.filter(trigger=trigger)
            .order_by("position", "id")]


def test_moving_a_rule_renumbers_its_trigger_only(make_rule, manager):
    a, _b, c = (make_rule("ticket_created", TAG, name=n, position=p)
               for n, p in (("A", 5), ("B", 10), ("C", 10)))
    make_rule("ticket_updated", TAG, name="other", position=1)
    services.move_rule(rule=c, actor=manager, by=-2)
    assert names() == [("C", 1), ("A", 2), ("B", 3)]
    services.move_rule(rule=c, actor=manager, by=-1)  # already first: stays
    services.move_rule(rule=a, actor=manager, by=5)  # past the end: last
    assert names() == [("C", 1), ("B", 2), ("A", 3)]
    assert names("ticket_updated") == [("other", 1)]


def test_an_agent_may_not_reorder(make_rule, agent):
    rule = make_rule("ticket_created", TAG)
    with pytest.raises(Forbidden):
        services.move_rule(rule=rule, actor=agent, by=1)


def test_a_rule_that_no_longer_validates_can_still_be_disabled_but_not_enabled(make_rule,
                                                                               manager):
    team = Team.objects.create(name="Night shift")
    rule = make_rule("ticket_created", [{"action": "set_field", "field": "team",
                                         "value": "Night shift"}])
    team.delete()
    services.change_rule(rule=rule, actor=manager, enabled=False)
    assert not Rule.objects.get(pk=rule.pk).enabled
    with pytest.raises(InvalidInput, match="no team named 'Night shift'"):
        services.change_rule(rule=rule, actor=manager, enabled=True)
