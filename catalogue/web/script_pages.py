"""The script page (issue 15 item 3): an editor that is a plain form (it works without
JavaScript: POST /scripts runs the text and answers the page again, with the results under
it), each result as its tables and its chart drawn on the server, each chart with its
Vega-Lite spec to download; and the saved scripts and the library as pages (save, rerun,
publish, fork), beside the JSON API that does the same.

HTTP only: running is catalogue.services.scripts (the same use cases as
POST /api/v1/scripts/run, so the page releases what the API would and nothing more),
saving and the library catalogue.services.saved_scripts, the laying out of a run
catalogue.services.script_views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from catalogue.domain.errors import RegcatError
from catalogue.services import saved_scripts, script_views, scripts
from catalogue.services.scripts import ScriptRun
from catalogue.web import auth, context
from catalogue.web.language import keep_language, reader, request_language

script_pages = Blueprint("script_pages", __name__)

# The editor's first text: a short script on the sample registers that shows a table and
# a chart, so that the page explains itself.
EXAMPLE = """// Kjønn og alder i befolkningen
require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
generate alder = 2020 - year(fodselsdato)
textblock
## Befolkningen etter kjønn
endblock
tabulate kjonn
barchart kjonn
summarize alder
"""

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Skript", "Scripts"),
    "intro": (
        "Skriv et skript i microdata.no-språket og kjør det. Resultatene går gjennom den "
        "samme utdatakontrollen som API-et.",
        "Write a script in microdata.no's language and run it. The results pass the same "
        "output control as the API.",
    ),
    "script": ("Skript", "Script"),
    "run": ("Kjør", "Run"),
    "save": ("Lagre", "Save"),
    "save-title": ("Tittel (for å lagre)", "Title (to save)"),
    "results": ("Resultater", "Results"),
    "line": ("Linje", "Line"),
    "column": ("kolonne", "column"),
    "error": ("Feil", "Error"),
    "commands-run": ("Kommandoer kjørt: {n}", "Commands run: {n}"),
    "chart-of": ("Figur fra linje {line}", "Chart of line {line}"),
    "spec": ("Last ned Vega-Lite-spesifikasjonen", "Download the Vega-Lite spec"),
    "no-chart": ("Figuren kunne ikke tegnes her.", "The chart could not be drawn here."),
    "audit-id": ("Revisjons-id", "Audit id"),
    "csv": ("CSV", "CSV"),
    "withheld": ("holdt tilbake", "withheld"),
    "total": ("Totalt", "Total"),
    "saved": ("Mine lagrede skript", "My saved scripts"),
    "library": ("Skriptbiblioteket", "The script library"),
    "editor": ("Skriveområde", "Editor"),
    "created": ("Laget", "Created"),
    "pins": ("Låste versjoner", "Pinned versions"),
    "rerun": ("Kjør på nytt (låste versjoner)", "Rerun (pinned versions)"),
    "open": ("Åpne i skriveområdet", "Open in the editor"),
    "publish": ("Publiser i biblioteket", "Publish to the library"),
    "description": ("Beskrivelse", "Description"),
    "tags": ("Stikkord (skilt med komma)", "Tags (comma-separated)"),
    "fork": ("Kopier til mine skript", "Fork into my scripts"),
    "search": ("Søk", "Search"),
    "publisher": ("Publisert av", "Published by"),
    "forked-from": ("Kopiert fra", "Forked from"),
    "none": ("Ingen.", "None."),
    "published": ("Publisert.", "Published."),
    "delete": ("Slett", "Delete"),
    "deleted": ("Slettet.", "Deleted."),
    "variable": ("Variabel", "Variable"),
    "type": ("Type", "Type"),
    "label": ("Etikett", "Label"),
}


word = reader(WORDS)


def _owner() -> str:
    return auth.require_identity().username


def _page(text: str, ran: ScriptRun | None = None, status: int = 200, **more: Any) -> Any:
    view = None
    if ran is not None:
        view = script_views.run_view(ran.output, ran.error, ran.commands_run, request_language())
    return render_template("scripts/editor.html", text=text, run=view, **more), status


def _refused(text: str, error: RegcatError) -> Any:
    """A script that does not parse (or cannot be saved): the page again, the text kept,
    the error at its line and column: 422 as the API answers it (the form was read, its
    script could not be run), or the error's own status (a 404, a 409)."""
    status = 422 if error.http_status in (400, 500) else error.http_status
    return _page(text, ScriptRun(error=error), status=status)


@script_pages.get("/scripts")
def editor() -> Any:
    entry = request.args.get("entry")
    if entry:  # a library entry opened in the editor
        return _page(saved_scripts.library_entry(context(), entry, request_language()).text)
    return _page(EXAMPLE)


@script_pages.post("/scripts")
def run() -> Any:
    text = request.form.get("script", "")
    try:
        if request.form.get("action") == "save":
            title = request.form.get("title", "").strip() or word("title")
            saved = saved_scripts.save_script(context(), _owner(), title, text)
            return redirect(
                keep_language(url_for("script_pages.saved_one", script_id=saved.script_id))
            )
        ran = scripts.run_script(context(), _owner(), text, request_language())
    except RegcatError as error:
        return _refused(text, error)
    return _page(text, ran)


@script_pages.get("/scripts/saved")
def saved_list() -> Any:
    return render_template(
        "scripts/saved.html", saved=saved_scripts.list_scripts(context(), _owner())
    )


@script_pages.get("/scripts/saved/<script_id:script_id>")
def saved_one(script_id: str) -> Any:
    found = saved_scripts.get_script(context(), _owner(), script_id)
    return render_template("scripts/saved_one.html", saved=found, run=None)


@script_pages.post("/scripts/saved/<script_id:script_id>/rerun")
def saved_rerun(script_id: str) -> Any:
    found, ran = saved_scripts.rerun_script(context(), _owner(), script_id, request_language())
    view = script_views.run_view(ran.output, ran.error, ran.commands_run, request_language())
    return render_template("scripts/saved_one.html", saved=found, run=view)


@script_pages.post("/scripts/saved/<script_id:script_id>/publish")
def saved_publish(script_id: str) -> Any:
    tags = [t.strip() for t in request.form.get("tags", "").split(",") if t.strip()]
    try:
        saved_scripts.publish_script(
            context(), _owner(), script_id, request.form.get("description", ""), tags
        )
    except RegcatError as error:
        flash(error.message(request_language()), "error")
        return redirect(keep_language(url_for("script_pages.saved_one", script_id=script_id)))
    flash(word("published"), "info")
    return redirect(keep_language(url_for("script_pages.library_page")))


@script_pages.post("/scripts/saved/<script_id:script_id>/delete")
def saved_delete(script_id: str) -> Any:
    saved_scripts.delete_script(context(), _owner(), script_id)
    flash(word("deleted"), "info")
    return redirect(keep_language(url_for("script_pages.saved_list")))


@script_pages.get("/scripts/library")
def library_page() -> Any:
    query = request.args.get("q", "")
    try:
        entries = saved_scripts.search_library(context(), query, request_language())
    except RegcatError as error:
        flash(error.message(request_language()), "error")
        entries = []
    return render_template("scripts/library.html", entries=entries, query=query)


@script_pages.post("/scripts/library/<string:entry>/fork")
def library_fork(entry: str) -> Any:
    forked = saved_scripts.fork_entry(context(), _owner(), entry, language=request_language())
    return redirect(keep_language(url_for("script_pages.saved_one", script_id=forked.script_id)))


def init_app(app: Flask) -> None:
    app.register_blueprint(script_pages)
    app.jinja_env.globals["script_word"] = word
