"""Every error code regcat raises, once: its HTTP status and what it means, in bokmål and
English. A raise site writes its own, more specific message (naming the variable, the file,
the limit); the texts here say what the code means in general, for docs/ERRORS.md and for a
client deciding what to do with a code it has not met before. A site with nothing more to
say leaves its words out (`not_found("unknown-workspace", workspace=handle)`) and the error
takes these, so they are written once.

tests/test_error_codes.py reads the source with `ast` and fails when a site raises a code
that is missing here or states another status; the same test holds docs/ERRORS.md to this
table. A RegcatError that does not state its status takes it from here (400 for a code
that is not here yet, which the test then reports).

Output-control refusals are not listed here: their codes are the reasons of the rules in
catalogue/analysis/output_control/rules/ (always 422), each with its own bilingual text.

On the API a 400 of a service is answered 422 (catalogue.web.errors): 400 there means the
request did not fit its published schema (`invalid-parameters`, `http-400`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from catalogue.domain.text import localise


@dataclass(frozen=True)
class ErrorCode:
    status: int
    nb: str
    en: str
    also: tuple[int, ...] = ()  # other statuses some sites give it (404 in a path, 400 in a body)

    @property
    def statuses(self) -> tuple[int, ...]:
        return (self.status, *self.also)

    def text(self, language: str = "nb") -> str:
        return localise((self.nb, self.en), language)


# `http-<status>`: what werkzeug and the rate limiter raise (catalogue.web.errors), one per
# status a client can meet.
HTTP_STATUS_CODES: Mapping[str, ErrorCode] = MappingProxyType(
    {
        "http-400": ErrorCode(400, "Ugyldig forespørsel.", "Bad request."),
        "http-401": ErrorCode(
            401, "Du må logge inn for å bruke dette.", "You must sign in to use this."
        ),
        "http-403": ErrorCode(
            403, "Du har ikke tilgang til dette.", "You do not have access to this."
        ),
        "http-404": ErrorCode(
            404, "Siden eller ressursen finnes ikke.", "The page or resource does not exist."
        ),
        "http-405": ErrorCode(
            405, "Metoden er ikke tillatt her.", "The method is not allowed here."
        ),
        "http-406": ErrorCode(
            406, "Formatet du ba om, tilbys ikke.", "The format you asked for is not offered."
        ),
        "http-408": ErrorCode(408, "Forespørselen tok for lang tid.", "The request took too long."),
        "http-409": ErrorCode(
            409,
            "Forespørselen er i konflikt med tilstanden på tjeneren.",
            "The request conflicts with the state of the server.",
        ),
        "http-410": ErrorCode(
            410, "Ressursen finnes ikke lenger.", "The resource no longer exists."
        ),
        "http-411": ErrorCode(
            411,
            "Forespørselen mangler lengden på innholdet.",
            "The request lacks the length of its body.",
        ),
        "http-413": ErrorCode(
            413, "Innholdet i forespørselen er for stort.", "The request body is too large."
        ),
        "http-414": ErrorCode(414, "Adressen er for lang.", "The URL is too long."),
        "http-415": ErrorCode(
            415,
            "Innholdet har en type som ikke støttes.",
            "The body has a media type that is not supported.",
        ),
        "http-422": ErrorCode(
            422, "Forespørselen kunne ikke behandles.", "The request could not be processed."
        ),
        "http-429": ErrorCode(
            429,
            "For mange forespørsler; vent litt og prøv igjen.",
            "Too many requests; wait a little and try again.",
        ),
        "http-431": ErrorCode(
            431,
            "Forespørselen har for store overskrifter (headers).",
            "The request's header fields are too large.",
        ),
        "http-500": ErrorCode(500, "Intern feil.", "Internal error."),
        "http-501": ErrorCode(501, "Dette er ikke implementert.", "This is not implemented."),
        "http-502": ErrorCode(
            502, "Feil fra en tjeneste bak denne.", "Error from a service behind this one."
        ),
        "http-503": ErrorCode(
            503,
            "Tjenesten er ikke tilgjengelig akkurat nå; prøv igjen senere.",
            "The service is not available right now; try again later.",
        ),
    }
)

ERROR_CODES: Mapping[str, ErrorCode] = MappingProxyType(
    {
        **HTTP_STATUS_CODES,
        "account-deactivated": ErrorCode(
            403,
            "Kontoen er deaktivert. Be administratoren ved institusjonen din om å aktivere den igjen.",
            "The account is deactivated. Ask your institution's administrator to reactivate it.",
        ),
        "admin-required": ErrorCode(403, "Dette krever rollen ….", "This needs the role …."),
        "already-decided": ErrorCode(
            409,
            "Forespørselen er allerede avgjort for registrene dine.",
            "The request has already been decided for your registers.",
        ),
        "already-panel": ErrorCode(
            400, "Dataene er allerede på panelform.", "The data are already in panel form."
        ),
        "ambiguous-link": ErrorCode(
            400,
            "… og … kan kobles på flere måter (…). Importer koblingsvariabelen selv og bruk «via».",
            "… and … can be linked in several ways (…). Import the linking variable yourself and use 'via'.",
        ),
        "bad-web-secret": ErrorCode(
            400,
            "Filen … inneholder ikke en gyldig nøkkel (minst 32 heksadesimale tegn). Slett filen og start tjenesten på nytt, eller sett REGCAT_SECRET_KEY. Alle brukere blir da logget ut.",
            "The file … does not hold a valid key (at least 32 hexadecimal characters). Delete it and restart the service, or set REGCAT_SECRET_KEY. Every user is then signed out.",
        ),
        "cannot-listen": ErrorCode(
            400,
            "Kan ikke lytte på …:… (…). Bruk en adresse denne maskinen har, f.eks. --host 127.0.0.1 (bare denne maskinen) eller --host 0.0.0.0 (alle).",
            "Cannot listen on …:… (…). Use an address this machine has, e.g. --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (everyone).",
        ),
        "checksum-mismatch": ErrorCode(
            422,
            "Filen … for … mangler eller er endret siden den ble tatt inn. Ta inn datasettet på nytt før publisering.",
            "The file … of … is missing or has changed since it was ingested. Ingest the dataset again before releasing.",
        ),
        "comment-required": ErrorCode(
            400, "Skriv en begrunnelse når du avslår.", "Give a reason when you reject."
        ),
        "computation-failed": ErrorCode(
            400,
            "Steget eller statistikken kunne ikke beregnes på disse dataene (for eksempel en verdi som ikke lot seg gjøre om til et tall). Ingenting er endret.",
            "The step or statistic could not be computed on these data (for example a value that could not be converted to a number). Nothing was changed.",
        ),
        "csrf-failed": ErrorCode(
            400,
            "Skjemaet mangler en gyldig CSRF-nøkkel. Last siden på nytt og prøv igjen.",
            "The form lacks a valid CSRF token. Reload the page and try again.",
        ),
        "database-unreachable": ErrorCode(
            503,
            "Får ikke kontakt med databasen i REGCAT_DATABASE_URL (…): …. Sjekk at databasen kjører, og at vert, port, database, bruker og passord stemmer.",
            "Cannot reach the database in REGCAT_DATABASE_URL (…): …. Check that the database is running and that host, port, database, user and password are right.",
        ),
        "database-url-unusable": ErrorCode(
            503,
            "REGCAT_DATABASE_URL kan ikke brukes (…): …. Bruk f.eks. sqlite:////sti/til/catalogue.db eller postgresql+psycopg://bruker@vert/database, eller la innstillingen stå tom (da brukes REGCAT_HOME/catalogue.db).",
            "REGCAT_DATABASE_URL cannot be used (…): …. Use e.g. sqlite:////path/to/catalogue.db or postgresql+psycopg://user@host/database, or leave the setting empty (REGCAT_HOME/catalogue.db is then used).",
        ),
        "datastore-root-unusable": ErrorCode(
            503,
            "REGCAT_DATASTORE_ROOT kan ikke brukes (…): …. Oppgi en mappe regcat kan skrive i eller en URI pyarrow kjenner (f.eks. s3://bøtte/prefiks), eller la innstillingen stå tom (da brukes REGCAT_HOME/datastores).",
            "REGCAT_DATASTORE_ROOT cannot be used (…): …. Give a folder regcat can write to or a URI pyarrow knows (e.g. s3://bucket/prefix), or leave the setting empty (REGCAT_HOME/datastores is then used).",
        ),
        "date-outside-coverage": ErrorCode(
            400, "… ligger utenfor dataene i … (…).", "… lies outside the data of … (…)."
        ),
        "date-required": ErrorCode(
            400,
            "… er STATUS og trenger en dato. Gyldige datoer: ….",
            "… is STATUS and needs a date. Valid dates: ….",
        ),
        "date-variable-needed": ErrorCode(
            400,
            "Steget trenger en datovariabel, og den navngitte er ikke det.",
            "The step needs a date variable, and the one named is not.",
        ),
        "draft-changed": ErrorCode(
            409,
            "Utkastet til … er endret siden du så det (… → …). Se på det igjen med `regcat draft` og publiser på nytt.",
            "The draft of … has changed since you saw it (… → …). Look at it again with `regcat draft` and release again.",
        ),
        "dummies-need-categories": ErrorCode(
            400,
            "«…» er en dato; dummyvariabler lages av kategorier.",
            "'…' is a date; dummy variables are made from categories.",
        ),
        "dummies-need-codes": ErrorCode(
            400,
            "«…» har ingen kodeliste, så dummyvariabler kan ikke lages av den. Bruk i.… i en modell, eller recode den med en «else»-regel først (da blir målverdiene kodelisten).",
            "'…' has no code list, so dummy variables cannot be made from it. Use i.… in a model, or recode it with an 'else' rule first (its targets then make the code list).",
        ),
        "empty-draft": ErrorCode(
            400,
            "Utkastet til … er tomt; det er ingenting å publisere. Ta inn data med `regcat ingest` først.",
            "The draft of … is empty; there is nothing to release. Ingest data with `regcat ingest` first.",
        ),
        "end-user-agreement-required": ErrorCode(
            403,
            "Du må godta den gjeldende brukeravtalen først (se kontosiden).",
            "You must accept the current end-user agreement first (see your account page).",
        ),
        "event-takes-period": ErrorCode(
            400,
            "… er EVENT: bruk en periode («from», «to») eller én dato.",
            "… is EVENT: use a period ('from', 'to') or one date.",
        ),
        "export-already-downloaded": ErrorCode(
            410,
            "Filen er allerede lastet ned; en utlevering kan lastes ned bare én gang.",
            "The file has already been downloaded; an export can be downloaded only once.",
        ),
        "export-format": ErrorCode(
            400, "Formatet må være parquet eller csv.", "The format must be parquet or csv."
        ),
        "export-mixed-unit-types": ErrorCode(
            422,
            "Alle variablene må ha samme enhetstype; her er det ….",
            "All variables must have the same unit type; these have ….",
        ),
        "export-not-approved": ErrorCode(
            409,
            "Forespørselen er ikke godkjent av alle registrene ennå.",
            "The request has not been approved by every register yet.",
        ),
        "export-not-eligible": ErrorCode(
            422,
            "Forespørselen er avvist: bare variabler merket «Kan utleveres» kan utleveres.",
            "The request is refused: only variables marked 'May be exported' can be exported.",
        ),
        "export-purpose": ErrorCode(
            400,
            "Beskriv formålet med minst … tegn, så forvalteren kan vurdere det.",
            "Describe the purpose in at least … characters so the steward can judge it.",
        ),
        "export-variables": ErrorCode(
            400, "Velg mellom 1 og … variabler.", "Choose between 1 and … variables."
        ),
        "expression-arguments": ErrorCode(
            400,
            "En funksjon fikk feil antall argumenter.",
            "A function was given the wrong number of arguments.",
        ),
        "expression-forbidden": ErrorCode(
            400,
            "Uttrykket bruker noe som ikke er tillatt i analysen (f.eks. en identifikator).",
            "The expression uses something analysis does not allow (e.g. an identifier).",
        ),
        "expression-missing-comparison": ErrorCode(
            400,
            "En sammenligning med en manglende verdi er alltid usann; bruk sysmiss(x).",
            "A comparison with a missing value is always false; use sysmiss(x).",
        ),
        "expression-range": ErrorCode(
            400,
            "Uttrykket har en konstant utenfor ±10^15, det største et tall kan være.",
            "The expression has a constant beyond ±10^15, the largest a number can be.",
        ),
        "expression-syntax": ErrorCode(
            400,
            "Uttrykket kan ikke leses (feil i skrivemåten).",
            "The expression cannot be read (a syntax error).",
        ),
        "expression-too-complex": ErrorCode(
            400,
            "Uttrykket blir for stort når det oversettes.",
            "The expression becomes too large when translated.",
        ),
        "expression-too-deep": ErrorCode(
            400, "Uttrykket er nøstet for dypt.", "The expression is nested too deeply."
        ),
        "expression-too-long": ErrorCode(
            400, "Uttrykket er for langt.", "The expression is too long."
        ),
        "expression-type": ErrorCode(
            400,
            "En del av uttrykket har feil type (tall, tekst, dato eller sannhetsverdi).",
            "Part of the expression has the wrong type (number, text, date or truth value).",
        ),
        "expression-unknown-function": ErrorCode(
            400, "Funksjonen finnes ikke.", "The function does not exist."
        ),
        "expression-unknown-variable": ErrorCode(
            400,
            "Variabelen finnes ikke i arbeidsområdet.",
            "The variable does not exist in the workspace.",
        ),
        "extract-invalid": ErrorCode(
            422,
            "Uttrekket har feil og ble ikke tatt inn; rapporten lister dem. Ingenting er endret.",
            "The extract has errors and was not ingested; the report lists them. Nothing was changed.",
        ),
        "extract-not-found": ErrorCode(
            404, "Finner ikke uttrekksmappen ….", "The extract folder … does not exist."
        ),
        "fixed-takes-no-date": ErrorCode(
            400,
            "… er FIXED (én verdi per enhet) og tar ingen dato.",
            "… is FIXED (one value per unit) and takes no date.",
        ),
        "destring-needs-text": ErrorCode(
            400,
            "«…» er ikke en tekstvariabel (den er …); destring gjør tekst om til tall.",
            "'…' is not a text variable (it is …); destring turns text into numbers.",
        ),
        "group-statistic-needs-number": ErrorCode(
            400,
            "… krever tall (eller datoer for min, max og median), men «…» er ….",
            "… needs numbers (or dates for min, max and median), but '…' is ….",
        ),
        "identifier-variable": ErrorCode(
            400,
            "«…» holder enhetsidentifikatorer; av dem kan bare count beregnes.",
            "'…' holds unit identifiers; only count can be computed from them.",
        ),
        "import-events-first": ErrorCode(
            400,
            "import_events lager et datasett av hendelser og må være det første steget i et tomt arbeidsområde.",
            "import_events makes a dataset of events and must be the first step of an empty workspace.",
        ),
        "import-events-needs-event": ErrorCode(
            400,
            "… er …, ikke EVENT: bruk import.",
            "… is …, not EVENT: use import.",
        ),
        "import-not-one-value-per-unit": ErrorCode(
            400,
            "Importen ga noen enheter mer enn én verdi på datoen eller i perioden. Velg en annen dato, eller bruk import_event med per_person for hendelser.",
            "The import gave some units more than one value on the date or in the period. Choose another date, or use import_event with per_person for events.",
        ),
        "index-rebuild-failed": ErrorCode(
            500,
            "Søkeindeksen i … kunne ikke bygges (…). Publiserte data er uendret; kjør `regcat reindex` når feilen er rettet.",
            "The search index in … could not be built (…). Released data are unchanged; run `regcat reindex` once the problem is fixed.",
        ),
        "institution-agreement-invalid": ErrorCode(
            403,
            "Institusjonen din har ingen gyldig avtale om tilgang til analyse.",
            "Your institution has no valid agreement for access to analysis.",
        ),
        "institution-exists": ErrorCode(
            409, "Institusjonen … finnes allerede.", "The institution … already exists."
        ),
        "institution-required": ErrorCode(
            400,
            "Forskere og institusjonsadministratorer må høre til en institusjon.",
            "Researchers and institution admins must belong to an institution.",
        ),
        "invalid-agreement-period": ErrorCode(
            400,
            "Avtalen kan ikke slutte før den begynner.",
            "The agreement cannot end before it starts.",
        ),
        "invalid-credentials": ErrorCode(
            401, "Feil brukernavn eller passord.", "Wrong username or password."
        ),
        "invalid-datastore-name": ErrorCode(
            400,
            "«…» er ikke et gyldig datalagernavn. Bruk et omvendt domenenavn med små bokstaver, f.eks. no.ssb.fdb.",
            "«…» is not a valid datastore name. Use a lower-case reverse domain name, e.g. no.ssb.fdb.",
        ),
        "invalid-date": ErrorCode(
            400,
            "«…» må være en dato på formen ÅÅÅÅ-MM-DD, fikk «…».",
            "'…' must be a date of the form YYYY-MM-DD, got '…'.",
        ),
        "invalid-date-range": ErrorCode(
            400,
            "«Gyldig fra» (…) er etter «gyldig til» (…).",
            "“Valid from” (…) is after “valid until” (…).",
        ),
        "invalid-group-statistic": ErrorCode(
            400,
            "«…» må være [statistikk, variabel] med statistikk en av ….",
            "'…' must be [statistic, variable] with statistic one of ….",
        ),
        "invalid-institution-key": ErrorCode(
            400,
            "«…» er ikke en gyldig institusjonsnøkkel (små bokstaver, sifre, bindestrek).",
            "«…» is not a valid institution key (lower-case letters, digits, hyphens).",
        ),
        "invalid-page": ErrorCode(
            400, "Side må være 1–… og antall per side 1–….", "page must be 1–… and per_page 1–…."
        ),
        "invalid-parameters": ErrorCode(
            400,
            "Forespørselen passer ikke til skjemaet: ugyldige parametere eller innhold.",
            "The request does not fit its schema: invalid parameters or body.",
        ),
        "invalid-per-unit": ErrorCode(
            400, "«per_person» må være en av ….", "'per_person' must be one of …."
        ),
        "invalid-period": ErrorCode(
            400,
            "Perioden begynner (…) etter at den slutter (…).",
            "The period starts (…) after it ends (…).",
        ),
        "invalid-recode-rule": ErrorCode(
            400,
            "«…» er ikke et tall, men variabelen har tallverdier.",
            "'…' is not a number, but the variable holds numbers.",
        ),
        "invalid-recode-value": ErrorCode(
            400,
            "Nye verdier må være enten bare tall eller bare tekster.",
            "New values must be either all numbers or all texts.",
        ),
        "invalid-request": ErrorCode(
            400, "Forespørselen må være et JSON-objekt.", "The request must be a JSON object."
        ),
        "invalid-step": ErrorCode(400, "Et steg er ugyldig.", "A step is invalid."),
        "invalid-steps": ErrorCode(
            400,
            "Stegene må være en ikke-tom liste av objekter.",
            "The steps must be a non-empty list of objects.",
        ),
        "invalid-token": ErrorCode(
            401,
            "API-tokenet er feilformet, ugyldig, utløpt eller trukket tilbake.",
            "The API token is malformed, invalid, expired or revoked.",
        ),
        "invalid-token-lifetime": ErrorCode(
            400, "Et token kan vare fra 1 til … dager.", "A token can last from 1 to … days."
        ),
        "invalid-unit-type-file": ErrorCode(
            400, "Enhetstypefilen … er ugyldig: …", "The unit-type file … is invalid: …"
        ),
        "invalid-username": ErrorCode(
            400,
            "«…» er ikke et gyldig brukernavn (små bokstaver, sifre, . _ @ -).",
            "«…» is not a valid username (lower-case letters, digits, . _ @ -).",
        ),
        "invalid-variable-name": ErrorCode(
            400,
            "«…» er ikke et gyldig variabelnavn: bruk en bokstav først, så bokstaver (a–z), sifre eller _, høyst 63 tegn.",
            "'…' is not a valid variable name: start with a letter, then letters (a–z), digits or _, at most 63 characters.",
        ),
        "invalid-version": ErrorCode(
            400,
            "«…» er ikke et versjonsnummer; bruk MAJOR.MINOR.PATCH.DRAFT, f.eks. 1.0.0.0.",
            "«…» is not a version number; use MAJOR.MINOR.PATCH.DRAFT, e.g. 1.0.0.0.",
        ),
        "invalid-via": ErrorCode(
            400,
            "«…» holder ikke enheter av typen …, så … kan ikke importeres gjennom den.",
            "'…' does not hold units of type …, so … cannot be imported through it.",
        ),
        "key-file-exists": ErrorCode(
            409,
            "Nøkkelfilen … finnes allerede og blir ikke overskrevet; en ny nøkkel ville gitt alle enheter nye pseudonymer.",
            "The key file … already exists and is not overwritten; a new key would give every unit new pseudonyms.",
        ),
        "key-file-invalid": ErrorCode(
            400,
            "Pseudonymiseringsnøkkelen … er ødelagt (…); den skal inneholde … byte som heksadesimale tegn. Hent nøkkelen fra sikkerhetskopien.",
            "The pseudonymisation key … is damaged (…); it must hold … bytes as hexadecimal characters. Restore the key from its backup.",
        ),
        "key-file-missing": ErrorCode(
            400,
            "Pseudonymiseringsnøkkelen … finnes ikke. Kjør `regcat init` for å lage den (eller sett REGCAT_KEY_FILE til nøkkelfilen du har).",
            "The pseudonymisation key … does not exist. Run `regcat init` to create it (or set REGCAT_KEY_FILE to the key file you have).",
        ),
        "magnitude-statistics": ErrorCode(
            400, "Velg sum og/eller mean.", "Choose sum and/or mean."
        ),
        "merge-source-panel": ErrorCode(
            400,
            "Datasettet det flettes fra er på panelform (flere rader per enhet); bruk reshape_from_panel der først.",
            "The dataset merged from is in panel form (several rows per unit); use reshape_from_panel there first.",
        ),
        "merge-unit-type-mismatch": ErrorCode(
            400,
            "Kan ikke flette: datasettet det flettes fra har enheter av typen …, men … har …. Flett mellom datasett med samme enhetstype, eller gi «on» en variabel som holder enheter av typen ….",
            "Cannot merge: the dataset merged from has units of type …, but … has …. Merge between datasets of one unit type, or give 'on' a variable holding units of type ….",
        ),
        "missing-description": ErrorCode(
            400,
            'En publisering trenger en beskrivelse: `regcat release --description "..."`.',
            'A release needs a description: `regcat release --description "..."`.',
        ),
        "needs-one-row-per-unit": ErrorCode(
            400,
            "… trenger én rad per enhet, men dataene er på panelform. Bruk reshape_from_panel eller collapse først.",
            "… needs one row per unit, but the data are in panel form. Use reshape_from_panel or collapse first.",
        ),
        "needs-panel-form": ErrorCode(
            400,
            "Panelregresjon med enheten som entitet trenger data på panelform (én rad per enhet og periode). Bruk reshape_to_panel først, eller oppgi entiteten (entity).",
            "Panel regression with the unit as entity needs data in panel form (one row per unit and period). Use reshape_to_panel first, or name the entity (entity).",
        ),
        "no-access-rule": ErrorCode(
            403,
            "Denne adressen har ingen tilgangsregel og er derfor stengt.",
            "This address has no access rule and is therefore closed.",
        ),
        "no-chart": ErrorCode(
            400,
            "Det finnes ingen figur for … med … dimensjoner.",
            "There is no chart for … with … dimensions.",
        ),
        "no-link": ErrorCode(
            400,
            "Det finnes ingen kobling mellom enhetstypene … og … i denne versjonen. Importer gjennom en variabel med «via», eller bygg arbeidsområdet på ….",
            "There is no link between the unit types … and … in this version. Import through a variable with 'via', or build the workspace on ….",
        ),
        "no-population": ErrorCode(
            400,
            "Arbeidsområdet har ingen populasjon ennå: det første steget må være en import.",
            "The workspace has no population yet: the first step must be an import.",
        ),
        "not-a-panel-stem": ErrorCode(
            400,
            "«…» er ikke importert for flere datoer. Slike variabler: … (importer med «dates»).",
            "'…' was not imported for several dates. Such variables: … (import with 'dates').",
        ),
        "not-a-status-date": ErrorCode(
            400,
            "… er ingen statusdato for …. Gyldige datoer: ….",
            "… is not a status date of …. Valid dates: ….",
        ),
        "not-acceptable": ErrorCode(
            406,
            "Formatet du ba om, tilbys ikke her.",
            "The format you asked for is not offered here.",
        ),
        "not-enrolled": ErrorCode(
            403,
            "Du er ikke registrert som bruker. Kontakt administratoren ved institusjonen din.",
            "You are not enrolled as a user. Contact your institution's administrator.",
        ),
        "not-initialised": ErrorCode(
            409,
            "Katalogen er ikke satt opp ennå. Kjør `regcat init` først.",
            "The catalogue has not been set up yet. Run `regcat init` first.",
        ),
        "not-panel": ErrorCode(
            400, "Dataene er ikke på panelform.", "The data are not in panel form."
        ),
        "not-staged": ErrorCode(
            404, "Utkastet har ingen operasjon for ….", "The draft has no operation for …."
        ),
        "not-steward-of-register": ErrorCode(
            403,
            "Du er ikke forvalter av registeret ….",
            "You are not the steward of the register ….",
        ),
        "not-user-admin": ErrorCode(
            403, "Du kan ikke administrere brukere.", "You cannot manage users."
        ),
        "not-your-token": ErrorCode(
            403, "Du kan bare lage tokens for deg selv.", "You can only create tokens for yourself."
        ),
        "oidc-failed": ErrorCode(
            401,
            "Innloggingen hos identitetsleverandøren mislyktes.",
            "Signing in at the identity provider failed.",
        ),
        "oidc-not-configured": ErrorCode(
            404,
            "Innlogging via identitetsleverandør er ikke satt opp.",
            "Sign-in through an identity provider is not configured.",
        ),
        "other-institution": ErrorCode(
            403,
            "Du kan bare administrere brukere ved din egen institusjon (…).",
            "You can only manage users of your own institution (…).",
        ),
        "outer-join-refused": ErrorCode(
            400,
            "outer_join trenger et datasett av arbeidsområdets enhetstype, på én dato, utenfor panelform.",
            "outer_join needs a dataset of the workspace's unit type, at one date, outside panel form.",
        ),
        "output-control-parameters": ErrorCode(
            400, "Ugyldige parametere for utlevering: …", "Invalid output-control parameters: …"
        ),
        "own-request": ErrorCode(
            403,
            "Du kan ikke avgjøre din egen forespørsel.",
            "You cannot decide on your own request.",
        ),
        "panel-date-needed": ErrorCode(
            400,
            "Datovariabelen «…» trengs så lenge dataene er på panelform; bruk reshape_from_panel først.",
            "The date variable '…' is needed while the data are in panel form; use reshape_from_panel first.",
        ),
        "panel-kinds-differ": ErrorCode(
            400,
            "Variablene til «…» har ulike typer og kan ikke samles.",
            "The variables of '…' have different types and cannot be gathered.",
        ),
        "per-unit-needs-number": ErrorCode(
            400,
            "… krever tallverdier, men … har …-verdier.",
            "… needs numbers, but … has … values.",
        ),
        "per-unit-on-identifier": ErrorCode(
            400,
            "… holder enhetsidentifikatorer; bruk first, last eller count.",
            "… holds unit identifiers; use first, last or count.",
        ),
        "per-unit-required": ErrorCode(
            400,
            "Flere …-enheter kan høre til samme enhet i arbeidsområdet. Si hvordan de skal slås sammen med «per_person»: count, min, max, first, last, sum eller mean.",
            "Several … units can belong to one workspace unit. Say how to combine them with 'per_person': count, min, max, first, last, sum or mean.",
        ),
        "percentile-quantiles": ErrorCode(
            400,
            "Kvantilene må ligge strengt mellom 0 og 1.",
            "Quantiles must lie strictly between 0 and 1.",
        ),
        "period-only-for-events": ErrorCode(
            400,
            "… er …: bruk «date» eller «dates», ikke en periode.",
            "… is …: use 'date' or 'dates', not a period.",
        ),
        "port-busy": ErrorCode(
            409,
            "Porten … på … er allerede i bruk (kjører regcat eller en annen tjeneste der?). Velg en ledig port: `regcat serve --port …` eller `make demo PORT=…`.",
            "Port … on … is already in use (is regcat or another service running there?). Choose a free port: `regcat serve --port …` or `make demo PORT=…`.",
        ),
        "query-too-long": ErrorCode(
            400,
            "Søket er for langt (… tegn); bruk høyst … tegn.",
            "The query is too long (… characters); use at most … characters.",
        ),
        "predict-model-withheld": ErrorCode(
            422,
            "Modellen ble holdt tilbake av utdatakontrollen (helt eller for noen koeffisienter) "
            "og gir ingen prediksjon.",
            "Output control withheld the model (wholly or some of its coefficients), so it "
            "gives no prediction.",
        ),
        "rate-limited": ErrorCode(
            429,
            "For mange forsøk. Vent litt og prøv igjen.",
            "Too many attempts. Wait a little and try again.",
        ),
        "panel-no-time-variation": ErrorCode(
            400,
            "«…» varierer ikke over tid innen enhetene (eller bare for færre enn en tabell "
            "viser): faste effekter kan ikke estimere den.",
            "'…' does not vary over time within the units (or only for fewer than a table "
            "shows): fixed effects cannot estimate it.",
        ),
        "too-few-clusters": ErrorCode(
            400,
            "For få klynger i «…»: klyngerobuste standardfeil blir for små. Bruk robust, "
            "eller en variabel med flere klynger.",
            "Too few clusters in '…': cluster-robust standard errors come out too small. Use "
            "robust, or a variable with more clusters.",
        ),
        "survival-time-not-positive": ErrorCode(
            400,
            "Tiden «…» er 0 eller negativ for mange enheter (færre enn en tabell viser gir "
            "en modell som holdes tilbake); Weibull trenger positive tider.",
            "The time '…' is 0 or negative for many units (fewer than a table shows give a "
            "withheld model); Weibull needs positive times.",
        ),
        "did-no-comparison": ErrorCode(
            400,
            "Ingen sammenligningsgruppe: for få enheter med «…» = 0 (aldri behandlet) i "
            "vinduet (færre enn en tabell viser).",
            "No comparison group: too few units with '…' = 0 (never treated) in the window "
            "(fewer than a table shows).",
        ),
        "did-no-support": ErrorCode(
            400,
            "For få behandlede enheter ved hendelsestid … av «…» (færre enn en tabell viser): "
            "effekten der kan ikke estimeres.",
            "Too few treated units at event time … of '…' (fewer than a table shows): the "
            "effect there cannot be estimated.",
        ),
        "rdd-no-support": ErrorCode(
            400,
            "For få enheter på én side av grensen for kjørevariabelen «…» innenfor båndbredden "
            "(færre enn en tabell viser). Velg en annen grense eller en større båndbredde.",
            "Too few units on one side of the cutoff of the running variable '…' within the "
            "bandwidth (fewer than a table shows). Choose another cutoff or a wider bandwidth.",
        ),
        "rdd-bias-bandwidth-released": ErrorCode(
            409,
            "Den robuste inferensen for disse radene er allerede frigitt med "
            "skjevhetsbåndbredde …; bare den kan frigis for dem.",
            "The robust inference of these rows was already released with bias bandwidth …; "
            "only that one can be released for them.",
        ),
        "rdd-vce-released": ErrorCode(
            409,
            "Den robuste inferensen for disse radene er allerede frigitt med vce …; bare den "
            "kan frigis for dem.",
            "The robust inference of these rows was already released with vce …; only that "
            "one can be released for them.",
        ),
        "rdd-design-released": ErrorCode(
            409,
            "Modellen for disse radene er allerede frigitt med båndbredde … og kjerne …; bare "
            "den kan frigis for dem.",
            "The model of these rows was already released with bandwidth … and kernel …; only "
            "that one can be released for them.",
        ),
        "recode-needs-codes": ErrorCode(
            400,
            "recode virker på tall og koder; «…» er ….",
            "recode works on numbers and codes; '…' is ….",
        ),
        "regression-variable-type": ErrorCode(
            400,
            "«…» har koder som ikke er tall; bruk i.… for å ta den med som kategorier.",
            "'…' has codes that are not numbers; use i.… to include it as categories.",
        ),
        "release-has-no-chart": ErrorCode(
            404,
            "Dette frigitte resultatet har ingen figur; last det ned som CSV eller Excel.",
            "This released result has no chart; download it as CSV or Excel.",
        ),
        "release-in-progress": ErrorCode(
            409,
            "En annen publisering av … pågår (…, prosess … på …, siden … UTC). Vent til den er ferdig og prøv igjen.",
            "Another release of … is running (…, process … on …, since … UTC). Wait for it to finish and try again.",
        ),
        "reserved-variable-name": ErrorCode(
            400,
            "«…» er reservert og kan ikke brukes som variabelnavn.",
            "'…' is reserved and cannot be used as a variable name.",
        ),
        "role-not-grantable": ErrorCode(
            403,
            "Du kan ikke tildele eller fjerne rollen ….",
            "You cannot grant or remove the role ….",
        ),
        "role-required": ErrorCode(403, "Dette krever rollen ….", "This needs the role …."),
        "scope-not-allowed": ErrorCode(
            403, "Rollene dine gir ikke omfanget ….", "Your roles do not allow the scope …."
        ),
        "scope-required": ErrorCode(
            400, "Et token må ha minst ett omfang.", "A token needs at least one scope."
        ),
        "script-already-published": ErrorCode(
            409,
            "Skriptet er allerede publisert i biblioteket som …. Lagre en ny versjon og publiser den.",
            "The script is already published in the library as …. Save a new version and publish that.",
        ),
        "script-arguments": ErrorCode(
            400,
            "Argumentene passer ikke til kommandoen (linje …, kolonne …). Meldingen viser skrivemåten.",
            "The arguments do not fit the command (line …, column …). The message shows its form.",
        ),
        "script-binding": ErrorCode(
            400,
            "«let» skrives «let navn = verdi» (linje …).",
            "'let' is written 'let name = value' (line …).",
        ),
        "script-block": ErrorCode(
            400,
            "En «for», «textblock» eller «end» står uten sin partner (linje …).",
            "A 'for', 'textblock' or 'end' stands without its partner (line …).",
        ),
        "script-date": ErrorCode(
            400,
            "Datoen finnes ikke i kalenderen (linje …, kolonne …).",
            "The date does not exist in the calendar (line …, column …).",
        ),
        "script-empty-dataset": ErrorCode(
            400,
            "Datasettet «…» har ingen enheter ennå (linje …, kolonne …). Importer en variabel i det først.",
            "The dataset '…' has no units yet (line …, column …). Import a variable into it first.",
        ),
        "script-encoding": ErrorCode(
            400,
            "Skriptet er ikke UTF-8-tekst, eller har binærdata (linje …, kolonne …).",
            "The script is not UTF-8 text, or holds binary data (line …, column …).",
        ),
        "script-loop": ErrorCode(
            400,
            "Løkken kan ikke leses, eller går over for mange verdier (linje …).",
            "The loop cannot be read, or runs over too many values (line …).",
        ),
        "script-not-supported": ErrorCode(
            422,
            "Kommandoen (eller opsjonen) «…» på linje … kan ikke kjøres ennå i regcat. Ingenting etter den er kjørt; resultatene før den er beholdt.",
            "The command (or option) '…' on line … cannot run in regcat yet. Nothing after it ran; the results before it are kept.",
        ),
        "script-server-unreachable": ErrorCode(
            502,
            "Får ikke kontakt med regcat-tjeneren på … (…). Sjekk --url, og at tjeneren kjører.",
            "Cannot reach the regcat server at … (…). Check --url, and that the server is running.",
        ),
        "script-syntax": ErrorCode(
            400,
            "Linjen kan ikke leses (linje …, kolonne …).",
            "The line cannot be read (line …, column …).",
        ),
        "script-too-long": ErrorCode(
            400,
            "Skriptet er for langt (tegn, linjer, eller kommandoer etter at løkkene er rullet ut).",
            "The script is too long (characters, lines, or commands once its loops are unrolled).",
        ),
        "script-unknown-alias": ErrorCode(
            400,
            "Aliaset «…» er ikke bundet av en «require» (linje …).",
            "The alias '…' is not bound by a 'require' (line …).",
        ),
        "script-unknown-binding": ErrorCode(
            400,
            "«$…» er ikke bundet av «let» eller «for» (linje …, kolonne …).",
            "'$…' is not bound by 'let' or 'for' (line …, column …).",
        ),
        "script-unknown-command": ErrorCode(
            400,
            "Ukjent kommando «…» (linje …).",
            "Unknown command '…' (line …).",
        ),
        "script-unknown-dataset": ErrorCode(
            400,
            "Skriptet har ikke noe datasett «…» (linje …).",
            "The script has no dataset '…' (line …).",
        ),
        "script-unknown-option": ErrorCode(
            400,
            "Kommandoen har ikke opsjonen «…», eller den er skrevet feil (linje …, kolonne …).",
            "The command has no option '…', or it is written wrongly (line …, column …).",
        ),
        "search-unavailable": ErrorCode(
            503,
            "Søket er ikke tilgjengelig akkurat nå. Prøv igjen om litt.",
            "Search is not available right now. Please try again shortly.",
        ),
        "session-required": ErrorCode(
            403,
            "Dette kan bare gjøres innlogget i nettleseren, ikke med et API-token.",
            "This can only be done signed in through the browser, not with an API token.",
        ),
        "setting-invalid": ErrorCode(
            503,
            "… kan ikke være «…»: den skal være …. Rett innstillingen, eller fjern den for å bruke standardverdien «…».",
            "… cannot be '…': it must be …. Correct the setting, or unset it to use the default '…'.",
        ),
        "sign-in-required": ErrorCode(
            401, "Du må logge inn for å bruke dette.", "You must sign in to use this."
        ),
        "statistic-needs-number": ErrorCode(
            400,
            "… krever en tallvariabel, men «…» er …. Bruk tabulate for kategorier.",
            "… needs a numeric variable, but '…' is …. Use tabulate for categories.",
        ),
        "steward-registers": ErrorCode(
            400,
            "En forvalter må ha minst ett register, og bare forvaltere kan ha registre.",
            "A steward needs at least one register, and only stewards have registers.",
        ),
        "token-scope": ErrorCode(
            403, "API-tokenet mangler omfanget «…».", "The API token lacks the scope «…»."
        ),
        "too-many-categories": ErrorCode(
            400, "i.… har flere enn … nivåer.", "i.… has more than … levels."
        ),
        "too-many-cells": ErrorCode(
            400,
            "Median og standardavvik per celle gis for høyst … celler.",
            "Median and standard deviation per cell are given for at most … cells.",
        ),
        "too-many-dates": ErrorCode(
            400, "Panelet har flere enn … datoer.", "The panel has more than … dates."
        ),
        "too-many-parameters": ErrorCode(
            400,
            "Modellen ville fått … parametere; grensen er ….",
            "The model would have … parameters; the limit is ….",
        ),
        "too-many-saved-scripts": ErrorCode(
            409,
            "Du har allerede … lagrede skript. Slett noen og lagre igjen.",
            "You already have … saved scripts. Delete some and save again.",
        ),
        "unit-types-missing": ErrorCode(
            400, "Mappen for enhetstyper … finnes ikke.", "The unit-type folder … does not exist."
        ),
        "unknown-dataset": ErrorCode(
            404,
            "Datasettet finnes ikke i versjonen.",
            "The dataset is not in the version.",
            also=(400,),
        ),
        "unknown-datastore": ErrorCode(
            404,
            "Datalageret «…» finnes ikke. Opprett det med `regcat init --datastore …`.",
            "The datastore «…» does not exist. Create it with `regcat init --datastore …`.",
        ),
        "unknown-export-request": ErrorCode(
            404,
            "Fant ingen utleveringsforespørsel … du har tilgang til.",
            "No export request … that you have access to was found.",
        ),
        "unknown-format": ErrorCode(
            400, "Formatet «…» finnes ikke; velg blant ….", "There is no format «…»; choose from …."
        ),
        "unknown-institution": ErrorCode(
            404, "Institusjonen … finnes ikke.", "The institution … does not exist."
        ),
        "unknown-library-script": ErrorCode(
            404,
            "Biblioteket har ikke noe skript «…».",
            "The library has no script '…'.",
        ),
        "unknown-release": ErrorCode(
            404,
            "Det finnes ikke noe frigitt resultat med denne revisjons-id-en, eller det tilhører en annen bruker.",
            "No released result has this audit id, or it belongs to another user.",
        ),
        "unknown-result-table": ErrorCode(
            404,
            "Resultatet har ingen tabell «…»; velg blant ….",
            "The result has no table '…'; choose from ….",
        ),
        "unknown-role": ErrorCode(
            400, "Ukjent rolle «…». Gyldige: ….", "Unknown role «…». Valid: …."
        ),
        "unknown-scope": ErrorCode(
            400, "Ukjent omfang «…». Gyldige: ….", "Unknown scope «…». Valid: …."
        ),
        "unknown-script": ErrorCode(
            404,
            "Skriptet «…» finnes ikke, eller det tilhører en annen bruker.",
            "The script '…' does not exist, or it belongs to another user.",
        ),
        "unknown-sort": ErrorCode(
            400, "Ukjent sortering «…»; velg blant ….", "Unknown sort order «…»; choose from …."
        ),
        "unknown-statistic": ErrorCode(404, "Ukjent statistikk «…».", "Unknown statistic '…'."),
        "unknown-temporality": ErrorCode(
            400, "Ukjent temporalitet …; velg blant ….", "Unknown temporality …; choose from …."
        ),
        "unknown-token": ErrorCode(404, "Fant ikke tokenet ….", "No token … was found."),
        "unknown-user": ErrorCode(404, "Brukeren … finnes ikke.", "The user … does not exist."),
        "unknown-variable": ErrorCode(
            404, "Finnes ikke i versjonen: ….", "Not in the version: ….", also=(400,)
        ),
        "unknown-version": ErrorCode(
            404, "… har ingen publisert versjon ….", "… has no released version …."
        ),
        "unknown-workspace": ErrorCode(
            404,
            "Arbeidsområdet finnes ikke, eller det tilhører en annen bruker.",
            "The workspace does not exist, or it belongs to another user.",
        ),
        "unstorable-text": ErrorCode(
            422,
            "«…» har et tegn som ikke kan lagres (kontrolltegn eller enslig surrogat).",
            "'…' holds a character that cannot be stored (a control character or lone surrogate).",
        ),
        "uri-too-long": ErrorCode(
            414,
            "Adressen er for lang; bruk høyst … tegn.",
            "The URL is too long; use at most … characters.",
        ),
        "user-exists": ErrorCode(409, "Brukeren … finnes allerede.", "The user … already exists."),
        "variable-exists": ErrorCode(
            400, "Navnet «…» er allerede i bruk.", "The name '…' is already in use."
        ),
        "variable-not-in-version": ErrorCode(
            404,
            "Variabelen «…» finnes ikke i versjon … av ….",
            "The variable «…» is not part of version … of ….",
        ),
        "via-needs-population": ErrorCode(
            400,
            "Den første importen definerer populasjonen og kan ikke gå «via» en variabel.",
            "The first import defines the population and cannot go 'via' a variable.",
        ),
        "weak-password": ErrorCode(
            400,
            "Passordet er for svakt: minst 12 tegn, og ikke brukernavnet (…).",
            "The password is too weak: at least 12 characters, not the username (…).",
        ),
        "workspace-expired": ErrorCode(
            410,
            "Arbeidsområdet gikk ut … UTC etter å ha stått ubrukt. Lag et nytt og kjør stegene (under «details.steps») på nytt.",
            "The workspace expired … UTC after standing unused. Create a new one and run its steps (in 'details.steps') again.",
        ),
        "workspace-memory-limit": ErrorCode(
            422,
            "Arbeidsområdet ville brukt mer minne enn grensen tillater. Ingenting er endret; importer færre variabler, avgrens populasjonen eller slipp variabler du ikke trenger.",
            "The workspace would use more memory than its limit allows. Nothing was changed; import fewer variables, narrow the population or drop variables you do not need.",
        ),
        "workspace-time-limit": ErrorCode(
            422,
            "Forespørselen brukte mer enn … sekunder og ble avbrutt. Ingenting er endret.",
            "The request took more than … seconds and was stopped. Nothing was changed.",
        ),
        "workspace-too-many-steps": ErrorCode(
            422,
            "Arbeidsområdet har nådd grensen for antall steg. Ingenting er endret.",
            "The workspace has reached its limit of steps. Nothing was changed.",
        ),
        "workspace-too-many-variables": ErrorCode(
            422,
            "Arbeidsområdet har nådd grensen for antall variabler. Ingenting er endret.",
            "The workspace has reached its limit of variables. Nothing was changed.",
        ),
    }
)
