"""Who may use the portal: signed-in requesters; desk staff belong in the workspace."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse

from opsdesk.accounts.models import User


def requester_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Anonymous visitors sign in first; desk staff are sent to the workspace."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        if getattr(request.user, "is_desk_staff", False):
            return redirect("web:queue")
        return view(request, *args, **kwargs)

    return wrapper


def requester(request: HttpRequest) -> User:
    """The signed-in requester of a request that passed `requester_required`."""
    return cast(User, request.user)
