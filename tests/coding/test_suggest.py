"""The worklist's suggestions against a long list (pipeline/coding/suggest.py): the bounded path
(only names whose upper bound can reach a verbatim's top 3 are scored exactly) gives the codes,
scores and order of scoring every name, on the demo's occupation titles (ILO/ESCO, 38,000 names)
and municipality names with texts nobody here wrote: the classification's own names misspelt,
other classifications' names, respondents' answers of the demo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rapidfuzz import fuzz, process

from pipeline.coding import classifications as C
from pipeline.coding import suggest as S
from pipeline.coding.classifications import normalise
from pipeline.coding.coding import candidate_names
from pipeline.coding.plan import plan
from pipeline.coding.stage import coding_settings
from pipeline.coding.worklist import read_codeframes
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import questionnaire_of

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def names() -> dict[str, pd.DataFrame]:
    project = load_project(REPO)
    questionnaire = questionnaire_of(project)
    settings = coding_settings(project)
    targets = plan(questionnaire, settings)
    return candidate_names(questionnaire, targets, read_codeframes(settings.codeframes, targets))


def _misspelt(texts: pd.Series, seed: int) -> list[str]:
    """Each text with one letter dropped or two letters swapped."""
    rng = np.random.default_rng(seed)
    out = []
    for text in texts:
        i = int(rng.integers(0, max(len(text) - 1, 1)))
        out.append(text[:i] + text[i + 1:] if rng.random() < 0.5 else text[:i] + text[i + 1:i + 2] + text[i] + text[i + 2:])
    return [" ".join(t.split()) for t in out if t.strip()]


def _queries(names: dict[str, pd.DataFrame], own: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    listed = names[own]["normalised"]
    other = names["vorige_gemeente" if own == "beroep" else "beroep"]["normalised"]
    countries = names["geboorteland_anders"]["normalised"]
    raw = pd.read_csv(REPO / "raw" / "web_kobo.csv", sep=";", dtype=str, usecols=[own]).dropna()[own]
    picked = [
        *listed.iloc[rng.choice(len(listed), 12, replace=False)],  # exact names: ties at 100
        *_misspelt(listed.iloc[rng.choice(len(listed), 12, replace=False)], seed),
        *other.iloc[rng.choice(len(other), 6, replace=False)],
        *countries.iloc[rng.choice(len(countries), 6, replace=False)],
        *normalise(pd.Series(raw.unique()[:14])),
        "a", "de de de", "e mail", "مدرس", "водитель",  # one letter, repeated words, other scripts
    ]
    return np.array(list(dict.fromkeys(q for q in picked if q)), dtype=object)


@pytest.mark.parametrize("variable", ["beroep", "vorige_gemeente"])
def test_the_bounded_suggestions_are_those_of_scoring_every_name(names, variable):
    queries = _queries(names, variable, seed=len(variable))
    prepared = S._prepare(names[variable])
    assert S._plain(queries) and S._plain(prepared[0])
    codes, scores = S._bounded(queries, prepared, S.SUGGESTIONS)
    all_codes, all_scores = S.suggest_all(queries, names[variable])
    assert (scores == all_scores).all() and (codes == all_codes).all(), [
        (q, list(c), list(a)) for q, c, a in zip(queries, codes, all_codes) if list(c) != list(a)]
    assert (scores[:, 0] == 100).sum() >= 12  # the listed names found themselves
    got, got_scores = S.suggest(queries, names[variable])  # bounded for occupations (>= _PRUNE_FROM pairs)
    assert (got == all_codes).all() and (got_scores == all_scores).all()


def test_the_bounds_hold_for_every_name(names):
    """Token-set ratio <= its bound, partial ratio <= its bound, for every (verbatim, name) pair."""
    listed = names["beroep"]["normalised"].to_numpy(dtype=object)
    queries = _queries(names, "beroep", seed=3)[::2]
    token, partial = S._NameIndex(listed).bounds(queries)
    tsr = process.cdist(queries, listed, scorer=fuzz.token_set_ratio, dtype=np.float64, workers=-1)
    pr = process.cdist(queries, listed, scorer=fuzz.partial_ratio, dtype=np.float64, workers=-1)
    assert (tsr <= token + 1e-6).all() and (pr <= partial + 1e-6).all()
    assert (token < 100).mean() > 0.9 and (partial < 100).mean() > 0.9  # and they do bound something


def test_text_the_bounds_do_not_cover_is_scored_in_full(names):
    candidates = names["beroep"]
    odd = np.array(["kok  en  chef", " loodgieter"] * 20, dtype=object)  # not single-spaced
    assert not S._plain(odd)
    codes, scores = S.suggest(odd, candidates)
    all_codes, all_scores = S.suggest_all(odd, candidates)
    assert (codes == all_codes).all() and (scores == all_scores).all() and (scores[:, 0] > 0).all()


def test_normalise_looks_up_text_it_has_seen_and_gives_what_it_computes(monkeypatch):
    """normalise keeps each text's result for the process: on ESCO's titles, the form's labels in
    several scripts, numbers and missing values, a second call (looked up) and a call on fresh
    text (computed) give the same as the pandas pipeline itself."""
    titles = pd.read_csv(REPO / "schemas" / "classifications" / "isco08_names.csv", dtype=str)["name"]
    texts = pd.concat([titles.iloc[::7], pd.Series(["Belgïe ", "MAROKKO!!", "مُدَرِّس", "Водитель", "ǅemal", "x²",
                                                    "a\u00a0 b", None, pd.NA, 12, 3.5, "", "  "], dtype=object)],
                      ignore_index=True)
    texts.index = texts.index * 3  # the caller's index and name are kept
    texts.name = "verbatim"
    reference = C._normalise(texts.astype("string").fillna(""))
    C._NORMALISED.clear()
    for _ in range(2):  # computed, then looked up
        got = C.normalise(texts)
        pd.testing.assert_series_equal(got, reference.astype(object))
        assert got.dtype == object and got.name == "verbatim"
    assert C.normalise(texts.iloc[:0]).empty
    monkeypatch.setattr(C, "_NORMALISED_MAX", 10)  # full: emptied, this call's texts still all normalised
    pd.testing.assert_series_equal(C.normalise(texts), reference.astype(object))
    assert len(C._NORMALISED) <= len(texts)


def test_sound_key_skipping_replacements_that_cannot_match_changes_no_key():
    """sound_key tests for a pattern's literal text before running it: on ESCO's titles, Belgian
    municipalities and country aliases (normalised), the keys are those of running every
    replacement on every text."""
    folder = REPO / "schemas" / "classifications"
    texts = pd.concat([pd.read_csv(folder / "isco08_names.csv", dtype=str)["name"],
                       pd.read_csv(folder / "refnis.csv", dtype=str)["TX_REFNIS_NL"],
                       pd.read_csv(folder / "refnis.csv", dtype=str)["TX_REFNIS_FR"],
                       pd.read_csv(folder / "country_aliases.csv", dtype=str)["name"],
                       pd.Series(["ckph thqu cch dt d ij y j oe ou ie", "aabbcc", "gend", "marocco"])], ignore_index=True)
    normalised = C.normalise(texts.dropna())

    def every_replacement(text: str) -> str:
        for pattern, repl, _ in C._SOUNDS:
            text = pattern.sub(repl, text)
        return text

    assert C.sound_key(normalised).tolist() == [every_replacement(t) for t in normalised]
