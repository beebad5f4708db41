"""The managers' review workflow: approve, reject, ask a party, reopen. Every change is audited."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from brokers.models import ConflictOfInterest, TechnologyManager
from core.exceptions import ApplicationError, ConflictError, NotAllowedError
from matchmaker import notifications
from matchmaker.audit import record_event
from matchmaker.models import Match, MatchEvent, MatchQuestion
from needs.models import Need


def check_may_decide(manager: TechnologyManager | None, match: Match) -> TechnologyManager:
    if manager is None:
        raise NotAllowedError("只有技术经理人可以审核配对。")
    if not manager.can_decide():
        raise NotAllowedError("证书已过期、暂停或停用的技术经理人不能做审核决定。")
    conflicted = ConflictOfInterest.objects.filter(
        Q(enterprise_id=match.need.enterprise_id) | Q(institution_id=match.outcome.institution_id), manager=manager
    ).exists()
    if conflicted:
        raise NotAllowedError("您已申报与该配对一方存在利益冲突，不能审核。")
    return manager


def review_decide(
    *, match: Match, manager: TechnologyManager | None, approve: bool, reason: str = "", note: str = ""
) -> Match:
    """Approve or reject a proposal. Exactly one of two concurrent decisions wins; the other gets ConflictError."""
    check_may_decide(manager, match)
    if not approve and reason not in Match.RejectReason.values:
        raise ApplicationError("请选择驳回原因。", field="reason")
    if not approve and reason == Match.RejectReason.OTHER and not note.strip():
        raise ApplicationError("选择“其他”时请填写说明。", field="note")
    new_status = Match.Status.APPROVED if approve else Match.Status.REJECTED
    now = timezone.now()
    with transaction.atomic():
        # The status condition makes the write itself the arbiter: a second decision updates no row.
        won = Match.objects.filter(pk=match.pk, status=Match.Status.PROPOSED).update(
            status=new_status,
            decided_by=manager,
            decided_at=now,
            reject_reason="" if approve else reason,
            decision_note=note.strip(),
            stage_changed_at=now,
            updated_at=now,
        )
        if not won:
            raise ConflictError("该配对已由其他技术经理人处理，请刷新后查看。")
        match.refresh_from_db()
        record_event(
            match=match,
            kind=MatchEvent.Kind.APPROVED if approve else MatchEvent.Kind.REJECTED,
            actor=manager.user,
            from_status=Match.Status.PROPOSED,
            to_status=new_status,
            reason=reason,
            note=note.strip(),
        )
        if approve:
            Need.objects.filter(pk=match.need_id, status=Need.Status.OPEN).update(status=Need.Status.MATCHED)
            # robust: the decision is committed; a mail outage is logged, never turned into an error.
            transaction.on_commit(lambda: notifications.notify_approved(match), robust=True)
    return match


@transaction.atomic
def review_reopen(*, match: Match, user: AbstractBaseUser, note: str) -> Match:
    """Staff send a rejected pairing back for review (the rejection is overturned)."""
    check_may_reopen(user)
    if not note.strip():
        raise ApplicationError("请说明重新审核的理由。", field="note")
    rejected_by = match.decided_by_id
    reopened = Match.objects.filter(pk=match.pk, status=Match.Status.REJECTED).update(
        status=Match.Status.PROPOSED,
        decided_by=None,
        decided_at=None,
        reject_reason="",
        decision_note="",
        updated_at=timezone.now(),
    )
    if not reopened:
        raise ConflictError("只有已驳回的配对可以重新审核。")
    match.refresh_from_db()
    record_event(
        match=match,
        kind=MatchEvent.Kind.REOPENED,
        actor=user,
        from_status=Match.Status.REJECTED,
        to_status=Match.Status.PROPOSED,
        note=note.strip(),
        data={"rejected_by": rejected_by},
    )
    from matchmaker.assignment import match_assign

    match_assign(match=match, exclude={rejected_by} if rejected_by else None)
    return match


@transaction.atomic
def review_ask(*, match: Match, manager: TechnologyManager | None, party: str, question: str) -> MatchQuestion:
    """A manager asks the enterprise or the institution a question about a proposal."""
    check_may_decide(manager, match)
    if party not in MatchQuestion.Party.values:
        raise ApplicationError("请选择提问对象。", field="party")
    if not question.strip():
        raise ApplicationError("问题不能为空。", field="question")
    if match.status != Match.Status.PROPOSED:
        raise ConflictError("该配对已审核，不能再提问。")
    asked = MatchQuestion.objects.create(match=match, party=party, question=question.strip(), asked_by=manager.user)
    record_event(
        match=match,
        kind=MatchEvent.Kind.QUESTION,
        actor=manager.user,
        from_status=match.status,
        to_status=match.status,
        note=question.strip(),
        data={"party": party, "question": asked.pk},
    )
    transaction.on_commit(lambda: notifications.notify_question(asked), robust=True)
    return asked


def check_may_reopen(user: AbstractBaseUser) -> None:
    if not user.is_staff:
        raise NotAllowedError("只有平台管理员可以重新打开已驳回的配对。")


def check_may_answer(question: MatchQuestion, user: AbstractBaseUser) -> None:
    match = question.match
    if question.party == MatchQuestion.Party.NEED:
        allowed = match.need.enterprise.memberships.filter(user=user).exists()
    else:
        allowed = match.outcome.institution.memberships.filter(user=user).exists()
    if not allowed:
        raise NotAllowedError("只有被提问的一方可以答复。")


@transaction.atomic
def review_answer(*, question: MatchQuestion, user: AbstractBaseUser, answer: str) -> MatchQuestion:
    """The asked party answers."""
    match = question.match
    check_may_answer(question, user)
    if not answer.strip():
        raise ApplicationError("答复不能为空。", field="answer")
    now = timezone.now()
    # Conditional on "not answered yet", so of two simultaneous answers exactly one is kept.
    won = MatchQuestion.objects.filter(pk=question.pk, answered_at__isnull=True).update(
        answer=answer.strip(), answered_by=user, answered_at=now
    )
    if not won:
        raise ConflictError("该问题已答复。")
    question.refresh_from_db()
    record_event(
        match=match,
        kind=MatchEvent.Kind.ANSWER,
        actor=user,
        from_status=match.status,
        to_status=match.status,
        note=answer.strip(),
        data={"question": question.pk},
    )
    return question
