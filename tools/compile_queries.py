"""Write services/dashboard_compiled.py: the dashboard's queries compiled for SQLite.

    python tools/compile_queries.py

Run it after changing services/dashboard_sql.py or adding a migration; tests/test_firstscreen.py
says when it is due."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.services.dashboard_sql import compiled_source  # noqa: E402

TARGET = ROOT / "workbench" / "services" / "dashboard_compiled.py"

if __name__ == "__main__":
    TARGET.write_text(compiled_source(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
