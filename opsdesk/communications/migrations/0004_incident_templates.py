from django.db import migrations, models

EN = {
    "incident_update": (
        "{{ ref }}: {{ incident_title }} — {{ incident_status }}",
        """Dear {{ requester_name }},

Thank you for your report {{ ref }}. It is about a problem we already know of and are working on: {{ incident_title }}.

Latest update ({{ incident_status }}):
{{ incident_update }}
{% if workaround %}
While we work on it, please use this workaround:
{{ workaround }}
{% endif %}
We will write to you again as soon as there is news; the current state is also at {{ status_page_link }}

Best regards,
{{ agent_name }}""",
    ),
    "incident_resolution": (
        "Resolved: {{ ref }} {{ incident_title }}",
        """Dear {{ requester_name }},

The problem behind your report {{ ref }} has been fixed: {{ incident_title }}.

{{ incident_update }}

Please try again. If it still does not work for you, just reply to this email and we will look at it straight away.

Best regards,
{{ agent_name }}""",
    ),
}

VI = {
    "incident_update": (
        "{{ ref }}: {{ incident_title }} — {{ incident_status }}",
        """Chào {{ requester_name }},

Cảm ơn anh/chị đã báo {{ ref }}. Đây là sự cố chúng tôi đã biết và đang xử lý: {{ incident_title }}.

Cập nhật mới nhất ({{ incident_status }}):
{{ incident_update }}
{% if workaround %}
Trong lúc chờ khắc phục, anh/chị vui lòng dùng cách tạm thời sau:
{{ workaround }}
{% endif %}
Chúng tôi sẽ báo lại ngay khi có tin mới; tình trạng hiện tại có tại {{ status_page_link }}

Trân trọng,
{{ agent_name }}""",
    ),
    "incident_resolution": (
        "Đã khắc phục: {{ ref }} {{ incident_title }}",
        """Chào {{ requester_name }},

Sự cố liên quan đến yêu cầu {{ ref }} của anh/chị đã được khắc phục: {{ incident_title }}.

{{ incident_update }}

Anh/chị vui lòng thử lại. Nếu vẫn chưa được, chỉ cần trả lời email này, chúng tôi sẽ kiểm tra ngay.

Trân trọng,
{{ agent_name }}""",
    ),
}


def add_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("communications", "MessageTemplate")
    for language, texts in (("en", EN), ("vi", VI)):
        for key, (subject, body) in texts.items():
            MessageTemplate.objects.get_or_create(key=key, language=language, cos="",
                                                  defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):

    dependencies = [
        ('communications', '0003_ack_signed_once'),
    ]

    operations = [
        migrations.AlterField(
            model_name='messagetemplate',
            name='key',
            field=models.CharField(choices=[('ack', 'Acknowledgement'), ('update', 'Update'), ('escalation', 'Escalation'), ('dev_alert', 'Dev team alert'), ('manager_notice', 'Manager notice'), ('resolution', 'Resolution'), ('closure', 'Closure'), ('rating_request', 'Rating request'), ('incident_update', 'Incident update'), ('incident_resolution', 'Incident resolution')], max_length=20),
        ),
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
    ]
