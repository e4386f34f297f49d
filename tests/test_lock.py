"""The warehouse lock: one writer at a time, across processes and across threads of one process."""

from __future__ import annotations

import os
import threading

import pytest

from orchestration.warehouse.lock import holder, warehouse_lock


def test_a_second_thread_waits_for_the_lock_while_the_holder_may_re_enter(tmp_path):
    lock = tmp_path / "warehouse.lock"
    held, release, outcome = threading.Event(), threading.Event(), {}

    def holder():
        with warehouse_lock(lock), warehouse_lock(lock):  # re-entrant in its own thread
            held.set()
            release.wait(10)

    def contender():
        try:
            with warehouse_lock(lock, timeout_s=0.5):
                outcome["got"] = True
        except TimeoutError as exc:
            outcome["timeout"] = str(exc)

    first = threading.Thread(target=holder)
    first.start()
    assert held.wait(10)
    second = threading.Thread(target=contender)
    second.start()
    second.join(10)
    assert "got" not in outcome and "gave up after waiting" in outcome["timeout"]
    assert f"pid {os.getpid()}" in outcome["timeout"] and "--wait SECONDS" in outcome["timeout"]
    release.set()
    first.join(10)
    with warehouse_lock(lock, timeout_s=0.5):  # released by the holder's thread: free again
        pass


def test_the_lock_file_names_its_holder(tmp_path):
    lock = tmp_path / "warehouse.lock"
    with warehouse_lock(lock):
        pid, started, command = lock.read_text().strip().split(" ", 2)
        named = holder(lock)
    assert int(pid) == os.getpid() and command and float(started) > 0
    assert named.startswith(f"pid {os.getpid()} (") and "since" in named


def test_a_timeout_is_an_error_not_a_hang(tmp_path):
    lock = tmp_path / "warehouse.lock"
    waiting: list[str] = []
    held, done = threading.Event(), threading.Event()

    def hold():
        with warehouse_lock(lock):
            held.set()
            done.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    try:
        with pytest.raises(TimeoutError):
            with warehouse_lock(lock, timeout_s=0.3, notify=waiting.append):
                pass
        assert waiting and "waiting for it to finish" in waiting[0]
    finally:
        done.set()
        thread.join(10)
