"""The category classifier, its model file and the train/evaluate entry points (no database needed)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="scikit-learn is needed to train the classifier")
pytest.importorskip("jieba", reason="jieba is needed for word features")

from xinfang.intelligence.text import cli  # noqa: E402
from xinfang.intelligence.text.classify import CategoryClassifier, NotTrainedError, Suggestion  # noqa: E402
from xinfang.intelligence.text.modelfile import HEADER_KEY, ModelFormatError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = REPO.parent / "shared" / "data" / "tipdm2020"
TRAIN_CSV = DATA_DIR / "labelled_train.csv"

needs_data = pytest.mark.skipif(not TRAIN_CSV.is_file(), reason=f"TipDM data not found at {TRAIN_CSV}")


def _split(texts, labels, per_class_train: int, per_class_test: int, seed: int = 0):
    """A stratified subsample: a few hundred messages train in a few seconds."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, y in enumerate(labels):
        by_label.setdefault(y, []).append(i)
    tr, te = [], []
    for idx in by_label.values():
        idx = rng.permutation(idx)
        tr += idx[:per_class_train].tolist()
        te += idx[per_class_train : per_class_train + per_class_test].tolist()
    pick = lambda ids: ([texts[i] for i in ids], [labels[i] for i in ids])  # noqa: E731
    return pick(tr), pick(te)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    if not TRAIN_CSV.is_file():
        pytest.skip(f"TipDM data not found at {TRAIN_CSV}")
    texts, labels = cli.read_labelled(TRAIN_CSV)
    (xtr, ytr), (xte, yte) = _split(texts, labels, per_class_train=60, per_class_test=25)
    model = CategoryClassifier().fit(xtr, ytr)
    path = tmp_path_factory.mktemp("model") / "category.npz"
    model.save(path)
    return model, path, xte, yte


@needs_data
def test_accuracy_well_above_chance(trained):
    model, _, xte, yte = trained
    pred = [s.label for s in model.predict_many(xte)]
    accuracy = np.mean([p == y for p, y in zip(pred, yte, strict=True)])
    # 7 balanced classes: chance is 1/7; a working model on 60 examples per class is far above it.
    assert accuracy > 0.6, accuracy


@needs_data
def test_suggestion_is_a_calibrated_ranking(trained):
    model, _, xte, _ = trained
    s = model.predict(xte[0])
    assert isinstance(s, Suggestion)
    assert s.label == s.ranked[0][0] and s.confidence == s.ranked[0][1]
    assert len(s.ranked) == len(model.classes) == 7
    probs = [p for _, p in s.ranked]
    assert probs == sorted(probs, reverse=True)
    assert abs(sum(probs) - 1) < 1e-3
    assert model.temperature > 0
    # A plain string is read as 留言详情 without a topic.
    assert model.predict(xte[0][1]).label in model.classes


@needs_data
def test_save_load_round_trip_gives_identical_predictions(trained):
    model, path, xte, _ = trained
    loaded = CategoryClassifier.load(path)
    assert loaded.version == model.version and loaded.version
    for text in xte[:40]:
        a, b = model.predict(text), loaded.predict(text)
        assert a.label == b.label
        assert a.ranked == b.ranked
    assert loaded.predict(xte[0]).model_version == loaded.version
    header = loaded.header
    assert header["format"] == "xinfang-text-classifier"
    assert header["training"]["fingerprint"].startswith("sha256:")
    assert "macro_f1" in header["cv"] and header["params"]["alpha"] > 0


@needs_data
def test_model_file_holds_no_pickle(trained):
    _, path, _, _ = trained
    with np.load(path, allow_pickle=False) as npz:
        for name in npz.files:
            assert not npz[name].dtype.hasobject, name
    with zipfile.ZipFile(path) as zf:
        assert all(name.endswith(".npy") for name in zf.namelist())


def _rewrite(src: Path, dst: Path, change) -> None:
    with np.load(src, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    change(arrays)
    with dst.open("wb") as fh:
        np.savez(fh, **arrays)


@needs_data
def test_unknown_format_and_tampering_are_rejected(trained, tmp_path):
    _, path, _, _ = trained

    def other_format(arrays):
        header = json.loads(arrays[HEADER_KEY].tobytes())
        header["format"] = "someone-elses-model"
        arrays[HEADER_KEY] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)

    def future_version(arrays):
        header = json.loads(arrays[HEADER_KEY].tobytes())
        header["format_version"] = 99
        arrays[HEADER_KEY] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)

    def tampered(arrays):
        arrays["intercept"] = arrays["intercept"] + 1.0

    def no_header(arrays):
        del arrays[HEADER_KEY]

    for change, words in [(other_format, "格式"), (future_version, "版本"), (tampered, "校验"), (no_header, "文件头")]:
        bad = tmp_path / f"{change.__name__}.npz"
        _rewrite(path, bad, change)
        with pytest.raises(ModelFormatError, match=words):
            CategoryClassifier.load(bad)

    pickled = tmp_path / "pickled.npz"
    with pickled.open("wb") as fh:
        np.savez(fh, **{HEADER_KEY: np.array([{"format": "x"}], dtype=object)})
    with pytest.raises(ModelFormatError):
        CategoryClassifier.load(pickled)

    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(ModelFormatError):
        CategoryClassifier.load(garbage)


def test_untrained_model_refuses_to_predict():
    with pytest.raises(NotTrainedError):
        CategoryClassifier().predict("小区噪音扰民")


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    import csv

    csv.writer(buf).writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_missing_column_is_reported_in_chinese(tmp_path):
    bad = _write_csv(tmp_path / "bad.csv", [["留言主题", "留言详情"], ["", "小区噪音扰民"]])
    with pytest.raises(cli.DataFileError, match="缺少必需的列「一级标签」") as err:
        cli.train(bad, tmp_path / "m.npz")
    assert "bad.csv" in str(err.value) and "第 1 行" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_empty_label_is_reported_with_its_line(tmp_path):
    bad = _write_csv(
        tmp_path / "bad.csv",
        [["留言主题", "留言详情", "一级标签"], ["", "小区噪音扰民", "环境保护"], ["", "多行\n留言", "城乡建设"], ["", "工资拖欠", " "]],
    )
    with pytest.raises(cli.DataFileError) as err:
        cli.read_labelled(bad)
    # The quoted cell on line 3 spans two lines, so the empty label sits on line 5.
    assert "第 5 行" in str(err.value) and "「一级标签」为空" in str(err.value)


def test_empty_message_and_unknown_file_type(tmp_path):
    bad = _write_csv(tmp_path / "bad.csv", [["留言详情", "一级标签"], ["  ", "环境保护"]])
    with pytest.raises(cli.DataFileError, match="第 2 行：「留言详情」为空"):
        cli.read_labelled(bad)
    other = tmp_path / "data.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(cli.DataFileError, match="不受支持"):
        cli.read_labelled(other)


def _tiny_rows() -> list[list[str]]:
    noise = ["小区旁工地夜间施工噪音扰民", "工厂排放废气污染严重", "河道污水直排臭味熏天", "餐馆油烟扰民影响休息"]
    wages = ["公司拖欠工资三个月不发", "社保缴费基数不合理", "单位不给缴纳养老保险", "劳动合同到期被辞退没有补偿"]
    rows = [["留言主题", "留言详情", "一级标签"]]
    for i in range(3):
        rows += [["", f"{t}，第{i}次反映", "环境保护"] for t in noise]
        rows += [["", f"{t}，第{i}次反映", "劳动和社会保障"] for t in wages]
    return rows


def test_train_and_evaluate_round_trip_on_a_small_file(tmp_path):
    data = _write_csv(tmp_path / "tiny.csv", _tiny_rows())
    out = tmp_path / "tiny.npz"
    summary = cli.train(data, out)
    assert summary["n"] == 24 and summary["model_version"]
    result = cli.evaluate(out, data)
    assert set(result) >= {"macro_f1", "accuracy", "per_class", "n", "model_version", "seconds"}
    assert result["n"] == 24 and result["accuracy"] > 0.9
    assert set(result["per_class"]) == {"环境保护", "劳动和社会保障"}
    assert result["model_version"] == summary["model_version"]


def test_xlsx_input(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in _tiny_rows():
        sheet.append(row)
    sheet.append(["", "学校乱收费", None])
    path = tmp_path / "tiny.xlsx"
    book.save(path)
    with pytest.raises(cli.DataFileError, match=r"第 26 行"):
        cli.read_labelled(path)
    texts = cli.read_unlabelled(path)
    assert len(texts) == 25 and texts[-1] == ("", "学校乱收费")


def test_unlabelled_texts_are_deduplicated_and_counted(tmp_path):
    rows = _tiny_rows()
    texts = [(r[0], r[1]) for r in rows[1:]]
    labels = [r[2] for r in rows[1:]]
    model = CategoryClassifier({"calibration_folds": 0}).fit(texts, labels, unlabelled=texts[:5] + [("", "新的留言内容"), ("", "新的留言内容")])
    assert model.header["training"]["n_unlabelled"] == 1
    assert Counter(model.predict_many(texts[:4])[i].label for i in range(4)).most_common(1)[0][0] == "环境保护"


def test_text_package_does_not_import_django():
    code = (
        "import sys, xinfang.intelligence.text.classify, xinfang.intelligence.text.cli, "
        "xinfang.intelligence.text.modelfile, xinfang.intelligence.text.normalize; "
        "assert 'django' not in sys.modules, [m for m in sys.modules if m.startswith('django')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)


def test_class_offsets_raise_macro_f1_for_an_under_predicted_class():
    from xinfang.intelligence.text.classify import _fit_class_offsets, _per_class_f1

    rng = np.random.default_rng(0)
    y = np.array([0] * 300 + [1] * 60)
    scores = rng.normal(0, 0.05, size=(360, 2))
    scores[:300, 0] += 0.2
    scores[300:, 1] += 0.1  # class 1 scores run low: many of its items lose to class 0
    scores[300:, 0] += 0.15
    before = float(np.mean(_per_class_f1(y, scores.argmax(1), 2)))
    offsets = _fit_class_offsets(scores, y, 2)
    after = float(np.mean(_per_class_f1(y, (scores + offsets).argmax(1), 2)))
    assert offsets[1] - offsets[0] > 0  # the small class is lifted
    assert after > before + 0.05
    # scores that are already right need no offsets
    clean = np.eye(2)[y] * 1.0
    assert np.all(_fit_class_offsets(clean, y, 2) == 0)


def test_neighbour_votes_weigh_similar_messages_by_similarity_cubed():
    model = CategoryClassifier()
    model.classes = ["甲", "乙", "丙"]
    model.params["neighbours"] = {"k": 2, "weight": 0.4, "power": 3}
    sims = np.array([[0.9, 0.5, 0.8, 0.1], [0.0, 0.0, 0.0, 0.0]])
    labels = np.array([0, 1, 2, 0])
    votes = model._votes(sims, labels)
    # Row 0: the two nearest are 0.9 (甲) and 0.8 (丙); row 1 has no similar message and no vote.
    assert votes[0] == pytest.approx([0.729 / 1.241, 0, 0.512 / 1.241])
    assert np.all(votes[1] == 0)
    proba = np.array([[0.2, 0.7, 0.1], [0.2, 0.7, 0.1]])
    blended = model._blend(proba, votes)
    assert blended[0] == pytest.approx(0.6 * proba[0] + 0.4 * votes[0])
    assert blended[0].argmax() == 1 and blended[0].sum() == pytest.approx(1)
    assert np.all(blended[1] == proba[1])  # without neighbours the linear model speaks alone
    model.params["neighbours"] = {"k": 2, "weight": 0.0, "power": 3}
    assert np.all(model._blend(proba, votes) == proba)


def test_neighbour_vote_follows_a_near_copy_of_a_training_message(tmp_path):
    rows = _tiny_rows()
    texts = [(r[0], r[1]) for r in rows[1:]]
    labels = [r[2] for r in rows[1:]]
    # One odd training letter: about noise, but labelled 劳动和社会保障 (say, a factory's workers' complaint).
    odd = ("", "纺织厂车间机器噪音太大工人听力受损要求职业病鉴定和工伤认定")
    texts.append(odd)
    labels.append("劳动和社会保障")
    voting = CategoryClassifier({"calibration_folds": 0}).fit(texts, labels)
    silent = CategoryClassifier({"calibration_folds": 0, "neighbours": {"k": 20, "weight": 0.0, "power": 3}}).fit(texts, labels)
    probe = ("", "纺织厂车间机器噪音太大工人听力受损要求职业病鉴定")
    # The vote worked out by hand: cosine of the probe with every training letter, cubed, shares per label.
    X = voting._matrix([voting._block_counts(t) for t in texts])
    sims = np.clip((voting._matrix([voting._block_counts(probe)]) @ X.T).toarray()[0], 0, None) ** 3
    sims[np.argsort(-sims)[20:]] = 0  # only the 20 nearest vote
    by_hand = np.array([sims[[y == c for y in labels]].sum() for c in voting.classes]) / sims.sum()
    assert by_hand[voting.classes.index("劳动和社会保障")] > 0.5  # the near-copy dominates the vote
    expected = 0.6 * silent.predict_proba(probe) + 0.4 * by_hand
    assert voting.predict_proba(probe) == pytest.approx(expected, abs=2e-3)
    assert silent.memory is None
    path = tmp_path / "v.npz"
    voting.save(path)
    loaded = CategoryClassifier.load(path)
    assert loaded.memory.shape == (sum(len(b.terms) for b in loaded.blocks), len(texts))
    assert loaded.predict(probe).ranked == voting.predict(probe).ranked
    silent.save(tmp_path / "s.npz")
    with np.load(tmp_path / "s.npz", allow_pickle=False) as npz:
        assert "memory_labels" not in npz.files


@needs_data
def test_broken_neighbour_arrays_are_rejected(trained, tmp_path):
    _, path, _, _ = trained

    def label_out_of_range(arrays):
        arrays["memory_labels"] = arrays["memory_labels"] + 7

    def index_out_of_range(arrays):
        arrays["memory_indices"] = arrays["memory_indices"] + len(arrays["memory_labels"])

    for change in (label_out_of_range, index_out_of_range):
        bad = tmp_path / "bad.npz"
        _rewrite(path, bad, change)
        with pytest.raises(ModelFormatError):
            CategoryClassifier.load(bad)
