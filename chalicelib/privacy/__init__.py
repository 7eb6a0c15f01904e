"""A person's own data (SPEC §11): export (``GET /v1/me/data``) and erasure (``DELETE /v1/me``)."""
