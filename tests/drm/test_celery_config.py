"""Celery configuration: JSON only, no lost tasks, bounded run time, a real beat schedule."""

import datetime

from celery.schedules import BaseSchedule

from drm.celery import app


def test_celery_accepts_and_sends_json_only():
    assert list(app.conf.accept_content) == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"


def test_a_task_is_acknowledged_only_after_it_ran_and_requeued_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_have_a_soft_and_a_hard_time_limit_that_redis_redelivery_outlasts():
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit

    assert soft and hard
    assert 0 < soft < hard
    assert app.conf.broker_transport_options["visibility_timeout"] > hard


def test_beat_uses_the_database_scheduler():
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"


def test_every_beat_entry_names_a_registered_task_and_a_schedule():
    app.loader.import_default_modules()  # runs autodiscovery of every app's tasks.py
    entries = app.conf.beat_schedule

    assert entries, "the beat schedule is empty"
    for name, entry in entries.items():
        assert entry["task"] in app.tasks, f"{name}: {entry['task']} is not a registered task"
        assert isinstance(entry["schedule"], int | float | datetime.timedelta | BaseSchedule), name
