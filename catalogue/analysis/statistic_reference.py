"""The statistic reference (docs/STATISTICS.md), written from the registry of statistics in
both languages, so that a statistic added as a module is documented with no other edit:
`make statistic-reference` writes the file, and tests/test_statistic_registry.py fails while
the file is not what the registry writes."""

from __future__ import annotations

from .reference import document, section
from .statistic import Field, Statistic, Takes, registry

# What a field's JSON is: (bokmål, English), and the same for a list of them.
_JSON = {
    Takes.VARIABLE: ("variabelnavn", "variable name", "variabelnavn", "variable names"),
    Takes.TERM: ("modelledd", "model term", "modelledd", "model terms"),
    Takes.TEXT: ("tekst", "text", "tekster", "texts"),
    Takes.WHOLE_NUMBER: ("heltall", "whole number", "heltall", "whole numbers"),
    Takes.NUMBER: ("tall", "number", "tall", "numbers"),
    Takes.TRUTH: ("true/false", "true/false", "true/false", "true/false"),
}

HEADER = """# Statistikkene · The statistics

<!-- Written by `make statistic-reference` from catalogue/analysis/statistics/; do not edit. -->

En statistikk bestilles med `POST /api/v1/workspaces/{handle}/<navn>` og et JSON-objekt med
feltene under; svaret er resultatene som har passert utdatakontrollen
([OUTPUT_CONTROL.md](OUTPUT_CONTROL.md)). Hver statistikk er én modul i
`catalogue/analysis/statistics/`. Eksemplene bruker variablene til et typisk skript
(kommune, kjonn, lonn, utdanning, alder, kreft).

A statistic is asked for with `POST /api/v1/workspaces/{handle}/<name>` and a JSON object of
the fields below; the answer is the results that have passed output control
([OUTPUT_CONTROL.md](OUTPUT_CONTROL.md)). Each statistic is one module of
`catalogue/analysis/statistics/`. The examples use the variables of a typical script
(kommune, kjonn, lonn, utdanning, alder, kreft).
"""


def _limits(field: Field) -> str:
    found = []
    if field.choices:
        found.append(" \\| ".join(f"`{c}`" for c in field.choices))
    if field.count is not None:
        fewest, most = field.count
        found.append(f"≥ {fewest}" if most is None else f"{fewest}–{most}")
    if field.bounds is not None:
        low, high = field.bounds
        found.append(f"({low}, {high})" if field.exclusive else f"[{low}, {high}]")
    return "; ".join(found)


def _row(field: Field) -> str:
    nb, en, nb_many, en_many = _JSON[field.takes]
    if field.many:
        nb, en = f"liste av {nb_many}", f"list of {en_many}"
    needed = "ja · yes" if field.required else "nei · no"
    said_nb, said_en = field.description or ("", "")
    limits = _limits(field)
    return f"| `{field.name}` | {nb} · {en} | {needed} | {limits} | {said_nb} | {said_en} |"


def _section(statistic: Statistic) -> str:
    kinds = ", ".join(f"`{kind}`" for kind in statistic.releases)
    table = [
        f"Gir resultater av slaget · Releases results of kind: {kinds}.",
        "",
        "| felt · field | JSON | påkrevd · required | grenser · limits | bokmål | English |",
        "|---|---|---|---|---|---|",
        *map(_row, statistic.fields),
    ]
    nb, en = statistic.description
    return section(statistic.name, nb, en, table, statistic.example)


FOOTER = """## Hvordan modellene tilpasses · How the models are fitted

Fra tilstrekkelige observatorer (summer DuckDB regner ut per mønster av
forklaringsvariablenes verdier, aldri én rad per enhet i Python): `regress` (X'X og X'y),
`logit`, `probit` og `poisson` (per mønster antall rader og utfallets sum; robuste
standardfeil fra utfallets spredning i mønsteret, klyngerobuste fra summer per klynge og
mønster), `margins` (tettheten i hvert mønster), `negbin` (per utfallsverdi og mønster
antall rader: α-leddene trenger hver utfallsverdi, ikke bare summen) og `regress_panel`
(DuckDB transformerer radene med gjennomsnitt per entitet i vindusfunksjoner og grupperer
dem i mønstre, så OLS-summene gjelder; tilfeldige effekter trenger tre slike runder) og
`cox` (per tid, hendelse og mønster antall rader: Efrons delvise likelihood trenger bare
summene over risikomengden og over hendelsene ved hver tid) og `mlogit` (per mønster og
utfallsnivå antall rader) og `ivregress` (D'D, D'y og y'y over mønstrene av alle
forklaringsvariabler og instrumenter gir alle kryssprodukter totrinns minste kvadrater,
LIML og tostegs GMM trenger; klyngerobuste feil og GMMs klyngede vekt fra summene per
klynge og mønster; F i første trinn og Sargan/J fra de samme summene) og `did` (OLS med gruppe, periode og behandlet × periode som kategorier:
summene per celle) og `weibull` (per tid, hendelse og mønster antall rader, som `cox`:
log t og t^ρ trenger hver tid, siden t^ρ flytter seg med ρ). `kaplan_meier` tilpasses ikke
av data i det hele tatt: kurven er produktgrenseestimatet av de publiserte (støyede)
antallene i risiko og hendelser per trinn.
Regnes fra enhetenes rader: bare utdatakontrollens bevis (støtte, innflytelse, nøkler),
som må se hver enhet. Hva som ikke kan: «tilstrekkelig» er aldri mindre enn antallet
ulike verdier, så en kontinuerlig forklaringsvariabel (eller et kontinuerlig utfall i
`negbin`, eller faste effekter med en kontinuerlig variabel) gir omtrent ett mønster per
rad, og en kontinuerlig tid ca. én celle per hendelse i `cox` og `weibull`. `rdd` (lokal
lineær med kjernevekter) grupperer etter kjørevariabelens verdier: kjernevekten er en
funksjon av mønsteret, så X'KX, X'Ky og HC1-kjøttet er summer over mønstrene, og
Imbens–Kalyanaraman-båndbredden regnes av de samme summene; den uskarpe formen grupperer
også etter behandlingens verdi (Z'KNX, Z'KΣy og HC1-kjøttet er summer over mønstrene).
`regress_mml` (flernivå, tilfeldige konstantledd) grupperer etter forklaringsvariablene og
gruppen: REML- og ML-kriteriet, GLS-estimatet og Hessianen er summer over gruppene av
antall rader, gruppesnitt og spredningen innen gruppene; de klyngerobuste standardfeilene
(robust, cluster) er summer per gruppe av X'e og Σe. Intet bibliotek regner dette
sandwich-estimatet (statsmodels' MixedLM har ingen robust kovarians): testen regner det med
tette V_g fra MixedLM-tilpasningen.
`oaxaca` tilpasser hver gruppes OLS på mønstrene (X'X, X'y og snittene per gruppe); robuste
standardfeil fra Σe² per mønster, klyngerobuste fra summer per (klynge, mønster).

From sufficient statistics (sums DuckDB computes per pattern of the regressors' values,
never one row per unit in Python): `regress` (X'X and X'y), `logit`, `probit` and
`poisson` (per pattern the number of rows and the outcome's sum; robust standard errors
from the outcome's spread within the pattern, clustered ones from sums per cluster and
pattern; probit's likelihood, score and observed information are functions of those two
numbers for a 0/1 outcome as well), `margins` (the link's density per pattern),
`negbin` (the number of rows per outcome value and pattern: lgamma(y + 1/α) and its
derivatives in α need each outcome value, not only their sum; for a count that is a few
cells per pattern) and `regress_panel` (DuckDB transforms the rows by per-entity means in
window functions and groups the transformed rows into patterns, so OLS's sums apply; with
a continuous regressor under fixed effects there are about as many patterns as rows;
random effects take three such passes: within, between, then the quasi-demeaned rows) and
`cox` (the number of rows per time, event and pattern: Efron's partial likelihood needs
only the sums over each event time's risk set and over its events, cumulated over the
times in descending order) and `mlogit` (the number of rows per pattern and outcome level;
the outcome is grouped as an i. factor, so its rare levels are left out as an i.
regressor's are) and `ivregress` (D'diag(n)D and D'Σy over the patterns of every
regressor and instrument, with y'y, hold every cross product two-stage least squares,
LIML and two-step GMM need; robust errors and GMM's robust weight from the outcome's
spread within each pattern, as OLS's; clustered errors and weight from the sums per
cluster and pattern; the first-stage F and Sargan/J from the same sums) and `did` (OLS with group, period and treated × period as categories: the
sums per cell) and `weibull` (the number of rows per time, event and pattern, as
`cox`: log t and t^ρ need each time, since t^ρ moves with ρ). `kaplan_meier` is not fitted on the data at all: its curve is
the product-limit estimate of each step's published (perturbed) counts at risk and of
events. From
the units' rows: only output control's evidence (support, influence, keys), which must
see every unit.

What cannot: nothing above needs a row in Python, but "sufficient" is only as small as
the number of distinct values. A continuous regressor makes about one pattern per row;
the negative binomial with a continuous outcome (which it allows) one cell per row, since
its α-terms need each outcome value; fixed effects with a continuous regressor one
transformed pattern per row; Cox and Weibull with a continuous time about one cell per row. The sums
then run over chunks of patterns, with no saving over the rows. `rdd`, the local-linear
discontinuity, groups by the running variable's values: its kernel weight is a function of
the pattern, so X'KX, X'Ky and the HC1 meat are sums over the patterns, and the
Imbens–Kalyanaraman bandwidth is computed from the same sums; the fuzzy design groups by
the treatment's value too (Z'KNX, Z'KΣy and the HC1 meat are sums over the patterns).
`regress_mml` (multilevel, random intercepts) groups by the regressors and the group: the
REML and ML criteria, the GLS estimate and the Hessian are sums over the groups of their
rows, means and within-group scatter; the cluster-robust standard errors (robust, cluster)
are sums per group of X'e and Σe. No library computes this sandwich (statsmodels' MixedLM
has no robust covariance): the test computes it with dense V_g from MixedLM's fit.
`oaxaca` fits each group's OLS on the patterns (X'X, X'y and the means per group); robust
standard errors from Σe² per pattern, clustered ones from sums per (cluster, pattern).
"""


def render() -> str:
    return document(HEADER, [*map(_section, registry().values()), FOOTER])


if __name__ == "__main__":
    print(render(), end="")
