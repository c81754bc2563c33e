"""The cast model of a chapter or book: entities, their name forms, mentions, gender votes, merges."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..model import NARRATOR, Character, Gender
from . import params
from .firstnames import SHORT_FORMS, first_name_gender, same_given_name
from .idiolect import Speech
from .names import HONORIFIC_SUFFIX, LETTER, LETTER_APOS_HYPHEN, NAME_WORD, WordCounts, one_letter_apart
from .speechverbs import PRESENT_ACTIONS

#: Titles before a name, with the gender they suggest (None: either).
HONORIFICS: dict[str, Gender | None] = {
    "mr": "male", "mister": "male", "sir": "male", "lord": "male", "master": "male", "monsieur": "male",
    "herr": "male", "senor": "male", "señor": "male", "signor": "male", "don": "male", "king": "male",
    "prince": "male", "duke": "male", "count": "male", "baron": "male", "father": "male", "uncle": "male",
    "brother": "male", "mrs": "female", "miss": "female", "ms": "female", "lady": "female",
    "madam": "female", "madame": "female", "mme": "female", "mlle": "female", "mademoiselle": "female",
    "frau": "female", "fraulein": "female", "senora": "female", "señora": "female", "queen": "female",
    "princess": "female", "duchess": "female", "countess": "female", "baroness": "female",
    "mother": "female", "aunt": "female", "sister": "female", "dame": "female", "mistress": "female",
    "dr": "male" if False else None, "doctor": None, "professor": None, "prof": None, "captain": None,
    "capt": None, "colonel": None, "col": None, "major": None, "general": None, "gen": None,
    "lieutenant": None, "lt": None, "sergeant": None, "sgt": None, "inspector": None,
    "superintendent": None, "constable": None, "officer": None, "detective": None, "rev": None,
    "reverend": None, "saint": None, "st": None, "judge": None, "nurse": None, "agent": None,
    "admiral": None, "commodore": None, "marquis": "male", "comrade": None, "president": None,
    "viscount": "male", "viscountess": "female", "earl": "male", "marchioness": "female", "baronet": "male",
    "sheriff": None, "chief": None, "commander": None, "corporal": None, "private": None,
}
#: Courtesy titles: "Miss Odile" is not how the book names Odile, "Inspector Garrow" is.
_COURTESY = {"mr", "mrs", "miss", "ms", "mister", "master", "madam", "madame", "mademoiselle", "mme", "mlle",
             "monsieur", "herr", "frau", "fraulein", "senor", "señor", "senora", "señora", "signor", "don"}
#: Titles of married women: "Mrs. X" is not the "Anne X" of the same family.
_MARRIED = {"mrs", "lady", "madame", "mme", "frau", "senora", "señora"}
#: Titles of unmarried women: never a wife called by her husband's name.
_UNMARRIED = {"miss", "mademoiselle", "mlle", "fraulein"}
_MOSTLY_MALE_TITLES = {"captain", "capt", "colonel", "col", "admiral", "general", "gen", "major", "lieutenant", "lt",
                       "sergeant", "sgt", "corporal", "commodore", "commander", "rev", "reverend"}
#: A plain gentleman's title, and the titles of knights and lords, which are never the same man's.
_PLAIN = {"mr", "mister"}
_KNIGHTED = {"sir", "lord"}
_ABBREV = {"mr", "mrs", "ms", "dr", "st", "mme", "mlle", "prof", "rev", "capt", "col", "gen", "lt", "sgt"}

#: Capitalised words that are not names even in the middle of a sentence or after a quote.
STOP = frozenset(
    """I I'm I'll I'd I've A An The He She It They We You His Her Hers Its Their Our My Your Him Them Me Us
    This That These Those There Then Than When What Where Why How Who Whom Whose Which While Whilst But
    And Or Nor If So Yes No Not Oh Ah Aye Nay Well Now Only Just Even Still Yet All Some Any Each Every
    Both Either Neither As At By For From In Into Of On Onto To With Without After Before Since Until
    Till Upon About Above Below Under Over Through During Against Among Between Behind Beyond Near
    Chapter Book Part Volume Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April May June July August September October November December God Heaven Heavens Hell
    Christmas Easter English French German Latin Christian OK Okay Ok Alas Hush Hullo Hello Hallo Hey
    Hi Dear Good Goodness Gracious Lord Lady Sir Madam Ma'am Mister Miss Mrs Mr Dr Ms Do Does Did Don't
    Is Are Was Were Be Been Am Will Would Shall Should Can Could May Might Must Have Has Had Let Here
    Perhaps Indeed However Although Though Because Whether Once Twice Never Always Often Sometimes
    Again Also Besides Meanwhile Nevertheless Therefore Thus Hence Otherwise Instead Anyway Certainly
    Surely Really Very Quite Rather Too Much Many More Most Less Least Few Several Such Other Another
    Same One Two Three Four Five Six Seven Eight Nine Ten First Second Third Last Next Mine Yours Ours
    Theirs Nothing Something Anything Everything Nobody Somebody Anybody Everybody Nowhere Somewhere
    Everywhere Anyone Someone Everyone Thank Thanks Please Sorry Come Go Look See Listen Wait Stop
    Why Whoever Whatever Wherever However Whenever Sure Fine Right Wrong True False Mamma Papa Mama
    Pa Ma Mum Mom Dad Daddy Mummy Ah Eh Ha Ho Um Hm Hmm Ugh Bah Pooh Pshaw Nonsense Bless Mercy
    Good-bye Goodbye Good-night Alright Anyhow Somehow Presently Suddenly Slowly Quickly Finally
    Gently Softly Quietly Cautiously Peacefully Obviously Someday Contraptions A/N Summary Note Notes
    Mrs. Mr. Dr. Ms. St. Darling Dearest Sweetheart Sweetie Dearie Mumsy Later Soon Today Tonight Tomorrow
    Yesterday Afterwards Afterward Eventually Hitherto Lately Earlier Maybe Away Overhead Upstairs Downstairs
    Outside Inside Abroad Ahead Aloud To-day To-night To-morrow Majesty Highness Excellency Lordship Ladyship
    Eminence Holiness Sire Milord Milady""".split()
)

#: Capitalised words that may still be a name when a speech tag says so ("said Sunday").
SOFT_STOP = frozenset("""Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
June July August September October November December God Heaven Christmas Easter Lord Lady Sir Madam Mister
Miss Mrs Mr Dr Ms Mamma Papa Mama Pa Ma Mum Mom Dad Daddy Mummy Dear Darling Dearest""".split())
HARD_STOP = STOP - SOFT_STOP
#: Nationality nouns: "said the Englishman" describes someone, it does not name him.
DEMONYMS = frozenset("""englishman englishwoman frenchman frenchwoman irishman irishwoman scotsman scotswoman
scotchman welshman welshwoman dutchman dutchwoman chinaman cornishman norseman american italian german russian
spaniard indian turk greek swede dane norwegian pole austrian prussian hungarian portuguese chinese japanese
egyptian arab persian belgian swiss mexican canadian australian scot briton african european asian
englishmen frenchmen irishmen scotsmen dutchmen""".split())

#: Number words a book may give as names ("said Nine", "Eleven called out"): names when a speech tag says so.
NUMBER_NAMES = frozenset("Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve".split())
#: Stop words never a surname even after a title (pronouns, determiners, joining words): "Mr Last" is a name,
#: "Mr. And" is not.
_NEVER_SURNAME = frozenset("""I He She It They We You His Her Its Their Our My Your Him Them Me Us The A An This
That These Those There Then Than When What Where Why How Who Whom Whose Which While But And Or Nor If So Yes No
Not Oh Ah As At By For From In Into Of On Onto To With Is Are Was Were Be Been Am Do Does Did Had Has Have""".split())


def tag_name_ok(hon: str | None, names: Sequence[str]) -> bool:
    """Whether the words of a name in a speech tag are a name: no stop word, but for a surname after a title
    ("said Mr Last") and a number a book names someone by ("said Nine")."""
    return bool(names) and all(n not in HARD_STOP or n in NUMBER_NAMES or (hon is not None and n not in _NEVER_SURNAME)
                               for n in names)

# "he", "she" as words: written with their first letter ahead of the look-behind that stands for the word's
# opening boundary (no word character before it), so the engine scans for that letter instead of trying the
# pattern at every character
_HE = re.compile(r"[Hh](?<!\w[Hh])e\b")
_SHE = re.compile(r"[Ss](?<!\w[Ss])he\b")
#: (The stop first, its look-behinds one character wider after it: searched for by the stop alone.)
_SENTENCE_END = re.compile(r"[.!?;](?<!\bMr.)(?<!\bMrs.)(?<!\bMs.)(?<!\bDr.)(?<!\bSt.)(?:[\"'\u201d\u2019]?\s+|$)")
_SUBJECT_VERB = re.compile(
    rf"(?:-{HONORIFIC_SUFFIX})?(?:,[^,]{{1,40}},)?\s+(?:[a-z]+ly\s+)?(?:[a-z]{{2,}}ed|was|had|put|sat|stood|took|came|"
    rf"went|felt|knew|saw|thought|said|told|spoke|began|ran|gave|got|made|held|shook|threw|let|left|kept|found|heard|"
    rf"smiled|{'|'.join(PRESENT_ACTIONS)})\b"
    r"|['\u2019]s\s")

_SUBJ_PRON = re.compile(r"(?<!that )(?<!which )(?<!whom )(?<!than )\b(he|she|himself|herself)\b", re.I)
# The same over lower-case ASCII text, written to open with the pronoun's first letter (its word boundary and the
# four words it may not follow as look-behinds one letter wider), so the engine scans for "h" and "s" instead of
# trying four case-blind look-behinds at every character (`characters._subject_pronouns` picks the form).
_NOT_AFTER = r"(?<!\w{0})(?<!that {0})(?<!which {0})(?<!whom {0})(?<!than {0})"
_SUBJ_PRON_ASCII = re.compile(rf"(h{_NOT_AFTER.format('h')}(?:e|imself|erself)|s{_NOT_AFTER.format('s')}he)\b")
# "Mara thought he looked younger": a pronoun opening a clause reported by a verb of thought or speech is
# someone else, not the subject named before it
_COMPLEMENT = re.compile(r"\b(?:thought|knew|felt|saw|said|believed|hoped|wished|noticed|realised|realized|"
                         r"wondered|supposed|guessed|found|feared|suspected|fancied|heard|told|asked)\s+(?:that\s+)?$",
                         re.I)
_PRONOUN_GENDER: dict[str, Gender] = {"he": "male", "him": "male", "his": "male", "himself": "male",
                                      "she": "female", "her": "female", "hers": "female", "herself": "female"}
# verbs of gesture and expression only people (and personified creatures) perform
_GESTURE_VERB = re.compile(rf"(?:-{HONORIFIC_SUFFIX})?(?:,[^,]{{0,25}},)?\s+(?:[a-z]+ly\s+)?(?:"
                           r"(?:shrug|nod|smile|grin|laugh|sigh|frown|wince|blush|giggle|chuckle|sob|smirk|scowl|gasp|"
                           r"whisper|huff|snort|pout|wink)(?:s|es|ged|ded|ned|bed|d|ed)?|wept|weeps|"
                           r"(?:shook|shakes|rolled|rolls|crossed|crosses)\s+(?:his|her)\s+(?:head|eyes|arms)|"
                           r"(?:raised|raises)\s+(?:his|her)\s+eyebrows)\b")  # past or present: "Souta shrugs"
#: Nouns that end the names of places and buildings (general English).
_PLACE_NOUNS = frozenset("""street road lane square place park hall house cottage court castle abbey church
chapel college school hill hills cross end gables manor farm lodge mill bridge gate gardens terrace row inn
hotel station river ocean sea lake valley wood woods forest island bay avenue crescent embankment palace
tower museum market common green heath moor""".split())
#: Words before a common noun, never before a name: "the Magistrate", "an Englishman", "this England".
DETERMINERS = frozenset("the a an this that these those every each no some any another".split())
_PLACE_PREP = frozenset("in at into near towards toward through across via outside inside".split())

_HON_ALT = "|".join(sorted((re.escape(h.capitalize()) for h in HONORIFICS), key=len, reverse=True))
_WORD = NAME_WORD
#: A courtesy title inside a capitalised run starts another name: "This is Mr. Hollis Miss Lacey."
MID_TITLE = r"(?!(?:Mr|Mrs|Miss|Ms|Dr|Mister|Madame|Monsieur|Sir|Lady|Lord)\b)"
#: An optional title, then one to three capitalised words.
NAME_RE = re.compile(
    rf"(?<!{LETTER_APOS_HYPHEN})(?:(?P<hon>{_HON_ALT})\.?\s+)?(?P<name>{_WORD}(?:(?:[ \t]+\n?[ \t]*|"
    rf"\n[ \t]*){MID_TITLE}{_WORD}){{0,2}})"
    rf"(?!{LETTER})"
)


def split_name(form: str) -> tuple[str | None, list[str]]:
    """Split "Mr. Lorcan Fenwick" into ("mr", ["Lorcan", "Fenwick"])."""
    hon, names = _split_name(form)
    return hon, list(names)


@functools.lru_cache(maxsize=1 << 16)
def _split_name(form: str) -> tuple[str | None, tuple[str, ...]]:
    """`split_name`, remembered: the cast asks about the same few hundred forms again and again."""
    toks = form.replace(".", ". ").split()
    hon = None
    if toks and toks[0].rstrip(".").lower() in HONORIFICS and len(toks) > 1:
        hon = toks[0].rstrip(".").lower()
        toks = toks[1:]
    return hon, tuple(t.rstrip(".") for t in toks if t.rstrip("."))


def normal_form(hon: str | None, names: Sequence[str]) -> str:
    """The printable name: title with its full stop ("Mr."), then the names."""
    if hon:
        title = hon.capitalize() + ("." if hon in _ABBREV else "")
        return " ".join([title, *names])
    return " ".join(names)


class Votes(dict[str, float]):
    """Weighted gender votes ("male"/"female"); a gender nobody voted for reads 0."""

    def __missing__(self, key: str) -> float:
        return 0.0


def _count(votes: float) -> str:
    """A vote count as the cast sheet shows it: whole when whole, else one decimal (a weak cue counts 0.3)."""
    return f"{votes:.0f}" if votes == int(votes) else f"{votes:.1f}"


@dataclass
class Entity:
    """One character being built: all forms seen, votes for gender, counts."""

    name: str
    hon: str | None
    first: str | None
    last: str | None
    forms: Counter[str] = field(default_factory=Counter)
    votes: Votes = field(default_factory=lambda: Votes())
    known_gender: Gender | None = None
    tagged: int = 0  # times it is the subject of a speech tag
    place: float = 0  # mentions right after "in/at/into..." (places, not people)
    excluded: bool = False
    addressed: int = 0  # times it is called by name inside speech
    fixed_name: str | None = None  # the name given by an earlier chapter, kept as is
    descriptive: bool = False  # known only by a description ("the girl")
    acts: int = 0  # times it is the subject of a gesture only people make ("Souta shrugged")
    thing: bool = False  # a family or a place by its form ("the Ashdowns", "Birchfield Cottage")
    also_called: set[str] = field(default_factory=set)  # descriptions merged into this character
    det: int = 0  # mentions right after "the/a/an/this...": a role or a thing ("the Magistrate", "an Englishman")

    @property
    def mentions(self) -> int:
        return sum(self.forms.values())

    def _gender_scores(self) -> tuple[float, float, float, float, Gender | None]:
        """(male, female) weight, the title's and the first name's part of it, and the first name's gender."""
        # (Counter.get: a Counter's [] calls its Python __missing__ for a gender nobody voted yet)
        he, she = self.votes.get("male", 0), self.votes.get("female", 0)
        m, f = float(he), float(she)
        # titles count a little, capped below one pronoun: "Mr. Higurashi ... she waved" is a woman
        by_title: dict[str, float] = {"male": 0.0, "female": 0.0}
        for form, n in self.forms.items():
            hon = _split_name(form)[0] or ""
            g = HONORIFICS.get(hon)
            if g:
                by_title[g] += n
            elif hon in _MOSTLY_MALE_TITLES:
                by_title["male"] += 0.5 * n  # ranks that were almost always men's in the fiction we read
        title_m, title_f = min(0.9, 0.3 * by_title["male"]), min(0.9, 0.3 * by_title["female"])
        m, f = m + title_m, f + title_f
        # a common given name is a prior that grows with the (noisy) pronoun evidence it has to stand against
        named = first_name_gender(self.first or (self.name if not self.hon and " " not in self.name else ""))
        if named and HONORIFICS.get(self.hon or "") not in (None, named):
            named = None  # "Mrs. John Smith": a wife called by her husband's name
        cp = params.CAST
        prior = cp.first_name_prior + cp.first_name_weight * (he + she)
        if named == "male":
            m += prior
        elif named == "female":
            f += prior
        return m, f, title_m - title_f, prior if named else 0.0, named

    @property
    def gender(self) -> Gender | None:
        """Pronouns used of the character beat what the title suggests (a mother called "Mr. X")."""
        m, f, _, _, _ = self._gender_scores()
        if self.known_gender and not self.votes:
            return self.known_gender
        if m != f and max(m, f) >= 0.3 and (min(m, f) == 0 or max(m, f) >= 1.5 * min(m, f)):
            return "male" if m > f else "female"
        if self.known_gender:
            return self.known_gender
        return HONORIFICS.get(self.hon or "")

    @property
    def gender_evidence(self) -> str:
        """Which evidence decided the gender, for the cast sheet ("title Mrs.", "pronouns he 5, she 1"...)."""
        g = self.gender
        if g is None:
            return ""
        m, f, title, prior, named = self._gender_scores()
        he, she = self.votes["male"], self.votes["female"]
        parts = []
        if (he or she) and (he > she) == (g == "male"):
            parts.append(f"pronouns he {_count(he)}, she {_count(she)}")
        if title and (title > 0) == (g == "male"):
            titles = sorted({split_name(x)[0] or "" for x in self.forms} - {""})
            parts.append("title " + "/".join(t.capitalize() for t in titles))
        if named == g:
            parts.append(f"first name {self.first or self.name}")
        if not parts and self.known_gender:
            parts.append(f"described as {self.name}" if self.descriptive else "earlier chapters")
        return "; ".join(parts)

    @property
    def likely_person(self) -> bool:
        """A character with some evidence of personhood (title, pronouns, speech), not just a capital."""
        named_person = self.given_name and self.place == 0 and not self.excluded and not self.thing
        if self.role_or_place:
            return False
        return (self.is_person or named_person) and bool(
            self.tagged or self.addressed or self.known_gender or (self.hon and self.hon != "st")
            or self.votes.get("male", 0) + self.votes.get("female", 0) or self.given_name or self.acts)

    @property
    def role_or_place(self) -> bool:
        """A capitalised common noun or a place that never speaks: "the Magistrate", "an Englishman", "India"."""
        if self.hon or self.given_name or self.tagged or self.known_gender or self.mentions == 0:
            return False
        if self.addressed and not self.placeish:
            return False
        return self.det * 2 >= self.mentions or self.placeish

    @property
    def placeish(self) -> bool:
        """Named after "in/at/into..." often enough to be a place: "Where to?" - "Carrowmore." calls no one."""
        return not self.hon and not self.given_name and self.mentions > 0 \
            and self.place * params.CAST.place_share >= self.mentions

    @property
    def given_name(self) -> bool:
        """Whether the character bears a common given name (a person, whatever else the text says)."""
        return first_name_gender(self.first or (self.name if not self.hon and " " not in self.name else "")) is not None

    @property
    def is_person(self) -> bool:
        """Whether this looks like a character rather than a place or a thing."""
        if self.excluded or self.thing:
            return False
        if self.tagged or self.known_gender or (self.addressed and not self.placeish):
            return True
        if self.hon and self.hon not in ("st", "saint"):
            return True  # "at Mr. Quill" is a person despite the preposition
        if self.place * 2 >= self.mentions or self.role_or_place:
            return False
        if self.acts:
            return True  # "Souta shrugged": whoever shrugs is somebody
        return bool(self.hon) or self.votes.get("male", 0) + self.votes.get("female", 0) > 0 or self.mentions >= 2


@dataclass(frozen=True)
class Mention:
    """A name in the text: where, which entity, inside speech or not."""

    start: int
    end: int
    entity: int
    in_quote: bool
    subject: bool  # starts a clause (likely the subject of what follows)


#: Titles written two ways ("Doctor Kettering", "Dr. Kettering"), each to one spelling.
_SAME_TITLE = {"doctor": "dr", "dr": "dr", "reverend": "rev", "rev": "rev", "capt": "captain", "captain": "captain",
               "col": "colonel", "colonel": "colonel", "prof": "professor", "professor": "professor",
               "sgt": "sergeant", "sergeant": "sergeant", "lt": "lieutenant", "lieutenant": "lieutenant"}


class Cast:
    """Entities plus a lookup from every form and alias to its entity."""

    def __init__(self, known: Sequence[Character] = (), exclude: Sequence[str] = ()) -> None:
        self.entities: list[Entity] = []
        self.by_form: dict[str, int] = {}
        self.mentions: list[Mention] = []
        self.mid: set[str] = set()
        self.words: WordCounts | None = None  # the book's word counts, for cleaning names
        # role nouns the narration sets beside a name ("Mr. Plumtree, the undertaker"): shared with every
        # chapter's copy, so a role named in chapter 4 still names him in chapter 9; `shared` entities are the book's
        self.roles: dict[str, Counter[int]] = {}
        # the words of the book's people's explicitly tagged lines in the chapters so far (the ranker's idiolect
        # feature): shared with every chapter's copy the same way
        self.speech = Speech()
        self.shared = 1 << 30
        self._exclude = {_key(x) for x in exclude if x.strip()}
        for ch in known:
            if ch.name == NARRATOR:
                continue
            if ch.name[:1].islower():
                # a character known only by a description ("the old gentleman") stays one
                self.descriptive(ch.name, ch.gender)
                continue
            hon, names = split_name(ch.name)
            if not names:
                continue
            idx = self._new(hon, names)
            ent = self.entities[idx]
            ent.known_gender = ch.gender
            ent.fixed_name = ch.name
            ent.tagged = max(1, ch.lines)
            for alias in ch.aliases:
                self.by_form.setdefault(_key(alias), idx)

    def copy(self) -> Cast:
        """A copy a chapter may change (new descriptive characters, tag counts) without touching this one."""
        other = Cast.__new__(Cast)
        other.__dict__.update(self.__dict__)
        other.entities = [replace(e, forms=Counter(e.forms), votes=Votes(e.votes), also_called=set(e.also_called))
                          for e in self.entities]
        other.by_form = dict(self.by_form)
        other.mentions = []
        other.shared = min(self.shared, len(self.entities))
        return other

    def remember(self, speakers: Sequence[Character]) -> None:
        """Count a chapter's speakers as heard: later chapters take them for likely speakers."""
        for ch in speakers:
            idx = self.by_form.get(_key(ch.name))
            if idx is not None and ch.lines:
                self.entities[idx].tagged += ch.lines

    def _new(self, hon: str | None, names: Sequence[str]) -> int:
        form = normal_form(hon, names)
        first = names[0] if len(names) > 1 or not hon else None
        ent = Entity(form, hon, first, names[-1] if len(names) > 1 or hon else None)
        ent.excluded = _key(form) in self._exclude or any(
            _key(" ".join(names)) == x
            or (len(names) > 1 and _key(names[-1]) == x.split()[-1] and _key(names[0]) == x.split()[0])
            for x in self._exclude)
        self.entities.append(ent)
        idx = len(self.entities) - 1
        self.by_form[_key(form)] = idx
        return idx

    def lookup(self, form: str, create: bool = False) -> int | None:
        """The entity for a name as written ("Fenwick", "Mr Fenwick"), merging with existing ones."""
        form = _SUFFIXED.sub("", form)  # "Kagome-chan" is Kagome
        key = _key(form)
        if key in self.by_form:
            return self.by_form[key]
        hon, names = split_name(form)
        if not names:
            return None
        idx = self._match(hon, names)
        if idx is None:
            if not create:
                return None
            idx = self._misspelt(hon, names)
            if idx is None:
                idx = self._new(hon, names)
        self.by_form[key] = idx
        return idx

    def _misspelt(self, hon: str | None, names: Sequence[str]) -> int | None:
        """The one well-known character a rare name one letter off names ("Mr. Holins" for Mr. Hollins)."""
        cp = params.CAST
        last = names[-1]
        if len(last) < cp.typo_len or self.words is None or self.words.runs[run_key(names)] > cp.typo_rare:
            return None
        hits = {i for i, e in enumerate(self.entities) if not e.descriptive and e.mentions >= cp.typo_known
                and (e.hon or None) == hon and any(one_letter_apart(last, w) for w in split_name(e.name)[1][-1:])}
        return hits.pop() if len(hits) == 1 else None

    def _compatible(self, e: Entity, hon: str | None) -> bool:
        """Whether an entity may bear a form with this title (titles agree on gender, wives stay wives)."""
        hg = HONORIFICS.get(hon or "")
        if e.hon and hon and e.hon != hon and "female" in (HONORIFICS.get(e.hon), hg):
            return False  # "Mrs. Bellamy" is not "Admiral Bellamy"
        if {e.hon, hon} & _PLAIN and {e.hon, hon} & _KNIGHTED:
            return False  # "Mr. Pellew" is not "Sir Roland Pellew": a knight or a lord is never plain Mister
        if not hg:
            # "Captain Tregear" is not his dead sister "Greta Tregear": a rank of men's is no woman's
            return not (hon in _MOSTLY_MALE_TITLES and not e.hon and e.first and first_name_gender(e.first) == "female")
        if e.hon and HONORIFICS.get(e.hon) and HONORIFICS.get(e.hon) != hg:
            return False
        if e.first and e.first.lower() in HONORIFICS:
            return False  # "Admiral Bellamy" is not "Mrs. Bellamy"
        if any(HONORIFICS.get(split_name(f)[0] or "") not in (None, hg) for f in e.forms):
            return False  # "Hugo Pell", also written "Mr. Pell", is not "Miss Pell"
        g = e.gender or HONORIFICS.get(e.hon or "")
        if g is None and hg == "female" and e.first and (hon not in _UNMARRIED or first_name_gender(e.first) == "male"):
            # "Mrs. Penhallow" is more often the wife of "Alfred Penhallow" than him; "Miss Trent" (never a
            # wife) is "Hilda Trent", a first name the lexicon does not know as a man's
            return False
        return g is None or g == hg

    def _match(self, hon: str | None, names: Sequence[str]) -> int | None:
        """The existing entity a form names, if exactly one fits (or one is clearly the usual bearer)."""
        if len(names) >= 2:
            cands = self._match_full(hon, names)
        elif hon:
            cands = self._match_titled(hon, names[0])
        elif names[0].lower() in HONORIFICS:
            # "the Professor" in the narration is the character titled so ("Professor Ormsby")
            return self.titled(names[0].lower())
        else:
            cands = self._match_single(names[0])
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        ranked = sorted(cands, key=lambda i: -self.entities[i].mentions)
        top, nxt = self.entities[ranked[0]].mentions, self.entities[ranked[1]].mentions
        return ranked[0] if top >= 2 * max(1, nxt) else None

    def _match_full(self, hon: str | None, names: Sequence[str]) -> list[int]:
        """Candidates for a first and last name ("Tobias Reed", "Mrs. John Smith")."""
        cands = [i for i, e in enumerate(self.entities) if e.first == names[0] and e.last == names[-1]
                 and self._compatible(e, hon)]
        if not hon and len(cands) > 1 and first_name_gender(names[0]) != "female":
            # "Charles Hartley" is Mr. Charles Hartley, not his wife "Mrs. Charles Hartley"
            cands = [i for i in cands if HONORIFICS.get(self.entities[i].hon or "") != "female"] or cands
        if not cands and not hon:
            # "Tobias Reed" where the chapter so far says only "Tobias": the same person, now with a surname
            cands = [i for i, e in enumerate(self.entities) if e.first == names[0] and e.last is None
                     and not e.hon and not e.descriptive]
            if len(cands) == 1:
                self.entities[cands[0]].last = names[-1]
                return cands
            cands = []
        if not cands:
            # titles that disagree on gender are two people: "Mrs. John Smith" is not "Mr. John Smith"
            cands = [i for i, e in enumerate(self.entities) if e.last == names[-1] and e.first == names[0]
                     and not _title_clash(e.hon, hon)]
        if not cands:
            # "Tom Reed" and "Thomas Reed", under the same title (or one of them untitled, unless a wife's:
            # "Bill Rudd" is "Mr. William Rudd")
            # a knight or an officer ("Sir Thomas Reed") is not the "Tom Reed" of his family, a son or nephew
            cands = [i for i, e in enumerate(self.entities) if e.last == names[-1] and e.first
                     and same_given_name(e.first, names[0])
                     and (e.hon == hon or (not (e.hon and hon) and HONORIFICS.get(e.hon or hon or "") != "female"))
                     and not (e.hon and e.hon not in _COURTESY and not hon)]
        return cands

    def _match_titled(self, hon: str, name: str) -> list[int]:
        """Candidates for a title and one name ("Mr. Fenwick", "Miss Tamsin")."""
        hg = HONORIFICS.get(hon)
        names = [name]
        cands = [i for i, e in enumerate(self.entities) if e.last == names[0] and self._compatible(e, hon)]
        if f"Miss {name}" in self.mid or f"Miss {name}s" in self.mid:
            # a family with a daughter ("Miss Drayton"): "Mrs. Drayton", "Lady Marchbank" are the mother, not the
            # "Isabella Drayton" the book names in full, and "Mr. Hartley" beside "Charles Hartley" and "Paul
            # Hartley" is the father (without daughters, "Mrs. Halloran" is "Mary Halloran", a wife)
            if hon in _MARRIED:
                cands = [i for i in cands if not self.entities[i].first or self.entities[i].hon == hon]
            firsts = {(self.entities[i].first or "").lower() for i in cands} - {""}
            if len({SHORT_FORMS.get(f, f) for f in firsts}) >= 2:
                cands = [i for i in cands if not self.entities[i].first]
        # "Mrs. Charles Ashdown" (a wife called by a man's first name, a Charles being in the book) is
        # the younger Mrs. Ashdown: the bare "Mrs. Ashdown" is someone else
        # (a woman's own first name, "Mrs. Rachel Ashdown", is no husband's)
        cands = [i for i in cands if not (HONORIFICS.get(self.entities[i].hon or "") == "female"
                                          and self.entities[i].first and self._first_elsewhere(i)
                                          and first_name_gender(self.entities[i].first or "") != "female")] or \
            ([] if cands and hon in ("mrs", "madame", "mme") else cands)
        if not cands and hon in _COURTESY | {"sir", "lady", "dame", "lord"}:
            # "Miss Anne", "Mademoiselle Odile", "Sir Roland": a title before a first name
            cands = [i for i, e in enumerate(self.entities) if e.first == names[0]
                     and (not e.gender or not hg or e.gender == hg)]
        if len(cands) > 1:
            exact = [i for i in cands if self.entities[i].hon == hon]
            cands = exact or cands
        return cands

    def _match_single(self, name: str) -> list[int]:
        """Candidates for one bare name: a first name, else a surname (a man's, not his wife's)."""
        names = [name]
        cands = [i for i, e in enumerate(self.entities) if e.first == names[0]]
        # "Mrs. Charles Ashdown" is Charles's wife: her entry does not take his first name
        cands = [i for i in cands if HONORIFICS.get(self.entities[i].hon or "") != "female"] or \
            [i for i in cands if self.entities[i].hon in ("miss", "lady")]
        if len(cands) > 1:
            cands = self._by_first_name(cands)
        if not cands:
            # "Bill" where the book writes "Bill Sykes" of the entry first named "Mr. William Sykes"
            cands = [i for i, e in enumerate(self.entities) if not e.descriptive and e.first != name
                     and any(split_name(f)[1][:1] == [name] and len(split_name(f)[1]) >= 2 for f in e.forms)]
        if not cands:
            # a bare surname is never a woman known by her title: "Brown" is not "Mrs. Brown", her husband is
            cands = [i for i, e in enumerate(self.entities) if e.last == names[0]
                     and HONORIFICS.get(e.hon or "") != "female"]
            # a bare surname ("Penhallow") means a man far more often than his wife
            men = [i for i in cands if (self.entities[i].gender or HONORIFICS.get(self.entities[i].hon or "")
                                        or "male") == "male"]
            if len(cands) > 1 and len(men) == 1:
                return men
        return cands

    def _by_first_name(self, cands: list[int]) -> list[int]:
        """Of several people sharing a first name, the ones the book calls by it, not by their surname.

        "John Fenwick", written "Fenwick" all along, is not the "John" of a book that also has a boy "John
        Harrow": a bare first name means someone the book calls by first name.
        """
        words = self.words
        if words is None:
            return cands

        def by_surname(e: Entity) -> bool:
            if not e.last or not e.first:
                return False
            # the surname on its own, never after a title ("Mrs. Fenwick" is the family's, not his)
            bare, full = words.runs[e.last] - words.titled[e.last], words.runs[f"{e.first} {e.last}"]
            return bare >= params.CAST.surname_min and bare > params.CAST.surname_called * max(1, full)
        kept = [i for i in cands if not by_surname(self.entities[i])]
        return kept if kept else cands

    def _first_elsewhere(self, idx: int) -> bool:
        """Whether another character bears this titled woman's first name ("Charles" beside "Mrs. Charles X")."""
        first = self.entities[idx].first
        if first in self.mid:
            return True  # "Charles came in", a man called so, though his entry may not be built yet
        return any(i != idx and e.first == first and HONORIFICS.get(e.hon or "") != "female"
                   for i, e in enumerate(self.entities))

    def descriptive(self, phrase: str, gender: Gender | None) -> int:
        """A character known only by a description ("the old gentleman"), one per distinct phrase."""
        key = "desc:" + phrase.lower()
        if key in self.by_form:
            return self.by_form[key]
        ent = Entity(phrase, None, None, None)
        ent.descriptive = True
        ent.tagged = 1  # only ever created for the subject of a speech tag
        ent.forms[phrase] += 1
        ent.known_gender = gender
        self.entities.append(ent)
        self.by_form[key] = len(self.entities) - 1
        return len(self.entities) - 1

    def titled(self, title: str) -> int | None:
        """The character most often called by this title ("the Colonel" -> Colonel Marchetti)."""
        want = _SAME_TITLE.get(title, title)
        cands = [i for i, e in enumerate(self.entities) if _SAME_TITLE.get(e.hon or "", e.hon) == want
                 or (e.first or "").lower() == title]
        if not cands:
            # "Mr. Kettering", called "Doctor Kettering" now and then, is the doctor
            cands = [i for i, e in enumerate(self.entities) if not e.descriptive and any(
                _SAME_TITLE.get(f.split()[0].lower().rstrip("."), "") == want for f in e.forms if " " in f)]
        if not cands:
            return None
        return max(cands, key=lambda i: self.entities[i].mentions)

    def canonical(self, idx: int) -> str:
        """The name to print: how the book usually calls the character, by first name if it does so often.

        "Margaret" (used a thousand times) beats "Margaret Lindqvist" (used once); "Captain Ashby" beats a
        rarely used "Frederick"; a rank the character is known by ("Inspector Garrow") is kept.
        """
        ent = self.entities[idx]
        if ent.fixed_name:
            return ent.fixed_name
        if not ent.forms:
            return ent.name

        def rank(kv: tuple[str, int]) -> tuple[int, bool, int, str]:
            hon, names = split_name(kv[0])
            office = bool(hon) and hon not in _COURTESY
            return (kv[1], office, len(names), kv[0])
        best = max(ent.forms.items(), key=rank)
        hon, names = split_name(best[0])
        # the narration calls the character by title and surname ("Mr. Pell" forty times, "Jonas Pell" once)
        by_title = bool(hon) and len(names) == 1 and first_name_gender(names[0]) is None

        def rare_full(kv: tuple[str, int]) -> bool:
            return by_title and len(split_name(kv[0])[1]) >= 2 and kv[1] * params.CAST.full_share < best[1]
        shared = any(i != idx and e.first == ent.first for i, e in enumerate(self.entities))
        first = [kv for kv in ent.forms.items()
                 if ent.first and any(same_given_name(ent.first, w) for w in split_name(kv[0])[1])]
        if first and not shared:
            top = max(first, key=lambda kv: (kv[1], ent.first in split_name(kv[0])[1], rank(kv)))
            if top[1] * params.CAST.first_name_share >= best[1] and not rare_full(top):
                return top[0]
        # called by surname ("Quennell"): the full name, if the book uses it, names the character better,
        # else the surname with its title ("Mr. Colley"); also when another character shares the first name
        # ("Bill Rudd" beside a single "Mr. William Rudd": the short form the book uses is the name)
        full = [kv for kv in ent.forms.items() if len(split_name(kv[0])[1]) >= 2
                and (not ent.first or same_given_name(split_name(kv[0])[1][0], ent.first))]
        if full:
            top = max(full, key=rank)
            if not rare_full(top):  # ...unless the narration calls the character by title
                return top[0]
        titled = [kv for kv in ent.forms.items() if split_name(kv[0])[0]]
        if titled and len(split_name(best[0])[1]) == 1 and not split_name(best[0])[0]:
            top = max(titled, key=rank)
            # ...unless the book all but never uses it ("Mr. Voss" 5 times beside "Voss" 128 times), or just once
            # ("Mister Rufus", as a servant greets him)
            if top[1] * params.CAST.titled_share >= best[1] and top[1] >= params.CAST.titled_min:
                return top[0]
        return best[0]

    def aliases(self, idx: int) -> tuple[str, ...]:
        """Every other form this entity was written as."""
        name = self.canonical(idx)
        forms = set(self.entities[idx].forms) | {self.entities[idx].name} | self.entities[idx].also_called
        return tuple(sorted(f for f in forms if f != name))


def _title_clash(a: str | None, b: str | None) -> bool:
    """Whether two titles name people of different genders ("Mr." and "Mrs.")."""
    ga, gb = HONORIFICS.get(a or ""), HONORIFICS.get(b or "")
    return bool(ga and gb and ga != gb)


_SUFFIXED = re.compile(rf"-{HONORIFIC_SUFFIX}$")


def _key(form: str) -> str:
    return " ".join(form.replace(".", " ").lower().split())


def run_key(names: Sequence[str]) -> str:
    """How a capitalised run is counted in WordCounts.runs: its words, title left out."""
    return " ".join(names)


#: A capitalised run found in a span: the match, whether in speech, where its span starts.
