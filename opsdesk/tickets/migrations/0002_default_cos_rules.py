from django.db import migrations

# The shipped Class of Service policy (DESIGN §2); admins edit the stored rules from here on.
RULES = (
    {"name": "More than 25 users", "cos": "expedite", "min_users": 26,
     "rationale": "{users} users > 25"},
    {"name": "Critical function fully down", "cos": "expedite",
     "needs_critical_function": True, "min_failure_rate": 1.0,
     "rationale": "critical function{function} at {failure} failure"},
    {"name": "Requested date", "cos": "fixed_date", "needs_due_date": True,
     "rationale": "deadline {due}"},
    {"name": "Feature request", "cos": "intangible", "tag": "feature-request",
     "rationale": "tagged {tag}: an improvement, no outage"},
    {"name": "5 to 25 users", "cos": "priority", "min_users": 5, "max_users": 25,
     "rationale": "{users} users within 5–25"},
    {"name": "Fewer than 5 users", "cos": "standard", "max_users": 4,
     "rationale": "{users} users < 5"},
)


def add_rules(apps, schema_editor):
    CosRule = apps.get_model("tickets", "CosRule")
    if CosRule.objects.exists():
        return
    for i, spec in enumerate(RULES):
        CosRule.objects.create(position=(i + 1) * 10, **spec)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
