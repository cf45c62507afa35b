"""Transcription fanned out on a Dask cluster: what a local run gives, and nothing lost."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pipeline import build as builder
from pipeline.cli import cli
from pipeline.config import load_site
from pipeline.errors import ConfigError
from tests.conftest import SITE_TOML, WHISPER_CALLS, write_outline

distributed = pytest.importorskip(
    "distributed", reason="needs the cluster extra: pip install -e '.[dev,cluster]'"
)

SAID = {
    "2026-01-05-fog": "In the fog, use a bright front light.",
    "2026-01-12-mud": "Mud flaps keep your back dry.",
    "2026-01-19-rain": "Rain gear should breathe.",
    "2026-01-26-ice": "On ice, let some air out of the tyres.",
}
LINE = re.compile(r"transcribed (\S+) on (\S+): 0:0\d of audio in \d+ s; (\d) of 4 recordings, .*")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def transcripts(root: Path) -> dict[str, bytes]:
    return {slug: (root / "episodes" / slug / "transcript.json").read_bytes() for slug in SAID}


def whisper_ran_on_the_workers(request: pytest.FixtureRequest) -> None:
    """Whisper ran in the worker processes, out of the sight of conftest's slow-mark hook."""
    request.node.stash[WHISPER_CALLS].append(1)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, speak: Callable[..., Path]) -> Path:
    """A show of four episodes of one to three seconds of speech each."""
    root = tmp_path_factory.mktemp("cluster") / "show"
    (root / "episodes").mkdir(parents=True)
    (root / "site.toml").write_text(SITE_TOML)
    for slug, text in SAID.items():
        folder = root / "episodes" / slug
        write_outline(folder, f"title: {slug[11:].title()}\ndate: {slug[:10]}")
        shutil.copy(speak(text), folder / "take.wav")
    return root


@pytest.fixture
def show(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "show"
    shutil.copytree(template, root)
    return root


@pytest.fixture(scope="module")
def local(template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What a local run writes (the model loads once for the module, in this process)."""
    root = tmp_path_factory.mktemp("local") / "show"
    shutil.copytree(template, root)
    report = builder.transcribe(root)
    assert sorted(report.transcribed) == sorted(SAID), report.problems.items
    return transcripts(root)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """Two worker processes of one thread each on loopback, with the model preloaded."""
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",  # a free port: 8787 may be taken, and that warns
        preload=["pipeline.transcribe.cluster"],
    ) as running:
        yield running


def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"tcp://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.slow
def test_the_cluster_writes_what_a_local_run_writes_and_both_workers_help(
    show: Path, local: dict[str, bytes], cluster: Any, request: pytest.FixtureRequest
) -> None:
    result = run("transcribe", "--root", str(show), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.stderr
    whisper_ran_on_the_workers(request)
    assert result.stdout == f"Transcribed {', '.join(sorted(SAID))}.\n"
    assert transcripts(show) == local  # byte for byte
    lines = [LINE.fullmatch(line) for line in result.stderr.splitlines()]
    assert all(lines) and len(lines) == 4, result.stderr
    assert sorted(m[1] for m in lines if m) == sorted(SAID)
    assert [m[3] for m in lines if m] == ["1", "2", "3", "4"]
    workers = {str(w.name) for w in cluster.workers.values()}
    assert {m[2] for m in lines if m} == workers, "each worker did some of the work"

    # The second run sends nothing (it does not even reach for the scheduler), and a
    # corrected transcript stays exactly as the host left it.
    path = show / "episodes" / "2026-01-05-fog" / "transcript.json"
    corrected = path.read_text().replace('"In the fog', '"In thick fog')
    path.write_text(corrected)
    again = run("transcribe", "--root", str(show), "--scheduler", closed_port())
    assert (again.exit_code, again.stderr) == (0, "")
    assert again.stdout == f"Up to date: {', '.join(sorted(SAID))}.\n"
    assert path.read_text() == corrected


@pytest.mark.slow
def test_a_recording_that_fails_is_named_and_the_others_go_on(
    show: Path,
    local: dict[str, bytes],
    cluster: Any,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipeline.transcribe import cluster as fanned

    make_job = fanned.make_job

    def cut_mud(episode: Any, site: Any) -> dict[str, Any]:
        job = make_job(episode, site)
        if episode.slug == "2026-01-12-mud":  # what the worker gets ends halfway
            job["files"][0]["data"] = job["files"][0]["data"][: len(job["files"][0]["data"]) // 2]
        return job

    monkeypatch.setattr(fanned, "make_job", cut_mud)
    report = builder.transcribe(show, scheduler=cluster.scheduler_address)
    whisper_ran_on_the_workers(request)
    assert sorted(report.transcribed) == sorted(set(SAID) - {"2026-01-12-mud"})
    [problem] = report.problems.items
    take = show / "episodes" / "2026-01-12-mud" / "take.wav"
    assert (problem.level, problem.path, problem.slug) == ("error", take, "2026-01-12-mud")
    assert "ends after" in problem.message
    assert not (take.parent / "transcript.json").exists()
    done = transcripts_of(show, report.transcribed)
    assert done == {slug: local[slug] for slug in report.transcribed}


def transcripts_of(root: Path, slugs: list[str]) -> dict[str, bytes]:
    return {s: (root / "episodes" / s / "transcript.json").read_bytes() for s in slugs}


class KillAtFirstResult:
    """A reporter that kills a worker busy with a recording when the first transcript is in."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.killed: str | None = None
        self.lines: list[str] = []

    def task(self, label: str, total: float) -> Callable[[float, float], None]:
        return lambda done, total: None

    def finished(self, line: str) -> None:
        self.lines.append(line)
        if self.killed is None:
            busy = [w for w, keys in self.client.processing().items() if keys]
            assert busy, "three recordings to go, and no worker busy with one"
            pids = self.client.run(os.getpid, workers=busy[:1])
            os.kill(pids[busy[0]], signal.SIGKILL)
            self.killed = busy[0]

    def done(self) -> None:
        pass


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_only_its_task(
    show: Path, local: dict[str, bytes], cluster: Any, request: pytest.FixtureRequest
) -> None:
    with distributed.Client(cluster, set_as_default=False) as client:
        reporter = KillAtFirstResult(client)
        report = builder.transcribe(show, reporter=reporter, scheduler=cluster.scheduler_address)
    whisper_ran_on_the_workers(request)
    assert reporter.killed is not None
    assert report.problems.items == []
    assert sorted(report.transcribed) == sorted(SAID) and len(reporter.lines) == 4
    assert transcripts(show) == local


@pytest.mark.slow
def test_build_transcribes_on_the_cluster_and_builds_the_rest_here(
    show: Path, local: dict[str, bytes], cluster: Any, request: pytest.FixtureRequest
) -> None:
    result = run("build", "--root", str(show), "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.stderr
    whisper_ran_on_the_workers(request)
    lines = result.stderr.splitlines()
    assert sum(bool(LINE.fullmatch(line)) for line in lines) == 4, result.stderr
    assert sum(line.startswith("mastered ") for line in lines) == 4, result.stderr
    assert transcripts(show) == local
    assert all((show / "feeds" / "episodes" / slug / "index.html").is_file() for slug in SAID)


# --- without Whisper -------------------------------------------------------------------------


def test_pipeline_worker_joins_with_the_model_loaded(cluster: Any) -> None:
    command = [sys.executable, "-m", "pipeline", "worker", cluster.scheduler_address]
    helper = subprocess.Popen(
        [*command, "--name", "helper"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with distributed.Client(cluster, set_as_default=False) as client:
            client.wait_for_workers(3, timeout=60)
            [address] = [a for a, w in client.scheduler_info()["workers"].items()
                         if w["name"] == "helper"]  # fmt: skip
            loaded = client.run(_loaded_engines, workers=[address])[address]
        assert [key[:3] for key in loaded] == [("faster-whisper", "tiny.en", "auto")]
    finally:
        helper.terminate()
        helper.wait(timeout=30)


def _loaded_engines() -> list[tuple[object, ...]]:
    from pipeline.transcribe import engines

    return list(engines._ENGINES)


def test_the_scheduler_setting_is_an_address(tmp_path: Path) -> None:
    root = tmp_path / "show"
    root.mkdir()
    (root / "site.toml").write_text(SITE_TOML + '[transcribe]\nscheduler = "tcp://10.0.0.5:8786"\n')
    assert load_site(root).transcribe.scheduler == "tcp://10.0.0.5:8786"
    for bad in ("10.0.0.5:8786", "tcp://10.0.0.5", "http://10.0.0.5:8786", "tcp://h:8786/x"):
        (root / "site.toml").write_text(SITE_TOML + f'[transcribe]\nscheduler = "{bad}"\n')
        with pytest.raises(ConfigError, match=r"'transcribe.scheduler' must be .*tcp://"):
            load_site(root)


def test_a_bad_scheduler_option_is_a_usage_error(show: Path) -> None:
    result = run("transcribe", "--root", str(show), "--scheduler", "localhost")
    assert result.exit_code == 2 and "Invalid value for '--scheduler'" in result.stderr


def test_an_unreachable_scheduler_is_named(show: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.transcribe import cluster as fanned

    monkeypatch.setattr(fanned, "CONNECT_SECONDS", 1)
    address = closed_port()
    result = run("transcribe", "--root", str(show), "--scheduler", address)
    assert result.exit_code == 2
    assert f"error: cannot reach the Dask scheduler at {address}" in result.stderr
    assert "dask scheduler" in result.stderr


def test_a_local_run_imports_nothing_of_dask(show: Path) -> None:
    for slug in SAID:  # nothing to transcribe: every transcript is a host's
        (show / "episodes" / slug / "transcript.json").write_text("{}")
    script = (
        "import sys; from pipeline import build, cli; "
        f"build.build({str(show)!r}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_pipeline_worker_wraps_dask_worker() -> None:
    result = run("worker", "--help")
    assert result.exit_code == 0 and "ADDRESS" in result.stdout and "--nthreads" in result.stdout
    bad = run("worker", "localhost")
    assert bad.exit_code == 2 and "Invalid value for 'ADDRESS'" in bad.stderr
