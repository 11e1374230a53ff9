"""Task callbacks: the vendor's signature scheme, Standard Webhooks, and delivery.

``signing`` is pure (no I/O) and safe to import from a client library;
``delivery`` sends through the SSRF guard in ``mvgen.ingest.netguard``.
"""

from __future__ import annotations

from mvgen.webhooks.delivery import CallbackDispatcher, DeliveryOutcome
from mvgen.webhooks.signing import (
    signing_string,
    standard_webhook_headers,
    standard_webhook_secret,
    vendor_signature_headers,
    verify_standard_webhook,
    verify_vendor_signature,
)

__all__ = [
    "CallbackDispatcher",
    "DeliveryOutcome",
    "signing_string",
    "standard_webhook_headers",
    "standard_webhook_secret",
    "vendor_signature_headers",
    "verify_standard_webhook",
    "verify_vendor_signature",
]
