"""The command palette: every screen and action, with namespaced titles ("资金: 充值")."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from workbench.domain.errors import DomainError
from workbench.i18n import _


def palette_entries(app, screen=None, saved_views=()) -> list[tuple[str, str, Callable[[], None]]]:
    """(title, help, callback) for everything the current user can do from anywhere, and what the
    screen the palette was opened from can do (`screen`, else the screen in front); `saved_views`
    are the user's views of every list, each of which opens its list with it."""

    if getattr(app, "actor", None) is None:
        return []
    names = {
        "funds": (_("资金: 打开资金账户"), _("余额、充值记录与资金流水")),
        "notifications": (_("通知: 打开通知"), _("查看并处理通知")),
        "deadlines": (_("截止日历: 未来 30 天"), _("按天列出截止时间, 按风险着色")),
        "help": (_("帮助: 打开帮助中心"), _("按角色查看并搜索操作教程")),
        "tasks": (_("任务: 打开任务管理"), _("按状态查看直播任务")),
        "creator_square": (_("主播广场: 搜索主播"), _("按类目、粉丝、报价筛选主播")),
        "disputes": (_("争议: 打开争议队列"), _("裁决取消引起的争议")),
        "preselect": (_("预选品: 定制池与热销池"), _("挑选商品加入带货宝")),
        "exclusive_pool": (_("专属货品池: 打开"), _("专属商品、报价与邀约")),
        "intents": (_("选品意向: 打开"), _("主播预选了您的商品")),
        "orders": (_("订单: 打开直播通订单"), _("邀约、付款、寄样、排期、交付")),
        "stock_plans": (_("备货: 打开备货单"), _("新建、撤回、开播与下播")),
        "stock_plan_form": (_("备货: 新建备货单"), _("直播时间与商品, 专属池至少 20%")),
        "stock_reviews": (_("备货审核: 打开"), _("审核主播的备货单")),
        "complaints": (_("投诉: 打开投诉队列"), _("处理逾期订单的投诉")),
        "sample_reports": (_("样品问题: 打开样品问题队列"), _("主播报告的样品问题, 平台认定成立或不成立")),
        "income": (_("收入: 打开收入明细"), _("坑位费账单与预估佣金, 可导出 Excel")),
        "record": (_("合作数据: 我的直播通数据"), _("合作成功率、响应率、完成率")),
        "bindings": (_("绑定: 主播与店铺"), _("邀请、分成比例、解除绑定")),
        "binding_invites": (_("绑定邀请: 打开"), _("确认或拒绝机构/基地的邀请")),
        "base_pool": (_("基地: 货品池与选品"), _("上架或下架基地商品")),
        "sign_in_qr": (_("基地: 签到二维码"), _("主播扫码签到")),
        "base_data": (_("基地: 基地数据"), _("按主播、按日的 GMV 与订单")),
        "fee_calc": (_("服务费: 计算器"), _("平台、主播、机构各得多少")),
        "base_page": (_("基地: 我的基地"), _("签到、基地商品、结束合作")),
        "reports": (_("复盘: 打开复盘报告"), _("已完成合作的成本、GMV、ROI、是否准时, 待评价")),
    }
    entries = [(title, help_, partial(app.action_open, key))
               for key, (title, help_) in names.items() if key in app.screens_for_actor()]
    from workbench.domain.roles import Role

    # The actions of the screen in front, under its title: every key is also a command.
    screen = screen or app.screen
    for binding in screen._bindings.key_to_bindings.values():
        for b in binding:
            if not b.description or b.action in ("app.pop_screen", "dismiss", "back"):
                continue
            if screen.check_action(b.action.split("(")[0], ()) is False:
                continue
            entries.append((b.description, b.tooltip or "", partial(app.call_later, screen.run_action, b.action)))

    # The saved views of the list in front, by name (the views dialog, key v, manages them).
    if getattr(screen, "LIST_KEY", ""):
        from screens.widgets.views import describe

        fresh = [v for v in saved_views if v.list_key == screen.LIST_KEY]
        for view in fresh or screen.saved_views:
            mark = _("默认视图") + " · " if view.is_default else ""
            entries.append((_("视图: {name}").format(name=view.name), mark + describe(screen, view.filters),
                            partial(screen.apply_view, view)))
    available = app.screens_for_actor()
    from workbench.services import views

    for view in saved_views:
        d = views.LISTS.get(view.list_key)
        if d is None or view.list_key == getattr(screen, "LIST_KEY", "") or d.screen not in available:
            continue
        entries.append((_("视图: {list} · {name}").format(list=_(d.title), name=view.name),
                        _("打开{list}, 按此视图筛选和排序").format(list=_(d.title)), partial(open_with_view, app, view)))

    if app.actor.role is Role.MERCHANT:
        entries.append((_("资金: 充值"), _("为任务账户充值"), app.action_top_up))
    entries.append((_("通知: 全部标为已读"), _("把全部通知标为已读"), app.action_read_all))
    entries.append((_("工作台: 回到首页"), _("显示五个面板"), app.action_home))
    entries.append((_("用户: 切换用户"), _("以另一个用户身份使用"), app.action_switch_user))
    return entries


def open_with_view(app, view) -> None:
    """Open the view's list showing that view (it takes the place of what the list would open with)."""
    from workbench.services import views

    app.action_open(views.LISTS[view.list_key].screen)
    app.screen.pending_view = view


class WorkbenchCommands(Provider):
    saved_views: list = []

    async def startup(self) -> None:
        """The user's views of every list, read once per opening of the palette, off the UI thread."""
        app = self.app
        if getattr(app, "actor", None) is None:
            return
        from workbench.services import views

        try:
            self.saved_views = await asyncio.to_thread(app.wb.run, views.list_views, app.actor)
        except DomainError:
            self.saved_views = []

    async def discover(self) -> Hits:
        for title, help_, callback in palette_entries(self.app, self.screen, self.saved_views):
            yield DiscoveryHit(title, callback, help=help_)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_, callback in palette_entries(self.app, self.screen, self.saved_views):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_)
