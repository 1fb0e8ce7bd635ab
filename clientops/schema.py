"""The DuckDB schema as an ordered list of named migrations.

Each migration runs once, inside one transaction, and is recorded in ``schema_migrations``.
Append new migrations at the end; never edit one that has shipped.

Design notes (DuckDB 1.5 limits, verified in tests/test_db.py):
- no FOREIGN KEY clauses: DuckDB refuses to UPDATE a referenced row when the statement touches
  an indexed column, and a later backend (DuckLake) has no constraints at all. References and
  uniqueness of *editable* fields (accounting account, RUM, document numbers) are enforced by
  the package inside the write transaction.
- primary keys are surrogate integers that never change; human codes are immutable too.
- money is DECIMAL(18,2); dates DATE; instants TIMESTAMPTZ.
"""

from __future__ import annotations

from .allocation import named_credits_sql
from .errors import ClientOpsError, ReadOnlyError

INITIAL = """
CREATE TABLE counters (
    name VARCHAR PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE settings (
    key VARCHAR PRIMARY KEY,
    value VARCHAR               -- JSON
);

CREATE TABLE clients (
    id BIGINT PRIMARY KEY,
    code VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    first_name VARCHAR,
    last_name VARCHAR,
    siren VARCHAR,
    siret VARCHAR,
    vat_number VARCHAR,
    email VARCHAR,
    phone VARCHAR,
    website VARCHAR,
    address_line1 VARCHAR,
    address_line2 VARCHAR,
    postal_code VARCHAR,
    city VARCHAR,
    country VARCHAR NOT NULL DEFAULT 'FR',
    delivery_address_line1 VARCHAR,
    delivery_address_line2 VARCHAR,
    delivery_postal_code VARCHAR,
    delivery_city VARCHAR,
    delivery_country VARCHAR,
    language VARCHAR NOT NULL DEFAULT 'fr',
    currency VARCHAR NOT NULL DEFAULT 'EUR',
    accounting_account VARCHAR,
    payment_terms VARCHAR NOT NULL DEFAULT '30_days',
    payment_method VARCHAR NOT NULL DEFAULT 'transfer',
    iban VARCHAR,
    bic VARCHAR,
    bank_name VARCHAR,
    tags VARCHAR,
    owner VARCHAR,
    comments VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    archived_at TIMESTAMPTZ,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE contacts (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL,
    first_name VARCHAR,
    last_name VARCHAR,
    role VARCHAR,
    email VARCHAR,
    phone VARCHAR,
    favorite BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE sepa_mandates (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL,
    rum VARCHAR NOT NULL,
    signed_on DATE NOT NULL,
    scheme VARCHAR NOT NULL DEFAULT 'CORE',
    iban VARCHAR NOT NULL,
    bic VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active',
    sequence VARCHAR NOT NULL DEFAULT 'FRST',
    last_collected_on DATE,
    amended_on DATE,
    revoked_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE mandate_amendments (
    id BIGINT PRIMARY KEY,
    mandate_id BIGINT NOT NULL,
    amended_at TIMESTAMPTZ NOT NULL,
    old_iban VARCHAR,
    new_iban VARCHAR,
    actor VARCHAR
);

CREATE TABLE documents (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,          -- quote | invoice | credit_note
    number VARCHAR NOT NULL,
    issue_date DATE NOT NULL,
    due_date DATE,
    total_excl_tax DECIMAL(18,2) NOT NULL,
    tax DECIMAL(18,2) NOT NULL,
    total_incl_tax DECIMAL(18,2) NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'issued',
    cancels_id BIGINT,
    in_dispute BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE payments (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL,
    paid_on DATE NOT NULL,
    amount DECIMAL(18,2) NOT NULL,
    method VARCHAR NOT NULL,
    reference VARCHAR,
    invoice_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE reminders (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL,
    document_id BIGINT,
    level INTEGER NOT NULL,
    sent_on DATE NOT NULL,
    channel VARCHAR NOT NULL,
    recipient VARCHAR,
    outcome VARCHAR,
    note VARCHAR,
    amount_due DECIMAL(18,2),
    message_id VARCHAR,
    actor VARCHAR,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tasks (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL,
    title VARCHAR NOT NULL,
    due_on DATE,
    assignee VARCHAR,
    done BOOLEAN NOT NULL DEFAULT FALSE,
    done_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE changesets (
    id BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    description VARCHAR,
    rows INTEGER NOT NULL DEFAULT 0,
    status VARCHAR NOT NULL DEFAULT 'applied',   -- applied | undone
    undone_at TIMESTAMPTZ,
    undone_by VARCHAR,
    undo_of BIGINT
);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    changed_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    source VARCHAR NOT NULL,        -- form | bulk | import | api | undo | system
    entity VARCHAR NOT NULL,        -- client | contact | mandate | settings | document | payment
    entity_id BIGINT,
    client_code VARCHAR,
    action VARCHAR NOT NULL,        -- create | update | archive | restore | delete | ...
    field VARCHAR,
    old_value VARCHAR,
    new_value VARCHAR,
    changeset_id BIGINT
);
"""

# Point reads of one client's card must not scan 10M documents: index client_id everywhere.
INDEXES = """
CREATE UNIQUE INDEX clients_code_idx ON clients(code);
CREATE INDEX contacts_client_idx ON contacts(client_id);
CREATE INDEX mandates_client_idx ON sepa_mandates(client_id);
CREATE INDEX documents_client_idx ON documents(client_id);
CREATE INDEX documents_number_idx ON documents(number);
CREATE INDEX payments_client_idx ON payments(client_id);
CREATE INDEX reminders_client_idx ON reminders(client_id);
CREATE INDEX tasks_client_idx ON tasks(client_id);
CREATE INDEX audit_client_idx ON audit_log(client_code);
"""

# Open balances maintained at write time (see indicators.py): the portfolio "as of today"
# reads them instead of re-allocating every payment.
OPEN_BALANCES = """
ALTER TABLE documents ADD COLUMN open_amount DECIMAL(18,2);
ALTER TABLE documents ADD COLUMN settled_on DATE;
ALTER TABLE documents ADD COLUMN sepa_batch_id BIGINT;
ALTER TABLE payments ADD COLUMN sepa_batch_id BIGINT;
ALTER TABLE clients ADD COLUMN reminders_paused BOOLEAN DEFAULT FALSE;
UPDATE documents SET open_amount = total_incl_tax WHERE kind = 'invoice';
CREATE TABLE sepa_batches (
    id BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    collection_date DATE NOT NULL,
    msg_id VARCHAR NOT NULL,
    path VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'pending',
    transactions INTEGER NOT NULL,
    total DECIMAL(18,2) NOT NULL,
    actor VARCHAR
);
"""

# What a change set changed, in clear (the audit trail masks bank details), so that undo can put
# the old values back. One row per entity field: client fields, or the client_id of a document,
# payment, contact… moved by a merge.
CHANGESET_ITEMS = """
CREATE TABLE changeset_items (
    changeset_id BIGINT NOT NULL,
    entity VARCHAR NOT NULL,        -- client | contact | mandate | document | payment | ...
    entity_id BIGINT NOT NULL,
    client_code VARCHAR,
    field VARCHAR NOT NULL,
    old_value VARCHAR,
    new_value VARCHAR
);
CREATE INDEX changeset_items_cs_idx ON changeset_items(changeset_id);
"""

# What each SEPA batch asked the bank to collect, per invoice: the amount in the file (the open
# amount may change before the bank answers), the mandate and sequence type used, and the outcome.
SEPA_TRANSACTIONS = """
CREATE TABLE sepa_transactions (
    batch_id BIGINT NOT NULL,
    document_id BIGINT NOT NULL,
    client_id BIGINT NOT NULL,
    mandate_id BIGINT NOT NULL,
    end_to_end_id VARCHAR NOT NULL,
    sequence VARCHAR NOT NULL,      -- FRST | RCUR
    amount DECIMAL(18,2) NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'pending'   -- pending | collected | rejected
);
CREATE INDEX sepa_transactions_batch_idx ON sepa_transactions(batch_id);
CREATE INDEX sepa_transactions_document_idx ON sepa_transactions(document_id);
ALTER TABLE sepa_batches ADD COLUMN confirmed_at TIMESTAMPTZ;
ALTER TABLE sepa_batches ADD COLUMN confirmed_by VARCHAR;
"""

# Unallocated credit per client (SPEC §7: what the pool has left over), maintained at write time
# with the open balances by clientops.allocation.recompute_open_balances, so that the portfolio
# as of today reads only the rows that matter. One row per client with credit left; no index
# (rows are deleted and re-inserted per client inside the write transaction).
CLIENT_CREDIT = """
CREATE TABLE client_credit (
    client_id BIGINT NOT NULL,
    unallocated_credit DECIMAL(18,2) NOT NULL
);
INSERT INTO client_credit
SELECT client_id, CAST(sum(x) AS DECIMAL(18,2)) FROM (
    SELECT client_id, amount AS x FROM payments
    UNION ALL
    SELECT client_id, total_incl_tax FROM documents WHERE kind = 'credit_note'
    UNION ALL
    SELECT client_id, coalesce(open_amount, total_incl_tax) - total_incl_tax
    FROM documents WHERE kind = 'invoice'
) GROUP BY client_id HAVING sum(x) > 0;
"""

# The portfolio's per-client sums as of one date and fiscal year (clientops.indicators), kept
# current at write time for the clients each write touches, like the open balances: the
# portfolio "as of today" then reads 1M rows instead of aggregating 3M documents and 1M
# payments. Money in whole cents; one state row says which date and fiscal year they are for
# (none: not built yet, or a write dated after that date made them stale).
PORTFOLIO_SUMS = """
CREATE TABLE portfolio_sums (
    client_id BIGINT NOT NULL,
    revenue BIGINT NOT NULL,
    outstanding BIGINT NOT NULL,
    not_due BIGINT NOT NULL,
    days_1_30 BIGINT NOT NULL,
    days_31_60 BIGINT NOT NULL,
    days_61_90 BIGINT NOT NULL,
    days_91_120 BIGINT NOT NULL,
    days_over_120 BIGINT NOT NULL,
    invoiced_365 BIGINT NOT NULL,
    late_w BIGINT NOT NULL,
    settled_w BIGINT NOT NULL,
    unallocated_credit BIGINT NOT NULL
);
CREATE TABLE portfolio_payments (
    client_id BIGINT NOT NULL,
    payments_received BIGINT NOT NULL
);
CREATE TABLE portfolio_sums_state (
    as_of DATE NOT NULL,
    fy_start DATE NOT NULL,
    fy_end DATE NOT NULL
);
"""

# Per invoice, its place in its client's pool order (due date, issue date, number) and the
# credits of its own client that name it (count, total, first and last date), and per credit whether it names none of its client's invoices (``pool_only``): kept at write
# time by clientops.allocation.refresh_named_credits, so that the allocation as of a past date
# groups again only the credits of invoices named after that date. The filling statements are
# that function's (scope: every client), so that a migrated book holds what a write would keep.
NAMED_CREDITS = """
ALTER TABLE documents ADD COLUMN pool_rank INTEGER;
ALTER TABLE documents ADD COLUMN named_count INTEGER;
ALTER TABLE documents ADD COLUMN named_total DECIMAL(18,2);
ALTER TABLE documents ADD COLUMN named_first DATE;
ALTER TABLE documents ADD COLUMN named_last DATE;
ALTER TABLE documents ADD COLUMN pool_only BOOLEAN;
ALTER TABLE payments ADD COLUMN pool_only BOOLEAN;
""" + ";\n".join(named_credits_sql()) + ";\n"

# Each client's card data kept at write time (clientops.cardrows); filled right after the
# migration by cardrows.rebuild_all (in chunks: one statement over 1M clients would not fit).
# dropped: by a change to very many clients (read from the tables until filled again).
CARD_ROWS = """
CREATE TABLE card_rows (
    client_id BIGINT NOT NULL,
    code VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    dropped BOOLEAN NOT NULL
);
CREATE INDEX card_rows_code_idx ON card_rows(code);
CREATE INDEX card_rows_client_idx ON card_rows(client_id);
"""

# payments.add refuses a reference already used: this index makes it a lookup rather than a
# scan of every payment (figures: docs/performance.md).
PAYMENTS_REFERENCE = """
CREATE INDEX payments_reference_idx ON payments(reference);
"""

# E-invoicing (issue 19): the client's address in the public directory (annuaire), its
# platform and when it was last checked; the Chorus Pro fields of public bodies; the legal
# commitment number of documents; and the directory lines last read
# (clientops.directory: what "the directory disagrees" is measured against). The kept card rows
# lack the new columns: dropped, read from the tables until ``clientops optimize``.
EINVOICING = """
ALTER TABLE clients ADD COLUMN einvoicing_address VARCHAR;
ALTER TABLE clients ADD COLUMN einvoicing_platform VARCHAR;
ALTER TABLE clients ADD COLUMN einvoicing_checked_on DATE;
ALTER TABLE clients ADD COLUMN chorus_service_code VARCHAR;
ALTER TABLE clients ADD COLUMN chorus_engagement_required BOOLEAN DEFAULT FALSE;
ALTER TABLE documents ADD COLUMN engagement_number VARCHAR;
CREATE TABLE einvoicing_directory (
    siren VARCHAR NOT NULL,
    siret VARCHAR,
    routing_code VARCHAR,
    suffix VARCHAR,
    platform VARCHAR,
    address VARCHAR NOT NULL,
    read_on DATE NOT NULL
);
CREATE INDEX einvoicing_directory_siren_idx ON einvoicing_directory(siren);
UPDATE card_rows SET dropped = true WHERE NOT dropped;
"""

# A formal notice to a business states, per invoice, the late-payment penalties accrued and the
# fixed recovery indemnity (clientops.penalties): recorded with the reminder; NULL otherwise.
REMINDER_PENALTIES = """
ALTER TABLE reminders ADD COLUMN penalty DECIMAL(18,2);
ALTER TABLE reminders ADD COLUMN indemnity DECIMAL(18,2);
"""

# Bank reconciliation (clientops.bank): the lines of imported statements, keyed so that a
# statement imported twice adds nothing; which payments a matched line recorded (undo deletes
# them); counterparty IBANs a person tied to a client; SEPA returns and the reason they gave.
BANK_LINES = """
CREATE TABLE bank_lines (
    id BIGINT PRIMARY KEY,
    line_key VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    statement_id VARCHAR,
    account VARCHAR,
    booking_date DATE,
    value_date DATE,
    amount DECIMAL(18,2) NOT NULL,
    direction VARCHAR NOT NULL,         -- credit | debit
    currency VARCHAR,
    counterparty_name VARCHAR,
    counterparty_iban VARCHAR,
    remittance VARCHAR,
    end_to_end_id VARCHAR,
    mandate_id VARCHAR,
    bank_reference VARCHAR,
    return_reason VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'open',   -- open | matched | returned
    client_id BIGINT,
    changeset_id BIGINT,
    note VARCHAR,
    imported_at TIMESTAMPTZ NOT NULL,
    imported_by VARCHAR
);
CREATE UNIQUE INDEX bank_lines_key_idx ON bank_lines(line_key);
CREATE TABLE bank_payments (
    line_id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    changeset_id BIGINT NOT NULL
);
CREATE INDEX bank_payments_cs_idx ON bank_payments(changeset_id);
CREATE TABLE bank_ibans (
    iban VARCHAR NOT NULL,
    client_id BIGINT NOT NULL,
    changeset_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR
);
CREATE TABLE sepa_returns (
    id BIGINT PRIMARY KEY,
    line_id BIGINT,
    client_id BIGINT NOT NULL,
    mandate_id BIGINT,
    document_id BIGINT,
    batch_id BIGINT,
    end_to_end_id VARCHAR,
    amount DECIMAL(18,2),
    reason VARCHAR,
    returned_on DATE,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sepa_returns_client_idx ON sepa_returns(client_id);
ALTER TABLE sepa_mandates ADD COLUMN last_return_reason VARCHAR;
ALTER TABLE sepa_transactions ADD COLUMN reason VARCHAR;
"""

# The words each client is found by (clientops.searchwords), kept in word order: a search reads
# the rows of a word's prefix. Filled right after the migration (searchwords.ClientWords).
# client_words_newest: the newest client whose words are kept (a client inserted by SQL without
# a note is newer: the next write adds its words).
CLIENT_WORDS = """
CREATE TABLE client_words (
    word VARCHAR NOT NULL,
    client_id BIGINT NOT NULL
);
CREATE TABLE client_words_newest (
    client_id BIGINT NOT NULL
);
"""

# The kept card rows compressed (clientops.cardcodec): each body is zstd with a dictionary
# trained on the book's own cards (the JSON texts took two thirds of the file). The rows are
# written again, compressed, once every migration is applied (cardrows.CardRows.built_by). One
# index, on code (the card's read): the refresh finds a client's row by client_id through the
# table's min/max zones, the rows being written in client order.
CARD_ROWS_COMPRESSED = """
DROP TABLE card_rows;
CREATE TABLE card_dictionaries (
    id BIGINT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL,
    content BYTEA NOT NULL
);
CREATE TABLE card_rows (
    client_id BIGINT NOT NULL,
    code VARCHAR NOT NULL,
    body BYTEA NOT NULL,            -- a BLOB (BYTEA: the name both backends know)
    dictionary BIGINT NOT NULL,     -- card_dictionaries.id (0: none)
    dropped BOOLEAN NOT NULL
);
CREATE INDEX card_rows_code_idx ON card_rows(code);
"""

MIGRATIONS: list[tuple[str, str]] = [
    ("0001_initial", INITIAL),
    ("0002_indexes", INDEXES),
    ("0003_open_balances_sepa", OPEN_BALANCES),
    ("0004_changeset_items", CHANGESET_ITEMS),
    ("0005_sepa_transactions", SEPA_TRANSACTIONS),
    ("0006_client_credit", CLIENT_CREDIT),
    ("0007_portfolio_sums", PORTFOLIO_SUMS),
    ("0008_named_credits", NAMED_CREDITS),
    ("0009_card_rows", CARD_ROWS),
    ("0010_payments_reference", PAYMENTS_REFERENCE),
    ("0011_einvoicing", EINVOICING),
    ("0012_reminder_penalties", REMINDER_PENALTIES),
    ("0013_bank_lines", BANK_LINES),
    ("0014_client_words", CLIENT_WORDS),
    ("0015_card_rows_compressed", CARD_ROWS_COMPRESSED),
]


def plan_migrations(done: set[str], where: object, *, read_only: bool, upto: str | None = None,
                    variants: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The migrations a book that has applied ``done`` still needs, ``(name, sql)`` in order,
    up to ``upto`` (None: all); ``variants`` replaces the SQL of some (a backend's dialect).

    Refuses a book that a newer clientops migrated (:func:`refuse_newer`), and a read-only book
    that needs migrating (:class:`~clientops.errors.ReadOnlyError`): both backends plan the same.
    """
    refuse_newer(done, where)
    pending = []
    for name, sql in MIGRATIONS:
        if name not in done:
            pending.append((name, (variants or {}).get(name, sql)))
        if name == upto:
            break
    if pending and read_only:
        raise ReadOnlyError("db.needs_migrating", path=str(where), step=pending[0][0])
    return pending


def is_whole(applied: set[str]) -> bool:
    """Whether a book that applied ``applied`` has the current schema (every migration)."""
    return all(name in applied for name, _ in MIGRATIONS)


def refuse_newer(done: set[str], where: object) -> None:
    """Refuse a book that a newer clientops migrated (it has migrations this one lacks):
    this version would read and write tables it does not know."""
    known = {name for name, _ in MIGRATIONS}
    newer = sorted(done - known)
    if newer:
        raise ClientOpsError("db.newer_schema", path=str(where), names=", ".join(newer))
