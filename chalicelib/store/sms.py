"""The SMS port's adapter (``identity.sms.SmsSender``): Amazon SNS, ``Publish(PhoneNumber=...)`` (SPEC §8).

The local stack sets ``PRINT_SMS_TO_CONSOLE=1`` so the developer sees the code
on the console; that line is the only place a code and a full number are ever
printed, and it never reaches the structured logs.
"""

from __future__ import annotations

import sys

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.config import Settings
from chalicelib.identity.sms import SmsNotSent, SmsSender


class SnsSmsSender:
    """SMS through Amazon SNS (transactional, with the configured sender id)."""

    def __init__(self, sender_id: str, echo_to_console: bool = False) -> None:
        self.sender_id = sender_id
        self.echo_to_console = echo_to_console

    def send(self, phone_e164: str, text: str) -> None:
        """Publish the message directly to the number."""
        try:
            client("sns").publish(
                PhoneNumber=phone_e164,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": self.sender_id},
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise SmsNotSent(type(exc).__name__) from exc
        if self.echo_to_console:
            print(f"SMS to {phone_e164}: {text}", file=sys.stderr, flush=True)


def sms_sender_from_settings(config: Settings) -> SmsSender:
    """The SMS sender the configuration asks for."""
    return SnsSmsSender(config.sms_sender_id, echo_to_console=config.print_sms_to_console)
