"""Keep capabilities out of the access log: a signed URL's ``sig`` is as good as
the file for its lifetime, so uvicorn's access lines show ``sig=<redacted>``.
(API keys travel in a header, which no log line prints.)"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = re.compile(r"([?&](?:sig|signature|token|key|secret)=)[^&\s]*", re.IGNORECASE)


def redact_query(text: str) -> str:
    return SECRET_PARAMS.sub(r"\1<redacted>", text)


class RedactFilter(logging.Filter):
    """Rewrites the request path of uvicorn's access records (their 3rd argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_query(args[2]), *args[3:])
        return True


def install() -> None:
    from mvgen.webhooks.sender import redact_http_logs

    redact_http_logs()  # callback and download URLs in httpx's request lines
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactFilter) for f in access.filters):
        access.addFilter(RedactFilter())
