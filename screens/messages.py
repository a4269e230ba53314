"""Messages the screens share."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """Something in the store changed; visible screens reload what they show."""
