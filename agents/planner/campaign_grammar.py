"""The grammar of campaign requests (lark, Earley): "run this campaign", "optimise towards that goal".

A campaign request is one command, then options joined by ``,`` / ``and`` (or in sentences of
their own)::

    Run the colour matching campaign examples/campaigns/colour_match.yaml with a budget of 12
    experiments and seed 3.
    Optimise a mix of three dyes to match the colour Lab 50 20 -30 within 20 experiments.
    Optimise the SnAr reaction for space-time yield and E-factor in batches of 2.
    Find the best catalyst for the yield with random search.

Commands: a campaign file (``run_file``), a bundled campaign by name (``run_bundled``: colour,
SnAr, catalyst), or a goal (``colour_goal``: a target colour as CIELAB or ``#RRGGBB``;
``snar_goal``; ``catalyst_goal``). Options: budget, seed, batch size, optimiser, a colour
difference to reach, the backend. Free words are allowed only where a user describes a campaign
before naming its file; everything else is a keyword or a number, so a request that does not fit
is reported as not understood (with where it stopped), never guessed at.

This grammar is separate from the liquid-handling one (``grammar``): a request goes to the
campaign parser first, and only a request it does not recognise as a campaign goes on to the
liquid-handling planner.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_COUNT_WORDS = "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
_TEMPLATE = r"""
start: _lead? _command (_sep? option)* _punct_tail? _PUNCT?
_punct_tail: (_PUNCT _lead? option (_sep? option)*)+
_sep: "," | "and"i | "," "and"i | "with"i | "," "with"i
_PUNCT: "." | "!"
_lead: ("please"i | "now"i | ("can"i | "could"i | "would"i) "you"i | "i"i ("want"i | "need"i) "to"i
      | "i"i "would"i "like"i "to"i | "i'd"i "like"i "to"i | "let's"i | "lets"i | "use"i)+

_command: run_file | run_bundled | colour_goal | snar_goal | catalyst_goal

// ------------------------------------------------------------------- tokens
PATH.2: /[^\s,;"'()]+\.(yaml|yml|json)(?![A-Za-z0-9])/i
HEX.2: /#[0-9A-Fa-f]{6}(?![0-9A-Za-z])/
LABSTAR.2: /l\*\s?a\*\s?b\*/i
DE.1: /(delta\s*e|Δ\s*e|de)(2000|00)?(?![A-Za-z0-9])/i
NUMBER: /[-+−]?(\d+(\.\d+)?|\.\d+)(?![A-Za-z0-9])/
COUNT_WORD.1: /(%(count_words)s)(?![A-Za-z0-9\-])/i
WORD: /[A-Za-z][A-Za-z0-9\-']*/

count: NUMBER | COUNT_WORD
_the: "the"i | "a"i | "an"i | "this"i | "my"i | "our"i
_campaign_word: "campaign"i | "optimisation"i | "optimization"i | "experiment"i
_run_verb: "run"i | "start"i | "launch"i | "begin"i | "execute"i | "kick"i "off"i
_goal_verb: "optimise"i | "optimize"i | "tune"i
_colour: "colour"i | "color"i

// ------------------------------------------------------------------- commands
run_file: _run_verb _the? described? _campaign_word? _file_intro? PATH
described: (WORD | _desc_keyword)+
_desc_keyword: _colour | "matching"i | "match"i | "mixing"i | "snar"i | "catalyst"i | "selection"i
             | "reaction"i | "dye"i | "dyes"i | "pareto"i | "screening"i
_file_intro: ("file"i | "from"i | "in"i | "at"i | "defined"i "in"i | "from"i "file"i | "in"i "file"i)+

run_bundled: _run_verb _the? bundled _campaign_word
           | _run_verb _the? _campaign_word ("for"i | "on"i | "of"i) _the? bundled
bundled: _colour ("matching"i | "match"i | "mixing"i)?         -> colour_name
       | "snar"i ("pareto"i | "reaction"i)?                    -> snar_name
       | "catalyst"i ("selection"i | "screening"i | "choice"i)? -> catalyst_name

colour_goal: _goal_verb mixture _to_match colour_value
           | "match"i _the? _colour? colour_value ("by"i "mixing"i | "with"i) dyes
           | ("mix"i | "blend"i) dyes _to_match colour_value
mixture: _the? ("mix"i | "mixture"i | "blend"i | "ratio"i | "ratios"i | "fractions"i) "of"i dyes
       | _the? "dye"i ("mix"i | "mixture"i | "blend"i | "ratios"i | "fractions"i)
       | dyes
dyes: count? "dyes"i
_to_match: ("to"i "match"i | "to"i "reach"i | "to"i "make"i | "for"i) _the? "target"i? _colour?
colour_value: (("lab"i | "cielab"i | LABSTAR) ":"?)? "("? NUMBER ","? NUMBER ","? NUMBER ")"? -> lab
            | HEX                                                                       -> srgb

snar_goal: _goal_verb _the? "snar"i "reaction"i? ("for"i snar_objective ("and"i snar_objective)?)?
snar_objective: "space-time"i "yield"i -> sty
              | "space"i "time"i "yield"i -> sty
              | "sty"i -> sty
              | "e-factor"i -> e_factor
              | "e"i "factor"i -> e_factor

catalyst_goal: _find _the? ("best"i | "optimal"i)? "catalyst"i _cat_tail?
             | _goal_verb _the? "catalyst"i ("selection"i | "choice"i)? _cat_tail?
_find: "find"i | "choose"i | "select"i | "pick"i | "screen"i
_cat_tail: ("and"i "conditions"i)? ("for"i _the? ("yield"i | "reaction"i | "reaction"i "yield"i))?

// ------------------------------------------------------------------- options
option: budget | seed | batch | optimiser | de_target | backend
_experiments: "experiments"i | "experiment"i | "runs"i | "trials"i
_at_most: "at"i "most"i | "up"i "to"i | "no"i "more"i "than"i | "a"i "maximum"i "of"i | "max"i
budget: _the? "budget"i ("of"i | "=" | ":")? count _experiments?
      | ("within"i | "in"i | "using"i | "for"i | "over"i) _at_most? count _experiments
      | _at_most count _experiments
      | count _experiments _at_most?
seed: _the? "random"i? "seed"i ("of"i | "=" | ":")? NUMBER
batch: "in"i? "batches"i "of"i count
     | _the? "batch"i "size"i ("of"i | "=" | ":")? count
     | count ("experiments"i)? "per"i ("batch"i | "round"i)
optimiser: ("using"i | "by"i)? _the? ("bayesian"i _optimisation? | "botorch"i | "bo"i) -> use_bo
         | ("using"i | "by"i)? _the? "random"i ("search"i | "sampling"i | "baseline"i) -> use_random
_optimisation: "optimisation"i | "optimization"i
de_target: ("to"i | "within"i | "at"i | "until"i)? _the? (_colour "difference"i | DE) _below? NUMBER
_below: "below"i | "under"i | "of"i | "<" | "less"i "than"i | _at_most
backend: ("on"i | "using"i | "in"i) _the? ("twin"i | "deck"i "twin"i | "simulated"i "lab"i) -> on_twin
       | ("on"i | "using"i | "in"i) _the? "opentrons"i "simulator"i                    -> on_sim
       | ("on"i | "using"i) _the? ("robot"i | "real"i "robot"i)                         -> on_robot

%import common.WS
%ignore WS
"""
GRAMMAR = _TEMPLATE.replace("%(count_words)s", _COUNT_WORDS)


@lru_cache(maxsize=1)
def parser() -> Any:
    """The Earley parser of a campaign request (built once)."""
    from lark import Lark

    return Lark(GRAMMAR, parser="earley", lexer="basic", ambiguity="resolve")
