from imports.management.commands._base import ImportCommand


class Command(ImportCommand):
    help = "从 CSV / XLSX / JSON Lines 文件批量导入（或按编号更新）一个高校院所的科技成果。"
    kind = "outcomes"
    owner_option = "institution"
    owner_help = "高校院所代码"
