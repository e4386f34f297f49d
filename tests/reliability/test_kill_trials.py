"""A build killed at any moment leaves the served marts old or new, and the next build succeeds (issue 6,
acceptance 2; issue 10, acceptance 6).

Two classes of ten trials: `--dist loadscope` runs them on the two workers.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import (
    BY_COUNTRY,
    PER_100K,
    Workspace,
    make_workspace,
    mart_checksums,
    replace_in_file,
    run_cli,
)
from tests.reliability.warm_builds import WarmBuild

# Issue 6 asks for at least 20 seeded trials. The build's duration is cut into TRIALS equal strata and
# each trial kills at a random moment of its own stratum (seeded by its number): every phase (load,
# checks, dbt, exports, publish) is hit on every run, which 20 uniform draws did not promise (they cluster).
TRIALS = 20


def _restate_2025(ws: Workspace) -> None:
    """The 'new state': three 2025 values changed (ranks move, latest flags stay)."""
    replace_in_file(ws.edition_file(2025, PER_100K), "Luxembourg,15.31", "Luxembourg,15.41")
    replace_in_file(ws.edition_file(2025, BY_COUNTRY), "China,9.29", "China,9.39")
    replace_in_file(ws.edition_file(2025, BY_COUNTRY), "Sweden,4.3", "Sweden,4.6")


def _state(warehouse: Path) -> dict[str, str]:
    """Checksums of each mart's rows without load timestamps: equal means the same published state."""
    return mart_checksums(warehouse, without_timestamps=True)


@dataclass(frozen=True)
class KillTrials:
    old_state: dict[str, str]
    new_state: dict[str, str]
    duration: float  # seconds an uninterrupted build of the new state takes


@pytest.fixture(scope="module")
def kill_trials(built: Workspace, tmp_path_factory) -> KillTrials:
    root = tmp_path_factory.mktemp("kill-trials")
    old = make_workspace(root / "old", warehouse_from=built.warehouse)
    new = make_workspace(root / "new", warehouse_from=built.warehouse)
    _restate_2025(new)
    # The new state, built in a process of its own, as the trials are: its duration spreads the kills
    # over load, checks, dbt and exports.
    started = time.monotonic()
    build = WarmBuild(new.env(), [], root / "new.log")
    assert build.wait(600) == 0, build.output()
    duration = time.monotonic() - started
    trials = KillTrials(_state(old.warehouse), _state(new.warehouse), duration)
    changed = {t for t in trials.old_state if trials.old_state[t] != trials.new_state[t]}
    assert changed, "the restatement must change some marts"
    return trials


def _kill_trial(built: Workspace, kill_trials: KillTrials, tmp_path: Path, trial: int) -> None:
    old_state, new_state = kill_trials.old_state, kill_trials.new_state
    ws = make_workspace(tmp_path / "ws", warehouse_from=built.warehouse)
    _restate_2025(ws)
    # A moment in this trial's stratum of the build, the same for a trial number on every run.
    stratum = kill_trials.duration / TRIALS
    delay = max(0.3, random.Random(20261125 + trial).uniform(trial * stratum, (trial + 1) * stratum))
    build = WarmBuild(ws.env(), [], tmp_path / "build.log")
    if build.wait(delay) is None:
        # Only the build process is killed (kill -9 PID): five seconds later no process of it may be
        # left, its dbt child included, and the published snapshot must be the old state or the new.
        build.kill_and_wait_for_its_children(timeout_s=5)
    state = _state(ws.warehouse)
    assert state.keys() == old_state.keys(), f"kill at {delay:.1f}s: marts missing or added"
    mixed = {t: s for t, s in state.items() if s not in (old_state[t], new_state[t])}
    assert not mixed, f"kill at {delay:.1f}s: marts in neither state: {sorted(mixed)}"
    code, _ = run_cli(ws, "build")
    assert code == 0, f"the build after a kill at {delay:.1f}s failed"
    assert _state(ws.warehouse) == new_state, (
        f"kill at {delay:.1f}s: the next build did not reach the new state"
    )


# Two classes, so that `--dist loadscope` runs the two halves on two workers (it sends a module's test
# functions, or a class's methods, to one worker); each worker builds the two states once.
@pytest.mark.slow
class TestKillsInTheFirstHalfOfTheBuild:
    @pytest.mark.parametrize("trial", range(TRIALS // 2))
    def test_a_build_killed_at_any_moment_leaves_old_or_new_marts_and_the_next_build_succeeds(
        self, built: Workspace, kill_trials: KillTrials, tmp_path, trial: int
    ):
        _kill_trial(built, kill_trials, tmp_path, trial)


@pytest.mark.slow
class TestKillsInTheSecondHalfOfTheBuild:
    @pytest.mark.parametrize("trial", range(TRIALS // 2, TRIALS))
    def test_a_build_killed_at_any_moment_leaves_old_or_new_marts_and_the_next_build_succeeds(
        self, built: Workspace, kill_trials: KillTrials, tmp_path, trial: int
    ):
        _kill_trial(built, kill_trials, tmp_path, trial)
