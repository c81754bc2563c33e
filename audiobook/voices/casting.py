"""Automatic casting: every new speaker gets a voice as far as possible from the ones already cast.

Voices are compared in a small perceptual space: predicted pitch (F0, in semitones), timbre
(spectral brightness), accent, voice variant and speaking rate. The F0 and brightness of each
espeak variant were measured once on real synthesised speech (median autocorrelation F0 and
median spectral centroid of the same sentence on `gmw/en-us` at pitch 50) and are kept here as
data, so casting is instant, needs no audio at run time, and gives the same cast on every machine.

Neural voices (piper, kokoro) are whatever models the user has: each is measured on this machine
(voices/measure.py: median F0 and a mean mel-cepstrum of one sentence, cached) and the caster is handed
those measurements (`Neural`); their timbre distance counts beside pitch. A model with one voice is
varied by speed and by piper's noise_scale (flat to lively intonation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..attribution.speechverbs import VERB
from ..model import NARRATOR, Chapter, Character, Gender, Segment, Voice

Age = Literal["young", "adult", "old"]


@dataclass(frozen=True)
class Profile:
    """An espeak voice variant: who it suits and how it measured at pitch 50."""

    variant: str  # "" for the language's own voice
    gender: Gender | None
    age: Age
    f0: float  # Hz, median F0 at pitch 50
    brightness: float  # Hz, median spectral centroid


# Clearest first within each group: the speaker with most lines gets the first one that is far
# enough from the rest. Variants with echo, robot or whisper effects are left out on purpose.
PROFILES: tuple[Profile, ...] = (
    Profile("m3", "male", "adult", 101.1, 1492),
    Profile("m1", "male", "adult", 90.7, 1333),
    Profile("m7", "male", "adult", 101.1, 1000),
    Profile("m2", "male", "adult", 97.6, 1624),
    Profile("m6", "male", "adult", 97.1, 1411),
    Profile("m4", "male", "adult", 89.6, 1574),
    Profile("Mario", "male", "adult", 108.6, 1040),
    Profile("robert", "male", "adult", 99.3, 1064),
    Profile("john", "male", "adult", 100.2, 1682),
    Profile("Gene", "male", "adult", 92.1, 1227),
    Profile("travis", "male", "adult", 102.1, 1068),
    Profile("pablo", "male", "adult", 108.1, 1855),
    Profile("quincy", "male", "adult", 88.2, 765),
    Profile("m8", "male", "adult", 82.3, 628),
    Profile("f3", "female", "adult", 200.5, 2049),
    Profile("f1", "female", "adult", 172.9, 1649),
    Profile("f2", "female", "adult", 185.3, 1795),
    Profile("f4", "female", "adult", 172.3, 1702),
    Profile("belinda", "female", "adult", 222.7, 1574),
    Profile("f5", "female", "adult", 196.9, 2406),
    Profile("aunty", "female", "adult", 176.4, 1784),
    Profile("linda", "female", "adult", 222.7, 1979),
    Profile("steph", "female", "adult", 180.7, 737),
    # Younger voices: light timbre, pitched up further by the caster.
    Profile("Gene2", "male", "young", 111.9, 1233),
    Profile("ed", "male", "young", 121.2, 1309),
    Profile("shelby", "male", "young", 170.9, 1885),
    Profile("Annie", "female", "young", 225.0, 1944),
    Profile("Andrea", "female", "young", 237.1, 1670),
    # Older voices: flutter (a tremor) and a slower rate.
    Profile("grandpa", "male", "old", 103.5, 1550),
    Profile("grandma", "female", "old", 193.4, 1205),
)
_BY_VARIANT = {p.variant.casefold(): p for p in PROFILES}
_BASE = Profile("", None, "adult", 97.6, 1470)  # the language's own voice, no variant

#: English accents espeak offers, clearest first.
ACCENTS = ("gmw/en-us", "gmw/en-gb-x-rp", "gmw/en", "gmw/en-gb-scotland", "gmw/en-us-nyc", "gmw/en-029",
           "gmw/en-gb-x-gbclan", "gmw/en-gb-x-gbcwmd")

#: Semitones of F0 per unit of espeak's 0-100 pitch setting (measured: m3 80 Hz at 20, 136 Hz at 80).
SEMITONES_PER_PITCH = 0.17

# Pitch and rate choices by age, most natural first. Main characters only get the first few:
# an extreme pitch is fine for a walk-on, tiring for someone who speaks every other line.
PITCHES: dict[Age, tuple[int, ...]] = {
    "adult": (50, 42, 58, 36, 64, 30, 70),
    "young": (78, 70, 86),
    "old": (40, 34, 46),
}
RATES: dict[Age, tuple[int, ...]] = {"adult": (175, 165, 185), "young": (185, 192), "old": (150, 158)}
MAIN_CHARACTERS = 3  # the most talkative speakers, who get the clearest and least extreme voices

#: Neural voices. Timbre distance (Euclidean, mean mel-cepstra) per unit of casting distance, and where it
#: saturates: measured, one voice against itself at other noise scales 1.2-1.6, two different voices 16-40.
TIMBRE_PER_UNIT, TIMBRE_CAP = 10.0, 30.0
NOISE_DEFAULT = 0.667  # piper's own noise_scale
NOISES = (None, 0.33, 1.0)  # piper noise_scale choices, most natural first (None: the model's default)
NOISE_WEIGHT = 1.0  # casting distance per unit of noise_scale difference
MODEL_RATES = (175, 160, 190, 145, 205)  # speeds for neural voices, most natural first
#: How well neural voices speak English, where it varies: the offline recogniser's (pocketsphinx) word error rate,
#: the mean over bench/voices.py's two passages (67 and 61 words; one passage alone moves by about 0.05), measured
#: by `python bench/voices.py --engine kokoro --voices ID,ID,...` (the pip-shipped pack's Japanese voices, and
#: blends of them) on 2026-11-28. Clearer voices cost less, so they go to the narrator and the main characters;
#: those keep to MAIN_WER_CEILING while distinct enough ones last (below). A voice not listed counts as
#: UNLISTED_WER; an unlisted blend as its parents' weighted mean. The blends listed are offered by casting
#: (voices/measure.py) besides the pair blends: a little of jm_kumo makes every female voice clearer.
CLARITY: dict[str, float] = {
    "jm_kumo": 0.26, "jf_gongitsune": 0.50, "jf_nezumi": 0.61, "jf_tebukuro": 0.74, "jf_alpha": 0.82,
    # female-leaning (median F0 175-204 Hz)
    "jf_gongitsune:0.4+jf_nezumi:0.4+jm_kumo:0.2": 0.35, "jf_gongitsune:0.8+jm_kumo:0.2": 0.36,
    "jf_nezumi:0.7+jm_kumo:0.3": 0.36, "jf_nezumi:0.8+jm_kumo:0.2": 0.38, "jf_gongitsune:0.7+jm_kumo:0.3": 0.385,
    "jf_gongitsune:0.6+jf_nezumi:0.2+jm_kumo:0.2": 0.395, "jf_tebukuro:0.7+jm_kumo:0.3": 0.404,
    "jf_gongitsune:0.9+jm_kumo:0.1": 0.42, "jf_alpha:0.7+jm_kumo:0.3": 0.44, "jf_gongitsune:0.7+jf_nezumi:0.3": 0.49,
    "jf_gongitsune:0.7+jf_alpha:0.3": 0.49, "jf_gongitsune:0.7+jf_tebukuro:0.3": 0.53,
    "jf_tebukuro:0.8+jm_kumo:0.2": 0.54, "jf_gongitsune:0.5+jf_nezumi:0.5": 0.57,
    "jf_gongitsune:0.5+jf_tebukuro:0.5": 0.58,
    # male-leaning (126-146 Hz)
    "jm_kumo:0.7+jf_alpha:0.3": 0.27, "jm_kumo:0.7+jf_nezumi:0.3": 0.28, "jm_kumo:0.7+jf_gongitsune:0.3": 0.34,
    "jm_kumo:0.7+jf_tebukuro:0.3": 0.35,
}
UNLISTED_WER = 0.35
CLARITY_WEIGHT = 3.0  # casting cost per unit of word error rate (0.4 more WER outweighs a 'noticeable' distance)
#: The narrator and the main characters on a neural engine get a voice at or below this word error rate
#: (CLARITY) when one is at least MAIN_DISTINCT from every voice cast so far; else the best of all of them.
MAIN_WER_CEILING = 0.40
MAIN_DISTINCT = 2.0  # casting distance: two different voices measure 4-8, one voice at another speed at most 1.2

@dataclass(frozen=True)
class Features:
    """Where a voice sits in the space the caster measures distance in."""

    semitones: float  # F0 relative to 100 Hz
    brightness: float  # log2 of the spectral centroid
    accent: str
    variant: str
    rate: int
    engine: str
    timbre: tuple[float, ...] = ()  # measured mean mel-cepstrum (neural voices; espeak's are in `brightness`)
    noise: float = NOISE_DEFAULT  # piper's noise_scale


@dataclass(frozen=True)
class Neural:
    """A measured neural voice: its id, the gender it suits (None: either), median F0 (Hz) and timbre."""

    id: str
    gender: Gender | None
    f0: float
    timbre: tuple[float, ...]


def profile(voice: Voice) -> Profile:
    """The measured profile of an espeak voice id (the plain voice's for unknown variants)."""
    _, _, variant = voice.voice.partition("+")
    return _BY_VARIANT.get(variant.casefold(), _BASE if not variant else Profile(variant, None, "adult", 100, 1400))


def features(voice: Voice, measured: Mapping[str, Neural] | None = None) -> Features:
    """A voice's predicted pitch, timbre, accent, variant and rate (neural voices: as `measured` by id)."""
    if voice.engine != "espeak":
        noise = voice.noise_scale if voice.noise_scale is not None else NOISE_DEFAULT
        model = voice.voice.partition("#")[0]
        known = (measured or {}).get(voice.voice)
        if known is None or known.f0 <= 0:  # not measured: the model id stands for accent and timbre
            return Features(0.0, math.log2(1400), model, voice.voice, voice.rate, voice.engine, noise=noise)
        return Features(12 * math.log2(known.f0 / 100), math.log2(1400), model, voice.voice, voice.rate,
                        voice.engine, known.timbre, noise)
    p = profile(voice)
    accent, _, variant = voice.voice.partition("+")
    semis = 12 * math.log2(p.f0 / 100) + SEMITONES_PER_PITCH * (voice.pitch - 50)
    return Features(semis, math.log2(p.brightness), accent, variant.casefold(), voice.rate, voice.engine)


def distance(a: Voice | Features, b: Voice | Features) -> float:
    """How different two voices sound (0 = the same); about 1 is 'noticeably', 3 is 'clearly'.

    Pitch counts most (2.5 semitones per unit, saturating at an octave), then variant, timbre,
    accent, rate. Weights chosen so that one changed property alone never looks 'clearly' distinct.
    """
    fa = a if isinstance(a, Features) else features(a)
    fb = b if isinstance(b, Features) else features(b)
    d = min(abs(fa.semitones - fb.semitones), 12.0) / 2.5
    d += 0.7 * (fa.variant != fb.variant) + 0.8 * (fa.accent != fb.accent) + 0.8 * (fa.engine != fb.engine)
    d += 4.0 * abs(fa.brightness - fb.brightness) + abs(fa.rate - fb.rate) / 25
    d += NOISE_WEIGHT * abs(fa.noise - fb.noise)
    if fa.timbre and fb.timbre:
        d += min(math.dist(fa.timbre, fb.timbre), TIMBRE_CAP) / TIMBRE_PER_UNIT
    return d


#: Beyond this, more distance buys nothing and the clearer, more natural candidate wins.
ENOUGH = 4.0


@dataclass(frozen=True)
class Candidate:
    """A voice the caster may give, with how much it costs in clarity/naturalness for a main character."""

    voice: Voice
    cost: float
    features: Features
    wer: float = 0.0  # the voice's word error rate (CLARITY; 0.0 for espeak, whose casting ignores it)


def _espeak_candidates(gender: Gender | None, age: Age, main: bool, available: set[str] | None) -> list[Candidate]:
    genders = (gender,) if gender else ("male", "female")
    ages: tuple[Age, ...] = (age, "adult") if age != "adult" else ("adult",)
    pitches = PITCHES[age][:3] if main else PITCHES[age]
    out = []
    for gi, g in enumerate(genders):
        for ai, a in enumerate(ages):
            profiles = [p for p in PROFILES if p.gender == g and p.age == a]
            for vi, prof in enumerate(profiles):
                for ci, accent in enumerate(ACCENTS):
                    vid = f"{accent}+{prof.variant}"
                    if available is not None and vid.casefold() not in available:
                        continue
                    for pi, pitch in enumerate(pitches):
                        for ri, rate in enumerate(RATES[age]):
                            # The age's own voices first, then adult ones pitched for the age.
                            cost = 0.08 * vi + 0.12 * ci + 0.15 * pi + 0.1 * ri + 0.6 * ai + 0.05 * gi
                            voice = Voice(vid, rate=rate, pitch=pitch, engine="espeak")
                            out.append(Candidate(voice, cost, features(voice)))
    return out


def blend_parts(voice_id: str) -> list[tuple[str, float]]:
    """`a:0.7+b:0.3` as [(a, 0.7), (b, 0.3)] (a name without a weight weighs 1); [] for one voice or bad weights."""
    parts = [p.partition(":") for p in voice_id.split("+")]
    if len(parts) < 2:
        return []
    try:
        return [(name, float(w) if w else 1.0) for name, _, w in parts]
    except ValueError:
        return []


def clarity(voice_id: str) -> float:
    """The voice's word error rate from CLARITY; an unlisted blend (`a:0.7+b:0.3`) its parents' weighted mean.

    Measured blends are often clearer than both parents (jm_kumo:0.7+jf_alpha:0.3 0.25 against 0.26 and 0.8):
    the mean is a cautious guess.
    """
    if voice_id in CLARITY:
        return CLARITY[voice_id]
    weights = blend_parts(voice_id)
    if not weights:
        return UNLISTED_WER
    total = sum(w for _, w in weights) or 1.0
    return sum(w * CLARITY.get(name, UNLISTED_WER) for name, w in weights) / total


def _model_candidates(engine: str, ids: Sequence[str], gender: Gender | None, main: bool,
                      measured: Mapping[str, Neural]) -> list[Candidate]:
    """Every voice of the gender (all of them when none suits it) at each speed (and piper noise_scale).

    Main characters get the three most natural speeds only (as espeak's get the most natural pitches).
    """
    suits = [v for v in ids if gender is None or measured.get(v) is None or measured[v].gender in (None, gender)]
    out = []
    for vi, vid in enumerate(suits or ids):
        unclear = CLARITY_WEIGHT * clarity(vid)
        for ri, rate in enumerate(MODEL_RATES[:3] if main else MODEL_RATES):
            for ni, noise in enumerate(NOISES if engine == "piper" else (None,)):
                voice = Voice(vid, rate=rate, pitch=50, engine=engine, noise_scale=noise)
                cost = 0.05 * vi + 0.02 * ri + 0.03 * ni + unclear
                out.append(Candidate(voice, cost, features(voice, measured), clarity(vid)))
    return out


class _Pool:
    """Candidates for one kind of speaker, each with its distance to the nearest voice cast so far.

    Updated incrementally as voices are cast, so casting n speakers costs O(n × candidates)
    rather than O(n² × candidates): a novel's hundred walk-on parts cast in well under a second.
    The distances to one cast voice are computed for all candidates at once (numpy, the same
    arithmetic as `distance`), so even a voices.yaml of thousands of characters is read in a second.
    """

    def __init__(self, candidates: Sequence[Candidate]) -> None:
        self.candidates = candidates
        self.nearest = np.full(len(candidates), math.inf)
        self.seen = 0  # how many of the cast voices `nearest` accounts for
        feats = [c.features for c in candidates]
        self._semitones = np.array([f.semitones for f in feats], dtype=float)
        self._brightness = np.array([f.brightness for f in feats], dtype=float)
        self._rate = np.array([f.rate for f in feats], dtype=float)
        self._noise = np.array([f.noise for f in feats], dtype=float)
        width = max((len(f.timbre) for f in feats), default=0)
        self._timbre = np.array([f.timbre if len(f.timbre) == width else (0.0,) * width for f in feats], dtype=float)
        self._has_timbre = np.array([bool(f.timbre) for f in feats])
        self._codes: dict[str, dict[str, int]] = {}
        self._labels = {name: self._encode(name, [getattr(f, name) for f in feats])
                        for name in ("variant", "accent", "engine")}

    def _encode(self, name: str, values: Sequence[str]) -> Any:
        codes = self._codes.setdefault(name, {})
        return np.array([codes.setdefault(v, len(codes)) for v in values], dtype=np.int64)

    def _differs(self, name: str, value: str) -> Any:
        return self._labels[name] != self._codes[name].get(value, -1)

    def catch_up(self, cast: Sequence[Features]) -> None:
        for f in dict.fromkeys(cast[self.seen:]):  # a voice cast twice moves nothing the second time
            d = np.minimum(np.abs(self._semitones - f.semitones), 12.0) / 2.5
            d = d + (0.7 * self._differs("variant", f.variant) + 0.8 * self._differs("accent", f.accent)
                     + 0.8 * self._differs("engine", f.engine))
            d = d + (4.0 * np.abs(self._brightness - f.brightness) + np.abs(self._rate - f.rate) / 25)
            d = d + NOISE_WEIGHT * np.abs(self._noise - f.noise)
            if f.timbre and self._timbre.shape[1] == len(f.timbre):
                far = np.linalg.norm(self._timbre - np.array(f.timbre), axis=1)
                d = d + np.where(self._has_timbre, np.minimum(far, TIMBRE_CAP) / TIMBRE_PER_UNIT, 0.0)
            self.nearest = np.minimum(self.nearest, d)
        self.seen = len(cast)

    def best(self, weight: float, ceiling: float | None = None) -> tuple[Voice, float] | None:
        """The candidate farthest from every cast voice (up to ENOUGH), cheapest on ties, first on exact ties,
        with its distance to the nearest cast voice; only those at most `ceiling` WER (None: when none is)."""
        best: tuple[Voice, float] | None = None
        best_score = -math.inf
        for c, nearest in zip(self.candidates, self.nearest.tolist()):
            if ceiling is not None and c.wer > ceiling:
                continue
            near = ENOUGH if nearest == math.inf else nearest
            score = min(near, ENOUGH) - weight * c.cost - (100 if near < 1e-9 else 0)  # never a duplicate
            if score > best_score + 1e-9:
                best, best_score = (c.voice, near), score
        return best


def pick(candidates: Sequence[Candidate], taken: Sequence[Voice], weight: float) -> Voice:
    """The candidate farthest from every taken voice (up to ENOUGH), cheapest on ties; first on exact ties."""
    pool = _Pool(candidates)
    pool.catch_up([features(t) for t in taken])
    found = pool.best(weight)
    assert found is not None, "pick() needs candidates"
    return found[0]


def cast_voices(taken: Sequence[Voice], characters: Sequence[Character], *, engine: str = "espeak",
                ages: Mapping[str, str] | None = None, available: Sequence[str] | None = None,
                measured: Sequence[Neural] = (), main: int = MAIN_CHARACTERS) -> dict[str, Voice]:
    """Voices for `characters`, each as far as possible from `taken` and from each other.

    Deterministic: speakers are cast most lines first (words, then name, break ties); the main
    characters weigh clarity and a natural pitch more, so they get the clearest voices.
    `available` lists the engine's voice ids (espeak: to drop variants a build lacks; others: required).
    `measured`: the neural voices' measurements (voices/measure.py), by id; taken neural voices too.
    `main`: how many of the first speakers count as main characters (clearest voices, natural pitch and speed).
    """
    ages = ages or {}
    by_id = {m.id: m for m in measured}
    order = sorted((c for c in characters if c.name != NARRATOR), key=lambda c: (-c.lines, -c.words, c.name))
    cast = [features(t, by_id) for t in taken]
    avail = {v.casefold() for v in available} if available is not None else None
    pools: dict[tuple[Gender | None, Age, bool], _Pool] = {}
    out: dict[str, Voice] = {}
    for rank, character in enumerate(order):
        is_main = rank < main
        age: Age = ages.get(character.name, "adult") if ages.get(character.name) in ("young", "old") else "adult"  # type: ignore[assignment]
        key = (character.gender, age, is_main)
        if key not in pools:
            pools[key] = _Pool(_espeak_candidates(character.gender, age, is_main, avail) if engine == "espeak"
                               else _model_candidates(engine, list(available or ()), character.gender, is_main, by_id))
        pool = pools[key]
        if not pool.candidates:
            continue
        pool.catch_up(cast)
        voice = _clear_main(pool) if is_main and engine != "espeak" else None
        if voice is None:
            found = pool.best(1.0 if is_main else 0.4)
            assert found is not None  # the pool has candidates
            voice = found[0]
        out[character.name] = voice
        cast.append(features(voice, by_id))
    return out


def _clear_main(pool: _Pool) -> Voice | None:
    """A main character's neural voice within MAIN_WER_CEILING and MAIN_DISTINCT of the rest, if there is one."""
    found = pool.best(1.0, ceiling=MAIN_WER_CEILING)
    return found[0] if found is not None and found[1] >= MAIN_DISTINCT else None


# --- age cues from the text --------------------------------------------------------------------

_YOUNG_WORDS = r"boy|girl|kid|child|lad|lass|youngster|toddler|little\s+one"
_OLD_WORDS = (r"old\s+(?:man|woman|lady|fellow|gentleman)|grandmother|grandfather|grandma|grandpa|granny|gran"
              r"|gramps|elderly\s+(?:man|woman|lady)|crone|old-timer")
_FEMALE_CUE = re.compile(r"girl|lass|woman|lady|grandmother|grandma|granny|gran|crone", re.IGNORECASE)
_MALE_CUE = re.compile(r"boy|lad|man|fellow|gentleman|grandfather|grandpa|gramps", re.IGNORECASE)
_YOUNG_ADJ = r"(?:little|young|small|wee|tiny)"
# A definite description ("the little boy", "the old woman") that can stand for a character.
_DESCRIPTION = re.compile(
    rf"\b(?:the|that|this)\s+(?:(?P<adj>{_YOUNG_ADJ})\s+)?(?P<noun>{_OLD_WORDS}|{_YOUNG_WORDS})\b", re.IGNORECASE
)
_SPEECH_AFTER = re.compile(rf"^\W*(?:\w+ly\s+)?{VERB}", re.IGNORECASE)
_SPEECH_BEFORE = re.compile(rf"{VERB}\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_NAME_AGE = re.compile(r"^(?:(?P<old>grandpa|grandma|granny|gran|grandfather|grandmother|old)"
                       r"|(?P<young>little|young|baby|lil))\b", re.IGNORECASE)


def _cue_age(noun: str, adj: str | None) -> Age:
    return "old" if re.fullmatch(_OLD_WORDS, noun, re.IGNORECASE) else "young"


def _compatible(noun: str, gender: Gender | None) -> bool:
    if gender is None:
        return True
    if _FEMALE_CUE.fullmatch(noun.split()[-1]):
        return gender == "female"
    if _MALE_CUE.fullmatch(noun.split()[-1]):
        return gender == "male"
    return True


def infer_ages(chapters: Sequence[Chapter], characters: Sequence[Character] = ()) -> dict[str, str]:
    """'young' or 'old' for speakers the text describes so ("said the little boy"), from narration.

    A description counts for a speaker when it sits right beside their name ("little Tom", "Tom,
    the boy"), when it is the speech tag of their line ("said the old woman", "the kid asked"),
    or when it is the subject of a speech verb in the paragraph after their line ("But the little
    boy said..."). A description elsewhere ("she looked at the boy") says nothing about who speaks.
    Speakers named by a description ("the old gentleman") or an age word ("Grandpa Joe") count too.
    Measured on the attribution dev set (15 chapters): 7 cues found, all plausible. Adults: no entry.
    """
    genders = {c.name: c.gender for c in characters}
    for chapter in chapters:
        for c in chapter.characters:
            genders.setdefault(c.name, c.gender)
    votes = _AgeVotes(genders)
    votes.names()
    beside = {name: (re.compile(rf"\b{_YOUNG_ADJ}\s+{re.escape(name)}\b", re.IGNORECASE),
                     re.compile(rf"\bold\s+{re.escape(name)}\b", re.IGNORECASE)) for name in genders}
    for chapter in chapters:
        votes.beside(chapter, beside)
        votes.tags(chapter)
    return votes.decided()


class _AgeVotes:
    """Votes for 'young'/'old' by speaker, from each kind of cue `infer_ages` reads."""

    def __init__(self, genders: Mapping[str, Gender | None]) -> None:
        self.genders = genders
        self.votes: dict[str, dict[str, int]] = {}

    def add(self, name: str, age: str, n: int = 1) -> None:
        self.votes.setdefault(name, {}).setdefault(age, 0)
        self.votes[name][age] += n

    def names(self) -> None:
        """Speakers named by a description ("the old gentleman") or an age word ("Grandpa Joe")."""
        for name in self.genders:
            described = _DESCRIPTION.fullmatch(name.strip())
            if described:  # attribution names an unnamed speaker by description: "the old gentleman"
                self.votes.setdefault(name, {})[_cue_age(described.group("noun"), None)] = 3
            m = _NAME_AGE.match(name)
            if m and " " in name.strip():
                self.add(name, "old" if m.group("old") else "young", 3)

    def beside(self, chapter: Chapter, beside: Mapping[str, tuple[re.Pattern[str], re.Pattern[str]]]) -> None:
        """"little Tom", "old Ben" in the chapter's narration."""
        narration = [seg.text for seg in chapter.segments if seg.kind == "narration"]
        for name, (young, old) in beside.items():
            for text in narration:
                self.add(name, "young", len(young.findall(text)))
                self.add(name, "old", len(old.findall(text)))

    def tags(self, chapter: Chapter) -> None:
        """Descriptions beside a name, or in the speech tag of a line ("said the old man")."""
        segs = chapter.segments
        by_para: dict[int, list[str]] = {}
        for seg in segs:
            if seg.kind == "dialogue" and seg.speaker:
                by_para.setdefault(seg.paragraph, []).append(seg.speaker)
        for i, seg in enumerate(segs):
            if seg.kind != "narration":
                continue
            for m in _DESCRIPTION.finditer(seg.text):
                noun = " ".join(m.group("noun").split())
                speaker = _named_beside(seg.text, m, self.genders) or _tagged_speaker(segs, i, m, by_para)
                if speaker and _compatible(noun, self.genders.get(speaker)):
                    self.add(speaker, _cue_age(noun, m.group("adj")))

    def decided(self) -> dict[str, str]:
        """Each speaker's age where one kind of cue outvotes the other."""
        out = {}
        for name, v in self.votes.items():
            best = max(sorted(v), key=lambda a: v[a])
            if v[best] and v[best] > sum(v.values()) - v[best]:
                out[name] = best
        return out


def _tagged_speaker(segs: Sequence[Segment], i: int, m: re.Match[str], by_para: Mapping[int, list[str]]) -> str | None:
    """Who a description in a speech tag stands for: the speaker of the line the tag belongs to."""
    seg = segs[i]
    if not (_SPEECH_AFTER.match(seg.text[m.end():]) or _SPEECH_BEFORE.search(seg.text[:m.start()])):
        return None  # a description elsewhere ("she looked at the boy") says nothing about who speaks
    line = next((s for s in (segs[i - 1] if i else None, segs[i + 1] if i + 1 < len(segs) else None)
                 if s is not None and s.kind == "dialogue" and s.speaker and s.paragraph == seg.paragraph), None)
    if line is not None:
        return line.speaker
    if seg.paragraph not in by_para and seg.paragraph - 1 in by_para:
        return by_para[seg.paragraph - 1][-1]  # "But the little boy said..." in the next paragraph
    return None


def _named_beside(text: str, m: re.Match[str], genders: Mapping[str, Gender | None]) -> str | None:
    """A character named right beside a description: 'Tom, the little boy' or 'the little boy, Tom'."""
    before = text[max(0, m.start() - 40):m.start()]
    after = text[m.end():m.end() + 40]
    for name in sorted(genders, key=len, reverse=True):
        n = re.escape(name)
        if re.search(rf"\b{n}\s*,\s*$", before) or re.match(rf"^\s*,?\s*{n}\b", after):
            return name
    return None


__all__ = ["Neural", "blend_parts", "clarity", "CLARITY", "Profile", "PROFILES", "ACCENTS", "features", "distance",
           "cast_voices", "infer_ages", "profile", "pick"]
