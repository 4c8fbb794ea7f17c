"""Where "/" and a fresh sign-in lead: desk staff to their queues, requesters to the portal."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return redirect("web:queue" if getattr(user, "is_desk_staff", False) else "portal:tickets")
