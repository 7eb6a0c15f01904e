"""Attachments (SPEC §10): photos and documents uploaded to S3, checked by content, fetched by members."""
