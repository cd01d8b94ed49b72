"""Starting the servers of a run: the fake upstream, the reference, and the services.

Placement on a machine with two cores or more: the servers being compared (the reference,
every replica of every service) get core 0, one at a time under load; the fake upstream and
the load generator share core 1. The reference and the service start through the same
launcher (bench.launch) on the same event loop, so their ratio means something even where
absolute numbers depend on the machine.
"""

from __future__ import annotations

from pathlib import Path

from bench.databases import PreparedDatabase
from bench.launch import command
from bench.measure import Target
from bench.options import LOAD_CORE, SERVER_CORE, Options, ServiceSpec, Variant
from bench.processes import Fleet, Server, base_env, free_port, python_module


def _launch(options: Options, module: str, *args: str, loop: str, json_library: str) -> list[str]:
    """A server under test's argv, inside the run's wrapper (callgrind's, or none)."""
    return [*options.wrapper, *command(module, *args, loop=loop, json_library=json_library)]


async def start_upstream(fleet: Fleet, options: Options, *, hold: bool = False) -> Server:
    port = free_port()
    args = ["--port", str(port), *(["--hold"] if hold else [])]
    return await fleet.start(
        "upstream",
        python_module("bench.upstream", *args),
        LOAD_CORE,
        port,
        base_env(),
        ready_timeout=options.startup_timeout,
    )


async def start_reference(
    fleet: Fleet, upstream: Server, options: Options, variant: Variant
) -> Target:
    """The pass-through under `variant`'s event loop (it parses no JSON)."""
    port = free_port()
    args = ["--port", str(port), "--upstream", f"{upstream.base_url}/v1"]
    launch = _launch(options, "bench.proxy", *args, loop=variant.loop, json_library="json")
    timeout = options.startup_timeout
    server = await fleet.start(
        variant.reference, launch, SERVER_CORE, port, base_env(), ready_timeout=timeout
    )
    return Target(variant.reference, (server,))


async def start_floor(
    fleet: Fleet, upstream: Server, options: Options, database: PreparedDatabase
) -> Target:
    """The floor (bench.floor) on its own copy of the seeded database, on asyncio."""
    port = free_port()
    path = database.url.removeprefix("sqlite:///")
    args = ["--port", str(port), "--upstream", f"{upstream.base_url}/v1", "--database", path]
    launch = _launch(options, "bench.floor", *args, loop="asyncio", json_library="json")
    timeout = options.startup_timeout
    server = await fleet.start(
        "floor", launch, SERVER_CORE, port, base_env(), ready_timeout=timeout
    )
    return Target("floor", (server,), database=database)


def _service_env(port: int, database_url: str, upstream: Server, workdir: Path) -> dict[str, str]:
    """The service's settings; an empty BOT_TOKEN overrides any token in a local .env, and
    each replica keeps its money journal in the run's folder, not the checkout's."""
    env = base_env()
    env.update(
        API_HOST="127.0.0.1",
        API_PORT=str(port),
        DATABASE_URL=database_url,
        MONEY_JOURNAL=str(workdir / f"money-journal-{port}"),
        OPENAI_BASE_URL=f"{upstream.base_url}/v1",
        OPENAI_API_KEY="sk-bench",
        BOT_TOKEN="",
        BOT_MODE="off",
        RATE_LIMIT_PER_MINUTE="0",  # each bench user makes thousands of calls a minute
    )
    return env


async def start_service(
    fleet: Fleet,
    spec: ServiceSpec,
    database: PreparedDatabase,
    upstream: Server,
    options: Options,
    **settings: str,
) -> Target:
    """Every replica of `spec` on `database`, each on its own port; `settings` add to env."""
    servers = []
    for replica in range(1, spec.replicas + 1):
        port = free_port()
        env = _service_env(port, database.url, upstream, fleet.workdir) | settings
        variant = spec.variant
        launch = _launch(options, "api", loop=variant.loop, json_library=variant.json_library)
        name = spec.name if spec.replicas == 1 else f"{spec.name} #{replica}"
        server = await fleet.start(
            name, launch, SERVER_CORE, port, env, ready_timeout=options.startup_timeout
        )
        servers.append(server)
    return Target(spec.name, tuple(servers), spec, database)
