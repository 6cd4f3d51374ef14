"""Speed and memory of plugin-scaffold and of the plugins it renders; see benchmarks/README.md.

    python benchmarks/run.py            # about 5 minutes; prints and saves benchmarks/RESULTS.md

Not a test: the numbers depend on the machine, so targets are shown with ✓/✗, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from loadgen import CONNECTIONS, MCP_SCRIPTS, POST_SCRIPT, WrkResult, run_wrk
from servers import (
    Server,
    free_port,
    post_json,
    postgres_bin,
    running,
    temporary_postgres,
    tree_rss,
)

from scaffold_cli.bundled import HOME_ENV, bundled_source, ensure_template_repo
from scaffold_cli.choices import Example, Framework

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
REFERENCE = HERE / "reference"
BIN = Path(sys.executable).parent  # plugin-new and copier of the interpreter running this
USER, POST_USER = "bench", "benchpost"  # POSTs go to their own list so getTodos stays ~10 long
PRELOADED_TODOS = 10
WARM_UP_SECONDS = 2
# Variables a rendered plugin reads; the benchmark sets its own, so a shell's can't leak in.
PLUGIN_VARIABLES = ("DATABASE_URL", "PUBLIC_URL", "CORS_ORIGINS", "PORT", "WEB_CONCURRENCY", "HOST")

# Targets from the issue.
MAX_CLI_OVERHEAD = 0.10
MAX_HELP_SECONDS = 0.3
MIN_DEFAULT_VS_SEED = 5.0
MIN_DEFAULT_VS_BARE = 0.35
MIN_ANY_VS_SEED = 2.0
MAX_RSS_MB = 80.0
MIN_MCP_VS_SEED = 1.0  # tools/call getTodos on the default framework, in each protocol era
MIN_MCP_VS_BARE_MCP = 0.80
MAX_MCP_RSS_MB = 100.0  # once /mcp has served, with the SDK loaded
# On PostgreSQL, on this machine's cores: the default framework with one server process,
# and from one to two processes.
MIN_POSTGRES_GET_VS_SEED = 5.0
MIN_POSTGRES_ADD_VS_SEED = 2.0
MIN_POSTGRES_SCALING = 1.6
# The production server each framework's rendered plugin runs on (its server.py).
SERVERS = {"fastapi": "Granian", "quart": "uvicorn", "flask": "Granian"}


@dataclass
class Target:
    what: str
    measured: str
    met: bool


@dataclass
class Measured:
    server: str
    get: WrkResult
    post: WrkResult | None
    rss_mb: list[float]
    mcp: dict[str, WrkResult] = field(default_factory=dict)  # by protocol era
    mcp_rss_mb: list[float] = field(default_factory=list)

    def operations(self) -> list[str]:
        rest = ["getTodos", "addTodo"] if self.post else ["getTodos"]
        return rest + [mcp_operation(era) for era in self.mcp]

    def rate(self, operation: str) -> float:
        eras = {mcp_operation(era): result for era, result in self.mcp.items()}
        result = eras.get(operation) or (self.get if operation == "getTodos" else self.post)
        assert result is not None, f"{self.server} has no {operation} run"
        return result.requests_per_s


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if shutil.which("wrk") is None:
        print("error: wrk is not installed; install it with `apt-get install wrk`", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="plugin-bench-") as tmp:
        work = Path(tmp)
        # A temporary PLUGIN_SCAFFOLD_HOME: the user's template repository stays untouched.
        os.environ[HOME_ENV] = str(work / "home")
        report = run_all(work, args.seconds, args.reps, args.only)
    print(report)
    if args.only:  # RESULTS.md holds whole runs only
        return 0
    RESULTS.write_text(report)
    print(
        f"saved {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--seconds", type=int, default=10, help="length of each wrk run (10)")
    cli.add_argument("--reps", type=int, default=7, help="repetitions of each render (7)")
    cli.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        help="run this section only (repeatable); the report is printed, not saved",
    )
    return cli


SECTIONS = ("generation", "serving", "postgres")


def run_all(work: Path, seconds: int, reps: int, only: list[str] | None = None) -> str:
    targets: list[Target] = []
    sections = [machine_section(seconds, only)]
    chosen = only or SECTIONS
    if "generation" in chosen:
        sections.append(generation_section(work, reps, targets))
    if "serving" in chosen:
        sections.append(serving_section(work, seconds, targets))
    if "postgres" in chosen:
        sections.append(postgres_section(work, seconds, targets))
    sections.append(targets_section(targets))
    return "\n\n".join(sections) + "\n"


def progress(message: str) -> None:
    print(f"… {message}", file=sys.stderr, flush=True)


# --- the machine ------------------------------------------------------------------------------


def machine_section(seconds: int, only: list[str] | None = None) -> str:
    command = " ".join(["python benchmarks/run.py", *(f"--only {name}" for name in only or [])])
    versions = ", ".join(
        f"{name} {_version(name)}"
        for name in ("fastapi", "quart", "flask", "uvicorn", "granian", "hypercorn", "copier")
    )
    wrk = subprocess.run(["wrk", "-v"], check=False, capture_output=True, text=True).stdout.split(
        "["
    )[0]
    return "\n".join(
        [
            "# plugin-scaffold benchmarks",
            "",
            f"- Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
            f"- CPU: {_cpu_model()}, {os.cpu_count()} cores (wrk and the servers share them)",
            f"- Python {platform.python_version()} on {platform.platform()}",
            # Other work on the machine skews every number; this shows how busy it was.
            f"- Load average at start (1/5/15 min): {'/'.join(f'{x:.1f}' for x in os.getloadavg())}",
            f"- {wrk.strip()}; {versions}",
            f"- Command: `{command}` (wrk -t1 -c{CONNECTIONS} -d{seconds}s --latency)",
        ]
    )


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


# --- 1. generation ----------------------------------------------------------------------------


def generation_section(work: Path, reps: int, targets: list[Target]) -> str:
    out = work / "generated"
    out.mkdir()
    repo, tag = ensure_template_repo()
    rows = ["## 1. Generation", "", f"Median of {reps} runs each, alternating.", ""]
    rows += ["| command | median (s) | min (s) | max (s) |", "| --- | ---: | ---: | ---: |"]
    for example in Example:
        progress(f"rendering the {example.value} example {reps}× with plugin-new and with copier")
        cli, plain = _time_renders(out, example.value, repo, tag, reps)
        rows.append(_timing_row(f"`plugin-new NAME --defaults --example {example.value}`", cli))
        rows.append(_timing_row(f"`copier copy --defaults` (same render, tag {tag})", plain))
        overhead = statistics.median(cli) / statistics.median(plain) - 1
        targets.append(
            Target(
                f"CLI overhead over plain copier ({example.value}) < {MAX_CLI_OVERHEAD:.0%}",
                f"{overhead:+.1%}",
                overhead < MAX_CLI_OVERHEAD,
            )
        )
    progress("timing plugin-new --help")
    helps = [_timed([_tool("plugin-new"), "--help"], out) for _ in range(reps)]
    rows.append(_timing_row("`plugin-new --help`", helps))
    help_median = statistics.median(helps)
    targets.append(
        Target(
            f"`plugin-new --help` start-up < {MAX_HELP_SECONDS} s",
            f"{help_median:.3f} s",
            help_median < MAX_HELP_SECONDS,
        )
    )
    return "\n".join(rows)


def _time_renders(
    out: Path, example: str, repo: Path, tag: str, reps: int
) -> tuple[list[float], list[float]]:
    def cli(name: str) -> list[str]:
        return [_tool("plugin-new"), name, "--defaults", "--example", example]

    def plain(name: str) -> list[str]:
        data = ["--data", f"project_name={name}", "--data", f"example={example}"]
        return [
            _tool("copier"),
            "copy",
            "--quiet",
            "--defaults",
            *data,
            "--vcs-ref",
            tag,
            str(repo),
            name,
        ]

    # One untimed render of each first: bytecode caches and the template repository are warm.
    _timed(cli(f"warm-cli-{example}"), out)
    _timed(plain(f"warm-copier-{example}"), out)
    cli_times, plain_times = [], []
    for rep in range(reps):
        cli_times.append(_timed(cli(f"cli-{example}-{rep}"), out))
        plain_times.append(_timed(plain(f"copier-{example}-{rep}"), out))
    return cli_times, plain_times


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr}")
    return elapsed


def _timing_row(label: str, times: list[float]) -> str:
    median = statistics.median(times)
    return f"| {label} | {median:.3f} | {min(times):.3f} | {max(times):.3f} |"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed; run this with the project's virtualenv")
    return found


# --- 2. serving -------------------------------------------------------------------------------


SEED = "seed reference (Quart `app.run()`, in-memory)"
BARE = "bare ASGI on uvicorn (ceiling)"
BARE_MCP = "bare MCP SDK, one empty tool, on Granian (its ceiling)"


def serving_section(work: Path, seconds: int, targets: list[Target]) -> str:
    results: dict[str, Measured] = {}
    references = {BARE: [REFERENCE / "bare_asgi.py"]}
    for framework in Framework:
        label = f"empty {framework.value} route on {SERVERS[framework.value]} (its ceiling)"
        references[label] = [REFERENCE / "empty_route.py", framework.value]
    pairs: list[Paired] = []
    with _reference_server(SEED, [REFERENCE / "seed_quart_todo.py"]) as seed:
        progress(f"benchmarking {SEED}")
        seed_runs = [_measure(seed, seconds)]
        for label, script in references.items():
            progress(f"benchmarking {label}")
            with _reference_server(label, script) as server:
                results[label] = _measure(server, seconds)
        progress(f"benchmarking {BARE_MCP}")
        with _reference_server(BARE_MCP, [REFERENCE / "bare_mcp.py"], ready="/mcp") as server:
            bare_mcp, bare_mcp_rss = _measure_mcp(server, seconds)
        # The machine's speed drifts during a run, so each plugin is compared with the seed
        # measured just before and just after it, not with one seed run for all.
        for framework in Framework:
            project = _render(work, framework.value)
            label = f"{framework.value} plugin (SQLite)"
            progress(f"benchmarking {label}, then the seed again")
            env = _plugin_env(project, f"sqlite:///{work / framework.value}.sqlite3")
            with _plugin_server(label, project, env) as server:
                results[label] = _measure(server, seconds, mcp=True)
            seed_runs.append(_measure(seed, seconds, preload=False))
            pairs.append(Paired(label, results[label], seed_runs[-2], seed_runs[-1]))
    results = {SEED: seed_runs[0], **results}
    _serving_targets(results, pairs, bare_mcp, targets)
    rows = [
        "## 2. Serving",
        "",
        (
            f"One server process each (auth none), {CONNECTIONS} connections, one wrk thread. "
            f"getTodos: `GET /todos/{USER}` with {PRELOADED_TODOS} TODOs; addTodo: "
            f"`POST /todos/{POST_USER}` (post_todo.lua). MCP getTodos: `tools/call getTodos` "
            f"for {USER} at `POST /mcp`, in each protocol era (mcp_get_todos*.lua). RSS after the "
            "REST runs, and again after the MCP runs. The seed row is its first run."
        ),
        "",
        "| server | operation | req/s | p50 (ms) | p99 (ms) | errors | RSS (MB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, measured in results.items():
        rss = _rss_text(measured.rss_mb)
        rows.append(_wrk_row(label, "getTodos", measured.get, rss))
        if measured.post is not None:
            rows.append(_wrk_row(label, "addTodo", measured.post, rss))
        for era, result in measured.mcp.items():
            rows.append(_wrk_row(label, mcp_operation(era), result, _rss_text(measured.mcp_rss_mb)))
    for era, result in bare_mcp.items():
        rows.append(_wrk_row(BARE_MCP, mcp_operation(era), result, _rss_text(bare_mcp_rss)))
    bare = results[BARE].get.requests_per_s
    rows += [
        "",
        "Each framework's empty route, as a share of bare ASGI (no plugin can pass it):",
        "",
    ]
    rows += [
        f"- {framework.value}: {_get_rate(results, f'empty {framework.value} ') / bare:.0%}"
        for framework in Framework
    ]
    rows += [
        "",
        "Each plugin against the seed measured just before and just after it (req/s):",
        "",
        "| plugin | operation | plugin | seed before | seed after | plugin / seed mean |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for pair in pairs:
        for operation in pair.plugin.operations():
            plugin, before, after = pair.rates(operation)
            rows.append(
                f"| {pair.label} | {operation} | {plugin:,.0f} | {before:,.0f} | {after:,.0f} "
                f"| {pair.ratio(operation):.2f}× |"
            )
    return "\n".join(rows)


@dataclass
class Paired:
    """A plugin's run and the seed's runs just before and after it."""

    label: str
    plugin: Measured
    seed_before: Measured
    seed_after: Measured

    def rates(self, operation: str) -> tuple[float, float, float]:
        """The plugin's rate for the operation, and the seed's REST getTodos or addTodo, which
        is what an MCP call of getTodos replaces."""
        rest = "addTodo" if operation == "addTodo" else "getTodos"
        before, after = self.seed_before.rate(rest), self.seed_after.rate(rest)
        return self.plugin.rate(operation), before, after

    def ratio(self, operation: str) -> float:
        plugin, before, after = self.rates(operation)
        return plugin / statistics.mean((before, after))


def mcp_operation(era: str) -> str:
    return f"MCP getTodos ({era})"


@contextlib.contextmanager
def _reference_server(
    label: str, script: list[Path | str], ready: str = f"/todos/{USER}"
) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, *map(str, script), str(port)]
    with running(label, command, REFERENCE, _clean_env(), port, ready) as server:
        yield server


def _render(work: Path, framework: str) -> Path:
    name = f"bench-{framework}"
    command = [_tool("plugin-new"), name, "--framework", framework, "--auth", "none", "--defaults"]
    subprocess.run([*command, "--output-dir", str(work)], check=True, capture_output=True)
    return work / name


def _clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in PLUGIN_VARIABLES}
    return {**env, **extra}


def _plugin_env(project: Path, database_url: str) -> dict[str, str]:
    return _clean_env(PYTHONPATH=str(project / "src"), DATABASE_URL=database_url)


@contextlib.contextmanager
def _plugin_server(label: str, project: Path, env: dict[str, str], *extra: str) -> Iterator[Server]:
    package = project.name.replace("-", "_")
    port = free_port()
    command = [sys.executable, "-m", package, "--port", str(port), *extra]
    with running(label, command, project, env, port, f"/todos/{USER}") as server:
        yield server


def _measure(
    server: Server, seconds: int, post: bool = True, preload: bool = True, mcp: bool = False
) -> Measured:
    for number in range(PRELOADED_TODOS if preload else 0):
        post_json(server.url(f"/todos/{USER}"), {"todo": f"todo {number}"})
    get_url, post_url = server.url(f"/todos/{USER}"), server.url(f"/todos/{POST_USER}")
    run_wrk(get_url, WARM_UP_SECONDS)  # imports, caches, connection pools
    get = run_wrk(get_url, seconds)
    added = run_wrk(post_url, seconds, POST_SCRIPT) if post else None
    measured = Measured(server.name, get, added, tree_rss(server.process.pid))
    if mcp:
        measured.mcp, measured.mcp_rss_mb = _measure_mcp(server, seconds)
    return measured


def _measure_mcp(server: Server, seconds: int) -> tuple[dict[str, WrkResult], list[float]]:
    """getTodos as a tools/call at /mcp in each protocol era, and the RSS after them."""
    url, runs = server.url("/mcp"), {}
    for era, script in MCP_SCRIPTS.items():
        run_wrk(url, WARM_UP_SECONDS, script)  # the SDK's import, on the first call
        runs[era] = run_wrk(url, seconds, script)
    return runs, tree_rss(server.process.pid)


def _serving_targets(
    results: dict[str, Measured],
    pairs: list[Paired],
    bare_mcp: dict[str, WrkResult],
    targets: list[Target],
) -> None:
    bare = results[BARE].get.requests_per_s
    default = _default_framework()
    for pair in pairs:
        label = pair.label
        if label.startswith(f"{default} "):
            for era in MCP_SCRIPTS:
                what = f"{label} {mcp_operation(era)}"
                ratio = pair.ratio(mcp_operation(era))
                targets.append(_ratio_target(what, ratio, MIN_MCP_VS_SEED))
                share = pair.plugin.mcp[era].requests_per_s / bare_mcp[era].requests_per_s
                targets.append(
                    Target(
                        f"{what} ≥ {MIN_MCP_VS_BARE_MCP:.0%} of the bare MCP SDK",
                        f"{share:.0%}",
                        share >= MIN_MCP_VS_BARE_MCP,
                    )
                )
            targets.append(
                _ratio_target(f"{label} getTodos", pair.ratio("getTodos"), MIN_DEFAULT_VS_SEED)
            )
            share = pair.plugin.get.requests_per_s / bare
            targets.append(
                Target(
                    f"{label} getTodos ≥ {MIN_DEFAULT_VS_BARE:.0%} of bare ASGI",
                    f"{share:.0%}",
                    share >= MIN_DEFAULT_VS_BARE,
                )
            )
        for operation in ("getTodos", "addTodo"):
            ratio = pair.ratio(operation)
            targets.append(_ratio_target(f"{label} {operation}", ratio, MIN_ANY_VS_SEED))
    for label, measured in results.items():
        biggest = max(measured.rss_mb, default=float("nan"))
        targets.append(
            Target(
                f"{label}: RSS per process < {MAX_RSS_MB:g} MB",
                f"{biggest:.1f} MB",
                biggest < MAX_RSS_MB,
            )
        )
        if measured.mcp:
            biggest = max(measured.mcp_rss_mb, default=float("nan"))
            targets.append(
                Target(
                    f"{label}: RSS per process < {MAX_MCP_RSS_MB:g} MB with /mcp loaded",
                    f"{biggest:.1f} MB",
                    biggest < MAX_MCP_RSS_MB,
                )
            )


def _ratio_target(what: str, ratio: float, minimum: float) -> Target:
    return Target(f"{what} ≥ {minimum:g}× seed", f"{ratio:.2f}×", ratio >= minimum)


def _get_rate(results: dict[str, Measured], prefix: str) -> float:
    return next(m.get.requests_per_s for label, m in results.items() if label.startswith(prefix))


def _default_framework() -> str:
    questions = yaml.safe_load((bundled_source() / "copier.yml").read_text())
    return str(questions["framework"]["default"])


def _wrk_row(label: str, operation: str, result: WrkResult, rss: str) -> str:
    return (
        f"| {label} | {operation} | {result.requests_per_s:,.0f} | {result.p50_ms:.2f} "
        f"| {result.p99_ms:.2f} | {result.errors} | {rss} |"
    )


def _rss_text(rss: list[float]) -> str:
    if len(rss) == 1:
        return f"{rss[0]:.1f}"
    parts = " + ".join(f"{mb:.1f}" for mb in rss)
    return f"{sum(rss):.1f} ({len(rss)} processes: {parts})"


# --- 3. PostgreSQL ----------------------------------------------------------------------------


def postgres_section(work: Path, seconds: int, targets: list[Target]) -> str:
    heading = ["## 3. PostgreSQL", ""]
    bin_dir = postgres_bin()
    if bin_dir is None:
        return "\n".join([*heading, "Skipped: PostgreSQL's server programs are not installed."])
    default = _default_framework()
    runs: list[tuple[str, int, Paired]] = []  # framework, server processes, measured
    progress("starting a temporary PostgreSQL")
    with (
        temporary_postgres(bin_dir) as url,
        _reference_server(SEED, [REFERENCE / "seed_quart_todo.py"]) as seed,
    ):
        progress(f"benchmarking {SEED}")
        seed_runs = [_measure(seed, seconds)]
        plan = [(framework.value, 1) for framework in Framework] + [(default, 2)]
        for framework, workers in plan:
            project = work / f"bench-{framework}"
            if not project.is_dir():
                project = _render(work, framework)
            label = f"{framework} plugin (PostgreSQL, {workers} process{'es' * (workers > 1)})"
            progress(f"benchmarking {label}, then the seed again")
            # A database of its own, so each run reads a list of PRELOADED_TODOS.
            database = _new_database(url, f"bench_{framework}_{workers}")
            measured = _measure_workers(label, project, database, workers, seconds)
            seed_runs.append(_measure(seed, seconds, preload=False))
            runs.append((framework, workers, Paired(label, measured, *seed_runs[-2:])))
    rows = [
        *heading,
        (
            "Each framework's TODO plugin on one temporary PostgreSQL cluster on this machine "
            f"(so PostgreSQL shares its cores), auth none, as in section 2, then the {default} "
            "plugin with two server processes (`--workers 2`). Each against the seed measured "
            "just before and just after it."
        ),
        "",
        "| plugin | operation | req/s | p50 (ms) | p99 (ms) | errors | seed mean | plugin / seed | RSS (MB) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for _, _, pair in runs:
        for operation in ("getTodos", "addTodo"):
            result = pair.plugin.get if operation == "getTodos" else pair.plugin.post
            assert result is not None
            _, before, after = pair.rates(operation)
            rows.append(
                f"| {pair.label} | {operation} | {result.requests_per_s:,.0f} "
                f"| {result.p50_ms:.2f} | {result.p99_ms:.2f} | {result.errors} "
                f"| {statistics.mean((before, after)):,.0f} | {pair.ratio(operation):.2f}× "
                f"| {_rss_text(pair.plugin.rss_mb)} |"
            )
    one = next(pair for framework, workers, pair in runs if (framework, workers) == (default, 1))
    two = next(pair for framework, workers, pair in runs if (framework, workers) == (default, 2))
    scaling = two.plugin.get.requests_per_s / one.plugin.get.requests_per_s
    rows += ["", f"{default}: 2 processes / 1 process on getTodos: {scaling:.2f}×.", ""]
    rows += [
        f"- {framework}: {WHERE_THE_TIME_GOES[framework]}" for framework in WHERE_THE_TIME_GOES
    ]
    targets.append(
        _ratio_target(f"{one.label} getTodos", one.ratio("getTodos"), MIN_POSTGRES_GET_VS_SEED)
    )
    targets.append(
        _ratio_target(f"{one.label} addTodo", one.ratio("addTodo"), MIN_POSTGRES_ADD_VS_SEED)
    )
    targets.append(
        Target(
            f"{default} on PostgreSQL, getTodos, 2 processes ≥ {MIN_POSTGRES_SCALING:g}× 1 process",
            f"{scaling:.2f}×",
            scaling >= MIN_POSTGRES_SCALING,
        )
    )
    return "\n".join(rows)


# What each framework's plugin spends a call on, on PostgreSQL (benchmarks/README.md).
WHERE_THE_TIME_GOES = {
    "fastapi": (
        "getTodos is a kept answer, given out on the event loop after one round trip on the "
        "listening connection shared by every read in flight; addTodo commits the writes of "
        "each pass of the loop in one transaction, sent at once, in a worker thread."
    ),
    "quart": (
        "the same core as fastapi; Quart and uvicorn themselves cost most of a call (its empty "
        "route in section 2 is its ceiling)."
    ),
    "flask": (
        "one call at a time per thread: getTodos waits for its own round trip on the listening "
        "connection, and each addTodo for its own commit to reach the disk, which 16 threads "
        "per process overlap."
    ),
}


def _new_database(url: str, name: str) -> str:
    import psycopg  # the rendered plugins' postgres extra

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    return f"{url.rsplit('/', 1)[0]}/{name}"


def _measure_workers(label: str, project: Path, url: str, workers: int, seconds: int) -> Measured:
    with _plugin_server(
        label, project, _plugin_env(project, url), "--workers", str(workers)
    ) as server:
        time.sleep(1)  # the first worker answers while the others may still be importing
        return _measure(server, seconds)


# --- the summary ------------------------------------------------------------------------------


def targets_section(targets: list[Target]) -> str:
    rows = ["## Targets", "", "| target | measured | met |", "| --- | ---: | :---: |"]
    rows += [f"| {t.what} | {t.measured} | {'✓' if t.met else '✗'} |" for t in targets]
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
