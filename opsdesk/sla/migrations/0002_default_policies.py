from datetime import time

from django.db import migrations

BUSINESS_DAY = 9 * 60  # 08:00–17:00

# DESIGN §2: the default targets (minutes); None means no such clock.
POLICIES = (
    ("Expedite", "expedite", False, dict(intake=5, ack=10, update=10, escalation=15, resolve=240)),
    ("Priority", "priority", False, dict(intake=10, ack=15, update=15, escalation=20, resolve=480)),
    ("Standard", "standard", True,
     dict(intake=15, ack=30, update=BUSINESS_DAY, escalation=None, resolve=3 * BUSINESS_DAY)),
    ("Fixed Date", "fixed_date", True,
     dict(intake=15, ack=30, update=BUSINESS_DAY, escalation=None, resolve=None)),
    ("Intangible", "intangible", True,
     dict(intake=15, ack=BUSINESS_DAY, update=None, escalation=None, resolve=None)),
)


def add_defaults(apps, schema_editor):
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    if SlaPolicy.objects.exists():
        return
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name="Business hours", defaults=dict(time_zone="Asia/Ho_Chi_Minh", work_days="0,1,2,3,4",
                                             opens=time(8), closes=time(17)),
    )
    for i, (name, cos, business, minutes) in enumerate(POLICIES):
        SlaPolicy.objects.create(
            position=(i + 1) * 10, name=name, cos=cos,
            calendar=calendar if business else None,
            resolve_by_due_date=cos == "fixed_date",
            **{f"{target}_minutes": value for target, value in minutes.items()},
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
