"""Presentation only: tables, charts and report writers. No analysis here."""
