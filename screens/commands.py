"""The command palette: every screen and action, with namespaced titles ("资金: 充值")."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.i18n import _


def palette_entries(app) -> list[tuple[str, str, Callable[[], None]]]:
    """(title, help, callback) for everything the current user can do from anywhere."""
    from screens import registry

    if getattr(app, "actor", None) is None:
        return []
    names = {
        "funds": (_("资金: 打开资金账户"), _("余额、充值记录与资金流水")),
        "notifications": (_("通知: 打开通知"), _("查看并处理通知")),
        "help": (_("帮助: 打开帮助中心"), _("按角色查看并搜索操作教程")),
        "tasks": (_("任务: 打开任务管理"), _("按状态查看直播任务")),
        "creator_square": (_("主播广场: 搜索主播"), _("按类目、粉丝、报价筛选主播")),
        "disputes": (_("争议: 打开争议队列"), _("裁决取消引起的争议")),
    }
    role = app.actor.role.value if app.actor.role else ""
    allowed = {"creator_square": ("merchant", "support"), "disputes": ("support",)}
    names = {k: v for k, v in names.items() if role in allowed.get(k, (role,))}
    entries = [(title, help_, partial(app.action_open, key))
               for key, (title, help_) in names.items() if key in registry.available()]
    from workbench.domain.roles import Role

    if app.actor.role is Role.MERCHANT:
        entries.append((_("资金: 充值"), _("为任务账户充值"), app.action_top_up))
    entries.append((_("通知: 全部标为已读"), _("把全部通知标为已读"), app.action_read_all))
    entries.append((_("工作台: 回到首页"), _("显示五个面板"), app.action_home))
    entries.append((_("用户: 切换用户"), _("以另一个用户身份使用"), app.action_switch_user))
    return entries


class WorkbenchCommands(Provider):
    async def discover(self) -> Hits:
        for title, help_, callback in palette_entries(self.app):
            yield DiscoveryHit(title, callback, help=help_)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_, callback in palette_entries(self.app):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_)
