"""mobilize: staff lists, each household's responsible cadre, charity pledges and receipts

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("cadre_id", sa.String(length=32), nullable=True))
        batch.create_index("ix_households_cadre", ["campaign_id", "cadre_id"], unique=False)
    op.create_table(
        "staff",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("staff_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("district", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=False),
        sa.Column("community", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "staff_id", "role", name="pk_staff"),
    )
    with op.batch_alter_table("staff") as batch:
        batch.create_index(
            "ix_staff_district_role", ["campaign_id", "district", "role"], unique=False
        )
    op.create_table(
        "charity_pledges",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("pledge_id", sa.String(length=32), nullable=False),
        sa.Column("fund_source", sa.String(length=64), nullable=False),
        sa.Column("donor", sa.Text(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("pledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pledged_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "pledge_id", name="pk_charity_pledges"),
    )
    op.create_table(
        "charity_receipts",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("receipt_id", sa.String(length=32), nullable=False),
        sa.Column("pledge_id", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("proof", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "receipt_id", name="pk_charity_receipts"),
    )
    with op.batch_alter_table("charity_receipts") as batch:
        batch.create_index("ix_charity_receipts_pledge", ["campaign_id", "pledge_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("charity_receipts") as batch:
        batch.drop_index("ix_charity_receipts_pledge")
    op.drop_table("charity_receipts")
    op.drop_table("charity_pledges")
    with op.batch_alter_table("staff") as batch:
        batch.drop_index("ix_staff_district_role")
    op.drop_table("staff")
    with op.batch_alter_table("households") as batch:
        batch.drop_index("ix_households_cadre")
        batch.drop_column("cadre_id")
