"""FEC import: a ledger from any French accounting program into the book.

The file: the 18 columns of article A47 A-1 of the LPF, headers matched without regard to case,
accents or spaces, and under the other names some programs write (``CompAuxLibelle``,
``EcritureLettrage``…; ``Montant`` and ``Sens`` instead of ``Debit`` and ``Credit`` are read
too), tab- or pipe-separated (the header line decides), UTF-8 or else ISO-8859-15, amounts with a decimal
comma or dot, dates ``AAAAMMJJ`` (or ISO, or ``JJ/MM/AAAA``).

What it takes, entry by entry (an entry is the lines of one ``JournalCode`` and ``EcritureNum``):

- **Client lines** are those on an account starting with the setting ``accounting_prefix``
  (411). The client is the auxiliary account ``CompAuxNum`` (else an individual ``CompteNum``
  such as ``411DUPONT``), matched with the clients' ``accounting_account``; a client that is
  not there yet is created (kind company, named ``CompAuxLib``). clientops' accounts start
  with the prefix: an auxiliary account that does not (``CLDUPONT``) is kept behind it
  (``411CLDUPONT``).
- **Sales entries** are those of the sales journal (setting ``fec_sales_journal``), and in
  other journals those with a class-7 line and no class-5 line. Their one client line is an
  invoice (debit) or a credit note (credit) numbered ``PieceRef``, dated ``PieceDate`` (else
  ``EcritureDate``); the total excl. tax is what the class-7 lines bring, the tax the rest.
  A due date written in ``EcritureLib`` as ``échéance AAAAMMJJ`` (as :mod:`clientops.fec`
  writes it) is kept, else the client's payment terms give it.
- **Bank entries** are those of the bank journal (``fec_bank_journal``), and in other journals
  those with a class-5 line and no class-7 line. Each client line credit is a payment
  referenced ``PieceRef`` (``<journal>-<AAAAMMJJ>-<EcritureNum>-<n>``, the n-th client line of
  the entry, when ``PieceRef`` is missing or not unique in the file), method transfer.
- **Lettering kept**: a payment or credit note lettered (same client, same ``EcritureLet``)
  with exactly one invoice names it, when the letter balances in the file (a letter that also
  holds lines of another year's file names nothing); otherwise one whose ``EcritureLib`` ends
  with ``facture <number>`` or ``sur <number>`` of an invoice of its client names it; otherwise
  it goes to the client's pool (SPEC §7). The labels :mod:`clientops.fec` writes
  (``Règlement <ref>[ facture <number>]``, ``Avoir <number>[ sur <number>]``) say exactly what
  the credit named, or that it named nothing: for them the label decides, not the letter (a
  pool payment lettered with an invoice that a credit note also names would otherwise name it,
  and the invoice's settlement date would move).
- Lines of entries without a client line (purchases, payroll, other journals) are not the
  book's business: counted as ``ignored``, never reported.

A client line it cannot place is reported (``row`` is the line's number in the file, the
header not counted): opening entries or other journals' client lines (neither a sale nor a
payment), a debit on a client in a bank entry (a refund), several client lines in one sales
entry, an unbalanced entry, a bad date or amount, and everything the document and payment
imports refuse — the same checks (:meth:`clientops.documents.Documents.import_file`,
:meth:`clientops.payments.Payments.import_file`), which keep the file's line numbers. One such
line and nothing is written, unless ``skip_invalid``. A second import of the same file
changes nothing: clients are matched by account, documents by number, payments by reference.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import cardrows, imports
from .allocation import recompute_open_balances
from .documents import import_frame as import_documents
from .errors import Coded, ValidationError
from .payments import import_frame as import_payments

if TYPE_CHECKING:
    from .book import Book

COLUMNS = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
    "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
    "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
)
_NEEDED = ("JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "CompAuxNum",
           "CompAuxLib", "PieceRef", "EcritureLib")
_r = imports.reason
_ENTRY = "journal || ' ' || num"  # an entry as a reason quotes it


# -- reading the file -----------------------------------------------------------------------
# DuckDB reads UTF-8 and Latin-1 (ISO-8859-1) itself; ISO-8859-15 differs from Latin-1 in
# eight code points only, put right in SQL after reading (byte 0xA4 is € and not ¤…).
_LATIN1 = "\u00a4\u00a6\u00a8\u00b4\u00b8\u00bc\u00bd\u00be"
_LATIN9 = "\u20ac\u0160\u0161\u017d\u017e\u0152\u0153\u0178"


def _plain_name(name: str) -> str:
    """A column's name without case, accents, spaces or underscores (``Débit`` → ``debit``)."""
    flat = unicodedata.normalize("NFKD", name.strip()).encode("ascii", "ignore").decode()
    return flat.lower().replace(" ", "").replace("_", "")


# The names of the norm, and those some programs write instead (seen in real exports).
_KNOWN = {_plain_name(c): c for c in (*COLUMNS, "Montant", "Sens")} | {
    "journallibelle": "JournalLib", "comptelibelle": "CompteLib",
    "compauxlibelle": "CompAuxLib", "ecriturelibelle": "EcritureLib",
    "ecriturelettre": "EcritureLet", "ecriturelettrage": "EcritureLet",
    "datelettre": "DateLet", "datelettrage": "DateLet", "iddevise": "Idevise"}


def _header(path: Path) -> tuple[str, list[str]]:
    """The separator and the columns' canonical names (case-insensitive match)."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        head = fh.readline().rstrip("\r\n")
    sep = "\t" if head.count("\t") >= head.count("|") else "|"
    names = [_KNOWN.get(_plain_name(n), n.strip() or f"column{i}")
             for i, n in enumerate(head.split(sep))]
    missing = [c for c in _NEEDED if c not in names]
    if not ({"Debit", "Credit"} <= set(names) or {"Montant", "Sens"} <= set(names)):
        missing.append("Debit, Credit")
    if missing or len(set(names)) != len(names):
        raise ValidationError("path", str(path), "fec.not_fec", columns=", ".join(COLUMNS))
    return sep, names


def _load(conn: duckdb.DuckDBPyConnection, path: Path, sep: str, names: list[str],
          prefix: str) -> None:
    """The file as table ``_fec_line``, every line typed (:func:`_lines_sql`), in the file's
    order (its ``rowid`` + 1 is the line number, header not counted), read and parsed by
    DuckDB in parallel: as UTF-8, else as ISO-8859-15. Call outside a transaction (a file
    that is not UTF-8 fails the first reading). ``prefix``: the client accounts'."""
    for encoding in ("utf-8", "latin-1"):
        try:
            conn.execute(_lines_sql(names, encoding),
                         {"path": str(path), "sep": sep, "encoding": encoding,
                          "types": {n: "VARCHAR" for n in names}, "prefix": prefix})
            return
        except duckdb.InvalidInputException as err:
            if encoding == "utf-8" and "unicode" in str(err).lower():
                continue
            raise _unreadable(path) from err
        except duckdb.Error as err:
            raise _unreadable(path) from err


def _unreadable(path: Path) -> ValidationError:
    """A line the reader cannot split into the header's columns."""
    return ValidationError("path", str(path), "fec.unreadable")


# -- staging --------------------------------------------------------------------------------
def _amount(col: str) -> str:
    """An amount from text: the usual ``1234,56`` / ``1234.56`` by one pattern and a cast, the
    rest (``1 234,56``, ``1.234,56``…) as every import reads amounts; NULL when not one."""
    return (f"CASE WHEN regexp_full_match({col}, '-?[0-9]{{1,16}}([.,][0-9]{{1,2}})?')"
            f" THEN CAST(replace({col}, ',', '.') AS DECIMAL(18,2))"
            f" ELSE {imports.sql_money(col)} END")


def _day(col: str) -> str:
    return f"coalesce(CAST(try_strptime({col}, '%Y%m%d') AS DATE), {imports.sql_date(col)})"


def _lines_sql(names: list[str], encoding: str) -> str:
    """The statement that reads the file (parameters ``$path``, ``$sep``, ``$encoding``,
    ``$types``, ``$prefix``) into ``_fec_line``: per line its journal, entry, account, debit
    and credit, and whether an amount is bad; and for the client lines (account starting
    with ``$prefix``) only, the others NULL, its auxiliary account, piece, label, letter and
    day (the other lines only count in their entry's sums: 60 % of the lines of a sales
    ledger, whose texts and dates took time and memory for nothing)."""
    def col(name: str) -> str:
        if name not in names:
            return "CAST(NULL AS VARCHAR)"
        if encoding == "latin-1":
            return f"nullif(trim(translate(r.\"{name}\", '{_LATIN1}', '{_LATIN9}')), '')"
        return f'nullif(trim(r."{name}"), \'\')'

    def client_col(name: str) -> str:
        return f"CASE WHEN starts_with(coalesce({col('CompteNum')}, ''), $prefix)" \
               f" THEN {col(name)} END"

    if "Debit" in names:
        debit_text, credit_text, bad_sens = col("Debit"), col("Credit"), "FALSE"
    else:
        sens = f"upper({col('Sens')})"
        debit_text = f"CASE WHEN {sens} IN ('D', '1', '+1') THEN {col('Montant')} END"
        credit_text = f"CASE WHEN {sens} IN ('C', '-1') THEN {col('Montant')} END"
        bad_sens = (f"coalesce({col('Montant')} IS NULL"
                    f" OR {sens} NOT IN ('D', 'C', '1', '+1', '-1'), TRUE)")
    return f"""
        CREATE OR REPLACE TEMP TABLE _fec_line AS
        SELECT journal, num, account, aux_given, aux_lib, piece, lib, letter,
               day_text, {_day('day_text')} AS day,
               coalesce(debit_v, 0.00) AS debit, coalesce(credit_v, 0.00) AS credit,
               (debit_text IS NOT NULL AND debit_v IS NULL)
                   OR (credit_text IS NOT NULL AND credit_v IS NULL) OR bad_sens AS bad_amount
        FROM (
            SELECT *, {_amount('debit_text')} AS debit_v, {_amount('credit_text')} AS credit_v
            FROM (
                SELECT {col('JournalCode')} AS journal, {col('EcritureNum')} AS num,
                       coalesce({col('CompteNum')}, '') AS account,
                       {client_col('CompAuxNum')} AS aux_given,
                       {client_col('CompAuxLib')} AS aux_lib,
                       {client_col('PieceRef')} AS piece, {client_col('EcritureLib')} AS lib,
                       {client_col('EcritureLet')} AS letter,
                       coalesce({client_col('PieceDate')}, {client_col('EcritureDate')})
                           AS day_text,
                       {debit_text} AS debit_text, {credit_text} AS credit_text,
                       {bad_sens} AS bad_sens
                FROM read_csv($path, delim = $sep, header = true, quote = '', escape = '',
                              null_padding = true, auto_detect = false, columns = $types,
                              encoding = $encoding) r))"""


def _stage(conn: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> None:
    """``_fec_client``: the client lines of ``_fec_line`` with what they are and why they
    cannot be placed."""
    params = {"prefix": settings["accounting_prefix"],
              "collective": settings["accounting_prefix"].ljust(6, "0"),
              "sales": settings["fec_sales_journal"], "bank": settings["fec_bank_journal"]}
    checks = [
        ("aux IS NULL", _r("fec.no_aux")),
        ("journal IS NULL OR num IS NULL", _r("fec.no_entry")),
        ("day_text IS NULL", _r("fec.date_missing")),
        ("day_text IS NOT NULL AND day IS NULL", _r("fec.date_invalid", text="day_text")),
        ("bad_amount", _r("fec.amount")),
        ("imbalance <> 0", _r("fec.unbalanced", entry=_ENTRY)),
        ("entry_kind IS NULL", _r("fec.entry_kind", entry=_ENTRY)),
        ("entry_kind = 'sale' AND clients > 1", _r("fec.several_clients", entry=_ENTRY)),
        ("entry_kind = 'sale' AND (excl < 0 OR excl > total)",
         _r("fec.sales_lines", entry=_ENTRY)),
        ("entry_kind = 'bank' AND debit > credit", _r("fec.refund")),
        ("entry_kind = 'bank' AND debit = credit", _r("import.amount_zero")),
    ]
    # every entry (its lines counted: those of entries without a client line are ignored)
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE _fec_entry AS
        SELECT journal, num, sum(debit) - sum(credit) AS imbalance, count(*) AS lines,
               bool_or(account LIKE '7%') AS has7, bool_or(account LIKE '5%') AS has5,
               count(*) FILTER (WHERE starts_with(account, $prefix)) AS clients,
               sum(credit - debit) FILTER (WHERE account LIKE '7%') AS sales_net,
               sum(credit - debit) FILTER (WHERE account LIKE '4457%') AS vat_net
        FROM _fec_line GROUP BY journal, num""", {"prefix": params["prefix"]})
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fec_client AS
        WITH entry AS (SELECT * FROM _fec_entry WHERE clients > 0),
        typed AS (
            SELECT l.rowid + 1 AS _row, l.*, e.imbalance, e.clients,
                   coalesce(l.aux_given, CASE WHEN l.account <> $collective THEN l.account END)
                       AS aux,
                   CASE WHEN l.journal = $sales THEN 'sale' WHEN l.journal = $bank THEN 'bank'
                        WHEN e.has7 AND NOT e.has5 THEN 'sale'
                        WHEN e.has5 AND NOT e.has7 THEN 'bank' END AS entry_kind,
                   CASE WHEN l.debit >= l.credit THEN 'invoice' ELSE 'credit_note' END AS doc_kind,
                   abs(l.debit - l.credit) AS total,
                   e.sales_net, e.vat_net
            FROM _fec_line l JOIN entry e ON e.journal IS NOT DISTINCT FROM l.journal
                                         AND e.num IS NOT DISTINCT FROM l.num
            WHERE starts_with(l.account, $prefix)
        )
        , client AS (SELECT *,
               CASE WHEN doc_kind = 'invoice' THEN 1 ELSE -1 END
                   * coalesce(sales_net, -vat_net + CASE WHEN doc_kind = 'invoice' THEN total
                                                        ELSE -total END) AS excl,
               coalesce(piece, journal || '-' || num) AS key,
               -- as clients.py cleans an account: no spaces, upper case
               upper(regexp_replace(CASE WHEN starts_with(aux, $prefix) THEN aux
                                         ELSE $prefix || aux END, '\\s', '', 'g'))
                   AS client_account
        FROM typed)
        -- what the next steps read, not every column the checks did (memory at 10M lines)
        SELECT _row, journal, num, piece, lib, letter, aux, aux_lib, client_account,
               entry_kind, doc_kind, day, debit, credit, total, excl, key,
               {imports.reasons_sql(checks)} AS reason
        FROM client""", params)


# A new client's name and account (columns ``name``, ``aux``) that the client rules keep as
# they are, with no error (parameter ``$prefix``): the rules themselves decide the others.
_PLAIN_CLIENT = ("(regexp_full_match(coalesce(name, aux), '[!-~]([ -~]{0,198}[!-~])?')"
                 " AND regexp_full_match(aux, '[0-9A-Z]{3,20}') AND starts_with(aux, $prefix))")


def _clients(book: Book, conn: duckdb.DuckDBPyConnection) -> int:
    """Match client lines with clients by account; create the missing ones (their lines
    get a reason when the account or name is refused). Returns how many were created."""
    conn.execute("""
        CREATE OR REPLACE TEMP TABLE _fec_new AS
        SELECT client_account AS aux,
               arg_min(aux_lib, _row) FILTER (WHERE aux_lib IS NOT NULL) AS name
        FROM _fec_client f WHERE reason IS NULL
          AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.accounting_account = f.client_account)
        GROUP BY client_account ORDER BY client_account""")
    prefix = book.settings.accounting_prefix
    # Only the unusual values go through the client rules one by one (a FEC of 10M lines
    # brings ~250,000 new clients, ~20 µs each): a name of printable ASCII with no outer
    # space and an account of upper-case letters and digits behind the prefix are kept as
    # they are by those rules (tests/test_fec.py holds the two to agree).
    rows = conn.execute(f"""
        SELECT aux, coalesce(name, aux), {_PLAIN_CLIENT} FROM _fec_new ORDER BY aux""",
                        {"prefix": prefix}).fetchall()
    good, bad = [], []
    for aux, name, plain in rows:
        if plain:
            good.append((aux, name))
            continue
        _cleaned, errors = book.clients.check(
            {"kind": "company", "name": name, "accounting_account": aux},
            has_active_mandate=False, accounting_prefix=prefix)
        if errors:
            bad.append((aux, imports.encode(*(Coded(
                "fec.client_refused", aux=aux,
                why=Coded("import.cell", field=e.field, problem=Coded(e.code, **e.params)))
                for e in errors))))
        else:
            good.append((aux, _cleaned["name"]))
    if bad:
        refused = pd.DataFrame(bad, columns=["aux", "why"])
        with imports.registered(conn, "_fec_refused", refused):
            conn.execute("""UPDATE _fec_client SET reason = x.why FROM _fec_refused x
                            WHERE _fec_client.client_account = x.aux AND reason IS NULL""")
    if good:
        highest = conn.execute("SELECT coalesce(max(id), 0) FROM clients").fetchone()
        first = book.store.reserve(conn, "client", len(good))
        if highest and first <= int(highest[0]):
            first = int(highest[0]) + 1
            conn.execute("UPDATE counters SET value = ? WHERE name = 'client'",
                         [first + len(good) - 1])
        new = pd.DataFrame(good, columns=["aux", "name"])
        new["id"] = range(first, first + len(good))
        with imports.registered(conn, "_fec_created", new):
            conn.execute("""
                INSERT INTO clients (id, code, kind, name, accounting_account, country, language,
                    currency, payment_terms, payment_method, reminders_paused, status, version,
                    created_at, updated_at)
                SELECT id, 'C' || lpad(CAST(id AS VARCHAR), 6, '0'), 'company', name, aux, 'FR',
                       'fr', 'EUR', '30_days', 'transfer', FALSE, 'active', 1, now(), now()
                FROM _fec_created""")
            imports.audit_rows(
                conn, book, entity="client", count=len(good), span=(first, len(good)),
                source_sql="SELECT id AS entity_id, 'C' || lpad(CAST(id AS VARCHAR), 6, '0')"
                           " AS client_code, 'accounting_account' AS field, aux AS new_value"
                           " FROM _fec_created")
        cardrows.touch(conn, new["id"].tolist())
    return len(good)


# the client lines with their client's code (a join: an UPDATE of every line of
# _fec_client with it took 7 s of CPU at 1M lines when the clients were already there)
_CODED = """(SELECT f.*, c.code AS client_code FROM _fec_client f
    LEFT JOIN (SELECT code, accounting_account FROM clients) c
    ON c.accounting_account = f.client_account)"""


def _staged(conn: duckdb.DuckDBPyConnection) -> tuple[imports.Staged, imports.Staged]:
    """The documents and the payments to import, as their imports read them: temp tables
    ``_fec_docs`` and ``_fec_pays`` (``line``: the line in the file)."""
    # the few lines that take a generated reference or whose label names an invoice, in
    # tables of their own: joined as CTEs, DuckDB guessed them large and built its hash
    # tables on every client line instead (a second each at 1M lines)
    conn.execute(rf"""
        CREATE OR REPLACE TEMP TABLE _fec_named AS
        -- the invoice number a credit's label names (a table: DuckDB then knows they are few
        -- and joins the book's documents to them, not them to a hash table of the documents)
        SELECT * FROM (
            SELECT _row, aux, client_code,
                   nullif(regexp_extract(lib, ' (?:facture|sur) (\S+)$', 1), '') AS named
            FROM {_CODED} WHERE reason IS NULL
              AND (entry_kind = 'bank' OR doc_kind = 'credit_note'))
        WHERE named IS NOT NULL""")
    conn.execute(r"""
        CREATE OR REPLACE TEMP TABLE _fec_odd AS
        WITH twice AS (
            -- payment pieces that are not unique in the file (its rejected lines too)
            SELECT piece FROM _fec_client WHERE entry_kind = 'bank' AND piece IS NOT NULL
            GROUP BY piece HAVING count(*) > 1
        ),
        nth AS (
            -- the n-th client line of its entry (rejected ones counted), for the payments
            -- whose reference says it
            SELECT c._row, row_number() OVER (PARTITION BY c.journal, c.num ORDER BY c._row) AS n
            FROM _fec_client c SEMI JOIN (
                SELECT journal, num FROM _fec_client WHERE reason IS NULL
                  AND entry_kind = 'bank' AND (piece IS NULL OR piece IN (FROM twice))) x
              ON x.journal = c.journal AND x.num = c.num
        ),
        said AS (
            -- the invoice a credit's label names, when it is one of its client's, in the
            -- file or in the book
            SELECT x._row, x.named FROM _fec_named x JOIN _fec_client d
              ON d.aux = x.aux AND coalesce(d.piece, d.journal || '-' || d.num) = x.named
             AND d.entry_kind = 'sale' AND d.doc_kind = 'invoice' AND d.reason IS NULL
            UNION
            SELECT x._row, x.named FROM _fec_named x
            JOIN documents d ON d.number = x.named AND d.kind = 'invoice'
            JOIN clients c ON c.id = d.client_id AND c.code = x.client_code
        )
        SELECT coalesce(n._row, s._row) AS _row, n.n AS nth, s.named
        FROM nth n FULL JOIN said s ON s._row = n._row""")
    conn.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fec_p AS
        SELECT * EXCLUDE (aux_lib, client_account, key, reason) FROM {_CODED}
        WHERE reason IS NULL""")
    # the placeable lines are in _fec_p: let the client lines' memory go before the next
    # statement (a 10M-line re-import in the process of the first ran out of memory here)
    conn.execute("DROP TABLE _fec_client")
    conn.execute(r"""
        CREATE OR REPLACE TEMP TABLE _fec_placed AS
        WITH docs AS (
            SELECT aux, letter, doc_kind, debit, credit,
                   coalesce(piece, journal || '-' || num) AS number FROM _fec_p
            WHERE entry_kind = 'sale'
        ),
        let_invoice AS (
            -- letters holding exactly one invoice: the credits lettered with it name it
            -- and balance: a letter also holding lines of other files names nothing
            SELECT aux, letter, any_value(number) FILTER (WHERE doc_kind = 'invoice') AS number
            FROM (
                SELECT aux, letter, number, doc_kind, debit, credit FROM docs
                WHERE letter IS NOT NULL
                UNION ALL
                SELECT aux, letter, NULL, 'payment', debit, credit FROM _fec_p
                WHERE entry_kind = 'bank' AND letter IS NOT NULL)
            GROUP BY aux, letter
            HAVING count(*) FILTER (WHERE doc_kind = 'invoice') = 1 AND sum(debit) = sum(credit)
        )
        SELECT p._row, p.client_code, p.entry_kind, p.doc_kind, p.day, p.lib, p.excl, p.total,
               p.debit, p.credit,
               CASE WHEN p.entry_kind = 'sale' THEN coalesce(p.piece, p.journal || '-' || p.num)
                    WHEN p.piece IS NOT NULL AND o.nth IS NULL THEN p.piece
                    ELSE p.journal || '-' || strftime(p.day, '%Y%m%d') || '-' || p.num
                         || '-' || CAST(o.nth AS VARCHAR) END AS ref,
               CASE WHEN p.entry_kind <> 'bank' AND p.doc_kind <> 'credit_note' THEN NULL
                    -- clientops' own labels say what the credit names, or that it names nothing
                    WHEN regexp_matches(p.lib, '^(Règlement|Avoir) ') THEN o.named
                    ELSE coalesce(li.number, o.named) END AS names
        FROM _fec_p p LEFT JOIN let_invoice li ON li.aux = p.aux AND li.letter = p.letter
        LEFT JOIN _fec_odd o ON o._row = p._row""")
    # the client lines are in _fec_placed now: let their memory go
    for table in ("_fec_p", "_fec_named", "_fec_odd"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute(r"""
        CREATE OR REPLACE TEMP TABLE _fec_docs AS
        SELECT row_number() OVER (ORDER BY _row) AS _row, _row AS line, client_code,
               doc_kind AS kind, ref AS number,
               strftime(day, '%Y-%m-%d') AS issue_date,
               CASE WHEN doc_kind = 'invoice' THEN strftime(CAST(try_strptime(
                   nullif(regexp_extract(lib, 'échéance ([0-9]{8})', 1), ''), '%Y%m%d') AS DATE),
                   '%Y-%m-%d') END AS due_date,
               CAST(CAST(excl AS DECIMAL(18,2)) AS VARCHAR) AS total_excl_tax,
               CAST(CAST(total - excl AS DECIMAL(18,2)) AS VARCHAR) AS tax,
               names AS cancels
        FROM _fec_placed WHERE entry_kind = 'sale'""")
    conn.execute(r"""
        CREATE OR REPLACE TEMP TABLE _fec_pays AS
        SELECT row_number() OVER (ORDER BY _row) AS _row, _row AS line, client_code,
               strftime(day, '%Y-%m-%d') AS paid_on,
               CAST(credit - debit AS VARCHAR) AS amount, 'transfer' AS method,
               ref AS reference, names AS invoice
        FROM _fec_placed WHERE entry_kind = 'bank'""")
    conn.execute("DROP TABLE _fec_placed")
    return imports.Staged.of(conn, "_fec_docs"), imports.Staged.of(conn, "_fec_pays")


def _in_file(conn: duckdb.DuckDBPyConnection, report: pd.DataFrame,
             staged: imports.Staged) -> pd.DataFrame:
    """A document or payment import's report with the FEC's line numbers (``line``)."""
    if report.empty:
        return report
    report = report.copy()
    lines = conn.execute(f"SELECT line FROM {staged.table} ORDER BY _row").fetchnumpy()["line"]
    report["row"] = lines[report["row"].to_numpy(dtype="int64") - 1]
    return report


def import_fec(book: Book, path: Path, skip_invalid: bool = False) -> pd.DataFrame:
    """See the module's docstring; returns the report (``attrs``: ``imported`` documents and
    payments, ``unchanged``, ``rejected``, ``status``, and ``clients`` created,
    ``documents``, ``payments``, ``ignored`` lines)."""
    if not path.is_file():
        raise ValidationError("path", str(path), "path.not_file")
    settings = dict(book.settings.items())
    book.store.check_writable()
    sep, names = _header(path)
    # one connection from the reading to the end: the lines are a temporary table of it
    with book.store.connection():
        return _import(book, path, sep, names, settings, skip_invalid)


def _import(book: Book, path: Path, sep: str, names: list[str], settings: dict[str, Any],
            skip_invalid: bool) -> pd.DataFrame:
    with book.store.connection() as conn:
        # read before the transaction: a failed reading would abort it
        _load(conn, path, sep, names, settings["accounting_prefix"])
    try:
        with book.store.connection() as conn:
            # every staged table keeps its lines' numbers (_row): DuckDB need not hold back
            # rows to keep their order (memory, in a 10M-line re-import); an ORDER BY holds
            conn.execute("SET SESSION preserve_insertion_order = false")
        with book.store.transaction() as conn:
            _stage(conn, settings)
            row = conn.execute(
                "SELECT sum(lines) FILTER (WHERE clients = 0) FROM _fec_entry").fetchone()
            ignored = int(row[0] or 0) if row else 0
            # the lines and entries are in _fec_client now: let their memory go
            conn.execute("DROP TABLE _fec_entry; DROP TABLE _fec_line")
            created = _clients(book, conn)
            report = imports.report_frame(conn, _CODED)
            docs, pays = _staged(conn)
            doc_report = import_documents(book, docs, skip_invalid=True, balances=False) \
                if skip_invalid or report.empty else None
            pay_report = import_payments(book, pays, skip_invalid=True, balances=False) \
                if skip_invalid or report.empty else None
            if doc_report is not None and pay_report is not None and (
                    doc_report.attrs["imported"] or pay_report.attrs["imported"]):
                # once for documents and payments, over the clients of the file
                recompute_open_balances(conn, [r[0] for r in conn.execute(
                    "SELECT c.id FROM clients c WHERE c.code IN (SELECT client_code"
                    " FROM _fec_docs UNION SELECT client_code FROM _fec_pays)").fetchall()])
            found = [report] + [_in_file(conn, r, f) for r, f in (
                (doc_report, docs), (pay_report, pays)) if r is not None]
            found = [r for r in found if len(r)]
            if found:
                report = pd.concat(found, ignore_index=True).sort_values("row", kind="stable")
                report = report.reset_index(drop=True)
            if len(report) and not skip_invalid:
                raise imports.Rejected(report)
            for table in ("_fec_new", "_fec_docs", "_fec_pays"):
                conn.execute(f"DROP TABLE IF EXISTS {table}")
    except imports.Rejected as rejected:
        out = imports.finish_report(rejected.report, imported=0, unchanged=0,
                                    skip_invalid=False)
        out.attrs.update({"clients": 0, "documents": 0, "payments": 0, "ignored": 0})
        return out
    finally:
        with book.store.connection() as conn:
            conn.execute("DROP TABLE IF EXISTS _fec_line")
            conn.execute("RESET SESSION preserve_insertion_order")
    assert doc_report is not None and pay_report is not None
    out = imports.finish_report(
        report, imported=doc_report.attrs["imported"] + pay_report.attrs["imported"],
        unchanged=doc_report.attrs["unchanged"] + pay_report.attrs["unchanged"],
        updated=doc_report.attrs["updated"], skip_invalid=skip_invalid)
    out.attrs.update({"clients": created, "documents": doc_report.attrs["imported"],
                      "payments": pay_report.attrs["imported"], "ignored": ignored})
    return out


__all__ = ["COLUMNS", "import_fec"]
