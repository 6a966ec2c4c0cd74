"""Plain English -> intents, with the grammar of ``grammar``; what does not parse is reported.

``parse_request(text)`` cuts the request into sentences, parses each with the Earley parser
and turns the tree into ``intents`` records. A sentence that does not parse as a whole is cut
at its commas and "then"s, and the longest runs of pieces that parse are kept: each piece left
over is reported, word for word, as not understood. Nothing is guessed: a missing quantity stays
``None`` and the compiler names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from labwright.agents.planner import intents as it
from labwright.agents.planner.grammar import parser
from labwright.protocols.units import to_canonical

_SENTENCE_END = re.compile(r"(?<=[^\d\s])\s*[.!?;]+(?=\s|$)|(?<=\d)\s*[.!?;]+(?=\s+[A-Z]|\s*$)|\n+")
_TABLE_LINE = re.compile(r"^\s*[-*•]?\s*[A-Pa-p](?:1[0-9]|2[0-4]|[1-9])\b\s*[:=,\-]?\s*\d")
_PIECE_BREAK = re.compile(r"\s*,\s*(?:and\s+then|then|and)?\s*|\s+(?:and\s+then|then)\s+", re.I)
_COUNT_WORDS = "one two three four five six seven eight nine ten eleven twelve".split()


@dataclass
class ParsedRequest:
    intents: list[it.Intent] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)


def split_sentences(text: str) -> list[str]:
    """Sentences of the request; the rows of a table written one per line join their sentence."""
    lines = [ln.strip() for ln in text.replace("\r", "\n").split("\n")]
    joined: list[str] = []
    for ln in lines:
        if not ln:
            continue
        if joined and _TABLE_LINE.match(ln):
            joined[-1] = joined[-1].rstrip(" ,;") + ("" if joined[-1].rstrip().endswith(":") else ",")
            joined[-1] += " " + ln.lstrip("-*• ").rstrip(" ,;.")
        else:
            joined.append(ln)
    out: list[str] = []
    for ln in joined:
        out += [s.strip() for s in _SENTENCE_END.split(ln) if s and s.strip(" .,;")]
    return out


def parse_request(text: str) -> ParsedRequest:
    result = ParsedRequest()
    for sentence in split_sentences(text):
        found = _parse(sentence)
        if found is not None:
            result.intents += found
            continue
        _parse_pieces(sentence, result)
    return result


_ROW_NAMES = re.compile(r"\b(rows?\s+)([a-p])\b(?:(\s*(?:-|–|to|through|and|,)\s*)([a-p])\b)?", re.I)
_LEADING_LETTER = re.compile(r"^([AI])(?=\s)")


def _normalise(text: str) -> str:
    """Row letters are capitals ("row b" -> "row B"); a sentence's first word "A" or "I" is the
    article or the pronoun, not a row (the lexer reads a lone capital B-P as a row)."""
    text = _ROW_NAMES.sub(
        lambda m: m.group(1) + m.group(2).upper() + (m.group(3) + m.group(4).upper() if m.group(4) else ""),
        text,
    )
    return _LEADING_LETTER.sub(lambda m: m.group(1).lower(), text)


def _parse(text: str) -> list[it.Intent] | None:
    from lark.exceptions import LarkError

    text = _normalise(text)
    try:
        tree = parser().parse(text)
    except LarkError:
        return None
    try:
        return _ToIntents(text).transform(tree)
    except _NotAQuantity:
        return None
    except Exception as exc:  # lark wraps errors raised in the transformer
        if isinstance(getattr(exc, "orig_exc", None), _NotAQuantity):
            return None
        raise


def _parse_pieces(sentence: str, result: ParsedRequest) -> None:
    """Longest runs of comma/then pieces that parse; the rest is not understood."""
    pieces = [p for p in _PIECE_BREAK.split(sentence) if p and p.strip(" .")]
    i = 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            found = _parse(", ".join(pieces[i:j]))
            if found is not None:
                result.intents += found
                i = j
                break
        else:
            result.not_understood.append(pieces[i].strip(" ."))
            i += 1


class _NotAQuantity(Exception):
    """A number whose unit the unit parser rejects: the sentence is not understood."""


def quantity(text: str, dimension: str) -> float:
    """A quantity in any common spelling -> canonical float (``labwright.protocols.units``)."""
    from pydantic_core import PydanticCustomError

    t = re.sub(r"\s+", " ", str(text)).strip()
    if dimension == "temperature":
        t = re.sub(r"(?i)\s*(°\s*c|°|deg\s*c|degrees?(\s*(c|celsius|centigrade))?|celsius)$", " degC", t)
    if dimension == "volume":
        t = re.sub(r"(?i)µ\s*l$", "uL", t)
    if dimension == "speed":
        t = re.sub(r"(?i)revolutions\s+per\s+minute$", "rpm", t)
    try:
        return to_canonical(t, dimension, unit_named=False)  # type: ignore[arg-type]
    except PydanticCustomError as exc:
        raise _NotAQuantity(str(exc)) from None


def count_value(token: Any) -> int:
    text = str(token).lower()
    if text in _COUNT_WORDS:
        return _COUNT_WORDS.index(text) + 1
    if not re.fullmatch(r"\d+", text):
        raise _NotAQuantity(f"{text!r} is not a whole number")
    return int(text)


def _tokens(children: list[Any], kind: str) -> list[Any]:
    return [c for c in children if getattr(c, "type", None) == kind]


def _first(children: list[Any], cls: type) -> Any:
    return next((c for c in children if isinstance(c, cls)), None)


def _all(children: list[Any], cls: type) -> list[Any]:
    return [c for c in children if isinstance(c, cls)]


class _Conc(str):
    """A concentration as written ("1 mM", "10%")."""


class _Volume(float):
    """A volume in uL (a float that knows it came from the ``volume`` rule)."""


class _Amount(float):
    """A volume in uL, optionally "each"."""


def _make_transformer() -> type:
    from lark import Transformer, v_args

    class ToIntents(Transformer):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def _span(self, meta: Any) -> str:
            if getattr(meta, "empty", True):
                return self.text
            return self.text[meta.start_pos : meta.end_pos]

        # --------------------------------------------------------------- basics
        def start(self, children: list[Any]) -> list[it.Intent]:
            return [i for c in children if isinstance(c, list) for i in c]

        def command(self, children: list[Any]) -> list[it.Intent]:
            # every rule of a command becomes an intent: a tree left over would be a rule the
            # transformer does not know, and its words would be silently dropped
            for c in children:
                if not isinstance(c, it.Intent):
                    raise TypeError(f"grammar rule without a transformer: {c!r}")
            return list(children)

        def count(self, children: list[Any]) -> int:
            return count_value(children[0])

        def volume(self, children: list[Any]) -> _Volume:
            self.last_volume_text = str(children[0])
            return _Volume(quantity(children[0], "volume"))

        def amount(self, children: list[Any]) -> _Amount:
            return _Amount(children[0])

        def name(self, children: list[Any]) -> str:
            return " ".join(str(c) for c in children)

        def conc(self, children: list[Any]) -> _Conc:
            return _Conc(re.sub(r"\s+", " ", str(children[0])))

        def liquid(self, children: list[Any]) -> it.LiquidRef:
            conc = _first(children, _Conc)
            name = next(c for c in children if type(c) is str)
            return it.LiquidRef(name=name, concentration=str(conc) if conc else None)

        def rowl(self, children: list[Any]) -> str:
            return str(children[0]).upper()

        # --------------------------------------------------------------- places
        def wells(self, children: list[Any]) -> it.Selection:
            return it.Selection("wells", tuple(children[-1]))

        def well_list(self, children: list[Any]) -> list[str]:
            return [str(c).upper() for c in children if getattr(c, "type", None) == "WELL"]

        def well_range(self, children: list[Any]) -> it.Selection:
            first, last = (str(c).upper() for c in _tokens(children, "WELL"))
            return it.Selection("well_range", (first, last))

        def column(self, children: list[Any]) -> it.Selection:
            return it.Selection("columns", (str(children[0]),))

        def column_range(self, children: list[Any]) -> it.Selection:
            a, b = children[0], children[-1]
            return it.Selection("columns", tuple(str(c) for c in range(a, b + 1)) if a <= b else ())

        def column_list(self, children: list[Any]) -> it.Selection:
            return it.Selection("columns", tuple(str(c) for c in children if isinstance(c, int)))

        def row(self, children: list[Any]) -> it.Selection:
            return it.Selection("rows", (children[0],))

        def row_range(self, children: list[Any]) -> it.Selection:
            a, b = (c for c in children if isinstance(c, str))
            return it.Selection("rows", tuple(chr(x) for x in range(ord(a), ord(b) + 1)) if a <= b else ())

        def row_list(self, children: list[Any]) -> it.Selection:
            return it.Selection("rows", tuple(c for c in children if isinstance(c, str)))

        def all_wells(self, children: list[Any]) -> it.Selection:
            return it.Selection("all")

        def first_wells(self, children: list[Any]) -> it.Selection:
            return it.Selection("first", count=_first(children, int))

        def transfer_verb(self, children: list[Any]) -> str:
            return "VERB:" + str(children[0]).lower()

        def new_word(self, children: list[Any]) -> str:
            return "NEW"

        def label(self, children: list[Any]) -> str:
            return str(children[0])

        def holding(self, children: list[Any]) -> dict[str, Any]:
            vol = _first(children, _Volume)
            return {"contents": _first(children, it.LiquidRef), "contents_ul": float(vol) if vol else None}

        def _kind(self, kind: str, children: list[Any]) -> dict[str, Any]:
            out: dict[str, Any] = {"kind": kind}
            wc = _tokens(children, "NUMBER")
            if wc:
                out["wells"] = count_value(wc[0])
            vol = _first(children, _Volume)
            if vol is not None:
                out["tube_ul"] = float(vol)
            return out

        def plate(self, children: list[Any]) -> dict[str, Any]:
            return self._kind("plate", children)

        def deep_plate(self, children: list[Any]) -> dict[str, Any]:
            return {**self._kind("deep_plate", children), "wells": 96}

        def pcr_plate(self, children: list[Any]) -> dict[str, Any]:
            return {**self._kind("pcr_plate", children), "wells": 96}

        def reservoir(self, children: list[Any]) -> dict[str, Any]:
            return {"kind": "reservoir"}

        def tube(self, children: list[Any]) -> dict[str, Any]:
            return self._kind("tube", children)

        def container(self, children: list[Any]) -> it.Container:
            return self._container(children, 1)

        def containers(self, children: list[Any]) -> it.Container:
            return self._container(children, _first(children, int) or 1)

        def _container(self, children: list[Any], n: int) -> it.Container:
            kind = next(c for c in children if isinstance(c, dict) and "kind" in c)
            holding = next((c for c in children if isinstance(c, dict) and "contents" in c), {})
            label = next((c for c in children if type(c) is str and c != "NEW"), None)
            new = any(isinstance(c, str) and c == "NEW" for c in children)
            return it.Container(**kind, **holding, label=label, new=new, count=n)

        def place(self, children: list[Any]) -> it.Place:
            return it.Place(
                selection=_first(children, it.Selection), container=_first(children, it.Container)
            )

        def nested_place(self, children: list[Any]) -> it.Place:
            sels = _all(children, it.Selection)
            return it.Place(selection=sels[-1], container=_first(children, it.Container), within=sels[0])

        # --------------------------------------------------------------- liquid handling
        @v_args(meta=True)
        def transfer(self, meta: Any, children: list[Any]) -> it.Transfer:
            places = _all(children, it.Place)
            amount = _first(children, _Amount)
            verb = next(
                (c for c in children if isinstance(c, str) and c.startswith("VERB:")), "VERB:transfer"
            )
            verb = verb.removeprefix("VERB:")
            return it.Transfer(
                self._span(meta),
                volume_ul=float(amount) if amount is not None else None,
                liquid=_first(children, it.LiquidRef),
                source=places[0] if len(places) == 2 else None,
                dest=places[-1],
                verb=verb,
            )

        transfer_no_volume = transfer

        @v_args(meta=True)
        def fill(self, meta: Any, children: list[Any]) -> it.Transfer:
            amount = _first(children, _Amount)
            return it.Transfer(
                self._span(meta),
                volume_ul=float(amount) if amount is not None else None,
                liquid=_first(children, it.LiquidRef),
                source=None,
                dest=_first(children, it.Place),
                verb="fill",
            )

        fill_no_volume = fill

        @v_args(meta=True)
        def pool(self, meta: Any, children: list[Any]) -> it.Pool:
            places = _all(children, it.Place)
            amount = _first(children, _Amount)
            return it.Pool(
                self._span(meta),
                volume_ul=float(amount) if amount is not None else None,
                liquid=_first(children, it.LiquidRef),
                source=places[0],
                dest=places[-1],
            )

        pool_no_volume = pool

        @v_args(meta=True)
        def copy_plate(self, meta: Any, children: list[Any]) -> it.CopyPlate:
            places = _all(children, it.Place)
            amount = _first(children, _Amount)
            return it.CopyPlate(
                self._span(meta),
                volume_ul=float(amount) if amount is not None else None,
                source=places[0],
                dest=places[-1],
            )

        @v_args(meta=True)
        def mix(self, meta: Any, children: list[Any]) -> it.Mix:
            vol = _first(children, _Volume)
            return it.Mix(
                self._span(meta),
                place=_first(children, it.Place),
                repetitions=_first(children, int),
                volume_ul=float(vol) if vol is not None else None,
            )

        # --------------------------------------------------------------- dilutions
        def ratio_colon(self, children: list[Any]) -> float:
            a, b = (float(c) for c in children if getattr(c, "type", None) == "NUMBER")
            return b / a if a else float("nan")

        def ratio_fold(self, children: list[Any]) -> float:
            token = next(
                c for c in children if getattr(c, "type", None) is not None and c.type not in ("FOLD",)
            )
            text = str(token).lower()
            if token.type == "FOLD_WORD":
                text = re.sub(r"-?fold$", "", text)
            if token.type == "CONC":
                if not text.endswith("x"):
                    raise _NotAQuantity(f"{text!r} is not a dilution factor")
                text = text[:-1].strip()
            if text in _COUNT_WORDS:
                return float(count_value(text))
            return float(text)

        @v_args(meta=True)
        def serial_dilution(self, meta: Any, children: list[Any]) -> it.SerialDilution:
            liquids = _all(children, it.LiquidRef)
            ratio = next((c for c in children if type(c) is float), None)
            return it.SerialDilution(
                self._span(meta),
                factor=ratio,
                stock=liquids[0],
                diluent=liquids[1] if len(liquids) > 1 else None,
                place=_first(children, it.Place),
            )

        def pct_range(self, children: list[Any]) -> tuple[str, float, float]:
            a, b = (float(re.match(r"[\d.]+", str(c)).group()) for c in children)  # type: ignore[union-attr]
            return ("pct", a, b)

        def steps(self, children: list[Any]) -> tuple[str, int]:
            return ("steps", _first(children, int))

        def series_place(self, children: list[Any]) -> tuple[str, it.Place]:
            return ("place", children[-1])

        @v_args(meta=True)
        def series(self, meta: Any, children: list[Any]) -> it.Series:
            liquids = _all(children, it.LiquidRef)
            parts = {c[0]: c[1:] for c in children if isinstance(c, tuple)}
            pct = parts.get("pct")
            return it.Series(
                self._span(meta),
                first=liquids[0],
                second=liquids[1] if len(liquids) > 1 else None,
                start_pct=pct[0] if pct else None,
                end_pct=pct[1] if pct else None,
                steps=parts["steps"][0] if "steps" in parts else None,
                place=parts["place"][0] if "place" in parts else None,
            )

        def grid_shape(self, children: list[Any]) -> tuple[str, int, int]:
            if getattr(children[0], "type", None) == "CONC":
                text = str(children[0]).lower().replace(" ", "")
                if not text.endswith("x"):
                    raise _NotAQuantity(f"{text!r} is not a grid shape")
                return ("shape", count_value(text[:-1]), children[-1])
            a, b = _all(children, int)
            return ("shape", a, b)

        def grid_range(self, children: list[Any]) -> tuple[float, float]:
            hi = _all(children, _Volume)[-1]
            lo = children[0]
            if getattr(lo, "type", None) == "NUMBER":  # "from 0 to 100 uL": the unit comes last
                unit = re.sub(r"^[\d.\s]+", "", str(self.last_volume_text))
                lo = quantity(f"{lo} {unit}", "volume")
            return (float(lo), float(hi))

        def along_rows(self, children: list[Any]) -> str:
            return "AXIS:rows"

        def along_columns(self, children: list[Any]) -> str:
            return "AXIS:columns"

        def grid_axis(self, children: list[Any]) -> it.GridAxis:
            rng = next((c for c in children if isinstance(c, tuple)), (None, None))
            axis = next((c for c in children if isinstance(c, str) and c.startswith("AXIS:")), None)
            along = axis.removeprefix("AXIS:") if axis else None
            return it.GridAxis(_first(children, it.LiquidRef), rng[0], rng[1], along)

        def grid_place(self, children: list[Any]) -> tuple[str, it.Place]:
            return ("place", _first(children, it.Place))

        @v_args(meta=True)
        def grid(self, meta: Any, children: list[Any]) -> it.Grid:
            axes = _all(children, it.GridAxis)
            parts = {c[0]: c[1:] for c in children if isinstance(c, tuple)}
            return it.Grid(
                self._span(meta),
                first=axes[0],
                second=axes[1],
                shape=(parts["shape"][0], parts["shape"][1]) if "shape" in parts else None,
                place=parts["place"][0] if "place" in parts else None,
            )

        def norm_volume(self, children: list[Any]) -> _Volume:
            return _first(children, _Volume)

        def table_row(self, children: list[Any]) -> tuple[str, str]:
            well = str(_tokens(children, "WELL")[0]).upper()
            value = next(
                c for c in children[1:] if isinstance(c, _Conc) or getattr(c, "type", None) == "NUMBER"
            )
            return (well, re.sub(r"\s+", " ", str(value)))

        def norm_table(self, children: list[Any]) -> list[tuple[str, str]]:
            return [c for c in children if isinstance(c, tuple)]

        @v_args(meta=True)
        def normalise(self, meta: Any, children: list[Any]) -> it.Normalise:
            liquids = _all(children, it.LiquidRef)
            vol = _first(children, _Volume)
            table = next(c for c in children if isinstance(c, list))
            # "normalise the DNA samples ... with water": the first liquid is the sample unless
            # the only one follows "with"/"using" (then it is the diluent)
            sample = liquids[0] if len(liquids) == 2 else None
            diluent = liquids[-1] if liquids else None
            if len(liquids) == 1 and not re.search(
                r"\b(with|using)\s+\S*\s*" + re.escape(liquids[0].name), self._span(meta), re.I
            ):
                sample, diluent = liquids[0], None
            return it.Normalise(
                self._span(meta),
                sample=sample,
                place=_first(children, it.Place),
                target=str(_first(children, _Conc)),
                final_ul=float(vol) if vol is not None else None,
                diluent=diluent,
                table=tuple(table),
            )

        # --------------------------------------------------------------- devices
        def room_t(self, children: list[Any]) -> str:
            return "room temperature"

        def temp_value(self, children: list[Any]) -> tuple[str, float | None]:
            tok = children[0]
            return ("temp", None if getattr(tok, "type", None) != "TEMP" else quantity(tok, "temperature"))

        @v_args(meta=True)
        def temperature(self, meta: Any, children: list[Any]) -> it.Temperature:
            temp = next(c for c in children if isinstance(c, tuple))
            return it.Temperature(self._span(meta), celsius=temp[1], container=_first(children, it.Container))

        def incubate_part(self, children: list[Any]) -> tuple[str, Any]:
            for c in children:
                if isinstance(c, tuple):
                    return c
                if getattr(c, "type", None) == "TIME":
                    return ("time", quantity(c, "time"))
                if getattr(c, "type", None) == "SPEED":
                    return ("shake", quantity(c, "speed"))
            return ("shake", None)

        @v_args(meta=True)
        def incubate(self, meta: Any, children: list[Any]) -> it.Incubate:
            parts = [c for c in children if isinstance(c, tuple)]
            temps = [p[1] for p in parts if p[0] == "temp"]
            shakes = [p[1] for p in parts if p[0] == "shake"]
            times = [p[1] for p in parts if p[0] == "time"]
            return it.Incubate(
                self._span(meta),
                seconds=times[0] if times else None,
                celsius=temps[0] if temps else None,
                room_temperature=bool(temps) and temps[0] is None,
                shake_rpm=shakes[0] if shakes else None,
                shaking=bool(shakes),
                container=_first(children, it.Container),
            )

        def shake_part(self, children: list[Any]) -> tuple[str, float]:
            tok = next(c for c in children if getattr(c, "type", None) in ("SPEED", "TIME"))
            return ("rpm", quantity(tok, "speed")) if tok.type == "SPEED" else ("s", quantity(tok, "time"))

        @v_args(meta=True)
        def shake(self, meta: Any, children: list[Any]) -> it.Shake:
            parts = dict(c for c in children if isinstance(c, tuple))
            return it.Shake(
                self._span(meta),
                rpm=parts.get("rpm"),
                seconds=parts.get("s"),
                container=_first(children, it.Container),
            )

        def measure_kind(self, children: list[Any]) -> str:
            text = " ".join(str(c) for c in children).lower()
            return "MEASURE_KIND:" + (text or "od")

        def measure_part(self, children: list[Any]) -> Any:
            for c in children:
                if getattr(c, "type", None) == "NM_QTY":
                    return ("nm", quantity(c, "wavelength"))
            return _first(children, it.Place)

        @v_args(meta=True)
        def measure(self, meta: Any, children: list[Any]) -> it.Measure:
            kind_text = next(c for c in children if isinstance(c, str) and c.startswith("MEASURE_KIND:"))
            kind_text = kind_text.removeprefix("MEASURE_KIND:")
            nm = next((c[1] for c in children if isinstance(c, tuple)), None)
            m = re.search(r"(\d{3})", kind_text)
            if m and nm is None and kind_text.startswith(("od", "a")):
                nm = float(m.group(1))  # OD600 / A450
            kind = next((k for k in ("fluorescence", "luminescence") if k in kind_text), "absorbance")
            place = _first(children, it.Place)
            container = _first(children, it.Container)
            if place is None and container is not None:
                place = it.Place(container=container)
            return it.Measure(self._span(meta), kind=kind, wavelength_nm=nm, place=place)

        @v_args(meta=True)
        def wait(self, meta: Any, children: list[Any]) -> it.Wait:
            tok = _tokens(children, "TIME")[0]
            return it.Wait(self._span(meta), seconds=quantity(tok, "time"))

        # --------------------------------------------------------------- settings
        @v_args(meta=True)
        def final_volume(self, meta: Any, children: list[Any]) -> it.Setting:
            return it.Setting(self._span(meta), "final_volume", float(_first(children, _Volume)))

        def multi_channel(self, children: list[Any]) -> tuple[str, int]:
            number = _tokens(children, "NUMBER")
            if number and str(number[0]) != "8":
                raise _NotAQuantity(f"{number[0]}-channel pipettes are not planned for")
            return ("channels", 8)

        def single_channel(self, children: list[Any]) -> tuple[str, int]:
            return ("channels", 1)

        def flex(self, children: list[Any]) -> tuple[str, str]:
            return ("robot", "flex")

        def ot2(self, children: list[Any]) -> tuple[str, str]:
            number = _tokens(children, "NUMBER")
            if number and str(number[0]) != "2":
                raise _NotAQuantity("not an Opentrons robot")
            return ("robot", "ot2")

        @v_args(meta=True)
        def pipette_setting(self, meta: Any, children: list[Any]) -> it.Setting:
            value = next(c for c in children if isinstance(c, tuple))
            return it.Setting(self._span(meta), "channels", value[1])

        @v_args(meta=True)
        def robot_setting(self, meta: Any, children: list[Any]) -> it.Setting:
            value = next(c for c in children if isinstance(c, tuple))
            return it.Setting(self._span(meta), "robot", value[1])

        @v_args(meta=True)
        def new_tip(self, meta: Any, children: list[Any]) -> it.Setting:
            return it.Setting(self._span(meta), "new_tip", "always")

        @v_args(meta=True)
        def top_up(self, meta: Any, children: list[Any]) -> it.Setting:
            return it.Setting(
                self._span(meta),
                "top_up",
                float(_first(children, _Volume)),
                {"liquid": _first(children, it.LiquidRef)},
            )

        @v_args(meta=True)
        def n_wells(self, meta: Any, children: list[Any]) -> it.Setting:
            return it.Setting(self._span(meta), "n_wells", _first(children, int))

    return ToIntents


_TRANSFORMER: type | None = None


def _ToIntents(text: str) -> Any:  # noqa: N802 - a factory standing for the class
    global _TRANSFORMER
    if _TRANSFORMER is None:
        _TRANSFORMER = _make_transformer()
    return _TRANSFORMER(text)
