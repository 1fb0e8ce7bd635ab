"""Write docs/error-codes.md from the ``errors`` catalogues (run after editing a .po).

    .venv/bin/python docs/make_error_codes.py

``tests/test_error_codes.py`` fails when the page and the catalogues disagree.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from clientops import i18n
from clientops.errors import CATALOGUE

PAGE = Path(__file__).parent / "error-codes.md"

INTRO = """# Error codes

Every refusal of clientops carries a stable code (`err.code` on a `ValidationError`, and a
`<column>_code` column beside the text of previews, quality findings and import reports:
`error_code`, `message_code`, `reason_code`). Programs should test the code, never the text:
the text is a translation and may be reworded. `err.message("fr")` and `err.message("en")`
give the text; `err.params` the values it quotes (`{name}` below); `str(err)` is
`"<field>: <English text>"` for logs.

This page is generated from `clientops/locale/{en,fr}/LC_MESSAGES/errors.po` by
`docs/make_error_codes.py`.

| code | English | Français |
|---|---|---|
"""


def texts(language: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{CATALOGUE}.po"
    with path.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id}


def page() -> str:
    english, french = texts("en"), texts("fr")

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    rows = [f"| `{code}` | {cell(english[code])} | {cell(french.get(code, ''))} |"
            for code in sorted(english)]
    return INTRO + "\n".join(rows) + "\n"


if __name__ == "__main__":
    PAGE.write_text(page(), encoding="utf-8")
    print(f"{PAGE}: {len(texts('en'))} codes")
