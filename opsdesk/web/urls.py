from django.urls import path

from . import ticket, views

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
]
