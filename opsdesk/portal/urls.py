from django.urls import path

from . import signin, views

app_name = "portal"
urlpatterns = [
    path("", views.ticket_list, name="tickets"),
    path("new/", views.new_ticket, name="new"),
    path("tickets/<int:pk>/", views.ticket_page, name="ticket"),
    path("tickets/<int:pk>/reply", views.post_reply, name="reply"),
    path("tickets/<int:pk>/rating", views.post_rating, name="rate"),
    path("tickets/<int:pk>/files/<int:attachment_id>", views.attachment, name="attachment"),
    path("login/", signin.sign_in, name="login"),
    path("login/sent/", signin.link_sent, name="login_sent"),
    path("login/<str:uidb64>/<str:token>/", signin.sign_in_with_link, name="login_link"),
]
