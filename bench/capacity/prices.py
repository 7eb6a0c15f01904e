"""AWS list prices used by the cost table (USD, us-east-1, on-demand, no free tier, read 2026-11-29).

Sources are in ``ASSUMPTIONS.md``. They change: the date above is when they
were read, and the README's table says which prices it used.
"""

from __future__ import annotations

REGION = "us-east-1"
READ_ON = "2026-11-29"

DYNAMODB_PER_MILLION_WRITE_UNITS = 0.625
DYNAMODB_PER_MILLION_READ_UNITS = 0.125
DYNAMODB_PER_GB_MONTH = 0.25
LAMBDA_PER_GB_S = 0.0000166667
LAMBDA_PER_MILLION_REQUESTS = 0.20
S3_PER_THOUSAND_PUT = 0.005
S3_PER_THOUSAND_GET = 0.0004
SQS_PER_MILLION_REQUESTS = 0.40
API_GATEWAY_REST_PER_MILLION = 3.50
API_GATEWAY_HTTP_PER_MILLION = 1.00
WEBSOCKET_PER_MILLION_MESSAGES = 1.00
WEBSOCKET_PER_MILLION_CONNECTION_MINUTES = 0.25
CHIME_PER_ATTENDEE_MINUTE = 0.0017
SMS_PER_MESSAGE_RU = 0.35
"""Not read from AWS's page here: AWS End User Messaging SMS lists a price per country; set it from there."""
