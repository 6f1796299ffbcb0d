"""The sharding model's arithmetic (bench/shards.py), on durations made up here."""

from __future__ import annotations

import pytest

from bench.shards import break_even, last_paying, predict, scaled, split

DURATIONS = {"a": 4.0, "b": 3.0, "c": 2.0, "d": 1.0}


def test_a_split_keeps_every_test_once() -> None:
    for shards in (1, 2, 3, 4):
        parts = split(DURATIONS, shards, "least_duration")

        assert sorted(nodeid for part in parts for nodeid in part) == sorted(DURATIONS)


def test_the_wall_time_is_the_slowest_shard_plus_one_start_up() -> None:
    prediction = predict(DURATIONS, 2, 5.0, "least_duration")

    assert sorted(prediction.shard_seconds) == [5.0, 5.0]
    assert prediction.wall_seconds == 10.0
    assert prediction.machine_seconds == 20.0


def test_a_suite_ten_times_the_size_repeats_every_test() -> None:
    bigger = scaled(DURATIONS, 10)

    assert len(bigger) == 40 and sum(bigger.values()) == pytest.approx(100.0)


def test_sharding_stops_paying_when_a_step_saves_less_than_its_start_ups() -> None:
    predictions = [predict(DURATIONS, shards, 1.0, "least_duration") for shards in (1, 2, 4)]

    # 1 -> 2 saves 5 s for 1 more start-up; 2 -> 4 saves 1 s (slowest test 4 s) for 2 more
    assert [p.wall_seconds for p in predictions] == [11.0, 6.0, 5.0]
    assert last_paying(predictions) == 2
    # one at a time: the 3rd shard (4 | 3 | 2+1) still saves its 1 s start-up, the 4th saves nothing
    assert break_even(DURATIONS, 1.0, "least_duration") == 3
