"""The web app: ``clientops serve`` (one Solara server for every browser session)."""
