"""HTTP caching for public, read-only responses: a strong ETag from the body, Last-Modified
when the caller knows it, and 304 Not Modified for a matching conditional request."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import Response, request

# Released metadata changes only with a release; a few minutes of staleness in shared
# caches is harmless, and revalidation by ETag is cheap after that.
PUBLIC_MAX_AGE = 300


def conditional(
    response: Response, last_modified: datetime | None = None, max_age: int = PUBLIC_MAX_AGE
) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough:  # streamed: no body to hash
        return response
    body = response.get_data()
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    # The language may come from a cookie, and /variables/... also serves RDF by Accept.
    response.vary.update(("Accept", "Cookie"))
    response.make_conditional(request)  # turns it into 304 in place when the client has it
    return response
