"""Roles (角色): each user holds exactly one."""

from __future__ import annotations

from enum import StrEnum

from workbench.i18n import _


class Role(StrEnum):
    MERCHANT = "merchant"
    CREATOR = "creator"
    AGENCY = "agency"
    SUPPORT = "support"

    @property
    def label(self) -> str:
        return {
            Role.MERCHANT: _("商家"),
            Role.CREATOR: _("主播"),
            Role.AGENCY: _("机构"),
            Role.SUPPORT: _("平台小二"),
        }[self]
