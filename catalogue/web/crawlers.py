"""For search engines: /robots.txt and /sitemap.xml (every variable page, in both languages)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Flask, Response, abort

from catalogue.services import searching
from catalogue.web import caching, context
from catalogue.web.variable_presenter import page_url

crawlers = Blueprint("crawlers", __name__)

# The sitemap protocol allows 50,000 URLs per file; beyond that /sitemap.xml becomes an
# index of numbered parts.
PART_SIZE = 50_000
_XML = "application/xml; charset=utf-8"


@crawlers.get("/robots.txt")
def robots() -> Response:
    base = context().config.base_url
    text = (
        "User-agent: *\n"
        "Allow: /\n"
        # Search result pages are endless combinations of filters; the variable pages
        # (listed in the sitemap) are what is worth indexing.
        "Disallow: /?\n"
        "Disallow: /api/\n"
        f"Sitemap: {base}/sitemap.xml\n"
    )
    return caching.conditional(Response(text, mimetype="text/plain"))


@crawlers.get("/sitemap.xml")
def sitemap() -> Response:
    entries = searching.sitemap_entries(context())
    if len(entries) <= PART_SIZE:
        return _urlset(entries)
    base = context().config.base_url
    parts = range(1, -(-len(entries) // PART_SIZE) + 1)
    body = "".join(
        f"<sitemap><loc>{escape(f'{base}/sitemap-{n}.xml')}</loc></sitemap>" for n in parts
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>\n'
    )
    return caching.conditional(Response(xml, content_type=_XML))


@crawlers.get("/sitemap-<int:part>.xml")
def sitemap_part(part: int) -> Response:
    entries = searching.sitemap_entries(context())
    chunk = entries[(part - 1) * PART_SIZE : part * PART_SIZE] if part >= 1 else []
    if not chunk or len(entries) <= PART_SIZE:
        abort(404)
    return _urlset(chunk)


def _urlset(entries: list[searching.SitemapEntry]) -> Response:
    urls = []
    for e in entries:
        alternates = "".join(
            f'<xhtml:link rel="alternate" hreflang="{code}" '
            f"href={quoteattr(page_url(e.datastore, e.name, lang))}/>"
            for code, lang in (("nb", "nb"), ("en", "en"), ("x-default", "nb"))
        )
        urls.append(
            f"<url><loc>{escape(page_url(e.datastore, e.name))}</loc>"
            f"<lastmod>{e.last_modified.date().isoformat()}</lastmod>{alternates}</url>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n' + "\n".join(urls) + "\n</urlset>\n"
    )
    last = max((e.last_modified for e in entries), default=None)
    return caching.conditional(Response(xml, content_type=_XML), last_modified=last)


def init_app(app: Flask) -> None:
    app.register_blueprint(crawlers)
