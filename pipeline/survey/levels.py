"""A roster level as the form app sees it (issue 16): the roster's rows with the values of the
levels around it (the main questionnaire, the enclosing rosters) as read-only context, and
expressions that reach across levels turned into columns of that frame:

- `position(..)` in a roster: the instance number (`<roster>_nr`);
- `count(${r})` / `count(${q})` with r a roster or q one of its questions: the number of r's
  instances (per row of the level the expression belongs to: per respondent on the main level,
  per instance of an enclosing roster inside one);
- `sum(${q})` with q a roster's question: the sum over its instances (missing codes count as no
  answer);
- `indexed-repeat(${q}, ${r}, n)`: q in r's n-th instance (the three-argument form);
- sid's own `count(${r}, condition)` (rules.yaml only): the instances where the condition holds,
  judged per instance (it may refer to the enclosing levels).

Each such call becomes a column `__agg<i>` (`Aggregate`); what cannot be turned into one (the
five-argument indexed-repeat, position() of another level, a question of a roster the level
does not enclose) raises `Unsupported`, and the caller drops that condition with a warning."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pipeline.survey import routing
from pipeline.survey.expressions import BinOp, Call, Current, Literal, Neg, Node, Var, evaluate, parse, references
from pipeline.survey.questionnaire import Questionnaire, Variable
from pipeline.survey.rosters import Roster, ancestry

AGG = "__agg"  # the computed columns' prefix


class Unsupported(ValueError):
    """An expression across levels sid cannot compute: the message says which call and why."""


@dataclass(frozen=True)
class Aggregate:
    """A call over a roster's instances, computed as column `column` of the level's frame."""

    column: str
    kind: str  # count | sum | indexed
    roster: str  # the roster counted, summed or indexed
    value: str | None  # sum / indexed: the question; count: the condition's text (None: every instance)
    index: str | None = None  # indexed: the instance number's expression, on the level's own frame


def ids(rosters: tuple[Roster, ...], level: str | None, key: str) -> list[str]:
    """The columns that name one row of `level`: the respondent key and the instance numbers."""
    return [key, *(r.number_column for r in ancestry(rosters, level))] if level else [key]


def instance_text(frame: pd.DataFrame, rosters: tuple[Roster, ...], level: str) -> np.ndarray:
    """A roster row's instance as text: "2", or "1.3" for the 3rd toy of the 1st child."""
    columns = [r.number_column for r in ancestry(rosters, level)]
    text = frame[columns[0]].astype("int64").astype(str)
    for column in columns[1:]:
        text = text + "." + frame[column].astype("int64").astype(str)
    return text.to_numpy(dtype=object)


def to_text(node: Node) -> str:
    """The expression written back as text (parenthesised: `parse(to_text(n)) == n` in meaning)."""
    if isinstance(node, Literal):
        if isinstance(node.value, float):
            number = f"{abs(node.value):.17g}" if node.value == node.value else "(0 div 0)"
            return number if node.value >= 0 else f"(0 - {number})"
        return "'" + node.value + "'" if "'" not in node.value else '"' + node.value + '"'
    if isinstance(node, Var):
        return "${" + node.name + "}"
    if isinstance(node, Current):
        return "."
    if isinstance(node, Neg):
        return f"(-{to_text(node.operand)})"
    if isinstance(node, BinOp):
        return f"({to_text(node.left)} {node.op} {to_text(node.right)})"
    return f"{node.name}(" + ", ".join(to_text(a) for a in node.args) + ")"


class Rewriter:
    """Turns the cross-level calls of expressions evaluated at `level` (None: the main
    questionnaire) into columns; collects the `Aggregate`s the frame needs."""

    def __init__(self, questionnaire: Questionnaire, level: str | None) -> None:
        self.rosters = questionnaire.rosters
        self.level = level
        self.owner = {v.name: r.name for r in self.rosters for v in r.variables}
        self.aggregates: list[Aggregate] = []

    def rewrite(self, text: str) -> str:
        """`text` with its cross-level calls as `${__agg<i>}` (unchanged when it has none)."""
        node = parse(text)
        new = self._node(node)
        return text if new == node else to_text(new)

    def _below(self, name: str, call: str) -> str:
        """The roster that `name` (a roster or one of its questions) belongs to, if the level encloses it."""
        roster = name if any(r.name == name for r in self.rosters) else self.owner.get(name)
        if roster is None:
            raise Unsupported(f"{call}() over {name!r}, which is no roster nor a question in one")
        chain = [r.name for r in ancestry(self.rosters, roster)]
        if roster == self.level or (self.level is not None and self.level not in chain):
            raise Unsupported(f"{call}() over {name!r}, a roster this level does not enclose")
        return roster

    def _add(self, kind: str, roster: str, value: str | None, index: str | None = None) -> Var:
        for a in self.aggregates:
            if (a.kind, a.roster, a.value, a.index) == (kind, roster, value, index):
                return Var(a.column)
        agg = Aggregate(f"{AGG}{len(self.aggregates)}_{self.level or 'main'}", kind, roster, value, index)
        self.aggregates.append(agg)
        return Var(agg.column)

    def _node(self, node: Node) -> Node:
        if isinstance(node, Neg):
            return Neg(self._node(node.operand))
        if isinstance(node, BinOp):
            return BinOp(node.op, self._node(node.left), self._node(node.right))
        if not isinstance(node, Call):
            return node
        args = node.args
        if node.name == "position":
            if self.level is None or args not in ((), (Current(),)):
                raise Unsupported("position() of another level than the question's own repeat")
            return Var(next(r for r in self.rosters if r.name == self.level).number_column)
        if node.name == "count" and args and isinstance(args[0], Var) and len(args) <= 2:
            roster = self._below(args[0].name, "count")
            return self._add("count", roster, to_text(args[1]) if len(args) == 2 else None)
        if node.name == "sum" and len(args) == 1 and isinstance(args[0], Var) and args[0].name in self.owner:
            return self._add("sum", self._below(args[0].name, "sum"), args[0].name)
        if node.name == "indexed-repeat":
            if len(args) != 3 or not all(isinstance(a, Var) for a in args[:2]):
                raise Unsupported("indexed-repeat() with other than (${question}, ${repeat}, n)")
            roster = self._below(args[1].name, "indexed-repeat")
            if self.owner.get(args[0].name) != roster:
                raise Unsupported(f"indexed-repeat(): {args[0].name!r} is no question of {roster!r}")
            return self._add("indexed", roster, args[0].name, to_text(self._node(args[2])))
        return Call(node.name, tuple(self._node(a) for a in args))


def plain(var: Variable) -> Variable:
    """A variable of an enclosing level as context: its values as the app saw them, no logic of its own."""
    return replace(var, relevant=None, group_relevant=(), constraint=None, required=False, read_only=True,
                   calculate=None, choice_filter=None, keep_collected=False)


@dataclass(frozen=True)
class Level:
    """A roster as a level to validate and clean: its questionnaire (the context variables, plain,
    then the roster's own with their cross-level calls rewritten) and the columns it needs."""

    roster: Roster
    questionnaire: Questionnaire
    own: tuple[str, ...]
    context: tuple[str, ...]  # the enclosing levels' variables its expressions use
    aggregates: tuple[Aggregate, ...]
    warnings: tuple[str, ...] = ()
    texts: tuple[tuple[str, str], ...] = ()  # rules' expressions at this level: (as written, as rewritten)


def level(questionnaire: Questionnaire, roster: Roster, texts: tuple[str, ...] = ()) -> Level:
    """The roster `roster` as a level (see `Level`); a condition sid cannot compute is dropped
    (the warning names the question's row), a calculate over one keeps its collected value.
    `texts` (rules evaluated per instance) are rewritten too; one sid cannot compute raises `Unsupported`."""
    rewriter = Rewriter(questionnaire, roster.name)
    own_names = set(roster.names)
    outer = [v for r in ancestry(questionnaire.rosters, roster.name)[:-1] for v in r.variables]
    available = {v.name: v for v in [*questionnaire.variables, *outer] if v.name not in own_names}
    warnings: list[str] = []
    own: list[Variable] = []
    used: set[str] = set()

    def fix(var: Variable, text: str | None, column: str) -> str | None:
        if not text:
            return text
        try:
            new = rewriter.rewrite(text)
            unknown = references(new) - own_names - available.keys() - {a.column for a in rewriter.aggregates} \
                - {r.number_column for r in ancestry(questionnaire.rosters, roster.name)}
            if unknown:
                raise Unsupported(f"refers to {min(unknown)!r}, a question of another repeat")
        except Unsupported as exc:
            effect = "keeps its collected value" if column == "calculate" else (
                "treated as asked whenever its other conditions hold" if column == "relevant" else "not checked")
            warnings.append(f"{questionnaire.path.name if questionnaire.path else 'form'}, survey row {var.row}: the "
                            f"{column} of {var.name!r} (repeat {roster.name!r}) {exc}; sid cannot judge it: {effect}")
            return None
        used.update(references(new))
        return new

    for var in roster.variables:
        changes = dict(relevant=fix(var, var.relevant, "relevant"), constraint=fix(var, var.constraint, "constraint"),
                       group_relevant=tuple(t for t in (fix(var, c, "relevant") for c in var.group_relevant) if t),
                       calculate=fix(var, var.calculate, "calculate"),
                       choice_filter=fix(var, var.choice_filter, "choice_filter"))
        if var.calculate and changes["calculate"] is None:
            changes["keep_collected"] = True
        own.append(replace(var, **changes))
    rewritten = []
    for text in texts:
        new = rewriter.rewrite(text)
        unknown = references(new) - own_names - available.keys() - {a.column for a in rewriter.aggregates} \
            - {r.number_column for r in ancestry(questionnaire.rosters, roster.name)}
        if unknown:
            raise Unsupported(f"{text!r} refers to {min(unknown)!r}, no question of {roster.name!r} "
                              "nor of the levels around it")
        used.update(references(new))
        rewritten.append((text, new))
    context = tuple(n for n in available if n in used)
    variables = (*(plain(available[n]) for n in context), *own)
    return Level(roster, replace(questionnaire, variables=variables, rosters=()), tuple(v.name for v in own),
                 context, tuple(rewriter.aggregates), tuple(dict.fromkeys(warnings)), tuple(rewritten))


def as_seen(frame: pd.DataFrame, questionnaire: Questionnaire, columns) -> pd.DataFrame:
    """`columns` of `frame` as the form app had them: an answer to a question not asked is empty,
    so are sid's own codes (-3, -4, -9); a calculate is the collected value, else computed."""
    routed = routing.route(frame, replace(questionnaire, variables=_needed(questionnaire, columns)))
    out = {}
    for name in columns:
        if name not in questionnaire:
            out[name] = frame[name]
            continue
        var = questionnaire[name]
        if name in routed.calculated:
            value = routed.calculated[name]
            out[name] = (frame[name].where(frame[name].notna(), value.to_numpy())
                         if name in frame.columns else pd.Series(value.to_numpy(), index=frame.index))
        else:
            values = routing.without_sid_codes(frame[name], var, questionnaire)
            asked = routed.asked.get(name)
            out[name] = values if asked is None or asked.all() else values.where(asked)
    return pd.DataFrame(out, index=frame.index)


def _needed(questionnaire: Questionnaire, columns) -> tuple[Variable, ...]:
    """The variables whose routing or value `columns` depend on (their conditions' and calculates'
    references, and theirs): routing those alone gives the same answer, at a fraction of the cost."""
    by_name = {v.name: v for v in questionnaire}
    todo, seen = [c for c in columns if c in by_name], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        var = by_name[name]
        texts = [*var.group_relevant, *(t for t in (var.relevant, var.calculate if var.type == "calculate" else None)
                                       if t)]
        todo += [r for t in texts for r in references(t) if r in by_name and r not in seen]
    return tuple(v for v in questionnaire if v.name in seen)


def framed(questionnaire: Questionnaire, levels: dict[str, Level], rows: dict[str | None, pd.DataFrame],
           name: str, key: str, frames: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Roster `name`'s rows (`rows[name]`) with the context its level needs, taken from its parent
    level as the app saw it (`rows[None]` is the main frame), and its aggregates. `frames` caches
    the framed levels already built (a parent's frame serves its children)."""
    frames = {} if frames is None else frames
    if name in frames:
        return frames[name]
    building = f"{name}\0"  # its context is there, its aggregates are being computed: a nested roster
    if building in frames:  # below it asks for its parent's answers, which need no aggregate
        return frames[building]
    lv = levels[name]
    frame = rows[name].reset_index(drop=True)
    owners = {v.name: None for v in questionnaire.variables}
    for outer in ancestry(questionnaire.rosters, name)[:-1]:
        owners.update(dict.fromkeys(outer.names, outer.name))
    for at in [None, *(r.name for r in ancestry(questionnaire.rosters, name)[:-1])]:
        wanted = [c for c in lv.context if owners.get(c, "?") == at]
        if not wanted:
            continue
        if at is None:
            source, form = rows[None], questionnaire
        else:
            source, form = framed(questionnaire, levels, rows, at, key, frames), levels[at].questionnaire
        wanted = [c for c in wanted if c in source.columns or (c in form and form[c].type == "calculate")]
        join = ids(questionnaire.rosters, at, key)
        seen = as_seen(source, form, wanted)
        seen[join] = source[join].to_numpy()
        frame = frame.merge(seen.drop_duplicates(join), on=join, how="left", sort=False)
    for c in lv.context:  # a question its level's file lacks: empty, as for any missing column
        if c not in frame.columns:
            frame[c] = np.nan
    frames[building] = frame
    frame = with_aggregates(frame, questionnaire, levels, rows, name, lv.aggregates, key, frames)
    del frames[building]
    frames[name] = frame
    return frame


def with_aggregates(frame: pd.DataFrame, questionnaire: Questionnaire, levels: dict[str, Level],
                    rows: dict[str | None, pd.DataFrame], at: str | None, aggregates, key: str,
                    frames: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """`frame` (rows of level `at`) with a column per aggregate over the rosters below it."""
    if not aggregates:
        return frame
    frames = {} if frames is None else frames
    join = ids(questionnaire.rosters, at, key)
    out = frame.copy(deep=False)
    for agg in aggregates:
        below = framed(questionnaire, levels, rows, agg.roster, key, frames) if agg.roster in rows else None
        if below is None:  # no rows of that roster were delivered: none counted, nothing summed
            out[agg.column] = 0.0 if agg.kind == "count" else np.nan
            continue
        if agg.kind == "indexed":
            number = levels[agg.roster].roster.number_column
            form = levels[agg.roster].questionnaire
            values = as_seen(below, form, [agg.value])[agg.value]
            values = routing.without_missing(values.to_frame(), form, {agg.value})[agg.value]
            table = below[join + [number]].assign(**{agg.column: values.to_numpy()})
            wanted = out[join].assign(**{number: evaluate(agg.index, out).to_numpy(dtype="float64")})
            out[agg.column] = wanted.merge(table, on=join + [number], how="left", sort=False)[agg.column].to_numpy()
            continue
        if agg.kind == "count":
            hits = np.ones(len(below), dtype=bool)
            if agg.value:  # the condition, judged per row: the roster framed with what it refers to
                counted = level(questionnaire, levels[agg.roster].roster, (agg.value,))
                reuse = {k: v for k, v in frames.items() if k != agg.roster}  # the levels around it, as built
                below = framed(questionnaire, {**levels, agg.roster: counted}, rows, agg.roster, key, reuse)
                hits = evaluate(dict(counted.texts)[agg.value], below).to_numpy(dtype=bool)
            per = pd.Series(hits.astype("float64")).groupby([below[c] for c in join]).sum()
            fill = 0.0
        else:
            form = levels[agg.roster].questionnaire
            values = as_seen(below, form, [agg.value])
            values = routing.without_missing(values, form, {agg.value})[agg.value]
            per = pd.to_numeric(values, errors="coerce").groupby([below[c] for c in join]).sum(min_count=0)
            fill = 0.0
        index = pd.MultiIndex.from_frame(out[join]) if len(join) > 1 else pd.Index(out[join[0]])
        out[agg.column] = per.reindex(index).fillna(fill).to_numpy(dtype="float64")
    return out


def main_aggregates(frame: pd.DataFrame, questionnaire: Questionnaire, rows: dict[str | None, pd.DataFrame],
                    texts: list[str], key: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The main level's expressions `texts` (rules) with their calls over rosters as columns of
    `frame`: the frame with those columns and each text as rewritten. Raises `Unsupported`."""
    rewriter = Rewriter(questionnaire, None)
    rewritten = {t: rewriter.rewrite(t) for t in texts}
    if not rewriter.aggregates:
        return frame, rewritten
    levels = {r.name: level(questionnaire, r) for r in questionnaire.rosters}
    rows = {**rows, None: frame}
    out = with_aggregates(frame.reset_index(drop=True), questionnaire, levels, rows, None,
                          rewriter.aggregates, key)
    return out, rewritten
