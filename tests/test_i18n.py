"""Every string a person reads has an English translation, and the compiled catalog is current."""

import subprocess
import sys
from pathlib import Path

from workbench.domain.roles import Role
from workbench.i18n import _, set_language

ROOT = Path(__file__).resolve().parent.parent


def test_catalog_is_complete_and_compiled():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "catalog.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_switching_language():
    set_language("en")
    assert _("待办事项") == "To-do"
    assert Role.MERCHANT.label == "Merchant"
    set_language("zh")
    assert _("待办事项") == "待办事项"


def test_bilingual_data_files_are_complete():
    from workbench import content

    for item in (*content.guide(), *content.articles(), *content.cases()):
        assert item.title_zh.strip() and item.title_en.strip()
    for a in content.articles():
        assert a.body_zh.strip() and a.body_en.strip()
    help_ids = {a.id for a in content.articles()}
    assert all(s.help in help_ids for s in content.guide() if s.help)


def test_no_translation_hides_inside_an_f_string():
    """The catalog extractor does not look inside f-strings: `f"{_('未读')}"` would stay Chinese
    in English. Translate outside the f-string instead."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"""\bf(["'])[^"'\n]*\{\s*N?_\(""")
    hits = [f"{path.relative_to(root)}:{n}" for folder in ("workbench", "screens")
            for path in (root / folder).rglob("*.py")
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert hits == []
