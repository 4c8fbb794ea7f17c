"""Portal sign-in by emailed link: ask for a link, then confirm it with one button."""

from urllib.parse import urlencode

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods

from .forms import SignInForm
from .magic_link import MAX_AGE_SECONDS, request_link, user_for_link

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _safe_next(request: HttpRequest, value: str) -> str:
    """`next` when it stays on this site, else empty."""
    allowed = url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return value if value and allowed else ""


def _signed_in_home(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return None
    return redirect("web:queue" if getattr(request.user, "is_desk_staff", False)
                    else "portal:tickets")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for a sign-in link; the answer is the same whether or not the address is known."""
    if (home := _signed_in_home(request)) is not None:
        return home
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request_link(email=form.cleaned_data["email"], next_url=next_url,
                     language=get_language() or "en")
        return redirect("portal:login_sent")
    password_url = reverse("login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    return render(request, "portal/sign_in.html",
                  {"form": form, "next": next_url, "password_url": password_url},
                  status=400 if request.method == "POST" else 200)


def link_sent(request: HttpRequest) -> HttpResponse:
    """"Check your mail", shown for every address."""
    return render(request, "portal/sign_in_sent.html", {"minutes": MAX_AGE_SECONDS // 60})


@require_http_methods(["GET", "POST"])
def sign_in_with_link(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """GET shows a button (link scanners only GET); POST signs in and uses up the link."""
    user = user_for_link(uidb64, token)
    if user is None:
        return render(request, "portal/sign_in_invalid.html", status=400)
    next_url = _safe_next(request, request.GET.get("next", ""))
    if request.method == "GET":
        return render(request, "portal/sign_in_confirm.html", {"person": user})
    login(request, user, backend=BACKEND)
    return redirect(next_url or "portal:tickets")
