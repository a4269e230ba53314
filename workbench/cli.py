"""The `workbench` command: run the TUI, build the demo, and reach every use case from a shell."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from workbench.config import ConfigError, Settings, env_settings
from workbench.domain.errors import DomainError
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money
from workbench.store.engine import StoreError


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
    Action("notifications", "list", "notifications:list_notifications", help="your notifications"),
    Action("notifications", "read", "notifications:mark_read", "notifications:MarkRead", help="mark notifications read"),
    Action("products", "add", "products:add_product", "products:AddProduct", help="list a product in your store"),
    Action("products", "list", "products:my_products", help="your products"),
    Action("help", "search", "help:search_help", "help:HelpQuery", help="search the help centre for your role"),
]


def _resolve(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    mod = __import__(f"workbench.services.{module}", fromlist=[attr])
    return getattr(mod, attr)


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_model_options(parser: argparse.ArgumentParser, model: Any) -> None:
    for name, field in model.model_fields.items():
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
        parser.add_argument(_option(name), **kwargs)


def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="database URL or SQLite file (default: WORKBENCH_DB or the user data dir)")
    common.add_argument("--lang", help="zh or en (default: WORKBENCH_LANG or the locale)")
    common.add_argument("--zone", help="time zone for display (default Asia/Shanghai)")

    parser = argparse.ArgumentParser(prog="workbench", description="Workbench: live-commerce cooperation in the terminal.")
    sub = parser.add_subparsers(dest="area", metavar="COMMAND")
    run = sub.add_parser("run", parents=[common], help="open the TUI")
    run.add_argument("--as", dest="as_user", help="sign in as this user (default: pick from a list)")
    demo = sub.add_parser("demo", parents=[common], help="recreate the demo database")
    demo.add_argument("--if-missing", action="store_true", help="only when the store is empty or missing")
    users = sub.add_parser("users", parents=[common], help="list the users who can sign in")
    users.add_argument("--role", choices=["merchant", "creator", "agency", "support"])
    users.add_argument("--json", action="store_true")
    areas: dict[str, argparse._SubParsersAction] = {}
    for action in ACTIONS:
        if action.area not in areas:
            area = sub.add_parser(action.area, help=f"{action.area} actions")
            areas[action.area] = area.add_subparsers(dest="action", metavar="ACTION", required=True)
        p = areas[action.area].add_parser(action.name, parents=[common], help=action.help)
        p.add_argument("--as", dest="as_user", required=True, help="act as this user")
        p.add_argument("--json", action="store_true", help="print JSON")
        if action.command:
            _add_model_options(p, _resolve(action.command))
        p.set_defaults(action_spec=action)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
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
    if isinstance(value, datetime):
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
    from workbench.bootstrap import bootstrap

    settings = _settings(args)
    wb = bootstrap(settings, create=False)
    actor = wb.sign_in(args.as_user) if args.as_user else None
    # The one deferred import of the UI: the core never loads Textual otherwise.
    from screens.app import WorkbenchApp

    WorkbenchApp(wb, actor).run()
    return 0


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
    # Build beside the target and move it into place, so a failure leaves the old store intact.
    building = path.with_name(path.name + ".building")
    _remove_sqlite(building)
    wb = bootstrap(settings.model_copy(update={"db_url": f"sqlite:///{building}"}), clock=FixedClock(anchor))
    try:
        counts = load_demo(wb, anchor)
        with wb.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        wb.close()
        _remove_sqlite(building)
        raise
    wb.close()
    _remove_sqlite(path)
    os.replace(building, path)
    print(f"demo store ready: {path} ({counts['users']} users, {counts['products']} products)")
    return 0


def _remove_sqlite(path) -> None:
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            p.unlink()


def _cmd_users(args: argparse.Namespace) -> int:
    from workbench.bootstrap import bootstrap
    from workbench.domain.roles import Role
    from workbench.services.users import list_users

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
    if action.command:
        model = _resolve(action.command)
        values = {k: getattr(args, k) for k in model.model_fields if hasattr(args, k)}
        result = wb.run(fn, actor, model.parse(**values))
    else:
        result = wb.run(fn, actor)
    if args.json:
        print(json.dumps(_jsonable(result), ensure_ascii=False, indent=2))
    else:
        _print(result, actor.zone)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
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
        return _cmd_action(args)
    except DomainError as exc:
        print(f"workbench: {exc}", file=sys.stderr)
    except (ConfigError, StoreError, UsageError) as exc:
        print(f"workbench: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
