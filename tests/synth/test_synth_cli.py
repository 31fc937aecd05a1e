"""``zhijian synth generate`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhijian.cli import main


def test_generate_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "province"
    code = main(
        ["synth", "generate", "--scale", "tiny", "--seed", "5", "--out", str(out), "--quiet"]
    )
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert {"judgments.csv", "benefit_payments.csv", "ground_truth.csv", "manifest.json"} <= names
    assert len(names) == 21
    printed = json.loads(capsys.readouterr().out)
    assert printed["planted"]["parole_prohibited"] == 3
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert (manifest["scale"], manifest["seed"], manifest["as_of"]) == ("tiny", 5, "2025-06-30")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scale", "huge"], "参数 --scale 的值"),
        (["--scale", "tiny", "--as-of", "2025-02-30"], "--as-of 不是有效日期"),
        (["--scale", "tiny", "--out-is-file"], "输出路径已存在且不是目录"),
        (["--scale", "tiny", "--dirty", "--format", "parquet"], "--dirty 只能与 --format csv"),
    ],
)
def test_bad_arguments_exit_2_with_a_chinese_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    target = tmp_path / "out"
    if "--out-is-file" in arguments:
        arguments = [a for a in arguments if a != "--out-is-file"]
        target.write_text("x")
    argv = ["synth", "generate", "--seed", "1", "--out", str(target), "--quiet", *arguments]
    with pytest.raises(SystemExit) as raised:
        raise SystemExit(main(argv))
    assert raised.value.code == 2
    assert message in capsys.readouterr().err
