"""roster imports: each submitted file, its counts and whether the survey accepted it

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_imports",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted_rows", sa.Integer(), nullable=False),
        sa.Column("rejected_rows", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("staged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "import_id", name="pk_roster_imports"),
    )
    with op.batch_alter_table("roster_staging") as batch:
        batch.add_column(sa.Column("street", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("community", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("roster_staging") as batch:
        batch.drop_column("community")
        batch.drop_column("street")
    op.drop_table("roster_imports")
