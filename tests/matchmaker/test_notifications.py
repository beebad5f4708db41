"""Notification mails go through a Celery task that retries a failing relay and never sends twice."""

from __future__ import annotations

import smtplib
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from kombu.exceptions import OperationalError

from matchmaker import notifications, tasks

MESSAGE = ("【对接通知】测试", "技术经理人已审核通过。", "pingtai@example.com", ["qiye@example.com"])


def _run_on_a_worker(retries: int):
    """Run the task body as a worker would on its `retries`-th retry (not in the request)."""
    tasks.send_notification.push_request(is_eager=False, retries=retries, called_directly=False)
    try:
        return tasks.send_notification.run(*MESSAGE)
    finally:
        tasks.send_notification.pop_request()


@pytest.mark.parametrize(("retries", "countdown"), [(0, 60), (1, 120), (4, 960), (5, 1800), (9, 1800)])
def test_a_worker_retries_a_failing_relay_later_and_later(retries, countdown):
    error = smtplib.SMTPServerDisconnected("relay went away")
    with (
        mock.patch("matchmaker.notifications.send_mass_mail", side_effect=error),
        mock.patch.object(tasks.send_notification, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        _run_on_a_worker(retries)
    retry.assert_called_once_with(exc=error, countdown=countdown)


def test_a_worker_sends_the_message_as_given():
    assert _run_on_a_worker(0) == 1
    [sent] = mail.outbox
    assert (sent.subject, sent.body, sent.from_email, sent.to) == (MESSAGE[0], MESSAGE[1], MESSAGE[2], MESSAGE[3])


def test_in_the_request_a_failure_is_not_retried_and_the_other_party_still_gets_mail(caplog):
    # No broker: the task runs in the request; retrying there would hold the manager's request.
    other = ("【对接通知】另一方", "正文", "pingtai@example.com", ["yuanxiao@example.com"])
    with mock.patch(
        "matchmaker.notifications.send_mass_mail", side_effect=[ConnectionRefusedError("no relay"), 1]
    ) as send:
        assert notifications._queue([MESSAGE, other]) == 1
    assert send.call_count == 2
    assert "not sent" in caplog.text and "qiye@example.com" in caplog.text


def test_with_the_broker_unreachable_the_mail_is_sent_in_the_request():
    with mock.patch.object(tasks.send_notification, "delay", side_effect=OperationalError("broker down")):
        assert notifications._queue([MESSAGE]) == 1
    assert [m.to for m in mail.outbox] == [MESSAGE[3]]


def test_a_bug_is_raised_not_swallowed():
    with (
        mock.patch("matchmaker.notifications.send_mass_mail", side_effect=TypeError("bug")),
        pytest.raises(TypeError),
    ):
        notifications._queue([MESSAGE])
