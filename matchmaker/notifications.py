"""E-mails to the parties of a pairing (Django's email backend; console by default).

Each message is handed to a Celery task (`tasks.send_notification`) when the decision commits, so a
slow or failing relay neither holds the manager's request nor loses the mail: the worker retries it.
One task per message, so a retry never sends a party's mail twice because the other party's failed.
Without a broker (the embedded default) the task runs in the request, as before, and a failure is
logged; with the broker unreachable the message is sent in the request too.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import send_mass_mail

from core.exceptions import BrokerUnavailable
from matchmaker.models import Match, MatchQuestion

logger = logging.getLogger(__name__)

Message = tuple[str, str, str, list[str]]  # subject, body, sender, recipients
# A relay that refuses, drops or times out may take the mail later (OSError: refused connections and
# timeouts); anything else is a bug and is raised.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def send(message: Message) -> int:
    """Send one message now (what the task does); returns how many were sent."""
    return send_mass_mail([message], fail_silently=False)


def _queue(messages: list[Message]) -> int:
    from matchmaker import tasks  # tasks imports the services, which import this module

    queued = 0
    for message in messages:
        # Each party's mail on its own: one failing does not keep the other from being sent.
        try:
            try:
                tasks.send_notification.delay(*message)
            except BrokerUnavailable:
                logger.warning("broker unreachable: sending %r in the request", message[0], exc_info=True)
                send(message)
            queued += 1
        except MAIL_ERRORS:
            logger.exception("notification %r to %s not sent", message[0], ", ".join(message[3]))
    return queued


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
    """Tell both parties the pairing was approved, with each other's contact details (queued)."""
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
    return _queue([m for m in (to_enterprise, to_institution) if m[3]])


def notify_question(question: MatchQuestion) -> int:
    """Send the manager's question to the party asked (queued)."""
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
    return _queue([message])
