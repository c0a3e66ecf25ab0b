"""Deterministic data set of the load benchmark, loaded through the HTTP API.

Everything is drawn from a seed: candidate i is drawn from its own generator
(seed, i), so the data does not depend on how the loader threads interleave.
The ids are the server's; the content is the same on every run and backend.

The distributions follow src/matching/synthetic.rs (the matching benchmark's
synthetic data): 3-12 skills at levels 1-5, 1-3 languages, 0-3 industries,
day rates 600-2600 in EUR or GBP, availability around 2027-01-01, 85 % active,
90 % with a location in five countries, crisis experience at 25 % per signal.

Python 3.11 standard library only.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

LANGUAGES = ["en", "nl", "de", "fr", "es", "it"]
PROFICIENCIES = ["basic", "professional", "fluent", "native"]
INDUSTRIES = ["retail", "banking", "insurance", "telecom", "hospitality", "healthcare", "logistics", "energy", "media", "saas"]
PLACES = [
    ("NL", ["Amsterdam", "Rotterdam", "Utrecht"]),
    ("DE", ["Berlin", "Munich"]),
    ("GB", ["London", "Manchester"]),
    ("FR", ["Paris"]),
    ("BE", ["Brussels", "Antwerp"]),
]
CURRENCIES = ["EUR", "EUR", "GBP"]
DEGREES = ["MBA", "MSc", "BSc", "BA", "PhD", "MA"]
FIELDS = ["Business", "Marketing", "Psychology", "Finance", "Economics", "Engineering"]
TRAININGS = ["CCXP", "Lean Six Sigma", "Prince2", "Design Thinking", "Customer Journey Mapping", "Change Management"]
WANTED_RECORDS = [
    "Degree in business or marketing",
    "MBA",
    "Psychology degree",
    "Customer experience certification (CCXP)",
    "Lean or Six Sigma training",
    "Finance background",
]
CRISIS_SIGNALS = [
    "negative_customer_feedback",
    "online_reputation_crisis",
    "high_employee_turnover",
    "trouble_recruiting_talent",
    "low_morale_and_engagement",
    "management_issues",
    "significant_sales_drop",
    "kpis_not_met",
]
STATUSES = ["active", "placed", "inactive"]
REMOTE_PREFERENCES = ["onsite", "hybrid", "remote", "flexible"]
REMOTE_POLICIES = ["onsite", "hybrid", "remote"]
URGENCIES = ["low", "normal", "high", "critical"]
SIZES = ["micro", "small", "medium", "large", "enterprise"]
FIRST_NAMES = ["Maria", "Jan", "Sophie", "Lukas", "Emma", "Noah", "Claire", "Pieter", "Anna", "Tom", "Ines", "Marc"]
LAST_NAMES = ["Jansen", "Müller", "Dupont", "Smith", "de Vries", "Peeters", "Martin", "Schmidt", "Brown", "Bakker"]
ROLES = ["Chief Experience Officer", "Chief Customer Officer", "COO", "CFO", "VP Customer Service", "CMO", "CHRO"]
NEED_TITLES = [
    "Interim Chief Experience Officer",
    "Interim Chief Customer Officer",
    "Interim COO",
    "Interim CFO",
    "Interim Head of Customer Service",
    "Interim CHRO",
]
TODAY = date(2027, 1, 1)

# The list-page queries the benchmark rotates through (limit 20): realistic
# recruiter filters of different selectivity.
LIST_QUERIES = [
    "skill=customer-service-strategy&min_level=4&limit=20",
    "status=active&country=NL&limit=20",
    "skill=crisis-management&min_level=3&available_by=2027-03-01&limit=20",
    "industry=retail&language=fr&limit=20",
    "status=active&skill=executive-leadership&min_level=4&country=DE&limit=20",
    "language=en&sort=-updated_at&limit=20",
]


def _day(offset: int, base: date = TODAY) -> str:
    return (base + timedelta(days=offset)).isoformat()


def _signals(rng: random.Random, p: float) -> list[str]:
    return [s for s in CRISIS_SIGNALS if rng.random() < p]


def _place(rng: random.Random) -> dict:
    country, cities = rng.choice(PLACES)
    place = {"country": country}
    if rng.random() < 0.8:
        place["city"] = rng.choice(cities)
    return place


def _rate(rng: random.Random, low: int, high: int) -> dict:
    currency = rng.choice(CURRENCIES)
    return {"amount": max(50, rng.randint(low, high) // 50 * 50), "currency": currency}


def candidate(seed: int, i: int, skills: list[str], email: str | None = None) -> dict:
    """Candidate number i of the data set (independent of every other one)."""
    rng = random.Random(seed * 1_000_003 + i)
    chosen: dict[str, dict] = {}
    for _ in range(rng.randint(3, 12)):
        key = rng.choice(skills)
        level, years = rng.randint(1, 5), rng.randint(0, 25)
        chosen.setdefault(key, {"skill": key, "level": level, "years": years})
    languages: dict[str, dict] = {}
    for _ in range(rng.randint(1, 3)):
        lang = rng.choice(LANGUAGES)
        languages.setdefault(lang, {"language": lang, "proficiency": rng.choice(PROFICIENCIES)})
    industries: list[str] = []
    for _ in range(rng.randint(0, 3)):
        industry = rng.choice(INDUSTRIES)
        if industry not in industries:
            industries.append(industry)
    background = []
    for _ in range(rng.randint(0, 2)):
        entry = {"degree": rng.choice(DEGREES)}
        if rng.random() < 0.8:
            entry["field"] = rng.choice(FIELDS)
        background.append(entry)
    training = [{"name": rng.choice(TRAININGS)} for _ in range(rng.randint(0, 2))]
    availability: dict = {}
    start = None
    if rng.random() < 0.8:
        start_offset = rng.randint(-60, 150)
        start = TODAY + timedelta(days=start_offset)
        availability["available_from"] = start.isoformat()
    if rng.random() < 0.3:
        availability["available_until"] = _day(rng.randint(30, 400), start or TODAY)
    if rng.random() < 0.2:
        availability["max_engagement_months"] = rng.randint(3, 18)
    status = "active" if rng.random() < 0.85 else rng.choice(STATUSES)
    body = {
        "external_id": f"load-{i:07d}",
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "email": email or f"candidate-{i:07d}@load.example",
        "headline": f"Interim {rng.choice(ROLES)} with {rng.randint(5, 30)} years of turnarounds",
        "remote_preference": rng.choice(REMOTE_PREFERENCES),
        "willing_to_travel": rng.random() < 0.5,
        "languages": list(languages.values()),
        "availability": availability,
        "years_experience": rng.randint(0, 35),
        "executive_roles": rng.sample(ROLES, rng.randint(0, 2)),
        "industries": industries,
        "crisis_experience": [],
        "skills": list(chosen.values()),
        "background": background,
        "training": training,
        "status": status,
        "consent": {"given": True, "retention_until": _day(rng.randint(365, 1500))},
    }
    if rng.random() < 0.9:
        body["day_rate"] = _rate(rng, 600, 2600)
    if rng.random() < 0.9:
        body["location"] = _place(rng)
    body["crisis_experience"] = _signals(rng, 0.25)
    return body


def organization(seed: int, i: int) -> dict:
    rng = random.Random(seed * 7_919 + i)
    country, _ = rng.choice(PLACES)
    return {
        "name": f"Load Test Organization {i:03d}",
        "industry": rng.choice(INDUSTRIES),
        "size": rng.choice(SIZES),
        "region": "EMEA",
        "country": country,
    }


def skillset(seed: int, i: int, organization_id: str, skills: list[str]) -> dict:
    """An organization's ideal skillset: 1-4 required skills (the first one a
    must-have half the time), 0-2 preferred, as in synthetic.rs."""
    rng = random.Random(seed * 104_729 + i)
    keys = rng.sample(skills, rng.randint(1, 6))
    required, preferred = [], []
    for n, key in enumerate(keys):
        entry = {"skill": key, "min_level": rng.randint(1, 4), "weight": rng.randint(1, 10)}
        if n < 4:
            entry["must_have"] = n == 0 and rng.random() < 0.5
            required.append(entry)
        else:
            preferred.append(entry)
    body = {
        "organization_id": organization_id,
        "name": f"Load profile {i:03d}",
        "role_title": rng.choice(NEED_TITLES),
        "required_skills": required,
        "preferred_skills": preferred,
        "min_years_experience": rng.randint(0, 15),
        "industries": [x for x in INDUSTRIES if rng.random() < 0.15],
        "background": [x for x in WANTED_RECORDS[:3] if rng.random() < 0.3],
        "training": [x for x in WANTED_RECORDS[3:] if rng.random() < 0.3],
        "languages": [x for x in LANGUAGES[:3] if rng.random() < 0.3],
        "crisis_experience": _signals(rng, 0.2),
    }
    if rng.random() < 0.3:
        body["weights"] = {"skills": rng.randint(0, 60), "crisis_experience": rng.randint(0, 30), "rate": rng.randint(0, 20)}
    return body


def need(seed: int, i: int, organization_id: str, skillset_id: str) -> dict:
    rng = random.Random(seed * 15_485_863 + i)
    reason = rng.choice(["replacement", "new_position", "crisis", "crisis"])
    signals = _signals(rng, 0.2)
    if reason == "crisis" and not signals:
        signals = [rng.choice(CRISIS_SIGNALS)]
    body = {
        "organization_id": organization_id,
        "skillset_id": skillset_id,
        "title": rng.choice(NEED_TITLES),
        "reason": reason,
        "crisis_signals": signals,
        "remote_policy": rng.choice(REMOTE_POLICIES),
        "urgency": rng.choice(URGENCIES),
        "status": "open",
        "charter": {
            "responsibilities": ["Own the customer service strategy"],
            "success_criteria": [{"metric": "Net Promoter Score", "baseline": rng.randint(-30, 10), "target": rng.randint(15, 50)}],
        },
    }
    if rng.random() < 0.9:
        body["start_by"] = _day(rng.randint(0, 90))
    if rng.random() < 0.8:
        body["duration_months"] = rng.randint(3, 12)
    if rng.random() < 0.8:
        body["day_rate_budget"] = _rate(rng, 900, 2200)
    if rng.random() < 0.8:
        body["location"] = _place(rng)
    return body


class HttpError(RuntimeError):
    pass


class Client:
    """One keep-alive connection (http.client), reconnecting when the server closes it."""

    def __init__(self, host: str, port: int, token: str | None = None, timeout: float = 60.0):
        self.host, self.port, self.token, self.timeout = host, port, token, timeout
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None, headers: dict | None = None) -> tuple[int, dict, bytes]:
        hdrs = {"Accept": "application/json"}
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            if isinstance(body, (bytes, str)):
                data = body.encode() if isinstance(body, str) else body
            else:
                data = json.dumps(body, separators=(",", ":")).encode()
                hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                resp = self.conn.getresponse()
                payload = resp.read()
                if resp.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, payload
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server closed: retry once on a new
                # one. Only for idempotent methods, so nothing is written twice.
                self.conn.close()
                self.conn = None
                if attempt or method not in ("GET", "HEAD"):
                    raise
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, body=None, expect=(200, 201)) -> tuple[dict, dict]:
        status, headers, payload = self.request(method, path, body)
        if status not in expect:
            raise HttpError(f"{method} {path} answered {status}: {payload[:500]!r}")
        return json.loads(payload), headers

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def get_token(host: str, port: int, email: str, password: str) -> str:
    from urllib.parse import urlencode

    c = Client(host, port)
    form = urlencode({"grant_type": "password", "username": email, "password": password})
    status, _, payload = c.request(
        "POST", "/api/v1/auth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    c.close()
    if status != 200:
        raise HttpError(f"token request answered {status}: {payload[:300]!r}")
    return json.loads(payload)["access_token"]


@dataclass
class Loaded:
    organization_ids: list[str] = field(default_factory=list)
    skillset_ids: list[str] = field(default_factory=list)
    candidate_ids: list[str] = field(default_factory=list)
    need_ids: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def _parallel_post(host, port, token, path, make_body, count, threads, progress=None) -> list[str]:
    """POSTs make_body(i) for i in range(count) with `threads` keep-alive clients;
    returns the created ids in index order. Fails on the first non-201."""
    ids: list[str | None] = [None] * count
    next_index = [0]
    lock = threading.Lock()
    errors: list[BaseException] = []
    done = [0]

    def worker():
        client = Client(host, port, token)
        try:
            while not errors:
                with lock:
                    i = next_index[0]
                    if i >= count:
                        return
                    next_index[0] += 1
                body = json.dumps(make_body(i), separators=(",", ":"), ensure_ascii=False).encode()
                status, _, payload = client.request("POST", path, body, {"Content-Type": "application/json"})
                if status != 201:
                    raise HttpError(f"POST {path} (item {i}) answered {status}: {payload[:500]!r}")
                ids[i] = json.loads(payload)["id"]
                with lock:
                    done[0] += 1
                    if progress and done[0] % progress[0] == 0:
                        progress[1](done[0])
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            client.close()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, threads))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return [x for x in ids if x is not None]


def load(host: str, port: int, token: str, seed: int, candidates: int, needs: int, threads: int, log) -> Loaded:
    """Loads organizations, skillsets, candidates and open needs; times each part."""
    out = Loaded()
    c = Client(host, port, token)
    taxonomy, _ = c.json("GET", "/api/v1/skills?limit=200")
    out.skills = sorted(s["key"] for s in taxonomy["items"])
    if len(out.skills) < 8:
        raise HttpError(f"the taxonomy has only {len(out.skills)} skills")
    global_sets, _ = c.json("GET", "/api/v1/skillsets?scope=global")
    global_ids = [s["id"] for s in global_sets["items"]]
    c.close()

    n_orgs = 25
    t0 = time.monotonic()
    out.organization_ids = _parallel_post(host, port, token, "/api/v1/organizations", lambda i: organization(seed, i), n_orgs, threads)
    # Two profiles of its own per organization.
    out.skillset_ids = _parallel_post(
        host, port, token, "/api/v1/skillsets",
        lambda i: skillset(seed, i, out.organization_ids[i // 2], out.skills), 2 * n_orgs, threads,
    )
    out.timings["organizations_skillsets"] = time.monotonic() - t0

    t0 = time.monotonic()
    step = max(1000, candidates // 10)

    def report(n):
        elapsed = time.monotonic() - t0
        log(f"    {n:>7} candidates loaded ({n / elapsed:,.0f}/s)")

    out.candidate_ids = _parallel_post(
        host, port, token, "/api/v1/candidates",
        lambda i: candidate(seed, i, out.skills), candidates, threads, (step, report),
    )
    out.timings["candidates"] = time.monotonic() - t0

    def make_need(i):
        rng = random.Random(seed * 31 + i)
        org = rng.randrange(n_orgs)
        # The organization's own profiles, or a global template (the shipped CXO one) a fifth of the time.
        if global_ids and rng.random() < 0.2:
            skillset_id = rng.choice(global_ids)
        else:
            skillset_id = out.skillset_ids[2 * org + rng.randrange(2)]
        return need(seed, i, out.organization_ids[org], skillset_id)

    t0 = time.monotonic()
    out.need_ids = _parallel_post(host, port, token, "/api/v1/needs", make_need, needs, threads)
    out.timings["needs"] = time.monotonic() - t0
    return out
