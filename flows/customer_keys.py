"""customer_key: one customer linked across channels without storing who they are.

It is a keyed hash (HMAC-SHA256) of the customer's normalised e-mail, phone or handle; the
key comes from the environment variable ``privacy.customer_key_secret_env`` names.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata

from flows.config import ConfigError, VocConfig

# An HMAC key shorter than this can be brute-forced from the keys it made.
MIN_SECRET_BYTES = 32


class MissingSecret(ConfigError):
    """The customer_key secret is not set."""


class WeakSecret(ConfigError):
    """The customer_key secret is too short to keep identities hidden."""


def customer_key_secret(config: VocConfig) -> bytes:
    """The secret keying customer_key, from the environment variable the config names.

    Raises:
        MissingSecret: the variable is unset, with how to set it.
    """
    env = config.privacy.customer_key_secret_env
    value = os.environ.get(env, "").strip()
    if not value:
        raise MissingSecret(
            f"{env} is not set. customer_key links one customer across channels without "
            f"storing who they are; it is a keyed hash, and {env} is the key. Generate one "
            f"once and keep it (the same value on every machine, or keys will not match):\n"
            f"  export {env}=$(python -c 'import secrets; print(secrets.token_hex(32))')\n"
            f"(the variable's name is privacy.customer_key_secret_env in the config)"
        )
    secret = value.encode()
    if len(secret) < MIN_SECRET_BYTES:
        raise WeakSecret(
            f"{env} is {len(secret)} bytes; customer_key needs a secret of at least "
            f"{MIN_SECRET_BYTES} bytes (a short one can be recovered from the keys in seconds, "
            f"and with it every customer's identity tested against them). Generate one:\n"
            f"  export {env}=$(python -c 'import secrets; print(secrets.token_hex(32))')\n"
            "Changing the secret gives every customer a new customer_key.")
    return secret


def normalise_identity(identity: str) -> str:
    """An e-mail, phone or handle in one canonical form, so each customer has one key.

    E-mails and handles are lower-cased (a handle loses its ``@``); a phone keeps only its
    digits (any script: Persian and Arabic-Indic digits become ASCII) and a leading ``+``.
    """
    ident = unicodedata.normalize("NFKC", identity).strip().lower()
    if not ident:
        return ""
    if "@" in ident[1:]:
        return ident  # e-mail
    digits = [c for c in ident if c.isdigit()]
    if len(digits) >= 6 and len(digits) >= len(ident.replace(" ", "")) // 2:
        plus = "+" if ident.startswith(("+", "00")) else ""
        ascii_digits = "".join(str(unicodedata.digit(c)) for c in digits)
        return plus + (ascii_digits[2:] if ident.startswith("00") else ascii_digits)
    return ident.lstrip("@")


def customer_key(identity: str, secret: bytes) -> str | None:
    """Keyed hash of a normalised e-mail, phone or handle; None when there is none."""
    ident = normalise_identity(identity)
    if not ident:
        return None
    return hmac.new(secret, ident.encode("utf-8"), hashlib.sha256).hexdigest()[:24]
