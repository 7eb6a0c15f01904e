"""A school's own settings (SPEC §10): teacher first, quiet hours, the school's time zone."""
