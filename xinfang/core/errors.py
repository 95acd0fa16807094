"""Errors that carry a message for the person who caused them (always Simplified Chinese)."""

from __future__ import annotations


class XinfangError(Exception):
    """Base class: ``str(err)`` is a complete Chinese sentence that says what to fix."""

    def __init__(self, message: str, *, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class ValidationFailed(XinfangError):
    """Input was wrong; nothing was written."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message, code=code)
        self.field = field


class PermissionRefused(XinfangError):
    """The actor may not do this; nothing was written."""

    def __init__(self, message: str = "您没有执行此操作的权限", *, code: str = "forbidden") -> None:
        super().__init__(message, code=code)


class NotFound(XinfangError):
    """No such object, or not one the user may see: both look the same on purpose."""

    def __init__(self, message: str = "未找到该信访件", *, code: str = "not_found") -> None:
        super().__init__(message, code=code)


class IllegalTransition(XinfangError):
    """The requested step is not allowed from the item's current state; nothing was written."""

    def __init__(self, message: str, *, code: str = "illegal_transition") -> None:
        super().__init__(message, code=code)


class ConcurrentUpdate(XinfangError):
    """Someone else moved the item first; reload and try again."""

    def __init__(self, message: str = "该信访件已被他人处理，请刷新后重试", *, code: str = "conflict") -> None:
        super().__init__(message, code=code)
