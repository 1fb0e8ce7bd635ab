"""clientops — the customer-records back office (fiches clients), on DuckDB and Jupyter.

>>> import clientops
>>> book = clientops.open()          # $CLIENTOPS_DB or data/clientops.duckdb
"""

from .book import Book, open
from .errors import (
    ClientOpsError,
    ConflictError,
    DatabaseBusy,
    DeletionRefused,
    NotFound,
    ReadOnlyError,
    ValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "Book",
    "open",
    "ClientOpsError",
    "ConflictError",
    "DatabaseBusy",
    "DeletionRefused",
    "NotFound",
    "ReadOnlyError",
    "ValidationError",
    "__version__",
]
