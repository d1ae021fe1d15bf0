"""Errors that the domain raises and the web layer turns into readable replies."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused a command (HTTP 422).

    ``message_zh`` is what people read first; ``message_en`` is the English text; ``code`` is stable
    for programs.
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


class StateConflict(DomainError):
    """The command does not fit the aggregate's current state (HTTP 409), e.g. submitting twice.

    ``actual_version`` is filled in by the command handler with the version the state was read at.
    """

    actual_version: int | None = None


class NotFound(Exception):
    """The thing asked for does not exist (HTTP 404)."""

    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"{what} {identifier} not found")
        self.what = what
        self.identifier = identifier


class Forbidden(Exception):
    """The caller may not see or do this to this particular thing (HTTP 403).

    Role checks happen at the route; this is for rules that need the aggregate, such as "a holder
    acts only on their own achievements".
    """

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
