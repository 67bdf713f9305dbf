"""Security headers on every response: a content security policy, frame denial, no MIME
sniffing, HSTS behind TLS, and no caching of anything that depends on who asked."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, g, request

# The site loads scripts, styles and images from itself only. Inline styles are allowed
# (the pages and Swagger UI use them); inline scripts are not, so injected markup cannot run.
POLICY = (
    "default-src 'self'; script-src 'self'{extra}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# Pages whose one inline script is our own template with nothing from the request in it:
# the script is allowed by its hash, computed from what was rendered.
HASHED_INLINE_SCRIPTS = frozenset({"api_docs"})
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)

HSTS = "max-age=31536000; includeSubDomains"


def _policy(response: Response) -> str:
    if request.endpoint not in HASHED_INLINE_SCRIPTS or response.direct_passthrough:
        return POLICY.format(extra="")
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(response.get_data())
    ]
    return POLICY.format(extra="".join(" " + h for h in hashes))


def init_app(app: Flask) -> None:
    behind_tls = app.config["REGCAT"].base_url.startswith("https://")

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", _policy(response))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if behind_tls or request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        if g.get("private"):
            # An answer for one account must not be kept by a shared cache or the browser.
            response.cache_control.no_store = True
            response.cache_control.private = True
            response.cache_control.public = False
            response.cache_control.max_age = None
            response.vary.add("Cookie")
            response.vary.add("Authorization")
        if response.status_code == 401 and request.path.startswith("/api/"):
            headers.setdefault("WWW-Authenticate", 'Bearer realm="regcat"')
        return response
