"""Deployed secrets from SSM Parameter Store (SecureString), read once per cold start.

In AWS the signing secrets are not plain Lambda environment variables (which
anyone with ``lambda:GetFunctionConfiguration`` reads): the environment names
SSM parameters instead, ``<NAME>_PARAMETER=/school-chats/<stage>/<name>``, and
:func:`with_parameter_store_secrets` fetches them (decrypted) when the
settings are first built (``config.settings`` caches them for the process).
The local stack and the tests set the secrets directly and fetch nothing.
The SSM client is this adapter's own (``aws.client`` reads the settings this builds).
"""

from __future__ import annotations

from collections.abc import Mapping

import boto3

from chalicelib.config import ConfigurationError

# The secrets that may come from Parameter Store: the variable <NAME>_PARAMETER names NAME's parameter.
SECRET_VARIABLES = (
    "JOURNAL_JWT_SECRET",
    "JOURNAL_JWT_PREVIOUS_SECRET",
    "OPERATOR_JWT_SECRET",
    "THROTTLE_PEPPER",
)
PARAMETER_SUFFIX = "_PARAMETER"


def with_parameter_store_secrets(env: Mapping[str, str]) -> Mapping[str, str]:
    """``env`` with every secret named by a ``*_PARAMETER`` variable read from Parameter Store.

    One ``GetParameters`` call for all of them. A named parameter that does not
    exist stops the service at start (a secret silently missing would refuse
    every token, or worse, fall back to another); a variable set directly and
    by parameter at once is refused as ambiguous.
    """
    wanted = {
        name: env[name + PARAMETER_SUFFIX] for name in SECRET_VARIABLES if env.get(name + PARAMETER_SUFFIX)
    }
    if not wanted:
        return env
    both = sorted(name for name in wanted if env.get(name))
    if both:
        raise ConfigurationError(f"{', '.join(both)}: set either the secret or its _PARAMETER, not both.")
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    ssm = boto3.session.Session().client("ssm", region_name=region)
    answer = ssm.get_parameters(Names=sorted(set(wanted.values())), WithDecryption=True)
    if answer.get("InvalidParameters"):
        missing = ", ".join(sorted(answer["InvalidParameters"]))
        raise ConfigurationError(f"SSM parameters not found: {missing}.")
    values = {p["Name"]: p["Value"] for p in answer["Parameters"]}
    resolved = dict(env)
    for name, parameter in wanted.items():
        resolved[name] = values[parameter]
    return resolved
