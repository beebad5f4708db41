"""A need created through the API is prepared by a real Celery worker on Redis and PostgreSQL."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app
from matchmaker import engine
from needs.models import Need
from tests import live
from tests.factories import EnterpriseFactory, add_enterprise_member

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_broker():
    live.require_postgres()
    url = live.broker_url()
    # The test settings read the same CELERY_BROKER_URL; only in-process execution is switched off.
    assert celery_app.conf.broker_url == url
    celery_app.conf.task_always_eager = False
    yield url
    celery_app.conf.task_always_eager = True


def test_worker_prepares_text_of_need_created_through_api(real_broker):
    enterprise = EnterpriseFactory(code="live-ent")
    user = add_enterprise_member(enterprise, "live-alice")
    client = APIClient()
    client.force_authenticate(user)

    with live.celery_worker(real_broker, name="prep"):
        response = client.post(
            "/api/v1/needs/",
            {
                "enterprise": "live-ent",
                "title": "碳化矽功率模組焊層空洞",
                "description": "SiC模組回流焊後焊層空洞率高，需要真空回流焊工藝。",
                "industry_chain": "semiconductors",
                "city": "西安",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        need_id = response.json()["id"]
        assert live.wait_for(lambda: Need.objects.get(pk=need_id).text_prepared_at is not None, timeout=90), (
            "the worker did not prepare the need's text; see data/celery-prep.log"
        )

    need = Need.objects.get(pk=need_id)
    # Prepared by the worker: Traditional script converted to Simplified before tokenising.
    assert "碳化硅" in need.normalized_text
    assert {"碳化硅", "空洞"} <= set(engine.split_tokens(need.tokens))
    assert need.tokens_lexicon


def test_a_worker_delivers_a_notification_once_the_relay_comes_back(real_broker):
    # A real SMTP relay (aiosmtpd) that is down when the mail is queued and up a few seconds later.
    import socket
    import uuid

    from aiosmtpd.controller import Controller

    from matchmaker import tasks
    from tests.smtp import Inbox

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "MATCHMAKER_MAIL_RETRY_SECONDS": "1",
    }
    subject = f"【对接通知】{uuid.uuid4().hex[:8]}"  # tells this run's mail from any left in the queue
    inbox = Inbox()
    log = live.ROOT / "data" / "celery-mail.log"
    with live.celery_worker(real_broker, name="mail", extra_env=smtp):
        body, sender, to = "技术经理人已审核通过。", "pingtai@example.com", ["qiye@example.com"]
        task_id = tasks.send_notification.delay(subject, body, sender, to).id

        def attempts() -> int:  # each retry is the same task received again
            return log.read_text(encoding="utf-8").count(f"send_notification[{task_id}] received")

        assert live.wait_for(lambda: attempts() >= 2, timeout=60), (
            "the worker did not retry the refused mail; see data/celery-mail.log"
        )
        relay = Controller(inbox, hostname="127.0.0.1", port=port)
        relay.start()

        def mine() -> list[str]:
            return [s for s in inbox.subjects() if s == subject]

        try:
            assert live.wait_for(mine, timeout=60), "the mail never reached the relay"
            live.wait_for(lambda: len(mine()) > 1, timeout=3)  # a duplicate would show by now
        finally:
            relay.stop()
    assert len(mine()) == 1
