"""Running many cases: one after another, in N worker processes on this machine, or as Ray tasks on a cluster.

Every case runs in its own fresh sandbox (its own X display) whichever way it runs, so the results are the same
as a serial run's and come back in case order. The model crosses process boundaries as a description, not as
an object: "expert" (each task's own expert) or a PolicySource (perception.backends.factory), loaded once per
worker process. A model behind an endpoint (`--endpoint`, e.g. one vLLM server) is shared by every worker.

- serial (`workers=1`, no Ray): in this process, the model loaded once (or a Policy given as is);
- `workers=N`: N processes (spawned, not forked: this process may hold X connections and threads), taking cases
  from one queue, so a slow case does not hold the others back;
- Ray (`ray_address`: "" for a local Ray started here, or a cluster's address): one Ray task per case, each
  starting its own sandbox on whichever node runs it; the task packs its run directory (tar.gz) and the caller
  unpacks it into its own runs directory, so the report and every run end up where a serial run puts them.
  Ray is an optional extra (`pip install 'deskpilot[ray]'`), imported only here and only when asked for.
"""

from __future__ import annotations

import functools
import io
import logging
import multiprocessing
import queue
import shutil
import tarfile
import tempfile
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from agent.errors import AgentError
from agent.evaluation.runner import EXPERT, CaseResult, evaluate_case
from agent.evaluation.sweeps import Variant
from agent.evaluation.task import Case

WORKER_POLL_S = 1.0  # how often the caller checks that its workers are still alive while it waits
Progress = Callable[[CaseResult, int, int], None]  # (a finished case, cases done, cases in all)


@dataclass(frozen=True)
class Job:
    """One case to run under one variant; `index` is its place in the results."""

    index: int
    case: Case
    variant: Variant = Variant()


def jobs_for(cases: Sequence[Case], variants: Sequence[Variant] = (Variant(),), repeat: int = 1) -> list[Job]:
    """Every case under every variant, `repeat` times each: variant by variant, each repetition the whole list of
    cases in order. A screen variant of the size a task already has is the default run again: it is left out."""
    out: list[Job] = []
    for variant in variants:
        for _ in range(repeat):
            for case in cases:
                if variant.screen is None or variant.screen != case.task.screen:
                    out.append(Job(len(out), case, variant))
    return out


def run_jobs(jobs: Sequence[Job], model, runs_dir: Path, *, workers: int = 1, ray_address: str | None = None,
             attribute: bool = True, progress: Progress | None = None) -> list[CaseResult]:
    """Run every job and return its CaseResult, in job order. `model` is EXPERT, a PolicySource, or (serial
    runs only) a Policy. `ray_address` None runs here (serially or in `workers` processes); "" on a local Ray;
    anything else on that cluster. `progress` is called after each case, in the order they finish."""
    runs_dir = Path(runs_dir)
    runs_dir.mkdir(parents=True, exist_ok=True)
    if ray_address is not None:
        return _run_ray(jobs, model, runs_dir, ray_address, attribute, progress)
    if workers > 1 and len(jobs) > 1:
        _require_portable(model)
        return _run_processes(jobs, model, runs_dir, min(workers, len(jobs)), attribute, progress)
    return _run_serial(jobs, model, runs_dir, attribute, progress)


def run_job(job: Job, policy, runs_dir: Path, attribute: bool) -> CaseResult:
    """One job with a loaded policy (or EXPERT); a case that raises is a failed case with the reason, so one
    broken case does not end the whole run."""
    try:
        return evaluate_case(job.case, policy, runs_dir, attribute=attribute, variant=job.variant)
    except Exception as e:  # noqa: BLE001 - whatever went wrong is this case's failure, reported with it
        return failed(job, f"{type(e).__name__}: {e}")


def failed(job: Job, message: str) -> CaseResult:
    """A CaseResult for a job that could not run."""
    case, task = job.case, job.case.task
    return CaseResult(case=case.name, task=task.id, family=task.family, template=task.template, app=case.app,
                      split=case.split, style=task.phrasings[case.phrasing].style, feasible=task.feasible,
                      outcome="failed", steps=0, wall_s=0.0, passed=False, detail="", run_dir=None, error=message,
                      variant=job.variant.name)


def load_model(model):
    """EXPERT stays EXPERT; a PolicySource is loaded (perception.backends.factory.load_policy)."""
    if model == EXPERT:
        return EXPERT
    from perception.backends.factory import PolicySource, load_policy

    return load_policy(model) if isinstance(model, PolicySource) else model


def _close(policy) -> None:
    if policy != EXPERT and hasattr(policy, "close"):
        policy.close()


def _require_portable(model) -> None:
    from perception.backends.factory import PolicySource

    if model != EXPERT and not isinstance(model, PolicySource):
        raise TypeError("workers and Ray need the model as 'expert' or a PolicySource, not a loaded Policy")


def _run_serial(jobs, model, runs_dir, attribute, progress) -> list[CaseResult]:
    policy = load_model(model)
    results = []
    try:
        for job in jobs:
            results.append(run_job(job, policy, runs_dir, attribute))
            if progress:
                progress(results[-1], len(results), len(jobs))
    finally:
        if policy is not model:  # loaded here: closed here
            _close(policy)
    return results


def _worker(model, runs_dir: str, attribute: bool, todo, done) -> None:
    """A worker process: load the model once, then run jobs from `todo` until it hands out None."""
    try:
        policy = load_model(model)
    except Exception as e:  # noqa: BLE001 - reported to the caller, which stops the run with it
        done.put(("model", f"the model did not load in a worker: {type(e).__name__}: {e}"))
        return
    try:
        while (job := todo.get()) is not None:
            done.put(("result", job.index, run_job(job, policy, Path(runs_dir), attribute)))
    except Exception:  # noqa: BLE001 - a bug in the worker itself: the caller reports it
        done.put(("fatal", traceback.format_exc(limit=5)))
    finally:
        _close(policy)


def _run_processes(jobs, model, runs_dir, workers, attribute, progress) -> list[CaseResult]:
    context = multiprocessing.get_context("spawn")
    todo, done = context.Queue(), context.Queue()
    for job in jobs:
        todo.put(job)
    for _ in range(workers):
        todo.put(None)
    processes = [context.Process(target=_worker, args=(model, str(runs_dir), attribute, todo, done), daemon=True,
                                 name=f"deskpilot-eval-{i}") for i in range(workers)]
    for p in processes:
        p.start()
    results: dict[int, CaseResult] = {}
    try:
        while len(results) < len(jobs):
            try:
                message = done.get(timeout=WORKER_POLL_S)
            except queue.Empty:
                if not any(p.is_alive() for p in processes) and done.empty():
                    raise AgentError(f"every worker ended with {len(jobs) - len(results)} cases left "
                                      f"(exit codes {[p.exitcode for p in processes]})") from None
                continue
            if message[0] == "model":  # a model that cannot be loaded: a usage problem, as in a serial run
                from perception.errors import BackendError

                raise BackendError(message[1])
            if message[0] == "fatal":
                raise AgentError(message[1])
            _, index, result = message
            results[index] = result
            if progress:
                progress(result, len(results), len(jobs))
    finally:
        for p in processes:
            if p.is_alive() and len(results) < len(jobs):
                p.terminate()  # stopped early (an error, Ctrl-C): its sandbox goes with it (PDEATHSIG)
            p.join(timeout=30)
    return [results[i] for i in range(len(jobs))]


@functools.lru_cache(maxsize=1)
def _loaded(model):
    """The model loaded once per Ray worker process (Ray reuses its worker processes between tasks)."""
    return load_model(model)


def _ray_job(model, job: Job, attribute: bool) -> tuple[CaseResult, bytes]:
    """A Ray task: run one job in a fresh sandbox on this node; its result and its run directory as tar.gz."""
    scratch = Path(tempfile.mkdtemp(prefix="deskpilot-ray-"))
    try:
        try:
            policy = _loaded(model)
        except Exception as e:  # noqa: BLE001 - this case fails with the reason; the others try again
            return failed(job, f"the model did not load: {type(e).__name__}: {e}"), b""
        result = run_job(job, policy, scratch, attribute)
        return result, _pack(Path(result.run_dir)) if result.run_dir else b""
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _pack(run_dir: Path) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(run_dir, arcname=run_dir.name)
    return buf.getvalue()


def unpack(data: bytes, runs_dir: Path) -> Path:
    """Unpack a packed run directory into `runs_dir` (a new name when that one is taken); its path."""
    with tempfile.TemporaryDirectory(dir=runs_dir, prefix=".unpack-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")  # no absolute paths, links out or devices from a remote node
        (inner,) = Path(tmp).iterdir()
        target, n = runs_dir / inner.name, 2
        while target.exists():
            target, n = runs_dir / f"{inner.name}-{n}", n + 1
        inner.rename(target)
    return target


def _run_ray(jobs, model, runs_dir, address, attribute, progress) -> list[CaseResult]:
    _require_portable(model)
    try:
        import ray
    except ImportError:
        from agent.errors import UsageError

        raise UsageError("--ray needs the ray package: pip install 'deskpilot[ray]'") from None
    if not ray.is_initialized():  # a caller (or a test) may have started it already
        ray.init(address=address or None, log_to_driver=False, logging_level=logging.WARNING)
    remote = ray.remote(num_cpus=1, max_retries=0)(_ray_job)
    pending = {remote.remote(model, job, attribute): job for job in jobs}
    results: dict[int, CaseResult] = {}
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            job = pending.pop(ref)
            try:
                result, packed = ray.get(ref)
            except Exception as e:  # noqa: BLE001 - a lost node or a crashed worker fails this case only
                result, packed = failed(job, f"ray: {type(e).__name__}: {e}"), b""
            if packed:
                result = replace(result, run_dir=str(unpack(packed, runs_dir)))
            results[job.index] = result
            if progress:
                progress(result, len(results), len(jobs))
    return [results[i] for i in range(len(jobs))]
