"""Children's safety and personal data (SPEC §4, §6, §11): departures, the school stepping in,
reports, the audit log, export and erasure, guardian consent.

Pure rules live here; their DynamoDB adapters are in ``chalicelib/store/safety.py``.
"""
