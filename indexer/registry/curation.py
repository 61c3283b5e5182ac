"""Curation files: a newsroom's merges, hides and renames of entities, kept under version control.

    {"merge":  [{"type": "organization", "into": "داعش", "from": ["تنظيم داعش", "تنظيم الدولة"]}],
     "hide":   [{"type": "organization", "names": ["تويتر"]}],
     "rename": [{"type": "person", "name": "سلمان بن عبدالعزيز", "display": "الملك سلمان بن عبدالعزيز"}]}

A name designates an entity by its facet key (any spelling works), after automatic resolution: curating
`أوباما` curates the entity it resolves to. Every problem is reported with its line before anything changes.
"""
from __future__ import annotations

import json
import json.scanner
from dataclasses import dataclass, field
from pathlib import Path

from core.arabic import facet_key
from core.fields import ENTITY_TYPES

SECTIONS = ("merge", "hide", "rename")
HIDDEN = ""  # a mapping target meaning "no facet value at all"


class CurationError(ValueError):
    """A curation file that cannot be applied; `problems` are (line, reason) pairs."""

    def __init__(self, path: str, problems: list[tuple[int, str]]):
        self.path, self.problems = path, sorted(problems)
        super().__init__("; ".join(f"{path}:{line}: {reason}" for line, reason in self.problems))


@dataclass(frozen=True)
class Named:
    """A name in the file, where it was written."""
    type: str
    key: str
    name: str
    line: int


@dataclass
class Curation:
    path: str = "(none)"
    merges: list[tuple[Named, Named]] = field(default_factory=list)  # (from, into)
    hides: list[Named] = field(default_factory=list)
    renames: list[tuple[Named, str]] = field(default_factory=list)  # (entity, display)

    def names(self) -> list[Named]:
        return [n for pair in self.merges for n in pair] + self.hides + [n for n, _ in self.renames]


class _LineDecoder(json.JSONDecoder):
    """json, noting the line each object starts on (the pure-Python scanner, which lets parse_object be wrapped)."""

    def __init__(self):
        super().__init__()
        self.lines: dict[int, int] = {}
        parse_object = self.parse_object

        def located(s_and_end, *args):
            text, start = s_and_end
            value, end = parse_object(s_and_end, *args)
            self.lines[id(value)] = text.count("\n", 0, start) + 1
            return value, end

        self.parse_object = located
        self.scan_once = json.scanner.py_make_scanner(self)


def parse(text: str, path: str = "(curation)") -> Curation:
    """The curation in `text`, or CurationError naming every structural problem (broken JSON, unknown type,
    missing field, merge cycle or conflict) with its line."""
    decoder = _LineDecoder()
    try:
        data = decoder.decode(text) if text.strip() else {}
    except json.JSONDecodeError as error:
        raise CurationError(path, [(error.lineno, f"broken JSON: {error.msg} (column {error.colno})")]) from None
    problems: list[tuple[int, str]] = []
    curation = Curation(path=path)
    if not isinstance(data, dict):
        raise CurationError(path, [(1, "the file must hold one JSON object with merge, hide and rename lists")])
    top_line = decoder.lines.get(id(data), 1)
    for section in data:
        if section not in SECTIONS:
            problems.append((top_line, f"unknown section {section!r}; one of: {', '.join(SECTIONS)}"))

    def items(section: str):
        value = data.get(section, [])
        if not isinstance(value, list):
            problems.append((top_line, f"{section} must be a list"))
            return
        for item in value:
            line = decoder.lines.get(id(item), top_line)
            if not isinstance(item, dict):
                problems.append((line, f"each {section} entry must be an object"))
                continue
            entity_type = item.get("type")
            if entity_type not in ENTITY_TYPES:
                problems.append((line, f"{section}: unknown type {entity_type!r}; one of: {', '.join(ENTITY_TYPES)}"))
                continue
            yield item, entity_type, line

    def named(entity_type: str, value, line: int, what: str) -> Named | None:
        if not isinstance(value, str) or not facet_key(value):
            problems.append((line, f"{what} must be a non-empty name, got {value!r}"))
            return None
        return Named(entity_type, facet_key(value), value, _line_of(text, value, line))

    def named_list(item: dict, entity_type: str, line: int, what: str) -> list[Named]:
        values = item.get(what.split(": ")[1])
        if not isinstance(values, list) or not values:
            problems.append((line, f"{what} must be a non-empty list of names"))
            return []
        return [n for n in (named(entity_type, value, line, f"{what} name") for value in values) if n]

    for item, entity_type, line in items("merge"):
        into = named(entity_type, item.get("into"), line, "merge: into")
        for source in named_list(item, entity_type, line, "merge: from"):
            if into:
                curation.merges.append((source, into))
    for item, entity_type, line in items("hide"):
        curation.hides += named_list(item, entity_type, line, "hide: names")
    for item, entity_type, line in items("rename"):
        entity = named(entity_type, item.get("name"), line, "rename: name")
        display = item.get("display")
        if not isinstance(display, str) or not display.strip():
            problems.append((line, "rename: display must be a non-empty name"))
        elif entity:
            curation.renames.append((entity, display.strip()))
    problems += _merge_problems(curation.merges)
    if problems:
        raise CurationError(path, problems)
    return curation


def load(path: str | Path) -> Curation:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CurationError(str(path), [(0, f"cannot read the file: {error}")]) from None
    return parse(text, str(path))


def _line_of(text: str, value: str, fallback: int) -> int:
    """The line where `value` is written as a JSON string, at or after the entry's first line."""
    lines = text.splitlines()
    needle = json.dumps(value, ensure_ascii=False)
    for number in range(max(fallback, 1), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return fallback


def _merge_problems(merges: list[tuple[Named, Named]]) -> list[tuple[int, str]]:
    """A name merged into two different entities, into itself, or a chain of merges that comes back."""
    problems = []
    target: dict[tuple[str, str], Named] = {}
    for source, into in merges:
        ref = (source.type, source.key)
        if source.key == into.key:
            problems.append((source.line, f"merge: {source.name!r} is merged into itself"))
        elif ref in target and target[ref].key != into.key:
            problems.append((source.line, f"merge: {source.name!r} is merged into both "
                                          f"{target[ref].name!r} and {into.name!r}"))
        else:
            target.setdefault(ref, into)
    for start in list(target):
        seen, ref = [start], (start[0], target[start].key)
        while ref in target:
            if ref == start:
                if start == min(seen):  # each cycle once, from its smallest member
                    names = " -> ".join(k for _, k in seen + [start])
                    problems.append((target[start].line, f"merge cycle: {names}"))
                break
            if ref in seen:
                break  # a cycle not through `start`: reported from its own members
            seen.append(ref)
            ref = (ref[0], target[ref].key)
    return problems


def curated_mapping(curation: Curation, resolved: dict[tuple[str, str], str],
                    known: set[tuple[str, str]]) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str],
                                                          list[tuple[int, str]]]:
    """Curation on top of automatic resolution.

    `resolved`: extracted (type, key) -> the key it resolves to (identity entries may be left out); `known`: every
    extracted (type, key). Returns (mapping: extracted (type, key) -> final key or HIDDEN, non-identity entries
    only; displays: (type, final key) -> display name; problems: names that designate no entity, with lines).
    """
    def entity_of(name: Named) -> str | None:
        ref = (name.type, name.key)
        if ref in known:
            return resolved.get(ref, name.key)
        if name.key in resolved_keys.get(name.type, set()):
            return name.key
        return None

    resolved_keys: dict[str, set[str]] = {}
    for (entity_type, key) in known:
        resolved_keys.setdefault(entity_type, set()).add(resolved.get((entity_type, key), key))
    problems = []
    entity_target: dict[tuple[str, str], str] = {}  # resolved entity -> the entity it is merged into
    for source, into in curation.merges:
        source_entity, into_entity = entity_of(source), entity_of(into)
        for name, entity in ((source, source_entity), (into, into_entity)):
            if entity is None:
                problems.append((name.line, f"unknown {name.type} {name.name!r}: no article mentions it"))
        if source_entity and into_entity and source_entity != into_entity:
            entity_target[(source.type, source_entity)] = into_entity
    hidden = set()
    for name in curation.hides:
        entity = entity_of(name)
        if entity is None:
            problems.append((name.line, f"unknown {name.type} {name.name!r}: no article mentions it"))
        else:
            hidden.add((name.type, entity))

    def final(entity_type: str, key: str) -> str:
        seen = set()
        while (entity_type, key) in entity_target and key not in seen:
            seen.add(key)
            key = entity_target[(entity_type, key)]
        return HIDDEN if (entity_type, key) in hidden else key

    mapping = {}
    for ref in known:
        target = final(ref[0], resolved.get(ref, ref[1]))
        if target != ref[1]:
            mapping[ref] = target
    displays = {}
    for name, display in curation.renames:
        entity = entity_of(name)
        if entity is None:
            problems.append((name.line, f"unknown {name.type} {name.name!r}: no article mentions it"))
        elif final(name.type, entity) != HIDDEN:
            displays[(name.type, final(name.type, entity))] = display
    return mapping, displays, problems
