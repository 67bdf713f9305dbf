"""Benchmark: variable search on a 100,000-variable catalogue.

    python bench/search.py [--variables 100000] [--queries 1000] [--http-requests 4000]

1. Generates VARIABLES synthetic variables (Norwegian-like compound vocabulary, ten
   registers, fifty data products, categories, dates, code lists on a third of them) and
   times building the index.
2. Runs QUERIES mixed queries (single term, two terms, prefix, text with filters, filters
   only with a sort; every one with the six facet counts, as the search page asks) through
   the service layer (`searching.search_variables`), and the same queries straight to
   tantivy: a hand-written baseline that sends tantivy the same query, search and
   aggregations and reads the same stored hits, without regcat's validation and mapping.
   Prints p50/p99 of both and their ratio (targets: p99 <= 10 ms, ratio <= 2).
3. Serves the index with gunicorn and sends the queries to GET /api/v1/variables from 8
   concurrent keep-alive clients; prints requests/s and p50/p99.

Not part of the test suite.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tantivy  # the baseline talks to tantivy directly

from bench.options import whole_numbers
from catalogue.config import load_config
from catalogue.domain.text import texts
from catalogue.search import (
    FacetLabels,
    VariableDocument,
    publish_generation,
    write_index,
)
from catalogue.search.analyzers import FOLDED, term
from catalogue.search.fields import PREFIXED, SCORED
from catalogue.services import searching
from catalogue.services.context import Context

DATASTORE = "no.bench"
# fmt: off
ROOTS = (
    "inntekt", "kommune", "bosted", "kreft", "diagnose", "utdanning", "lønn", "skatt",
    "familie", "barn", "sykehus", "pasient", "arbeid", "yrke", "næring", "formue", "gjeld",
    "trygd", "pensjon", "uføre", "helse", "fødsel", "død", "sivilstand", "innvandring",
    "landbakgrunn", "husholdning", "bolig", "areal", "fylke", "region", "skole", "elev",
    "student", "studium", "fag", "grad", "kurs", "bedrift", "foretak", "sektor", "lege",
    "resept", "legemiddel", "behandling", "opphold", "episode", "prosedyre", "tilstand",
    "tilhørighet", "omsorg", "nivå", "stønad", "ytelse", "bidrag", "sykdom", "fravær",
    "permisjon", "foreldre", "ektefelle", "partner", "flytting", "adresse", "grunnkrets",
)
FILLER = (
    "som", "er", "for", "til", "med", "av", "på", "i", "og", "det", "den", "etter", "per",
    "året", "personen", "gjelder", "registrert", "første", "siste", "samlet", "oppgitt",
    "gruppert", "etter", "kode", "verdi", "periode", "dato",
)
# fmt: on
ENDINGS = ("", "", "", "en", "er", "ene", "et")
TEMPORALITIES = ("FIXED", "STATUS", "ACCUMULATED", "EVENT")
UNIT_TYPES = ("PERSON", "FAMILIE", "HUSHOLDNING", "FORETAK", "BEDRIFT", "JOBB")
REGISTERS = [f"register-{r}" for r in range(10)]
PRODUCTS = [f"produkt-{p}" for p in range(50)]
CATEGORIES = [r.capitalize() for r in ROOTS[:40]]


def compound(rng: random.Random) -> str:
    first, second = rng.sample(ROOTS, 2)
    return first + rng.choice(("", "s")) + second


def word(rng: random.Random) -> str:
    base = compound(rng) if rng.random() < 0.45 else rng.choice(ROOTS)
    return base + rng.choice(ENDINGS)


def generate(n: int, seed: int = 7) -> list[VariableDocument]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        label = " ".join(word(rng) for _ in range(rng.randint(1, 4))).capitalize()
        description = " ".join(
            word(rng) if rng.random() < 0.5 else rng.choice(FILLER)
            for _ in range(rng.randint(8, 25))
        )
        product = rng.randrange(len(PRODUCTS))
        start = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        end = start + timedelta(days=rng.randrange(365 * 30)) if rng.random() < 0.2 else None
        codes = (
            tuple(f"{c:02d} {word(rng)}" for c in range(rng.randint(5, 20)))
            if rng.random() < 0.33
            else ()
        )
        docs.append(
            VariableDocument(
                datastore=DATASTORE,
                name=f"{label.split()[0].upper()[:12]}_{i:06d}",
                release="1.0.0.0",
                versions=("1.0.0.0",),
                current=True,
                labels=texts(nb=label, en=f"Variable {i}"),
                descriptions=texts(nb=description.capitalize() + "."),
                unit_type=rng.choice(UNIT_TYPES),
                temporality=rng.choice(TEMPORALITIES),
                exportable=rng.random() < 0.6,
                technical_name=f"var{i}",
                register=REGISTERS[product % len(REGISTERS)],
                product=PRODUCTS[product],
                categories=tuple(rng.sample(CATEGORIES, rng.randint(0, 2))),
                valid_from=start,
                valid_until=end,
                context=(f"Register {product % 10}", f"Produkt {product}"),
                code_titles=codes,
            )
        )
    return docs


def labels() -> FacetLabels:
    return FacetLabels(
        register={r: {"nb": r.title()} for r in REGISTERS},
        product={p: {"nb": p.title()} for p in PRODUCTS},
        product_register={p: REGISTERS[i % len(REGISTERS)] for i, p in enumerate(PRODUCTS)},
        category={c: {"nb": c} for c in CATEGORIES},
        unit_type={u: {"nb": u.title()} for u in UNIT_TYPES},
        temporality={t: {"nb": t.title()} for t in TEMPORALITIES},
        versions={DATASTORE: "1.0.0.0"},
    )


def queries(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """Query-string parameters, as a client of the API would send them."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for i in range(n):
        kind = i % 10
        if kind < 3:
            q: dict[str, Any] = {"q": word(rng)}
        elif kind < 5:
            q = {"q": f"{rng.choice(ROOTS)} {word(rng)}"}
        elif kind < 7:
            root = rng.choice(ROOTS)
            q = {"q": root[: rng.randint(3, min(6, len(root)))]}
        elif kind < 9:
            q = {"q": word(rng), "exportable": "true"}
            if rng.random() < 0.5:
                q["register"] = rng.choice(REGISTERS)
            else:
                q["temporality"] = rng.choice(TEMPORALITIES)
            if rng.random() < 0.5:
                q["valid_from"] = f"{rng.randint(1960, 2015)}-01-01"
        else:
            q = {"register": rng.choice(REGISTERS), "sort": rng.choice(("name", "-valid_from"))}
        out.append(q)
    return out


def service_request(params: dict[str, Any]) -> searching.SearchRequest:
    return searching.SearchRequest(
        q=params.get("q", ""),
        exportable=True if params.get("exportable") == "true" else None,
        register=(params["register"],) if "register" in params else (),
        temporality=(params["temporality"],) if "temporality" in params else (),
        valid_from=date.fromisoformat(params["valid_from"]) if "valid_from" in params else None,
        sort=params.get("sort"),
    )


class Baseline:
    """The same work, written straight against tantivy: one query, a top-25 search with
    the count, the same aggregations, and the stored documents of the hits."""

    FACETS = ("register", "product", "category", "unit_type", "temporality", "exportable")

    def __init__(self, folder: Path) -> None:
        from catalogue.search.analyzers import register_analyzers

        self.index = tantivy.Index.open(str(folder))
        register_analyzers(self.index)
        self.index.config_reader("manual")
        self.schema = self.index.schema
        self.searcher = self.index.searcher()

    def run(self, params: dict[str, Any]) -> int:
        s = self.schema
        Q = tantivy.Query
        must = []
        for w in params.get("q", "").lower().split():
            options = [
                Q.boost_query(Q.term_query(s, f.name, t), f.boost)
                for f in SCORED
                if (t := term(f.analyzer, w))
            ]
            prefix = term(FOLDED, w)
            if prefix and len(prefix) >= 2:
                options += [
                    Q.boost_query(
                        Q.fuzzy_term_query(s, f.name, prefix, distance=0, prefix=True), f.boost
                    )
                    for f in PREFIXED
                ]
            must.append(Q.disjunction_max_query(options, tie_breaker=0.2))
        filters = [Q.term_query(s, "current", True)]
        facet_filters: dict[str, Any] = {}
        if params.get("exportable") == "true":
            facet_filters["exportable"] = Q.term_query(s, "exportable", True)
        if "register" in params:
            facet_filters["register"] = Q.term_set_query(s, "register", [params["register"]])
        if "temporality" in params:
            facet_filters["temporality"] = Q.term_set_query(
                s, "temporality", [params["temporality"]]
            )
        if "valid_from" in params:
            day = (date.fromisoformat(params["valid_from"]) - date(1970, 1, 1)).days
            filters.append(
                Q.range_query(s, "valid_until_day", tantivy.FieldType.Integer, day, None)
            )

        def build(skip: str = "") -> tantivy.Query:
            clauses = [(tantivy.Occur.Must, q) for q in must] or [
                (tantivy.Occur.Must, Q.all_query())
            ]
            for name, q in facet_filters.items():
                if name != skip and not (skip == "register" and name == "product"):
                    clauses.append((tantivy.Occur.Must, Q.const_score_query(q, 0.0)))
            clauses += [(tantivy.Occur.Must, Q.const_score_query(q, 0.0)) for q in filters]
            return Q.boolean_query(clauses)

        query = build()
        sort = params.get("sort")
        if sort:
            field = "sort_name" if sort == "name" else "sort_valid_from_desc"
            result = self.searcher.search(query, 25, order_by_field=field, order=tantivy.Order.Asc)
        else:
            result = self.searcher.search(query, 25)
        for _, address in result.hits:
            json.loads(self.searcher.doc(address).get_first("hit") or b"{}")
        # Facets: the ones without an active filter together, each filtered one apart.
        shared = [f for f in self.FACETS if f not in facet_filters]
        if "register" in facet_filters:
            shared.remove("product")
        self.searcher.aggregate(query, _terms(shared))
        for name in facet_filters:
            group = ["register", "product"] if name == "register" else [name]
            self.searcher.aggregate(build(skip=name), _terms(group))
        return int(getattr(result, "count", 0))


def _terms(fields: list[str]) -> dict[str, Any]:
    return {f: {"terms": {"field": f, "size": 500}} for f in fields}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Timing:
    p50: float
    p99: float
    mean: float


def timing(seconds: list[float]) -> Timing:
    ms = [s * 1000 for s in seconds]
    return Timing(percentile(ms, 50), percentile(ms, 99), statistics.fmean(ms))


def in_process(ctx: Context, folder: Path, params: list[dict[str, Any]]) -> None:
    baseline = Baseline(folder)
    requests = [service_request(p) for p in params]
    for p, r in zip(params[:50], requests[:50], strict=True):  # warm up both
        searching.search_variables(ctx, r)
        baseline.run(p)
    service_times: list[float] = []
    base_times: list[float] = []
    for i, (p, r) in enumerate(zip(params, requests, strict=True)):
        # Alternate who goes first so neither profits from the other's warm caches.
        order = (0, 1) if i % 2 else (1, 0)
        for who in order:
            started = time.perf_counter()
            if who == 0:
                page = searching.search_variables(ctx, r)
            else:
                found = baseline.run(p)
            (service_times if who == 0 else base_times).append(time.perf_counter() - started)
        assert page.found == found, (p, page.found, found)
    s, b = timing(service_times), timing(base_times)
    print(f"service layer : p50 {s.p50:6.2f} ms   p99 {s.p99:6.2f} ms   mean {s.mean:6.2f} ms")
    print(f"tantivy direct: p50 {b.p50:6.2f} ms   p99 {b.p99:6.2f} ms   mean {b.mean:6.2f} ms")
    print(
        f"ratio service/tantivy: p50 {s.p50 / b.p50:.2f}   p99 {s.p99 / b.p99:.2f}   "
        f"mean {s.mean / b.mean:.2f}   (targets: p99 <= 10 ms, ratio <= 2)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def over_http(home: Path, params: list[dict[str, Any]], total: int, clients: int) -> None:
    port = free_port()
    workers = os.cpu_count() or 2
    env = {**os.environ, "REGCAT_HOME": str(home), "REGCAT_DEFAULT_DATASTORE": DATASTORE}
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
            "catalogue.web:create_app()",
        ],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )  # fmt: skip
    try:
        _wait_for(port)
        paths = [f"/api/v1/variables?{urlencode(p)}" for p in params]
        for path in paths[: workers * 20]:  # every worker opens the index and warms up
            _get(port, path)
        latencies: list[float] = []
        lock = threading.Lock()
        per_client = total // clients

        def client(n: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine = []
            for k in range(per_client):
                path = paths[(n * per_client + k) % len(paths)]
                started = time.perf_counter()
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, (path, response.status)
                mine.append(time.perf_counter() - started)
            conn.close()
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        t_ = timing(latencies)
        print(
            f"HTTP GET /api/v1/variables, gunicorn {workers} workers x 4 threads, "
            f"{clients} clients: {len(latencies) / elapsed:.0f} requests/s, "
            f"p50 {t_.p50:.1f} ms, p99 {t_.p99:.1f} ms ({len(latencies)} requests)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get(port: int, path: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    conn.getresponse().read()
    conn.close()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    args = whole_numbers(
        __doc__.split("\n\n")[0], variables=100_000, queries=1_000, http_requests=4_000, clients=8
    )

    with tempfile.TemporaryDirectory(prefix="regcat-bench-search-") as tmp:
        home = Path(tmp) / "home"
        started = time.perf_counter()
        docs = generate(args.variables)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        folder = publish_generation(home / "index", lambda f: write_index(f, docs, labels()))
        built = time.perf_counter() - started
        docs.clear()  # the index has them now
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        print(
            f"{args.variables:,} variables generated in {generated:.1f} s; "
            f"index built in {built:.1f} s ({size:.0f} MB)"
        )
        params = queries(args.queries)
        config = load_config({"REGCAT_HOME": str(home), "REGCAT_DEFAULT_DATASTORE": DATASTORE})
        with Context.open(config) as ctx:
            in_process(ctx, folder, params)
        over_http(home, params, args.http_requests, args.clients)


if __name__ == "__main__":
    main()
