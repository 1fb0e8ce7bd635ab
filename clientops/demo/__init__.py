"""A realistic, deterministic French SMB portfolio for demos, tests and benchmarks.

``build_demo(path, clients=300, seed=0)`` fills an empty book with companies, individuals and
public bodies (valid SIREN/SIRET/VAT numbers and IBANs with their French RIB key), contacts
with favourites, SEPA mandates for direct-debit clients, three fiscal years of quotes,
invoices and credit notes, payments (on time, late, partial, unpaid, a few unallocated),
reminders, tasks and a few archived clients (who owe nothing). Every value is one the API
accepts; ``book.quality()`` finds only the few clients left without any email address on
purpose (their reminders are shown as skipped).

Everything is generated set-based: numpy draws a chunk of clients at a time, DuckDB turns the
numbers into text and inserts the whole chunk with ``INSERT … SELECT``. A chunk's random
stream depends only on ``(seed, chunk number)`` and every date on ``today``, so the same seed
and the same ``today`` give the same book, whatever the machine or the day it is built.
Documents go through a Parquet staging area so that their numbers (``F-2025-00042``) follow
issue dates across the whole book.
"""

from .generator import Generator, due_dates, french_ibans, luhn_check_digit
from .loader import TABLES, DemoSummary, build_demo, insert_chunk

__all__ = ["build_demo", "DemoSummary", "TABLES", "Generator", "insert_chunk", "due_dates",
           "french_ibans", "luhn_check_digit"]
