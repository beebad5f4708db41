"""E-mails to the parties of a pairing (Django's email backend; console by default)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail

from matchmaker.models import Match, MatchQuestion


def _enterprise_addresses(match: Match) -> list[str]:
    enterprise = match.need.enterprise
    emails = {u.email for u in enterprise.members.all() if u.email}
    if enterprise.contact_email:
        emails.add(enterprise.contact_email)
    return sorted(emails)


def _institution_addresses(match: Match) -> list[str]:
    institution = match.outcome.institution
    emails = {u.email for u in institution.members.all() if u.email}
    if institution.contact_email:
        emails.add(institution.contact_email)
    return sorted(emails)


def notify_approved(match: Match) -> int:
    """Tell both parties the pairing was approved, with each other's contact details."""
    enterprise, institution = match.need.enterprise, match.outcome.institution
    to_enterprise = (
        f"【对接通知】您的需求“{match.need.title}”已匹配成果",
        f"技术经理人已审核通过：需求“{match.need.title}”与{institution.name}的成果“{match.outcome.title}”。\n"
        f"成果方联系人：{institution.contact_name} {institution.contact_phone} {institution.contact_email}\n",
        settings.DEFAULT_FROM_EMAIL,
        _enterprise_addresses(match),
    )
    to_institution = (
        f"【对接通知】您的成果“{match.outcome.title}”已匹配需求",
        f"技术经理人已审核通过：成果“{match.outcome.title}”与{enterprise.name}的需求“{match.need.title}”。\n"
        f"需求方联系人：{enterprise.contact_name} {enterprise.contact_phone} {enterprise.contact_email}\n",
        settings.DEFAULT_FROM_EMAIL,
        _institution_addresses(match),
    )
    return send_mass_mail([m for m in (to_enterprise, to_institution) if m[3]], fail_silently=False)


def notify_question(question: MatchQuestion) -> int:
    match = question.match
    if question.party == MatchQuestion.Party.NEED:
        recipients, subject_of = _enterprise_addresses(match), match.need.title
    else:
        recipients, subject_of = _institution_addresses(match), match.outcome.title
    if not recipients:
        return 0
    message = (
        f"【技术经理人提问】关于“{subject_of}”",
        f"技术经理人就一项待审核的对接提出问题：\n\n{question.question}\n\n请登录平台答复。",
        settings.DEFAULT_FROM_EMAIL,
        recipients,
    )
    return send_mass_mail([message], fail_silently=False)
