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

from __future__ import annotations

import os
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from .book import Book
from .errors import ClientOpsError
from .schema import PAYMENTS_REFERENCE

# DuckDB would otherwise use up to 80 % of the machine's memory on the numbering and the
# allocation of 10M documents (6 GB peak measured at 1M clients).
BUILD_MEMORY_LIMIT = os.environ.get("CLIENTOPS_DEMO_MEMORY", "2GB")
CHUNK = 50_000  # clients per chunk: fixed, so a seed gives the same clients at any size
EPOCH = date(1970, 1, 1)

KINDS = np.array(["company", "individual", "public_body"], dtype=object)
METHODS = np.array(["transfer", "sepa_debit", "card", "cheque", "cash"], dtype=object)
TERMS = np.array(
    ["on_receipt", "30_days", "30_days_end_of_month", "45_days_end_of_month", "60_days"],
    dtype=object,
)
# Probabilities of METHODS and TERMS by kind (company, individual, public body).
METHOD_P: list[list[float]] = [[0.50, 0.25, 0.12, 0.13, 0.00], [0.15, 0.30, 0.35, 0.15, 0.05], [1, 0, 0, 0, 0]]
TERMS_P: list[list[float]] = [[0.10, 0.40, 0.20, 0.20, 0.10], [0.70, 0.30, 0, 0, 0], [0, 1, 0, 0, 0]]

FIRST_NAMES = (
    "Camille Léa Manon Chloé Emma Inès Sarah Julie Laura Marie Anne Claire Sophie Nathalie "
    "Isabelle Céline Aurélie Élodie Hélène Valérie Sandrine Margaux Juliette Lucie Pauline "
    "Thomas Nicolas Julien Maxime Alexandre Antoine Hugo Lucas Louis Paul Pierre Jean Michel "
    "Philippe François Laurent Olivier Stéphane Sébastien Vincent Mathieu Romain Guillaume "
    "Benoît Christophe Éric Frédéric Jérôme Arnaud Cédric Damien Yannick Thierry Bruno Gaëlle"
).split()
LAST_NAMES = (
    "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel "
    "Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine "
    "Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier "
    "François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu "
    "Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun "
    "Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
    "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud "
    "Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq "
    "Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin"
).split()
ACTIVITIES = [
    "Boulangerie", "Pâtisserie", "Menuiserie", "Plomberie", "Électricité", "Transports",
    "Garage", "Imprimerie", "Pharmacie", "Librairie", "Fromagerie", "Boucherie", "Charpente",
    "Maçonnerie", "Peinture", "Carrosserie", "Architecture", "Conseil", "Informatique",
    "Paysages", "Nettoyage", "Traiteur", "Optique", "Ambulances", "Serrurerie", "Couverture",
    "Chauffage", "Cabinet", "Atelier", "Éditions", "Vins", "Domaine", "Hôtel", "Restaurant",
]
LEGAL_FORMS = ["SARL", "SAS", "SASU", "EURL", "SA", "SNC", "SCOP"]
PUBLIC_NAMES = [
    "Commune de {}", "Mairie de {}", "Centre communal d'action sociale de {}",
    "Communauté de communes de {}", "Collège Jean Moulin de {}", "Centre hospitalier de {}",
    "Office de tourisme de {}", "Syndicat des eaux de {}",
]
PUBLIC_DOMAINS = ["ville-{}.fr", "mairie-{}.fr", "ccas-{}.fr", "cc-{}.fr", "college-{}.fr",
                  "ch-{}.fr", "tourisme-{}.fr", "eaux-{}.fr"]
STREET_TYPES = ["rue", "avenue", "boulevard", "place", "chemin", "allée", "impasse", "quai",
                "route"]
STREET_NAMES = [
    "de la République", "Victor Hugo", "Jean Jaurès", "du Général de Gaulle", "Pasteur",
    "de la Gare", "des Écoles", "du Moulin", "de l'Église", "Gambetta", "Voltaire",
    "de la Liberté", "des Lilas", "du Château", "Jules Ferry", "de Verdun", "Émile Zola",
    "de la Paix", "des Tilleuls", "du Stade", "Carnot", "Foch", "de Paris", "Nationale",
    "des Acacias", "Saint-Martin", "de la Mairie", "du Port", "des Vignes", "Anatole France",
]
# (postal code, city): real communes across the regions.
CITIES = [
    ("75001", "Paris"), ("75008", "Paris"), ("75011", "Paris"), ("75015", "Paris"),
    ("75017", "Paris"), ("92100", "Boulogne-Billancourt"), ("93100", "Montreuil"),
    ("94300", "Vincennes"), ("78000", "Versailles"), ("95000", "Cergy"), ("91300", "Massy"),
    ("77300", "Fontainebleau"), ("69001", "Lyon"), ("69003", "Lyon"), ("69100", "Villeurbanne"),
    ("13001", "Marseille"), ("13100", "Aix-en-Provence"), ("06000", "Nice"),
    ("83000", "Toulon"), ("34000", "Montpellier"), ("30000", "Nîmes"), ("84000", "Avignon"),
    ("31000", "Toulouse"), ("33000", "Bordeaux"), ("64100", "Bayonne"), ("64000", "Pau"),
    ("87000", "Limoges"), ("86000", "Poitiers"), ("17000", "La Rochelle"), ("44000", "Nantes"),
    ("35000", "Rennes"), ("29200", "Brest"), ("56100", "Lorient"), ("49000", "Angers"),
    ("37000", "Tours"), ("45000", "Orléans"), ("72000", "Le Mans"), ("14000", "Caen"),
    ("76000", "Rouen"), ("76600", "Le Havre"), ("59000", "Lille"), ("62000", "Arras"),
    ("80000", "Amiens"), ("51100", "Reims"), ("67000", "Strasbourg"), ("68100", "Mulhouse"),
    ("57000", "Metz"), ("54000", "Nancy"), ("21000", "Dijon"), ("25000", "Besançon"),
    ("38000", "Grenoble"), ("73000", "Chambéry"), ("74000", "Annecy"), ("42000", "Saint-Étienne"),
    ("63000", "Clermont-Ferrand"), ("18000", "Bourges"), ("66000", "Perpignan"),
    ("11100", "Narbonne"), ("20000", "Ajaccio"), ("97400", "Saint-Denis"),
]
# Landline area digit (01 Île-de-France … 05 south-west) by the postal code's department.
_AREA = {"75": 1, "77": 1, "78": 1, "91": 1, "92": 1, "93": 1, "94": 1, "95": 1,
         "14": 2, "29": 2, "35": 2, "37": 2, "44": 2, "45": 2, "49": 2, "56": 2, "72": 2,
         "76": 2, "18": 2, "97": 2, "21": 3, "25": 3, "51": 3, "54": 3, "57": 3, "59": 3,
         "62": 3, "67": 3, "68": 3, "80": 3, "06": 4, "11": 4, "13": 4, "20": 4, "30": 4,
         "34": 4, "38": 4, "42": 4, "63": 4, "66": 4, "69": 4, "73": 4, "74": 4, "83": 4,
         "84": 4, "17": 5, "31": 5, "33": 5, "64": 5, "86": 5, "87": 5}
MOBILE_PREFIXES = np.array([60, 61, 62, 64, 65, 66, 67, 68, 73, 74, 75, 76, 77, 78])
MAIL_PROVIDERS = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "outlook.fr", "sfr.fr",
                  "wanadoo.fr", "hotmail.fr", "yahoo.fr"]
COMPANY_MAILBOXES = ["contact", "compta", "facturation", "administratif", "direction"]
ROLES = ["Gérant", "Comptable", "Directeur financier", "Assistante de direction",
         "Responsable achats", "Service comptabilité", "Directrice générale", "Trésorier"]
OWNERS = ["camille.durand", "julien.moreau", "sophie.lambert", "karim.benali", "lea.fontaine"]
TAGS = ["grand-compte", "export", "partenaire", "prospect-converti", "sensible", "btp"]
TASK_TITLES = [
    "Relancer par téléphone", "Vérifier le RIB", "Envoyer le mandat SEPA à signer",
    "Mettre à jour l'adresse de facturation", "Préparer le devis annuel",
    "Appeler le service comptable", "Contrôler le numéro de TVA", "Proposer un échéancier",
    "Récupérer le bon de commande", "Rapprocher le paiement non lettré",
]
COMMENTS = ["Client fidèle depuis 2015.", "Préfère être contacté le matin.",
            "Factures à envoyer en double exemplaire.", "Attention : changement de gérant.",
            "Paiement souvent groupé en fin de mois."]
# Banks (bank code → BIC and name come from schwifty's registry at build time).
BANK_CODES = ["30004", "30002", "30006", "20041", "10278", "30066", "10107", "13807",
              "18206", "42559", "15589", "30076", "11315"]
BANK_P = [0.16, 0.10, 0.14, 0.12, 0.10, 0.08, 0.05, 0.06, 0.05, 0.03, 0.04, 0.03, 0.04]
VAT_BP = np.array([2000, 1000, 550])  # 20 %, 10 %, 5.5 % in basis points
REMINDER_DAYS = (7, 15, 30)


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo` wrote.

    Attributes:
      counts: rows per table.
      seconds: wall-clock time of the build.
      today: the reference date every demo date is anchored on.
    """

    counts: dict[str, int]
    seconds: float
    today: date


# -- small vectorised helpers --------------------------------------------------------------
def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-").replace("--", "-")


def _only(mask: np.ndarray, values: Any) -> np.ndarray:
    """``values`` where ``mask`` holds, else None (an object array for text columns)."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = values[mask] if isinstance(values, np.ndarray) else values
    return out


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """Matrix of decimal digits (most significant first) of non-negative ints."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers) % 10


def luhn_check_digit(values: np.ndarray, width: int) -> np.ndarray:
    """The Luhn check digit to append to each ``width``-digit number (SIREN, SIRET)."""
    d = _digits(values, width)
    # Doubling applies to every second digit counted from the check digit's left neighbour.
    double = (np.arange(width)[::-1] % 2) == 0
    dd = np.where(double, d * 2, d)
    dd = np.where(dd > 9, dd - 9, dd)
    return (10 - dd.sum(axis=1) % 10) % 10


def _mod97(digit_groups: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """``int(concat(groups)) % 97`` for groups of (values, width) — big numbers in int64 steps."""
    r = np.zeros(len(digit_groups[0][0]), dtype=np.int64)
    for values, width in digit_groups:
        for start in range(0, width, 9):  # at most 9 digits at a time keeps int64 safe
            w = min(9, width - start)
            part = (values // 10 ** (width - start - w)) % 10**w
            r = (r * 10**w + part) % 97
    return r


def _numbered(names: np.ndarray, ids: np.ndarray, first_chunk: bool,
              scope: np.ndarray | None = None) -> np.ndarray:
    """``names`` made unique (within ``scope``): the first of the first chunk stays as it is,
    every namesake gets its client's id ("x-507894") — unique across chunks, and a chunk's
    output still depends on nothing but its own draws."""
    frame = pd.DataFrame({"name": names, "scope": "" if scope is None else scope})
    nth = frame.groupby(["name", "scope"], sort=False).cumcount().to_numpy()
    keep = (nth == 0) & first_chunk
    tail = np.where(keep, "", "-" + ids.astype(str).astype(object))
    return (frame["name"].to_numpy(dtype=object) + tail).astype(object)


def _numbered_domains(domains: np.ndarray, ids: np.ndarray, first_chunk: bool,
                      mask: np.ndarray) -> np.ndarray:
    """Like :func:`_numbered` for ready-made domains (``mairie-lyon.fr``) among ``mask``: the
    number goes before the top-level domain."""
    out = domains.copy()
    stem = np.array([d.rsplit(".", 1)[0] for d in domains[mask]], dtype=object)
    tld = np.array([d.rsplit(".", 1)[1] for d in domains[mask]], dtype=object)
    out[mask] = _numbered(stem, ids[mask], first_chunk) + "." + tld
    return out


def french_ibans(bank: np.ndarray, branch: np.ndarray, account: np.ndarray) -> np.ndarray:
    """French IBANs (with their RIB key) from numeric bank, branch and 11-digit account codes."""
    rib = 97 - (89 * bank + 15 * branch + 3 * (account % 97)) % 97
    # IBAN check digits: BBAN + "FR00" (F=15, R=27) mod 97.
    r = _mod97([(bank, 5), (branch, 5), (account, 11), (rib, 2),
                (np.full_like(bank, 152700), 6)])
    check = 98 - r
    return (pd.Series(check).astype(str).str.zfill(2).radd("FR")
            + pd.Series(bank).astype(str).str.zfill(5)
            + pd.Series(branch).astype(str).str.zfill(5)
            + pd.Series(account).astype(str).str.zfill(11)
            + pd.Series(rib).astype(str).str.zfill(2)).to_numpy(dtype=object)


def _eom(days: np.ndarray) -> np.ndarray:
    months = days.astype("datetime64[D]").astype("datetime64[M]")
    return ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)


def due_dates(issue: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Due dates (days since 1970) from issue dates and TERMS indexes."""
    return np.select(
        [terms == 0, terms == 1, terms == 2, terms == 3],
        [issue, issue + 30, _eom(issue + 30), _eom(issue + 45)],
        issue + 60,
    )


def _banks() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from schwifty import IBAN

    bics, names = [], []
    for code in BANK_CODES:
        sample = IBAN.generate("FR", bank_code=code, branch_code="00100", account_code="1")
        bics.append(str(sample.bic.compact) if sample.bic else None)
        names.append(str(sample.bank_name) if sample.bank_name else None)
    return (np.array([int(c) for c in BANK_CODES]), np.array(bics, dtype=object),
            np.array(names, dtype=object))


# -- one chunk of clients ------------------------------------------------------------------
@dataclass
class _Ids:
    """Next free id per counter while chunks are generated."""

    contact: int = 1
    mandate: int = 1
    document: int = 1
    payment: int = 1
    reminder: int = 1
    task: int = 1


class _Generator:
    def __init__(self, seed: int, today: date, window_start: date, prefix: str) -> None:
        self.seed = seed
        self.today = (today - EPOCH).days
        self.start = (window_start - EPOCH).days
        self.prefix = prefix
        self.bank_codes, self.bank_bics, self.bank_names = _banks()
        self.cities = np.array([c for _, c in CITIES], dtype=object)
        self.postcodes = np.array([p for p, _ in CITIES], dtype=object)
        self.city_slugs = np.array([_ascii_slug(c) for _, c in CITIES], dtype=object)
        self.area = np.array([_AREA[p[:2]] for p, _ in CITIES])
        self.first = np.array(FIRST_NAMES, dtype=object)
        self.last = np.array(LAST_NAMES, dtype=object)
        self.first_slug = np.array([_ascii_slug(x) for x in FIRST_NAMES], dtype=object)
        self.last_slug = np.array([_ascii_slug(x) for x in LAST_NAMES], dtype=object)
        self.act = np.array(ACTIVITIES, dtype=object)
        self.act_slug = np.array([_ascii_slug(x) for x in ACTIVITIES], dtype=object)
        self.ids = _Ids()

    # Every table of a chunk is a DataFrame of numbers and ready-made text; DuckDB formats
    # the zero-padded codes.
    def chunk(self, index: int, first_id: int, n: int) -> dict[str, pd.DataFrame]:
        rng = np.random.default_rng([self.seed, index])
        clients, state = self._clients(rng, first_id, n)
        contacts = self._contacts(rng, clients, state)
        mandates = self._mandates(rng, clients, state)
        documents, inv = self._documents(rng, clients, state)
        payments, paid = self._payments(rng, clients, state, documents, inv)
        # A few long-overdue unpaid invoices are disputed by the client.
        late = (paid["settled"] < 0) & (paid["remaining"] > 0) & (inv["due"] < self.today - 60)
        disputed = inv["id"][late & (rng.random(len(late)) < 0.1)]
        documents.loc[documents["id"].isin(disputed), "in_dispute"] = True
        self._mandate_collections(mandates, payments)
        reminders = self._reminders(rng, clients, state, documents, inv, paid)
        tasks = self._tasks(rng, clients, state)
        return {"clients": clients, "contacts": contacts, "sepa_mandates": mandates,
                "documents": documents, "payments": payments, "reminders": reminders,
                "tasks": tasks}

    def _clients(self, rng: np.random.Generator, first_id: int, n: int) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        ids = np.arange(first_id, first_id + n, dtype=np.int64)
        kind = rng.choice(3, size=n, p=[0.70, 0.25, 0.05])
        is_co, is_ind, is_pub = kind == 0, kind == 1, kind == 2
        fi, li, li2 = (rng.integers(len(self.first), size=n), rng.integers(len(self.last), size=n),
                       rng.integers(len(self.last), size=n))
        act = rng.integers(len(self.act), size=n)
        legal = np.array(LEGAL_FORMS, dtype=object)[rng.integers(len(LEGAL_FORMS), size=n)]
        city = rng.integers(len(CITIES), size=n)
        pattern = rng.integers(4, size=n)
        company_name = np.select(
            [pattern == 0, pattern == 1, pattern == 2],
            [self.act[act] + " " + self.last[li] + " " + legal,
             self.act[act] + " " + self.last[li],
             self.last[li] + " & Fils " + legal],
            self.last[li] + " " + self.last[li2] + " Associés",
        )
        pub_kind = rng.integers(len(PUBLIC_NAMES), size=n)
        public_name = np.array([PUBLIC_NAMES[k].format(c) for k, c in
                                zip(pub_kind[is_pub], self.cities[city[is_pub]], strict=True)],
                               dtype=object)
        name = np.where(is_ind, self.first[fi] + " " + self.last[li], company_name)
        name[is_pub] = public_name
        # SIREN: an affine bijection of the client id gives unique numbers; public bodies
        # start with 2 (their SIREN range), companies with 3 to 9.
        base = np.where(is_pub, 21_000_000 + (7_919 * ids + 13) % 1_000_000,
                        30_000_000 + (48_271 * ids + 1_234_567) % 70_000_000)
        siren = base * 10 + luhn_check_digit(base, 8)
        nic = 10 + rng.integers(0, 90, size=n)  # establishment number 0001x … 0009x
        siret_base = siren * 10_000 + nic
        siret = siret_base * 10 + luhn_check_digit(siret_base, 13)
        vat_key = (12 + 3 * (siren % 97)) % 97
        has_vat = is_co & (rng.random(n) < 0.92)
        # Payment preferences.
        method = np.empty(n, dtype=np.int64)
        terms = np.empty(n, dtype=np.int64)
        for k in range(3):
            mask = kind == k
            method[mask] = rng.choice(5, size=int(mask.sum()), p=METHOD_P[k])
            terms[mask] = rng.choice(5, size=int(mask.sum()), p=TERMS_P[k])
        sepa = method == 1
        has_iban = sepa | (rng.random(n) < np.where(method == 0, 0.6, 0.25))
        bank = rng.choice(len(BANK_CODES), size=n, p=BANK_P)
        branch = rng.integers(1, 99_999, size=n)
        account = (9_576_890_767 * ids + 271_828) % 100_000_000_000  # unique per client
        iban = french_ibans(self.bank_codes[bank], branch, account)
        # Contact details.
        # One domain per company (traiteur-gerard-lyon.fr, namesakes numbered): shared
        # mailboxes would make most of a large demo book "duplicate emails" in book.quality().
        first_chunk = bool(first_id == 1)
        domain = _numbered(self.act_slug[act] + "-" + self.last_slug[li] + "-"
                           + self.city_slugs[city], ids, first_chunk) + ".fr"
        public = np.array([PUBLIC_DOMAINS[k].format(s) for k, s in
                           zip(pub_kind, self.city_slugs[city], strict=True)], dtype=object)
        domain = np.where(is_pub, _numbered_domains(public, ids, first_chunk, is_pub), domain)
        mailbox = np.array(COMPANY_MAILBOXES, dtype=object)[rng.integers(5, size=n)]
        suffix = np.where(rng.random(n) < 0.4, rng.integers(1, 99, size=n).astype(str), "")
        provider = np.array(MAIL_PROVIDERS, dtype=object)[rng.integers(len(MAIL_PROVIDERS), size=n)]
        personal = (_numbered(self.first_slug[fi] + "." + self.last_slug[li]
                              + suffix.astype(object), ids, first_chunk, provider)
                    + "@" + provider)
        email = np.where(is_ind, personal, mailbox + "@" + domain)
        email = _only(rng.random(n) >= 0.04, email)
        mobile = is_ind | (rng.random(n) < 0.15)
        area = self.area[city]
        phone_head = np.where(mobile, MOBILE_PREFIXES[rng.integers(len(MOBILE_PREFIXES), size=n)],
                              area * 10 + rng.integers(1, 6, size=n))
        phone_num = phone_head * 10_000_000 + rng.integers(0, 10_000_000, size=n)
        has_phone = rng.random(n) >= 0.03
        # Life: 70 % were clients before the three fiscal years, the rest joined since.
        old = rng.random(n) < 0.7
        span = max(self.today - 60 - self.start, 1)
        since = np.where(old, self.start - rng.integers(1, 1500, size=n),
                         self.start + rng.integers(0, span, size=n))
        archived = rng.random(n) < 0.02
        active_from = np.maximum(since, self.start)
        room = np.maximum(self.today - 30 - (active_from + 90), 0)
        archived &= room > 0
        archived_on = active_from + 90 + (rng.random(n) * room).astype(np.int64)
        until = np.where(archived, archived_on, self.today)
        state = {
            "id": ids, "kind": kind, "method": method, "terms": terms, "has_iban": has_iban,
            "iban": iban, "bic": self.bank_bics[bank], "since": since, "from": active_from,
            "until": until, "archived": archived, "email": email,
            "owner": np.array(OWNERS, dtype=object)[rng.integers(len(OWNERS), size=n)],
            "domain": domain, "city": city,
        }
        tags = _only(is_pub, "secteur-public")
        tag_draw = rng.random(n) < 0.12
        tags[tag_draw & ~is_pub] = np.array(TAGS, dtype=object)[rng.integers(len(TAGS), size=int((tag_draw & ~is_pub).sum()))]
        comments = _only(rng.random(n) < 0.08,
                         np.array(COMMENTS, dtype=object)[rng.integers(len(COMMENTS), size=n)])
        delivery = (~is_ind) & (rng.random(n) < 0.1)
        dcity = rng.integers(len(CITIES), size=n)
        street = (rng.integers(1, 150, size=n).astype(str).astype(object) + " "
                  + np.array(STREET_TYPES, dtype=object)[rng.integers(len(STREET_TYPES), size=n)] + " "
                  + np.array(STREET_NAMES, dtype=object)[rng.integers(len(STREET_NAMES), size=n)])
        dstreet = ("ZA " + np.array(STREET_NAMES, dtype=object)[rng.integers(len(STREET_NAMES), size=n)]
                   + ", bâtiment " + np.array(list("ABCDE"), dtype=object)[rng.integers(5, size=n)])
        frame = pd.DataFrame({
            "id": ids,
            "kind": KINDS[kind],
            "name": name,
            "first_name": _only(is_ind, self.first[fi]),
            "last_name": _only(is_ind, self.last[li]),
            "siren": np.where(is_ind, -1, siren),
            "siret": np.where(is_ind, -1, siret),
            "vat_key": np.where(has_vat, vat_key, -1),
            "email": email,
            "phone": np.where(has_phone, phone_num, -1),
            "website": _only((~is_ind) & (rng.random(n) < 0.35), "https://www." + domain),
            "address_line1": street,
            "address_line2": _only((~is_ind) & (rng.random(n) < 0.1),
                                   "BP " + rng.integers(10, 999, size=n).astype(str).astype(object)),
            "postal_code": self.postcodes[city],
            "city": self.cities[city],
            "delivery_address_line1": _only(delivery, dstreet),
            "delivery_postal_code": _only(delivery, self.postcodes[dcity]),
            "delivery_city": _only(delivery, self.cities[dcity]),
            "language": np.where(rng.random(n) < 0.02, "en", "fr"),
            "payment_terms": TERMS[terms],
            "payment_method": METHODS[method],
            "iban": _only(has_iban, iban),
            "bic": _only(has_iban, self.bank_bics[bank]),
            "bank_name": _only(has_iban, self.bank_names[bank]),
            "tags": tags,
            "owner": state["owner"],
            "comments": comments,
            "status": np.where(archived, "archived", "active"),
            "created_on": since,
            "updated_on": np.where(archived, archived_on, np.maximum(since, self.today - rng.integers(0, 700, size=n))),
            "archived_on": np.where(archived, archived_on, -1),
        })
        return frame, state

    def _contacts(self, rng: np.random.Generator, clients: pd.DataFrame, s: dict[str, np.ndarray]) -> pd.DataFrame:
        kind = s["kind"]
        count = np.where(kind == 1, rng.binomial(1, 0.3, size=len(kind)),
                         1 + rng.binomial(3, 0.4, size=len(kind)))
        owner = np.repeat(np.arange(len(kind)), count)
        m = len(owner)
        rank = np.arange(m) - np.repeat(np.cumsum(count) - count, count)
        fi, li = rng.integers(len(self.first), size=m), rng.integers(len(self.last), size=m)
        domain = s["domain"][owner]
        email = self.first_slug[fi] + "." + self.last_slug[li] + "@" + domain
        favorite = np.where(rank == 0, rng.random(m) < 0.75, rng.random(m) < 0.2)
        ids = np.arange(self.ids.contact, self.ids.contact + m, dtype=np.int64)
        self.ids.contact += m
        role = np.array(ROLES, dtype=object)[rng.integers(len(ROLES), size=m)]
        has_email = rng.random(m) >= 0.05
        phone = np.where(rng.random(m) < 0.3, -1,
                         MOBILE_PREFIXES[rng.integers(len(MOBILE_PREFIXES), size=m)] * 10_000_000
                         + rng.integers(0, 10_000_000, size=m))
        return pd.DataFrame({
            "id": ids, "client_id": s["id"][owner],
            "first_name": self.first[fi], "last_name": self.last[li],
            "role": role,
            "email": _only(has_email, email),
            "phone": phone,
            # A favourite receives documents by email: the API refuses one without an email.
            "favorite": favorite & has_email,
            "created_on": s["since"][owner] + rank * 30,
        })

    def _mandates(self, rng: np.random.Generator, clients: pd.DataFrame, s: dict[str, np.ndarray]) -> pd.DataFrame:
        sepa = np.flatnonzero(s["method"] == 1)
        # A few direct-debit clients signed a first mandate that was later revoked.
        twice = rng.random(len(sepa)) < 0.05
        owner = np.concatenate([sepa, sepa[twice]])
        seq = np.concatenate([np.where(twice, 2, 1), np.ones(int(twice.sum()), dtype=np.int64)])
        active = np.concatenate([np.ones(len(sepa), dtype=bool), np.zeros(int(twice.sum()), dtype=bool)])
        order = np.lexsort((seq, owner))
        owner, seq, active = owner[order], seq[order], active[order]
        m = len(owner)
        signed = s["from"][owner] - rng.integers(5, 60, size=m)
        signed = np.where(seq == 2, np.minimum(s["from"][owner] + rng.integers(60, 400, size=m),
                                               self.today - 20), signed)
        revoked = np.where(active, -1, signed + rng.integers(60, 300, size=m))
        revoked = np.minimum(revoked, self.today - 30)
        # The first mandate of a twice-signed client ended when the second was signed.
        nxt = np.r_[signed[1:], 0]
        revoked = np.where(active, -1, np.where(np.r_[owner[1:] == owner[:-1], False], nxt - 1, revoked))
        ids = np.arange(self.ids.mandate, self.ids.mandate + m, dtype=np.int64)
        self.ids.mandate += m
        b2b = (s["kind"][owner] == 0) & (rng.random(m) < 0.2)
        return pd.DataFrame({
            "id": ids, "client_id": s["id"][owner], "seq": seq,
            "signed_on": signed, "scheme": np.where(b2b, "B2B", "CORE"),
            "iban": s["iban"][owner], "bic": s["bic"][owner],
            "status": np.where(active, "active", "revoked"),
            "sequence": "FRST", "last_collected_on": -1, "revoked_on": revoked,
        })

    def _documents(self, rng: np.random.Generator, clients: pd.DataFrame, s: dict[str, np.ndarray]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        n = len(s["id"])
        window = max(self.today - self.start, 1)
        frac = (s["until"] - s["from"]).clip(0) / window
        activity = rng.gamma(2.0, 0.5, size=n)
        n_inv = rng.poisson(7.0 * activity * frac)
        n_quote = rng.poisson(3.6 * activity * frac)
        kind = s["kind"]
        scale = np.select([kind == 0, kind == 1], [np.log(120_000), np.log(12_000)], np.log(250_000))
        scale = scale + rng.normal(0, 0.8, size=n)
        vat = rng.choice(3, size=n, p=[0.85, 0.10, 0.05])

        def draw(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            owner = np.repeat(np.arange(n), counts)
            span = (s["until"] - s["from"]).clip(1)[owner]
            issue = s["from"][owner] + (rng.random(len(owner)) * span).astype(np.int64)
            cents = np.maximum(np.exp(scale[owner] + rng.normal(0, 0.5, len(owner))), 1_000)
            return owner, issue, np.round(cents).astype(np.int64)

        i_owner, i_issue, i_excl = draw(n_inv)
        q_owner, q_issue, q_excl = draw(n_quote)
        # Credit notes: 6 % of invoices, wholly (40 %) or partly cancelled a few weeks later.
        credited = np.flatnonzero(rng.random(len(i_owner)) < 0.06)
        c_issue = i_issue[credited] + rng.integers(3, 60, size=len(credited))
        keep = c_issue <= s["until"][i_owner[credited]]
        credited, c_issue = credited[keep], c_issue[keep]
        full = rng.random(len(credited)) < 0.4
        share = rng.uniform(0.1, 0.5, size=len(credited))
        c_excl = np.where(full, i_excl[credited], np.round(i_excl[credited] * share).astype(np.int64))
        c_owner = i_owner[credited]

        ni, nq, nc = len(i_owner), len(q_owner), len(credited)
        owner = np.concatenate([i_owner, q_owner, c_owner])
        issue = np.concatenate([i_issue, q_issue, c_issue])
        excl = np.concatenate([i_excl, q_excl, c_excl])
        dkind = np.concatenate([np.zeros(ni, np.int64), np.ones(nq, np.int64), np.full(nc, 2)])
        rate = VAT_BP[vat[owner]]
        tax = (excl * rate + 5_000) // 10_000  # round half up, in cents
        # Ids follow client then date, so one client's documents sit together on disk.
        order = np.lexsort((dkind, issue, owner))
        new_id = np.empty(len(owner), dtype=np.int64)
        new_id[order] = np.arange(self.ids.document, self.ids.document + len(owner))
        self.ids.document += len(owner)
        cancels = np.full(len(owner), -1, dtype=np.int64)
        cancels[ni + nq:] = new_id[credited]
        due = np.where(dkind == 0, due_dates(issue, s["terms"][owner]), -1)
        age = self.today - issue
        # Quotes younger than a month await an answer; a few older ones never got one.
        quote_status = np.where(
            age < 30, "issued",
            np.array(["accepted", "refused", "issued"], dtype=object)[
                rng.choice(3, size=len(owner), p=[0.58, 0.30, 0.12])])
        status = np.where(dkind == 1, quote_status, "issued")
        docs = pd.DataFrame({
            "id": new_id, "client_id": s["id"][owner], "kind": np.array(
                ["invoice", "quote", "credit_note"], dtype=object)[dkind],
            "issue_date": issue, "due_date": due, "excl": excl, "tax": tax,
            "status": status, "cancels_id": cancels, "in_dispute": False,
            "minute": rng.integers(8 * 60, 18 * 60, size=len(owner)),
        }).iloc[order].reset_index(drop=True)
        # What payments need about invoices (in the invoice draw order).
        inv = {
            "owner": i_owner, "id": new_id[:ni], "issue": i_issue, "due": due[:ni],
            "incl": i_excl + tax[:ni], "credit": np.zeros(ni, np.int64),
            "credit_on": np.full(ni, -1, np.int64),
        }
        inv["credit"][credited] = c_excl + tax[ni + nq:]
        inv["credit_on"][credited] = c_issue
        return docs, inv

    def _payments(self, rng: np.random.Generator, clients: pd.DataFrame, s: dict[str, np.ndarray], docs: pd.DataFrame, inv: dict[str, np.ndarray]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        n = len(s["id"])
        owner = inv["owner"]
        m = len(owner)
        sepa = s["method"][owner] == 1
        # Payer profile per client: punctual, a bit late, very late, bad payer.
        profile = rng.choice(4, size=n, p=[0.60, 0.25, 0.10, 0.05])[owner]
        low = np.array([-5, 1, 30, 45])[profile]
        high = np.array([4, 30, 120, 240])[profile]
        delay = np.where(sepa, 0, low + (rng.random(m) * (high - low)).astype(np.int64))
        never = rng.random(m) < np.where(sepa, 0.01, np.array([0.01, 0.03, 0.08, 0.35])[profile])
        # Archived clients settled everything by today (quality() would flag what they owe).
        gone = s["archived"][owner]
        never &= ~gone
        due = inv["due"]
        remaining = inv["incl"] - inv["credit"]
        last_day = np.maximum(due + delay, inv["issue"])
        last_day = np.where(gone, np.minimum(last_day, self.today), last_day)
        partial = (~sepa) & (rng.random(m) < 0.07) & (remaining > 2_000)
        first_amount = np.where(partial, np.round(remaining * rng.uniform(0.3, 0.7, m)).astype(np.int64), remaining)
        first_day = np.where(partial, np.minimum(np.maximum(inv["issue"], due + delay // 2 - 10),
                                                 last_day), last_day)
        second = partial & ((rng.random(m) < 0.6) | gone)
        pay1 = (remaining > 0) & ~never & (first_day <= self.today)
        pay2 = pay1 & second & (last_day <= self.today)
        rows = np.concatenate([np.flatnonzero(pay1), np.flatnonzero(pay2)])
        amount = np.concatenate([first_amount[pay1], (remaining - first_amount)[pay2]])
        paid_on = np.concatenate([first_day[pay1], last_day[pay2]])
        named = rng.random(len(rows)) < 0.92
        invoice_id = np.where(named, inv["id"][rows], -1)
        p_owner = owner[rows]
        # Payments on account: a few clients paid something no invoice asks for (yet).
        advance = np.flatnonzero(rng.random(n) < 0.015)
        a_day = s["from"][advance] + (rng.random(len(advance)) * (s["until"] - s["from"]).clip(1)[advance]).astype(np.int64)
        p_owner = np.concatenate([p_owner, advance])
        amount = np.concatenate([amount, rng.integers(50, 500, size=len(advance)) * 100])
        paid_on = np.concatenate([paid_on, np.minimum(a_day, self.today)])
        invoice_id = np.concatenate([invoice_id, np.full(len(advance), -1)])
        order = np.lexsort((paid_on, p_owner))
        p_owner, amount, paid_on, invoice_id = p_owner[order], amount[order], paid_on[order], invoice_id[order]
        k = len(p_owner)
        ids = np.arange(self.ids.payment, self.ids.payment + k, dtype=np.int64)
        self.ids.payment += k
        method = s["method"][p_owner]
        # What the reminders need: what was paid by when, per invoice.
        paid = {"first_day": np.where(pay1, first_day, -1), "first_amount": np.where(pay1, first_amount, 0),
                "settled": np.where(pay1 & (~partial | pay2), np.where(partial, last_day, first_day), -1),
                "remaining": remaining}
        return pd.DataFrame({
            "id": ids, "client_id": s["id"][p_owner], "paid_on": paid_on, "cents": amount,
            "method": METHODS[method], "ref_kind": method,
            "ref_num": rng.integers(0, 10_000_000, size=k), "invoice_id": invoice_id,
        }), paid

    def _mandate_collections(self, mandates: pd.DataFrame, payments: pd.DataFrame) -> None:
        sepa = payments[payments["ref_kind"] == 1]
        last = sepa.groupby("client_id")["paid_on"].max()
        active = mandates["status"] == "active"
        collected = mandates["client_id"].map(last)
        collected = collected.where(active & collected.notna()
                                    & (collected >= mandates["signed_on"]), -1).astype(np.int64)
        mandates["last_collected_on"] = collected
        mandates["sequence"] = np.where(collected >= 0, "RCUR", "FRST")

    def _reminders(self, rng: np.random.Generator, clients: pd.DataFrame, s: dict[str, np.ndarray], docs: pd.DataFrame, inv: dict[str, np.ndarray], paid: dict[str, np.ndarray]) -> pd.DataFrame:
        owner = inv["owner"]
        chased = (s["method"][owner] != 1) & (paid["remaining"] > 0)
        settled = np.where(paid["settled"] >= 0, paid["settled"], self.today + 1)
        parts = []
        for number, days in enumerate(REMINDER_DAYS, start=1):
            on = inv["due"] + days
            hit = np.flatnonzero(chased & (on < settled) & (on <= self.today))
            owed = (inv["incl"][hit]
                    - np.where((inv["credit_on"][hit] >= 0) & (inv["credit_on"][hit] <= on[hit]), inv["credit"][hit], 0)
                    - np.where((paid["first_day"][hit] >= 0) & (paid["first_day"][hit] <= on[hit]), paid["first_amount"][hit], 0))
            keep = owed > 0
            parts.append((hit[keep], np.full(int(keep.sum()), number), on[hit][keep], owed[keep]))
        rows = np.concatenate([p[0] for p in parts])
        level = np.concatenate([p[1] for p in parts])
        sent = np.concatenate([p[2] for p in parts])
        owed = np.concatenate([p[3] for p in parts])
        order = np.lexsort((level, sent, owner[rows]))
        rows, level, sent, owed = rows[order], level[order], sent[order], owed[order]
        k = len(rows)
        channel = np.where(level == 3, np.where(rng.random(k) < 0.6, "letter", "email"),
                           np.where(rng.random(k) < 0.9, "email", "phone"))
        ids = np.arange(self.ids.reminder, self.ids.reminder + k, dtype=np.int64)
        self.ids.reminder += k
        return pd.DataFrame({
            "id": ids, "client_id": s["id"][owner[rows]], "document_id": inv["id"][rows],
            "level": level, "sent_on": sent, "channel": channel, "cents": owed,
            "actor": s["owner"][owner[rows]],
        })

    def _tasks(self, rng: np.random.Generator, clients: pd.DataFrame, s: dict[str, np.ndarray]) -> pd.DataFrame:
        n = len(s["id"])
        count = rng.poisson(0.6, size=n) * (~s["archived"])
        owner = np.repeat(np.arange(n), count)
        m = len(owner)
        due = self.today + rng.integers(-120, 60, size=m)
        done = (due < self.today) & (rng.random(m) < 0.8)
        ids = np.arange(self.ids.task, self.ids.task + m, dtype=np.int64)
        self.ids.task += m
        return pd.DataFrame({
            "id": ids, "client_id": s["id"][owner],
            "title": np.array(TASK_TITLES, dtype=object)[rng.integers(len(TASK_TITLES), size=m)],
            "due_on": np.where(rng.random(m) < 0.9, due, -1), "assignee": s["owner"][owner],
            "done": done, "created_on": due - rng.integers(7, 45, size=m),
        })


# -- SQL that turns a chunk's numbers into rows ------------------------------------------
def _day(col: str) -> str:
    return f"CASE WHEN {col} >= 0 THEN DATE '1970-01-01' + CAST({col} AS INTEGER) END"


def _stamp(col: str, minutes: str = "540") -> str:
    # Interpreted as UTC whatever the session's time zone: the same seed gives the same rows.
    return (f"timezone('UTC', (DATE '1970-01-01' + CAST({col} AS INTEGER))::TIMESTAMP"
            f" + to_minutes(CAST({minutes} AS BIGINT)))")


def _money(cents: str) -> str:
    return f"CAST(({cents}) * 0.01::DECIMAL(3,2) AS DECIMAL(18,2))"


def _phone(col: str) -> str:
    return f"CASE WHEN {col} >= 0 THEN '+33' || {col}::VARCHAR END"


# Zero-padded codes use printf, never lpad: lpad cuts longer text (C1000000 → C100000).
INSERTS: dict[str, str] = {
    "clients": f"""
        INSERT INTO clients (id, code, kind, name, first_name, last_name, siren, siret,
            vat_number, email, phone, website, address_line1, address_line2, postal_code, city,
            country, delivery_address_line1, delivery_postal_code, delivery_city,
            delivery_country, language, currency, accounting_account, payment_terms,
            payment_method, iban, bic, bank_name, tags, owner, comments, status, created_at,
            updated_at, archived_at, version, reminders_paused)
        SELECT id, 'C' || printf('%06d', id), kind, name, first_name, last_name,
            CASE WHEN siren >= 0 THEN printf('%09d', siren) END,
            CASE WHEN siret >= 0 THEN printf('%014d', siret) END,
            CASE WHEN vat_key >= 0 THEN 'FR' || printf('%02d', vat_key)
                                        || printf('%09d', siren) END,
            email, {_phone('phone')}, website, address_line1, address_line2, postal_code, city,
            'FR', delivery_address_line1, delivery_postal_code, delivery_city,
            CASE WHEN delivery_city IS NOT NULL THEN 'FR' END, language, 'EUR',
            $prefix || printf('%06d', id), payment_terms, payment_method, iban, bic,
            bank_name, tags, owner, comments, status, {_stamp('created_on')},
            {_stamp('updated_on', '600')},
            CASE WHEN archived_on >= 0 THEN {_stamp('archived_on', '660')} END, 1, FALSE
        FROM chunk ORDER BY id""",
    "contacts": f"""
        INSERT INTO contacts (id, client_id, first_name, last_name, role, email, phone,
            favorite, created_at, updated_at, version)
        SELECT id, client_id, first_name, last_name, role, email, {_phone('phone')}, favorite,
            {_stamp('created_on')}, {_stamp('created_on')}, 1
        FROM chunk ORDER BY id""",
    "sepa_mandates": f"""
        INSERT INTO sepa_mandates (id, client_id, rum, signed_on, scheme, iban, bic, status,
            sequence, last_collected_on, amended_on, revoked_on, created_at, updated_at, version)
        SELECT id, client_id, 'RUM-C' || printf('%06d', client_id) || '-'
                || printf('%06d', id),
            {_day('signed_on')}, scheme, iban, bic, status, sequence,
            {_day('last_collected_on')}, NULL, {_day('revoked_on')},
            {_stamp('signed_on')}, {_stamp('greatest(signed_on, revoked_on)')}, 1
        FROM chunk ORDER BY id""",
    "payments": f"""
        INSERT INTO payments (id, client_id, paid_on, amount, method, reference, invoice_id,
            created_at)
        SELECT id, client_id, {_day('paid_on')}, {_money('cents')}, method,
            CASE ref_kind
                WHEN 0 THEN 'VIR ' || printf('%07d', ref_num)
                WHEN 1 THEN 'PRLV SEPA C' || printf('%06d', client_id)
                WHEN 2 THEN 'CB ' || printf('%06d', (ref_num % 1000000))
                WHEN 3 THEN 'CHQ ' || printf('%07d', ref_num)
                ELSE NULL END,
            CASE WHEN invoice_id >= 0 THEN invoice_id END, {_stamp('paid_on', '720')}
        FROM chunk ORDER BY id""",
    "reminders": f"""
        INSERT INTO reminders (id, client_id, document_id, level, sent_on, channel, recipient,
            outcome, note, amount_due, message_id, actor, created_at)
        SELECT r.id, r.client_id, r.document_id, r.level, {_day('r.sent_on')}, r.channel,
            CASE WHEN r.channel = 'email' THEN coalesce(f.email, c.email) END,
            CASE WHEN r.channel = 'phone' THEN 'promised_payment' ELSE 'sent' END,
            CASE WHEN r.channel = 'phone' THEN 'Appel : paiement promis sous huitaine' END,
            {_money('r.cents')}, NULL, r.actor, {_stamp('r.sent_on', '480')}
        FROM chunk r
        JOIN clients c ON c.id = r.client_id
        LEFT JOIN (SELECT client_id, min(email) AS email FROM contacts
                   WHERE favorite AND email IS NOT NULL
                     AND client_id BETWEEN $lo AND $hi GROUP BY client_id) f
               ON f.client_id = r.client_id
        WHERE c.id BETWEEN $lo AND $hi
        ORDER BY r.id""",
    "tasks": f"""
        INSERT INTO tasks (id, client_id, title, due_on, assignee, done, done_at, created_at)
        SELECT id, client_id, title, {_day('due_on')}, assignee, done,
            CASE WHEN done THEN {_stamp('due_on', '900')} END, {_stamp('created_on')}
        FROM chunk ORDER BY id""",
}

DOCUMENTS_FROM_STAGING = f"""
    INSERT INTO documents (id, client_id, kind, number, issue_date, due_date, total_excl_tax,
        tax, total_incl_tax, status, cancels_id, in_dispute, created_at)
    SELECT id, client_id, kind,
        CASE kind WHEN 'invoice' THEN 'F' WHEN 'quote' THEN 'D' ELSE 'A' END || '-'
            || year(DATE '1970-01-01' + CAST(issue_date AS INTEGER)) || '-'
            || printf('%05d', row_number() OVER (
                   PARTITION BY kind, year(DATE '1970-01-01' + CAST(issue_date AS INTEGER))
                   ORDER BY issue_date, id)),
        {_day('issue_date')}, {_day('due_date')}, {_money('excl')}, {_money('tax')},
        {_money('excl + tax')}, status, CASE WHEN cancels_id >= 0 THEN cancels_id END,
        in_dispute, {_stamp('issue_date', 'minute')}
    FROM read_parquet($files) ORDER BY id
"""


def _insert(conn: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame,
            params: dict[str, Any] | None = None) -> None:
    conn.register("chunk", frame)
    try:
        sql = INSERTS[table]
        conn.execute(sql, {k: v for k, v in (params or {}).items() if f"${k}" in sql})
    finally:
        conn.unregister("chunk")


def _company_settings(seed: int) -> dict[str, Any]:
    """The demo company's identity: a valid IBAN, its bank's BIC, a French creditor id and a
    SIREN."""
    from schwifty import IBAN
    from stdnum import luhn
    from stdnum.eu import at_02

    rng = np.random.default_rng([seed, 999_999])
    account = int(rng.integers(10**9, 10**10))
    iban = str(french_ibans(np.array([30004]), np.array([int(rng.integers(1, 99_999))]),
                            np.array([account]))[0])
    national = f"{int(rng.integers(0, 10**6)):06d}"
    ics = "FR" + at_02.calc_check_digits(f"FR00ZZZ{national}") + "ZZZ" + national
    bic = IBAN(iban).bic
    body = f"{int(rng.integers(10**7, 10**8)):08d}"
    siren = body + luhn.calc_check_digit(body)  # names the FEC (clientops fec export)
    return {"company_name": "Atelier Clientops Démo SAS", "company_iban": iban,
            "company_bic": str(bic.compact) if bic else None, "sepa_creditor_id": ics,
            "company_siren": siren}


TABLES = ["clients", "contacts", "sepa_mandates", "documents", "payments", "reminders", "tasks"]


def build_demo(
    path_or_book: str | Path | Book,
    clients: int = 300,
    seed: int = 0,
    progress: bool = True,
    today: date | None = None,
) -> DemoSummary:
    """Fill an empty book with a demo portfolio of ``clients`` clients; all or nothing.

    ``today`` anchors every date (default: today's date); with the same ``seed`` and
    ``today`` the book is identical. Refuses a book that already has clients.
    """
    if clients < 1:
        raise ClientOpsError("A demo needs at least one client.")
    started = time.perf_counter()
    if isinstance(path_or_book, Book):
        book, owned = path_or_book, False
    else:
        from .book import open as open_book

        book, owned = open_book(path_or_book, actor="demo"), True
    try:
        summary = _build(book, clients, seed, progress, today or date.today())
    finally:
        if owned:
            book.close()
    return DemoSummary(summary, time.perf_counter() - started, today or date.today())


def _build(book: Book, n: int, seed: int, progress: bool, today: date) -> dict[str, int]:
    from tqdm.auto import tqdm

    start_month = int(book.settings.fiscal_year_start_month)
    prefix = str(book.settings.accounting_prefix)
    fy_year = today.year if today.month >= start_month else today.year - 1
    window_start = date(fy_year - 2, start_month, 1)
    gen = _Generator(seed, today, window_start, prefix)
    bar = tqdm(total=n, unit="clients", desc="demo", disable=not progress, leave=False)
    # Staging beside the book's file (same disk); a server book (team mode) stages in /tmp.
    staging_dir = book.path.parent if isinstance(book.path, Path) else None
    with book.store.connection() as conn, _memory_limit(conn, BUILD_MEMORY_LIMIT), \
            tempfile.TemporaryDirectory(prefix="clientops-demo-", dir=staging_dir) as tmp, \
            book.store.transaction() as conn:
        conn.execute("SET enable_progress_bar = false")  # ours is enough
        existing = conn.execute("SELECT count(*) FROM clients").fetchone()
        if existing and existing[0]:
            raise ClientOpsError(
                f"The book {book.path} already holds {existing[0]} clients; the demo only fills "
                "an empty book (use clientops demo --force to start again from scratch)."
            )
        # The reference index built once at the end: kept up to date row by row it made the
        # demo of 100k clients 2-3 s slower (12.9 -> 14.3-15.9 s). A file book only: the index
        # of a server book is the server's.
        rebuild_reference_index = isinstance(book.path, Path)
        if rebuild_reference_index:
            conn.execute("DROP INDEX IF EXISTS payments_reference_idx")
        files = []
        for index, first in enumerate(range(1, n + 1, CHUNK)):
            size = min(CHUNK, n - first + 1)
            tables = gen.chunk(index, first, size)
            for table in ("clients", "contacts", "sepa_mandates", "payments", "tasks"):
                _insert(conn, table, tables[table], {"prefix": prefix})
            _insert(conn, "reminders", tables["reminders"], {"lo": first, "hi": first + size - 1})
            staged = str(Path(tmp) / f"documents-{index:05d}.parquet")
            tables["documents"].to_parquet(staged, index=False)
            files.append(staged)
            bar.update(size)
        if rebuild_reference_index:
            conn.execute(PAYMENTS_REFERENCE)
        bar.set_description("demo: numbering documents")
        conn.execute(DOCUMENTS_FROM_STAGING, {"files": files})
        bar.set_description("demo: open balances")
        _open_balances(conn)
        _set_counters(conn, book, gen, n)
        book.settings.update(**_company_settings(seed))
        bar.set_description("demo: portfolio sums")
        _portfolio_sums(conn, book, today)
        counts = {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                  for t in TABLES}
    bar.close()
    with book.store.connection() as conn:
        conn.execute("CHECKPOINT")
    return counts


@contextmanager
def _memory_limit(conn: duckdb.DuckDBPyConnection, limit: str | None) -> Iterator[None]:
    """Cap DuckDB's memory for the build (it spills to disk beyond), then restore the limit."""
    if not limit:
        yield
        return
    row = conn.execute("SELECT current_setting('memory_limit')").fetchone()
    conn.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        if row and row[0]:
            conn.execute(f"SET memory_limit = '{row[0]}'")


def _open_balances(conn: duckdb.DuckDBPyConnection) -> None:
    try:
        from .allocation import recompute_open_balances
    except ImportError:  # the allocation module is not there: every invoice counts as open
        conn.execute("UPDATE documents SET open_amount = total_incl_tax WHERE kind = 'invoice'")
        return
    recompute_open_balances(conn, None)


def _portfolio_sums(conn: duckdb.DuckDBPyConnection, book: Book, today: date) -> None:
    """Keep the portfolio's sums as of the demo's today (the portfolio then only reads them)."""
    from .indicators import resolve_period, sums_params, write_portfolio_sums

    day, fy = resolve_period(book, None, today)
    write_portfolio_sums(conn, sums_params(day, fy))


def _set_counters(conn: duckdb.DuckDBPyConnection, book: Book, gen: _Generator, n: int) -> None:
    values = {"client": n, "contact": gen.ids.contact - 1, "mandate": gen.ids.mandate - 1,
              "document": gen.ids.document - 1, "payment": gen.ids.payment - 1,
              "reminder": gen.ids.reminder - 1, "task": gen.ids.task - 1}
    for name, number in conn.execute(
        "SELECT 'number:' || kind || ':' || year(issue_date), count(*) FROM documents"
        " GROUP BY ALL"
    ).fetchall():
        values[str(name)] = int(number)
    conn.execute("DELETE FROM counters WHERE name IN (SELECT unnest($names))",
                 {"names": list(values)})
    conn.executemany("INSERT INTO counters VALUES (?, ?)", [[k, v] for k, v in values.items()])
