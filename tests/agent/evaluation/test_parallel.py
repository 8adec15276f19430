"""Running many cases: worker processes and a local Ray give what a serial run gives, in case order, and the
run directories end up in the caller's runs directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.evaluation.parallel import jobs_for, run_jobs
from agent.evaluation.runner import EXPERT
from agent.evaluation.suite import load_suite
from agent.runs.trajectory import load_run
from eval_suites import write_suite

pytestmark = [pytest.mark.display, pytest.mark.slow]


def outcomes(results):
    return [(r.case, r.outcome, r.steps, r.passed, r.detail, r.error) for r in results]


def test_two_workers_give_the_serial_results_in_case_order(tmp_path):
    by_name = {c.name: c for c in load_suite(write_suite(tmp_path / "suite", sums=((123, 456), (7, 8)))).cases()}
    # A long case first: the quick ones after it finish before it does, and must still come back after it.
    cases = [by_name[n] for n in ("xcalc-add-123-456#plain", "infeasible-xcalc-network-tab#plain",
                                  "infeasible-xcalc-network-tab#wordy", "xcalc-add-7-8#plain")]
    serial = run_jobs(jobs_for(cases), EXPERT, tmp_path / "serial", attribute=False)
    parallel = run_jobs(jobs_for(cases), EXPERT, tmp_path / "parallel", workers=2, attribute=False)
    assert outcomes(parallel) == outcomes(serial)
    assert [r.case for r in serial] == [c.name for c in cases]
    assert all(r.passed for r in serial), outcomes(serial)
    # each worker recorded its cases into the one runs directory
    assert sorted(Path(r.run_dir).parent for r in parallel) == [tmp_path / "parallel"] * 4
    assert all(load_run(r.run_dir).meta.outcome == r.outcome for r in parallel)


def test_a_local_ray_runs_each_case_and_brings_its_run_directory_back(tmp_path):
    ray = pytest.importorskip("ray")  # an install without the `ray` extra; `make test` has it
    cases = load_suite(write_suite(tmp_path / "suite", infeasible=False, sums=((23, 19), (7, 8)))).cases()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        results = run_jobs(jobs_for(cases), EXPERT, tmp_path / "runs", ray_address="", attribute=False)
    finally:
        ray.shutdown()
    assert [(r.case, r.passed) for r in results] == [(c.name, True) for c in cases]
    for r in results:
        run = Path(r.run_dir)
        assert run.parent == tmp_path / "runs"  # unpacked here, not left in the Ray worker's scratch dir
        assert load_run(run).meta.outcome == "done" and (run / "report.html").is_file()
