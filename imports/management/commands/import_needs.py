from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "从 CSV / XLSX / JSON Lines 文件批量导入（或按编号、需求名称更新）一个企业的产业需求。"
    kind = "needs"
    owner_option = "enterprise"
    owner_help = "企业代码"
