"""The login-recovery playbook's replies, in English and Vietnamese (editable in admin).

`TEXTS` is also what the playbook falls back to when a row is missing (e.g. a flushed test
database): see opsdesk/playbooks/replies.py.
"""

from django.db import migrations

TEXTS = {
    ("login_reactivated", "en"): (
        "{% if for_someone_else %}The LMS account {{ account_email }} is active again"
        "{% else %}Your LMS account is active again{% endif %} ({{ ref }})",
        """Dear {{ requester_name }},

{% if for_someone_else %}The LMS account {{ account_email }} had been deactivated after a period without signing in. We have reactivated it: {{ account_email }} can sign in again now, with the usual password.{% else %}Your LMS account ({{ account_email }}) had been deactivated after a period without signing in. We have reactivated it: you can sign in again now, with your usual password.{% endif %}

If signing in still does not work, reply to this email and we will look into it.

Best regards,
{{ agent_name }}""",
    ),
    ("login_reactivated", "vi"): (
        "{% if for_someone_else %}Tài khoản LMS {{ account_email }} đã được kích hoạt lại"
        "{% else %}Tài khoản LMS của anh/chị đã được kích hoạt lại{% endif %} ({{ ref }})",
        """Chào {{ requester_name }},

{% if for_someone_else %}Tài khoản LMS {{ account_email }} đã bị vô hiệu hóa do một thời gian không đăng nhập. Chúng tôi đã kích hoạt lại tài khoản: {{ account_email }} có thể đăng nhập ngay bây giờ bằng mật khẩu hiện tại.{% else %}Tài khoản LMS của anh/chị ({{ account_email }}) đã bị vô hiệu hóa do một thời gian không đăng nhập. Chúng tôi đã kích hoạt lại tài khoản: anh/chị có thể đăng nhập ngay bây giờ bằng mật khẩu hiện tại.{% endif %}

Nếu vẫn chưa đăng nhập được, anh/chị vui lòng trả lời thư này để chúng tôi kiểm tra tiếp.

Trân trọng,
{{ agent_name }}""",
    ),
    ("login_password_reset", "en"): (
        "A password-reset link has been sent ({{ ref }})",
        """Dear {{ requester_name }},

{% if for_someone_else %}The LMS account {{ account_email }} is active. We have asked the LMS to send a password-reset link to {{ account_email }}: please ask them to open that email (check the spam folder too), follow the link and choose a new password.{% else %}Your LMS account ({{ account_email }}) is active. We have asked the LMS to send a password-reset link to {{ account_email }}: please open that email (check the spam folder too), follow the link and choose a new password.{% endif %}

If the email does not arrive or signing in still does not work, reply to this email and we will look into it.

Best regards,
{{ agent_name }}""",
    ),
    ("login_password_reset", "vi"): (
        "Đã gửi liên kết đặt lại mật khẩu ({{ ref }})",
        """Chào {{ requester_name }},

{% if for_someone_else %}Tài khoản LMS {{ account_email }} vẫn đang hoạt động. Chúng tôi đã yêu cầu LMS gửi liên kết đặt lại mật khẩu đến {{ account_email }}: anh/chị vui lòng nhắn người dùng mở thư đó (kiểm tra cả thư mục thư rác), bấm vào liên kết và đặt mật khẩu mới.{% else %}Tài khoản LMS của anh/chị ({{ account_email }}) vẫn đang hoạt động. Chúng tôi đã yêu cầu LMS gửi liên kết đặt lại mật khẩu đến {{ account_email }}: anh/chị vui lòng mở thư đó (kiểm tra cả thư mục thư rác), bấm vào liên kết và đặt mật khẩu mới.{% endif %}

Nếu không nhận được thư hoặc vẫn chưa đăng nhập được, anh/chị vui lòng trả lời thư này để chúng tôi kiểm tra tiếp.

Trân trọng,
{{ agent_name }}""",
    ),
    ("login_escalated", "en"): (
        "We are looking into your sign-in problem ({{ ref }})",
        """Dear {{ requester_name }},

We could not solve this sign-in problem{% if for_someone_else %} for {{ account_email }}{% endif %} automatically, so an engineer is now looking at it. {% if next_update_at %}You will hear from us again by {{ next_update_at }}.{% else %}We will get back to you as soon as we know more.{% endif %}

Best regards,
{{ agent_name }}""",
    ),
    ("login_escalated", "vi"): (
        "Chúng tôi đang kiểm tra sự cố đăng nhập của anh/chị ({{ ref }})",
        """Chào {{ requester_name }},

Sự cố đăng nhập{% if for_someone_else %} của {{ account_email }}{% endif %} chưa thể xử lý tự động, nên một kỹ sư đang trực tiếp kiểm tra. {% if next_update_at %}Chúng tôi sẽ cập nhật cho anh/chị trước {{ next_update_at }}.{% else %}Chúng tôi sẽ phản hồi ngay khi có thêm thông tin.{% endif %}

Trân trọng,
{{ agent_name }}""",
    ),
}


def add_replies(apps, schema_editor):
    ReplyTemplate = apps.get_model("playbooks", "ReplyTemplate")
    for (key, language), (subject, body) in TEXTS.items():
        ReplyTemplate.objects.get_or_create(key=key, language=language,
                                            defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_initial")]
    operations = [migrations.RunPython(add_replies, migrations.RunPython.noop)]
