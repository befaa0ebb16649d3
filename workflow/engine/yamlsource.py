"""YAML loading that remembers where every value came from.

Definition errors must name the file and line; PyYAML drops positions after construction and silently
keeps the last of duplicate keys, so mappings and sequences are built as located subclasses here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from workflow.errors import Problem


class LDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: object) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    def __init__(self, stream: str, problems: list[Problem], filename: str) -> None:
        super().__init__(stream)
        self.problems = problems
        self.filename = filename


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
    loader.flatten_mapping(node)
    result = LDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            loader.problems.append(Problem(loader.filename, line, "duplicate-key",
                                           f"键 '{key}' 重复（第 {result.key_lines[key]} 行已定义）"))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
    result = LList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load(path: Path, problems: list[Problem]) -> Any:
    """Parse one file; syntax errors and duplicate keys are appended to `problems`."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(name, 0, "unreadable", f"无法读取文件：{exc}"))
        return None
    loader = _Loader(text, problems, name)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problems.append(Problem(name, line, "yaml-syntax", f"YAML 语法错误：{getattr(exc, 'problem', exc)}"))
        return None
    finally:
        loader.dispose()


def line_at(data: Any, loc: tuple) -> int:
    """The line of the deepest located value along a pydantic error location."""
    line = getattr(data, "line", 0)
    node = data
    for part in loc:
        if isinstance(node, LDict) and part in node:
            line = node.line_of(part)
            node = node[part]
        elif isinstance(node, LList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.line_of(part)
            node = node[part]
        else:
            break
    return line
