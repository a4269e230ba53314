"""SSH keys (SSH 公钥): which public key signs in as which user, and the audit of SSH access."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, field_validator
from sqlalchemy import select

from workbench.domain.errors import DomainError, Forbidden, NotFound
from workbench.domain.roles import Role
from workbench.i18n import _
from workbench.services.base import Actor, Command, audit, read_only
from workbench.store.models import SshKey, User
from workbench.store.uow import UnitOfWork

# The key types OpenSSH offers today; DSA is gone from OpenSSH and refused here too.
KEY_TYPES = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
})


@dataclass(frozen=True, slots=True)
class KeyView:
    id: int
    handle: str
    fingerprint: str
    key_type: str
    comment: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class PublicKey:
    key_type: str
    blob: bytes
    comment: str

    @property
    def fingerprint(self) -> str:
        """The SHA256 fingerprint exactly as `ssh-keygen -l` and SSH clients print it."""
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    @property
    def text(self) -> str:
        return f"{self.key_type} {base64.b64encode(self.blob).decode()}"


def parse_public_key(text: str, field: str = "public_key") -> PublicKey:
    """One OpenSSH public key line (`type base64 [comment]`, as in a `.pub` file)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    bad = DomainError(_("不是 OpenSSH 公钥（应为一行: 类型 密钥 [备注]，如 .pub 文件）"), field=field)
    if len(lines) != 1:
        raise bad
    parts = lines[0].split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise bad
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise bad from None
    # The blob starts with its own type name; a mismatch is a damaged or edited key.
    if len(blob) < 4:
        raise bad
    (n,) = struct.unpack(">I", blob[:4])
    if blob[4:4 + n] != parts[0].encode() or len(blob) <= 4 + n:
        raise bad
    comment = parts[2].strip() if len(parts) > 2 else ""
    return PublicKey(parts[0], blob, comment[:200])


class AddKey(Command):
    handle: str = Field(min_length=1, max_length=64)
    public_key: str = Field(min_length=1, max_length=20_000)
    comment: str | None = Field(default=None, max_length=200)

    @field_validator("public_key")
    @classmethod
    def _key(cls, v: str) -> str:
        parse_public_key(v)
        return v


class RemoveKey(Command):
    handle: str = Field(min_length=1, max_length=64)
    fingerprint: str = Field(min_length=1, max_length=100)


def _user(uow: UnitOfWork, handle: str, field: str = "handle") -> User:
    user = uow.session.scalar(select(User).where(User.handle == handle))
    if user is None:
        raise NotFound(_("没有这个用户: {handle}").format(handle=handle), field=field)
    return user


def _may_manage(actor: Actor, user: User) -> None:
    """The user themself, support staff, or the system (the console operator) manage keys."""
    if actor.is_system or actor.role is Role.SUPPORT or actor.id == user.id:
        return
    raise Forbidden(_("只能管理自己的 SSH 公钥"), field="handle")


def _view(key: SshKey, handle: str) -> KeyView:
    return KeyView(key.id, handle, key.fingerprint, key.public_key.split(" ", 1)[0], key.comment,
                   key.added_at)


def add_key(uow: UnitOfWork, actor: Actor, cmd: AddKey) -> KeyView:
    """Register a public key for a user; from then on it signs in as that user over SSH."""
    user = _user(uow, cmd.handle)
    _may_manage(actor, user)
    key = parse_public_key(cmd.public_key)
    owner = uow.session.scalar(
        select(User.handle).join(SshKey, SshKey.user_id == User.id)
        .where(SshKey.fingerprint == key.fingerprint))
    if owner is not None:
        raise DomainError(_("这个公钥已登记给 {handle}").format(handle=owner), field="public_key")
    row = SshKey(user_id=user.id, fingerprint=key.fingerprint, public_key=key.text,
                 comment=(cmd.comment if cmd.comment is not None else key.comment)[:200],
                 added_at=uow.now)
    uow.session.add(row)
    uow.session.flush()
    audit(uow, actor, "ssh_key.add", "user", user.id, fingerprint=key.fingerprint,
          key_type=key.key_type, comment=row.comment)
    view = _view(row, user.handle)
    uow.commit()
    return view


def remove_key(uow: UnitOfWork, actor: Actor, cmd: RemoveKey) -> KeyView:
    """Remove one of a user's keys by its fingerprint; open sessions signed in with it go on."""
    user = _user(uow, cmd.handle)
    _may_manage(actor, user)
    row = uow.session.scalar(select(SshKey).where(SshKey.user_id == user.id,
                                                  SshKey.fingerprint == cmd.fingerprint))
    if row is None:
        raise NotFound(_("{handle} 没有这个公钥: {fingerprint}").format(
            handle=user.handle, fingerprint=cmd.fingerprint), field="fingerprint")
    view = _view(row, user.handle)
    uow.session.delete(row)
    audit(uow, actor, "ssh_key.remove", "user", user.id, fingerprint=row.fingerprint)
    uow.commit()
    return view


@read_only
def list_keys(uow: UnitOfWork, actor: Actor, handle: str | None = None) -> list[KeyView]:
    """A user's keys; without a handle, the actor's own (support staff and the system: everyone's)."""
    stmt = select(SshKey, User.handle).join(User, User.id == SshKey.user_id)
    if handle is not None:
        user = _user(uow, handle)
        _may_manage(actor, user)
        stmt = stmt.where(SshKey.user_id == user.id)
    elif not (actor.is_system or actor.role is Role.SUPPORT):
        stmt = stmt.where(SshKey.user_id == actor.id)
    return [_view(k, h) for k, h in uow.session.execute(stmt.order_by(User.handle, SshKey.id))]


@read_only
def key_owner(uow: UnitOfWork, fingerprint: str, zone: str | None = None) -> Actor | None:
    """The user a key signs in as, or None for a key nobody registered."""
    user = uow.session.scalar(select(User).join(SshKey, SshKey.user_id == User.id)
                              .where(SshKey.fingerprint == fingerprint))
    if user is None:
        return None
    return Actor(id=user.id, handle=user.handle, name=user.name, role=Role(user.role),
                 zone=zone or user.zone or "Asia/Shanghai")


@read_only
def user_language(uow: UnitOfWork, user_id: int) -> str | None:
    """The language the user chose, if any (a remote session opens in it)."""
    return uow.session.scalar(select(User.lang).where(User.id == user_id))


def record_access(uow: UnitOfWork, actor: Actor, event: str, address: str, **detail: object) -> None:
    """One audit row per SSH login, logout or refusal, with the client's address.

    `actor` is the key's user once known; refusals before that are recorded as the system's.
    """
    audit(uow, actor, f"ssh.{event}", "ssh", actor.id, address=address, **detail)
    uow.commit()
