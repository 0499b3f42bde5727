"""The tables of capacity assessments (see :mod:`migcap.db` for the engine and migrations).

``capacity_assessment``, ``capacity_entry``, ``capacity_change``, ``capacity_owner``,
``capacity_comment`` and ``capacity_attachment`` are described in :mod:`migcap.db`. Some refer to
the accounts tables (organisations, users), which are imported here so that the metadata knows them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import migcap.accounts.models  # noqa: F401  (the organisations and users these tables refer to)
from migcap.db import Base, UTCDateTime

__all__ = ["AssessmentRow", "AttachmentRow", "ChangeRow", "CommentRow", "EntryRow", "OwnerRow"]


class AssessmentRow(Base):
    __tablename__ = "capacity_assessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    iso3: Mapped[str] = mapped_column(String(3), index=True)
    state_name: Mapped[str] = mapped_column(String(200))
    hypothetical: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(200))
    inventory_id: Mapped[str] = mapped_column(String(64))
    inventory_version: Mapped[str] = mapped_column(String(20))
    declared_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    declared_figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    revision: Mapped[int] = mapped_column(Integer, default=0)

    entries: Mapped[list[EntryRow]] = relationship(back_populates="assessment", cascade="all, delete-orphan")


class EntryRow(Base):
    __tablename__ = "capacity_entry"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("capacity_assessment.id", ondelete="CASCADE"),
                                               index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    level: Mapped[str | None] = mapped_column(String(20), nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    assessor: Mapped[str] = mapped_column(String(200), default="")
    assessed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))

    assessment: Mapped[AssessmentRow] = relationship(back_populates="entries")


class ChangeRow(Base):
    __tablename__ = "capacity_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("capacity_assessment.id", ondelete="CASCADE"),
                                               index=True)
    item_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(40), nullable=True)
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300), default="")


class OwnerRow(Base):
    """The organisation an assessment belongs to, and its publication state."""

    __tablename__ = "capacity_owner"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("capacity_assessment.id", ondelete="CASCADE"),
                                               primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("accounts_organisation.id", ondelete="CASCADE"),
                                                 index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(200), nullable=True)


class CommentRow(Base):
    __tablename__ = "capacity_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("capacity_assessment.id", ondelete="CASCADE"),
                                               index=True)
    item_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("accounts_user.id", ondelete="SET NULL"),
                                                  nullable=True)
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AttachmentRow(Base):
    __tablename__ = "capacity_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("capacity_assessment.id", ondelete="CASCADE"),
                                               index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(80))
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deleted_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

