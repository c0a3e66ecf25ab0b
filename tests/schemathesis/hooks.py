"""Schemathesis hooks.

- How NDJSON request bodies go on the wire: the imports take
  `application/x-ndjson` (documented as a string: the lines themselves),
  which schemathesis cannot serialize on its own. (The exports' NDJSON
  answers stay unvalidated: each line is one documented object.)
- What a valid request needs beyond its schema: an Idempotency-Key not used
  before, a cursor the list issued, the ETag of the version it changes as
  If-Match (read from the resource, as a client would), references to things
  that exist (run.sh
  passes their ids in ST_* variables), each skill, label and success metric
  named once, targets that differ from baselines, dates in order, an
  organization for a need made by practice staff, and no change to what is
  set at creation. The service answers each
  of these with a documented 4xx; valid requests are made to hold them, as a
  real client's would.
- A "valid" body that breaks a rule across fields the spec states (the
  examples and coverage phases build bodies field by field) is labelled
  invalid, so the service must refuse it.
"""

import base64
import binascii
import datetime
import json
import os
import urllib.error
import urllib.request
import uuid

import schemathesis
from schemathesis.generation.modes import GenerationMode


def _is_positive(case):
    return case.meta is not None and case.meta.generation.mode.is_positive


def _issued_cursor(value):
    """Whether `value` could be a cursor a list issued: base64url of a JSON object."""
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        return isinstance(json.loads(decoded), dict)
    except (binascii.Error, ValueError):
        return False


def _ids(name):
    return [value for value in os.environ.get(name, "").split(",") if value]


BASE_URL = os.environ.get("ST_BASE_URL")
AUTHORIZATION = os.environ.get("ST_AUTHORIZATION")
ORGANIZATION_ID = os.environ.get("ST_ORGANIZATION_ID")
SELF_USER_ID = os.environ.get("ST_SELF_USER_ID")
# What ends a user's tokens at once (role, organization, deactivation, a new password).
STANDING = ("role", "organization_id", "active", "password")
SKILLSET_ID = os.environ.get("ST_SKILLSET_ID")
CANDIDATE_IDS = _ids("ST_CANDIDATE_IDS")
SKILL_KEYS = _ids("ST_SKILL_KEYS")
IMMUTABLE = {
    "/api/v1/skills/{key}": ("key",),
    "/api/v1/skillsets/{id}": ("organization_id",),
    "/api/v1/needs/{id}": ("organization_id",),
    "/api/v1/pipeline-reasons/{code}": ("code",),
    "/api/v1/custom-fields/{resource}/{key}": ("resource", "key", "type", "organization_id"),
}


def _existing(body, counter):
    """`body` with its references to organizations, skillsets, candidates and
    skills replaced by ones that exist (each skill a different one)."""
    if isinstance(body, list):
        return [_existing(item, counter) for item in body]
    if not isinstance(body, dict):
        return body
    out = {}
    for key, value in body.items():
        if key == "organization_id" and isinstance(value, str) and ORGANIZATION_ID:
            value = ORGANIZATION_ID
        elif key == "skillset_id" and isinstance(value, str) and SKILLSET_ID:
            value = SKILLSET_ID
        elif key in ("candidate_id", "successor_candidate_id") and isinstance(value, str) and CANDIDATE_IDS:
            value = CANDIDATE_IDS[0]
        elif key == "candidate_ids" and isinstance(value, list) and CANDIDATE_IDS:
            value = CANDIDATE_IDS[: max(1, min(len(value), len(CANDIDATE_IDS)))]
        elif key == "custom_fields" and isinstance(value, dict):
            # The run defines no custom fields: a value of one is answered 422 unknown_field.
            value = {}
        elif key in ("skill", "skill_key") and isinstance(value, str) and SKILL_KEYS:
            value = SKILL_KEYS[counter[0] % len(SKILL_KEYS)]
            counter[0] += 1
        else:
            value = _existing(value, counter)
        out[key] = value
    return out


def _dates_in_order(body):
    """A consent is recorded once given, and it and an API key expire in the
    future; a candidate is available until a day after being available from."""
    if isinstance(body, list):
        for item in body:
            _dates_in_order(item)
        return
    if not isinstance(body, dict):
        return
    # Consents and API keys: what expires does so in the future.
    now = datetime.datetime.now(datetime.timezone.utc)
    given = _instant(body.get("given_at"))
    if given is not None and given > now:
        body["given_at"] = now.isoformat()
        given = now
    expires = _instant(body.get("expires_at"))
    if expires is not None and expires <= max(given or now, now) + datetime.timedelta(minutes=1):
        body["expires_at"] = None
    start, end = body.get("available_from"), body.get("available_until")
    if isinstance(start, str) and isinstance(end, str) and end < start:
        body["available_from"], body["available_until"] = end, start
    for value in body.values():
        _dates_in_order(value)


def _named_once(body):
    """Lists name each thing once (labels compared trimmed and in lowercase,
    as the service does), and a success criterion's target differs from its
    baseline."""
    if isinstance(body, list):
        seen, kept = set(), []
        for item in body:
            key = item.strip().lower() if isinstance(item, str) else None
            if key is None or key not in seen:
                kept.append(item)
                seen.add(key)
        body[:] = kept
        for item in body:
            _named_once(item)
        return
    if not isinstance(body, dict):
        return
    criteria = body.get("success_criteria")
    if isinstance(criteria, list):
        metrics = set()
        for i, criterion in enumerate(c for c in criteria if isinstance(c, dict)):
            metric = criterion.get("metric")
            if isinstance(metric, str):
                while metric.strip().lower() in metrics:
                    metric = f"{metric.strip()[:190]} {i}"
                    i += 1
                criterion["metric"] = metric
                metrics.add(metric.strip().lower())
            baseline, target = criterion.get("baseline"), criterion.get("target")
            if isinstance(baseline, (int, float)) and baseline == target:
                criterion["target"] = baseline + 1 if abs(baseline) < 1e15 else baseline * 2
    for value in body.values():
        _named_once(value)


def _body_holds(case):
    """Whether the body fits its schema whole. The examples and coverage
    phases build "valid" bodies property by property, without the rules
    across fields (if/then, oneOf, anyOf, not) the spec states. Only JSON
    bodies have such rules: a document's bytes (`format: binary`) are not
    JSON to validate."""
    if not (case.media_type or "").split(";")[0].strip().endswith("json"):
        return True
    for body in case.operation.body:
        if body.media_type == case.media_type:
            return body.is_valid(case.body)
    return True


def _instant(value):
    try:
        instant = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        return None
    if instant is not None and instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.timezone.utc)
    return instant


def _current_etag(case):
    """The ETag a GET of the resource a change names answers, if any: what a
    client sends as If-Match after reading it (no schema can say which version
    is current)."""
    if not (BASE_URL and AUTHORIZATION):
        return None
    request = urllib.request.Request(BASE_URL + case.formatted_path, headers={"Authorization": AUTHORIZATION})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("ETag")
    except (urllib.error.URLError, TimeoutError):
        return None


def _user_patch_agrees(case):
    """A user's organization goes with the role, and the service checks a
    patch's one against the stored other, which no schema can know: a patch
    names both, in agreement, or neither (a request that states what it
    changes, as a client's would). Applied to every case, links included, as
    the stored user may be any; schemathesis relabels what this edits."""
    body = case.body
    if case.method != "PATCH" or case.path != "/api/v1/users/{id}" or not isinstance(body, dict):
        return
    role = body.get("role")
    if "role" not in body:
        body.pop("organization_id", None)
    elif role == "org_member" and ORGANIZATION_ID and not isinstance(body.get("organization_id"), str):
        body["organization_id"] = ORGANIZATION_ID
    elif isinstance(role, str) and role != "org_member":
        body["organization_id"] = None


def _keeps_own_standing(case):
    """The run's own user keeps what its token stands on: a change of role,
    organization, activity or password ends the token at once (401 to every
    later call), as it must. A valid patch of the caller itself leaves those
    out, as a script that must keep working would; any other names a user
    that is not the caller (a missing one: 404)."""
    if (case.path_parameters or {}).get("id") != SELF_USER_ID or not SELF_USER_ID:
        return
    # Through SCIM, any write to the caller makes it a provisioned user whose role its groups decide: a
    # valid one names another user (a missing one: 404).
    if case.path == "/scim/v2/Users/{id}" and case.method in ("PUT", "PATCH", "DELETE"):
        case.path_parameters["id"] = str(uuid.uuid4())
        return
    if case.path != "/api/v1/users/{id}" or case.method not in ("PATCH", "DELETE"):
        return
    if _is_positive(case) and case.method == "PATCH" and isinstance(case.body, dict):
        for field in STANDING:
            case.body.pop(field, None)
    elif case.method == "PATCH":
        case.path_parameters["id"] = str(uuid.uuid4())


@schemathesis.hook
def before_call(ctx, case, kwargs):
    _keeps_own_standing(case)
    _user_patch_agrees(case)
    if not _is_positive(case):
        return
    # Drawn keys ("0", "x:") repeat across cases, and a key reused for another
    # request is answered 422 key_reused (documented): each valid request gets
    # a key of its own, as a client's retry-safe write would.
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    # A candidate's documents are of a candidate that exists (a drawn id is
    # answered 404): uploads land, and what follows them is reached.
    if case.path.startswith("/api/v1/candidates/{id}/documents") and CANDIDATE_IDS and case.path_parameters:
        case.path_parameters["id"] = CANDIDATE_IDS[-1]
    if case.headers and "If-Match" in case.headers and case.method in ("PATCH", "DELETE"):
        etag = _current_etag(case)
        if etag:
            case.headers["If-Match"] = etag
    if isinstance(case.body, (dict, list)):
        case.body = _existing(case.body, [0])
        _dates_in_order(case.body)
        _named_once(case.body)
        # What is set at creation cannot change (422 `immutable`): a patch
        # leaves it out, as the stored value may be any.
        if case.method == "PATCH" and isinstance(case.body, dict):
            for field in IMMUTABLE.get(case.path, ()):
                case.body.pop(field, None)
        # A skill is required or preferred, not both: a patch of one list
        # states the other, which may hold the same skill where it is stored.
        if case.method == "PATCH" and isinstance(case.body, dict):
            lists = ("required_skills", "preferred_skills")
            if sum(name in case.body for name in lists) == 1:
                for name in lists:
                    case.body.setdefault(name, [])
        # Available from and until are checked together: a patch of one states
        # the other (null, open-ended), as the stored one may be any date.
        if case.method == "PATCH" and isinstance(case.body, dict) and isinstance(case.body.get("availability"), dict):
            availability = case.body["availability"]
            dates = ("available_from", "available_until")
            if sum(name in availability for name in dates) == 1:
                for name in dates:
                    availability.setdefault(name, None)
        # A skill's broader and related skills are skills that exist, other
        # than itself (422 unknown_skill / self_reference otherwise): drawn
        # names become distinct existing keys, as many as there are.
        if case.path.startswith("/api/v1/skills") and isinstance(case.body, dict):
            own = {(case.path_parameters or {}).get("key"), case.body.get("key")}
            others = [k for k in SKILL_KEYS if k not in own]
            for name in ("broader", "related"):
                if isinstance(case.body.get(name), list):
                    case.body[name] = others[: len(case.body[name])]
                    others = others[len(case.body[name]):]
        # An exchange rate is of two different currencies (422 same_currency
        # otherwise), which the path's two codes cannot say.
        if case.method == "PUT" and case.path == "/api/v1/exchange-rates/{base}/{quote}/{valid_from}":
            codes = case.path_parameters or {}
            if codes.get("base") == codes.get("quote"):
                codes["quote"] = "EUR" if codes.get("base") != "EUR" else "GBP"
        # A required custom field would make every later valid write of its
        # resource lack a value (the run's bodies carry none): the run's own
        # fields are optional.
        if case.path.startswith("/api/v1/custom-fields") and isinstance(case.body, dict) and "required" in case.body:
            case.body["required"] = False
        # Practice staff name a new need's organization (members may leave it out).
        if case.method == "POST" and case.path == "/api/v1/needs" and ORGANIZATION_ID:
            if isinstance(case.body, dict) and case.body.get("organization_id") is None:
                case.body["organization_id"] = ORGANIZATION_ID
    # A body that breaks a rule across fields is not valid data: it is
    # labelled as what it is, so the service must refuse it
    # (negative_data_rejection) instead.
    if case.body is not None and not _body_holds(case):
        case.meta.generation.mode = GenerationMode.NEGATIVE
        return
    # A cursor is opaque: a drawn one is never one the list issued (400,
    # documented). Dropped, so the rest of the query is still tested.
    if case.query and isinstance(case.query.get("cursor"), str) and case.query["cursor"]:
        if not _issued_cursor(case.query["cursor"]):
            del case.query["cursor"]
    # A report's period runs forward (`from` after `to` is 400, documented), a
    # rule between two parameters no schema states: drawn days are put in order.
    if case.query and isinstance(case.query.get("from"), str) and isinstance(case.query.get("to"), str):
        if case.query["to"] < case.query["from"]:
            case.query["from"], case.query["to"] = case.query["to"], case.query["from"]
    # A custom-field filter names a field the practice defined, and the run
    # defines none (400, documented): dropped, as a drawn cursor is.
    if case.query and "custom_field" in case.query:
        del case.query["custom_field"]


# What removes a candidate for good: a later valid request naming one is
# answered 422 unknown_candidate, rightly.
REMOVES_CANDIDATE = {("DELETE", "/api/v1/candidates/{id}"), ("POST", "/api/v1/candidates/{id}/erase")}


@schemathesis.hook
def after_call(ctx, case, response):
    """A candidate the run removed (the stateful phase follows links to real
    ids) is no longer one valid requests refer to."""
    if (case.method, case.path) in REMOVES_CANDIDATE and 200 <= response.status_code < 300:
        removed = (case.path_parameters or {}).get("id")
        if removed in CANDIDATE_IDS and len(CANDIDATE_IDS) > 1:
            CANDIDATE_IDS.remove(removed)


@schemathesis.serializer("application/x-ndjson")
def ndjson_body(ctx, value):
    # A string is already the lines; anything else (negative tests draw
    # objects and arrays too) becomes one JSON document a line.
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    rows = value if isinstance(value, list) else [value]
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")
