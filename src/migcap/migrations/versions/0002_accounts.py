"""Accounts, organisations and roles; ownership and publication of assessments; comments; attachments.

Only new tables: the existing assessments, entries and history are not touched (on SQLite a
rebuilt table would cascade-delete its children). Assessments made before this revision belong
to no organisation until ``migcap users assign`` gives them one.

Revision ID: 0002_accounts
Revises: 0001_capacity
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from migcap.db import UTCDateTime

revision = "0002_accounts"
down_revision = "0001_capacity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts_organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("iso3", sa.String(3), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_organisation"),
        sa.UniqueConstraint("uid", name="uq_accounts_organisation_uid"),
        sa.UniqueConstraint("slug", name="uq_accounts_organisation_slug"),
    )
    op.create_table(
        "accounts_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("site_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_user"),
        sa.UniqueConstraint("uid", name="uq_accounts_user_uid"),
        sa.UniqueConstraint("email", name="uq_accounts_user_email"),
    )
    op.create_table(
        "accounts_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["accounts_user.id"], ondelete="CASCADE",
                                name="fk_accounts_membership_user_id_accounts_user"),
        sa.ForeignKeyConstraint(["organisation_id"], ["accounts_organisation.id"], ondelete="CASCADE",
                                name="fk_accounts_membership_organisation_id_accounts_organisation"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_membership"),
        sa.UniqueConstraint("user_id", "organisation_id", name="uq_accounts_membership_user_id"),
    )
    op.create_index("ix_accounts_membership_user_id", "accounts_membership", ["user_id"])
    op.create_index("ix_accounts_membership_organisation_id", "accounts_membership", ["organisation_id"])
    op.create_table(
        "accounts_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["organisation_id"], ["accounts_organisation.id"], ondelete="CASCADE",
                                name="fk_accounts_invitation_organisation_id_accounts_organisation"),
        sa.ForeignKeyConstraint(["created_by"], ["accounts_user.id"], ondelete="SET NULL",
                                name="fk_accounts_invitation_created_by_accounts_user"),
        sa.ForeignKeyConstraint(["accepted_by"], ["accounts_user.id"], ondelete="SET NULL",
                                name="fk_accounts_invitation_accepted_by_accounts_user"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_invitation"),
        sa.UniqueConstraint("uid", name="uq_accounts_invitation_uid"),
        sa.UniqueConstraint("token_hash", name="uq_accounts_invitation_token_hash"),
    )
    op.create_index("ix_accounts_invitation_organisation_id", "accounts_invitation", ["organisation_id"])
    op.create_table(
        "accounts_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["accounts_user.id"], ondelete="CASCADE",
                                name="fk_accounts_session_user_id_accounts_user"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_session"),
        sa.UniqueConstraint("token_hash", name="uq_accounts_session_token_hash"),
    )
    op.create_index("ix_accounts_session_user_id", "accounts_session", ["user_id"])
    op.create_table(
        "accounts_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["accounts_user.id"], ondelete="CASCADE",
                                name="fk_accounts_api_token_user_id_accounts_user"),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_api_token"),
        sa.UniqueConstraint("uid", name="uq_accounts_api_token_uid"),
        sa.UniqueConstraint("token_hash", name="uq_accounts_api_token_token_hash"),
    )
    op.create_index("ix_accounts_api_token_user_id", "accounts_api_token", ["user_id"])
    op.create_table(
        "accounts_login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts_login_attempt"),
    )
    op.create_index("ix_accounts_login_attempt_key", "accounts_login_attempt", ["key"])
    op.create_index("ix_accounts_login_attempt_at", "accounts_login_attempt", ["at"])
    op.create_table(
        "capacity_owner",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("published_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["capacity_assessment.id"], ondelete="CASCADE",
                                name="fk_capacity_owner_assessment_id_capacity_assessment"),
        sa.ForeignKeyConstraint(["organisation_id"], ["accounts_organisation.id"], ondelete="CASCADE",
                                name="fk_capacity_owner_organisation_id_accounts_organisation"),
        sa.PrimaryKeyConstraint("assessment_id", name="pk_capacity_owner"),
    )
    op.create_index("ix_capacity_owner_organisation_id", "capacity_owner", ["organisation_id"])
    op.create_table(
        "capacity_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(40), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["capacity_assessment.id"], ondelete="CASCADE",
                                name="fk_capacity_comment_assessment_id_capacity_assessment"),
        sa.ForeignKeyConstraint(["author_id"], ["accounts_user.id"], ondelete="SET NULL",
                                name="fk_capacity_comment_author_id_accounts_user"),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_comment"),
        sa.UniqueConstraint("uid", name="uq_capacity_comment_uid"),
    )
    op.create_index("ix_capacity_comment_assessment_id", "capacity_comment", ["assessment_id"])
    op.create_table(
        "capacity_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(32), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(40), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("stored_name", sa.String(80), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("deleted_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["capacity_assessment.id"], ondelete="CASCADE",
                                name="fk_capacity_attachment_assessment_id_capacity_assessment"),
        sa.PrimaryKeyConstraint("id", name="pk_capacity_attachment"),
        sa.UniqueConstraint("uid", name="uq_capacity_attachment_uid"),
    )
    op.create_index("ix_capacity_attachment_assessment_id", "capacity_attachment", ["assessment_id"])


def downgrade() -> None:
    for index, table in (("ix_capacity_attachment_assessment_id", "capacity_attachment"),
                         ("ix_capacity_comment_assessment_id", "capacity_comment"),
                         ("ix_capacity_owner_organisation_id", "capacity_owner"),
                         ("ix_accounts_login_attempt_at", "accounts_login_attempt"),
                         ("ix_accounts_login_attempt_key", "accounts_login_attempt"),
                         ("ix_accounts_api_token_user_id", "accounts_api_token"),
                         ("ix_accounts_session_user_id", "accounts_session"),
                         ("ix_accounts_invitation_organisation_id", "accounts_invitation"),
                         ("ix_accounts_membership_organisation_id", "accounts_membership"),
                         ("ix_accounts_membership_user_id", "accounts_membership")):
        op.drop_index(index, table_name=table)
    for table in ("capacity_attachment", "capacity_comment", "capacity_owner", "accounts_login_attempt",
                  "accounts_api_token", "accounts_session", "accounts_invitation", "accounts_membership",
                  "accounts_user", "accounts_organisation"):
        op.drop_table(table)
