"""Reading a text file a person names (a CSV export): UTF-8 or the GB18030 of Chinese Excel."""

from __future__ import annotations

from pathlib import Path

from workbench.domain.errors import DomainError
from workbench.i18n import _


def read_text_file(path: str, field: str = "path") -> str:
    try:
        raw = Path(path).expanduser().read_bytes()
    except (OSError, ValueError) as exc:   # ValueError: a NUL in the name
        why = getattr(exc, "strerror", None) or str(exc)
        raise DomainError(_("无法读取文件 {path}: {why}").format(path=path, why=why), field=field) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("文件不是 UTF-8 或 GB18030 文本: {path}").format(path=path), field=field)
