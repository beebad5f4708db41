"""Server-rendered pages: the managers' review queue and review page, the deals pages of both parties,
and rejection summaries. Plain views with full page reloads, calling the same services as the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from core import lockout
from core.exceptions import ApplicationError, ConflictError, NotAllowedError
from core.models import TransferMode
from core.taxonomy import industry_chain_name
from core.throttling import LOGIN_THROTTLES, username_of
from matchmaker import deals, reviews
from matchmaker.forms import (
    AnswerForm,
    ApproveForm,
    AskForm,
    DealMoveForm,
    LoginForm,
    QueueFilterForm,
    RejectForm,
    ReopenForm,
)
from matchmaker.models import Match, MatchEvent, MatchQuestion
from matchmaker.pages import Viewer, forbidden_page, landing_url, page_view, render_page, viewer_of
from matchmaker.review_selectors import deals_for, questions_for, rejection_summaries, rejection_summary, reviews_for
from needs.models import Enterprise, Need
from needs.selectors import can_see_need_details, needs_visible_to
from outcomes.models import Institution, Outcome
from outcomes.selectors import outcomes_visible_to

PAGE_SIZE = 25
S = Match.Status


# --- Highlighting ------------------------------------------------------------------------------


def highlight_spans(text: str, spans: Iterable[Any] | None) -> SafeString:
    """`text`, HTML-escaped, with each `[start, end)` character span wrapped in <mark class="hl">.

    Spans come from stored JSON, so they are clipped to the text, malformed ones are skipped and
    overlapping ones merged; adjacent spans stay separate marks, one per term.
    """
    text = text or ""
    clean: list[tuple[int, int]] = []
    for span in spans or ():
        try:
            start, end = int(span[0]), int(span[1])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
        start, end = max(start, 0), min(end, len(text))
        if start < end:
            clean.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(clean):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    pieces: list[str] = []
    position = 0
    for start, end in merged:
        pieces.append(escape(text[position:start]))
        pieces.append(f'<mark class="hl">{escape(text[start:end])}</mark>')
        position = end
    pieces.append(escape(text[position:]))
    # Every piece of user text above went through escape(); only our own <mark> tags are markup.
    return mark_safe("".join(pieces))


def _age(since: dt.datetime | None, now: dt.datetime) -> str:
    if since is None:
        return "—"
    seconds = max((now - since).total_seconds(), 0)
    if seconds < 3600:
        return f"{max(int(seconds // 60), 1)} 分钟"
    if seconds < 86400:
        return f"{int(seconds // 3600)} 小时"
    return f"{int(seconds // 86400)} 天"


def _start_of_today() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def _safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


# --- Login and home ----------------------------------------------------------------------------


class SiteLoginView(LoginView):
    """The page login. Same limits as the API token login: per address and per username (shared
    counters), and the lock-out after repeated failures (core/lockout.py), with a Chinese message."""

    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        translation.activate("zh-hans")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        for throttle in (throttle_class() for throttle_class in LOGIN_THROTTLES):
            if not throttle.allow_request(request, self):
                wait = max(int(throttle.wait() or 1), 1)
                return self._refuse(f"登录尝试过于频繁，请 {wait} 秒后再试。", wait)
        if wait := lockout.locked_for(username_of(request)):
            return self._refuse(lockout.lock_message(wait), wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        # This very failure may have locked the username: say so rather than "wrong password".
        if wait := lockout.locked_for(username_of(self.request)):
            return self._refuse(lockout.lock_message(wait), wait)
        return super().form_invalid(form)

    def _refuse(self, message: str, wait: int) -> HttpResponse:
        form = self.get_form_class()(self.request, initial={"username": username_of(self.request)})
        response = self.render_to_response(self.get_context_data(form=form, refusal=message), status=429)
        response["Retry-After"] = str(wait)
        return response

    def get_default_redirect_url(self) -> str:
        return landing_url(self.request.user)


def home(request: HttpRequest) -> HttpResponse:
    translation.activate("zh-hans")
    if request.user.is_authenticated:
        target = landing_url(request.user)
        if target != reverse("matchmaker:home"):
            return redirect(target)
    return render_page(request, "matchmaker/home.html", {})


# --- Review queue ------------------------------------------------------------------------------


@page_view
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if not viewer.may_review:
        return forbidden_page(request, "只有技术经理人和平台管理员可以查看审核队列。")
    proposed = reviews_for(request.user, viewer.roles).filter(status=S.PROPOSED)
    cities = sorted(set(proposed.order_by().values_list("need__city", flat=True).distinct()))
    form = QueueFilterForm(request.GET or None, cities=cities, with_scope=viewer.manager is not None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        # A stale or bad filter is ignored (the form says so); the others still apply.
        filters = {name: value for name, value in form.cleaned_data.items() if name not in form.errors}

    scope = "all" if viewer.manager is None else (filters.get("scope") or "mine")
    scoped = proposed.filter(assigned_to=viewer.manager) if scope == "mine" else proposed
    now = timezone.now()
    decided_today = reviews_for(request.user, viewer.roles).filter(decided_at__gte=_start_of_today())
    if scope == "mine":
        decided_today = decided_today.filter(decided_by=viewer.manager)
    counts = {
        "pending": scoped.count(),
        "overdue": scoped.filter(due_at__lt=now).count(),
        "done_today": decided_today.count(),
    }

    rows = scoped
    if filters.get("industry_chain"):
        rows = rows.filter(need__industry_chain=filters["industry_chain"])
    if filters.get("city"):
        rows = rows.filter(need__city=filters["city"])
    page = Paginator(rows.order_by("-score", "created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for match in page:
        match.age = _age(match.created_at, now)
        match.overdue = match.due_at is not None and match.due_at < now
        match.industry_name = industry_chain_name(match.need.industry_chain)
    return render_page(
        request,
        "matchmaker/review_queue.html",
        {"form": form, "page": page, "counts": counts, "scope": scope, "read_only": not viewer.may_decide},
    )


# --- One pairing under review ------------------------------------------------------------------

PART_LABELS = {
    "text": "文本相似度（综合）",
    "text_word": "词语相似度",
    "text_char": "字符片段相似度",
    "text_lsa": "语义相似度",
    "industry": "产业链契合",
    "trl": "技术成熟度契合",
    "price": "价格与预算契合",
    "region": "地区契合",
}


def _score_parts(parts: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the score table: a label, the value, and bar geometry on a −1…1 scale."""
    order = [key for key in PART_LABELS if key in parts] + sorted(key for key in parts if key not in PART_LABELS)
    rows = []
    for key in order:
        value = parts[key]
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        half = round(min(abs(float(value)), 1.0) * 50, 1)
        rows.append({"key": key, "label": PART_LABELS.get(key, key), "value": value, "half": half, "neg": value < 0})
    return rows


def _shared_terms(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    terms = [t for t in explanation.get("terms") or [] if isinstance(t, dict) and t.get("term")]
    top = max((float(t.get("weight") or 0) for t in terms), default=0.0)
    return [
        {
            "term": t["term"],
            "weight": float(t.get("weight") or 0),
            "width": round(100 * float(t.get("weight") or 0) / top, 1) if top > 0 else 0,
        }
        for t in terms
    ]


def _mode_labels(values: Iterable[str]) -> list[str]:
    labels = dict(TransferMode.choices)
    return [labels.get(value, value) for value in values or ()]


def _event_rows(events: Iterable[MatchEvent]) -> list[dict[str, Any]]:
    statuses, reasons = dict(S.choices), dict(Match.RejectReason.choices)
    return [
        {
            "at": event.at,
            "kind": event.get_kind_display(),
            "kind_code": event.kind,
            "actor": (event.actor.get_full_name() or event.actor.get_username()) if event.actor else "系统",
            "from": statuses.get(event.from_status, event.from_status),
            "to": statuses.get(event.to_status, event.to_status),
            "changed": event.from_status != event.to_status,
            "reason": reasons.get(event.reason, event.reason),
            "note": event.note,
        }
        for event in events
    ]


def _review_page(
    request: HttpRequest,
    match: Match,
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_of(request)
    need, outcome = match.need, match.outcome
    explanation = match.explanation if isinstance(match.explanation, dict) else {}
    need_spans = explanation.get("need_spans") or {}
    outcome_spans = explanation.get("outcome_spans") or {}
    forms = {
        "approve": ApproveForm(auto_id="approve_%s"),
        "reject": RejectForm(auto_id="reject_%s"),
        "ask": AskForm(auto_id="ask_%s"),
        "reopen": ReopenForm(auto_id="reopen_%s"),
        **(bound or {}),
    }
    context = {
        "match": match,
        "need": need,
        "outcome": outcome,
        "need_title": highlight_spans(need.title, need_spans.get("title")),
        "need_description": highlight_spans(need.description, need_spans.get("description")),
        "need_industry": industry_chain_name(need.industry_chain),
        "need_modes": _mode_labels(need.cooperation_modes),
        "outcome_title": highlight_spans(outcome.title, outcome_spans.get("title")),
        "outcome_abstract": highlight_spans(outcome.abstract, outcome_spans.get("abstract")),
        "outcome_industry": industry_chain_name(outcome.industry_chain),
        "outcome_modes": _mode_labels(outcome.transfer_modes),
        "terms": _shared_terms(explanation),
        "parts": _score_parts(match.parts if isinstance(match.parts, dict) else {}),
        "events": _event_rows(match.events.select_related("actor")),
        "questions": match.questions.select_related("asked_by", "answered_by"),
        "forms": forms,
        "error": error,
        "overdue": match.status == S.PROPOSED and match.due_at is not None and match.due_at < timezone.now(),
        "can_act": match.status == S.PROPOSED and viewer.may_decide,
        "can_reopen": match.status == S.REJECTED and viewer.roles.staff,
        "read_only": viewer.manager is not None and not viewer.may_decide,
    }
    return render_page(request, "matchmaker/review_detail.html", context, status=status)


def _reviewable(request: HttpRequest, pk: int) -> Match | HttpResponse:
    viewer = viewer_of(request)
    if not viewer.may_review:
        return forbidden_page(request, "只有技术经理人和平台管理员可以查看审核中的配对。")
    return get_object_or_404(reviews_for(request.user, viewer.roles), pk=pk)


@page_view
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    match = _reviewable(request, pk)
    if isinstance(match, HttpResponse):
        return match
    return _review_page(request, match)


REVIEW_FORMS = {"approve": ApproveForm, "reject": RejectForm, "ask": AskForm, "reopen": ReopenForm}


def _review_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    viewer = viewer_of(request)
    if action != "reopen" and viewer.manager is not None and not viewer.may_decide:
        return forbidden_page(request, f"您的技术经理人证书{viewer.lapse}，只能查看，不能审核。")
    match = _reviewable(request, pk)
    if isinstance(match, HttpResponse):
        return match
    form = REVIEW_FORMS[action](request.POST, auto_id=f"{action}_%s")
    if not form.is_valid():
        return _review_page(request, match, bound={action: form}, error="请检查填写的内容。", status=400)
    data = form.cleaned_data
    try:
        if action == "approve":
            reviews.review_decide(match=match, manager=viewer.manager, approve=True, note=data["note"])
            done = "已通过该配对，双方现在可以看到彼此的联系方式。"
        elif action == "reject":
            reviews.review_decide(
                match=match, manager=viewer.manager, approve=False, reason=data["reason"], note=data["note"]
            )
            done = "已驳回该配对。"
        elif action == "ask":
            reviews.review_ask(match=match, manager=viewer.manager, party=data["party"], question=data["question"])
            done = f"问题已发送给{MatchQuestion.Party(data['party']).label}。"
        else:
            reviews.review_reopen(match=match, user=request.user, note=data["note"])
            done = "已重新打开该配对，等待重新审核。"
    except NotAllowedError as exc:
        return forbidden_page(request, exc.message)
    except ConflictError as exc:
        match.refresh_from_db()
        return _review_page(request, match, error=exc.message, status=409)
    except ApplicationError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _review_page(request, match, bound={action: form}, error=exc.message, status=400)
    messages.success(request, done)
    return redirect("matchmaker:review-detail", pk=match.pk)


@page_view
@require_POST
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(request, pk, "approve")


@page_view
@require_POST
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(request, pk, "reject")


@page_view
@require_POST
def review_ask(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(request, pk, "ask")


@page_view
@require_POST
def review_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(request, pk, "reopen")


# --- Deals -------------------------------------------------------------------------------------

STAGES = (S.APPROVED, S.CONTACTED, S.NEGOTIATING, S.SIGNED)
STAGE_FILTERS = {
    "open": ("进行中", (S.APPROVED, S.CONTACTED, S.NEGOTIATING)),
    "signed": ("已签约", (S.SIGNED,)),
    "closed": ("已关闭", (S.CLOSED,)),
}


def _contact(party: Enterprise | Institution, role: str) -> dict[str, str]:
    return {
        "role": role,
        "name": party.name,
        "contact_name": party.contact_name,
        "phone": party.contact_phone,
        "email": party.contact_email,
    }


def _decorate_deal(deal: Match, viewer: Viewer, user) -> Match:
    """Attach what the deal templates show: the contacts this viewer may see, stage steps, moves."""
    roles = viewer.roles
    contacts = []
    # A party sees its counterpart; managers and staff see both sides.
    if roles.sees_everything or deal.outcome.institution_id in roles.institution_ids:
        contacts.append(_contact(deal.need.enterprise, "需求方企业"))
    if roles.sees_everything or deal.need.enterprise_id in roles.enterprise_ids:
        contacts.append(_contact(deal.outcome.institution, "成果方机构"))
    deal.contacts = contacts
    deal.own_side = (
        "need"
        if deal.need.enterprise_id in roles.enterprise_ids
        else "outcome"
        if deal.outcome.institution_id in roles.institution_ids
        else ""
    )
    reached = STAGES.index(deal.status) if deal.status in STAGES else -1
    deal.steps = [
        {"label": stage.label, "state": "done" if i < reached else "current" if i == reached else "todo"}
        for i, stage in enumerate(STAGES)
    ]
    deal.moves = [{"status": m, "label": S(m).label} for m in deals.allowed_moves(user, deal)]
    return deal


def _question_rows(viewer: Viewer, bound: dict[int, AnswerForm] | None = None) -> list[MatchQuestion]:
    if viewer.roles.sees_everything or not viewer.is_party:
        return []
    rows = list(questions_for(viewer.roles).select_related("match__need__enterprise").order_by("-asked_at", "-id"))
    for question in rows:
        need = question.match.need
        question.need_title = need.title if can_see_need_details(viewer.roles, need) else need.display_public_title()
        question.form = (bound or {}).get(question.pk) or AnswerForm(auto_id=f"answer{question.pk}_%s")
    return rows


def _rejection_rows(viewer: Viewer, limit: int = 20) -> list[dict[str, Any]]:
    """The party's own needs and outcomes that were turned down, most rejections first."""
    rows: list[dict[str, Any]] = []
    sides = (
        (
            "成果",
            Outcome,
            "institution_id__in",
            viewer.roles.institution_ids,
            "outcome",
            "matchmaker:outcome-rejections",
        ),
        ("需求", Need, "enterprise_id__in", viewer.roles.enterprise_ids, "need", "matchmaker:need-rejections"),
    )
    for kind, model, owner_lookup, owner_ids, side, url_name in sides:
        if not owner_ids:
            continue
        items = list(
            model.objects.filter(**{owner_lookup: owner_ids}, matches__status=S.REJECTED)
            .annotate(rejections=Count("matches"))
            .order_by("-rejections", "title")[:limit]
        )
        reasons = rejection_summaries(
            Match.objects.filter(**{f"{side}_id__in": [item.pk for item in items]}), by=f"{side}_id"
        )
        rows += [
            {
                "kind": kind,
                "title": item.title,
                "url": reverse(url_name, args=[item.pk]),
                "reasons": reasons.get(item.pk, []),
            }
            for item in items
        ]
    return rows


def _deals_page(
    request: HttpRequest,
    *,
    bound_answers: dict[int, AnswerForm] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_of(request)
    stage = request.GET.get("stage", "")
    rows = deals_for(viewer.roles).select_related("need__enterprise", "outcome__institution", "decided_by__user")
    if stage in STAGE_FILTERS:
        rows = rows.filter(status__in=STAGE_FILTERS[stage][1])
    page = Paginator(rows.order_by("-stage_changed_at", "-decided_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for deal in page:
        _decorate_deal(deal, viewer, request.user)
    questions = _question_rows(viewer, bound_answers)
    context = {
        "page": page,
        "stage": stage,
        "stage_filters": [(key, label) for key, (label, _) in STAGE_FILTERS.items()],
        "questions": questions,
        "open_questions": sum(1 for q in questions if q.answered_at is None),
        "rejections": _rejection_rows(viewer) if viewer.is_party else [],
        "error": error,
        # Where the move forms send the user back to; never the POST-only URL that rendered an error.
        "here": request.get_full_path() if request.method == "GET" else reverse("matchmaker:deal-list"),
        "transfer_modes": TransferMode.choices,
    }
    return render_page(request, "matchmaker/deal_list.html", context, status=status)


@page_view
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    return _deals_page(request)


def _deal_page(
    request: HttpRequest, deal: Match, *, move_form: DealMoveForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    viewer = viewer_of(request)
    _decorate_deal(deal, viewer, request.user)
    events = deal.events.select_related("actor")
    if not viewer.roles.sees_everything:
        # The parties follow the stages; managers' internal review notes stay with the managers.
        events = events.filter(kind__in=(MatchEvent.Kind.APPROVED, MatchEvent.Kind.STAGE))
    rows = _event_rows(events)
    if not viewer.roles.sees_everything:
        for row in rows:
            if row["kind_code"] == MatchEvent.Kind.APPROVED:
                row["note"] = ""
    context = {
        "deal": deal,
        "need_industry": industry_chain_name(deal.need.industry_chain),
        "outcome_industry": industry_chain_name(deal.outcome.industry_chain),
        "contract_mode": dict(TransferMode.choices).get(deal.contract_mode, deal.contract_mode),
        "events": rows,
        "move_form": move_form,
        "error": error,
        "here": reverse("matchmaker:deal-detail", args=[deal.pk]),
        "transfer_modes": TransferMode.choices,
    }
    return render_page(request, "matchmaker/deal_detail.html", context, status=status)


@page_view
@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(deals_for(viewer_of(request).roles), pk=pk)
    return _deal_page(request, deal)


@page_view
@require_POST
def deal_move(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(deals_for(viewer_of(request).roles), pk=pk)
    form = DealMoveForm(request.POST, auto_id="move_%s")
    if not form.is_valid():
        # The stage forms are small hand-written ones, so the errors are listed in one message on top.
        problems = [
            f"{form.fields[name].label}：{message}" if name in form.fields else message
            for name, messages_ in form.errors.items()
            for message in messages_
        ]
        return _deal_page(request, deal, move_form=form, error="；".join(problems), status=400)
    data = form.cleaned_data
    try:
        deal = deals.deal_move(
            match=deal,
            user=request.user,
            to_status=data["status"],
            reason=data["reason"],
            contract_value_wan=data["contract_value_wan"],
            contract_mode=data["contract_mode"],
        )
    except NotAllowedError as exc:
        return forbidden_page(request, exc.message)
    except ConflictError as exc:
        deal.refresh_from_db()
        return _deal_page(request, deal, error=exc.message, status=409)
    except ApplicationError as exc:
        return _deal_page(request, deal, move_form=form, error=exc.message, status=400)
    messages.success(request, f"对接进展已更新为“{deal.get_status_display()}”。")
    fallback = reverse("matchmaker:deal-detail", args=[deal.pk])
    return redirect(_safe_next(request, data["next"], fallback))


@page_view
@require_POST
def question_answer(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    question = get_object_or_404(questions_for(viewer.roles), pk=pk)
    form = AnswerForm(request.POST, auto_id=f"answer{question.pk}_%s")
    if not form.is_valid():
        return _deals_page(request, bound_answers={question.pk: form}, error="请检查填写的内容。", status=400)
    try:
        reviews.review_answer(question=question, user=request.user, answer=form.cleaned_data["answer"])
    except NotAllowedError as exc:
        return forbidden_page(request, exc.message)
    except ApplicationError as exc:
        # ConflictError (already answered) included: the page shows the answer that is on record.
        form.add_error("answer" if exc.field == "answer" else None, exc.message)
        code = 409 if isinstance(exc, ConflictError) else 400
        return _deals_page(request, bound_answers={question.pk: form}, error=exc.message, status=code)
    messages.success(request, "答复已提交，技术经理人会在审核页面看到。")
    return redirect(reverse("matchmaker:deal-list") + "#questions")


# --- Rejection summaries -----------------------------------------------------------------------


def _rejections_page(request: HttpRequest, *, kind: str, title: str, matches, back: str) -> HttpResponse:
    reasons = rejection_summary(matches)
    total = sum(row["count"] for row in reasons)
    top = max((row["count"] for row in reasons), default=0)
    for row in reasons:
        row["width"] = round(100 * row["count"] / top, 1) if top else 0
    context = {
        "kind": kind,
        "title": title,
        "reasons": reasons,
        "total": total,
        "proposed_total": matches.exclude(status__in=(S.PROPOSED, S.RETRACTED)).count(),
        "back": back,
    }
    return render_page(request, "matchmaker/rejections.html", context)


@page_view
@require_GET
def outcome_rejections(request: HttpRequest, pk: int) -> HttpResponse:
    roles = viewer_of(request).roles
    outcome = get_object_or_404(outcomes_visible_to(roles), pk=pk)
    if not (roles.sees_everything or outcome.institution_id in roles.institution_ids):
        return forbidden_page(request, "只有成果所属机构和技术经理人可以查看驳回原因。")
    return _rejections_page(
        request,
        kind="成果",
        title=outcome.title,
        matches=Match.objects.filter(outcome=outcome),
        back=reverse("matchmaker:deal-list") + "#rejections",
    )


@page_view
@require_GET
def need_rejections(request: HttpRequest, pk: int) -> HttpResponse:
    roles = viewer_of(request).roles
    need = get_object_or_404(needs_visible_to(roles), pk=pk)
    if not (roles.sees_everything or need.enterprise_id in roles.enterprise_ids):
        return forbidden_page(request, "只有需求方企业和技术经理人可以查看驳回原因。")
    return _rejections_page(
        request,
        kind="需求",
        title=need.title,
        matches=Match.objects.filter(need=need),
        back=reverse("matchmaker:deal-list") + "#rejections",
    )
