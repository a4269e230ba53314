"""Save the README's screenshot: the merchant dashboard of the demo store, as Textual draws it.

    python tools/screenshot.py [--lang zh|en] [--size 120x40] [--as m.shanwei] OUT.svg
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from screens.app import WorkbenchApp
from workbench.bootstrap import bootstrap
from workbench.clock import FixedClock, parse_instant
from workbench.config import Settings
from workbench.demo import load_demo

NOW = "2026-06-01T10:00:00+08:00"


async def shoot(out: Path, lang: str, size: tuple[int, int], handle: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'demo.db'}"
        anchor = parse_instant(NOW)
        wb = bootstrap(Settings(db_url=db, lang=lang), clock=FixedClock(anchor))
        load_demo(wb, anchor)
        app = WorkbenchApp(wb, wb.sign_in(handle))
        async with app.run_test(size=size) as pilot:
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            app.save_screenshot(filename=out.name, path=str(out.parent))
        wb.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--lang", default="zh")
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--as", dest="handle", default="m.shanwei")
    args = parser.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    asyncio.run(shoot(args.out.resolve(), args.lang, (w, h), args.handle))


if __name__ == "__main__":
    main()
