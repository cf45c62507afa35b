"""``pipeline worker``: ``dask worker`` with the model loaded before the first task."""

from __future__ import annotations

import importlib.util
import os
import platform
import signal
import subprocess
import sys

from pipeline.errors import ConfigError

# The preload module (pipeline.transcribe.cluster) reads the model to load from these.
ENGINE_ENV, MODEL_ENV = "PIPELINE_WORKER_ENGINE", "PIPELINE_WORKER_MODEL"


def worker_command(address: str, nthreads: int = 1, name: str | None = None) -> list[str]:
    """The ``dask worker`` command line: one worker process, named after this host."""
    return [
        *(sys.executable, "-m", "dask", "worker", address),
        *("--nthreads", str(nthreads), "--nworkers", "1"),
        *("--preload", "pipeline.transcribe.cluster"),
        *("--name", name or platform.node() or "worker"),
    ]


def run_worker(
    address: str,
    nthreads: int = 1,
    name: str | None = None,
    model: str = "tiny.en",
    engine: str = "faster-whisper",
) -> int:
    """Run ``dask worker`` until it stops (Ctrl-C, or a SIGTERM passed on); its exit status.

    Raises ConfigError when the cluster extra is not installed.
    """
    if importlib.util.find_spec("distributed") is None:
        raise ConfigError(
            "pipeline worker needs the cluster extra: pip install 'showfolder-pipeline[cluster]'"
        )
    env = {**os.environ, MODEL_ENV: model, ENGINE_ENV: engine}
    child = subprocess.Popen(worker_command(address, nthreads, name), env=env)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.terminate())  # it leaves too
    try:
        return child.wait()
    except KeyboardInterrupt:  # the worker got the Ctrl-C too, and leaves the cluster
        return child.wait()
