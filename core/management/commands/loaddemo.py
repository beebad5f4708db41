from django.core.management.base import BaseCommand

from core.demo_loader import DEMO_ADMIN, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Create or refresh the demo enterprises, institutions, managers, needs and outcomes (idempotent)."

    def handle(self, *args, **options) -> None:
        summary = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"演示数据已就绪：{summary.enterprises} 家企业，{summary.institutions} 家高校院所，"
                f"{summary.managers} 名技术经理人，{summary.needs} 条需求，{summary.outcomes} 项成果。"
            )
        )
        self.stdout.write(f"演示账号密码均为 {DEMO_PASSWORD}（管理员账号：{DEMO_ADMIN}）。")
