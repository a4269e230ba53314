"""Several processes on one SQLite file: opening the store in one never costs another its writes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from sqlalchemy import text

from workbench.store.engine import make_engine

OPEN_READ_CLOSE = textwrap.dedent("""
    import sys
    from sqlalchemy import text
    from workbench.store.engine import make_engine
    e = make_engine(sys.argv[1], create=False)
    with e.connect() as c:
        print(c.execute(text("SELECT count(*) FROM t")).scalar())
    e.dispose()
""")


def count_elsewhere(url: str) -> int:
    done = subprocess.run([sys.executable, "-c", OPEN_READ_CLOSE, url], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_another_process_opening_the_store_keeps_our_later_writes(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    setup = make_engine(url)
    with setup.begin() as c:
        c.execute(text("CREATE TABLE t (x INTEGER)"))
    setup.dispose()
    a = make_engine(url, create=False)      # opens a connection while checking the store
    for n in (1, 2, 3):
        with a.begin() as c:
            c.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        assert count_elsewhere(url) == n    # another process opens, reads and closes the store
    a.dispose()
    assert count_elsewhere(url) == 3
