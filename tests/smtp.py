"""A real SMTP server's handler for tests (aiosmtpd): keeps what it receives."""

from __future__ import annotations

import email
import email.policy


class Inbox:
    """aiosmtpd's handler: keeps (sender, recipients, raw message) of each mail received."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [email.message_from_bytes(raw, policy=email.policy.default)["Subject"] for _, _, raw in self.messages]
