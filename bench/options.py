"""What one bench run measures: its scenarios, the services it starts and their databases.

Every part of a run shares one pass-through reference and one fake upstream, so each
service's figures are compared with the reference measured in the same run, under the same
conditions (see README.md, "What runs where").
"""

from __future__ import annotations

from dataclasses import dataclass

SERVER_CORE = 0
LOAD_CORE = 1
TARGETS = ("direct", "reference", "floor", "service")
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
class Variant:
    """The event loop and JSON library a server runs with; the reference shares the loop."""

    loop: str = "asyncio"
    json_library: str = "json"

    @property
    def suffix(self) -> str:
        """'' for the standard library's loop and JSON, else what differs ('uvloop')."""
        parts = [self.loop] if self.loop != "asyncio" else []
        parts += [self.json_library] if self.json_library != "json" else []
        return "".join(f" {part}" for part in parts)

    @property
    def reference(self) -> str:
        """The name of the reference this variant is compared with: same loop."""
        return "reference" + Variant(self.loop).suffix


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
    variant: Variant = Variant()

    def runs(self, scenario: Scenario) -> bool:
        return not self.only or scenario.name in self.only


@dataclass(frozen=True, slots=True)
class Flatness:
    """The two ends of each flatness range; the near ends share one service."""

    accounts: tuple[int, int] = FLAT_ACCOUNTS
    rows: tuple[int, int] = FLAT_ROWS
    #: The same sample of users at every end, so only the table sizes differ.
    users: int = FLAT_ACCOUNTS[0]

    def specs(self, scenario: str, variant: Variant) -> list[ServiceSpec]:
        near, far = self.accounts
        empty, full = self.rows
        ends = {
            flat_name(near, empty): (near, empty),
            flat_name(far, empty): (far, empty),
            flat_name(near, full): (near, full),
        }
        users = min(self.users, near)
        return [
            ServiceSpec(name, accounts, rows, users, only=(scenario,), variant=variant)
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
    #: Each service runs under each, interleaved in one run; flatness and held use the first.
    variants: tuple[Variant, ...] = (Variant(),)
    #: A command the servers under test run inside (callgrind's, for `bench.instructions`);
    #: never the upstream's.
    wrapper: tuple[str, ...] = ()

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
        """The services to start: one per replica count and variant, then the flatness ends
        (under the first variant)."""
        if "service" not in self.targets:
            return []
        users = min(self.users, self.accounts)
        specs = [
            ServiceSpec(
                service_name(replicas, variant),
                self.accounts,
                self.history_rows,
                users,
                replicas,
                variant=variant,
            )
            for replicas in self.replicas
            for variant in self.variants
        ]
        if self.flatness is not None:
            specs += self.flatness.specs(self.flat_scenario, self.variants[0])
        return specs

    def references(self) -> list[Variant]:
        """One reference per event loop of the run."""
        if "reference" not in self.targets:
            return []
        loops = dict.fromkeys(variant.loop for variant in self.variants)
        return [Variant(loop) for loop in loops]

    def floor(self) -> ServiceSpec | None:
        """The floor's database (bench.floor), like the first service's; SQLite only: on
        PostgreSQL the floor would be the server's statements, which the report counts."""
        if "floor" not in self.targets or self.database is not None:
            return None
        return ServiceSpec("floor", self.accounts, 0, min(self.users, self.accounts))

    def time_bound(self) -> float:
        """Upper bound of a whole run: every window, its slack, and every start-up.

        Seeding and the held streams have generous bounds of their own, added here, so a
        run that is merely slow (a busy machine) is never cut short.
        """
        per_window = self.warmup + self.seconds + LOADGEN_SLACK_SECONDS
        services = self.services()
        plain = ("direct" in self.targets) + len(self.references()) + (self.floor() is not None)
        windows = plain * len(self.scenarios())
        windows += sum(
            1 for spec in services for scenario in self.scenarios() if spec.runs(scenario)
        )
        processes = plain + 1 + sum(spec.replicas for spec in services)
        bound = self.rounds * windows * per_window + processes * self.startup_timeout + 60
        seeded_millions = sum(spec.history_rows + spec.accounts for spec in services) / 1e6
        bound += SEED_SECONDS_PER_MILLION_ROWS * (seeded_millions + 1) * 2  # seed + copy
        return bound + (HELD_BOUND_SECONDS if self.held_streams else 0.0)


def service_name(replicas: int, variant: Variant = Variant()) -> str:
    name = "service" if replicas == 1 else f"service x{replicas}"
    return name + variant.suffix
