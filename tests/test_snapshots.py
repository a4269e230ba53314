"""Snapshots of the dashboard: merchant and creator, Chinese and English, 80×24 and 120×40.

Fixed clock, fixed demo data; update a snapshot only after looking at the new picture
(`pytest tests/test_snapshots.py --snapshot-update`, then open snapshot_report.html).
"""

from __future__ import annotations

import pytest

from screens.app import WorkbenchApp
from tests.conftest import open_store
from tests.tui_helpers import settle, snapshot_of


async def _ready(pilot) -> None:
    await settle(pilot)


class TestDashboard:
    @pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
    @pytest.mark.parametrize("lang", ["zh", "en"])
    @pytest.mark.parametrize("user", ["m.shanwei", "c.xiaoyu"], ids=["merchant", "creator"])
    def test_dashboard(self, snap_compare, demo_path, user, lang, size):
        wb = open_store(demo_path, lang=lang)
        try:
            app = WorkbenchApp(wb, wb.sign_in(user))
            assert snap_compare(app, terminal_size=size, run_before=_ready)
        finally:
            wb.close()


class TestScreens:
    @pytest.mark.parametrize("lang", ["zh", "en"])
    def test_fund_account_merchant(self, snap_compare, demo_path, lang):
        wb = open_store(demo_path, lang=lang)
        try:
            app = WorkbenchApp(wb, wb.sign_in("m.shanwei"))

            async def open_funds(pilot):
                await settle(pilot)
                await pilot.press("f")
                await settle(pilot)

            assert snap_compare(app, terminal_size=(80, 24), run_before=open_funds)
        finally:
            wb.close()

    def test_user_picker(self, snap_compare, demo_path):
        wb = open_store(demo_path)
        try:
            assert snap_compare(WorkbenchApp(wb), terminal_size=(80, 24), run_before=_ready)
        finally:
            wb.close()


class TestFlowB:
    """Flow B screens in Chinese at 120×40."""

    _open = staticmethod(snapshot_of)

    def test_creator_square(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "creator_square")

    def test_creator_profile(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "creator_profile", creator_id=7)

    def test_task_form(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "task_form", creator_id=9)

    def test_task_list_merchant(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "tasks")

    def test_task_detail_ruled_dispute(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "m.shanwei", "task_detail", task_id=3)

    def test_dispute_queue(self, snap_compare, demo_path):
        assert self._open(snap_compare, demo_path, "s.lin", "disputes")


class TestFlowA:
    """Flow A screens in Chinese at 120×40, and the order list at 80×24."""

    @pytest.mark.parametrize("user, key, kwargs", [
        ("c.xiaoyu", "preselect", {}),
        ("c.xiaoyu", "exclusive_pool", {}),
        ("m.qingyan", "exclusive_pool", {}),
        ("m.shanwei", "intents", {}),
        ("m.shanwei", "orders", {}),
        ("m.qingyan", "order_detail", {"order_id": 1}),
        ("c.xiaoyu", "stock_plans", {}),
        ("c.tangtang", "stock_plan_form", {}),
        ("s.lin", "stock_reviews", {}),
        ("s.lin", "complaints", {}),
        ("c.xiaoyu", "income", {}),
        ("c.xiaoyu", "record", {}),
    ], ids=["preselect", "pool-creator", "pool-merchant", "intents", "orders", "order-detail", "plans",
            "plan-form", "reviews", "complaints", "income", "record"])
    def test_screen(self, snap_compare, demo_path, user, key, kwargs):
        assert TestFlowB._open(snap_compare, demo_path, user, key, **kwargs)

    def test_orders_80x24(self, snap_compare, demo_path):
        wb = open_store(demo_path)
        try:
            app = WorkbenchApp(wb, wb.sign_in("m.shanwei"))

            async def go(pilot):
                await settle(pilot)
                app.action_open("orders")
                await settle(pilot)

            assert snap_compare(app, terminal_size=(80, 24), run_before=go)
        finally:
            wb.close()


class TestAgency:
    """Agency screens and the creator's base page, in Chinese at 120×40."""

    @pytest.mark.parametrize("user, key", [
        ("a.yunjin", None), ("a.yunjin", "bindings"), ("c.ahua", "binding_invites"), ("a.yunjin", "base_pool"),
        ("a.yunjin", "sign_in_qr"), ("a.yunjin", "base_data"), ("m.shanwei", "fee_calc"), ("c.tangtang", "base_page"),
    ], ids=["dashboard", "bindings", "invites", "pool", "qr", "data", "fee-calc", "base-page"])
    def test_screen(self, snap_compare, demo_path, user, key):
        if key == "sign_in_qr":   # a fixed signing key, so the token and its QR code are the same every run
            from workbench.store.models import Secret
            wb = open_store(demo_path)
            with wb.uow() as uow:
                uow.session.merge(Secret(name="sign_in", value="5a" * 32))
                uow.commit()
            wb.close()
        if key is None:
            wb = open_store(demo_path)
            try:
                assert snap_compare(WorkbenchApp(wb, wb.sign_in(user)), terminal_size=(120, 40), run_before=_ready)
            finally:
                wb.close()
            return
        assert TestFlowB._open(snap_compare, demo_path, user, key)


class TestScheduler:
    """The deadline calendar and notification settings, in Chinese at 120×40."""

    def test_deadline_calendar_support(self, snap_compare, demo_path):
        wb = open_store(demo_path, at="2026-06-03T12:00:00+08:00")
        try:
            app = WorkbenchApp(wb, wb.sign_in("s.lin"))

            async def go(pilot):
                await settle(pilot)
                app.action_open("deadlines")
                await settle(pilot)

            assert snap_compare(app, terminal_size=(120, 40), run_before=go)
        finally:
            wb.close()

    def test_notification_settings(self, snap_compare, demo_path):
        wb = open_store(demo_path)
        try:
            app = WorkbenchApp(wb, wb.sign_in("c.xiaoyu"))

            async def go(pilot):
                await settle(pilot)
                app.action_open("notifications")
                await settle(pilot)
                await pilot.press("s")
                await settle(pilot)

            assert snap_compare(app, terminal_size=(120, 40), run_before=go)
        finally:
            wb.close()

