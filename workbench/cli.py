"""The `workbench` command: run the TUI, build the demo, and reach every use case from a shell."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import sys
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from workbench.domain.errors import DomainError
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.textfile import read_text_file


if TYPE_CHECKING:
    from workbench.config import Settings

# The settings (pydantic) and the store (SQLAlchemy) are imported where a command needs them, not
# here: `workbench run` loads them in parallel with Textual (see workbench.firstscreen).


class UsageError(Exception):
    """A wrong option or value on the command line."""


@dataclass(frozen=True)
class Action:
    area: str
    name: str
    use_case: str                      # "module:function" under workbench.services
    command: str | None = None         # "module:Model" for the pydantic command, if any
    help: str = ""


# Every use case a person can reach from a shell: `workbench <area> <action> --as USER`.
ACTIONS: list[Action] = [
    Action("dashboard", "show", "dashboard:load_dashboard", help="the five panels of the home dashboard"),
    Action("funds", "show", "funds:fund_account", help="balances, top-ups and movements"),
    Action("funds", "top-up", "funds:top_up", "funds:TopUpCmd", help="top up the task account"),
    Action("funds", "decide", "funds:decide_top_up", "funds:DecideTopUp", help="confirm or reject a bank transfer"),
    Action("account", "bind", "funds:bind_task_account", "funds:BindTaskAccount", help="bind or create the task account"),
    Action("account", "show", "funds:task_account", help="the bound task account"),
    Action("funds", "import", "funds:import_top_ups", "funds:ImportTopUps", help="import top-up history from a CSV file (--csv FILE)"),
    Action("creators", "search", "creators:search_creators", "creators:CreatorQuery", help="the creator square"),
    Action("creators", "show", "creators:creator_profile", "int:creator_id", help="a creator's profile"),
    Action("creators", "rest", "creators:set_resting", "creators:SetResting", help="mark yourself resting or open"),
    Action("tasks", "publish", "tasks:publish_task", "tasks:PublishTask", help="publish a live task and freeze quote x hours"),
    Action("tasks", "list", "task_views:list_tasks", "task_views:TaskQuery", help="your tasks by status"),
    Action("tasks", "show", "task_views:task_detail", "int:task_id", help="one task with its timeline"),
    Action("tasks", "accept", "tasks:accept_task", "tasks:TaskRef", help="accept a task"),
    Action("tasks", "reject", "tasks:reject_task", "tasks:Reasoned", help="reject a task"),
    Action("tasks", "go-live", "tasks:go_live", "tasks:TaskRef", help="start the live"),
    Action("tasks", "end-live", "tasks:end_live", "tasks:TaskRef", help="end the live"),
    Action("tasks", "check", "tasks:check_task", "tasks:TaskRef", help="pass the check: pay the creator"),
    Action("tasks", "cancel-preview", "tasks:cancel_preview", "tasks:TaskRef", help="what cancelling would do now"),
    Action("tasks", "cancel", "tasks:cancel_task", "tasks:CancelTask", help="cancel with a reason"),
    Action("disputes", "list", "disputes:dispute_queue", "disputes:DisputeQuery", help="the dispute queue (--state all, --sort, --view)"),
    Action("disputes", "rule", "disputes:rule_dispute", "disputes:RuleDispute", help="set the compensation"),
    Action("pool", "list", "selection:pool_products", "selection:PoolQuery", help="pre-selection pools (creators)"),
    Action("cart", "add", "selection:add_to_cart", "selection:ProductRef", help="add to the selection cart"),
    Action("cart", "remove", "selection:remove_from_cart", "selection:ProductRef", help="remove from the cart"),
    Action("cart", "list", "selection:cart", help="the selection cart"),
    Action("intents", "list", "selection:intents", help="creators' pre-selections of your products"),
    Action("exclusive", "submit", "selection:submit_to_pool", "selection:SubmitToPool", help="submit to a creator's exclusive pool"),
    Action("exclusive", "list", "selection:exclusive_pool", help="the exclusive pool (yours only)"),
    Action("exclusive", "show", "selection:exclusive_item", "int:item_id", help="one exclusive-pool product"),
    Action("quote", "publish", "selection:publish_quote", "selection:PublishQuote", help="publish a quote"),
    Action("quote", "show", "selection:current_quote", help="your current quote"),
    Action("orders", "invite", "orders:invite", "orders:Invite", help="invite exclusive-pool products"),
    Action("orders", "pay", "orders:pay", "orders:OrderRef", help="confirm an invitation and pay"),
    Action("orders", "decline", "orders:decline", "orders:OrderRef", help="decline an invitation"),
    Action("orders", "accept", "orders:accept", "orders:OrderRef", help="accept a paid order"),
    Action("orders", "ship", "orders:ship_sample", "orders:ShipSample", help="ship the sample"),
    Action("orders", "schedule", "orders:schedule", "orders:Schedule", help="schedule the live"),
    Action("orders", "close", "orders:close", "orders:CloseOrder", help="close inside the 5-day window"),
    Action("orders", "complain", "orders:complain", "orders:Complain", help="complain about an overdue order"),
    Action("orders", "list", "orders:list_orders", "orders:OrderQuery", help="your cooperation orders"),
    Action("orders", "show", "orders:order_detail", "int:order_id", help="one order with its timeline"),
    Action("complaints", "list", "orders:complaints", help="open complaints"),
    Action("complaints", "rule", "orders:rule_complaint", "orders:RuleComplaint", help="uphold or dismiss"),
    Action("record", "show", "orders:cooperation_record", help="your cooperation record"),
    Action("record", "reputation", "reputation:my_reputation", help="your reputation figures with their definitions"),
    Action("merchants", "show", "reputation:merchant_profile", "int:merchant_id", help="a merchant's profile and record"),
    Action("samples", "report", "reputation:report_sample", "reputation:ReportSample", help="report a problem with an order's sample"),
    Action("samples", "list", "reputation:sample_reports", "reputation:SampleQuery", help="sample problem reports (support: the queue)"),
    Action("samples", "rule", "reputation:rule_sample", "reputation:RuleSample", help="uphold or dismiss a sample report"),
    Action("plans", "submit", "stock:submit_plan", "stock:SubmitPlan", help="submit a stock plan"),
    Action("plans", "revoke", "stock:revoke_plan", "stock:PlanRef", help="revoke before review"),
    Action("plans", "restore", "stock:restore_plan", "stock:PlanRef",
           help="undo a revoke within a few seconds, if nothing changed since and the live is ahead"),
    Action("plans", "review", "stock:review_plan", "stock:ReviewPlan", help="approve or reject"),
    Action("plans", "start-live", "stock:start_live", "stock:PlanRef", help="start the live"),
    Action("plans", "end-live", "stock:end_live", "stock:EndLive", help="end the live: delivery and settlement"),
    Action("plans", "list", "stock:list_plans", help="stock plans"),
    Action("plans", "to-review", "stock:plans_to_review", help="plans waiting for review"),
    Action("income", "show", "income:income", help="slot fees and commission estimates"),
    Action("income", "export", "income:income", help="export income to an .xlsx workbook (--out FILE)"),
    Action("products", "update", "products:update_product", "products:UpdateProduct", help="change brand, score or price"),
    Action("bindings", "invite-creator", "agency:invite_creator", "agency:InviteCreator", help="invite a creator to bind"),
    Action("bindings", "answer-creator", "agency:answer_creator_binding", "agency:Answer", help="confirm or decline (creator)"),
    Action("bindings", "set-split", "agency:set_split", "agency:SetSplit", help="set a bound creator's share"),
    Action("bindings", "end-creator", "agency:end_creator_binding", "agency:BindingRef", help="unbind a creator"),
    Action("bindings", "invite-store", "agency:invite_store", "agency:InviteStore", help="bind a store (live base)"),
    Action("bindings", "answer-store", "agency:answer_store_binding", "agency:Answer", help="confirm or decline (merchant)"),
    Action("bindings", "end-store", "agency:end_store_binding", "agency:BindingRef", help="unbind a store"),
    Action("bindings", "creators", "agency:creator_bindings", help="creator bindings"),
    Action("bindings", "stores", "agency:store_bindings", help="store bindings"),
    Action("base", "pool", "agency:base_pool", help="the base pool"),
    Action("base", "list-product", "agency:list_product", "agency:ListProduct", help="list or unlist on the base page"),
    Action("base", "token", "agency:sign_in_token", help="a sign-in token (what the QR code encodes)"),
    Action("base", "sign-in", "agency:base_sign_in", "agency:SignInCmd", help="sign in at a base with its token"),
    Action("base", "end", "agency:end_base_cooperation", help="end the current base cooperation"),
    Action("base", "page", "agency:base_page", help="your base page"),
    Action("base", "data", "agency:base_data", help="GMV and orders per creator and day"),
    Action("sales", "record", "fees:record_sale", "fees:RecordSale", help="record a simulated consumer order"),
    Action("sales", "list", "fees:sales", help="consumer orders with their fee split"),
    Action("fees", "calc", "fees:calculate_fee", "fees:FeeQuery", help="the fee calculator"),
    Action("reports", "list", "reports:list_reports", "reports:ReportQuery",
           help="post-campaign reports of finished cooperations, newest first (--after KIND:ID for the next page)"),
    Action("reports", "show", "reports:report", "reports:ReportRef", help="one report: KIND (order or task) and ID"),
    Action("reports", "export", "reports:export_reports", "reports:ExportQuery",
           help="reports to an .xlsx workbook (--out FILE): one (--kind --id) or a period (--since --until)"),
    Action("ratings", "todo", "reports:ratings_todo", help="finished cooperations you have not rated yet (待评价)"),
    Action("ratings", "give", "reports:give_rating", "reports:GiveRating",
           help="rate the other side of a finished cooperation: --subject order|task --subject-id N --score 1-5"),
    Action("notifications", "list", "notifications:inbox", "notifications:NotificationQuery", help="your notifications (--read unread, --sort, --view)"),
    Action("notifications", "read", "notifications:mark_read", "notifications:MarkRead", help="mark notifications read"),
    Action("notifications", "hide", "notifications:hide", "notifications:NoteIds", help="hide notifications from the inbox"),
    Action("notifications", "unhide", "notifications:unhide", "notifications:NoteIds", help="bring hidden notifications back"),
    Action("notifications", "hidden", "notifications:hidden_notifications", help="the notifications you hid"),
    Action("notifications", "settings", "webhooks:get_prefs", help="your delivery settings: bell, quiet hours, webhook"),
    Action("notifications", "set", "webhooks:update_prefs", "webhooks:UpdatePrefs",
           help="change bell, quiet hours (HH:MM) or the team-chat webhook (wecom, dingtalk, feishu)"),
    Action("notifications", "pushes", "webhooks:my_pushes", help="your recent webhook pushes and their state"),
    Action("notifications", "test-push", "webhooks:send_test", help="send a test message to your webhook"),
    Action("deadlines", "list", "calendar:my_deadlines", help="your deadlines of the next 30 days by day, with their risk"),
    Action("products", "add", "products:add_product", "products:AddProduct", help="list a product in your store"),
    Action("products", "list", "products:my_products", help="your products"),
    Action("help", "search", "help:search_help", "help:HelpQuery", help="search the help centre for your role"),
    Action("views", "list", "views:list_views", "views:ViewQuery", help="your saved views (of one list with --list)"),
    Action("views", "open", "views:open_list", "views:ListKey", help="what a list opens with: the default view, else the last-used filter and sort"),
    Action("views", "save", "views:save_view", "views:SaveView", help="save a filter and sort as a named view (--filters status=paid ...)"),
    Action("views", "rename", "views:rename_view", "views:RenameView", help="rename a view"),
    Action("views", "delete", "views:delete_view", "views:ViewRef", help="delete a view"),
    Action("views", "default", "views:set_default_view", "views:SetDefault", help="open the list with this view (no --name: with the last-used filters)"),
]


def _resolve(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    mod = __import__(f"workbench.services.{module}", fromlist=[attr])
    return getattr(mod, attr)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_model_options(parser: argparse.ArgumentParser, model: Any) -> None:
    for name, field in model.model_fields.items():
        if name == "csv_text":  # read from the file named by --csv
            continue
        ann = field.annotation
        args = typing.get_args(ann)
        inner = [a for a in args if a is not type(None)]
        base = inner[0] if (isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union) and inner else ann
        kwargs: dict[str, Any] = {"dest": name, "help": field.description or ""}
        if base is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(base) is list:
            kwargs["nargs"] = "+"
        if field.is_required():
            kwargs["required"] = True
        else:
            kwargs["default"] = argparse.SUPPRESS
        # The saved views' list is named `--list` on the command line, as people say it.
        parser.add_argument(_option(name), *(["--list"] if name == "list_key" else []), **kwargs)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 1_000_000 or value != value:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1000000: {text!r}")
    return value


def _record_id(text: str) -> int:
    """A record's id: a whole number that fits the store's 64-bit columns."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
    if not -(2**63) < value < 2**63:
        raise argparse.ArgumentTypeError(f"out of range: {text[:40]!r}")
    return value


def _positive(kind: type, most: float) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not 0 < value <= most:
            raise argparse.ArgumentTypeError(f"must be above 0 and at most {most:g}: {text!r}")
        return value
    return parse


def _build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (the command given), the options of other areas'
    actions are left out, so `workbench run` does not import every service to describe them."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database URL or SQLite file (default: WORKBENCH_DB or the user data dir)")
    common.add_argument("--lang", help="zh or en (default: WORKBENCH_LANG or the locale)")
    common.add_argument("--zone", help="time zone for display (default Asia/Shanghai)")

    parser = argparse.ArgumentParser(prog="workbench", description="Workbench: live-commerce cooperation in the terminal.")
    sub = parser.add_subparsers(dest="area", metavar="COMMAND")
    run = sub.add_parser("run", parents=[common], help="open the TUI")
    run.add_argument("--as", dest="as_user", help="sign in as this user (default: pick from a list)")
    run.add_argument("--no-scheduler", action="store_true",
                     help="do not fire reminders and transitions from this session")
    run.add_argument("--clock-speed", type=_speed, metavar="N",
                     help="demo: time passes N times faster (from WORKBENCH_NOW or now)")
    demo = sub.add_parser("demo", parents=[common], help="recreate the demo database")
    demo.add_argument("--if-missing", action="store_true", help="only when the store is empty or missing")
    gen = sub.add_parser("generate", parents=[common], help="build a large synthetic store for load tests")
    for name, default in (("orders", "1000"), ("tasks", "1000"), ("creators", "100"), ("products", "1000"),
                          ("seed", "1"), ("merchants", None)):
        gen.add_argument(f"--{name}", default=default, metavar="N", help=f"default {default or 'products / 50'}")
    gen.add_argument("--now", help="the anchor time, ISO 8601 with an offset (default: WORKBENCH_NOW or now)")
    gen.add_argument("--force", action="store_true", help="replace an existing file")
    tick = sub.add_parser("tick", parents=[common], help="apply the automatic transitions that are due")
    tick.add_argument("--json", action="store_true")
    sched = sub.add_parser("scheduler", parents=[common], help="run the reminder and transition scheduler")
    sched.add_argument("--once", action="store_true", help="catch up on what is due, then exit")
    sched.add_argument("--holder", help="the name this process holds the lease under")
    sched.add_argument("--json", action="store_true")
    sched.add_argument("--clock-speed", type=_speed, metavar="N",
                       help="demo: time passes N times faster (from WORKBENCH_NOW or now)")
    backup = sub.add_parser("backup", parents=[common], help="a consistent copy of the store, taken while it is in use")
    backup.add_argument("path", metavar="PATH", help="the file to write")
    backup.add_argument("--force", action="store_true", help="replace an existing file")
    restore = sub.add_parser("restore", parents=[common], help="replace the store with a backup")
    restore.add_argument("path", metavar="PATH", help="a file written by `workbench backup`")
    restore.add_argument("--force", action="store_true", help="replace an existing store")
    users = sub.add_parser("users", parents=[common], help="list the users who can sign in")
    users.add_argument("--role", choices=["merchant", "creator", "agency", "support"])
    users.add_argument("--json", action="store_true")
    # Options given after the key action; SUPPRESS keeps them from hiding ones given before it.
    late = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    for option in ("--db", "--lang", "--zone"):
        late.add_argument(option)
    late.add_argument("--json", action="store_true")
    late.add_argument("--as", dest="as_user", help="act as this user (default: the system, from this console)")
    key_actions = users.add_subparsers(dest="users_action", metavar="ACTION")
    add_key = key_actions.add_parser("add-key", parents=[late], help="let a public key sign in as USER over SSH")
    add_key.add_argument("user", metavar="USER")
    add_key.add_argument("keyfile", metavar="KEYFILE", help="an OpenSSH public key file (.pub), or - for standard input")
    add_key.add_argument("--comment", help="a note on the key (default: the key file's comment)")
    remove_key = key_actions.add_parser("remove-key", parents=[late], help="remove one of USER's SSH keys")
    remove_key.add_argument("user", metavar="USER")
    remove_key.add_argument("fingerprint", metavar="FINGERPRINT", help="as `workbench users keys` shows it (SHA256:…)")
    list_keys = key_actions.add_parser("keys", parents=[late], help="the SSH keys of USER (default: everyone's, or yours with --as)")
    list_keys.add_argument("user", metavar="USER", nargs="?")
    serve = sub.add_parser("serve", help="serve the workbench to remote users")
    serving = serve.add_subparsers(dest="serve_action", metavar="HOW", required=True)
    web = serving.add_parser("web", parents=[common], help="a browser demo (textual-serve) on a throwaway demo store")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    web.add_argument("--port", type=_positive(int, 65535), default=8000, help="port (default 8000)")
    web.add_argument("--as", dest="as_user", default="m.shanwei", help="the user every visitor is (default m.shanwei)")
    web.add_argument("--reset-every", type=_positive(float, 1_000_000), metavar="MINUTES",
                     help="recreate the demo store this often (default: only at start)")
    web.add_argument("--real-store", action="store_true",
                     help="serve the store named by --db (or WORKBENCH_DB) instead of a demo store")
    web.add_argument("--public-url", metavar="URL", help="the address visitors use, when behind a proxy")
    web.add_argument("--max-sessions", type=_positive(int, 1000), default=8, metavar="N",
                     help="at most this many visitors at once (default 8)")
    ssh = serving.add_parser("ssh", parents=[common], help="over SSH: public keys only, one process per session")
    ssh.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    ssh.add_argument("--port", type=_positive(int, 65535), default=2222, help="port (default 2222)")
    ssh.add_argument("--host-key", metavar="PATH",
                     help="the server's private key, created on first start (default: beside the user data)")
    ssh.add_argument("--idle-timeout", type=_positive(float, 86400), default=900, metavar="SECONDS",
                     help="close a session after this long without a keystroke (default 900)")
    ssh.add_argument("--max-sessions", type=_positive(int, 10000), default=50, metavar="N",
                     help="sessions open at once, in total (default 50)")
    ssh.add_argument("--max-per-user", type=_positive(int, 10000), default=3, metavar="N",
                     help="sessions open at once per user (default 3)")
    ssh.add_argument("--max-failed-logins", type=_positive(int, 10000), default=10, metavar="N",
                     help="failed logins from one address within a minute before it is refused (default 10)")
    ssh.add_argument("--block-time", type=_positive(float, 86400), default=300, metavar="SECONDS",
                     help="how long such an address is refused (default 300)")
    ssh.add_argument("--color", choices=["auto", "standard", "256", "truecolor"],
                     help="colours for every session (default: what the client's TERM and COLORTERM say)")
    ssh.add_argument("--esc-delay", type=_positive(int, 2000), default=100, metavar="MS",
                     help="how long to wait after Escape for the rest of a key sequence (default 100)")
    areas: dict[str, argparse._SubParsersAction] = {}
    for action in ACTIONS:
        if action.area not in areas:
            area = sub.add_parser(action.area, help=f"{action.area} actions")
            areas[action.area] = area.add_subparsers(dest="action", metavar="ACTION", required=True)
        p = areas[action.area].add_parser(action.name, parents=[common], help=action.help)
        p.add_argument("--as", dest="as_user", required=True, help="act as this user")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--yes", action="store_true",
                       help="do not ask before moving money or ending something (asked only at a terminal)")
        if action.area == "reports" and action.name == "show":
            p.add_argument("kind", metavar="KIND", help="order or task")
            p.add_argument("id", metavar="ID", help="the order or task id")
        elif action.command and action.command.startswith("int:"):
            p.add_argument(_option(action.command[4:]), dest=action.command[4:], type=_record_id, required=True)
        elif action.command and (only is None or only == action.area):
            _add_model_options(p, _resolve(action.command))
        if action.area == "funds" and action.name == "import":
            p.add_argument("--csv", dest="csv_file", required=True, help="the CSV file")
        if action.area in ("income", "reports") and action.name == "export":
            p.add_argument("--out", dest="out_file", required=True, help="the .xlsx file to write")
        p.set_defaults(action_spec=action)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    from workbench.config import env_settings

    return env_settings(db_url=getattr(args, "db", None), lang=getattr(args, "lang", None),
                        zone=getattr(args, "zone", None))


# ---- output ----------------------------------------------------------------------------------

def _plain(value: Any, zone: str) -> Any:
    if isinstance(value, datetime):
        return local_time(value, zone)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return value


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (Decimal, Enum)):
        return str(value.value if isinstance(value, Enum) else value)
    return value


def _print(value: Any, zone: str, indent: str = "") -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            label = f.name.removesuffix("_cents")
            if isinstance(v, list) and v and dataclasses.is_dataclass(v[0]):
                print(f"{indent}{label}:")
                for item in v:
                    print(f"{indent}  - " + _one_line(item, zone))
            elif f.name.endswith("_cents") and isinstance(v, int):
                print(f"{indent}{label}: {format_money(v)}")
            else:
                print(f"{indent}{label}: {_plain(v, zone)}")
    elif isinstance(value, list):
        for item in value:
            print(_one_line(item, zone) if dataclasses.is_dataclass(item) else item)
    else:
        print(value)


def _one_line(item: Any, zone: str) -> str:
    parts = []
    for f in dataclasses.fields(item):
        v = getattr(item, f.name)
        if f.name.endswith("_cents") and isinstance(v, int):
            v = format_money(v)
        parts.append(f"{f.name.removesuffix('_cents')}={_plain(v, zone)}")
    return "  ".join(parts)


# ---- commands --------------------------------------------------------------------------------

def _cmd_run(args: argparse.Namespace) -> int:
    from workbench.clock import clock_from

    def open_store():
        from workbench.bootstrap import bootstrap

        settings = _settings(args)
        return bootstrap(settings, create=False, clock=clock_from(settings.now, args.clock_speed))

    if args.as_user and args.clock_speed is None:
        from workbench import firstscreen

        if firstscreen.available():
            code = _run_prefetched(args, open_store)
            if code is not None:
                return code
    wb = open_store()
    actor = wb.sign_in(args.as_user) if args.as_user else None
    # The one deferred import of the UI: the core never loads Textual otherwise.
    from screens.app import WorkbenchApp

    WorkbenchApp(wb, actor, scheduler=not args.no_scheduler).run()
    return 0


def _collect_again() -> None:
    gc.enable()


def _run_prefetched(args: argparse.Namespace, open_store) -> int | None:
    """The dashboard read by a forked child while this process loads Textual (see
    workbench.firstscreen); None when the child could not sign in: then start the ordinary way."""
    from screens.registry import available_for
    from workbench import firstscreen
    from workbench.i18n import LANGUAGES, detect_language, set_language

    def quick():
        from workbench.clock import clock_from

        settings = _settings(args)
        return firstscreen.read_quickly(settings, args.as_user, available_for, clock_from(settings.now).now())

    # Start-up allocates much and frees little: collecting meanwhile only costs time. Collection
    # resumes once the first screen is painted (when the store starts opening).
    gc.disable()
    first = firstscreen.prefetch(open_store, args.as_user, available_for, quick)
    if first is None:
        gc.enable()
        return None
    wanted = args.lang or detect_language()
    if wanted in LANGUAGES:
        set_language(wanted)   # before the screens are built; the child confirms it below
    from screens.app import WorkbenchApp

    # The app starts at once, while the child is still loading; it signs in when the child says who.
    store = firstscreen.LazyWorkbench(open_store, on_start=_collect_again)
    app = WorkbenchApp(store, None, scheduler=not args.no_scheduler,
                       first_view=first.view, signing_in=first.signed_in, first_ready=first.ready)
    try:
        app.run()
    finally:
        first.close()
        gc.enable()
    return None if app.fell_back else 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from workbench.bootstrap import bootstrap
    from workbench.clock import FixedClock, clock_from
    from workbench.demo import is_demo_store, load_demo
    from workbench.services.users import list_users
    from workbench.store.engine import sqlite_path

    settings = _settings(args)
    anchor = clock_from(settings.now).now()
    path = sqlite_path(settings.db_url)
    if path is None:
        raise UsageError("--db: the demo is built in a SQLite file")
    if path.exists():
        probe = bootstrap(settings)
        try:
            if args.if_missing and probe.run(list_users):
                return 0
            if not probe.run(is_demo_store):
                raise UsageError(f"--db: {path} holds real data; choose another file with --db")
        finally:
            probe.close()
    counts = _build_beside(path, settings, lambda wb: load_demo(wb, anchor), clock=FixedClock(anchor))
    print(f"demo store ready: {path} ({counts['users']} users, {counts['products']} products)")
    return 0


def _count_option(args: argparse.Namespace, name: str, least: int) -> int:
    text = getattr(args, name)
    if not text.strip().isdigit() or int(text) < least:
        raise UsageError(f"--{name}: a whole number of at least {least} is needed, not {text!r}")
    return int(text)


def _cmd_generate(args: argparse.Namespace) -> int:
    """A synthetic store, built beside the target and moved into place when complete."""
    import time

    from workbench.clock import parse_instant
    from workbench.generate import Sizes, generate
    from workbench.store.engine import sqlite_path

    sizes = Sizes(orders=_count_option(args, "orders", 0), tasks=_count_option(args, "tasks", 0),
                  creators=_count_option(args, "creators", 1), products=_count_option(args, "products", 1),
                  merchants=None if args.merchants is None else _count_option(args, "merchants", 1))
    seed = _count_option(args, "seed", 0)
    settings = _settings(args)
    try:
        anchor = parse_instant(args.now or settings.now) if (args.now or settings.now) else None
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None
    path = sqlite_path(settings.db_url)
    if path is None:
        raise UsageError("--db: the generator builds a SQLite file")
    if path.exists() and not args.force:
        raise UsageError(f"--db: {path} already exists; add --force to replace it")
    started = time.monotonic()
    _build_beside(path, settings, lambda wb: generate(wb, sizes, seed, anchor or wb.clock.now(),
                                                      progress=lambda line: print(line, flush=True)))
    print(f"synthetic store ready: {path} ({path.stat().st_size / 2**20:,.0f} MiB, "
          f"{time.monotonic() - started:.1f} s)")
    return 0


def _build_beside(path, settings, fill, clock=None):
    """Build a new SQLite store beside `path` with `fill(wb)`, then move it into place: a failure
    leaves whatever was at `path` intact. Returns what `fill` returned."""
    from workbench.bootstrap import bootstrap
    from workbench.store.engine import checkpoint

    building = path.with_name(path.name + ".building")
    _remove_sqlite(building)
    wb = bootstrap(settings.replace(db_url=f"sqlite:///{building}"), clock=clock)
    try:
        result = fill(wb)
        checkpoint(wb.engine)
    except BaseException:
        wb.close()
        _remove_sqlite(building)
        raise
    wb.close()
    _remove_sqlite(path)
    os.replace(building, path)
    return result


def _remove_sqlite(path) -> None:
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def _cmd_serve_web(args: argparse.Namespace) -> int:
    from urllib.parse import urlsplit

    from workbench.serve.web import WebOptions, WebServeError, serve_web

    if args.db and not args.real_store:
        raise UsageError("--db: the browser demo serves its own demo store; add --real-store to serve this one")
    if args.real_store and args.reset_every:
        raise UsageError("--reset-every: only for the demo store, not with --real-store")
    if args.public_url:
        url = urlsplit(args.public_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise UsageError(f"--public-url: not an http(s) address: {args.public_url}")
    options = WebOptions(host=args.host, port=args.port, user=args.as_user, reset_every=args.reset_every,
                         real_store=args.real_store, public_url=args.public_url,
                         max_sessions=args.max_sessions)
    try:
        return serve_web(options, _settings(args))
    except WebServeError as exc:
        raise UsageError(str(exc)) from None


def _cmd_serve_ssh(args: argparse.Namespace) -> int:
    import logging
    from pathlib import Path

    from workbench.bootstrap import bootstrap
    from workbench.paths import user_data_dir
    from workbench.serve.ssh import SshConfig, serve_forever

    settings = _settings(args)
    config = SshConfig(
        host_key=Path(args.host_key).expanduser() if args.host_key else user_data_dir() / "ssh_host_ed25519_key",
        host=args.host, port=args.port, idle_timeout=args.idle_timeout, max_sessions=args.max_sessions,
        max_per_user=args.max_per_user, max_failed_logins=args.max_failed_logins,
        block_seconds=args.block_time, color=args.color, esc_delay_ms=args.esc_delay, lang=settings.lang)
    wb = bootstrap(settings, create=False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("asyncssh").setLevel(logging.WARNING)

    def ready(server) -> None:  # noqa: ANN001
        print(f"ssh server listening on {config.host}:{server.port} (host key {config.host_key})", flush=True)

    try:
        return serve_forever(wb, config, ready)
    except OSError as exc:
        raise UsageError(f"--port: cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from None
    finally:
        wb.close()


def _cmd_keys(args: argparse.Namespace) -> int:
    """`workbench users add-key | remove-key | keys`: as --as, or as the system from this console."""
    from workbench.bootstrap import bootstrap
    from workbench.services import keys
    from workbench.services.base import SYSTEM

    wb = bootstrap(_settings(args), create=False)
    actor = wb.sign_in(args.as_user) if getattr(args, "as_user", None) else SYSTEM
    if args.users_action == "add-key":
        text = sys.stdin.read() if args.keyfile == "-" else read_text_file(args.keyfile, field="KEYFILE")
        result = wb.run(keys.add_key, actor, keys.AddKey.parse(
            handle=args.user, public_key=text, comment=getattr(args, "comment", None)))
    elif args.users_action == "remove-key":
        result = wb.run(keys.remove_key, actor, keys.RemoveKey.parse(handle=args.user, fingerprint=args.fingerprint))
    else:
        result = wb.run(keys.list_keys, actor, args.user)
    if getattr(args, "json", False):
        print(json.dumps(_jsonable(result), ensure_ascii=False, indent=2))
    else:
        for k in result if isinstance(result, list) else [result]:
            print(f"{k.handle:<14} {k.fingerprint}  {k.key_type}  {k.comment}")
    return 0


def _cmd_users(args: argparse.Namespace) -> int:
    from workbench.bootstrap import bootstrap
    from workbench.domain.roles import Role
    from workbench.services.users import list_users

    if getattr(args, "users_action", None):
        return _cmd_keys(args)
    wb = bootstrap(_settings(args), create=False)
    rows = wb.run(list_users, Role(args.role) if args.role else None)
    if args.json:
        print(json.dumps(_jsonable(rows), ensure_ascii=False, indent=2))
    else:
        for u in rows:
            mark = "" if u.verified else "  (未认证 unverified)"
            print(f"{u.handle:<14} {u.role.value:<9} {u.name}  {u.detail}{mark}")
    return 0


def _cmd_action(args: argparse.Namespace) -> int:
    from workbench.bootstrap import bootstrap

    action: Action = args.action_spec
    settings = _settings(args)
    wb = bootstrap(settings, create=False)
    actor = wb.sign_in(args.as_user)
    fn: Callable[..., Any] = _resolve(action.use_case)
    if action.command and action.command.startswith("int:"):
        result = wb.run(fn, actor, getattr(args, action.command[4:]))
    elif action.command:
        model = _resolve(action.command)
        values = {k: getattr(args, k) for k in model.model_fields if hasattr(args, k)}
        if getattr(args, "csv_file", None):
            values["csv_text"] = read_text_file(args.csv_file, field="--csv")
        cmd = model.parse(**values)
        if not _confirmed(wb, actor, fn, cmd, args):
            return 1
        result = wb.run(fn, actor, cmd)
    else:
        if not _confirmed(wb, actor, fn, None, args):
            return 1
        result = wb.run(fn, actor)
    if getattr(args, "out_file", None):
        from pathlib import Path

        from workbench.export import income_workbook, reports_workbook

        write = reports_workbook if action.area == "reports" else income_workbook
        written = write(result, actor.zone, Path(args.out_file))
        print(f"{written}")
        return 0
    if args.json:
        print(json.dumps(_jsonable(result), ensure_ascii=False, indent=2))
    else:
        _print(result, actor.zone)
    return 0


def _confirmed(wb, actor, fn: Callable[..., Any], cmd: Any, args: argparse.Namespace) -> bool:
    """Money-moving and destructive actions say what they will do and ask y/N at a terminal (the
    default is No); `--yes`, or standard input that is not a terminal (scripts), goes straight on."""
    from workbench.i18n import _
    from workbench.services.consequences import preview_of

    preview = preview_of(fn)
    if preview is None or getattr(args, "yes", False) or not sys.stdin.isatty():
        return True
    consequence = wb.run(preview, actor, *(() if cmd is None else (cmd,)))
    print(consequence.text, file=sys.stderr)
    print(_("继续? [y/N] "), end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes", "是"):
        return True
    print(_("已取消, 没有任何改动"), file=sys.stderr)
    return False


def _cmd_tick(args: argparse.Namespace) -> int:
    from workbench.bootstrap import bootstrap
    from workbench.services.base import SYSTEM
    from workbench.services.transitions import apply_due

    # Transitions only: the merchant records' periodic refresh (seconds on a large store) belongs to
    # the scheduler, `workbench scheduler --once` from a cron job.
    wb = bootstrap(_settings(args), create=False)
    # A batch of ten thousand transitions allocates much and leaves no cycles: the collector's full
    # passes over it cost a tenth of the run.
    gc.disable()
    try:
        counts = wb.run(apply_due, SYSTEM)
    finally:
        gc.enable()
        wb.close()
    if args.json:
        print(json.dumps(counts))
    else:
        print("  ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def _cmd_scheduler(args: argparse.Namespace) -> int:
    """The headless daemon: fires until SIGTERM or SIGINT, then stops cleanly and frees the lease."""
    import logging
    import signal
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    from workbench.bootstrap import bootstrap
    from workbench.clock import clock_from
    from workbench.scheduler import Firing
    from workbench.services.reminders import release_lease

    settings = _settings(args)
    wb = bootstrap(settings, create=False, clock=clock_from(settings.now, args.clock_speed))
    firing = Firing(wb, holder=args.holder)
    if args.once:
        counts = firing.run_once()
        if counts.get("leader"):   # and the merchant records, when reputation.refresh_minutes have passed
            counts["records"] = firing.refresh_records()
        wb.run(release_lease, firing.holder)
        print(json.dumps(counts) if args.json else "  ".join(f"{k}={v}" for k, v in counts.items()))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_a: stop.set())
    firing.start(BackgroundScheduler(timezone="UTC"))
    print(f"scheduler started as {firing.holder}", flush=True)
    stop.wait()
    firing.stop()
    wb.close()
    print("scheduler stopped", flush=True)
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    """`workbench backup PATH` and `workbench restore PATH`: SQLite stores; PostgreSQL is told to use pg_dump."""
    from pathlib import Path

    from workbench import backup

    url = _settings(args).db_url
    if args.area == "backup":
        info = backup.backup(url, Path(args.path), force=args.force)
        print(f"backup written: {info.path} (schema {info.revision}, {info.size:,} bytes)")
    else:
        info = backup.restore(Path(args.path), url, force=args.force)
        from workbench.store.migrate import head_revision

        later = "" if info.revision == head_revision() else "; upgraded when next opened"
        print(f"store restored: {info.path} (schema {info.revision}{later})")
    return 0


def _printable(message: str, most: int = 500) -> str:
    """A refusal echoes what was typed: control characters are shown escaped, so the message stays
    one line and cannot steer the terminal, and a 10,000-character value is cut short."""
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in message)
    return text if len(text) <= most else text[:most] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(only=given[0] if given and not given[0].startswith("-") else None)
    args = parser.parse_args(given)
    if not args.area:
        parser.print_help()
        return 0
    try:
        if args.area == "run":
            return _cmd_run(args)
        if args.area == "demo":
            return _cmd_demo(args)
        if args.area == "users":
            return _cmd_users(args)
        if args.area == "tick":
            return _cmd_tick(args)
        if args.area == "generate":
            return _cmd_generate(args)
        if args.area == "scheduler":
            return _cmd_scheduler(args)
        if args.area in ("backup", "restore"):
            return _cmd_backup(args)
        if args.area == "serve" and args.serve_action == "web":
            return _cmd_serve_web(args)
        if args.area == "serve" and args.serve_action == "ssh":
            return _cmd_serve_ssh(args)
        return _cmd_action(args)
    except DomainError as exc:
        print(f"workbench: {_printable(str(exc))}", file=sys.stderr)
    except UsageError as exc:
        print(f"workbench: {_printable(str(exc))}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a defect, not bad input: say so in one line, details on request
        if _expected(exc):   # a bad setting or an unusable store: bad input, said in one line
            print(f"workbench: {_printable(str(exc))}", file=sys.stderr)
            return 2
        if os.environ.get("WORKBENCH_DEBUG"):
            raise
        print(f"workbench: unexpected error: {exc!r} (set WORKBENCH_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1
    return 2


def _expected(exc: Exception) -> bool:
    from workbench.config import ConfigError
    from workbench.store.engine import StoreError

    return isinstance(exc, (ConfigError, StoreError))


# Commands that end the process as soon as they are done when run as a program: after the store is
# closed there is nothing left to do, and tearing the interpreter down (SQLAlchemy's modules and
# objects) cost workbench tick a tenth of its run.
QUICK_EXIT = frozenset({"tick"})


def run() -> None:
    """The `workbench` program."""
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] in QUICK_EXIT:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
