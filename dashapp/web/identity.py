"""Who the user is: identity from the sign-on proxy's headers, roles from groups, and a Flask
view decorator. No Dash: every layer may ask who is acting (docs/security.md)."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import ParamSpec, TypeVar

from flask import Request, current_app, g, has_request_context, request
from flask.typing import ResponseReturnValue

from dashapp.settings import Settings
from dashapp.web import error_pages
from dashapp.web.trust import address_is_trusted

P = ParamSpec("P")
R = TypeVar("R")


class Role(IntEnum):
    """Roles in increasing power: each includes every role below it."""

    NONE = 0
    VIEWER = 1
    TRAINER = 2
    ADMIN = 3

    @classmethod
    def parse(cls, name: str) -> Role:
        """The role called `name` (case-insensitive)."""
        return cls[name.upper()]


@dataclass(frozen=True)
class User:
    """The person behind the current request."""

    username: str
    role: Role
    email: str = ""
    display_name: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)

    def has(self, role: Role) -> bool:
        """True when the user holds `role` or a stronger one."""
        return self.role >= role

    @property
    def label(self) -> str:
        """What the navbar shows."""
        return self.display_name or self.username


def role_for_groups(groups: tuple[str, ...], settings: Settings) -> Role:
    """The strongest role any of the user's groups grants, else the default role."""
    wanted = {group.casefold() for group in groups}

    def grants(configured: list[str]) -> bool:
        return any(name.casefold() in wanted for name in configured)

    if grants(settings.admin_groups):
        return Role.ADMIN
    if grants(settings.trainer_groups):
        return Role.TRAINER
    if grants(settings.viewer_groups):
        return Role.VIEWER
    return Role.parse(settings.default_role)


def peer_is_trusted(req: Request, settings: Settings) -> bool:
    """True when the TCP peer (before ProxyFix rewrote it) is a configured trusted proxy."""
    original = req.environ.get("werkzeug.proxy_fix.orig", {})
    peer = original.get("REMOTE_ADDR") or req.environ.get("REMOTE_ADDR") or ""
    return address_is_trusted(peer, settings.trusted_proxies)


GROUP_SEPARATOR = ","


def parse_groups(raw: str) -> tuple[str, ...]:
    """Group names from the groups header: one separator, `,` (what oauth2-proxy sends).

    Several header lines reach the app already joined with `,` by the WSGI server, so they read
    as one list; the proxy replaces any copy a client sent, which is why only it is trusted.
    """
    return tuple(name.strip() for name in raw.split(GROUP_SEPARATOR) if name.strip())


def proxy_secret_ok(req: Request, settings: Settings) -> bool:
    """True when no proxy secret is configured, or the request carries it (constant time)."""
    if not settings.proxy_secret:
        return True
    sent = req.headers.get(settings.proxy_secret_header, "")
    return hmac.compare_digest(sent.encode(), settings.proxy_secret.encode())


def from_trusted_proxy(req: Request, settings: Settings) -> bool:
    """True when the request came through the sign-on proxy: its headers may be believed."""
    return peer_is_trusted(req, settings) and proxy_secret_ok(req, settings)


def identify(req: Request, settings: Settings) -> User | None:
    """The user named by the proxy's headers, the development user, or None."""
    username = req.headers.get(settings.user_header, "").strip()
    if username and from_trusted_proxy(req, settings):
        groups = parse_groups(req.headers.get(settings.groups_header, ""))
        return User(
            username=username[:200],
            role=role_for_groups(groups, settings),
            email=req.headers.get(settings.email_header, "")[:200],
            display_name=req.headers.get(settings.name_header, "")[:200],
            groups=groups,
        )
    if not settings.is_production:
        return User(
            username=settings.dev_user,
            role=Role.parse(settings.dev_role),
            display_name=f"{settings.dev_user} (development)",
        )
    return None


def current_user() -> User | None:
    """The user of the current request (None outside a request or without identity)."""
    if not has_request_context():
        return None
    user: User | None = g.get("user")
    return user


def require_role(role: Role) -> Callable[[Callable[P, R]], Callable[P, R | ResponseReturnValue]]:
    """Decorate a Flask view: 401 without identity, 403 when the user lacks `role`."""

    def decorate(view: Callable[P, R]) -> Callable[P, R | ResponseReturnValue]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R | ResponseReturnValue:
            user = current_user()
            if user is None:
                settings = current_app.extensions["dashapp_settings"]
                page = error_pages.sign_in_required(settings.sign_in_url)
                return error_pages.respond(request, page, api_message="Sign-in required.")
            if not user.has(role):
                needed = role.name.lower()
                return error_pages.respond(
                    request, error_pages.forbidden(needed), f"This needs the {needed} role."
                )
            return view(*args, **kwargs)

        guarded.required_role = role  # type: ignore[attr-defined]
        return guarded

    return decorate
