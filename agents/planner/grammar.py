"""The grammar of the requests the offline planner understands (lark, Earley parser).

One sentence of a request is parsed at a time (``parse.split_sentences``): a sentence is a list
of commands joined by ``,``, ``and``, ``then``. A command is one liquid-handling intent
(transfer, distribution, pooling, plate copy, serial dilution, mixing series, grid,
normalisation) or a device intent (temperature, incubation, shaking, measurement, waiting), or
a setting that qualifies the command before it ("100 uL final volume per well", "with an
8-channel pipette", "on a Flex").

Free text is allowed only where a chemist names something: a liquid's name is a run of words
that are not keywords of the grammar (``WORD``), optionally with a concentration in front
("1 mM fluorescein"). Everything else is a keyword, a number with its unit, or a well, row or
column name. A sentence that does not fit is reported as not understood, never guessed at.

Quantities are matched with their unit in any common spelling (uL, µl, μL, microlitres, mL,
0.05 ml, 2 min, 90 secs, 1.5 hrs, 37 °C, 37 degrees C, 500 RPM, 450 nm); the planner converts
them with the project's unit parser (``labwright.protocols.units``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_NUM = r"(?:\d+(?:\.\d*)?|\.\d+)"
_END = r"(?![A-Za-z0-9µμ])"
_VOLUME_UNITS = r"µl|μl|ul|microlit(er|re)s?|µ\s*l|ml|millilit(er|re)s?|nl|nanolit(er|re)s?|l|lit(er|re)s?"
_CONC_UNITS = r"x|m|mm|um|µm|μm|pm|mg\/ml|ug\/ml|µg\/ml|μg\/ml|ng\/ul|ng\/µl|ng\/μl|mg\/l|g\/l|units?\/ml"

# Earley over tokens (lark's basic lexer): a word that is also a keyword of the grammar becomes
# that keyword (lark's "unless" rule for string terminals that a regexp terminal matches), so a
# liquid's name is a run of words that are not keywords. Multi-word keywords are written as
# sequences of words for the same reason.
_TEMPLATE = r"""
start: _o_lead command (_join _o_lead command)* _o_punct
_o_lead: _lead?
_o_punct: _PUNCT?

_join: "," | "and"i | "," "and"i | "then"i | "," "then"i | "and"i "then"i | "," "and"i "then"i
     | ","? "after"i "that"i ","? | ","? "afterwards"i ","? | ","? "finally"i ","? | ","? "next"i ","?
_PUNCT: "." | "!"

_lead: ("please"i | "kindly"i | "now"i | "first"i | "also"i | ("can"i | "could"i | "would"i) "you"i
      | "i"i ("want"i | "need"i) "to"i | "i"i "would"i "like"i "to"i | "i'd"i "like"i "to"i
      | "we"i "need"i "to"i | "let's"i | "lets"i)+

command: (serial_dilution | series | grid | normalise | pool | copy_plate | fill
        | transfer | temperature | incubate | shake | measure | wait | mix | setting) (","? setting)*

// ---------------------------------------------------------------- tokens
VOLUME: /%(num)s\s*(%(volume_units)s)%(end)s/i
TIME: /%(num)s\s*(s|sec|secs|seconds?|min|mins|minutes?|h|hr|hrs|hours?)%(end)s/i
TEMP: /-?%(num)s\s*(°\s*c|°|degc|deg\s*c|degrees?(\s*(c|celsius|centigrade))?|celsius|c)%(end)s/i
SPEED: /%(num)s\s*(rpm|revolutions\s+per\s+minute)%(end)s/i
NM_QTY: /%(num)s\s*nm%(end)s/i
CONC: /%(num)s\s*(%(conc_units)s)(?![A-Za-z0-9µμ\/])/i
PERCENT: /%(num)s\s*(%%|percent|per\s*cent)(?![A-Za-z0-9])/i
NUMBER: /%(num)s(?![A-Za-z0-9µμ%%°])/
WELL.1: /[A-Pa-p](1[0-9]|2[0-4]|[1-9])(?![A-Za-z0-9])/
ROWL.1: /[B-P](?![A-Za-z0-9'])/
OD.1: /(od\s?|a)\d{3}(?![A-Za-z0-9])/i
FOLD_WORD.1: /(two|three|four|five|ten)-?fold(?![A-Za-z])/i
WORD: /[A-Za-z][A-Za-z0-9\-+']*/

count: NUMBER | COUNT_WORD
COUNT_WORD.1: /(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)(?![A-Za-z0-9\-])/i
volume: VOLUME
!rowl: ROWL | "a"i
_a: "a"i | "an"i | "the"i | "one"i | "this"i | "that"i | "some"i
_of: "of"i
_to: "to"i | "into"i | "in"i | "onto"i
_in: "in"i | "on"i | "of"i | "inside"i
_from: "from"i | "out"i "of"i
conc: CONC | NM_QTY | PERCENT

// ---------------------------------------------------------------- liquids
liquid: _o_a _o_conc name
_o_a: _a?
_o_conc: conc?
name: WORD+

// ---------------------------------------------------------------- places
place: selection (_in container)?
     | container (","? selection)?
     | selection _of selection _in container    -> nested_place
     | selection _of selection                  -> nested_place

selection: _each? _wellword? well_list            -> wells
         | _each? _wellword? WELL _range WELL     -> well_range
         | "column"i count                         -> column
         | "columns"i count _range count           -> column_range
         | "columns"i count (_list_sep count)+     -> column_list
         | "row"i rowl                             -> row
         | "rows"i rowl _range rowl                -> row_range
         | "rows"i rowl (_list_sep rowl)+          -> row_list
         | _all_wells                              -> all_wells
         | "the"i? "first"i count "wells"i         -> first_wells
_each: "each"i | "every"i | "each"i "of"i
_wellword: "well"i | "wells"i
_all_wells: _all_word ("well"i | "wells"i | "column"i | "columns"i)
_all_word: "every"i | "each"i | "all"i | "all"i "the"i | "all"i "of"i "the"i
well_list: WELL (_list_sep WELL)*
_list_sep: "," | "and"i | "," "and"i | "&"
_range: "to"i | "-" | "–" | "through"i | "thru"i | ".." | "until"i

container: _dets _o_new kind _o_label _o_holding
         | _dets count _o_new kinds _o_holding     -> containers
_dets: _det*
_o_new: _new?
_o_label: label?
_o_holding: holding?
_det: _a | "same"i
_new: new_word
!new_word: "new"i | "fresh"i | "another"i | "second"i | "third"i | "empty"i | "clean"i
          | "destination"i | "target"i | "source"i | "other"i
label: NUMBER | ROWL
_wells_word: "well"i | "-" "well"i
kind: NUMBER _wells_word _plate_noun?            -> plate
    | NUMBER _wells_word? "pcr"i _plate_noun     -> pcr_plate
    | NUMBER _wells_word? _deep _plate_noun      -> deep_plate
    | NUMBER _wells_word? _flat _plate_noun      -> plate
    | _deep _plate_noun?                          -> deep_plate
    | "pcr"i _plate_noun?                         -> pcr_plate
    | _flat _plate_noun                           -> plate
    | _plate_noun                                 -> plate
    | "reservoir"i                                -> reservoir
    | "trough"i                                   -> reservoir
    | VOLUME? _tube_noun                          -> tube
_deep: "deep"i "well"i | "deep"i "-" "well"i | "deep-well"i | "deepwell"i | "deep"i
_flat: "flat"i "bottom"i? | "flat-bottom"i | "flat-bottomed"i
kinds: NUMBER _wells_word _plates_noun            -> plate
     | _deep _plates_noun                         -> deep_plate
     | "pcr"i _plates_noun                        -> pcr_plate
     | _plates_noun                               -> plate
     | VOLUME? "tubes"i                           -> tube
_plate_noun: "plate"i | "microplate"i | "microtiter"i "plate"i | "well"i "plate"i
_plates_noun: "plates"i | "microplates"i
_tube_noun: "tube"i | "eppendorf"i "tube"i? | "falcon"i "tube"i? | "conical"i "tube"i
          | "microcentrifuge"i "tube"i
holding: _holding_word _o_hold_vol liquid _o_hold_vol2
_holding_word: "of"i | "with"i | "containing"i | "holding"i | "filled"i "with"i | "prefilled"i "with"i
             | "pre-filled"i "with"i
_o_hold_vol: (volume _each_well? _of?)?
_o_hold_vol2: (volume _each_well?)?
_each_well: "each"i | "per"i "well"i | "in"i "each"i "well"i | "each"i "well"i

// ---------------------------------------------------------------- liquid handling
amount: volume _each?
transfer: _transfer_verb amount _o_of_liquid _o_from_place _to place
        | _transfer_verb liquid _o_from_place _to place                 -> transfer_no_volume
_o_of_liquid: (_of? liquid)?
_o_from_place: (_from place)?
_transfer_verb: transfer_verb
!transfer_verb: "transfer"i | "move"i | "pipette"i | "add"i | "put"i | "dispense"i | "aliquot"i
              | "distribute"i | "deliver"i | "load"i

fill: "fill"i _o_each_a place "with"i amount _o_of liquid
    | "fill"i _o_each_a place "with"i liquid                       -> fill_no_volume
_o_each_a: (_each | _a)?

pool: _pool_verb amount _o_of_liquid (_from | _of) place _to place
    | _pool_verb _o_liquid _o_from_of place _to place                    -> pool_no_volume
_o_liquid: liquid?
_o_from_of: (_from | _of)?
_pool_verb: "pool"i | "combine"i | "consolidate"i

copy_plate: _copy_verb _o_copy_amount _o_each place _to place
_o_copy_amount: (amount (_of | _from))?
_o_each: _each?
_copy_verb: "copy"i | "replicate"i | "stamp"i | "duplicate"i | "reformat"i

mix: "mix"i _o_place _o_times _o_with_volume
_o_place: place?
_o_times: (count "times"i)?
_o_with_volume: ("with"i volume)?

// ---------------------------------------------------------------- dilutions and mixtures
serial_dilution: _pre _o_ratio "serial"i "dilution"i _o_series _of liquid _o_diluent _o_dirplace _o_ratio
               | _pre ratio "dilution"i "series"i _of liquid _o_diluent _o_dirplace
               | "serially"i "dilute"i liquid _o_ratio _o_diluent _o_dirplace _o_ratio
_pre: _o_make _o_a
_o_make: _make?
_o_ratio: ratio?
_o_series: "series"i?
_o_diluent: (_in liquid)?
_o_dirplace: (_o_dir place)?
_o_dir: _dir?
_make: "make"i | "prepare"i | "create"i | "do"i | "perform"i | "set"i "up"i | "run"i | "pipette"i
ratio: NUMBER ":" NUMBER                          -> ratio_colon
     | NUMBER "in"i NUMBER                        -> ratio_colon
     | (NUMBER | COUNT_WORD) "-"? "fold"i         -> ratio_fold
     | FOLD_WORD                                  -> ratio_fold
     | CONC                                       -> ratio_fold
     | "by"i _a? "factor"i _of? NUMBER            -> ratio_fold
     | "by"i NUMBER                               -> ratio_fold
_dir: "down"i | "across"i | "along"i | "over"i | "in"i | "into"i | "through"i | "from"i

series: _pre _o_series_kind "series"i _of liquid _o_second series_part*
_o_series_kind: _series_kind?
_o_second: (("and"i | "with"i | "in"i | "into"i) liquid)?
series_part: "from"i PERCENT "to"i PERCENT        -> pct_range
           | "in"i count "steps"i                   -> steps
           | count "steps"i                         -> steps
           | _dir place                             -> series_place
_series_kind: "dilution"i | "mixing"i | "mixture"i | "concentration"i | "linear"i | "gradient"i | "ratio"i

grid: _pre _o_grid_shape ("grid"i | "matrix"i) _of grid_axis "and"i grid_axis grid_part*
_o_grid_shape: grid_shape?
grid_shape: count ("x"i | "by"i | "×") count
          | CONC count                               // "4 x 6": the lexer reads "4 x" as a concentration
grid_axis: liquid ("(" grid_range ")" | grid_range)? axis_dir?
         | liquid "(" grid_range axis_dir ")"
grid_range: "from"i? (volume | NUMBER) ("to"i | "-" | "–") volume
axis_dir: ("down"i | "along"i) "the"i? "rows"i        -> along_rows
        | ("across"i | "along"i) "the"i? "columns"i  -> along_columns
grid_part: _in place                                -> grid_place

normalise: _norm_verb _o_liquid _o_in_place "to"i conc _o_norm_volume _o_norm_diluent _o_comma norm_table
_o_in_place: (_in place)?
_o_norm_volume: norm_volume?
_o_norm_diluent: (_o_comma _o_with liquid)?
_o_with: ("with"i | "using"i)?
_o_comma: ","?
_norm_verb: "normalise"i | "normalize"i | "dilute"i
norm_volume: ("in"i | "at"i | ",") volume ("final"i "volume"i?)?
           | ","? ("with"i | "in"i)? _a? ("final"i | "total"i) "volume"i _of? volume
norm_table: _table_intro table_row (_row_sep table_row)*
_table_intro: ("using"i | "from"i | "with"i | "per"i)? _o_a _table_word? ":"?
_table_word: "table"i | "concentrations"i | "measured"i "concentrations"i
_row_sep: "," | ";" | "and"i | "," "and"i
table_row: WELL (":" | "=" | "-" | "at"i | "is"i)? (conc | NUMBER)

// ---------------------------------------------------------------- devices
temperature: _temp_verb _o_container ("to"i | "at"i) temp_value
           | "set"i _o_a "temperature"i "module"i? ("to"i | "at"i) temp_value
           | "set"i _o_a container "temperature"i ("to"i | "at"i) temp_value
_o_container: (_a? container)?
_temp_verb: "heat"i | "warm"i | "cool"i | "chill"i | "bring"i | "keep"i | "hold"i | "set"i | "maintain"i
temp_value: TEMP | room_t
room_t: "room"i "temperature"i | "rt"i | "ambient"i "temperature"i?

incubate: "incubate"i _o_container incubate_part+
incubate_part: "at"i temp_value | "for"i TIME | "with"i "shaking"i ("at"i SPEED)?

shake: "shake"i _o_container shake_part*
     | "mix"i _o_container "on"i _o_a ("shaker"i | "heater-shaker"i | "heater"i "shaker"i) shake_part*
shake_part: "at"i SPEED | "for"i TIME | SPEED | TIME

measure: _measure_verb _o_a measure_kind measure_part*
       | _measure_verb (_a? container | place) _o_for measure_kind measure_part*
_o_for: ("for"i | "by"i | "with"i)?
_measure_verb: "measure"i | "read"i | "record"i | "take"i | "scan"i
!measure_kind: "absorbance"i | "fluorescence"i | "luminescence"i | "optical"i "density"i | "od"i | OD
measure_part: "at"i NM_QTY | NM_QTY | _in place | "of"i place

wait: ("wait"i | "pause"i | "delay"i | "hold"i | "let"i "it"i? "sit"i | "rest"i) ("for"i)? TIME

// ---------------------------------------------------------------- settings
setting: _o_qual volume ("final"i | "total"i) _o_volume_word _o_per_well  -> final_volume
       | _o_qual _o_a ("final"i | "total"i) "volume"i _o_of volume _o_per_well -> final_volume
       | _o_qual volume _per_well                                  -> final_volume
       | ("topped"i | "filled"i | "made"i | "top"i | "fill"i) "up"i "to"i volume "with"i liquid  -> top_up
       | "in"i count "steps"i                                     -> n_wells
       | count "steps"i                                           -> n_wells
       | count "wells"i                                           -> n_wells
       | ("with"i | "using"i | "use"i) _a? pipette_kind "pipette"i? -> pipette_setting
       | ("on"i | "with"i | "using"i | "use"i | "for"i) _a? robot   -> robot_setting
       | ("with"i | "using"i | "use"i) _a? new_word ("tip"i | "tips"i) _o_each_time -> new_tip
_o_qual: ("with"i | "at"i | "in"i | "and"i)?
_o_volume_word: "volume"i?
_o_per_well: _per_well?
_o_of: _of?
_o_each_time: ("for"i _each ("well"i | "transfer"i))?
_per_well: "per"i "well"i | "in"i "each"i "well"i | "each"i | "per"i "tube"i | "each"i "well"i
pipette_kind: NUMBER "-"? "channel"i                  -> multi_channel
            | ("eight"i | "multi"i) "-"? "channel"i    -> multi_channel
            | "multichannel"i | "multi-channel"i       -> multi_channel
            | ("single"i | "one"i) "-"? "channel"i     -> single_channel
            | "single-channel"i                        -> single_channel
robot: "opentrons"i? ("flex"i)                         -> flex
     | "opentrons"i? ("ot-2"i | "ot2"i | "ot"i "-" NUMBER) -> ot2

%%import common.WS
%%ignore WS
"""


def _fill(template: str, values: dict[str, str]) -> str:
    """``%(name)s`` -> value, ``%%`` -> ``%`` (the grammar's regexps use braces, so no str.format)."""
    for key, value in values.items():
        template = template.replace(f"%({key})s", value)
    return template.replace("%%", "%")


GRAMMAR = _fill(
    _TEMPLATE,
    {"num": _NUM, "end": _END, "volume_units": _VOLUME_UNITS, "conc_units": _CONC_UNITS},
)


@lru_cache(maxsize=1)
def parser() -> Any:
    """The Earley parser of one sentence (built once; the loaded grammar is cached, ``grammar_cache``)."""
    from labwright.agents.planner.grammar_cache import loaded_grammar
    from lark import Lark

    return Lark(
        loaded_grammar(GRAMMAR), parser="earley", lexer="basic", propagate_positions=True, ambiguity="resolve"
    )
