"""The frame every server-rendered page shares: who is looking, the navigation, Chinese always.

Used by the review and deal pages (matchmaker/views.py) and the analytics pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation

from brokers.models import TechnologyManager
from core.access import Roles, request_roles
from matchmaker.review_selectors import manager_of
from needs.models import Enterprise
from outcomes.models import Institution

LOGIN_URL = reverse_lazy("matchmaker:login")


# --- Who is looking ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The requesting user as the pages see them: platform roles plus the manager profile."""

    roles: Roles
    manager: TechnologyManager | None

    @property
    def may_review(self) -> bool:
        return self.roles.staff or self.manager is not None

    @property
    def may_decide(self) -> bool:
        return self.manager is not None and self.manager.can_decide()

    @property
    def is_party(self) -> bool:
        return bool(self.roles.enterprise_ids or self.roles.institution_ids)

    @property
    def lapse(self) -> str:
        """Why a manager may not decide ("已过期", "已暂停", …), or "" when in force or no manager."""
        manager = self.manager
        if manager is None or manager.can_decide():
            return ""
        if not manager.active:
            return "已暂停"
        if manager.valid_until < timezone.localdate():
            return "已过期"
        return "尚未生效"


def viewer_of(request: HttpRequest) -> Viewer:
    cached = getattr(request, "_page_viewer", None)
    if cached is None:
        cached = Viewer(roles=request_roles(request), manager=manager_of(request.user))
        request._page_viewer = cached
    return cached


def _role_labels(viewer: Viewer) -> list[str]:
    labels = []
    if viewer.roles.staff:
        labels.append("平台管理员")
    if viewer.manager is not None:
        lapse = viewer.lapse
        labels.append(f"技术经理人（证书{lapse}）" if lapse else f"技术经理人 · {viewer.manager.star_level}星")
    for name in Enterprise.objects.filter(pk__in=viewer.roles.enterprise_ids).values_list("name", flat=True):
        labels.append(f"企业 · {name}")
    for name in Institution.objects.filter(pk__in=viewer.roles.institution_ids).values_list("name", flat=True):
        labels.append(f"高校院所 · {name}")
    return labels or ["注册用户"]


def landing_url(user) -> str:
    """Where a user starts: managers and staff at the review queue, the parties at their deals."""
    if user.is_staff or TechnologyManager.objects.filter(user=user).exists():
        return reverse("matchmaker:review-queue")
    if user.enterprise_memberships.exists() or user.institution_memberships.exists():
        return reverse("matchmaker:deal-list")
    return reverse("matchmaker:home")


def render_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    viewer = viewer_of(request)
    user = request.user
    nav = {
        "name": (user.get_full_name() or user.get_username()) if user.is_authenticated else "",
        "roles": _role_labels(viewer) if user.is_authenticated else [],
        "may_review": viewer.may_review,
        "is_party": viewer.is_party,
        "staff": viewer.roles.staff,
    }
    return render(request, template, {"nav": nav, "viewer": viewer, **context}, status=status)


def forbidden_page(request: HttpRequest, message: str) -> HttpResponse:
    return render_page(request, "403.html", {"exception": message}, status=403)


def page_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in page, always in Chinese whatever language the browser asks for."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        translation.activate("zh-hans")
        request.LANGUAGE_CODE = "zh-hans"
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=LOGIN_URL)
