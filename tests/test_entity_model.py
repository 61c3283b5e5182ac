"""The shipped entity model: on by default, `none` turns it off, a file that cannot be used is one clear line;
the fast tagger decides as CRFsuite's own does; cross-validation trains per fold (no engine needed)."""
import json
import lzma
import os
import pickle
import subprocess
import sys

import pytest

from core import settings as settings_module
from core.settings import SHIPPED_ENTITY_MODEL
from indexer.enrich.entities.crf import MODEL_FORMAT, CrfExtractor, ModelError
from tests.conftest import FIXTURES, ROOT, SAMPLES

GOLD = FIXTURES / "tiny.conll"


def _default_extractor_in(env: dict) -> subprocess.CompletedProcess:
    code = "from indexer.enrich.entities import default_extractor as d; print(type(d()).__name__)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **env})


def test_the_shipped_model_is_the_default_and_none_turns_it_off():
    assert settings_module.SHIPPED_ENTITY_MODEL.is_file()
    env = {k: v for k, v in os.environ.items() if k != "AKHBAR_ENTITY_MODEL"}
    code = "from core.settings import load; print(load().entity_model)"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env)
    assert shown.stdout.strip() == str(settings_module.SHIPPED_ENTITY_MODEL)
    default = subprocess.run([sys.executable, "-c", "from indexer.enrich.entities import default_extractor as d; "
                              "print(type(d()).__name__)"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert default.stdout.strip() == "CrfExtractor", default.stderr
    assert _default_extractor_in({"AKHBAR_ENTITY_MODEL": "none"}).stdout.strip() == "RuleExtractor"


def test_the_shipped_model_is_small_and_loads():
    size = settings_module.SHIPPED_ENTITY_MODEL.stat().st_size
    assert size <= 15 * 1024 * 1024
    extractor = CrfExtractor.load(settings_module.SHIPPED_ENTITY_MODEL)
    assert set(extractor.labels) >= {"O", "B-PERS", "I-PERS", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}
    assert extractor.featurize.classes  # it carries its word classes
    assert extractor.network is not None  # and the network beside the CRF


@pytest.fixture(scope="module")
def broken_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    not_xz = folder / "not-xz.xz"
    not_xz.write_bytes(b"this is no model")
    truncated = folder / "truncated.xz"
    truncated.write_bytes(settings_module.SHIPPED_ENTITY_MODEL.read_bytes()[:5000])
    old = folder / "old.xz"
    old.write_bytes(lzma.compress(pickle.dumps({"format": MODEL_FORMAT - 1, "crfsuite": b"", "classes": None})))
    bad_crf = folder / "bad-crf.xz"
    bad_crf.write_bytes(lzma.compress(pickle.dumps({"format": MODEL_FORMAT, "crfsuite": b"garbage", "classes": None})))
    return {"missing": folder / "missing.xz", "not_xz": not_xz, "truncated": truncated, "old": old,
            "bad_crf": bad_crf, "folder": folder}


@pytest.mark.parametrize("case, says", [("missing", "no such file"), ("not_xz", "cannot be read"),
                                        ("truncated", "cannot be read"), ("old", "is format"),
                                        ("bad_crf", "no usable model"), ("folder", "is a directory")])
def test_an_unusable_model_file_is_a_model_error_naming_it(broken_models, case, says):
    with pytest.raises(ModelError) as error:
        CrfExtractor.load(broken_models[case])
    message = str(error.value)
    assert str(broken_models[case]) in message and says in message.lower() and "\n" not in message
    assert "make model" in message and "AKHBAR_ENTITY_MODEL" in message


def test_the_cli_reports_a_broken_model_in_one_line_before_indexing(broken_models, tmp_path, engine_url):
    env = {**os.environ, "AKHBAR_ENTITY_MODEL": str(broken_models["truncated"]),
           "AKHBAR_INDEX_ALIAS": "test-never-created"}
    for command in (["index", str(SAMPLES)], ["eval", "entities", str(GOLD)]):
        result = subprocess.run([sys.executable, "-m", "cli", *command], capture_output=True, text=True, env=env,
                                cwd=tmp_path, timeout=120)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
        assert lines[0].startswith("akhbar: entity model ") and str(broken_models["truncated"]) in lines[0]
    assert not list(tmp_path.glob("rejects-*"))  # nothing was read, nothing indexed


def test_a_broken_model_is_reported_before_the_engine_is_waited_for(broken_models, tmp_path):
    """No engine answers and the wait is long: the unusable model file is still the one line, at once."""
    env = {**os.environ, "AKHBAR_ENTITY_MODEL": str(broken_models["truncated"]),
           "ELASTICSEARCH_URL": "http://127.0.0.1:9", "AKHBAR_ENGINE_WAIT": "600"}
    for command in (["index", str(SAMPLES)], ["reindex", str(SAMPLES)]):
        result = subprocess.run([sys.executable, "-m", "cli", *command], capture_output=True, text=True, env=env,
                                cwd=tmp_path, timeout=120)
        assert result.returncode == 1, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("akhbar: entity model "), result.stderr


def test_the_fast_tagger_decides_as_crfsuite_does():
    """The CRF alone (AKHBAR_ENTITY_MODEL=crf): each text's tags, the texts tagged one by one and all together,
    are CRFsuite's own."""
    from indexer.enrich.tokens import article_tokens

    extractor = CrfExtractor.load(settings_module.SHIPPED_CRF_MODEL)
    assert extractor.network is None
    texts = [article_tokens(record["title"], record["body"])[0]
             for record in map(json.loads, SAMPLES.read_text(encoding="utf-8").splitlines())]
    references = [[tag for items in extractor.featurize(tokens) for tag in extractor.tagger.tag(items)]
                  for tokens in texts]
    assert [extractor.tag(tokens) for tokens in texts] == references
    assert extractor.tag_all(texts, [None] * len(texts)) == references
    assert sum(map(len, texts)) > 2_000


def test_cross_validation_trains_per_fold_and_reports_the_spread(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cli", "eval", "entities", str(GOLD), "--folds", "3", "--json",
                             "--context", "4"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["folds"] == 3 and len(report["per_fold"]) == 3
    f1s = [fold["micro"]["f1"] for fold in report["per_fold"]]
    summary = report["summary"]["micro"]["f1"]
    assert summary["min"] == min(f1s) and summary["max"] == max(f1s)
    assert abs(summary["mean"] - sum(f1s) / 3) < 1e-3
    # Every sentence is scored exactly once, by the one model that did not train on it.
    from indexer.evaluation import read_conll

    gold = sum(len(sentence.spans) for sentence in read_conll(GOLD))
    assert sum(fold["micro"]["gold"] for fold in report["per_fold"]) == gold
    # and scored again with 4 sentences read as one text: the same gold, the first way's figures unchanged
    assert set(report["by_context"]) == {"1", "4"}
    assert report["by_context"]["1"]["per_fold"] == report["per_fold"]
    assert sum(fold["micro"]["gold"] for fold in report["by_context"]["4"]["per_fold"]) == gold


def test_sentences_read_as_one_text_map_back_to_their_own_tokens():
    from indexer.enrich.entities import EntityStage, extract_mentions
    from indexer.evaluation import Sentence, bio_spans, predicted_in_text

    tagged = [(["وقال", "الرئيس", "باراك", "أوباما", "إن", "الاتفاق", "جيد", "."],
               ["O", "O", "B-PERS", "I-PERS", "O", "O", "O", "O"]),
              (["وأضاف", "أوباما", "في", "واشنطن", "."], ["O", "B-PERS", "O", "B-LOC", "O"])]
    sentences = [Sentence(tokens, bio_spans(tags), tags) for tokens, tags in tagged]
    extractor = EntityStage().extractor
    together = predicted_in_text(sentences, lambda text: extract_mentions(text, extractor))
    assert together == [sentences[0].spans, sentences[1].spans]


def test_corpus_label_profile_bands_each_word_by_how_often_the_first_model_tagged_it():
    from indexer.enrich.entities.profile import label_shares, profile_features, profile_of
    from indexer.enrich.tokens import tokenize, word_token

    texts = ["قال زيد إن المطر غزير"] * 3 + ["زيد في الرياض"] * 7 + ["نادرة"] * 2

    def first_model(tokens):  # tags زيد a person only after قال; الرياض a place
        keys = tokens.keys
        return [("B-PERS" if i and keys[i - 1] == "قال" else "O") if key == "زيد" else
                "B-LOC" if key == "رياض" else "O" for i, key in enumerate(keys)]

    profile = profile_of(label_shares(first_model, texts))
    person = profile[tokenize("زيد")[0].key]
    assert person == ("mid", "0", "0")  # a person 3 times in 10
    assert profile[tokenize("الرياض")[0].key] == ("0", "0", "hi")
    assert tokenize("نادرة")[0].key not in profile  # seen twice: too rare to know
    assert profile_features(word_token("زيد"), profile) == {"profile_pers": "mid", "profile_org": "0",
                                                            "profile_loc": "0"}
    assert profile_features(word_token("نادرة"), profile) == {}


def test_the_shipped_model_weighs_its_corpus_label_profile_and_spelling_model():
    extractor = CrfExtractor.load(SHIPPED_ENTITY_MODEL)
    assert len(extractor.featurize.profile) > 10_000
    assert any(attribute.split(":")[-1].startswith("profile_pers") for attribute in extractor._weights)
    types, _, weights = extractor.featurize.spelling
    assert types == ("PERS", "ORG", "LOC") and len(weights) > 10_000
    assert any(attribute.split(":")[-1].startswith("spelling_pers") for attribute in extractor._weights)


def test_letter_grams_are_those_scikit_learn_counts():
    from sklearn.feature_extraction.text import CountVectorizer

    from indexer.enrich.entities.spelling import GRAMS, letter_grams

    reference = CountVectorizer(analyzer="char_wb", ngram_range=GRAMS).build_analyzer()
    for word in ("شومسكي", "زيد", "ب", "الرياض"):
        assert set(letter_grams(word)) == set(reference(word))


def test_the_spelling_model_carries_name_shapes_to_words_the_corpus_never_showed():
    from indexer.enrich.entities.spelling import spelling_features, train_spelling
    from indexer.enrich.tokens import word_token

    # a toy profile: words ending in سكي are persons, words ending in ية are not
    names = [f"{stem}سكي" for stem in ("بول", "كوف", "ليف", "تروت", "دوست", "ماي", "كاند", "بيل")]
    words = [f"{stem}ية" for stem in ("قو", "رسم", "ثور", "حر", "عرب", "دول", "سلم", "وطن")]
    shares = {**{word_token(w).key: (0.9, 0.0, 0.0) for w in names},
              **{word_token(w).key: (0.0, 0.0, 0.0) for w in words}}  # keyed as the profile is
    spelling = train_spelling(shares)
    assert spelling[0] == ("PERS",)  # no word was an organization or a place: nothing to learn for them
    unseen_name, unseen_word = word_token("شومسكي"), word_token("اقتصادية")
    assert spelling_features(unseen_name, spelling)["spelling_pers"] in ("hi", "top")
    assert spelling_features(unseen_word, spelling)["spelling_pers"] in ("lo", "mid")
    assert spelling_features(unseen_name, spelling)["spelling_pers"] != spelling_features(unseen_word, spelling)[
        "spelling_pers"]


def test_a_public_body_stands_over_a_model_name_that_stops_short_not_over_one_inside_it():
    """The rules' public body goes in where the model found nothing in it, or where the model's name opens with
    the body's first word and stops short; over a name the model found further inside, only when the body's whole
    name is a listed organization (else the model's name stands)."""
    from indexer.enrich.entities.base import Mention
    from indexer.enrich.entities.combine import reconcile
    from indexer.enrich.entities.rules import RuleExtractor
    from indexer.enrich.tokens import tokenize

    rules = RuleExtractor()

    def reconciled(text: str, model: list[tuple[str, int, int]]) -> list[tuple[str, str]]:
        tokens = tokenize(text)
        found = [Mention(kind, first, last, " ".join(t.plain for t in tokens[first:last + 1]))
                 for kind, first, last in model]
        return [(m.type, m.surface) for m in reconcile(found, rules.extract(tokens), tokens, rules)]

    assert reconciled("قالت وزارة الخارجية اليوم", []) == [("organization", "وزارة الخارجية")]
    assert reconciled("قال البنك المركزي المصري إن", [("organization", 1, 2)]) == [
        ("organization", "البنك المركزي المصري")]
    listed = "زار مكتب الأمم المتحدة المعني بالمخدرات والجريمة"
    assert reconciled(listed, [("organization", 2, 3)]) == [
        ("organization", "مكتب الأمم المتحدة المعني بالمخدرات والجريمة")]
    assert reconciled("زار وفد جامعة القاهرة المدينة", [("location", 3, 3)]) == [("location", "القاهرة")]


def test_proper_noun_shares_come_from_the_real_arabic_pos_tagger(tmp_path, monkeypatch):
    """The Stanford Arabic POS tagger (fetched through Maven) reads the articles; a word some piece of which it
    tags a proper noun counts as such, matched back onto our tokens by character offsets (clitics included)."""
    from indexer.enrich.entities import proper_nouns
    from indexer.enrich.tokens import word_token

    monkeypatch.setattr(proper_nouns, "EVERY", 1)
    articles = tmp_path / "articles.jsonl"
    bodies = ["وقال الرئيس الصيني شي جينبينغ في بكين إن الاقتصاد ينمو",
              "وأكد وزير الخارجية الأمريكي جون كيري لمراسلنا في واشنطن أن الحوار مستمر",
              "ووصل جون كيري إلى موسكو وبكين وقال إنه التقى شي جينبينغ"]
    articles.write_text("".join(json.dumps({"title": "خبر", "body": body}, ensure_ascii=False) + "\n"
                                for body in bodies * 3), encoding="utf-8")
    bands, note = proper_nouns.proper_noun_shares([articles], tmp_path / "cache")
    assert "words tagged" in note
    assert bands[word_token("جينبينغ").key] == "mostly" and bands[word_token("كيري").key] == "mostly"
    assert bands[word_token("الرئيس").key] == "never" and bands[word_token("في").key] == "never"
    assert proper_nouns.proper_features(word_token("وبكين"), bands) == {"proper": "mostly"}  # its piece بكين
    assert proper_nouns.proper_features(word_token("شومسكي"), bands) == {"proper": "unseen"}
    again, note = proper_nouns.proper_noun_shares([articles], tmp_path / "cache")
    assert again == bands and "cached in" in note


def test_training_without_java_is_one_clear_line(tmp_path, monkeypatch):
    import shutil

    from click.testing import CliRunner

    from cli import commands  # noqa: F401  (registers `train` on the group)
    from cli.main import akhbar

    monkeypatch.setenv("AKHBAR_CACHE_DIR", str(tmp_path / "cache"))
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "java" else which(name, *a, **k))
    out = tmp_path / "m.xz"
    result = CliRunner().invoke(akhbar, ["train", "entities", str(GOLD), "--out", str(out), "--iterations", "20",
                                         "--unlabeled", str(SAMPLES)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "`java` is not on PATH" in result.output and "--no-proper-nouns" in result.output
    assert not out.exists()
    result = CliRunner().invoke(akhbar, ["train", "entities", str(GOLD), "--out", str(out), "--iterations", "20",
                                         "--unlabeled", str(SAMPLES), "--no-proper-nouns"])
    assert result.exit_code == 0, result.output
    assert CrfExtractor.load(out).featurize.proper is None
