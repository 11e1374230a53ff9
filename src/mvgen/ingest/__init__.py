"""Ingest stage: fetch the song and images (URL, data URI, local path), judge them by
their bytes, and enforce the contract's rules with typed ``InputError``s."""

from __future__ import annotations

from mvgen.ingest.core import AudioInput, ImageInput, Inputs, ingest
from mvgen.ingest.netguard import BlockedAddress, check_url, guarded_client
from mvgen.ingest.precheck import precheck_sources

__all__ = [
    "AudioInput",
    "BlockedAddress",
    "ImageInput",
    "Inputs",
    "check_url",
    "guarded_client",
    "ingest",
    "precheck_sources",
]
