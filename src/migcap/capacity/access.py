"""Who may see and do what with an assessment: every web page and API call goes through
:func:`open_assessment`.

An assessment is visible to the members of the organisation that owns it and, once published,
to everyone. Anything else — another organisation's draft, an assessment made with the command
line (no owner), an id that does not exist — is :class:`~migcap.errors.NotFound`, the
same answer in every case, so that guessing ids reveals nothing.

What a visible assessment allows depends on the role in its organisation (see
:data:`migcap.accounts.principals.NEEDS`) and on its state: a published assessment is read-only for
everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from migcap.accounts.principals import NEEDS, RANK, Principal
from migcap.capacity.assessments import Assessment, ReadOnlyError, get_assessment
from migcap.capacity.teamwork import Ownership, ownership
from migcap.errors import NotAuthenticated, NotFound, PermissionDenied

__all__ = ["Access", "open_assessment"]

_ACTION_TEXT = {"edit": "change this assessment", "comment": "comment", "import": "import a workbook",
                "publish": "publish this assessment", "history": "see the history",
                "admin": "manage the organisation"}


@dataclass(frozen=True)
class Access:
    """A visible assessment, its owner and publication state, and the viewer's role in its organisation."""

    assessment: Assessment
    ownership: Ownership
    role: str | None
    principal: Principal | None

    @property
    def member(self) -> bool:
        return self.role is not None

    @property
    def published(self) -> bool:
        return self.ownership.published

    def can(self, action: str) -> bool:
        """``view``, ``history`` (members), ``edit``, ``comment``, ``import``, ``publish``."""
        if action == "view":
            return True
        if action == "history":
            return self.role is not None
        if self.role is None or self.published:
            return False
        return RANK[self.role] >= RANK[NEEDS[action]]

    def require(self, action: str) -> None:
        """Raise unless the action is allowed: read-only (published), not logged in, or the role is too
        low."""
        if self.can(action):
            return
        if self.principal is None:
            raise NotAuthenticated("log in first")
        if self.role is None:
            if action == "history":
                raise NotFound("no such assessment")
            raise PermissionDenied(f"only members of {self.ownership.organisation} "
                                   f"may {_ACTION_TEXT.get(action, action)}")
        if self.published:
            raise ReadOnlyError(f"the assessment '{self.assessment.label}' is published and read-only",
                                hint="start a new round to record changes")
        raise PermissionDenied(f"your role in {self.ownership.organisation} is {self.role}; to "
                               f"{_ACTION_TEXT.get(action, action)} you need to be {NEEDS[action]} or above")


def open_assessment(who: Principal | None, uid: str) -> Access:
    """The assessment with this id if ``who`` may see it (``None``: someone not logged in), else NotFound."""
    if not uid or len(uid) > 64:
        raise NotFound("no such assessment")
    found = ownership(uid)
    if found is None:
        raise NotFound("no such assessment")
    _, own = found
    role = who.role_in(own.organisation_id) if who is not None else None
    if role is None and not own.published:
        raise NotFound("no such assessment")
    return Access(get_assessment(uid), own, role, who)
