"""Keep the English catalog in step with the source: extract, merge, report gaps, compile.

    python tools/catalog.py          # update workbench.po from the code and compile workbench.mo
    python tools/catalog.py --check  # exit 1 when a message lacks a translation or the .mo is stale
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "workbench" / "locale" / "en" / "LC_MESSAGES" / "workbench.po"
MO = PO.with_suffix(".mo")
METHOD_MAP = [("workbench/**.py", "python"), ("screens/**.py", "python")]


def extract() -> Catalog:
    template = Catalog(project="workbench", locale=None)
    for folder in ("workbench", "screens"):
        for filename, lineno, message, comments, context in extract_from_dir(
                ROOT / folder, [("**.py", "python")], keywords={"_": None, "N_": None}):
            template.add(message, locations=[(f"{folder}/{filename}", lineno)])
    return template


def load() -> Catalog:
    if PO.exists():
        with PO.open("rb") as fh:
            return read_po(fh, locale="en")
    return Catalog(locale="en", project="workbench")


def mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def missing(catalog: Catalog, template: Catalog) -> list[str]:
    return [m.id for m in template if m.id and (m.id not in catalog or not catalog[m.id].string)]


def main(argv: list[str]) -> int:
    template = extract()
    catalog = load()
    if "--check" in argv:
        gaps = missing(catalog, template)
        for msg in gaps:
            print(f"untranslated: {msg!r}")
        stale = not MO.exists() or MO.read_bytes() != mo_bytes(catalog)
        if stale:
            print(f"{MO.relative_to(ROOT)} is out of date: run python tools/catalog.py")
        return 1 if gaps or stale else 0
    catalog.update(template, no_fuzzy_matching=True)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, no_location=True, width=100,
                 ignore_obsolete=True)
    MO.write_bytes(mo_bytes(catalog))
    for msg in missing(catalog, template):
        print(f"untranslated: {msg!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
