"""The store's tables (SQLAlchemy Core). SQLite by default, PostgreSQL in production.

``ledger`` is the append-only audit ledger (审计台账): nothing updates or deletes a row.
Every other table is a projection written in the same transaction as the events it
reflects, so it can be rebuilt from the ledger. Money is kept in fen (分) as integers.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("plan", JSON, nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
)

ledger = Table(
    "ledger",
    metadata,
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("campaign_id", String(64), nullable=False),
    Column("stream", String(160), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("idempotency_key", String(255), nullable=False),
    UniqueConstraint("idempotency_key", name="uq_ledger_idempotency_key"),
    UniqueConstraint("stream", "version", name="uq_ledger_stream_version"),
    Index("ix_ledger_campaign_type", "campaign_id", "type"),
)

roster_staging = Table(
    "roster_staging",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("import_id", String(32), nullable=False),
    Column("row", Integer, nullable=False),
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False, server_default=""),
    Column("community", Text, nullable=False, server_default=""),
    Column("person_key", String(64), nullable=False),
    Column("record", JSON, nullable=False),
    PrimaryKeyConstraint("campaign_id", "import_id", "row", name="pk_roster_staging"),
    Index("ix_roster_staging_district", "campaign_id", "district", "person_key"),
)

roster_imports = Table(
    "roster_imports",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("import_id", String(32), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("unit", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("accepted_rows", Integer, nullable=False),
    Column("rejected_rows", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # staged | accepted | refused
    Column("staged_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("campaign_id", "import_id", name="pk_roster_imports"),
)

roster_rejections = Table(
    "roster_rejections",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("import_id", String(32), nullable=False),
    Column("row", Integer, nullable=False),
    Column("field", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    PrimaryKeyConstraint("campaign_id", "import_id", "row", "field", name="pk_roster_rejections"),
)

households = Table(
    "households",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("id_number", String(18), nullable=False),
    Column("phone", String(32)),
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("address", Text),
    Column("categories", JSON, nullable=False),
    Column("sources", JSON, nullable=False),
    Column("household_size", Integer, nullable=False),
    Column("needs", Text),
    Column("hazards", JSON, nullable=False),
    Column("note", Text),
    Column("extra", JSON, nullable=False),
    Column("responsible_unit", Text),
    Column("cadre_id", String(32)),  # the responsible cadre (包保人), a staff id (0005)
    Column("registered_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("campaign_id", "person_key", name="pk_households"),
    Index("ix_households_district", "campaign_id", "district", "person_key"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("item", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("fund_source", String(64), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("district", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("status", String(16), nullable=False),  # issued | confirmed
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True)),  # 签收日期 / paid (0006)
    Column("confirmed_by", String(64)),  # the user who recorded the confirmation
    Column("proof", Text),  # 凭证: receipt number, signed sheet, bank return …
    PrimaryKeyConstraint("campaign_id", "person_key", "item", name="pk_deliveries"),
    Index("ix_deliveries_district", "campaign_id", "district"),
)

callbacks = Table(
    "callbacks",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("district", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("status", String(16), nullable=False),  # drawn | reached | …
    Column("drawn_at", DateTime(timezone=True), nullable=False),
    Column("caller_id", String(32)),  # the caller (回访员) staff id the call is assigned to (0008)
    Column("stratum", Text),  # the category the household was drawn for (0008)
    # reached | unreachable | not_received | complaint, once concluded (0008)
    Column("outcome", String(16)),
    Column("concluded_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("campaign_id", "person_key", name="pk_callbacks"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("idempotency_key", String(255), primary_key=True),
    Column("campaign_id", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("recipients", JSON, nullable=False),
    Column("data", JSON, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("error", Text),
)

# ---- who may do what (issue 7): users (用户) with roles and a jurisdiction, and their tokens ----

users = Table(
    "users",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("roles", JSON, nullable=False),  # ["supervisor", …]
    Column("scope", Text, nullable=False),  # "" = the whole city, "东湖区/梅园街道", …
    Column("disabled", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 hex; the token is never kept
    Column("user_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("label", Text),
    Index("ix_tokens_user_id", "user_id"),
)

objections = Table(
    "objections",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("district", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | upheld | dismissed
    Column("reason", Text, nullable=False),
    Column("lodged_by", String(64), nullable=False),
    Column("lodged_at", DateTime(timezone=True), nullable=False),
    Column("resolution", Text),
    Column("resolved_by", String(64)),
    Column("resolved_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("campaign_id", "person_key", name="pk_objections"),
)

# ---- mobilize (issue 4): staff lists (工作人员名单), cadres' households, charity (慈善募集) ----

Index("ix_households_cadre", households.c.campaign_id, households.c.cadre_id)

staff = Table(
    "staff",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("staff_id", String(32), nullable=False),  # HMAC of campaign, unit, name, phone
    Column("role", String(16), nullable=False),  # cadre 包保人 | caller 回访员 | ops 经办
    Column("name", Text, nullable=False),
    Column("phone", String(32), nullable=False),  # personal data: shown masked
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False),  # "" for a district-level unit
    Column("community", Text, nullable=False),  # "" for a district- or street-level unit
    Column("active", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),  # counts activations and deactivations
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("campaign_id", "staff_id", "role", name="pk_staff"),
    Index("ix_staff_district_role", "campaign_id", "district", "role"),
)

charity_pledges = Table(
    "charity_pledges",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("pledge_id", String(32), nullable=False),
    Column("fund_source", String(64), nullable=False),
    Column("donor", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("note", Text),
    Column("scope", Text, nullable=False),  # the recording user's jurisdiction
    Column("pledged_at", DateTime(timezone=True), nullable=False),
    Column("pledged_by", String(64), nullable=False),
    PrimaryKeyConstraint("campaign_id", "pledge_id", name="pk_charity_pledges"),
)

charity_receipts = Table(
    "charity_receipts",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("receipt_id", String(32), nullable=False),
    Column("pledge_id", String(32), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("proof", Text),  # 凭证: bank slip, receipt number …
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("received_by", String(64), nullable=False),
    PrimaryKeyConstraint("campaign_id", "receipt_id", name="pk_charity_receipts"),
    Index("ix_charity_receipts_pledge", "campaign_id", "pledge_id"),
)

# ---- follow-up (issue 5): callbacks (回访), verification cases (核实), hazards (隐患整改),
# urgent cases (临时救助 / 一事一议). Migration 0008. ----

callback_attempts = Table(
    "callback_attempts",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("day", String(10), nullable=False),  # the call's date in the plan's time zone
    Column("result", String(16), nullable=False),  # reached|unreachable|not_received|complaint
    Column("note", Text),
    Column("recorded_by", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    # One fact per (person, day, result): a repeated command records nothing new, and
    # three unreachable attempts must fall on three different days.
    PrimaryKeyConstraint("campaign_id", "person_key", "day", "result", name="pk_callback_attempts"),
)

verification_cases = Table(
    "verification_cases",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("case_id", String(32), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("reason", String(16), nullable=False),  # not_received | complaint
    Column("note", Text),
    Column("opened_by", String(64), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # open | resolved
    Column("finding", Text),
    Column("resolved_by", String(64)),
    Column("resolved_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("campaign_id", "case_id", name="pk_verification_cases"),
    Index("ix_verification_cases_open", "campaign_id", "status", "deadline"),
)

rectifications = Table(
    "rectifications",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("task_id", String(32), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("hazard", String(16), nullable=False),  # 用电 | 用气 | 用水 | 消防 | 食品安全
    Column("source", String(16), nullable=False),  # survey | visit
    Column("note", Text),
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("cadre_id", String(32)),  # the responsible cadre (包保人) when one is assigned
    Column("found_by", String(64), nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # open | fixed
    Column("fixed_by", String(64)),
    Column("fixed_at", DateTime(timezone=True)),
    Column("fix_note", Text),
    PrimaryKeyConstraint("campaign_id", "task_id", name="pk_rectifications"),
    Index("ix_rectifications_open", "campaign_id", "status", "deadline"),
)

urgent_cases = Table(
    "urgent_cases",
    metadata,
    Column("campaign_id", String(64), nullable=False),
    Column("case_id", String(32), nullable=False),
    Column("person_key", String(64), nullable=False),
    Column("name", Text, nullable=False),  # personal data: shown masked
    Column("id_number", String(18), nullable=False),
    Column("phone", String(32)),
    Column("district", Text, nullable=False),
    Column("street", Text, nullable=False),
    Column("community", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("asked_fen", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("raised_by", String(64), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # pending | approved | rejected | paid
    Column("approved_fen", BigInteger),
    Column("district_decided_by", String(64)),
    Column("city_decided_by", String(64)),
    Column("decided_at", DateTime(timezone=True)),
    Column("comment", Text),
    Column("paid_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("campaign_id", "case_id", name="pk_urgent_cases"),
)
