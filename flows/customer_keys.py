"""customer_key: one customer linked across channels without storing who they are.

It is a keyed hash (HMAC-SHA256) of the customer's normalised e-mail, phone or handle; the
key comes from the environment variable ``privacy.customer_key_secret_env`` names.

Record ids are keyed the same way when they are personal data (:func:`stored_record_id`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata

from flows.config import ConfigError, VocConfig
from nlp.redact import Redactor

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


# Ids the connectors make for records without one ("content-<16 hex>[-n]"): hashes already.
_CONTENT_ID_PREFIX = "content-"
PSEUDONYM_PREFIX = "pid-"


def record_id_looks_personal(record_id: str, redactor: Redactor) -> bool:
    """The rule for a source's record id: it is personal data when it holds an ``@`` (an
    e-mail or a handle), or anything the redactor replaces in text (a phone number, an
    e-mail, a handle, a card, an IBAN, an IP address, a URL, or an order or account number
    of ``privacy.id_patterns``). Ids the connectors make from a record's content are not.

    Example:
        >>> r = Redactor()
        >>> [record_id_looks_personal(i, r) for i in ("R-10001", "maria@example.com",
        ...                                            "+49 151 23456789", "@maria_k")]
        [False, True, True, True]
    """
    if not record_id or record_id.startswith(_CONTENT_ID_PREFIX):
        return False
    return "@" in record_id or redactor.finds_personal_data(record_id)


def record_id_key(record_id: str, secret: bytes) -> str:
    """``pid-<24 hex>``: a keyed hash of a record id, stable across runs for one secret, and
    apart from customer keys (the same e-mail as a record id and as a customer gives two
    unrelated keys)."""
    digest = hmac.new(secret, b"record_id\x1f" + record_id.encode("utf-8"), hashlib.sha256)
    return PSEUDONYM_PREFIX + digest.hexdigest()[:24]


def stored_record_id(record_id: str, redactor: Redactor, secret: bytes) -> str:
    """A record id as the warehouse stores it: pseudonymised (:func:`record_id_key`) when
    it looks personal (:func:`record_id_looks_personal`), else as the source wrote it."""
    if record_id_looks_personal(record_id, redactor):
        return record_id_key(record_id, secret)
    return record_id
