"""The entity model's network (entities.network): its numpy tagger computes what a plain BiLSTM computes from the
same weights, a model file with a network loads and tags, and training one without torch is one clear line.
(That the numpy tagger also gives torch's own label scores is checked by every training run: network_training.)"""
import lzma
import pickle

import numpy as np
import pytest
from click.testing import CliRunner

from core.settings import SHIPPED_ENTITY_MODEL
from indexer.enrich.entities.clusters import LEVELS
from indexer.enrich.entities.crf import _TAGS, MODEL_FORMAT, NETWORK_FORMAT, NETWORK_PROPER_FORMAT, CrfExtractor, \
    Featurizer, ModelError, rule_tags, sentences, write_model
from indexer.enrich.entities.network import (CLASS_DIM, FLAG_COUNT, LETTER_DIM, LETTER_FILTERS, LONGEST_WORD,
                                             PROPER_FLAG_COUNT, RULE_DIM, NetworkTagger, class_ids, input_width,
                                             letter_ids, quantize)
from indexer.enrich.entities import network as network_module
from indexer.enrich.entities.steps import Steps
from indexer.enrich.tokens import Tokens, tokenize

TEXT = ("قال الرئيس الفرنسي إيمانويل ماكرون في باريس إن الأمم المتحدة ستجتمع. وأضاف أن وزارة الخارجية "
        "السعودية رحبت بالقرار؛ وزار الأمير خالد الفيصل جدة أمس.")
HIDDEN = 8


# proper-noun bands (entities.proper_nouns) of a few of TEXT's words, for a network that reads them
BANDS = {"ماكرون": "mostly", "باريس": "often", "رييس": "never", "خالد": "rare"}


def _network(classes: dict, seed: int = 0, proper_flags: bool = False) -> dict:
    """A network of the trained layout with random weights (torch parameter names and shapes); `proper_flags`:
    one that reads the proper-noun bands too."""
    draw = np.random.default_rng(seed)

    def weights(*shape):
        return draw.normal(0, 0.5, shape).astype(np.float32)

    letters = sorted(set("".join(TEXT.split())))[:-3]  # a few letters unknown to the alphabet
    vectors = draw.normal(size=(len(classes) - 2, 100)).astype(np.float32)  # two words without a vector
    codes, scales = quantize(vectors)
    h, tags = HIDDEN, len(_TAGS)
    saved = {"letter.weight": weights(len(letters) + 2, LETTER_DIM), "letter_cnn.weight":
             weights(LETTER_FILTERS, LETTER_DIM, 3), "letter_cnn.bias": weights(LETTER_FILTERS),
             "rule.weight": weights(tags, RULE_DIM), "out.weight": weights(tags, 2 * h), "out.bias": weights(tags),
             "crf.between": weights(tags, tags), "crf.start": weights(tags)}
    saved["letter.weight"][0] = 0  # the padding symbol embeds to zeros, as torch's padding_idx keeps it
    for i, k in enumerate(LEVELS):
        saved[f"word_class.{i}.weight"] = weights(k + 1, CLASS_DIM)
    for direction in ("l0", "l0_reverse"):
        flags = FLAG_COUNT + (PROPER_FLAG_COUNT if proper_flags else 0)
        saved |= {f"lstm.weight_ih_{direction}": weights(4 * h, input_width(flags)),
                  f"lstm.weight_hh_{direction}": weights(4 * h, h), f"lstm.bias_ih_{direction}": weights(4 * h),
                  f"lstm.bias_hh_{direction}": weights(4 * h)}
    return {"weights": saved, "alphabet": "".join(letters), "vectors": codes, "scales": scales,
            "proper_flags": proper_flags}


def _classes() -> dict:
    words = list(dict.fromkeys(t.key for t in tokenize(TEXT)))
    return {w: (str(i % 64), str(i % 256), "-" if i % 5 == 0 else str(i)) for i, w in enumerate(words)}


def _plain_bilstm(network: dict, classes: dict, flags, tokens, rules) -> np.ndarray:
    """The reference: torch's LSTM equations, sentence by sentence, one token at a time, from the raw weights."""
    w, h = network["weights"], HIDDEN
    alphabet = {ch: i + 2 for i, ch in enumerate(network["alphabet"])}
    rows = {word: i + 1 for i, word in zip(range(len(network["vectors"])), classes)}
    from indexer.enrich.entities.clusters import classes_of

    def inputs(token, rule):
        row = classes_of(token, rows, missing=0)
        vector = (network["vectors"][row - 1] * network["scales"][row - 1]) if row else np.zeros(100)
        letters = np.vstack([np.zeros(LETTER_DIM), w["letter.weight"][letter_ids(token, alphabet)],
                             np.zeros(LETTER_DIM)])
        conv = [w["letter_cnn.bias"] + sum(w["letter_cnn.weight"][:, :, k] @ letters[p + k] for k in range(3))
                for p in range(LONGEST_WORD)]
        spelled = np.max(np.maximum(conv, 0), axis=0)
        return np.concatenate([vector, [float(row == 0)], spelled, np.array(flags(token), float),
                               w["rule.weight"][_TAGS.index(rule)],
                               *(w[f"word_class.{i}.weight"][c] for i, c in enumerate(class_ids(token, classes)))])

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    def run(xs, d):
        state, cell, out = np.zeros(h), np.zeros(h), []
        for x in xs:
            z = w[f"lstm.weight_ih_{d}"] @ x + w[f"lstm.bias_ih_{d}"] + w[f"lstm.weight_hh_{d}"] @ state + \
                w[f"lstm.bias_hh_{d}"]
            i, f, g, o = sigmoid(z[:h]), sigmoid(z[h:2 * h]), np.tanh(z[2 * h:3 * h]), sigmoid(z[3 * h:])
            cell = f * cell + i * g
            state = o * np.tanh(cell)
            out.append(state)
        return out

    scores = []
    for start, end in sentences(tokens):
        xs = [inputs(t, r) for t, r in zip(tokens[start:end], rules[start:end])]
        forward, backward = run(xs, "l0"), run(xs[::-1], "l0_reverse")[::-1]
        scores += [w["out.weight"] @ np.concatenate([a, b]) + w["out.bias"] for a, b in zip(forward, backward)]
    return np.array(scores)


@pytest.mark.parametrize("table_rows", [network_module.WORDS_CACHED, 3])  # 3: the table fills, the rest overflows
@pytest.mark.parametrize("proper_flags", [False, True])  # True: the proper-noun bands are inputs too
def test_the_numpy_tagger_computes_a_plain_bilstm_on_all_sentences_at_once(monkeypatch, table_rows, proper_flags):
    monkeypatch.setattr(network_module, "WORDS_CACHED", table_rows)
    classes = _classes()
    network = _network(classes, proper_flags=proper_flags)
    featurize = Featurizer(classes, proper=BANDS if proper_flags else None)
    flags = featurize.network_flags if proper_flags else featurize.flags
    tokens = tokenize(TEXT)
    assert len(sentences(tokens)) == 2  # sentences of different lengths run in step
    rules = rule_tags(tokens, featurize.rules)
    if proper_flags:  # each band is its own input; a word without one has none set
        assert [flags(t)[FLAG_COUNT:] for t in tokenize("ماكرون باريس الرئيس خالد جدة")] == [
            [False, False, False, True], [False, False, True, False], [True, False, False, False],
            [False, True, False, False], [False, False, False, False]]
    tagger = NetworkTagger(network, classes, flags, {tag: i for i, tag in enumerate(_TAGS)})
    expected = _plain_bilstm(network, classes, flags, tokens, rules)
    first = tagger.emissions(tokens, rules, Steps(sentences(tokens)))
    assert np.allclose(first, expected, atol=1e-4)
    again = tagger.emissions(tokens, rules, Steps(sentences(tokens)))  # the words' gates now come from the table
    assert np.allclose(again, expected, atol=1e-4)
    assert len(tagger._rows) == min(table_rows, len({token.norm for token in tokens}))
    assert any(token.gap for token in tokens[1:])  # the gap's share, added per token, is checked too


@pytest.fixture(scope="module")
def crf_parts():
    with lzma.open(SHIPPED_ENTITY_MODEL) as handle:
        return pickle.load(handle)


def test_a_model_file_with_a_network_is_format_8_and_weighs_both_experts(crf_parts, tmp_path):
    classes = crf_parts["classes"]
    kept = dict(list(classes.items())[:2000])  # the network's vectors cover the first words of the classes
    network = _network(kept | {"x": ("0", "0", "0"), "y": ("0", "0", "0")}, seed=1)
    with_network, alone = tmp_path / "with-network.xz", tmp_path / "alone.xz"
    write_model(with_network, crf_parts["crfsuite"], classes, crf_parts["profile"], crf_parts["spelling"], network)
    write_model(alone, crf_parts["crfsuite"], classes, crf_parts["profile"], crf_parts["spelling"])
    assert pickle.loads(lzma.decompress(with_network.read_bytes()))["format"] == NETWORK_FORMAT
    assert pickle.loads(lzma.decompress(alone.read_bytes()))["format"] == MODEL_FORMAT
    both, crf = CrfExtractor.load(with_network), CrfExtractor.load(alone)
    assert both.network is not None and crf.network is None
    tokens = tokenize(TEXT)
    tags = both.tag(tokens)
    # BIO holds whatever the network's scores: an inside tag only continues a name of its type
    for previous, tag in zip(["O", *tags], tags):
        assert not tag.startswith("I-") or previous[2:] == tag[2:]
    # the combined scores are the CRF's and the network's, weighed half and half
    net = both.network.emissions(tokens, rule_tags(tokens, both.featurize.rules), Steps(sentences(tokens)))
    order = [_TAGS.index(label) for label in both.labels]
    assert np.allclose(both.scores(tokens), 0.5 * crf.scores(tokens) + 0.5 * net[:, order], atol=1e-5)


def test_a_network_that_reads_the_proper_noun_bands_is_format_10_and_needs_them(crf_parts, tmp_path):
    classes = crf_parts["classes"]
    kept = dict(list(classes.items())[:2000])
    network = _network(kept | {"x": ("0", "0", "0"), "y": ("0", "0", "0")}, seed=2, proper_flags=True)
    path = tmp_path / "network-bands.xz"
    write_model(path, crf_parts["crfsuite"], classes, crf_parts["profile"], crf_parts["spelling"], network, BANDS)
    # an older version (formats up to 9) refuses it rather than feed its network the wrong inputs
    assert pickle.loads(lzma.decompress(path.read_bytes()))["format"] == NETWORK_PROPER_FORMAT
    extractor = CrfExtractor.load(path)
    tokens = tokenize(TEXT)
    net = extractor.network.emissions(tokens, rule_tags(tokens, extractor.featurize.rules), Steps(sentences(tokens)))
    # the bands move the network's scores: the same weights without them give other scores for ماكرون
    blind = NetworkTagger(network, classes, lambda t: extractor.featurize.flags(t) + [False] * PROPER_FLAG_COUNT,
                          extractor._rule_row)
    unbanded = blind.emissions(tokens, rule_tags(tokens, extractor.featurize.rules), Steps(sentences(tokens)))
    macron = [t.key for t in tokens].index("ماكرون")
    assert not np.allclose(net[macron], unbanded[macron])
    plain = tokenize("وأضاف أن وزارة الخارجية رحبت بالقرار")  # none of its words has a band: the same scores
    plain_rules = rule_tags(plain, extractor.featurize.rules)
    assert np.allclose(extractor.network.emissions(plain, plain_rules, Steps(sentences(plain))),
                       blind.emissions(plain, plain_rules, Steps(sentences(plain))))
    # a file whose network reads bands it does not hold is refused, in one line naming it
    saved = pickle.loads(lzma.decompress(path.read_bytes()))
    saved["proper"] = None
    broken = tmp_path / "no-bands.xz"
    broken.write_bytes(lzma.compress(pickle.dumps(saved)))
    with pytest.raises(ModelError, match="no-bands.xz.*proper-noun bands"):
        CrfExtractor.load(broken)


def test_training_the_network_without_torch_or_articles_is_one_clear_line(monkeypatch, tmp_path):
    import importlib.util

    from cli import commands  # noqa: F401  (registers `train` on the group)
    from cli.main import akhbar

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else found(name, *a))
    gold = tmp_path / "gold.conll"
    gold.write_text("محمد B-PERS\nقال O\n", encoding="utf-8")
    articles = tmp_path / "articles.jsonl"
    articles.write_text('{"title": "عنوان", "body": "نص"}\n', encoding="utf-8")
    result = CliRunner().invoke(akhbar, ["train", "entities", str(gold), "--out", str(tmp_path / "m.xz"),
                                         "--unlabeled", str(articles), "--network"])
    assert result.exit_code == 1
    assert "neural extra" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "m.xz").exists()
    # the network's word vectors come from the articles: without them it cannot be trained
    result = CliRunner().invoke(akhbar, ["train", "entities", str(gold), "--out", str(tmp_path / "m.xz"),
                                         "--network"])
    assert result.exit_code == 1 and "--unlabeled" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "m.xz").exists()


def test_crf_names_the_crf_alone_and_the_default_carries_the_network(monkeypatch):
    from core.settings import SHIPPED_CRF_MODEL, load
    from indexer.enrich.entities.network import HIDDEN

    monkeypatch.setenv("AKHBAR_ENTITY_MODEL", "crf")
    assert load().entity_model == SHIPPED_CRF_MODEL
    assert CrfExtractor.load(SHIPPED_CRF_MODEL).network is None
    monkeypatch.setenv("AKHBAR_ENTITY_MODEL", "network")  # the name the network model had when it was not the default
    assert load().entity_model == SHIPPED_ENTITY_MODEL
    monkeypatch.delenv("AKHBAR_ENTITY_MODEL")
    assert load().entity_model == SHIPPED_ENTITY_MODEL
    assert CrfExtractor.load(SHIPPED_ENTITY_MODEL).network.hidden == HIDDEN


def test_articles_tagged_together_get_what_each_gets_alone():
    """The indexer tags a batch of articles at once (their sentences in step): the same mentions as one by one,
    whatever the batch holds (an empty text among them too)."""
    from indexer.enrich.tokens import article_tokens
    from tests.conftest import SAMPLES
    import json

    extractor = CrfExtractor.load(SHIPPED_ENTITY_MODEL)
    texts = [article_tokens(record["title"], record["body"])[0]
             for record in map(json.loads, SAMPLES.read_text(encoding="utf-8").splitlines())]
    texts.insert(3, tokenize(""))
    alone = [extractor.extract(tokens) for tokens in texts]
    assert extractor.extract_all(texts) == alone
    assert extractor.extract_all(texts[::-1]) == alone[::-1]
    assert sum(map(len, alone)) > 50 and alone[3] == []


def test_the_pretraining_sentences_are_whole_sentences_of_every_seventh_article():
    from indexer.enrich.entities.network_training import corpus_sentences

    # the middle sentence has two words: too short to learn a context from
    texts = [f"بدأ الاجتماع في الرياض صباح اليوم رقم {i}. قال الرئيس. وانتهى الاجتماع مساء اليوم بعد نقاش طويل."
             for i in range(15)]
    chosen = corpus_sentences(texts)
    closing = "وانتهى الاجتماع مساء اليوم بعد نقاش طويل".split()
    assert [s.words for s in chosen] == [w for i in (0, 7, 14)
                                         for w in ("بدأ الاجتماع في الرياض صباح اليوم رقم".split() + [str(i)], closing)]
    # each a text of its own, as a gold sentence is: one sentence, tagged and fed to the network as such
    assert all(isinstance(s, Tokens) and sentences(s) == [(0, len(s))] for s in chosen)
    assert [s.words for s in corpus_sentences(texts, 3)] == [s.words for s in chosen[:3]]


def test_mention_replacement_keeps_each_context_and_puts_a_name_of_the_same_type_in_it():
    from indexer.enrich.entities.network_training import replaced_mentions

    examples = [("قال محمد بن سلمان في الرياض".split(), ["O", "B-PERS", "I-PERS", "I-PERS", "O", "B-LOC"]),
                ("زار أوباما جدة أمس".split(), ["O", "B-PERS", "B-LOC", "O"]),
                ("أعلنت وزارة الصحة اليوم".split(), ["O", "B-ORG", "I-ORG", "O"]),
                ("كأس العالم".split(), ["B-MISC", "I-MISC"]),
                ("لا أحد هنا".split(), ["O", "O", "O"])]
    names = {"PERS": [["محمد", "بن", "سلمان"], ["أوباما"]], "LOC": [["الرياض"], ["جدة"]],
             "ORG": [["وزارة", "الصحة"]]}

    def pieces(words, tags):  # the example as its words outside names and (type, name) for each name
        out = []
        for word, tag in zip(words, tags):
            if tag.startswith("I-"):
                out[-1][1].append(word)
            else:
                out.append((tag[2:], [word]) if tag != "O" else word)
        return out

    for seed in range(20):
        copies = replaced_mentions(examples, seed)
        # a copy of each example that names a person, an organization or a place, and of no other
        assert len(copies) == 3
        for (words, tags), (original, original_tags) in zip(copies, examples):
            assert len(words) == len(tags)
            got, was = pieces(words, tags), pieces(original, original_tags)
            assert len(got) == len(was)
            for piece, before in zip(got, was):
                if isinstance(before, str):
                    assert piece == before  # the context stays
                else:
                    assert piece[0] == before[0] and piece[1] in names[piece[0]]
    # over the seeds, names do get replaced, and about half the time each stays
    replaced = [replaced_mentions(examples, seed)[1][0] for seed in range(40)]
    assert 5 < sum(words[1] != "أوباما" for words in replaced) < 35
