"""Junk in, one clear line out: every command of the CLI, four forms of the TUI and the files people
import get empty, huge, negative, NaN and infinite values, wrong types, control characters, mixed
scripts, SQL fragments, 10,000-character strings and emoji. A refusal is one line naming the field
(exit code 2 for the CLI), nothing is written, and no traceback ever reaches the user.

Bounded for make test (a few examples per command); WORKBENCH_SOAK=1 runs many more.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import types
import typing
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import DEMO_NOW, open_store
from tests.test_backup import store_digest
from workbench.cli import ACTIONS, Action, _option, _resolve

SOAK = bool(os.environ.get("WORKBENCH_SOAK"))
EXAMPLES = 300 if SOAK else 10
USERS = ("m.shanwei", "m.xinpai", "c.xiaoyu", "c.qiqi", "a.yunjin", "s.lin")

# ---- junk ---------------------------------------------------------------------------------------

FIXED = [
    "", " ", "0", "-1", "-0.01", "0.001", "1e309", "-1e309", "1e-999999", "NaN", "nan", "-NaN", "sNaN", "inf",
    "-inf", "Infinity", "9" * 40, "-" + "9" * 40, "9223372036854775808", "-9223372036854775809",
    "18446744073709551616", "1" * 10_000, "x" * 10_000, "中" * 10_000, "'; DROP TABLE users;--",
    "\" OR 1=1 --", "1; DELETE FROM accounts", "1 UNION SELECT * FROM secrets", "%s%s%s", "{0}{1}", "{value}",
    "\x00", "a\x00b", "\x1b[31mred\x1b[0m", "\r\n", "\t", "\x7f", "\u202eevil", "\ufeff1", "😀" * 5,
    "🧧¥100", "１２３", "١٢٣", "一百", "Ω≈ç√", "𠜎𠜱", "true", "false", "null", "None", "[]", "{}",
    "2026-02-30 25:61", "0x10", "1_000", "１００.００", "¥100", "100元", "3.14159", "1,000,000",
    "2026-06-01", "2026-06-01T20:00", "20:00", "99:99", "-0", "+5", "5 ", "../../etc/passwd",
    "https://例子.测试/钩子", "ftp://x", "山味集", "m.shanwei", "wecom", "online", "bank",
    "[/]", "[bold]x", "[@click=app.quit]q[/]", "$text", "\\",
]
MARKUP = ["[/]", "[@click=app.quit]q[/]", "0\r0\x1b[31m"]   # always typed into every form field


def junk_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(FIXED),
        st.text(max_size=40),                                       # any characters, controls included
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.text(alphabet=st.sampled_from("0123456789.-e+%¥"), max_size=12),
        st.tuples(st.characters(), st.integers(1, 10_000)).map(lambda t: t[0] * t[1]),
    )


def _kind(model: typing.Any, name: str) -> str:
    field = model.model_fields[name]
    ann = field.annotation
    inner = [a for a in typing.get_args(ann) if a is not type(None)]
    base = inner[0] if (isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union) and inner else ann
    if base is bool:
        return "flag"
    if typing.get_origin(base) is list:
        return "list"
    return "value"


def options_of(action: Action) -> list[tuple[str, str, bool]]:
    """(option, kind, required) for every option the action takes besides --as and --json."""
    out: list[tuple[str, str, bool]] = []
    if action.command and action.command.startswith("int:"):
        out.append((_option(action.command[4:]), "value", True))
    elif action.command:
        model = _resolve(action.command)
        for name, field in model.model_fields.items():
            if name == "csv_text":
                continue
            out.append((_option(name), _kind(model, name), field.is_required()))
    if (action.area, action.name) == ("funds", "import"):
        out.append(("--csv", "value", True))
    if (action.area, action.name) == ("income", "export"):
        out.append(("--out", "value", True))
    return out


@st.composite
def junk_argv(draw, action: Action) -> list[str]:
    user = draw(st.sampled_from(USERS)) if draw(st.integers(0, 19)) else draw(junk_text())
    argv = [action.area, action.name, f"--as={user}"]
    for option, kind, required in options_of(action):
        if option in ("--csv", "--out"):    # file names: junk names, never a real file outside tmp
            argv.append(f"{option}=" + draw(st.sampled_from(["", "/nonexistent/x.csv", "\x00", "中.csv", "x" * 5000])))
            continue
        if not required and draw(st.booleans()):
            continue
        if kind == "flag":
            argv.append(option if draw(st.booleans()) else "--no-" + option[2:])
        elif kind == "list":
            argv.append(option)
            argv += [v if not v.startswith("-") else " " + v for v in draw(st.lists(junk_text(), min_size=1, max_size=3))]
        else:
            argv.append(f"{option}={draw(junk_text())}")
    if draw(st.integers(0, 9)) == 0:
        argv.append("--zone=" + draw(junk_text()))
    if draw(st.integers(0, 9)) == 0:
        argv.append("--lang=" + draw(junk_text()))
    return argv


# ---- the CLI, in this process -------------------------------------------------------------------

@pytest.fixture(scope="module")
def junk_store(tmp_path_factory, demo_template):
    import shutil

    path = tmp_path_factory.mktemp("junk") / "demo.db"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def fast_cli(monkeypatch, junk_store):
    """`workbench.cli.main` with the argument parser built once and the store opened once per
    setting (what each command line does after that is unchanged)."""
    import workbench.bootstrap
    import workbench.cli
    from workbench.i18n import set_language

    monkeypatch.setattr(workbench.cli, "_build_parser", functools.lru_cache(None)(workbench.cli._build_parser))
    opened: dict[str, typing.Any] = {}
    real = workbench.bootstrap.bootstrap

    def bootstrap(settings, **kw):
        key = repr(settings)
        if key not in opened:
            opened[key] = real(settings, **kw)
        set_language(settings.lang)
        return opened[key]

    monkeypatch.setattr(workbench.bootstrap, "bootstrap", bootstrap)
    monkeypatch.chdir(junk_store.parent)    # a valid --out file name lands beside the store
    monkeypatch.setenv("WORKBENCH_DB", str(junk_store))
    monkeypatch.setenv("WORKBENCH_NOW", DEMO_NOW)
    monkeypatch.setenv("WORKBENCH_LANG", "zh")
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    DIGEST.clear()   # another test may have changed the shared store
    yield junk_store
    DIGEST.clear()
    for w in opened.values():
        w.close()


TALLY: Counter = Counter()
DIGEST: dict[Path, str | None] = {}


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    from workbench.cli import main

    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:          # argparse: a wrong option or value
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def check_answer(argv: list[str], code: int, out: str, err: str, store: Path, before: str) -> str:
    """What a person may see: success, or one line on stderr naming what was wrong; nothing else."""
    assert "Traceback" not in out + err, (argv, err)
    assert code in (0, 2), f"exit code {code} for {argv!r}: {err[-500:]}"
    if code == 0:
        return "accepted"
    lines = err.strip().splitlines()
    if lines and lines[0].startswith("usage:"):       # argparse: usage, then one line naming the option
        assert "error:" in lines[-1], (argv, err)
        kind = "argparse"
    else:
        assert len(lines) == 1 and lines[0].startswith("workbench: "), (argv, err)
        assert lines[0].isprintable() and len(lines[0]) < 1000, (argv, err)   # no terminal escapes, no 10k echo
        kind = "refused"
    assert store_digest(store) == before, f"a refused command wrote to the store: {argv!r}: {err}"
    return kind


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: f"{a.area}-{a.name}")
def test_junk_on_every_cli_command_is_refused_cleanly(action, fast_cli, capsys):
    store = fast_cli

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not SOAK, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                     HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(argv=junk_argv(action))
    def one(argv):
        before = DIGEST.get(store) or store_digest(store)
        code, out, err = run_main(argv, capsys)
        kind = check_answer(argv, code, out, err, store, before)
        DIGEST[store] = before if kind != "accepted" else None   # a valid command may have written
        TALLY[(f"{action.area} {action.name}", kind)] += 1

    one()


def test_zz_junk_figures():
    """Print how many junk inputs each command got (run after the parametrized test above)."""
    per = Counter()
    for (command, kind), n in TALLY.items():
        per[command] += n
    if per:
        refused = sum(n for (_c, k), n in TALLY.items() if k != "accepted")
        print(f"\njunk: {sum(per.values())} command lines over {len(per)} commands "
              f"({min(per.values())}-{max(per.values())} each), {refused} refused cleanly, "
              f"{sum(per.values()) - refused} happened to be valid")


# ---- a few through the real program ------------------------------------------------------------

REAL = [
    ["funds", "top-up", "--as", "m.shanwei", "--amount=1e309"],
    ["tasks", "show", "--as", "m.shanwei", "--task-id=99999999999999999999"],
    ["tasks", "publish", "--as", "m.shanwei", "--creator-id=1", "--contact-name=" + "x" * 10_000,
     "--contact-phone='; DROP TABLE users;--", "--air-at=2026-02-30 25:61", "--hours=-3", "--product-ids", "一"],
    ["notifications", "set", "--as", "c.xiaoyu", "--quiet-start=99:99", "--webhook-url=\x1b[31m"],
    ["dashboard", "show", "--as", "'; DROP TABLE users;--"],
    ["tasks", "list", "--as", "m.shanwei", "--zone=Mars/Olympus_Mons"],
]


def test_junk_through_the_real_program(demo_path):
    env = {**os.environ, "WORKBENCH_NOW": DEMO_NOW, "WORKBENCH_LANG": "zh", "WORKBENCH_DB": str(demo_path)}
    env.pop("WORKBENCH_DEBUG", None)
    before = store_digest(demo_path)
    for argv in REAL:
        r = subprocess.run([sys.executable, "-m", "workbench", *argv], capture_output=True, text=True, env=env,
                           timeout=60)
        assert r.returncode == 2, (argv, r.stderr)
        check_answer(argv, r.returncode, r.stdout, r.stderr, demo_path, before)


# ---- the forms of the TUI -----------------------------------------------------------------------

def _junk_values(seed: int, n: int) -> list[str]:
    """A deterministic draw of junk for a form field: the fixed list and random characters."""
    import random

    rng = random.Random(seed)
    picks = [*MARKUP, *rng.sample(FIXED, min(n, len(FIXED)))]
    n += len(MARKUP)
    alphabet = "\x01\x1b\t\n 0123456789-.eE+¥%:中文🧧😀'\";--ＡΩ\u200b\u202e"
    while len(picks) < n:
        picks.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))))
    return picks


FORM_TRIES = 60 if SOAK else 6


async def _submit_junk(pilot, store: Path, screen_type, field_id: str, junk: str, submit, tally: Counter) -> bool:
    """Type `junk` into one field, submit, and check: either the form shows an error under a field
    and nothing was written, or the value was valid and the form went away. True if refused."""
    from textual.widgets import Input
    from textual.worker import WorkerState

    from tests.tui_helpers import settle

    app = pilot.app
    form_screen = app.screen
    assert isinstance(form_screen, screen_type), type(form_screen)
    before = store_digest(store)
    form_screen.query_one(f"#{field_id}", Input).value = junk
    await settle(pilot)
    submit(form_screen)
    await settle(pilot)
    failed = [w for w in app.workers if w.state is WorkerState.ERROR]
    assert not failed, f"{field_id}={junk[:80]!r}: {failed[0].error!r}"
    if app.screen is not form_screen:            # accepted: a valid value after all
        tally["accepted"] += 1
        return False
    shown = [str(w.render()) for w in form_screen.query(".form-error.-shown, .form-general.-shown")]
    if "[@click" in junk:   # typed markup is shown as typed, never rendered (a click would run it)
        assert not any(s.endswith(": q") for s in shown), shown
    assert shown and all(s.startswith("✗") for s in shown), f"{field_id}={junk[:80]!r}: no message shown"
    assert "Traceback" not in " ".join(shown)
    assert store_digest(store) == before, f"{field_id}={junk[:80]!r} was refused but the store changed"
    tally["refused under a field" if form_screen.query(".form-error.-shown") else "refused"] += 1
    return True


async def test_junk_in_the_task_form_top_up_stock_plan_and_settings_forms(demo_path):
    from screens.app import WorkbenchApp
    from screens.notifications import NotificationsScreen
    from screens.stock_plan_form import StockPlanFormScreen
    from screens.task_form import TaskFormScreen
    from screens.widgets.dialogs import FormDialog
    from tests.tui_helpers import settle

    wb = open_store(demo_path)
    tally: Counter = Counter()
    try:
        merchant, creator = wb.sign_in("m.shanwei"), wb.sign_in("c.xiaoyu")
        target = wb.sign_in("c.tangtang").id
        cases = [
            (merchant, lambda: TaskFormScreen(target), TaskFormScreen, lambda s: s.action_publish(),
             ["field-contact_name", "field-contact_phone", "field-air_at", "field-hours"]),
            (creator, StockPlanFormScreen, StockPlanFormScreen, lambda s: s.action_submit(), ["field-live_at"]),
        ]
        for seed, (actor, make, kind, submit, fields) in enumerate(cases):
            app = WorkbenchApp(wb, actor, scheduler=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                app.push_screen(make())
                await settle(pilot)
                for n, field_id in enumerate(fields):
                    for junk in _junk_values(seed * 100 + n, FORM_TRIES):
                        if not await _submit_junk(pilot, demo_path, kind, field_id, junk, submit, tally):
                            app.push_screen(make())      # accepted: open a fresh form
                            await settle(pilot)

        # the top-up dialog (merchant) and the notification settings dialog (anyone)
        from screens.funds import top_up_dialog

        for seed, (actor, fields) in enumerate([(merchant, ["field-amount", "field-reference"]),
                                                (creator, ["field-quiet_start", "field-quiet_end",
                                                           "field-webhook_url"])]):
            app = WorkbenchApp(wb, actor, scheduler=False)
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)

                async def open_dialog():
                    if fields[0] == "field-amount":
                        app.push_screen(top_up_dialog(app))
                    else:
                        app.push_screen(NotificationsScreen())
                        await settle(pilot)
                        app.screen.action_settings()
                    await settle(pilot)

                await open_dialog()
                for n, field_id in enumerate(fields):
                    for junk in _junk_values(1000 + seed * 100 + n, FORM_TRIES):
                        if not await _submit_junk(pilot, demo_path, FormDialog, field_id, junk,
                                                  lambda d: d.submit(), tally):
                            if isinstance(app.screen, NotificationsScreen):
                                app.pop_screen()
                            await open_dialog()
    finally:
        wb.close()
    print(f"\nforms: {sum(tally.values())} junk values typed into 4 forms: {dict(tally)}")
    assert tally["refused under a field"] > 0


# ---- files people import ------------------------------------------------------------------------

CSV_GOOD = "日期,金额,方式,凭证号\n2026-05-20,1000.00,银行转账,ICBC-20260520-01\n"
CSV_FILES = {
    "broken-row.csv": CSV_GOOD + "2026-05-21,abc,银行转账,ICBC-2\n",
    "too-few-columns.csv": CSV_GOOD + "2026-05-21,100\n",
    "future-date.csv": "2099-01-01,100,银行转账,R-1\n",
    "negative.csv": "2026-05-21,-100,银行转账,R-2\n",
    "nan.csv": "2026-05-21,NaN,银行转账,R-3\n",
    "huge.csv": "2026-05-21,1e309,银行转账,R-4\n",
    "sql.csv": "2026-05-21,100,银行转账,'; DROP TABLE top_ups;--\n2026-05-21,100,'; DROP TABLE users;--,R-5\n",
    "unknown-method.csv": "2026-05-21,100,支付宝,R-6\n",
    "bad-date.csv": "2026-02-30,100,银行转账,R-7\n",
    "duplicate.csv": CSV_GOOD + CSV_GOOD.splitlines()[1] + "\n",
    "long-cell.csv": "2026-05-21,100,银行转账," + "x" * 10_000 + "\n",
    "control.csv": "2026-05-21\x00,100,银行转账,R-8\n",
}
CSV_BYTES = {
    "binary.csv": bytes(range(256)) * 20,
    "utf16.csv": CSV_GOOD.encode("utf-16"),
    "latin1-junk.csv": "2026-05-21,100,banque,réf-ÿ\n".encode("latin-1") + b"\xff\xfe\xfa",
    "empty.csv": b"",
}
CSV_VALID = {   # files that are fine: they must import (into the pending queue, not the balance)
    "gbk.csv": CSV_GOOD.encode("gbk"),
    "bom.csv": b"\xef\xbb\xbf" + CSV_GOOD.encode("utf-8"),
}


def test_broken_csv_top_up_files_are_refused_whole_with_one_line(fast_cli, capsys, tmp_path):
    store = fast_cli
    files = {**{k: v.encode("utf-8") for k, v in CSV_FILES.items()}, **CSV_BYTES}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        before = store_digest(store)
        argv = ["funds", "import", "--as=m.shanwei", f"--csv={path}"]
        code, out, err = run_main(argv, capsys)
        if code == 0:   # the file was read: every row refused, none imported
            assert '"imported": 0' in out or "imported: 0" in out, (name, out)
            assert store_digest(store) == before, name
        else:
            assert check_answer(argv, code, out, err, store, before) == "refused", name
    for name, data in CSV_VALID.items():
        path = tmp_path / name
        path.write_bytes(data)
        code, out, err = run_main(["funds", "import", "--as=m.shanwei", f"--csv={path}", "--json"], capsys)
        assert code == 0 and '"imported": 1' in out, (name, out, err)
        CSV_GOOD_REF = "ICBC-20260520-01"
        assert CSV_GOOD_REF in Path(path).read_bytes().decode("gb18030", errors="replace")
        break   # the second valid file has the same reference: a duplicate now, checked above


def _broken_data_dir(tmp_path: Path, name: str, content: bytes) -> Path:
    import shutil

    from workbench.paths import data_dir

    target = tmp_path / "data"
    if not target.exists():
        shutil.copytree(data_dir(), target)
    (target / name).write_bytes(content)
    return target


@pytest.mark.parametrize("content", [
    b"this is = = not toml\n[flow_b\n", b"\xff\xfe\x00r\x00u\x00l\x00e\x00s", b"",
    b"[flow_b]\nacceptance_timeout_hours = \"soon\"\n", b"[flow_b]\nacceptance_timeout_hours = -5\n",
], ids=["syntax", "utf16", "empty", "wrong-type", "negative"])
def test_a_broken_rules_file_stops_start_up_with_one_line(content, demo_path, tmp_path, capsys, monkeypatch):
    from tests.test_backup import store_rows

    base = (Path(__file__).resolve().parents[1] / "data" / "rules.toml").read_bytes()
    if content.startswith(b"[flow_b]"):   # keep the rest of the file: only this key is wrong
        content = base.replace(b"acceptance_timeout_hours = 72", content.split(b"\n")[1])
    data = _broken_data_dir(tmp_path, "rules.toml", content)
    monkeypatch.setenv("WORKBENCH_DATA", str(data))
    monkeypatch.setenv("WORKBENCH_NOW", DEMO_NOW)
    before = store_rows(demo_path)
    argv = ["tasks", "list", "--as=m.shanwei", f"--db={demo_path}"]
    code, out, err = run_main(argv, capsys)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (code, err)
    assert "rules.toml" in err
    assert store_rows(demo_path) == before


@pytest.mark.parametrize("name,content", [
    ("demo/people.toml", b'[[merchant]]\nhandle = "m.x"\nname = \xff\xfe\n'),
    ("demo/people.toml", b'[[merchant]]\nhandle = "m.x"\n'),
    ("demo/products.toml", b"x = [\n"),
    ("demo/agency.toml", b'[[a]]\ndo = "invite_creator"\nwho = "a.nobody"\ncreator = "c.tangtang"\nkey = "b1"\n'),
    ("demo/agency.toml", b'[[a]]\ndo = "fly"\n'),
], ids=["encoding", "missing-key", "syntax", "unknown-user", "unknown-event"])
def test_broken_demo_data_builds_nothing_and_says_so_in_one_line(name, content, tmp_path, capsys, monkeypatch):
    data = _broken_data_dir(tmp_path, name, content)
    monkeypatch.setenv("WORKBENCH_DATA", str(data))
    monkeypatch.setenv("WORKBENCH_NOW", DEMO_NOW)
    db = tmp_path / "demo.db"
    code, out, err = run_main(["demo", f"--db={db}"], capsys)
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (code, err)
    assert not db.exists() and not list(tmp_path.glob("demo.db*"))
