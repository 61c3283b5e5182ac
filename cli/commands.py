"""Commands beyond the engine, registered on the `akhbar` group: index, reindex, serve, up, eval, train."""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from cli.main import akhbar, fail
from core import settings as settings_module
from core.engine import client

FORMATS = ("auto", "jsonl", "saudinewsnet")


def _engine_or_fail(settings):
    """A client whose engine answers, waited for up to AKHBAR_ENGINE_WAIT; a refusal or a lasting outage is
    one line from `cli.main` (exit 2)."""
    from indexer.outages import Outages

    es = client(settings, timeout=max(settings.request_timeout, 120))
    Outages(settings.engine_wait).call("reaching the engine", es.cluster.health)
    return es


@akhbar.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write rejected records here (JSON Lines). Default: rejects-<alias>.jsonl")
@click.option("--republish", is_flag=True,
              help="Let retracted (tombstoned) articles in PATHS back in and lift their tombstones.")
def index_command(paths, fmt, rejects_path, republish):
    """Add, update or retract ({"id": …, "deleted": true}) articles from PATHS in the index behind the alias."""
    from indexer.jobs import index_paths
    from indexer.registry.curation import CurationError

    settings = settings_module.load()
    _entity_model_or_fail()
    es = _engine_or_fail(settings)
    rejects_path = rejects_path or Path(f"rejects-{settings.index_alias}.jsonl")
    try:
        with usable_entity_model():
            summary = index_paths(es, settings, list(paths), fmt=fmt, rejects_path=rejects_path,
                                  republish=republish)
    except CurationError as error:
        fail(f"AKHBAR_CURATION_FILE: {error}; nothing was indexed")
    report(summary, rejects_path)


@akhbar.command("reindex")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--keep-old", is_flag=True, help="Keep the previous index after the alias moves.")
def reindex_command(paths, fmt, rejects_path, keep_old):
    """Build a new index (from PATHS, or from the live index when none are given) and swap the alias."""
    from indexer.jobs import reindex
    from indexer.registry.curation import CurationError

    settings = settings_module.load()
    _entity_model_or_fail()
    es = _engine_or_fail(settings)
    rejects_path = rejects_path or Path(f"rejects-{settings.index_alias}.jsonl")
    try:
        with usable_entity_model():
            summary = reindex(es, settings, list(paths) or None, fmt=fmt, rejects_path=rejects_path,
                              keep_old=keep_old)
    except CurationError as error:
        fail(f"AKHBAR_CURATION_FILE: {error}; nothing was reindexed")
    except RuntimeError as error:
        fail(str(error))
    report(summary, rejects_path)


def report(summary, rejects_path: Path) -> None:
    """The summary line; exit 1 when some input could not be read at all (like cp), after all else landed."""
    if summary.rejected:
        click.echo(f"{summary.rejected} record(s) rejected, reasons in {rejects_path}", err=True)
    if summary.not_found:
        shown = ", ".join(summary.not_found[:10]) + (" …" if len(summary.not_found) > 10 else "")
        click.echo(f"{len(summary.not_found)} id(s) to delete were not in the index (tombstoned all the same): "
                   f"{shown}", err=True)
    click.echo(json.dumps(summary.as_dict()))
    if summary.unreadable:
        fail(f"{summary.unreadable} input file(s) could not be read (in full or in part); see {rejects_path}")


@akhbar.command("serve")
@click.option("--port", type=int, default=None, help="Default AKHBAR_API_PORT (8000).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--workers", type=int, default=None, help="gunicorn workers, 4 threads each (default: cores + 1).")
def serve_command(port, host, workers):
    """Serve the REST API under gunicorn."""
    settings = settings_module.load()
    # The API is CPU-light and shares the machine with the engine: a worker per core (+1) with threads for I/O.
    workers = workers or (os.cpu_count() or 1) + 1
    gunicorn("api.wsgi:app", f"{host}:{port or settings.api_port}", workers=workers, threads=4, timeout=60)


def gunicorn(app: str, bind: str, *, workers: int, threads: int, timeout: int) -> None:
    """Replace this process with gunicorn serving `app` (threaded workers, access log on stdout)."""
    os.execvp(sys.executable, [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
                               "--worker-class", "gthread", "--threads", str(threads), "--timeout", str(timeout),
                               "--access-logfile", "-", app])


@akhbar.command("up")
@click.option("--port", type=int, default=None, help="API port (default AKHBAR_API_PORT, 8000).")
@click.option("--no-serve", is_flag=True, help="Stop after the engine and the sample corpus are ready.")
def up_command(port, no_serve):
    """Engine (unless ELASTICSEARCH_URL), the sample corpus, then the API — one command."""
    from cli.embedded_engine import EmbeddedEngine, EngineError
    from indexer.jobs import index_paths

    settings = settings_module.load()
    _entity_model_or_fail()
    if not settings.external_engine:
        try:
            state, started = EmbeddedEngine(settings).start(port=settings.engine_port)
        except EngineError as error:
            fail(str(error))
        click.echo(f"engine {'started' if started else 'already running'} at {state.url}")
    es = _engine_or_fail(settings)
    samples = settings_module.PROJECT_ROOT / "samples" / "articles.jsonl"
    with usable_entity_model():
        summary = index_paths(es, settings, [samples], rejects_path=Path(f"rejects-{settings.index_alias}.jsonl"))
    click.echo(f"sample corpus: {json.dumps(summary.as_dict())}")
    if no_serve:
        return
    click.echo(f"API on http://127.0.0.1:{port or settings.api_port} (docs at /docs)")
    serve_command.callback(port=port, host="127.0.0.1", workers=None)


@akhbar.group("eval")
def eval_group():
    """Measure extraction and topic tagging against gold data."""


_network_option = click.option(
    "--network", is_flag=True,
    help="With --unlabeled: also train the network (a BiLSTM over word vectors of those articles) whose label scores "
         "are weighed with the CRF's: more accurate, slower to index (see the model card); needs the neural extra "
         "(torch, gensim).")

_proper_nouns_option = click.option(
    "--proper-nouns/--no-proper-nouns", default=True, show_default=True,
    help="With --unlabeled: give each word how often the Stanford Arabic POS tagger tags it a proper noun in those "
         "articles (a feature; needs Java 17+ and Maven to fetch and run the tagger once per corpus).")


@eval_group.command("entities")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of a table.")
@click.option("--folds", type=click.IntRange(2, 20), default=None,
              help="Cross-validate instead: train a model on all folds but one, score it on that one, for each fold.")
@click.option("--unlabeled", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="With --folds: articles to learn the word classes and the corpus label profile from (as for "
                   "`akhbar train entities`).")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --folds: folds trained at the same time, one process each.")
@click.option("--context", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Sentences read as one text, as an article's are (1: each alone). With --folds, scores both "
                   "one by one and with this context.")
@_network_option
@_proper_nouns_option
def eval_entities(gold, as_json, folds, unlabeled, jobs, context, network, proper_nouns):
    """Precision, recall and F1 per type (PERS, ORG, LOC) and micro-averaged, on a CoNLL file: of the configured
    extractor (AKHBAR_ENTITY_MODEL), or with --folds of the model recipe, cross-validated over the file."""
    from indexer.enrich.entities import default_extractor, extract_mentions
    from indexer.evaluation import evaluate_entities, format_table, to_json

    if folds:
        _cross_validate(gold, folds, list(unlabeled), jobs, as_json, context, network, proper_nouns)
        return
    with usable_entity_model():
        extractor = default_extractor()
    result = evaluate_entities(gold, lambda text: extract_mentions(text, extractor), context=context)
    click.echo(to_json(result) if as_json else format_table(result))


def _cross_validate(gold: Path, folds: int, unlabeled: list[Path], jobs: int, as_json: bool, context: int,
                    network: bool, proper_nouns: bool) -> None:
    _training_extra_or_fail(network, bool(unlabeled))
    from indexer.enrich.entities.training import cross_validate, format_cross_validation
    from indexer.evaluation import read_conll

    # first: without Java or Maven it fails before minutes of learning word classes
    proper = _proper_nouns(unlabeled, quiet_stdout=as_json) if unlabeled and proper_nouns else None
    classes = _word_classes(unlabeled, quiet_stdout=as_json) if unlabeled else None
    vectors = _word_vectors(unlabeled, classes, quiet_stdout=as_json) if unlabeled and network else None
    result = cross_validate(list(read_conll(gold)), folds, classes=classes, corpus=unlabeled or None, jobs=jobs,
                            vectors=vectors, proper=proper,
                            contexts=tuple(dict.fromkeys((1, context))),
                            progress=lambda line: click.echo(line, err=True))
    click.echo(json.dumps(result) if as_json else format_cross_validation(result))


@eval_group.command("topics")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--label-field", default="label", show_default=True, help="Field holding the gold topic id.")
@click.option("--json", "as_json", is_flag=True)
def eval_topics(path, label_field, as_json):
    """Top-level topic accuracy and per-topic precision/recall on JSON Lines records with a gold label."""
    from indexer.topic_eval import evaluate_topics, format_topics

    result = evaluate_topics(path, label_field)
    click.echo(json.dumps(result) if as_json else format_topics(result))


def _corpus_table(build, *, quiet_stdout: bool, refused: tuple[type[Exception], ...] = ()):
    """What `build(cache_dir)` learns from a corpus (cached per corpus), its line said; a refusal is one line."""
    try:
        table, note = build(settings_module.load().cache_dir)
    except refused as error:
        fail(str(error))
    click.echo(note, err=quiet_stdout)
    return table


def _word_classes(paths: list[Path], *, quiet_stdout: bool = False) -> dict:
    """Word classes from the titles and bodies of the articles in `paths`."""
    from indexer.enrich.entities.training import word_classes

    return _corpus_table(lambda cache: word_classes(paths, cache), quiet_stdout=quiet_stdout, refused=(ValueError,))


def _word_vectors(paths: list[Path], classes: dict, *, quiet_stdout: bool = False):
    """The network's word vectors, learned from the same articles as the classes."""
    from indexer.enrich.entities.training import word_vectors

    return _corpus_table(lambda cache: word_vectors(paths, classes, cache), quiet_stdout=quiet_stdout)


def _proper_nouns(paths: list[Path], *, quiet_stdout: bool = False) -> dict[str, str]:
    """Each word's proper-noun band in the articles of `paths`, by the Stanford Arabic POS tagger."""
    from indexer.enrich.entities.proper_nouns import TaggerError, proper_noun_shares

    click.echo("proper-noun shares: the Stanford Arabic POS tagger reads the articles (once per corpus)",
               err=quiet_stdout)
    return _corpus_table(lambda cache: proper_noun_shares(paths, cache), quiet_stdout=quiet_stdout,
                         refused=(TaggerError,))


def _training_extra_or_fail(network: bool = False, unlabeled: bool = False) -> None:
    if network and not unlabeled:
        fail("--network needs --unlabeled: the network's word vectors are learned from those articles")
    try:
        import pycrfsuite  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError:
        fail("training needs the train extra (python-crfsuite, scikit-learn): pip install -e '.[train]'")
    # found, not imported: cross-validation forks its fold processes after this, and torch must start in each
    if network and not all(importlib.util.find_spec(name) for name in ("torch", "gensim")):
        fail("training the network needs the neural extra (torch, gensim): pip install -e '.[train,neural]'")


def _entity_model_or_fail() -> None:
    """Load the entity model now, before the engine is waited for: a model file that cannot be used is one line
    at once, not after AKHBAR_ENGINE_WAIT. The run's workers then share the loaded model (it is cached)."""
    from indexer.enrich.entities import default_extractor

    with usable_entity_model():
        default_extractor()


@contextmanager
def usable_entity_model():
    """A model file that cannot be used is one line naming it and what to do (exit 1), never a traceback."""
    from indexer.enrich.entities.crf import ModelError

    try:
        yield
    except ModelError as error:
        fail(str(error))


@akhbar.group("train")
def train_group():
    """Train the entity model (needs the `train` extra: pip install -e '.[train]')."""


@train_group.command("entities")
@click.argument("gold", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Model file to write.")
@click.option("--holdout", type=click.FloatRange(0, 0.9), default=0.0, show_default=True,
              help="Keep this last share of sentences out of training and report scores on it.")
@click.option("--iterations", type=int, default=150, show_default=True)
@click.option("--unlabeled", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Articles (any input format `akhbar index` reads) to learn word classes from, and for a first "
                   "model to read: a second one is trained with how often it tagged each word as a name "
                   "(self-training); repeatable. Recommended: names the model never saw in training are then "
                   "recognised by their company.")
@_network_option
@_proper_nouns_option
def train_entities(gold, out, holdout, iterations, unlabeled, network, proper_nouns):
    """Train an entity model (a CRF, and with --network the network beside it) on a CoNLL file; use it with
    AKHBAR_ENTITY_MODEL=OUT."""
    _training_extra_or_fail(network, bool(unlabeled))
    from indexer.enrich.entities import extract_mentions
    from indexer.enrich.entities.crf import CrfExtractor, train
    from indexer.enrich.entities.training import unlabeled_texts
    from indexer.evaluation import evaluate_entities, format_table, read_conll

    sentences = list(read_conll(gold))
    cut = len(sentences) - int(len(sentences) * holdout)
    proper = _proper_nouns(list(unlabeled)) if unlabeled and proper_nouns else None  # first, as in _cross_validate
    classes = _word_classes(list(unlabeled)) if unlabeled else None
    vectors = _word_vectors(list(unlabeled), classes) if unlabeled and network else None
    train([(s.tokens, s.tags) for s in sentences[:cut]], out, iterations=iterations, classes=classes,
          unlabeled=unlabeled_texts(list(unlabeled)), vectors=vectors, proper=proper, progress=click.echo)
    click.echo(f"model written to {out} ({cut} training sentences)")
    if cut < len(sentences):
        extractor = CrfExtractor.load(out)
        result = evaluate_entities(gold, lambda text: extract_mentions(text, extractor), sentences[cut:])
        click.echo(f"held-out ({len(sentences) - cut} sentences):\n{format_table(result)}")
