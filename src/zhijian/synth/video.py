"""Cameras of prisons and 看守所, their stored recordings over the last three days before
the as-of date, and custodial events (interrogations, visits, talks) in rooms that have
a camera recording at the time."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from zhijian.synth.dates import day
from zhijian.synth.facilities import Facility, detention_centres, prisons
from zhijian.synth.tables import Tables

AREAS = (
    "监室",
    "提讯室",
    "会见室",
    "谈话室",
    "医务室",
    "禁闭室",
    "放风场",
    "过道",
    "大门",
    "劳动现场",
)
KEY_AREAS = frozenset({"提讯室", "会见室", "谈话室", "禁闭室", "医务室"})
DAYS = 3


def _cameras() -> list[tuple[str, Facility, str, int]]:
    cameras: list[tuple[str, Facility, str, int]] = []
    for facility in (*prisons(), *detention_centres()):
        areas = AREAS if facility.kind != "看守所" else AREAS[:9]
        per_area = 2 if facility.kind != "看守所" else 1
        for area in areas:
            for number in range(1, per_area + 1):
                cameras.append(
                    (f"{facility.code}-V{len(cameras) % 1000:03d}", facility, area, number)
                )
    return cameras


def add_video(tables: Tables, rng: np.random.Generator, as_of: date) -> None:
    cameras = _cameras()
    tables.add(
        "video_cameras",
        {
            "camera_id": [c[0] for c in cameras],
            "facility_code": [c[1].code for c in cameras],
            "area_type": [c[2] for c in cameras],
            "name": [f"{c[1].name}{c[2]}{c[3]}号" for c in cameras],
            "key_area": [c[2] in KEY_AREAS for c in cameras],
            "source_system": ["监管场所视频平台"] * len(cameras),
        },
    )
    # Six-hour recordings, each ending a few seconds to minutes before the next begins.
    first = (day(as_of) - DAYS + 1).astype("datetime64[s]")
    slots = DAYS * 4
    camera = np.repeat(np.arange(len(cameras)), slots)
    start = first + (np.tile(np.arange(slots), len(cameras)) * 6 * 3600).astype("timedelta64[s]")
    end = start + (6 * 3600 - rng.integers(1, 300, len(start))).astype("timedelta64[s]")
    ids = pa.array([c[0] for c in cameras])
    tables.add(
        "video_segments",
        {
            "camera_id": ids.take(pa.array(camera)),
            "start_time": pa.array(start),
            "end_time": pa.array(end),
            "source_system": pa.array(["监管场所视频平台"]).take(
                pa.array(np.zeros(len(camera), np.int64))
            ),
        },
    )
    rooms = [i for i, c in enumerate(cameras) if c[2] in ("提讯室", "会见室", "谈话室")]
    picked = np.array(rooms)[rng.integers(0, len(rooms), len(rooms) * 2)]
    begin = first + rng.integers(8 * 3600, 17 * 3600, len(picked)).astype("timedelta64[s]")
    begin += (rng.integers(0, DAYS, len(picked)) * 86400).astype("timedelta64[s]")
    kinds = {"提讯室": "提讯", "会见室": "会见", "谈话室": "谈话"}
    tables.add(
        "custody_events",
        {
            "event_id": [f"JG{i + 1:08d}" for i in range(len(picked))],
            "facility_code": [cameras[p][1].code for p in picked],
            "event_type": [kinds[cameras[p][2]] for p in picked],
            "start_time": pa.array(begin),
            "end_time": pa.array(
                begin + rng.integers(600, 5400, len(picked)).astype("timedelta64[s]")
            ),
            "area_type": [cameras[p][2] for p in picked],
            "camera_id": [cameras[p][0] for p in picked],
            "officer_count": rng.integers(1, 4, len(picked)),
            "source_system": ["监管场所"] * len(picked),
        },
    )
