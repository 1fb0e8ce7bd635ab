"""E-invoicing readiness in SQL: what each active client lacks for its flow, and the
directory line each client should use (:mod:`clientops.directory` builds the directory check
and the report on it; :mod:`clientops.quality` lists the same findings)."""

from __future__ import annotations

from datetime import date

from . import bounds, einvoicing

# What a client may lack, in the order readiness lists it: (item, field, code of its text).
MISSING: tuple[tuple[str, str, str], ...] = (
    ("siren", "siren", "readiness.siren"),
    ("siret", "siret", "readiness.siret"),
    ("chorus_service_code", "chorus_service_code", "readiness.chorus_service_code"),
    ("einvoicing_address", "einvoicing_address", "readiness.einvoicing_address"),
    ("not_checked", "einvoicing_checked_on", "readiness.not_checked"),
    ("directory_disagrees", "einvoicing_address", "readiness.directory_disagrees"),
)

def best_line_sql(lines: str) -> str:
    """SQL: per active client with a SIREN, the line of ``lines`` it should use (the order in
    :mod:`clientops.directory`'s docstring): ``client_id, code, address, platform``."""
    return f"""
        SELECT c.id AS client_id, c.code, l.address, l.platform
        FROM clients c JOIN {lines} l
          ON l.siren = c.siren AND (l.siret IS NULL OR l.siret = c.siret)
        WHERE c.status = 'active' AND c.siren IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY c.id ORDER BY
            CASE WHEN l.address = c.einvoicing_address THEN 0
                 WHEN l.siret = c.siret AND l.routing_code = c.chorus_service_code THEN 1
                 WHEN l.siret = c.siret AND l.routing_code IS NULL THEN 2
                 WHEN l.siret IS NULL AND l.suffix IS NULL THEN 3
                 ELSE 4 END, l.address) = 1"""


def findings_sql() -> str:
    """SQL: ``code, name, flow, item, field, value, fix`` — one row per thing an active client
    lacks for its flow (:data:`MISSING`); ``$cutoff`` is the oldest check still current.
    ``fix`` is the directory's value where it has one."""
    return f"""
        WITH c AS (SELECT *, {einvoicing.flow_sql()} AS flow FROM clients
                   WHERE status = 'active'),
        d AS ({best_line_sql('einvoicing_directory')}),
        r AS (SELECT max(read_on) AS read_on FROM einvoicing_directory),
        x AS (
            SELECT c.code, c.name, c.flow, c.einvoicing_address, c.einvoicing_platform,
                   c.einvoicing_checked_on, c.siren, c.siret, c.chorus_service_code,
                   d.address AS dir_address, d.platform AS dir_platform
            FROM c LEFT JOIN d ON d.client_id = c.id
            WHERE c.flow <> 'e-reporting')
        SELECT code, name, flow, 'siren' AS item, 'siren' AS field, NULL AS value, NULL AS fix,
               1 AS o FROM x WHERE siren IS NULL
        UNION ALL SELECT code, name, flow, 'siret', 'siret', NULL, NULL, 2 FROM x
            WHERE flow = 'chorus_pro' AND siret IS NULL
        UNION ALL SELECT code, name, flow, 'chorus_service_code', 'chorus_service_code', NULL,
               NULL, 3 FROM x WHERE flow = 'chorus_pro' AND chorus_service_code IS NULL
        UNION ALL SELECT code, name, flow, 'einvoicing_address', 'einvoicing_address', NULL,
               dir_address, 4 FROM x WHERE einvoicing_address IS NULL
        UNION ALL SELECT code, name, flow, 'not_checked', 'einvoicing_checked_on',
               CAST(einvoicing_checked_on AS VARCHAR),
               CASE WHEN dir_address = einvoicing_address
                     AND dir_platform IS NOT DISTINCT FROM einvoicing_platform
                     AND (SELECT read_on FROM r) >= $cutoff
                    THEN CAST((SELECT read_on FROM r) AS VARCHAR) END, 5
            FROM x WHERE einvoicing_address IS NOT NULL
              AND (einvoicing_checked_on IS NULL OR einvoicing_checked_on < $cutoff)
        UNION ALL SELECT code, name, flow, 'directory_disagrees', 'einvoicing_address',
               einvoicing_address, dir_address, 6 FROM x
            WHERE einvoicing_address IS NOT NULL AND dir_address IS NOT NULL
              AND (dir_address <> einvoicing_address
                   OR dir_platform IS DISTINCT FROM einvoicing_platform)"""


def cutoff(as_of: date) -> date:
    """The oldest directory check still current on ``as_of``: twelve months before."""
    return bounds.add_years(as_of, -1)
