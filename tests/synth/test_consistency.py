"""Referential consistency, date order and statutory sanity of the generated province."""

from __future__ import annotations

from pathlib import Path

from tests.synth.conftest import views
from zhijian.law.idnumber import check_id_number
from zhijian.law.sentence import parse_sentence
from zhijian.synth.crimes import CRIMES

REFERENCES = (
    ("custody_records", "judgment_id", "judgments", "judgment_id"),
    ("sentence_changes", "judgment_id", "judgments", "judgment_id"),
    ("property_judgments", "judgment_id", "judgments", "judgment_id"),
    ("community_corrections", "judgment_id", "judgments", "judgment_id"),
    ("community_corrections", "change_id", "sentence_changes", "change_id"),
    ("correction_events", "case_id", "community_corrections", "case_id"),
    ("custody_records", "facility_code", "facilities", "facility_code"),
    ("sentence_changes", "facility_code", "facilities", "facility_code"),
    ("prison_accounts", "facility_code", "facilities", "facility_code"),
    ("detention_stages", "facility_code", "facilities", "facility_code"),
    ("video_cameras", "facility_code", "facilities", "facility_code"),
    ("video_segments", "camera_id", "video_cameras", "camera_id"),
    ("custody_events", "camera_id", "video_cameras", "camera_id"),
)
ORDERED = (
    ("judgments", "judgment_date", "effective_date"),
    ("judgments", "pretrial_detention_date", "judgment_date"),
    ("judgments", "birth_date", "pretrial_detention_date"),
    ("custody_records", "admission_date", "release_date"),
    ("custody_records", "admission_date", "execution_notice_date"),
    ("sentence_changes", "proposal_date", "decision_date"),
    ("sentence_changes", "decision_date", "served_date"),
    ("community_corrections", "decision_effective_date", "registration_date"),
    ("community_corrections", "start_date", "end_date"),
    ("detention_stages", "stage_start", "stage_end"),
    ("detention_stages", "stage_start", "deadline"),
    ("video_segments", "start_time", "end_time"),
)


def test_every_reference_resolves(tiny: Path) -> None:
    con = views(tiny)
    for table, column, target, key in REFERENCES:
        missing = con.execute(
            f"select count(*) from {table} where {column} is not null "
            f"and {column} not in (select {key} from {target})"
        ).fetchone()
        assert missing == (0,), (table, column)


def test_dates_are_ordered(tiny: Path) -> None:
    con = views(tiny)
    for table, earlier, later in ORDERED:
        wrong = con.execute(f"select count(*) from {table} where {earlier} > {later}").fetchone()
        assert wrong == (0,), (table, earlier, later)
    # nobody is paid before birth, and no judgment, change or payment lies after as-of
    assert con.execute(
        "select count(*) from benefit_payments p join judgments j using (id_number) "
        "where p.month < strftime(j.birth_date, '%Y-%m')"
    ).fetchone() == (0,)
    assert con.execute(
        "select count(*) from sentence_changes where decision_date > date '2025-06-30'"
    ).fetchone() == (0,)


def test_sentences_lie_within_each_crimes_range(tiny: Path) -> None:
    ranges = {c.name: c for c in CRIMES}
    rows = (
        views(tiny)
        .execute(
            "select crimes, principal_penalty, term_months, probation_months, sentence_text "
            "from judgments"
        )
        .fetchall()
    )
    assert len(rows) > 100
    for crimes, penalty, term, probation, text in rows:
        rule = ranges[crimes]
        assert penalty in rule.penalties
        if penalty == "有期徒刑":
            assert rule.fixed_range[0] <= term <= rule.fixed_range[1]
        if penalty == "拘役":
            assert 1 <= term <= 6
        if probation is not None:  # 刑法第七十二、七十三条
            assert penalty == "拘役" or (penalty == "有期徒刑" and term <= 36)
            low, high = (max(term, 2), 12) if penalty == "拘役" else (max(term, 12), 60)
            assert low <= probation <= high
        parsed = parse_sentence(text)  # the wording says what the columns say
        assert (parsed.principal_penalty, parsed.term_months) == (
            penalty,
            term if penalty != "无期徒刑" else None,
        )
        assert parsed.probation_months == probation


def test_every_id_number_is_valid_and_matches_the_person(tiny: Path) -> None:
    rows = (
        views(tiny)
        .execute(
            "select id_number, birth_date, gender from judgments "
            "union all select id_number, null, null from benefit_payments "
            "union all select id_number, null, null from staff"
        )
        .fetchall()
    )
    for number, born, gender in set(rows):
        result = check_id_number(number)
        assert result.valid, number
        assert result.region_code is not None and result.region_code.startswith("37")
        if born is not None:
            assert (result.birth_date, result.gender) == (born, gender)
