"""The demo's numbers: one chunk of clients at a time, drawn with numpy, and the vectorised
French identifiers (SIREN/SIRET Luhn keys, RIB keys and IBANs) and due dates they need.

A chunk's random stream depends only on ``(seed, chunk number)`` and every date on ``today``,
so the same seed and the same ``today`` give the same rows whatever the machine or the day.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from schwifty import IBAN

from .data import (
    ACTIVITIES,
    AREA,
    BANK_CODES,
    BANK_P,
    CITIES,
    COMMENTS,
    COMPANY_MAILBOXES,
    EPOCH,
    FIRST_NAMES,
    KINDS,
    LAST_NAMES,
    LEGAL_FORMS,
    MAIL_PROVIDERS,
    METHOD_P,
    METHODS,
    MOBILE_PREFIXES,
    OWNERS,
    PUBLIC_DOMAINS,
    PUBLIC_NAMES,
    REMINDER_DAYS,
    ROLES,
    STREET_NAMES,
    STREET_TYPES,
    TAGS,
    TASK_TITLES,
    TERMS,
    TERMS_P,
    VAT_BP,
)


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


class Generator:
    """Draws the demo's rows chunk by chunk (:meth:`chunk`); ``ids`` holds the next free id of
    each table once the chunks are drawn."""

    def __init__(self, seed: int, today: date, window_start: date, prefix: str) -> None:
        self.seed = seed
        self.today = (today - EPOCH).days
        self.start = (window_start - EPOCH).days
        self.prefix = prefix
        self.bank_codes, self.bank_bics, self.bank_names = _banks()
        self.cities = np.array([c for _, c in CITIES], dtype=object)
        self.postcodes = np.array([p for p, _ in CITIES], dtype=object)
        self.city_slugs = np.array([_ascii_slug(c) for _, c in CITIES], dtype=object)
        self.area = np.array([AREA[p[:2]] for p, _ in CITIES])
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
