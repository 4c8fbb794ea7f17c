from django.urls import path

from . import reports, rules, runs, ticket, views

app_name = "web"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("board/", views.board, name="board"),
    path("counts", views.queue_counts, name="counts"),
    path("tickets/<int:pk>/", ticket.ticket_page, name="ticket"),
    path("tickets/<int:pk>/messages", ticket.post_message, name="message"),
    path("tickets/<int:pk>/stage", ticket.post_stage, name="stage"),
    path("tickets/<int:pk>/impact", ticket.post_impact, name="impact"),
    path("tickets/<int:pk>/assign", ticket.post_assign, name="assign"),
    path("tickets/<int:pk>/cos", ticket.post_cos, name="cos"),
    path("tickets/<int:pk>/escalations", ticket.post_escalation, name="escalate"),
    path("tickets/<int:pk>/escalations/<int:escalation_id>/responses", ticket.post_response,
         name="response"),
    path("tickets/<int:pk>/checks/<int:check_id>", ticket.post_check, name="check"),
    path("tickets/<int:pk>/playbooks", runs.post_playbook, name="playbook"),
    path("tickets/<int:pk>/automation-runs/<int:run_id>/retry", runs.post_retry,
         name="run_retry"),
    path("rules/", rules.rules_page, name="rules"),
    path("rules/new", rules.new_rule, name="rule_new"),
    path("rules/test", rules.test_rule, name="rule_test"),
    path("rules/<int:pk>/", rules.edit_rule, name="rule_edit"),
    path("rules/<int:pk>/toggle", rules.toggle_rule, name="rule_toggle"),
    path("rules/<int:pk>/move", rules.move_rule, name="rule_move"),
    path("reports/weekly/", reports.weekly_page, name="weekly_report"),
    path("reports/weekly.<str:file_format>", reports.weekly_download, name="weekly_download"),
]
