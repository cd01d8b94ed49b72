"""What one bench run measures: its scenarios, the services it starts and their databases.

Every part of a run shares one pass-through reference and one fake upstream, so each
service's figures are compared with the reference measured in the same run, under the same
conditions (see README.md, "What runs where").
"""

from __future__ import annotations

from dataclasses import dataclass

SERVER_CORE = 0
LOAD_CORE = 1
TARGETS = ("direct", "reference", "service")
#: The issue's ends of the flatness ranges; `--flat-accounts` and `--flat-rows` move them.
FLAT_ACCOUNTS = (10, 100_000)
FLAT_ROWS = (0, 10_000_000)
#: The scenario the flatness ends are measured in (the issue's "chat").
FLAT_SCENARIO = "non-stream c={concurrency}"
LOADGEN_SLACK_SECONDS = 20.0
#: Generous bounds of the slow parts (a busy machine seeds 10 M rows in about 3 minutes).
SEED_SECONDS_PER_MILLION_ROWS = 60.0
HELD_BOUND_SECONDS = 1200.0


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    concurrency: int
    stream: bool


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One service under test: its database's seeding and how many processes serve it.

    `users` accounts of the seeded `accounts` get keys the load generator uses; the load
    spreads over them, so the gate looks each one up in a table of `accounts` rows.
    """

    name: str
    accounts: int
    history_rows: int
    users: int
    replicas: int = 1
    #: Scenario names this service runs; empty: every scenario of the run.
    only: tuple[str, ...] = ()

    def runs(self, scenario: Scenario) -> bool:
        return not self.only or scenario.name in self.only


@dataclass(frozen=True, slots=True)
class Flatness:
    """The two ends of each flatness range; the near ends share one service."""

    accounts: tuple[int, int] = FLAT_ACCOUNTS
    rows: tuple[int, int] = FLAT_ROWS
    #: The same sample of users at every end, so only the table sizes differ.
    users: int = FLAT_ACCOUNTS[0]

    def specs(self, scenario: str) -> list[ServiceSpec]:
        near, far = self.accounts
        empty, full = self.rows
        ends = {
            flat_name(near, empty): (near, empty),
            flat_name(far, empty): (far, empty),
            flat_name(near, full): (near, full),
        }
        users = min(self.users, near)
        return [
            ServiceSpec(name, accounts, rows, users, only=(scenario,))
            for name, (accounts, rows) in ends.items()
        ]


def flat_name(accounts: int, rows: int) -> str:
    return f"flat a={accounts} r={rows}"


@dataclass(frozen=True, slots=True)
class Options:
    seconds: float
    warmup: float
    concurrency: int
    targets: tuple[str, ...]
    startup_timeout: float
    rounds: int = 1
    #: None: a fresh SQLite file per service; else a PostgreSQL DSN (a schema per service).
    database: str | None = None
    accounts: int = 1
    history_rows: int = 0
    users: int = 64
    replicas: tuple[int, ...] = (1,)
    flatness: Flatness | None = None
    held_streams: int = 0
    loop: str = "asyncio"
    json_library: str = "json"

    def scenarios(self) -> list[Scenario]:
        high = self.concurrency
        return [
            Scenario("non-stream c=1", 1, stream=False),
            Scenario(f"non-stream c={high}", high, stream=False),
            Scenario(f"stream c={high}", high, stream=True),
        ]

    @property
    def flat_scenario(self) -> str:
        return FLAT_SCENARIO.format(concurrency=self.concurrency)

    def services(self) -> list[ServiceSpec]:
        """The services to start: one per replica count, then the flatness ends."""
        if "service" not in self.targets:
            return []
        users = min(self.users, self.accounts)
        specs = [
            ServiceSpec(service_name(replicas), self.accounts, self.history_rows, users, replicas)
            for replicas in self.replicas
        ]
        if self.flatness is not None:
            specs += self.flatness.specs(self.flat_scenario)
        return specs

    def time_bound(self) -> float:
        """Upper bound of a whole run: every window, its slack, and every start-up.

        Seeding and the held streams have generous bounds of their own, added here, so a
        run that is merely slow (a busy machine) is never cut short.
        """
        per_window = self.warmup + self.seconds + LOADGEN_SLACK_SECONDS
        services = self.services()
        plain = [name for name in self.targets if name != "service"]
        windows = len(plain) * len(self.scenarios())
        windows += sum(
            1 for spec in services for scenario in self.scenarios() if spec.runs(scenario)
        )
        processes = 2 + sum(spec.replicas for spec in services)
        bound = self.rounds * windows * per_window + processes * self.startup_timeout + 60
        seeded_millions = sum(spec.history_rows + spec.accounts for spec in services) / 1e6
        bound += SEED_SECONDS_PER_MILLION_ROWS * (seeded_millions + 1) * 2  # seed + copy
        return bound + (HELD_BOUND_SECONDS if self.held_streams else 0.0)


def service_name(replicas: int) -> str:
    return "service" if replicas == 1 else f"service x{replicas}"
