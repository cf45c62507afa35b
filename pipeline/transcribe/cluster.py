"""Transcription on a Dask cluster: one task per recording, each result saved here as it comes.

Imported only when a scheduler is named (and on the workers, as ``dask worker``'s preload), so
a local run never loads Dask. The worker gets the recording's bytes and the settings as plain
data, decodes and transcribes them with the same code as a local run, and sends back the
transcript as the JSON document ``store`` writes; only this machine writes transcript.json.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Set
from pathlib import Path
from typing import Any

from distributed import Client, Future, Worker, as_completed, get_worker

from pipeline.errors import ConfigError, ContentError, Problems
from pipeline.formats.times import clock
from pipeline.model import AudioFile, Episode, Recording, Show, Site, Transcript
from pipeline.reports import Reporter
from pipeline.transcribe import (
    TranscribeResult,
    cached,
    save,
    single_speaker,
    store,
    transcribe_recording,
    validate,
)
from pipeline.transcribe.settings import DECODING
from pipeline.worker import ENGINE_ENV, MODEL_ENV  # the model `pipeline worker` loads first

RETRIES = 2  # a task that raised runs again this often; a task whose worker died always does
CONNECT_SECONDS = 20  # to reach the scheduler
WORKER_SECONDS = 120  # for the first worker to join it
# Decoding threads of each task on a worker; unset: the worker's cores over its task threads.
THREADS_ENV = "PIPELINE_WHISPER_THREADS"

log = logging.getLogger(__name__)
Job = dict[str, Any]  # what a task gets: bytes, strings and numbers only


# --- on the worker -----------------------------------------------------------------------


def engine_threads(task_threads: int) -> int:
    """CPU threads Whisper may use for one task on this worker."""
    from pipeline.transcribe.engines import default_threads

    wanted = os.environ.get(THREADS_ENV, "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return max(1, default_threads() // max(1, task_threads))


def dask_setup(worker: Worker) -> None:
    """The preload of `pipeline worker`: load the model now, so the first task finds it ready."""
    from pipeline.transcribe.engines import get_engine

    engine = os.environ.get(ENGINE_ENV, "faster-whisper")
    model = os.environ.get(MODEL_ENV, "tiny.en")
    try:
        get_engine(engine, model, "auto", engine_threads(worker.state.nthreads))
    except ConfigError as exc:  # the tasks say so too, naming the worker
        log.warning("model %s of %s not loaded: %s", model, engine, exc)


def transcribe_task(job: Job) -> dict[str, Any]:
    """A task: a recording's bytes in, its transcript document out (plain JSON-able data).

    A ContentError (the audio cannot be decoded) or ConfigError (the model cannot be loaded
    here) comes back as data that names it; anything else raises, and Dask runs it again.
    """
    from pipeline.transcribe.engines import get_engine

    started = time.monotonic()
    try:
        worker = get_worker()
        name, threads = str(worker.name), worker.state.nthreads
    except ValueError:  # not on a worker: called directly
        name, threads = "here", 1
    with tempfile.TemporaryDirectory(prefix="pipeline-transcribe-") as scratch:
        files: list[AudioFile] = []
        for i, f in enumerate(job["files"]):
            path = Path(scratch) / f"{i}{f['suffix']}"  # the worker's own disk, for PyAV
            path.write_bytes(f["data"])
            files.append(
                AudioFile(
                    path,
                    f["format"],
                    f["codec"],
                    f["duration"],
                    len(f["data"]),
                    f["channels"],
                    f["sample_rate"],
                    f["sha256"],
                )
            )
        try:
            engine = get_engine(job["engine"], job["model"], job["device"], engine_threads(threads))
            transcript = transcribe_recording(
                Recording(tuple(files), tuple(job["speakers"])),
                engine,
                language=job["language"],
                speaker=job["speaker"],
            )
        except ContentError as exc:
            index = next((i for i, f in enumerate(files) if f.path == exc.path), 0)
            return {"worker": name, "error": exc.detail, "file": index}
        except ConfigError as exc:
            return {"worker": name, "config_error": str(exc)}
    seconds = time.monotonic() - started
    return {"worker": name, "seconds": seconds, "transcript": store.to_document(transcript)}


# --- on this machine ---------------------------------------------------------------------


def transcribe_on_cluster(
    show: Show, problems: Problems, reporter: Reporter, force: Set[str], address: str
) -> dict[str, TranscribeResult]:
    """Every episode's transcript, those not current transcribed by the cluster at ``address``.

    Current and corrected transcripts are used as they are and never sent; the rest go out
    a few more at a time than the cluster has threads, and each is saved as it comes back.
    Raises ConfigError when the scheduler cannot be reached or has no worker.
    """
    results: dict[str, TranscribeResult] = {}
    todo: list[Episode] = []
    for episode in show.episodes:
        try:
            kept = cached(episode, show.site, force=episode.slug in force)
        except ContentError as exc:
            problems.add(exc, slug=episode.slug)
            continue
        if kept is None:
            todo.append(episode)
        else:
            results[episode.slug] = kept
    if todo:
        client = connect(address)
        try:
            Run(client, show.site, problems, reporter, force, results).run(todo)
        finally:
            client.close()
    return results


def connect(address: str) -> Client:
    """A client of the scheduler at ``address`` that has at least one worker."""
    where = "--scheduler or site.toml [transcribe] scheduler"
    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({exc}); start `dask scheduler` "
            f"on that machine, or correct the address ({where})"
        ) from None
    try:
        client.wait_for_workers(1, timeout=WORKER_SECONDS)
    except TimeoutError:
        client.close()
        raise ConfigError(
            f"the Dask scheduler at {address} has had no worker for {WORKER_SECONDS} s; "
            f"start one on each machine that should help: pipeline worker {address}"
        ) from None
    return client


class Run:
    """One cluster run: submits the jobs, saves each transcript, reports progress and ETA."""

    def __init__(
        self,
        client: Client,
        site: Site,
        problems: Problems,
        reporter: Reporter,
        force: Set[str],
        results: dict[str, TranscribeResult],
    ) -> None:
        self.client, self.site, self.problems = client, site, problems
        self.reporter, self.force, self.results = reporter, force, results
        self.running: dict[Future, Episode] = {}
        self.pending: as_completed = as_completed(loop=client.loop)
        self.done, self.seconds, self.total = 0, 0.0, 0.0

    def run(self, todo: list[Episode]) -> None:
        queue = deque(todo)
        self.total = sum(e.recording.duration for e in todo if e.recording)
        self.started = time.monotonic()
        self.progress = self.reporter.task(f"transcribe {len(todo)} on cluster", self.total)
        self.count = len(todo)
        try:
            self._fill(queue)
            for future in self.pending:
                episode = self.running.pop(future)
                self._fill(queue)
                self._collect(future, episode)
        finally:
            if self.running:
                self.client.cancel(list(self.running))

    def _fill(self, queue: deque[Episode]) -> None:
        """Keep a few more tasks out than the cluster has threads (the bytes stay bounded)."""
        window = sum(self.client.nthreads().values()) + 2
        while queue and len(self.running) < window:
            episode = queue.popleft()
            try:
                job = make_job(episode, self.site)
            except ContentError as exc:
                self.problems.add(exc, slug=episode.slug)
                self._advance(episode)
                continue
            future = self.client.submit(
                transcribe_task,
                job,
                key=f"transcribe-{episode.slug}-{uuid.uuid4().hex}",
                retries=RETRIES,
                pure=False,
            )
            self.running[future] = episode
            self.pending.add(future)

    def _collect(self, future: Future, episode: Episode) -> None:
        """Save the transcript that came back, or name the problem; never stop the others."""
        assert episode.recording is not None
        audio = episode.recording.files[0].path
        try:
            answer = future.result()
        except Exception as exc:  # raised RETRIES + 1 times, or its workers kept dying
            self.problems.error(
                audio,
                f"could not be transcribed on the cluster ({type(exc).__name__}: {exc}); "
                "run the command again, or without --scheduler",
                slug=episode.slug,
            )
            self._advance(episode)
            return
        finally:
            future.release()
        if "config_error" in answer:
            raise ConfigError(f"on worker {answer['worker']}: {answer['config_error']}")
        try:
            if "error" in answer:
                raise ContentError(episode.recording.files[answer["file"]].path, answer["error"])
            transcript = received(answer["transcript"], episode, self.site)
            result = save(episode, transcript, force=episode.slug in self.force)
        except ContentError as exc:
            self.problems.add(exc, slug=episode.slug)
            self._advance(episode)
            return
        self.results[episode.slug] = result
        self._advance(episode)
        if result.transcribed:
            self.reporter.finished(
                f"transcribed {episode.slug} on {answer['worker']}: "
                f"{clock(episode.recording.duration)} of audio in {answer['seconds']:.0f} s; "
                f"{self.done} of {self.count} recordings, {clock(self.seconds)} of "
                f"{clock(self.total)} of audio done, {self._eta()}"
            )

    def _advance(self, episode: Episode) -> None:
        self.done += 1
        self.seconds += episode.recording.duration if episode.recording else 0.0
        self.progress(self.seconds, self.total)

    def _eta(self) -> str:
        left = self.total - self.seconds
        if left <= 0:
            return "all done"
        rate = self.seconds / max(time.monotonic() - self.started, 1e-9)
        return f"about {clock(left / rate)} left" if rate > 0 else "time left unknown"


def make_job(episode: Episode, site: Site) -> Job:
    """What a worker needs for one recording: its files' bytes and the settings, as plain data.

    Raises ContentError for a file that changed since the episode was read.
    """
    assert episode.recording is not None
    files = []
    for f in episode.recording.files:
        try:
            data = f.path.read_bytes()
        except OSError as exc:
            raise ContentError(f.path, f"cannot be read ({exc.strerror}); run again") from None
        if hashlib.sha256(data).hexdigest() != f.sha256:
            raise ContentError(
                f.path, "changed while the show was read; run the command again when it is copied"
            )
        files.append(
            {
                "suffix": f.path.suffix.lower(),
                "data": data,
                "format": f.format,
                "codec": f.codec,
                "duration": f.duration,
                "channels": f.channels,
                "sample_rate": f.sample_rate,
                "sha256": f.sha256,
            }
        )
    return {
        "files": files,
        "speakers": list(episode.recording.speakers),
        "engine": site.transcribe.engine,
        "model": site.transcription_model,
        "device": site.transcribe.device,
        "language": site.transcription_language,
        "speaker": single_speaker(episode),
    }


def received(document: dict[str, Any], episode: Episode, site: Site) -> Transcript:
    """The transcript a worker sent, checked like a file: whole, and of these settings."""
    assert episode.recording is not None
    path = episode.transcript_path
    doc = validate.document(json.dumps(document), path)
    transcript = validate.transcript(doc, path, edited=False)
    wanted = store.key_for(
        episode.recording.sha256,
        site.transcribe.engine,
        site.transcription_model,
        site.transcription_language,
        DECODING,
    )
    whole = doc.get("content_sha256") == store.content_hash(doc)
    if not whole or store.cache_key(transcript) != wanted:
        raise ContentError(
            path, "came back from the cluster damaged or of other settings; run the command again"
        )
    return transcript
