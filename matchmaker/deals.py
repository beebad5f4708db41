"""After approval: approved → contacted → negotiating → signed, or closed with a reason.

Who may move each step:
  contacted, negotiating, signed   the manager who approved the pairing (while in force), or staff
  closed                           that manager, staff, or a member of either party
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from brokers.models import TechnologyManager
from core.exceptions import ApplicationError, ConflictError, NotAllowedError
from core.models import TransferMode
from matchmaker.audit import record_event
from matchmaker.models import Match, MatchEvent

S = Match.Status
NEXT_STAGE = {S.APPROVED: S.CONTACTED, S.CONTACTED: S.NEGOTIATING, S.NEGOTIATING: S.SIGNED}
CLOSABLE = frozenset({S.APPROVED, S.CONTACTED, S.NEGOTIATING})


def _is_deciding_manager(user: AbstractBaseUser, match: Match) -> bool:
    manager = TechnologyManager.objects.filter(user=user).first()
    return manager is not None and manager.can_decide() and manager.pk == match.decided_by_id


def _is_party(user: AbstractBaseUser, match: Match) -> bool:
    return (
        match.need.enterprise.memberships.filter(user=user).exists()
        or match.outcome.institution.memberships.filter(user=user).exists()
    )


def may_move(user: AbstractBaseUser, match: Match) -> bool:
    """Whether `user` has any say in this deal, whatever its stage: staff, its manager, its parties."""
    return user.is_authenticated and (user.is_staff or _is_deciding_manager(user, match) or _is_party(user, match))


def allowed_moves(user: AbstractBaseUser, match: Match) -> list[str]:
    """The stages `user` may move `match` to now (for pages and the API)."""
    if not user.is_authenticated or match.status not in CLOSABLE:
        return []
    moves: list[str] = []
    steward = user.is_staff or _is_deciding_manager(user, match)
    if steward:
        moves.append(NEXT_STAGE[match.status])
    if steward or _is_party(user, match):
        moves.append(S.CLOSED)
    return moves


@transaction.atomic
def deal_move(
    *,
    match: Match,
    user: AbstractBaseUser,
    to_status: str,
    reason: str = "",
    contract_value_wan: Decimal | None = None,
    contract_mode: str = "",
) -> Match:
    """Move an approved pairing one stage on, or close it with a reason."""
    match = (
        Match.objects.select_for_update().select_related("need__enterprise", "outcome__institution").get(pk=match.pk)
    )
    if to_status not in (S.CONTACTED, S.NEGOTIATING, S.SIGNED, S.CLOSED):
        raise ApplicationError("未知的进展阶段。", field="status")
    if match.status not in CLOSABLE:
        raise ConflictError(f"当前状态“{match.get_status_display()}”不能再变更。")
    if to_status not in (NEXT_STAGE[match.status], S.CLOSED):
        raise ApplicationError(f"当前状态“{match.get_status_display()}”之后不能直接进入该阶段。", field="status")
    if to_status not in allowed_moves(user, match):
        raise NotAllowedError("您无权变更该配对的进展。")
    updates: dict = {"status": to_status, "stage_changed_at": timezone.now()}
    if to_status == S.SIGNED:
        if contract_value_wan is None or contract_value_wan < 0:
            raise ApplicationError("签约须填写合同金额（万元）。", field="contract_value_wan")
        if contract_mode not in TransferMode.values:
            raise ApplicationError("签约须选择合作方式。", field="contract_mode")
        updates |= {"contract_value_wan": contract_value_wan, "contract_mode": contract_mode}
    if to_status == S.CLOSED:
        if not reason.strip():
            raise ApplicationError("关闭须说明原因。", field="reason")
        updates["closed_reason"] = reason.strip()
    previous = match.status
    Match.objects.filter(pk=match.pk).update(**updates)
    match.refresh_from_db()
    record_event(
        match=match,
        kind=MatchEvent.Kind.STAGE,
        actor=user,
        from_status=previous,
        to_status=to_status,
        reason=reason.strip(),
        data={
            "contract_value_wan": str(contract_value_wan) if contract_value_wan is not None else None,
            "contract_mode": contract_mode,
        },
    )
    return match
