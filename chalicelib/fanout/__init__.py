"""Bringing members' chat lists up to date behind a send (SPEC §10: a send costs the same at any size)."""
