"""The base's sign-in QR code (签到二维码): a signed, expiring token, drawn by a QR library."""

from __future__ import annotations

import qrcode
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.panel import Panel
from workbench.i18n import N_, _
from workbench.services import agency

HALF = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def qr_text(data: str) -> Text:
    """The QR code in half-block characters, dark on light whatever the terminal's theme."""
    qr = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_L)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    lines = ["".join(HALF[(top, bottom)] for top, bottom in zip(matrix[r], matrix[r + 1]))
             for r in range(0, len(matrix), 2)]
    return Text("\n".join(lines), style="black on white", no_wrap=True)


class SignInQRScreen(WorkScreen):
    DEFAULT_CSS = """
    SignInQRScreen #qr-row { height: 1fr; padding: 0 1; }
    SignInQRScreen #qr-panel { width: auto; height: auto; }
    SignInQRScreen #qr { width: auto; height: auto; }
    SignInQRScreen #token-panel { width: 1fr; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="qr.back"),
        Binding("r", "refresh_code", N_("刷新二维码"), tooltip=N_("生成新的签到码"), id="qr.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.token = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="qr-row"):
            yield Panel(_("签到二维码"), Static(id="qr"), id="qr-panel")
            yield Panel(_("签到码"), Static(id="token"), id="token-panel", more=_("r 刷新"))
        yield Footer()

    def fetch(self) -> str:
        return self.wb_app.wb.run(agency.sign_in_token, self.wb_app.actor)

    def show(self, token: str) -> None:
        self.token = token
        self.query_one("#qr", Static).update(qr_text(token))
        minutes = self.wb_app.wb.rules.agency.sign_in_token_minutes
        self.query_one("#token", Static).update(Text.assemble(
            (_("主播扫码签到, 或在「我的基地」粘贴签到码:") + "\n\n", "dim"), (token, "bold"),
            "\n\n", (_("{m} 分钟内有效; 签名防篡改, 只对本基地有效。").format(m=minutes), "dim")))

    def action_refresh_code(self) -> None:
        self.reload()
