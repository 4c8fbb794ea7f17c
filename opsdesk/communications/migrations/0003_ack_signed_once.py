"""The shipped ACK signed "Support team" twice when no agent had taken the ticket: its
agent_name is the team then. Drop the fixed line from the ACK a desk has not edited."""

import importlib

from django.db import migrations

FIXED_LINE = {"en": "\nSupport team", "vi": "\nĐội hỗ trợ"}


def sign_once(apps, schema_editor):
    shipped = importlib.import_module("opsdesk.communications.migrations.0002_default_templates")
    MessageTemplate = apps.get_model("communications", "MessageTemplate")
    for language, texts in (("en", shipped.EN), ("vi", shipped.VI)):
        now = texts["ack"][1]
        MessageTemplate.objects.filter(key="ack", language=language, cos="",
                                       body=now + FIXED_LINE[language]).update(body=now)


class Migration(migrations.Migration):
    dependencies = [("communications", "0002_default_templates")]
    operations = [migrations.RunPython(sign_once, migrations.RunPython.noop)]
