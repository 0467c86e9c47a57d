"""follow-up: callback attempts, verification cases, rectification tasks, urgent cases

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.add_column(sa.Column("caller_id", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("stratum", sa.Text(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("concluded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "callback_attempts",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "campaign_id", "person_key", "day", "result", name="pk_callback_attempts"
        ),
    )
    op.create_table(
        "verification_cases",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("community", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", "case_id", name="pk_verification_cases"),
    )
    op.create_index(
        "ix_verification_cases_open", "verification_cases", ["campaign_id", "status", "deadline"]
    )
    op.create_table(
        "rectifications",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=32), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("hazard", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("community", sa.Text(), nullable=False),
        sa.Column("cadre_id", sa.String(length=32), nullable=True),
        sa.Column("found_by", sa.String(length=64), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fixed_by", sa.String(length=64), nullable=True),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fix_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", "task_id", name="pk_rectifications"),
    )
    op.create_index(
        "ix_rectifications_open", "rectifications", ["campaign_id", "status", "deadline"]
    )
    op.create_table(
        "urgent_cases",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("community", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("asked_fen", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approved_fen", sa.BigInteger(), nullable=True),
        sa.Column("district_decided_by", sa.String(length=64), nullable=True),
        sa.Column("city_decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", "case_id", name="pk_urgent_cases"),
    )


def downgrade() -> None:
    op.drop_table("urgent_cases")
    op.drop_index("ix_rectifications_open", table_name="rectifications")
    op.drop_table("rectifications")
    op.drop_index("ix_verification_cases_open", table_name="verification_cases")
    op.drop_table("verification_cases")
    op.drop_table("callback_attempts")
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("concluded_at")
        batch.drop_column("outcome")
        batch.drop_column("stratum")
        batch.drop_column("caller_id")
