"""Field rules shared by forms: phone numbers, handles, levels."""

from __future__ import annotations

import re

from workbench.domain.errors import DomainError
from workbench.i18n import _

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_HANDLE = re.compile(r"^[a-z][a-z0-9._-]{1,62}$")
CATEGORIES = ("美妆", "个护", "食品", "服饰", "家居", "数码", "母婴")


def phone(value: str, field: str = "contact_phone") -> str:
    digits = value.replace(" ", "").replace("-", "")
    if not _PHONE.match(digits):
        raise DomainError(_("手机号应为 11 位数字, 以 1 开头: {value}").format(value=value), field=field)
    return digits


def handle(value: str) -> str:
    if not _HANDLE.match(value):
        raise DomainError(
            _("登录名只能用小写字母、数字和 . _ -, 以字母开头: {value}").format(value=value),
            field="handle",
        )
    return value


def category(value: str, field: str = "category") -> str:
    if value not in CATEGORIES:
        raise DomainError(
            _("未知类目 {value}, 可选: {choices}").format(value=value, choices="、".join(CATEGORIES)),
            field=field,
        )
    return value
