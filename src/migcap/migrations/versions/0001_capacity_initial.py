"""Assessments, entries with optimistic versions, and the change history.

Revision ID: 0001_capacity
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migcap.db import UTCDateTime

revision = "0001_capacity"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("iso3", sa.String(3), nullable=False),
        sa.Column("state_name", sa.String(200), nullable=False),
        sa.Column("hypothetical", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("inventory_id", sa.String(64), nullable=False),
        sa.Column("inventory_version", sa.String(20), nullable=False),
        sa.Column("declared_tags", sa.JSON(), nullable=False),
        sa.Column("declared_figures", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_assessment"),
        sa.UniqueConstraint("uid", name="uq_capacity_assessment_uid"),
    )
    op.create_index("ix_capacity_assessment_iso3", "capacity_assessment", ["iso3"])
    op.create_table(
        "capacity_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(40), nullable=False),
        sa.Column("level", sa.String(20), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("assessor", sa.String(200), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["capacity_assessment.id"], ondelete="CASCADE",
                                name="fk_capacity_entry_assessment_id_capacity_assessment"),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_entry"),
        sa.UniqueConstraint("assessment_id", "item_id", name="uq_capacity_entry_assessment_id"),
    )
    op.create_index("ix_capacity_entry_assessment_id", "capacity_entry", ["assessment_id"])
    op.create_table(
        "capacity_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(40), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("field", sa.String(40), nullable=True),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["capacity_assessment.id"], ondelete="CASCADE",
                                name="fk_capacity_change_assessment_id_capacity_assessment"),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_change"),
    )
    op.create_index("ix_capacity_change_assessment_id", "capacity_change", ["assessment_id"])


def downgrade() -> None:
    op.drop_index("ix_capacity_change_assessment_id", table_name="capacity_change")
    op.drop_table("capacity_change")
    op.drop_index("ix_capacity_entry_assessment_id", table_name="capacity_entry")
    op.drop_table("capacity_entry")
    op.drop_index("ix_capacity_assessment_iso3", table_name="capacity_assessment")
    op.drop_table("capacity_assessment")
