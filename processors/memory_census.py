"""A census of the Python objects a process holds, cheap enough to take in a running worker.

Tracing allocations (tracemalloc) slows the worker several times over, so a traced worker falls behind the
feed and its snapshots show the backlog, not what a long run keeps. A census takes no tracing: it counts
the objects the garbage collector tracks by type and lists the large containers (dicts, lists, sets,
deques) with their length and the attribute or module name that holds them. Two censuses of one process
compared (``python -m bench.memory_growth``) name the containers that grew. It holds the event loop for
about a second per million tracked objects.

Dicts holding only strings and numbers are not tracked by the collector; the census finds those through
the tracked objects that refer to them.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter, deque
from collections.abc import Iterable
from types import ModuleType
from typing import Any

# Containers shorter than this are not listed one by one (their count by type still shows them).
MIN_LENGTH = 256
# Holders followed up from a container before naming it (a dict in a list in an instance's attribute: 3).
OWNER_LEVELS = 4
CONTAINER_TYPES: tuple[type, ...] = (dict, list, set, frozenset, deque)


def take_census(min_length: int = MIN_LENGTH) -> dict[str, Any]:
    """Count this process's tracked objects by type and list its containers of ``min_length`` or more items,
    each with its ``id``, type, length and who holds it; a JSON-ready dict."""
    tracked = gc.get_objects()
    by_type: Counter[str] = Counter()
    large: dict[int, Any] = {}
    for obj in tracked:
        # type(), not isinstance(): a proxy's __class__ may evaluate what it stands for.
        kind = type(obj)
        by_type[_type_name(kind)] += 1
        if issubclass(kind, CONTAINER_TYPES) and len(obj) >= min_length:
            large[id(obj)] = obj
        for inner in gc.get_referents(obj):
            if type(inner) is dict and not gc.is_tracked(inner) and len(inner) >= min_length:
                large[id(inner)] = inner
    large.pop(id(tracked), None)
    holders = _holders(tracked, set(large))
    containers = [
        {"id": key, "type": _type_name(type(obj)), "length": len(obj), "held_by": _held_by(obj, holders)}
        for key, obj in sorted(large.items(), key=lambda item: -len(item[1]))
    ]
    del tracked
    return {
        "allocated_blocks": sys.getallocatedblocks(),
        "tracked_objects": sum(by_type.values()),
        "objects_by_type": dict(by_type.most_common()),
        "containers": containers,
    }


def _type_name(kind: type) -> str:
    module = kind.__module__
    return kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"


def _holders(tracked: list[Any], wanted: set[int]) -> dict[int, Any]:
    """For each id in ``wanted`` and, level by level, for the containers holding them: the first tracked
    object that refers to it (modules, classes and instances end a chain; their holder is not needed)."""
    holders: dict[int, Any] = {}
    modules = {id(vars(module)) for module in list(sys.modules.values()) if module is not None}
    for _ in range(OWNER_LEVELS):
        if not wanted:
            break
        found: dict[int, Any] = {}
        for obj in tracked:
            for inner in gc.get_referents(obj):
                key = id(inner)
                if key in wanted and key not in found and obj is not tracked:
                    found[key] = obj
        holders.update(found)
        wanted = {id(holder) for holder in found.values() if _is_link(holder, modules)} - set(holders)
    return holders


def _is_link(holder: Any, modules: set[int]) -> bool:
    """Whether ``holder`` is only a step on the way (a container or an instance's dict), not a name itself."""
    return issubclass(type(holder), (*CONTAINER_TYPES, tuple)) and id(holder) not in modules


def _held_by(obj: Any, holders: dict[int, Any]) -> str:
    """The chain of holders of ``obj``, outermost first: ``module.Class.attribute > [key]``-like text."""
    steps: list[str] = []
    current = obj
    for _ in range(OWNER_LEVELS):
        holder = holders.get(id(current))
        if holder is None:
            steps.append("?")
            break
        step, done = _step(holder, current)
        if step.endswith(".__dict__") and steps and steps[-1].startswith("["):
            # An instance's attribute dict, materialised by an earlier census or not: name it the same way.
            step = f"{step.removesuffix('.__dict__')}.{steps.pop()[1:-1]}"
        steps.append(step)
        if done:
            break
        current = holder
    return " > ".join(reversed(steps))


def _step(holder: Any, held: Any) -> tuple[str, bool]:
    """How ``holder`` refers to ``held``, and whether the holder names itself (a chain may stop there)."""
    kind = type(holder)
    if issubclass(kind, dict):
        key = _key_of(holder.items(), held)
        for name, module in list(sys.modules.items()):
            if module is not None and vars(module) is holder:
                return f"{name}.{key}", True
        return f"[{key}]", False
    if issubclass(kind, (list, tuple, deque, set, frozenset)):
        return f"<item of {_type_name(kind)}>", False
    if issubclass(kind, type):
        return f"{_type_name(holder)}.{_key_of(vars(holder).items(), held)}", True
    if issubclass(kind, ModuleType):
        return f"{holder.__name__}.{_key_of(vars(holder).items(), held)}", True
    try:
        attributes = object.__getattribute__(holder, "__dict__")
    except AttributeError:  # no __dict__ (slots, builtins): the type is all there is to say
        return f"<{_type_name(kind)}>", True
    if attributes is held:
        return f"{_type_name(kind)}.__dict__", True
    return f"{_type_name(kind)}.{_key_of(attributes.items(), held)}", True


def _key_of(items: Iterable[tuple[Any, Any]], held: Any) -> str:
    for key, value in items:
        if value is held:
            return str(key)[:60]
    return "?"
