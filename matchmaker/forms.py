"""Forms of the review and deals pages. They check shape only; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.models import TransferMode
from core.taxonomy import industry_chain_choices
from matchmaker.models import Match, MatchQuestion

TOO_LONG = "内容过长，最多 %(limit_value)d 个字符。"


def _text(label: str, *, max_length: int = 2000, rows: int = 3, placeholder: str = "") -> forms.CharField:
    # Emptiness is checked by the services, so the page shows the same message as the API.
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        error_messages={"max_length": TOO_LONG},
        widget=forms.Textarea(attrs={"rows": rows, "placeholder": placeholder}),
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（注意区分大小写）。",
        "inactive": "该账号已停用，请联系平台管理员。",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["username"].error_messages["required"] = "请输入用户名。"
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请输入密码。"


class QueueFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label="范围", required=False, choices=[("mine", "分派给我的"), ("all", "全部待审核")], initial="mine"
    )
    industry_chain = forms.ChoiceField(label="产业链", required=False)
    city = forms.ChoiceField(label="需求所在城市", required=False)

    def __init__(self, data=None, *, cities: list[str], with_scope: bool) -> None:
        super().__init__(data)
        self.fields["industry_chain"].choices = [("", "全部产业链"), *industry_chain_choices()]
        self.fields["city"].choices = [("", "全部城市"), *((c, c) for c in cities)]
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = "无效的选项，已忽略。"
        if not with_scope:
            del self.fields["scope"]


class ApproveForm(forms.Form):
    note = _text("审核意见（可选）", placeholder="例如：双方技术路线契合，建议尽快对接。")


class RejectForm(forms.Form):
    # Blank is allowed here so the service's own message ("请选择驳回原因。") reaches the page.
    reason = forms.ChoiceField(
        label="驳回原因",
        required=False,
        choices=[("", "请选择驳回原因"), *Match.RejectReason.choices],
        error_messages={"invalid_choice": "请选择有效的驳回原因。"},
    )
    note = _text("说明", placeholder="选择“其他”时必填。")


class AskForm(forms.Form):
    party = forms.ChoiceField(
        label="提问对象",
        required=False,
        choices=[("", "请选择提问对象"), *MatchQuestion.Party.choices],
        error_messages={"invalid_choice": "请选择有效的提问对象。"},
    )
    question = _text("问题", placeholder="例如：成果目前的中试规模是多少？")


class ReopenForm(forms.Form):
    note = _text("重新审核的理由", placeholder="说明为什么推翻原驳回决定。")


class AnswerForm(forms.Form):
    answer = _text("答复", rows=2)


MOVE_CHOICES = [
    (status, Match.Status(status).label)
    for status in (Match.Status.CONTACTED, Match.Status.NEGOTIATING, Match.Status.SIGNED, Match.Status.CLOSED)
]


class DealMoveForm(forms.Form):
    status = forms.ChoiceField(
        label="进展", choices=MOVE_CHOICES, error_messages={"invalid_choice": "未知的进展阶段。"}
    )
    reason = _text("关闭原因", max_length=500, rows=2, placeholder="例如：企业预算调整，暂停合作。")
    contract_value_wan = forms.DecimalField(
        label="合同金额（万元）",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={
            "invalid": "请输入数字金额。",
            "min_value": "金额不能为负数。",
            "max_digits": "金额过大。",
            "max_decimal_places": "金额最多保留两位小数。",
            "max_whole_digits": "金额过大。",
        },
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
    )
    contract_mode = forms.ChoiceField(
        label="合作方式",
        required=False,
        choices=[("", "请选择合作方式"), *TransferMode.choices],
        error_messages={"invalid_choice": "请选择有效的合作方式。"},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
