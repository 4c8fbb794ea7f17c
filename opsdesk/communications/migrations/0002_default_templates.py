from django.db import migrations

EN = {
    "ack": (
        "We have received your request {{ ref }}: {{ title }}",
        """Dear {{ requester_name }},

Thank you for letting us know. We have logged your request as {{ ref }} and classified it as {{ cos }}{% if affected_users > 1 %} ({{ affected_users }} people affected{% if affected_groups %}: {{ affected_groups }}{% endif %}){% endif %}.
{% if workaround %}
While we work on it, please use this workaround:
{{ workaround }}
{% endif %}
{% if next_update_at %}You will hear from us again by {{ next_update_at }}.{% else %}We will keep you informed as we make progress.{% endif %}

Best regards,
{{ agent_name }}""",
    ),
    "update": (
        "Update on {{ ref }}: {{ title }}",
        """Dear {{ requester_name }},

Here is the latest on {{ ref }}. {% if escalation_team %}The {{ escalation_team }} is working on a fix and we are following it closely.{% else %}We are still investigating.{% endif %}
{% if workaround %}
The workaround still applies: {{ workaround }}
{% endif %}
{% if next_update_at %}Next update by {{ next_update_at }}.{% endif %}

Best regards,
{{ agent_name }}""",
    ),
    "escalation": (
        "[{{ ref }}] Escalation ({{ cos }}): {{ title }}",
        """Ticket: {{ ref }} {{ title }}
Class of Service: {{ cos }} ({{ cos_rationale }})
Impact: {{ escalation.impact_summary }}
Findings: {{ escalation.findings }}
Hypothesis: {{ escalation.hypothesis }}
Workaround: {{ escalation.workaround_status }}
Ask: {{ escalation.ask }}
We update the requester every {{ escalation.update_cadence_minutes }} minutes.

Reply to this message to answer: your reply is recorded on the ticket.""",
    ),
    "dev_alert": (
        "[{{ ref }}] {{ cos }} alert: {{ title }}",
        """{{ cos }} ticket {{ ref }}: {{ title }}
Impact: {{ impact_summary }}
Why {{ cos }}: {{ cos_rationale }}
Handled by {{ agent_name }}. An escalation with the findings follows.""",
    ),
    "manager_notice": (
        "[{{ ref }}] {{ cos }}: {{ title }}",
        """A {{ cos }} ticket has just been opened: {{ ref }} {{ title }}
Impact: {{ impact_summary }}
Why {{ cos }}: {{ cos_rationale }}
Acknowledgement due {{ ack_due }}{% if resolve_due %}, resolution due {{ resolve_due }}{% endif %}.
Handled by {{ agent_name }}.""",
    ),
    "resolution": (
        "Resolved: {{ ref }} {{ title }}",
        """Dear {{ requester_name }},

The problem reported in {{ ref }} has been fixed.{% if resolution %} {{ resolution }}{% endif %}
Please check on your side{% if affected_groups %} ({{ affected_groups }}){% endif %} and reply to this email if anything is still wrong.

Best regards,
{{ agent_name }}""",
    ),
    "closure": (
        "Closed: {{ ref }} {{ title }}",
        """Dear {{ requester_name }},

We are closing {{ ref }}.{% if root_cause %}
Cause: {{ root_cause }}{% endif %}{% if resolution %}
What we did: {{ resolution }}{% endif %}

Thank you for your patience. If the problem comes back, just reply to this email.

Best regards,
{{ agent_name }}""",
    ),
    "rating_request": (
        "How did we do on {{ ref }}?",
        """Dear {{ requester_name }},

Please tell us how we handled {{ ref }} ({{ title }}): one click, 1 to 5, and a comment if you like.
{{ rating_link }}

Thank you!""",
    ),
}

VI = {
    "ack": (
        "Chúng tôi đã nhận yêu cầu {{ ref }}: {{ title }}",
        """Chào {{ requester_name }},

Cảm ơn anh/chị đã báo cho chúng tôi. Yêu cầu đã được ghi nhận với mã {{ ref }} và được xếp mức {{ cos }}{% if affected_users > 1 %} ({{ affected_users }} người bị ảnh hưởng{% if affected_groups %}: {{ affected_groups }}{% endif %}){% endif %}.
{% if workaround %}
Trong lúc chúng tôi xử lý, anh/chị vui lòng dùng cách tạm thời sau:
{{ workaround }}
{% endif %}
{% if next_update_at %}Chúng tôi sẽ cập nhật cho anh/chị trước {{ next_update_at }}.{% else %}Chúng tôi sẽ thông báo ngay khi có tiến triển.{% endif %}

Trân trọng,
{{ agent_name }}""",
    ),
    "update": (
        "Cập nhật về {{ ref }}: {{ title }}",
        """Chào {{ requester_name }},

Đây là thông tin mới nhất về {{ ref }}. {% if escalation_team %}{{ escalation_team }} đang khắc phục sự cố và chúng tôi đang theo sát.{% else %}Chúng tôi vẫn đang tiếp tục kiểm tra.{% endif %}
{% if workaround %}
Cách tạm thời vẫn áp dụng: {{ workaround }}
{% endif %}
{% if next_update_at %}Lần cập nhật tiếp theo trước {{ next_update_at }}.{% endif %}

Trân trọng,
{{ agent_name }}""",
    ),
    "escalation": (
        "[{{ ref }}] Chuyển xử lý ({{ cos }}): {{ title }}",
        """Yêu cầu: {{ ref }} {{ title }}
Mức độ: {{ cos }} ({{ cos_rationale }})
Ảnh hưởng: {{ escalation.impact_summary }}
Kết quả kiểm tra: {{ escalation.findings }}
Giả thuyết: {{ escalation.hypothesis }}
Cách tạm thời: {{ escalation.workaround_status }}
Đề nghị: {{ escalation.ask }}
Chúng tôi cập nhật cho người yêu cầu mỗi {{ escalation.update_cadence_minutes }} phút.

Trả lời thư này để phản hồi: câu trả lời sẽ được ghi vào yêu cầu.""",
    ),
    "dev_alert": (
        "[{{ ref }}] Cảnh báo {{ cos }}: {{ title }}",
        """Yêu cầu {{ cos }} {{ ref }}: {{ title }}
Ảnh hưởng: {{ impact_summary }}
Lý do xếp mức {{ cos }}: {{ cos_rationale }}
Người xử lý: {{ agent_name }}. Thông tin chuyển xử lý chi tiết sẽ được gửi ngay sau.""",
    ),
    "manager_notice": (
        "[{{ ref }}] {{ cos }}: {{ title }}",
        """Vừa có một yêu cầu mức {{ cos }}: {{ ref }} {{ title }}
Ảnh hưởng: {{ impact_summary }}
Lý do xếp mức {{ cos }}: {{ cos_rationale }}
Hạn phản hồi {{ ack_due }}{% if resolve_due %}, hạn xử lý {{ resolve_due }}{% endif %}.
Người xử lý: {{ agent_name }}.""",
    ),
    "resolution": (
        "Đã khắc phục: {{ ref }} {{ title }}",
        """Chào {{ requester_name }},

Sự cố trong yêu cầu {{ ref }} đã được khắc phục.{% if resolution %} {{ resolution }}{% endif %}
Anh/chị vui lòng kiểm tra lại{% if affected_groups %} ({{ affected_groups }}){% endif %} và trả lời thư này nếu vẫn còn lỗi.

Trân trọng,
{{ agent_name }}""",
    ),
    "closure": (
        "Đóng yêu cầu: {{ ref }} {{ title }}",
        """Chào {{ requester_name }},

Chúng tôi xin đóng yêu cầu {{ ref }}.{% if root_cause %}
Nguyên nhân: {{ root_cause }}{% endif %}{% if resolution %}
Cách xử lý: {{ resolution }}{% endif %}

Cảm ơn anh/chị đã kiên nhẫn. Nếu sự cố tái diễn, anh/chị chỉ cần trả lời thư này.

Trân trọng,
{{ agent_name }}""",
    ),
    "rating_request": (
        "Anh/chị đánh giá thế nào về yêu cầu {{ ref }}?",
        """Chào {{ requester_name }},

Xin anh/chị cho biết chúng tôi đã xử lý yêu cầu {{ ref }} ({{ title }}) thế nào: chọn từ 1 đến 5 sao và để lại góp ý nếu muốn.
{{ rating_link }}

Xin cảm ơn!""",
    ),
}

FANOUT = (  # cos, send_ack, notify_managers, alert the Dev Team
    ("expedite", True, True, True),
    ("priority", True, False, False),
    ("standard", True, False, False),
    ("fixed_date", True, False, False),
    ("intangible", True, False, False),
)


def add_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("communications", "MessageTemplate")
    FanoutPolicy = apps.get_model("communications", "FanoutPolicy")
    Team = apps.get_model("accounts", "Team")
    for language, texts in (("en", EN), ("vi", VI)):
        for key, (subject, body) in texts.items():
            MessageTemplate.objects.get_or_create(key=key, language=language, cos="",
                                                  defaults={"subject": subject, "body": body})
    dev_team = None
    for cos, ack, managers, dev in FANOUT:
        if dev and dev_team is None:
            dev_team, _ = Team.objects.get_or_create(name="Dev Team")
        FanoutPolicy.objects.get_or_create(cos=cos, defaults={
            "send_ack": ack, "notify_managers": managers, "alert_team": dev_team if dev else None})


class Migration(migrations.Migration):
    dependencies = [("communications", "0001_initial"), ("accounts", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
