"""The request mix and the concurrent clients that send it (aiohttp on asyncio)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from core.loadtest.data import Fixture

# Relative weights of each kind of request in the mix: mostly reads, as on the live platform.
WEIGHTS: dict[str, int] = {
    "needs_list": 25,
    "outcomes_list": 20,
    "need_detail": 15,
    "need_matches": 10,
    "analytics_funnel": 5,
    "need_create": 10,
    "preview": 15,
}
KINDS = tuple(WEIGHTS)
SEARCH_TERMS = ("钛合金", "传感器", "氢能", "涂层", "刀具寿命", "碳化硅", "检测", "催化剂")
JSON = {"Accept": "application/json"}


@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    path: str
    token: str | None = None
    body: dict[str, Any] | None = None
    expect: int = 200


@dataclass
class Sample:
    kind: str
    status: int
    ms: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.detail == ""


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    created_need_ids: list[int] = field(default_factory=list)


class Mix:
    """Builds the next request of the mix, from the fixture's accounts and rows (seeded, reproducible)."""

    def __init__(self, fixture: Fixture, tokens: dict[str, str], seed: int = 7) -> None:
        self.fixture = fixture
        self.rng = random.Random(seed)
        self.manager = tokens[fixture.manager]
        self.members = [(tokens[user], code) for user, code in fixture.enterprise_members.items() if user in tokens]
        self.created = 0

    def any_kind(self) -> str:
        return self.rng.choices(KINDS, weights=[WEIGHTS[k] for k in KINDS])[0]

    def call(self, kind: str) -> Call:
        return getattr(self, f"_{kind}")()

    def _reader(self) -> str | None:
        """Anonymous, an enterprise member or a manager: each reads the lists differently."""
        who = self.rng.randrange(3)
        return None if who == 0 else self.rng.choice(self.members)[0] if who == 1 else self.manager

    def _needs_list(self) -> Call:
        r, f = self.rng, self.fixture
        query = r.choice(
            (
                f"industry_chain={r.choice(f.chains)}&status=open",
                f"city={r.choice(f.cities)}",
                f"search={r.choice(SEARCH_TERMS)}",
                f"budget_min=10&budget_max={r.choice((100, 300, 1000))}&min_trl_min=3",
                "ordering=-created_at",
            )
        )
        return Call("needs_list", "GET", f"/api/v1/needs/?{query}", self._reader())

    def _outcomes_list(self) -> Call:
        r, f = self.rng, self.fixture
        query = r.choice(
            (
                f"industry_chain={r.choice(f.chains)}&trl_min={r.randint(3, 6)}",
                f"search={r.choice(SEARCH_TERMS)}",
                f"price_max={r.choice((50, 100, 500))}&status=available",
                f"page={r.randint(1, max(1, min(5, f.available_outcomes // 20)))}",
            )
        )
        return Call("outcomes_list", "GET", f"/api/v1/outcomes/?{query}", self._reader())

    def _need_detail(self) -> Call:
        reader = self._reader()
        # Anonymous readers and members see open needs; a manager sees every need.
        ids = self.fixture.all_need_ids if reader == self.manager else self.fixture.open_need_ids
        return Call("need_detail", "GET", f"/api/v1/needs/{self.rng.choice(ids)}/", reader)

    def _need_matches(self) -> Call:
        ids = self.fixture.matched_need_ids or self.fixture.open_need_ids
        return Call("need_matches", "GET", f"/api/v1/needs/{self.rng.choice(ids)}/matches/", self.manager)

    def _analytics_funnel(self) -> Call:
        query = self.rng.choice(("", f"?industry_chain={self.rng.choice(self.fixture.chains)}"))
        return Call("analytics_funnel", "GET", f"/api/v1/analytics/funnel/{query}", self.manager)

    def _need_create(self) -> Call:
        token, enterprise = self.rng.choice(self.members)
        template = self.rng.choice(self.fixture.need_templates)
        self.created += 1
        body = {
            **{k: v for k, v in template.items() if v is not None},
            "enterprise": enterprise,
            "title": f"{template['title'][:170]}（负载测试 {self.created}）",
            "status": "open",
            "confidential": False,
        }
        if "budget_wan" in body:
            body["budget_wan"] = str(body["budget_wan"])
        return Call("need_create", "POST", "/api/v1/needs/", token, body, expect=201)

    def _preview(self) -> Call:
        template = self.rng.choice(self.fixture.need_templates)
        token = self.manager if self.rng.random() < 0.5 else self.rng.choice(self.members)[0]
        body = {"text": f"{template['title']}\n{template['description']}", "limit": 10}
        if self.rng.random() < 0.5:
            body["industry_chain"] = template["industry_chain"]
        return Call("preview", "POST", "/api/v1/match/preview/", token, body)


async def _send(session: aiohttp.ClientSession, base: str, call: Call, run: Run | None) -> Sample:
    headers = dict(JSON)
    if call.token:
        headers["Authorization"] = f"Token {call.token}"
    start = time.perf_counter()
    try:
        async with session.request(call.method, base + call.path, json=call.body, headers=headers) as response:
            payload = await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError) as exc:
        return Sample(call.kind, 0, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}: {exc}")
    ms = (time.perf_counter() - start) * 1000
    if status != call.expect:
        return Sample(call.kind, status, ms, f"{call.method} {call.path} → {status}: {payload[:300]!r}")
    if call.kind == "need_create" and run is not None:
        run.created_need_ids.append(int(json.loads(payload)["id"]))
    return Sample(call.kind, status, ms)


def _session(concurrency: int, timeout: float) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


async def login(base: str, usernames: list[str], password: str) -> dict[str, str]:
    """API tokens through the public login endpoint, as a client gets them."""
    tokens: dict[str, str] = {}
    async with _session(4, 60) as session:
        for username in usernames:
            async with session.post(
                f"{base}/api/v1/auth/token/", data={"username": username, "password": password}, headers=JSON
            ) as response:
                if response.status != 200:
                    raise RuntimeError(f"login of {username} answered {response.status}: {await response.text()}")
                tokens[username] = (await response.json())["token"]
    return tokens


async def warm_up(base: str, mix: Mix, per_kind: int, timeout: float) -> Run:
    """Every kind `per_kind` times at once, so each gunicorn worker has loaded its index and code."""
    run = Run()
    async with _session(per_kind, timeout) as session:
        for kind in KINDS:
            calls = [mix.call(kind) for _ in range(per_kind)]
            run.samples += await asyncio.gather(*(_send(session, base, c, run) for c in calls))
    return run


async def load(base: str, mix: Mix, *, concurrency: int, requests: int, seconds: float, timeout: float) -> Run:
    """`concurrency` clients send the mix until `requests` were sent or `seconds` passed."""
    run = Run()
    sent = 0
    start = time.perf_counter()
    deadline = start + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal sent
        while sent < requests and time.perf_counter() < deadline:
            sent += 1
            run.samples.append(await _send(session, base, mix.call(mix.any_kind()), run))

    async with _session(concurrency, timeout) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    run.seconds = time.perf_counter() - start
    return run
