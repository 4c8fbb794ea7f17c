"""The process has one readable path: no project-defined signals, and the steps of a
business event are called only by its workflow."""

import re
from pathlib import Path

import opsdesk

ROOT = Path(opsdesk.__file__).parent
STEPS = re.compile(r"\b(store_tickets|change_fields|set_cos_override|store_messages|"
                   r"create_escalation|store_response)\(|\bstages\.move\(")


def product_modules() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if "tests" not in p.parts
            and "migrations" not in p.parts]


def test_no_module_defines_a_signal():
    assert [str(p) for p in product_modules() if re.search(r"\bSignal\(", p.read_text())] == []


def test_the_steps_of_an_event_are_called_by_its_workflow_only():
    callers = {str(p.relative_to(ROOT)) for p in product_modules()
               if STEPS.search(p.read_text())}
    outside = {c for c in callers if not c.startswith(("workflows/", "tickets/"))}
    assert outside == set()


INCIDENT_STEPS = re.compile(r"\bincidents\.(store_incident|attach_tickets|detach_ticket|"
                            r"edit_fields|set_status|store_update|mark_resolved)\(")


def test_the_steps_of_an_incident_are_called_by_its_workflows_only():
    callers = {str(p.relative_to(ROOT)) for p in product_modules()
               if INCIDENT_STEPS.search(p.read_text())}
    assert {c for c in callers if not c.startswith(("workflows/", "incidents/"))} == set()
