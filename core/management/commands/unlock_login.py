"""Lift a login lock-out before it expires (e.g. after confirming the owner's identity)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from core import lockout


class Command(BaseCommand):
    help = "解除某个用户名的登录锁定，并清除其失败次数。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, **options) -> None:
        username = options["username"].strip()
        remaining = lockout.locked_for(username)
        lockout.unlock(username)
        state = f"（原本还剩 {remaining} 秒）" if remaining else "（当前未被锁定）"
        self.stdout.write(f"已解除 {username} 的登录锁定{state}。")
