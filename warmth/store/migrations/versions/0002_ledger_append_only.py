"""the ledger is append-only: the database refuses UPDATE and DELETE on it

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'the ledger is append-only'; END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger"
            " FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_no_{action.lower()} BEFORE {action} ON ledger"
                " BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER ledger_append_only ON ledger")
        op.execute("DROP FUNCTION ledger_append_only()")
    else:
        op.execute("DROP TRIGGER ledger_no_update")
        op.execute("DROP TRIGGER ledger_no_delete")
