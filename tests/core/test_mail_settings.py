"""Mail goes to the SMTP relay the environment names, and a silent relay cannot hold a request."""

from __future__ import annotations

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.core.test_env import clean_env, run
from tests.smtp import Inbox

SEND = (
    "import django; django.setup();"
    "from django.core.mail import send_mail;"
    "send_mail('【对接通知】测试', '技术经理人已审核通过。', None, ['qiye@example.com'])"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _smtp_env(tmp_path, port: int, **extra: str) -> dict[str, str]:
    smtp = {
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "DEFAULT_FROM_EMAIL": "pingtai@example.com",
    }
    return clean_env(tmp_path, **{**smtp, **extra})


def test_mail_is_delivered_to_the_relay_the_environment_names(tmp_path):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        result = run(["-c", SEND], _smtp_env(tmp_path, controller.port))
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    ((sender, recipients, content),) = inbox.messages
    assert sender == "pingtai@example.com" and recipients == ["qiye@example.com"]
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert message["Subject"] == "【对接通知】测试"
    assert message.get_content().strip() == "技术经理人已审核通过。"


def test_a_relay_that_never_answers_fails_the_send_within_the_timeout(tmp_path):
    # Accepts the connection and says nothing: without a timeout the sender would wait forever.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    try:
        result = run(["-c", SEND], _smtp_env(tmp_path, listener.getsockname()[1], EMAIL_TIMEOUT="1"))
    finally:
        for conn in held:
            conn.close()
        listener.close()
    assert result.returncode != 0
    assert "timed out" in result.stderr


def test_starttls_and_implicit_tls_together_are_refused(tmp_path):
    result = run(["-c", SEND], _smtp_env(tmp_path, 25, EMAIL_USE_TLS="1", EMAIL_USE_SSL="1"))
    assert result.returncode != 0
    assert "EMAIL_USE_TLS" in result.stderr and "EMAIL_USE_SSL" in result.stderr


@pytest.mark.parametrize("name", ["EMAIL_PORT", "EMAIL_TIMEOUT"])
def test_a_port_or_timeout_that_is_not_a_number_is_refused_by_name(tmp_path, name):
    result = run(["-c", SEND], _smtp_env(tmp_path, 25, **{name: "soon"}))
    assert result.returncode != 0 and name in result.stderr
