"""Server-rendered pages besides search and variables: the list of datastores."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

from catalogue.services import reading
from catalogue.services.messages import say
from catalogue.web import context
from catalogue.web.language import request_language

pages = Blueprint("pages", __name__)


@pages.get("/datastores")
def datastores() -> str:
    return render_template("datastores.html", datastores=reading.datastore_summaries(context()))


def init_app(app: Flask) -> None:
    app.register_blueprint(pages)

    @app.context_processor
    def _helpers() -> dict[str, object]:
        lang = request_language()
        return {"lang": lang, "t": lambda key, **kw: say(key, lang, **kw)}
