"""Synthetic news corpora with ground truth, in the seed record format.

:func:`write_corpus` invents a news world and writes it as record files (one YAML
front-matter block each, like ``seeds/``) plus ``truth.json``, the true story groups:

- **events** (stories) of a dozen kinds (funding, launch, acquisition, lawsuit, ...) on
  ten topics, about invented companies, people, products, places and amounts;
- each event is **broken by one outlet** (some outlets lead more often than others) and
  **echoed** by others after a log-normal lag (median 8 h, 95 % within ~40 h, capped at
  5 days); a few echoes are syndicated within the hour and reuse the origin's image;
- every article **rewords** the event: paraphrased title templates with synonyms and
  reorderings, short or full company names, ``$450M`` / ``$450 million`` / ``450 million
  dollars``, one to three excerpt sentences, sometimes truncated with ``...``, sometimes
  absent, sometimes citing the origin outlet ("according to ...");
- **topical distractors**: many events of the same kind and topic every day, and
  follow-up events about a company already in the news a few days earlier;
- records' ``related`` lists mix same-story articles (also later ones), **same-site
  recommendations**, other stories of the topic and sometimes a second same-story pair;
- **URL aliases**: ``www.``, ``?utm_*`` tails, trailing slashes, ``/amp`` and Google AMP
  cache URLs, ``originalUrl`` != ``webUrl``; some outlets have **twin URLs** for one
  article (``markets.`` host); **repeated articles**: the same article is the primary of
  two files, and popular articles appear in many related lists;
- a few **midnight (date-only) stamps**, provider names that differ from the domain or
  are the domain, shared logo images.

``truth.json`` (``format: newsgraph-synth-truth/1``)::

    {"format": "newsgraph-synth-truth/1", "seed": 0, "records": 1000,
     "articles": 2712,                        # distinct articles written
     "stories": {"e000001": {"origin": "https://...", "articles": ["https://...", ...]}, ...}}

``articles`` are canonical URLs (:func:`graph.urls.canonical_url`, the node keys of the
graph), the origin first, then by publication time; only articles that appear in some
file are listed, and only events with at least one written article. Twin URLs of one
article are two articles of the same story. Output is byte-identical for a given
``(records, seed)``.

>>> import tempfile, json, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> summary = write_corpus(out, 40, seed=1)
>>> summary.records, len(list((out / "records").rglob("*.txt")))
(40, 40)
>>> truth = json.loads((out / "truth.json").read_text())
>>> truth["format"], truth["records"]
('newsgraph-synth-truth/1', 40)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .urls import canonical_url

__all__ = ["SynthSummary", "write_corpus"]

TRUTH_FORMAT = "newsgraph-synth-truth/1"
_START = datetime(2023, 1, 2, 0, 0, tzinfo=timezone.utc)

# ------------------------------------------------------------------ vocabulary

_SYLLABLES = (
    "vel trix quor vane zen tek lum ora nex ion cor dyn aro bit sol kin eto mira pax ryn sia tal vis plex "
    "gen nova ly bri cas dor fen gal hol jun kep lor mon nor pel quin ros sab tor ul vor wex yar zul"
).split()
_SUFFIXES = "Robotics Labs Systems Technologies Semiconductor Motors Bank Pharma Networks Energy AI Dynamics Health Cloud".split()
_FIRST = (
    "Maria James Wei Aisha Lukas Priya Diego Sofia Kenji Amara Oliver Fatima Noah Elena Ravi Chloe Mateo Yuki "
    "Hannah Omar Ingrid Tomas Leila Marcus Nadia Felix Zara Victor Mei Samuel"
).split()
_LAST = (
    "Okafor Lindqvist Tanaka Moreau Kowalski Haddad Chen Alvarez Novak Brennan Sato Gupta Fischer Romano Osei "
    "Petrov Nakamura Duarte Keller Abbasi Larsen Mendes Varga Quinn Hoffman Ibarra Costa Nilsen Rahman Weber"
).split()
_PLACES = (
    "Texas Ohio Bavaria Ontario Singapore Osaka Bangalore Lyon Krakow Monterrey Queensland Gothenburg Arizona "
    "Catalonia Taiwan Vietnam Poland Ireland Kenya Chile Malaysia Portugal Finland Hungary Israel Egypt"
).split()
_INVESTORS = (
    "Sequoia|Andreessen Horowitz|Accel|SoftBank|Tiger Global|General Catalyst|Lightspeed|Index Ventures|"
    "Khosla Ventures|Insight Partners|Temasek|Coatue|Founders Fund|Greylock|Bessemer|Atomico|Balderton|"
    "Northzone|Kleiner Perkins|Benchmark|Battery Ventures|Thrive Capital|Spark Capital|Redpoint|Felicis|"
    "Mubadala|GIC|Hillhouse|Qiming|Sapphire|Ribbit|Union Square Ventures|First Round|Elad Gil|Ivy Capital|"
    "Creandum|EQT Ventures|Point72|Coller|DST Global"
).split("|")
_REGULATORS = (
    "the FTC|the European Commission|the SEC|Britain's CMA|the Justice Department|Italy's privacy watchdog|"
    "Japan's FSA|the FCC|Germany's cartel office|France's CNIL|Ireland's data regulator|South Korea's KFTC|"
    "India's CCI|Australia's ACCC|Canada's Competition Bureau|the CFPB|Brazil's CADE|Spain's AEPD|"
    "the Dutch privacy authority|Singapore's MAS|the CFTC|the NHTSA|the FAA|the FDA"
).split("|")
_ADJECTIVES = (
    "humanoid autonomous low-cost open-source quantum modular wearable offline self-healing edge hybrid "
    "recyclable satellite-linked voice-first privacy-focused carbon-neutral ultra-thin solid-state foldable "
    "next-generation multilingual real-time decentralized biodegradable long-range fast-charging "
    "AI-powered cloud-native industrial medical rural subscription-based zero-emission high-altitude "
    "underwater smart military-grade teen-focused enterprise-grade lightweight reusable"
).split()
_THINGS = (
    "robots|warehouse drones|tutoring bots|delivery vans|heart monitors|farm sensors|translation earbuds|"
    "trading bots|home batteries|wind turbines|microscopes|payment rings|crop sprayers|fraud detectors|"
    "coding agents|weather models|protein designers|air taxis|cargo ships|tractors|hearing tests|"
    "insurance apps|kiosks|glasses|sleep trackers|lab assistants|store shelves|traffic lights|"
    "freight trucks|solar tiles|data vaults|game engines|call centers|x-ray scanners|e-readers|"
    "smart locks|cooling systems|chip testers|pet trackers|water filters"
).split("|")
_CHATTER = (
    "{person} said the company had been preparing the move for months.",
    "Investors have been watching the company closely since {year}.",
    "The news was first reported on {weekday}.",
    "Shares of rivals moved little on the report.",
    "Critics say the plan raises questions about competition in {place}.",
    "The company did not respond to a request for comment.",
    "Industry analysts called the timing unusual.",
    "The announcement came days before an industry conference in {place}.",
    "Employees were told of the plan in an internal memo.",
    "{person}, an analyst, said the market would take time to digest it.",
)
#: What each kind of event is called in a reaction or analysis headline.
_SUMMARY = {
    "raise": "[funding round|new funding|cash injection|raise]", "launch": "[launch|new product|debut|release]",
    "acquire": "[deal|takeover|acquisition|purchase]", "lawsuit": "[lawsuit|legal fight|court case]",
    "regulation": "[probe|regulatory trouble|investigation|fine]", "partnership": "[partnership|alliance|tie-up]",
    "layoffs": "[job cuts|layoffs|restructuring]", "earnings": "[results|quarter|earnings]",
    "outage": "[outage|breach|security incident]", "appointment": "[CEO change|leadership shake-up|new chief]",
    "recall": "[recall|safety problem|product defect]", "expansion": "[expansion|new plant|investment plan]",
}
_REACTIONS = (
    "{co} shares [jump|slide|rise|fall|wobble] after {summary}",
    "Why {co}'s {summary} matters",
    "What the {co} {summary} means for the {noun} [market|industry|business]",
    "[Analysts|Investors|Rivals] weigh {co}'s {summary}",
    "{co} {summary}: [five things to know|what we know so far|the key questions]",
    "[Inside|Behind] {co}'s {summary}",
)
_GROUPS = ("authors", "drivers", "investors", "customers", "shareholders", "artists", "former employees",
           "app developers", "parents", "retailers", "musicians", "landlords")


@dataclass(frozen=True)
class _Topic:
    name: str
    descriptors: tuple[str, ...]
    nouns: tuple[str, ...]
    fillers: tuple[str, ...]


_TOPICS = (
    _Topic("AI", ("AI startup", "AI lab", "machine-learning company"), ("chatbot", "language model", "AI assistant", "image generator", "coding assistant", "voice model", "search engine", "recommendation engine"),
           ("Generative AI has drawn record investment this year.", "Rivals are racing to ship larger models.",
            "Regulators are watching the sector closely.")),
    _Topic("AI Hardware", ("chipmaker", "semiconductor firm", "chip designer"), ("AI chip", "GPU", "accelerator", "memory chip", "chip packaging", "inference chip", "wafer", "modem chip"),
           ("Demand for data-center chips keeps outstripping supply.", "Export controls have reshaped the chip trade.",
            "Foundries are booked for months ahead.")),
    _Topic("Electric Vehicles", ("EV maker", "electric-car maker", "battery startup"), ("electric SUV", "battery pack", "charging network", "electric truck", "e-bike", "solid-state battery", "robotaxi", "electric van"),
           ("EV sales growth has slowed in some markets.", "Battery costs fell again last quarter.",
            "Carmakers are cutting prices to keep volumes up.")),
    _Topic("Cloud", ("cloud provider", "software company", "data-center operator"), ("cloud platform", "data center", "database service", "storage service", "cybersecurity suite", "CRM software", "analytics tool", "email service"),
           ("Cloud spending is recovering after a slow year.", "Enterprises keep moving workloads off premises.",
            "Margins in the cloud business remain thin.")),
    _Topic("Crypto", ("crypto exchange", "blockchain firm", "stablecoin issuer"), ("token", "crypto wallet", "trading platform", "stablecoin", "NFT marketplace", "mining rig", "lending protocol", "bitcoin fund"),
           ("Bitcoin traded sideways for most of the week.", "Crypto firms face tighter rules worldwide.",
            "Trading volumes remain below last year's peak.")),
    _Topic("Biotech", ("biotech firm", "drugmaker", "gene-therapy company"), ("cancer drug", "vaccine", "gene therapy", "obesity drug", "diagnostic test", "insulin pump", "antibiotic", "hearing aid"),
           ("Drug approvals picked up this quarter.", "Biotech funding has been volatile.",
            "Trial costs continue to climb.")),
    _Topic("Space", ("rocket company", "satellite operator", "space startup"), ("satellite", "launch vehicle", "lunar lander", "space station module", "satellite phone", "rocket engine", "earth-imaging service", "space tug"),
           ("Launch cadence has doubled in two years.", "Satellite broadband is crowding low orbit.",
            "Governments are buying more commercial launches.")),
    _Topic("Energy", ("utility", "solar developer", "hydrogen startup"), ("solar farm", "wind project", "grid battery", "heat pump", "hydrogen plant", "nuclear reactor", "smart meter", "gas turbine"),
           ("Power prices stayed high through the winter.", "Grid connections are the new bottleneck.",
            "Subsidies are drawing record renewable investment.")),
    _Topic("Fintech", ("payments company", "neobank", "lending platform"), ("payments app", "credit card", "savings account", "buy-now-pay-later service", "mortgage app", "payroll software", "remittance service", "debit card"),
           ("Fintech valuations have fallen from their highs.", "Banks are partnering with startups again.",
            "Regulators want more oversight of lending apps.")),
    _Topic("Telecom", ("telecom operator", "network-equipment maker", "mobile carrier"), ("5G network", "fiber network", "phone plan", "satellite internet", "undersea cable", "cell tower business", "home broadband", "smartphone"),
           ("Operators are spending heavily on 5G.", "Subscriber growth is flattening.",
            "Spectrum auctions are due later this year.")),
)

# Titles and sentences: [a|b] picks one alternative, {slot} is a fact of the event.
_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "raise": (
        ("{co} [raises|secures|lands|pulls in] {amount} [in new funding|in a funding round|from investors]",
         "{investor}-backed {co} [raises|closes] {amount} round",
         "{descriptor} {co} [raises|gets] {amount} to [expand|grow] its {noun} business",
         "{amount} [funding round|investment] for {co}, led by {investor}",
         "{co} valued at {valuation} after {amount} raise",
         "[Exclusive|Scoop]: {co} [nears|closes in on] {amount} [deal|round] led by {investor}"),
        ("{cofull} said on {weekday} it had raised {amount} in a round led by {investor}.",
         "The {descriptor} {co} has [secured|raised] {amount}, [valuing it at|at a valuation of] {valuation}.",
         "{investor} led the {amount} round in {co}, [people familiar with the matter said|the company said]."),
        ("The money will fund work on its {noun}, chief executive {person} said.",
         "{co} was founded in {year} and employs about {n} people.",
         "The round brings its total funding to {total}."),
    ),
    "launch": (
        ("{co} [launches|unveils|debuts|rolls out] {product} {noun}",
         "{co}'s new {product} [takes aim at|challenges|goes after] {rival}",
         "[Meet|First look at] {product}, the {noun} from {co}",
         "{descriptor} {co} [unveils|shows off] {product} to [rival|compete with] {rival}",
         "{co} [introduces|releases] {product}, its [fastest|biggest|cheapest] {noun} yet"),
        ("{cofull} on {weekday} [unveiled|launched|introduced] {product}, a {noun} it says [beats|outperforms] {rival}'s.",
         "{co} showed off {product} at an event in {place}, [pitching|positioning] it against {rival}.",
         "The {product} {noun} from {co} will [ship|be available] in {month}, {person} said."),
        ("It will cost about {price}, the company said.",
         "{person}, {co}'s chief executive, called it the company's most important product.",
         "Analysts expect the {product} to lift sales next year."),
    ),
    "acquire": (
        ("{co} [to buy|to acquire|agrees to buy] {target} for {amount}",
         "{co} [buys|snaps up|acquires] {target} in {amount} deal",
         "{target} [sold to|acquired by] {co} for {amount}",
         "{amount} [deal|takeover]: {co} [swallows|takes over] {target}",
         "{co} [nears|in talks on] {amount} deal for {target}"),
        ("{cofull} agreed to [buy|acquire] {target} for {amount}, the companies said on {weekday}.",
         "{co} will [pay|spend] {amount} for {target}, a {descriptor} based in {place}.",
         "The {amount} [acquisition|purchase] of {target} gives {co} a foothold in the {noun} market."),
        ("The deal is expected to close in {month}, subject to approval.",
         "{target}'s founder {person} will join {co}.",
         "It is {co}'s largest acquisition to date."),
    ),
    "lawsuit": (
        ("{co} [sued|hit with lawsuit] over {noun} [claims|practices]",
         "{plaintiff} [sues|takes] {co} [to court|] over {noun}",
         "[Lawsuit|Class action] accuses {co} of misleading {noun} customers",
         "{co} faces {amount} lawsuit from {plaintiff}",
         "{plaintiff} files suit against {co}, seeks {amount}"),
        ("{plaintiff} [sued|filed a lawsuit against] {cofull} on {weekday}, [seeking|demanding] {amount} in damages.",
         "The suit, filed in {place}, claims {co} [misled|deceived] customers about its {noun}.",
         "{co} [denied|rejected] the claims made by {plaintiff} and said it would fight the suit."),
        ("A hearing is scheduled for {month}.", "{person}, a lawyer for {plaintiff}, declined to comment.",
         "It is the third suit against {co} this year."),
    ),
    "regulation": (
        ("{regulator} [opens probe into|investigates|scrutinizes] {co}'s {noun}",
         "{co} [under investigation|probed] by {regulator} over {noun}",
         "{regulator} [fines|penalizes] {co} {amount} over {noun}",
         "{regulator} [orders|tells] {co} to halt {noun} sales in {place}",
         "[Regulators|Watchdog] [target|go after] {co} over {noun} practices"),
        ("{regulator} said on {weekday} it had opened an investigation into {cofull} over its {noun}.",
         "{co} was [fined|ordered to pay] {amount} by {regulator}, which said the {noun} broke the rules.",
         "The [inquiry|probe] by {regulator} focuses on how {co} sold its {noun} in {place}."),
        ("{co} said it was cooperating with the authorities.", "{person} said the company would appeal.",
         "The decision could set a precedent for the industry."),
    ),
    "partnership": (
        ("{co} and {partner} [team up|partner|join forces] on {noun}",
         "{co} [strikes|signs] {noun} deal with {partner}",
         "{partner} to use {co}'s {noun} in [new|multi-year] deal",
         "{co}, {partner} [announce|unveil] {noun} partnership worth {amount}"),
        ("{cofull} and {partner} said on {weekday} they would [work together|collaborate] on {noun} technology.",
         "Under the deal, worth about {amount}, {partner} will use {co}'s {noun}.",
         "The partnership gives {co} access to {partner}'s customers in {place}."),
        ("Financial terms were not [disclosed|fully disclosed].", "{person} called the deal a milestone.",
         "Shares of {partner} rose {pct} on the news."),
    ),
    "layoffs": (
        ("{co} [to cut|cuts|slashes] {n} jobs",
         "{co} [lays off|sheds] {pct} of its [staff|workforce]",
         "[Layoffs|Job cuts] hit {co} as {noun} demand [slows|weakens]",
         "{descriptor} {co} [announces|plans] {n} layoffs in {place}"),
        ("{cofull} said on {weekday} it would cut about {n} jobs, or {pct} of its workforce.",
         "{co} is [laying off|cutting] {n} employees as demand for its {noun} [slows|cools].",
         "The {n} job cuts at {co} mostly affect staff in {place}, {person} wrote in a memo."),
        ("The company will take a charge of {amount}.", "It is the second round of cuts at {co} this year.",
         "{co}'s shares rose {pct} after the announcement."),
    ),
    "earnings": (
        ("{co} [beats|tops|misses] estimates as {noun} sales [jump|surge|slide]",
         "{co} [revenue|quarterly sales] [rises|climbs|falls] {pct} on {noun} demand",
         "{co} shares [jump|soar|sink|tumble] after [earnings|results]",
         "{co} [raises|cuts] [outlook|forecast] after strong {noun} quarter"),
        ("{cofull} reported quarterly revenue of {amount} on {weekday}, up {pct} from a year earlier.",
         "{co}'s {noun} sales [rose|grew|jumped] {pct} in the quarter, [beating|topping] forecasts.",
         "{co} posted revenue of {amount} and [lifted|raised] its guidance, {person} said."),
        ("The shares moved {pct} in extended trading.", "Analysts had expected revenue of {total}.",
         "{person} said demand for the {noun} remained strong."),
    ),
    "outage": (
        ("{co} [hit by|suffers] [major|global|hours-long] {noun} outage",
         "{co} [data breach|hack] exposes {n} [users|customers]",
         "[Hackers|Attackers] [breach|hit] {co}, {n} accounts [exposed|affected]",
         "{co} {noun} [down|offline] for [hours|users] in {place}"),
        ("{cofull} said on {weekday} that [a breach|an outage] affected about {n} customers of its {noun}.",
         "Users in {place} could not reach {co}'s {noun} for several hours, the company said.",
         "{co} blamed the {noun} [failure|outage] on a faulty update and said {n} accounts were affected."),
        ("Service was restored by the evening.", "{person} apologised to customers.",
         "It is the second such incident at {co} this year."),
    ),
    "appointment": (
        ("{co} [names|appoints|taps] {person} as [CEO|chief executive]",
         "{person} to [lead|run|take the helm at] {co}",
         "{co} CEO [steps down|resigns|departs]; {person} [named|takes over]",
         "[New boss|Leadership change] at {co}: {person} [in|takes charge]"),
        ("{cofull} said on {weekday} it had appointed {person} as chief executive, effective in {month}.",
         "{person}, who [previously ran|used to lead] {partner}'s {noun} unit, will take over at {co}.",
         "{co}'s board named {person} to replace its [founder|longtime CEO]."),
        ("The change comes after a difficult year for {co}.", "Shares rose {pct} on the news.",
         "{person} will be based in {place}."),
    ),
    "recall": (
        ("{co} [recalls|pulls] {n} {noun}s over [safety|fire|defect] [risk|concerns]",
         "{co} {noun} recall [covers|affects] {n} units",
         "[Safety recall|Recall]: {n} {co} {noun}s [affected|called back]"),
        ("{cofull} is recalling about {n} {noun}s because of a [defect|fault] that could cause [fires|failures].",
         "The {co} recall covers {n} {noun}s sold in {place} since {year}.",
         "{co} said on {weekday} it would [fix|replace] {n} {noun}s free of charge."),
        ("No injuries have been reported.", "The recall will cost about {amount}.",
         "Owners will be notified in {month}."),
    ),
    "expansion": (
        ("{co} to [build|open] {amount} {noun} [plant|facility|hub] in {place}",
         "{co} [picks|chooses] {place} for new {noun} [factory|site]",
         "{place} [wins|lands] {amount} {co} {noun} [investment|plant]",
         "{co} [expands|bets big] in {place} with {amount} {noun} project"),
        ("{cofull} will [invest|spend] {amount} on a new {noun} [plant|facility] in {place}, it said on {weekday}.",
         "The {co} site in {place} will employ about {n} people when it opens in {year}.",
         "{co} chose {place} for its {amount} {noun} investment after a year-long search."),
        ("Construction starts in {month}.", "Local officials offered tax incentives.",
         "{person} said the site would double {co}'s capacity."),
    ),
}
_KIND_NAMES = tuple(sorted(_KINDS))
_WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
_MONTHS = "January February March April May June July August September October November December".split()
_SECTIONS = ("news", "tech", "business", "markets", "articles", "story", "world")
_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class SynthSummary:
    """What :func:`write_corpus` wrote."""

    out_dir: str
    records: int
    articles: int
    """Distinct articles that appear in some file (a twin URL counts as another article)."""
    events: int
    stories: int
    """Events with at least two written articles."""
    story_pairs: int
    """Same-story article pairs in ``truth.json``."""
    seconds: float


@dataclass
class _Outlet:
    domain: str
    name: str
    listed_domain: str
    pattern: int
    amp: bool
    twin_host: str | None
    lead: float


@dataclass
class _Event:
    key: str
    kind: str
    topic: _Topic
    facts: dict[str, str]
    start: float
    articles: list[_Article] = field(default_factory=list)


@dataclass
class _Article:
    event: _Event
    outlet: _Outlet
    hours: float
    url: str
    title: str
    excerpt: str | None
    image: str
    quality: int
    date_only: bool
    twin_url: str | None = None
    block: str = ""


def _name(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(syllables)).capitalize()


def _money(rng: random.Random, millions: float) -> str:
    if millions >= 1000:
        value = f"{millions / 1000:.1f}".rstrip("0").rstrip(".")
        return rng.choice((f"${value} billion", f"${value}B", f"${value}bn", f"{value} billion dollars"))
    value = f"{millions:.0f}"
    return rng.choice((f"${value} million", f"${value}M", f"${value}m", f"{value} million dollars", f"${value} mln"))


def _fill(rng: random.Random, template: str, facts: dict[str, str]) -> str:
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    text = text.format_map(facts)
    return re.sub(r"\s+", " ", text).strip()


class _World:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.outlets = self._outlets()
        self.companies: dict[str, list[str]] = defaultdict(list)
        self.used_names: set[str] = set()

    def _outlets(self) -> list[_Outlet]:
        rng = self.rng
        words = ("Daily Ledger|Tech Wire|Market Pulse|Signal|Circuit|Frontier|Dispatch|Chronicle|Observer|Beacon|"
                 "Sentinel|Courier|Gazette|Monitor|Herald|Insider|Brief|Report|Journal|Times|Post|Review|Digest|Bulletin").split("|")
        tlds = (".com", ".com", ".com", ".net", ".io", ".co.uk", ".news", ".cn", ".com.my", ".org")
        outlets: list[_Outlet] = []
        seen: set[str] = set()
        while len(outlets) < 160:
            stem = _name(rng, rng.choice((2, 2, 3)))
            word = rng.choice(words)
            domain = f"{stem.lower()}{word.split()[0].lower()}{rng.choice(tlds)}"
            if domain in seen:
                continue
            seen.add(domain)
            name = rng.choice((f"{stem} {word}", f"{stem} {word}", f"{stem} {word}", stem, domain) if rng.random() < 0.95
                              else (f"{stem.upper()}!News",))
            listed = f"www.{domain}" if rng.random() < 0.2 else domain
            lead = rng.paretovariate(1.5) if len(outlets) < 25 else 0.3 * rng.random()
            twin = f"markets.{domain}" if rng.random() < 0.05 else None
            outlets.append(_Outlet(domain, name, listed, rng.randrange(4), rng.random() < 0.3, twin, lead))
        return outlets

    def company(self, topic: _Topic) -> tuple[str, str]:
        rng = self.rng
        attempt = 0
        while True:
            # Two or three syllables while they last (~113k names); longer names once a
            # large corpus has used most of them, so generation always ends.
            length = rng.choice((2, 2, 3)) if attempt < 20 else 4 + attempt // 200
            attempt += 1
            short = _name(rng, length)
            if short not in self.used_names:
                self.used_names.add(short)
                return short, f"{short} {rng.choice(_SUFFIXES)}"

    def facts(self, topic: _Topic, company: tuple[str, str] | None) -> dict[str, str]:
        rng = self.rng
        short, full = company or self.company(topic)
        partner = self.company(topic)[0]
        millions = round(math.exp(rng.uniform(math.log(5), math.log(20000))), -1 if rng.random() < 0.5 else 0) or 10.0
        return {
            "co": short, "cofull": full, "person": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            "place": rng.choice(_PLACES), "investor": rng.choice(_INVESTORS), "partner": partner,
            "target": self.company(topic)[0], "rival": self.company(topic)[0], "plaintiff": rng.choice((self.company(topic)[0], self.company(topic)[0], f"{rng.randrange(3, 40)} {rng.choice(_GROUPS)}")),
            "regulator": rng.choice(_REGULATORS), "descriptor": rng.choice(topic.descriptors),
            "noun": rng.choice(topic.nouns), "product": f"{short} {rng.choice('XSGQMRZ')}{rng.randrange(2, 99)}",
            "millions": str(millions), "valuation_m": str(millions * rng.randrange(5, 40)),
            "total_m": str(millions * rng.uniform(1.5, 4)), "n": f"{rng.randrange(2, 120) * 100:,}",
            "pct": f"{rng.randrange(2, 40)}%", "year": str(rng.randrange(1995, 2022)),
            "month": rng.choice(_MONTHS), "weekday": rng.choice(_WEEKDAYS), "price": f"${rng.randrange(2, 200) * 10}",
            "angle": f"{rng.choice(_ADJECTIVES)} {rng.choice(_THINGS)}",
        }

    def render(self, event: _Event, cite: str | None, echo: bool = False) -> tuple[str, str | None]:
        rng = self.rng
        titles, leads, details = _KINDS[event.kind]
        if echo and rng.random() < 0.15:
            # A reaction or analysis piece: another angle on the same event.
            titles = tuple(r.replace("{summary}", _SUMMARY[event.kind]) for r in _REACTIONS)
            leads = details + _CHATTER
        facts = dict(event.facts)
        facts["amount"] = _money(rng, float(facts["millions"]))
        facts["valuation"] = _money(rng, float(facts["valuation_m"]))
        facts["total"] = _money(rng, float(facts["total_m"]))
        roll = rng.random()
        if roll < 0.35:
            facts["co"] = facts["cofull"]
        elif roll < 0.45:
            # No name at all: "Ohio-based chipmaker raises $50M".
            facts["co"] = f"{facts['place']}-based {facts['descriptor']}"
        title = _fill(rng, rng.choice(titles), facts)
        if rng.random() < 0.35:
            title = f"{title} {rng.choice(('for', 'in bet on', 'amid push into', 'as it targets'))} {facts['angle']}"
        if rng.random() < 0.15:
            title = f"{title} - {rng.choice(('report', 'sources', 'update'))}"
        if rng.random() < 0.05:
            return title, None
        facts["co"] = event.facts["co"]
        sentences = [_fill(rng, rng.choice(leads), facts)]
        for detail in rng.sample(details, rng.choice((0, 1, 1, 2))):
            sentences.append(_fill(rng, detail, facts))
        if rng.random() < 0.5:
            sentences.insert(rng.randrange(len(sentences) + 1),
                             f"The {rng.choice(('plan', 'move', 'deal', 'news'))} centres on {facts['angle']}.")
        if rng.random() < 0.3:
            sentences.append(rng.choice(event.topic.fillers))
        if rng.random() < 0.4:
            sentences.append(_fill(rng, rng.choice(_CHATTER), facts))
        if rng.random() < 0.2:
            rng.shuffle(sentences)
        if cite is not None:
            sentences.insert(0, f"According to a report from {cite},")
        excerpt = " ".join(sentences)
        if rng.random() < 0.3 and len(excerpt) > 80:
            cut = excerpt[: rng.randrange(60, len(excerpt))].rsplit(" ", 1)[0]
            excerpt = f"{cut} ..."
        return title, excerpt


def _url(rng: random.Random, outlet: _Outlet, title: str, when: datetime, serial: int) -> str:
    slug = _SLUG.sub("-", title.lower()).strip("-")[:80].strip("-")
    if outlet.pattern == 0:
        path = f"/{rng.choice(_SECTIONS)}/{when:%Y/%m/%d}/{slug}"
    elif outlet.pattern == 1:
        path = f"/news/{slug}-{serial}"
    elif outlet.pattern == 2:
        path = f"/articles/{slug}-{serial:08x}"
    else:
        path = f"/page/{when:%Y%m}/{serial}.shtml"
    return f"https://{outlet.domain}{path}"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _stamp(article: _Article) -> str:
    when = _START + timedelta(hours=article.hours)
    if article.date_only:
        return f"{when:%Y-%m-%d}T00:00:00Z"
    return f"{when:%Y-%m-%dT%H:%M}:00Z"


def _alias(rng: random.Random, url: str) -> str:
    roll = rng.random()
    if roll < 0.55:
        return url
    if roll < 0.7:
        return url.replace("https://", "https://www.", 1)
    if roll < 0.85:
        return f"{url}?utm_source={rng.choice(('twitter', 'rss', 'newsletter'))}&utm_medium=social"
    if roll < 0.95:
        return f"{url}/"
    return url.replace("https://", "http://", 1)


def _url_lines(rng: random.Random, article: _Article, indent: str, use_twin: bool) -> str:
    url = article.twin_url if use_twin and article.twin_url else article.url
    web = _alias(rng, url)
    original = _alias(rng, url) if rng.random() < 0.3 else web
    lines = [f"{indent}webUrl: {_q(web)}"]
    if original != web or rng.random() < 0.5:
        lines.insert(0, f"{indent}originalUrl: {_q(original)}")
    if article.outlet.amp:
        lines.append(f"{indent}ampWebUrl: {_q(url + '/amp')}")
        host_path = url.split("://", 1)[1]
        cdn = host_path.split("/", 1)[0].replace(".", "-") + ".cdn.ampproject.org"
        lines.append(f"{indent}cdnAmpWebUrl: {_q(f'https://{cdn}/c/s/{host_path}/amp')}")
    return "\n".join(lines)


def _body(article: _Article, indent: str) -> str:
    """The URL-independent fields of a listing, as YAML lines."""
    outlet = article.outlet
    lines = []
    if article.excerpt is not None:
        lines.append(f"{indent}excerpt: {_q(article.excerpt)}")
    lines.append(f"{indent}publishedDateTime: {_stamp(article)}")
    lines.append(f"{indent}type: article")
    lines.append(f"{indent}provider:\n{indent}  name: {_q(outlet.name)}\n{indent}  domain: {_q(outlet.listed_domain)}")
    lines.append(f"{indent}quality: {article.quality}")
    lines.append(f"{indent}images:\n{indent}  - url: {_q(article.image)}\n{indent}    width: 1200\n{indent}    height: 675\n{indent}    isCached: true")
    return "\n".join(lines)


def write_corpus(out_dir: str | os.PathLike[str], records: int, seed: int = 0) -> SynthSummary:
    """Write ``records`` record files under ``out_dir/records/`` and ``out_dir/truth.json``.

    Deterministic: the same ``records`` and ``seed`` give byte-identical files. Existing
    files of an earlier corpus in ``out_dir/records`` are not removed (use a fresh folder).
    """
    if records < 1:
        raise ValueError(f"records must be at least 1, got {records}")
    started = time.perf_counter()
    rng = random.Random(seed)
    world = _World(rng)
    out = Path(out_dir)
    folder = out / "records"

    # ---- events and their articles, in time order
    per_day = 150.0
    days = max(3.0, records / per_day)
    primary_share = 0.45
    events: list[_Event] = []
    articles: list[_Article] = []
    recent: list[tuple[float, _Topic, tuple[str, str], str]] = []
    lead_weights = [o.lead for o in world.outlets]
    reach_weights = [1.0 / (i + 3) for i in range(len(world.outlets))]
    expected_primaries = 0.0
    clock = 0.0
    serial = 0
    while expected_primaries < records * 1.15:
        clock += rng.expovariate(1.0) * (24.0 * days / (records / (primary_share * 3.2)))
        topic = rng.choice(_TOPICS)
        company = None
        kind = rng.choice(_KIND_NAMES)
        if recent and rng.random() < 0.15:
            pick = rng.randrange(len(recent))
            when, old_topic, old_company, old_kind = recent[pick]
            if clock - when < 24 * 6:
                # A follow-up: the same company in the news again, for something else
                # (once: a company is not in the news every day).
                topic, company = old_topic, old_company
                kind = rng.choice([k for k in _KIND_NAMES if k != old_kind])
                recent.pop(pick)
        facts = world.facts(topic, company)
        if company is None:
            recent.append((clock, topic, (facts["co"], facts["cofull"]), kind))
        if len(recent) > 200:
            recent.pop(0)
        event = _Event(f"e{len(events) + 1:06d}", kind, topic, facts, clock)
        events.append(event)
        size = 1 if rng.random() < 0.3 else min(20, 2 + int(rng.lognormvariate(0.7, 0.8)))
        origin_outlet = rng.choices(world.outlets, weights=lead_weights)[0]
        chosen = [origin_outlet]
        while len(chosen) < size:
            outlet = rng.choices(world.outlets, weights=reach_weights)[0]
            if outlet not in chosen:
                chosen.append(outlet)
        for index, outlet in enumerate(chosen):
            if index == 0:
                hours = clock
            elif rng.random() < 0.08:
                hours = clock + rng.uniform(0.05, 0.9)
            else:
                hours = clock + min(120.0, rng.lognormvariate(math.log(8.0), 1.0))
            serial += 1
            cite = None
            if index > 0 and rng.random() < 0.2:
                cite = chosen[0].name
            title, excerpt = world.render(event, cite, echo=index > 0)
            moment = _START + timedelta(hours=hours)
            url = _url(rng, outlet, title, moment, serial)
            image = f"https://img.{outlet.domain}/{moment:%Y/%m}/{serial:x}.jpg"
            if index > 0 and rng.random() < 0.12 and event.articles:
                image = event.articles[0].image
            elif rng.random() < 0.04:
                image = f"https://{outlet.domain}/static/logo.png"
            article = _Article(event, outlet, hours, url, title, excerpt, image, rng.randrange(5, 95),
                               rng.random() < 0.03)
            if outlet.twin_host and rng.random() < 0.5:
                article.twin_url = url.replace(f"https://{outlet.domain}", f"https://{outlet.twin_host}", 1)
            event.articles.append(article)
            articles.append(article)
        expected_primaries += size * primary_share
    articles.sort(key=lambda a: (a.hours, a.url))

    # ---- time buckets for picking related items
    by_day: dict[int, list[_Article]] = defaultdict(list)
    by_outlet_day: dict[tuple[str, int], list[_Article]] = defaultdict(list)
    for article in articles:
        day = int(article.hours // 24)
        by_day[day].append(article)
        by_outlet_day[(article.outlet.domain, day)].append(article)

    # ---- records: primaries in time order, some articles repeated as primaries
    primaries = [a for a in articles if rng.random() < primary_share]
    while len(primaries) < records:
        primaries.append(articles[rng.randrange(len(articles))])
    primaries = primaries[:records]
    repeats = max(0, records // 33)
    for _ in range(repeats):
        primaries[rng.randrange(records)] = primaries[rng.randrange(records)]

    written: dict[str, _Article] = {}
    twin_written: set[str] = set()
    folder.mkdir(parents=True, exist_ok=True)
    shard_dirs: set[str] = set()
    for number, primary in enumerate(primaries):
        related = _related(rng, primary, by_day, by_outlet_day)
        use_twin = primary.twin_url is not None and rng.random() < 0.5
        if use_twin:
            twin_written.add(primary.url)
        else:
            written[primary.url] = primary
        text = _record_text(rng, primary, related, use_twin, written, twin_written)
        digest = hashlib.sha1(f"{seed}:{number}:{primary.url}".encode()).hexdigest()[:16]
        shard = f"{number // 1000:03d}"
        if shard not in shard_dirs:
            (folder / shard).mkdir(exist_ok=True)
            shard_dirs.add(shard)
        (folder / shard / f"{number:06d}_{digest}.txt").write_text(text, encoding="utf-8")

    # ---- truth
    stories: dict[str, dict[str, object]] = {}
    story_count = pairs = 0
    total_articles = 0
    for event in events:
        urls: list[str] = []
        for article in sorted(event.articles, key=lambda a: (a.hours, a.url)):
            if article.url in written:
                urls.append(canonical_url(article.url))
            if article.url in twin_written and article.twin_url:
                urls.append(canonical_url(article.twin_url))
        if not urls:
            continue
        origin = event.articles[0]
        origin_url = canonical_url(origin.url) if origin.url in written else urls[0]
        ordered = [origin_url] + [u for u in urls if u != origin_url]
        stories[event.key] = {"origin": origin_url, "articles": ordered}
        total_articles += len(ordered)
        if len(ordered) >= 2:
            story_count += 1
            pairs += len(ordered) * (len(ordered) - 1) // 2
    truth = {"format": TRUTH_FORMAT, "seed": seed, "records": records, "articles": total_articles,
             "stories": stories}
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return SynthSummary(str(out), records, total_articles, len(stories), story_count, pairs,
                        time.perf_counter() - started)


def _related(
    rng: random.Random,
    primary: _Article,
    by_day: dict[int, list[_Article]],
    by_outlet_day: dict[tuple[str, int], list[_Article]],
) -> list[_Article]:
    """A related list: same-story items, same-site recommendations, other stories of the topic."""
    if rng.random() < 0.1:
        return []
    day = int(primary.hours // 24)
    chosen: list[_Article] = []
    same = [a for a in primary.event.articles if a is not primary]
    rng.shuffle(same)
    chosen.extend(same[: rng.randrange(0, 7)])
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        pool = by_outlet_day.get((primary.outlet.domain, day - rng.randrange(0, 4)), [])
        if pool:
            pick = pool[rng.randrange(len(pool))]
            if pick.event is not primary.event:
                chosen.append(pick)
    nearby = by_day.get(day + rng.choice((-1, 0, 0, 0, 1)), [])
    topical = [a for a in nearby if a.event.topic is primary.event.topic and a.event is not primary.event]
    for _ in range(rng.choice((0, 1, 2, 3))):
        if topical:
            chosen.append(topical[rng.randrange(len(topical))])
    if rng.random() < 0.15 and topical:
        other = topical[rng.randrange(len(topical))].event
        chosen.extend(other.articles[:2])
    unique: list[_Article] = []
    for article in chosen:
        if article not in unique and article is not primary:
            unique.append(article)
    rng.shuffle(unique)
    return unique[:10]


def _record_text(
    rng: random.Random,
    primary: _Article,
    related: list[_Article],
    use_twin: bool,
    written: dict[str, _Article],
    twin_written: set[str],
) -> str:
    event = primary.event
    topics = [event.topic.name] + (["AI"] if event.topic.name != "AI" and rng.random() < 0.2 else [])
    parts = [
        "---",
        "category: news",
        f"title: {_q(primary.title)}",
    ]
    if primary.excerpt is not None:
        parts.append(f"excerpt: {_q(primary.excerpt)}")
    parts.append(f"publishedDateTime: {_stamp(primary)}")
    parts.append(_url_lines(rng, primary, "", use_twin))
    parts.append("type: article")
    parts.append(f"quality: {primary.quality}")
    parts.append("heat: -1")
    parts.append("published: false")
    parts.append("")
    outlet = primary.outlet
    parts.append(f"provider:\n  name: {_q(outlet.name)}\n  domain: {_q(outlet.listed_domain)}")
    parts.append("")
    parts.append("topics:\n" + "\n".join(f"  - {_q(t)}" for t in topics))
    parts.append("")
    parts.append(f"images:\n  - url: {_q(primary.image)}\n    width: 1200\n    height: 675\n    isCached: true")
    if related:
        parts.append("")
        parts.append("related:")
        for article in related:
            if not article.block:
                article.block = _body(article, "    ")
            twin = article.twin_url is not None and rng.random() < 0.3
            if twin:
                twin_written.add(article.url)
            else:
                written[article.url] = article
            parts.append(f"  - title: {_q(article.title)}")
            parts.append(_url_lines(rng, article, "    ", twin))
            parts.append(article.block)
    parts.append("")
    parts.append(f"secured: {_q(f'{rng.getrandbits(128):032x}')}")
    parts.append("---")
    return "\n".join(parts) + "\n"
