"""Python data straight from libyaml's parse events, with the guards counted on the way.

PyYAML's own path composes a node graph (a ``ScalarNode`` with two marks per scalar), then
constructs Python data from it; for a 6.8 MB block-style protocol of 100,000 steps that took
20 CPU s and 490 MB under the guarded Python composer, against 2 s to merely read libyaml's
events. ``build_document`` builds dicts, lists and scalars directly from those events and
enforces the same limits as ``labwright.protocols.documents`` while it does:

- depth: each node's nesting is checked before it is built;
- alias expansion: a running count of the values the document would hold if every alias were
  written out (an alias adds its anchor's whole size, in O(1)); the count is checked at every
  node, so a "billion laughs" stops after a few thousand events. An alias shares its anchor's
  Python object, so memory follows the text, not the expansion;
- an alias inside the value it names (a loop) is refused;
- integers with more digits than the limit are refused before ``int()`` sees them;
- duplicate keys are an error naming the key and the lines of both (keys are compared as the
  Python values they become, so ``yes`` and ``true`` collide as they would in the dict).

Plain scalars are typed by PyYAML's own resolver and constructors (YAML 1.1 as PyYAML reads
it: ``yes`` is True, ``1_000`` is 1000, dates are dates), once per distinct text: a protocol
repeats its values, and the repeats share one object. Merge keys (``<<: *base``) follow the YAML
merge-key spec: earlier mappings win over later ones in a merged list, explicit keys win over
merged ones. Tagged collections are those ``SafeConstructor`` knows (``!!set``, ``!!omap``,
``!!pairs``); any other tag (``!!python/object``, ``!custom``) is refused where it stands, as
PyYAML's safe loader refuses it.
"""

from __future__ import annotations

from typing import Any, Protocol

from labwright.protocols.errors import UnusableInputError
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode


class DocumentLimits(Protocol):
    """What the builder needs of ``labwright.protocols.documents.DocumentLimits`` (a structural
    type: ``documents`` imports this module, so this module does not import it back)."""

    max_depth: int
    max_nodes: int
    max_int_digits: int

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
_SET, _OMAP, _PAIRS = "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs"
_COLLECTION_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"})


class NestingTooDeep(Exception):
    """A node nested past the depth limit, at ``line`` (1-based)."""

    def __init__(self, line: int) -> None:
        self.line = line


class _Special:
    """A plain scalar that is not data: ``<<`` (merge key) or ``=`` (the YAML 1.1 value key)."""

    __slots__ = ("tag",)

    def __init__(self, tag: str) -> None:
        self.tag = tag


_MERGE = _Special(_MERGE_TAG)  # one object each: two merge keys in a mapping are one key twice
_EQUALS = _Special(_VALUE_TAG)
_NO_KEY = object()  # a mapping frame waiting for its next key
_OPEN = -1  # size of an anchor whose value is still being built


def build_document(loader: Any, *, source: str, limits: DocumentLimits) -> Any:
    """The one document of the stream ``loader`` (a PyYAML parser + ``SafeConstructor``) reads.

    ``None`` for an empty stream; ``ComposerError`` when the stream holds a second document.
    """
    get_event = loader.get_event
    get_event()  # StreamStartEvent
    if loader.check_event(StreamEndEvent):
        return None
    start = get_event()  # DocumentStartEvent
    value = _build_root(loader, source, limits)
    get_event()  # DocumentEndEvent
    if not loader.check_event(StreamEndEvent):
        raise ComposerError(
            "expected a single document in the stream", start.start_mark,
            "but found another document", get_event().start_mark,
        )
    return value


def _build_root(loader: Any, source: str, limits: DocumentLimits) -> Any:  # noqa: C901, PLR0912, PLR0915
    """The event loop: one pass, every guard checked as the node is met (one long function
    on purpose: per-event calls would double the time)."""
    get_event = loader.get_event
    max_depth, max_nodes = limits.max_depth, limits.max_nodes
    plain: dict[str, Any] = {}  # plain scalar text -> its value, typed once
    quoted: dict[str, str] = {}  # one string object per distinct quoted text
    anchors: dict[str, list[Any]] = {}  # name -> [value, expanded size or _OPEN, line]
    # a frame: [container, pending key, {key: line}, merge sources, anchor, count at start, event,
    #           tag (!!set, !!omap, !!pairs) or None]
    stack: list[list[Any]] = []
    count = 0  # values in the document with every alias written out
    while True:
        event = get_event()
        kind = event.__class__
        if kind is ScalarEvent:
            count += 1
            if len(stack) >= max_depth:
                raise NestingTooDeep(event.start_mark.line + 1)
            if event.tag is None:
                text = event.value
                if event.implicit[0]:
                    value = plain.get(text, _NO_KEY)
                    if value is _NO_KEY:
                        value = _plain_scalar(loader, event, source, limits)
                        if value.__class__ is _Special:  # `<<` or `=`: their meaning is their place
                            value = _special(value, stack, event)
                        else:
                            plain[text] = value
                else:
                    value = quoted.setdefault(text, text)
            else:
                value = _tagged_scalar(loader, event, source, limits)
                if value.__class__ is _Special:
                    value = _special(value, stack, event)
            if event.anchor is not None:
                _new_anchor(anchors, event, source)[:2] = [value, 1]
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            count += 1
            if len(stack) >= max_depth:
                raise NestingTooDeep(event.start_mark.line + 1)
            tag = None if event.tag in _COLLECTION_TAGS else _collection_tag(event)
            if event.anchor is not None:
                _new_anchor(anchors, event, source)
            if kind is MappingStartEvent:
                stack.append([{}, _NO_KEY, {}, None, event.anchor, count, event, tag])
            else:
                stack.append([[], None, None, None, event.anchor, count, event, tag])
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frame = stack.pop()
            value = frame[0] if frame[3] is None else _merged(frame, source)
            if frame[7] is not None:
                value = _tagged_collection(frame[7], value, frame[6], source)
            if frame[4] is not None:
                anchors[frame[4]][:2] = [value, count - frame[5] + 1]
        elif kind is AliasEvent:
            if len(stack) >= max_depth:
                raise NestingTooDeep(event.start_mark.line + 1)
            value, size = _alias(anchors, event, source)
            count += size
            if value.__class__ is _Special:
                value = _special(value, stack, event)
        else:  # the parser yields only the events above inside a document
            raise ComposerError(None, None, f"unexpected {kind.__name__}", event.start_mark)
        if count > max_nodes:
            raise _too_many(source, event, limits)
        if not stack:
            return value
        frame = stack[-1]
        container = frame[0]
        if container.__class__ is list:
            container.append(value)
        elif frame[1] is _NO_KEY:  # a key: hashable, and new in this mapping
            if value.__class__ is dict or value.__class__ is list:
                raise _unhashable(value, event, source)
            lines = frame[2]
            if value in lines:
                raise _duplicate(value, lines[value], event, source)
            lines[value] = event.start_mark.line + 1
            frame[1] = value
        else:
            if frame[1] is _MERGE:
                frame[3] = [*(frame[3] or ()), value]  # a merge source
            else:
                container[frame[1]] = value
            frame[1] = _NO_KEY


def _plain_scalar(loader: Any, event: ScalarEvent, source: str, limits: DocumentLimits) -> Any:
    """A plain scalar typed as PyYAML types it (its implicit resolvers, its constructors)."""
    text = event.value
    tag = loader.resolve(ScalarNode, text, (True, False))
    if tag == _STR:
        return text
    return _construct(loader, tag, event, source, limits)


def _tagged_scalar(loader: Any, event: ScalarEvent, source: str, limits: DocumentLimits) -> Any:
    tag = event.tag
    if tag == "!":  # the non-specific tag: PyYAML types it as if untagged (`! 12` is 12)
        tag = loader.resolve(ScalarNode, event.value, event.implicit)
    return _construct(loader, tag, event, source, limits)


def _construct(loader: Any, tag: str, event: ScalarEvent, source: str, limits: DocumentLimits) -> Any:
    if tag == _MERGE_TAG:
        return _MERGE
    if tag == _VALUE_TAG:
        return _EQUALS
    if tag == _INT and len(event.value) > limits.max_int_digits:
        raise UnusableInputError(
            f"{source}: line {event.start_mark.line + 1}: a number with {len(event.value)} digits "
            f"(the limit is {limits.max_int_digits})",
            hint="write the value with a unit and a sensible size, e.g. `volume: 50 uL`",
        )
    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
    constructors = loader.yaml_constructors
    # called directly, not through construct_object: that would keep every node until the end
    return (constructors.get(tag) or constructors[None])(loader, node)


def _new_anchor(anchors: dict[str, list[Any]], event: Any, source: str) -> list[Any]:
    """Register an anchor as open (its value is being built); an entry keeps a line, not the
    event, so a file of many anchors costs little more than its values."""
    line = event.start_mark.line + 1
    first = anchors.get(event.anchor)
    if first is not None:
        raise UnusableInputError(
            f"{source}: the anchor &{event.anchor} is defined twice (lines {first[2]} and {line})",
            hint="give each anchor its own name",
        )
    entry = anchors[event.anchor] = [None, _OPEN, line]
    return entry


def _alias(anchors: dict[str, list[Any]], event: AliasEvent, source: str) -> tuple[Any, int]:
    entry = anchors.get(event.anchor)
    if entry is None:
        raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
    if entry[1] == _OPEN:
        raise UnusableInputError(
            f"{source}: line {event.start_mark.line + 1}: an alias refers to the value that contains it",
            hint="a protocol cannot contain itself; write the value out",
        )
    return entry[0], entry[1]


def _unhashable(key: Any, event: Any, source: str) -> UnusableInputError:
    return UnusableInputError(
        f"{source}: line {event.start_mark.line + 1}: a mapping key that is itself a "
        f"{'mapping' if key.__class__ is dict else 'list'}",
        hint="use text or a number as the key",
    )


def _duplicate(key: Any, first_line: int, event: Any, source: str) -> UnusableInputError:
    shown = "<<" if key is _MERGE else key
    return UnusableInputError(
        f"{source}: duplicate key {shown!r} at lines {first_line} and {event.start_mark.line + 1} "
        "(only one value may be given)",
        hint=f"keep one {shown!r} in that mapping and delete the other",
    )


def _special(value: _Special, stack: list[list[Any]], event: Any) -> Any:
    """``<<`` as a key is a merge key and ``=`` as a key is the string '='; as values they have
    no meaning, and PyYAML's constructor refuses them the same way."""
    if stack and stack[-1][0].__class__ is dict and stack[-1][1] is _NO_KEY:
        return value if value is _MERGE else "="
    raise ConstructorError(
        None, None, f"could not determine a constructor for the tag {value.tag!r}", event.start_mark
    )


def _merged(frame: list[Any], source: str) -> dict[Any, Any]:
    """A mapping with merge keys: merged mappings first (earlier wins), then its own keys."""
    out: dict[Any, Any] = {}
    for merge in frame[3]:
        parts = [merge] if merge.__class__ is dict else merge if merge.__class__ is list else [merge]
        for part in parts:
            if part.__class__ is not dict:
                raise UnusableInputError(
                    f"{source}: line {frame[6].start_mark.line + 1}: a merge key (<<) takes a mapping "
                    f"or a list of mappings, not {type(part).__name__} {part!r:.40}",
                    hint="merge an anchored mapping, e.g. `<<: *defaults`",
                )
            for k, v in part.items():
                if k not in out:
                    out[k] = v
    out.update(frame[0])
    return out


def _collection_tag(event: Any) -> str:
    """The tag of a tagged collection ``SafeConstructor`` knows; any other is refused here,
    before its contents are read, as PyYAML's safe loader would refuse it after reading them."""
    tag, mapping = event.tag, event.__class__ is MappingStartEvent
    if (tag == _SET and mapping) or (tag in (_OMAP, _PAIRS) and not mapping):
        return tag
    if tag in (_SET, _OMAP, _PAIRS):
        raise ConstructorError(
            None, None, f"{tag} takes a {'sequence' if mapping else 'mapping'}", event.start_mark
        )
    raise ConstructorError(
        None, None, f"could not determine a constructor for the tag {tag!r}", event.start_mark
    )


def _tagged_collection(tag: str, value: Any, event: Any, source: str) -> Any:
    """``!!set``: the set of the mapping's keys; ``!!omap``/``!!pairs``: (key, value) tuples."""
    if tag == _SET:
        return set(value)
    pairs = []
    for item in value:
        if item.__class__ is not dict or len(item) != 1:
            raise UnusableInputError(
                f"{source}: line {event.start_mark.line + 1}: {tag.rsplit(':', 1)[1]} takes a list of "
                "mappings with one key each",
                hint="write each entry as `- key: value`",
            )
        pairs.append(next(iter(item.items())))
    return pairs


def _too_many(source: str, event: Any, limits: DocumentLimits) -> UnusableInputError:
    return UnusableInputError(
        f"{source}: line {event.start_mark.line + 1}: the document expands to more than "
        f"{limits.max_nodes:,} values (YAML aliases that multiply)",
        hint="write the repeated parts out, or use fewer nested aliases",
    )
