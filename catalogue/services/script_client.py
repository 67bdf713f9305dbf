"""The client side of `regcat script run FILE --url … --token …`: sends a script to a
regcat server's POST /api/v1/scripts/run and reads the answer as it streams (one JSON
object per command, application/x-ndjson), so the command line can show progress per
line. The script is parsed here first, so a script that does not parse is reported at its
line and column without a round trip; the server parses it again and is the judge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import requests

from catalogue.domain.errors import RegcatError
from catalogue.script import Script, decode_script, parse_script

STREAM = "application/x-ndjson"
TIMEOUT_SECONDS = 3600  # a long script on a large population takes minutes


def read_script(data: bytes) -> tuple[str, Script]:
    text = decode_script(data)
    return text, parse_script(text)


def run_remote(url: str, token: str, text: str, language: str = "nb") -> Iterator[dict[str, Any]]:
    """Each streamed object as it arrives: per command `{"line", "command", "output",
    "error"}`, then `{"done": true, "commands_run", "error"}`. An answer that is not 200
    (a script the server will not run, a token it refuses) is raised as its RegcatError."""
    response = _send(url, token, "POST", "/run", {"script": text}, language, stream=True)
    with response:
        if response.status_code != 200:
            raise _answered_error(response, url)
        for raw in response.iter_lines():
            if raw:
                yield json.loads(raw)


def saved_call(
    url: str,
    token: str,
    method: str,
    path: str = "",
    body: dict[str, Any] | None = None,
    language: str = "nb",
) -> Any:
    """One request to the saved scripts' API (/api/v1/scripts…): save, list, rerun. Its
    JSON answer, or the server's error raised as its RegcatError."""
    response = _send(url, token, method, path, body, language)
    with response:
        if response.status_code not in (200, 201):
            raise _answered_error(response, url)
        return response.json()


def _send(
    url: str,
    token: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    language: str,
    *,
    stream: bool = False,
) -> requests.Response:
    """One request to the scripts' API of the server at `url` (/api/v1/scripts…) with the
    token; `stream` asks for the run's objects one by one as they are made. A server that
    cannot be reached is script-server-unreachable."""
    headers = {"Authorization": f"Bearer {token}"}
    if stream:
        headers["Accept"] = STREAM
    try:
        return requests.request(
            method,
            f"{url.rstrip('/')}/api/v1/scripts{path}",
            params={"lang": language},
            json=body,
            headers=headers,
            stream=stream,
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise _unreachable(url, error) from None


def _unreachable(url: str, error: Exception) -> RegcatError:
    return RegcatError(
        "script-server-unreachable",
        f"Får ikke kontakt med regcat på {url} ({type(error).__name__}). Sjekk --url, og at tjeneren kjører.",
        f"Cannot reach regcat at {url} ({type(error).__name__}). Check --url, and that the server is running.",
        {"url": url},
        502,
    )


def _answered_error(response: requests.Response, url: str) -> RegcatError:
    try:
        error = response.json()["error"]
        return RegcatError(
            error["code"],
            error["message"],
            error["message"],
            error.get("details") or {},
            error["status"],
        )
    except (ValueError, KeyError, TypeError):
        return RegcatError(
            "script-server-unreachable",
            f"{url} svarte {response.status_code} uten regcats feilform; er det en regcat-tjener?",
            f"{url} answered {response.status_code} without regcat's error shape; is it a regcat server?",
            {"url": url, "status": response.status_code},
            502,
        )
