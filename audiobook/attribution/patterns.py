"""The patterns attribution reads speech tags with: subjects, verbs, descriptions, vocatives, gestures."""

from __future__ import annotations

import re

from ..model import Gender
from .characters import (
    HONORIFICS,
    MID_TITLE,
    STOP,
    split_name,
)
from .names import HONORIFIC_SUFFIX, LOWER, LOWER_APOS_HYPHEN, LOWER_HYPHEN, NAME_WORD, UPPER
from .speechverbs import GESTURE_VS, PRESENT_ACTIONS, SPEECH_NOUNS, VERB

# ---------------------------------------------------------------- patterns for tags

_CAP = NAME_WORD
_HON = "|".join(sorted((re.escape(h.capitalize()) for h in HONORIFICS), key=len, reverse=True))
_NAMEP = rf"(?:(?:{_HON})\.?\s+)?{_CAP}(?:\s+{MID_TITLE}{_CAP}){{0,2}}(?:-{HONORIFIC_SUFFIX})?"
_PRON = r"(?:he|she|I|He|She|they|They|we|We)"
_DET = r"(?:the|The|a|A|an|An|his|His|her|Her|my|My|their|Their|our|Our|this|This|that|That|your|Your)"
#: Adjectives ending in -ly, which describe a speaker ("a burly fellow") where an adverb ends the description.
_LY_ADJ = ("lubberly|friendly|unfriendly|elderly|burly|surly|lonely|ugly|lovely|kindly|sickly|stately|portly|curly|"
           "gentlemanly|ghastly|homely|silly|jolly|holy|worldly|manly|womanly|comely|courtly|godly|lowly|lively|"
           "motherly|fatherly|brotherly|sisterly|saintly|scholarly|shapely|sly|sprightly|unruly|wily|beastly|"
           "cowardly|heavenly|knightly|lordly|miserly|neighbourly|neighborly|orderly|princely|slovenly|spindly|"
           "woolly|grizzly|bubbly|wobbly|prickly|oily|wily|smelly|chilly|hilly|frilly|jowly|pearly|lanky|ungainly")
_FN = (r"(?:(?:in|of|with|at|on|to|and|or|the|a|an|as|by|for|from|into|who|that|which|but|not|was|had|is|his|her|its|"
       r"it|their|my|your|our|him|them|me|us)\b"
       r"|(?:without|after|before|again|upon|once|still|then|now|too|very|so|only|just|when|while|instead|somewhat|"
       r"aloud|whose|through|rather|quite|almost|outside|inside|below|above|beside|behind|meanwhile)\b"
       rf"|(?!(?:{_LY_ADJ})\b){LOWER_HYPHEN}+ly\b)")  # "the old lady energetically": no adverb in a description
_MALE_NOUNS = set("""man men gentleman boy lad fellow father husband brother son uncle king lord sir master
grandfather nephew priest monk gentlemen youth groom bridegroom squire jew beadle""".split())
_FEMALE_NOUNS = set("""woman women lady girl lass mother wife sister daughter aunt queen maid maiden widow
grandmother niece nun bride mistress matron dame housekeeper""".split())
#: Nouns too common to pick out one character by themselves.
_GENERIC_NOUNS = set("""man woman men women boy girl lady gentleman fellow child person other one creature people
youth stranger figure voice latter former friend visitor companion""".split())
#: ...or its describing words joined ("a faint and feeble voice", "a loud, hoarse voice"), the phrase ending the tag
#: on a word for a person (so "said the man, looking up" and "said the man and went out" stay "the man"); a comma or
#: "and" within the next words is looked for first, so most descriptions skip the joined form unsearched (and its
#: words exclude only the joining words: the full list of function words in every pattern holding a description
#: cost a tenth of the import's instructions).
_PERSON_WORD = "|".join(sorted(_MALE_NOUNS | _FEMALE_NOUNS | _GENERIC_NOUNS))
_JOINED_WORD = rf"(?!(?:and|or|the|an?|of|in|with|to|at|by|his|her|their|who|that)\b){LOWER_HYPHEN}+"
_DESC_JOINED = (rf"{_DET}\s+(?=[^,.;:!?\"\n]{{0,40}}?(?:,|\sand\s))"
                rf"(?:{_JOINED_WORD}\s+){{0,2}}{_JOINED_WORD}(?:\s*,\s*|\s+and\s+)"
                rf"(?:{_JOINED_WORD}\s+){{0,1}}(?:{_PERSON_WORD})(?=\s*[,.;:!?\u2014]|\s*$)")
_DESC = (rf"{_DESC_JOINED}|"
         rf"{_DET}\s+(?:(?!{_FN}){LOWER_HYPHEN}+\s+){{0,2}}(?:(?!{_FN}){LOWER_HYPHEN}+|[{UPPER}]{LOWER_HYPHEN}+"
         rf"(?:\s+{MID_TITLE}[{UPPER}]{LOWER_HYPHEN}+)?)"  # "the Tin Soldier", "the Grey Owl"
         rf"(?:\s+(?:in|with|of)\s+(?:the\s+)?(?:(?!{_FN}){LOWER_APOS_HYPHEN}+\s+){{0,2}}{LOWER_HYPHEN}+(?=\s*[,.;:!?]|"
         rf"\s*$))?")
_SUBJ = rf"(?P<subj>{_NAMEP}|{_PRON}|{_DESC})"
_ADV = (rf"(?:{LOWER}+ly|had|has|was|would|will|could|might|should|must|then|now|again|also|only|once|presently|"
        rf"quickly|at\s+once|at\s+last|at\s+length|in\s+turn|still|even|just|softly|aloud|back)")
_LEAD = r"^[\s,\u2014\u2013\-\u2026]*"
_ASIDE = r"(?:,[^,.;:!?\"]{1,60},)?"  # "the Colonel, with a catch in his voice, cried"

# "said poor Mary", "said the kindly Mrs. Hale": words between the verb and a name describe the speaker
AFTER_V_ADJ_NAME = re.compile(rf"{_LEAD}{VERB}\s+(?:the\s+)?(?:(?!(?:the|a|an|to|at|of|in|into|with|for|from|by|on|and|"
                              rf"or|but|nothing|something|that|who|as|then)\b)"
                              rf"{LOWER_HYPHEN}+\s+){{1,2}}"
                              rf"(?P<subj>{_NAMEP})(?=\s*[,.;:!?\u2014]|\s*$)")
# "Anne said", "the old man slowly replied", "he had asked"
AFTER_SV = re.compile(rf"{_LEAD}{_SUBJ}{_ASIDE}\s+(?:{_ADV}\s+){{0,3}}{VERB}(?!\s+nothing\b)")
# "said Anne", "cried the old man", "said he", "went on Hester"
#: Household words a book writes in lower case as a name after a speech verb: "said nanny", "said cook".
BARE_ROLES = frozenset("""nanny nurse cook granny grandma grandpa grandmother grandfather mother father auntie
uncle aunt papa mamma mama mummy daddy mum dad""".split())
_BARE_ROLE = "|".join(sorted(BARE_ROLES, key=len, reverse=True))
AFTER_VS = re.compile(rf"{_LEAD}(?:{_ADV}\s+)?(?:{VERB}|{GESTURE_VS})(?:\s+(?:out|up|back|again|aloud|"
                      rf"{_ADV}))?\s+(?P<subj>{_NAMEP}|{_PRON}|{_DESC}|(?:{_BARE_ROLE})(?=\s*[,.;:!?\u2014]))"
                      rf"(?![\w'\u2019])")
# "were the wondrous words from Anne's lips", "came Anne's reply", "was Anne's answer"
AFTER_POSS = re.compile(
    rf"{_LEAD}(?:(?:came|come|comes|was|were|is|are|said|sounded|rang|followed)\s+)?(?:{LOWER}+\s+){{0,5}}?"
    rf"(?:(?:from|of|in)\s+)?(?P<subj>{_NAMEP}(?=['\u2019])|his|her|my)['\u2019]?s?\s+(?:{LOWER}+\s+){{0,2}}"
    rf"(?:{SPEECH_NOUNS})\b")  # "She made no reply" is no possessive
# "It was Quennell who spoke."
AFTER_CLEFT = re.compile(rf"^\s*(?:It|it)\s+was\s+{_SUBJ}\s+who\s+(?:had\s+)?{VERB}")
# "Anne nodded", "she smiled" : a subject then any past-tense verb (an actor, not a speech tag)
AFTER_ACTOR = re.compile(rf"{_LEAD}{_SUBJ}\s+(?:{_ADV}\s+){{0,2}}(?P<verb>{LOWER}+ed|{LOWER}+s|took|gave|made|"
                         rf"came|went|looked|turned|stood|sat|ran|put|held|shook|threw|saw|felt|knew|got|let)\b")
# before the quote: "Anne said:", "she said to Hester,", "said Anne:"
# "Here Anne broke in--", "Isabel, who had been chatting with Hugh, turned to his sister and murmured,"
_LEAD_WORDS = r"\b(?:Here|Thus|Now|Then|Suddenly|Presently|Finally|Again|At\s+last|At\s+length)\s*,?\s+"
_WHO_ASIDE = r"(?:,[^,.;:!?\"]{1,60},|,\s*who\b[^.;:!?\"]{1,120}?,)?"
_AND_THEN = r"(?:\s+[^.!?;:\"\u201c\u201d]{1,80}?,?\s+and)?"  # "... opened his eyes and said"
# "In the car Odile said,", "After supper Bram said,": a short phrase of time or place opens the sentence
_PLACE_TIME_OPENER = (rf"^(?:In|At|On|After|Before|During|Outside|Inside|Across|Over|Under|By|From|Along|Later|"
                      rf"Afterwards|Next)\s+(?:{LOWER_HYPHEN}+,?\s+){{0,3}}?")
# "I heard Odile call", "which made Bram ask", "not until then did Odile say": the one heard, made or inverted
# after "did" speaks (the speech verb bare after them)
_HEARD = r"\b(?:heard|hear|hears|made|make|makes|let|lets|did)\s+"
_CONJUNCTION = (r"\b(?:and|then|but|when|as|so|until|till|which|whom|while|where|before|after|since|once|because|"
                r"though|although|if|unless|whereupon)\s+")
BEFORE_SV = re.compile(rf"(?:^|[,;]\s*|{_CONJUNCTION}|{_HEARD}|"
                       rf"{_PLACE_TIME_OPENER}|"
                       rf"{_LEAD_WORDS}|(?<![\w'\u2019])(?=(?:he|she|"
                       rf"I)\s)){_SUBJ}{_WHO_ASIDE}{_AND_THEN}\s+(?:{_ADV}\s+){{0,3}}{VERB}"
                       rf"(?P<tail>[^.!?\"\u201c\u201d]{{0,100}})$")
# "on the sofa with Bram, who said,", "Jonah, who had been watching the road, called out": the one before "who"
# speaks (not when another clause follows: "to Bram, who nodded, and said" is the sentence's subject)
BEFORE_WHO = re.compile(rf"(?<![\w'\u2019])(?P<subj>{_NAMEP}),?\s+who\s+(?![^.;:!?\"\u201c\u201d]*,\s*and\b)"
                        rf"(?:[^.;:!?\"\u201c\u201d]{{1,100}}?\s+)?(?:{_ADV}\s+){{0,3}}{VERB}"
                        rf"(?P<tail>[^.!?\"\u201c\u201d]{{0,100}})$")
BEFORE_VS = re.compile(rf"(?:^|[,;]\s*|\b(?:and|then|but)\s+)(?:thus\s+|so\s+)?{VERB}\s+{_SUBJ}\s*[,:\u2014\-]*\s*$")
# "Edith's answer was,", "Hester's one remark on hearing the tale was,"
BEFORE_POSS = re.compile(rf"(?:^|[,;]\s*|\b(?:and|but|then)\s+)(?P<subj>{_NAMEP})['\u2019]s?\s+(?:{LOWER}+\s+){{0,2}}"
                         rf"(?:{SPEECH_NOUNS})\b[^.!?\"\u201c\u201d]{{0,60}}?\b(?:was|were|is|ran)\s*[,:\u2014\-]*\s*$")
# "to Odile's reproach of", "Bram's saying with authority,", "Odile's repeated question of,": then the speech
BEFORE_POSS_LEAD = re.compile(rf"(?<![\w'\u2019])(?P<subj>{_NAMEP})['\u2019]s\s+(?:{LOWER}+\s+){{0,2}}"
                              rf"(?:{SPEECH_NOUNS})(?:\s+(?:of|with\s+{LOWER}+))?\s*[,:\u2014\-]*\s*$")
# '"Thank God!" was uttered by Bram': a passive speech verb with its speaker
AFTER_BY = re.compile(rf"{_LEAD}(?:was|were|had\s+been)\s+(?:{LOWER}+ly\s+)?{VERB}\s+by\s+(?P<subj>{_NAMEP})")
# "was a sudden exclamation of Lucinda's", "said the voice of Mr. Orrin"
AFTER_POSS_OF = re.compile(rf"{_LEAD}(?:{VERB}\s+)?(?:(?:was|were|came)\s+)?(?:(?:the|an?|{LOWER}+)\s+){{0,3}}?"
                           rf"(?:{SPEECH_NOUNS})\s+of\s+(?P<subj>{_NAMEP})")
# the subject opening a sentence of narration: "Then Anne turned", "She looked"
#: Parts of a person that act for them in a beat: "Kaito's smile faded." is Kaito acting, "Her voice shook." her.
_BODY = ("eyes|eye|face|smile|grin|voice|cheeks|cheek|hands|hand|lips|mouth|jaw|brow|brows|eyebrows|eyebrow|"
         "expression|gaze|heart|stomach|shoulders|head|fingers|chin|ears|frown|features|throat|breath|lip")
SENT_SUBJ = re.compile(rf"^[\s\u2014\u2013\-]*(?:(?:Then|But|And|Now|So|At\s+last|Suddenly|Presently|"
                       rf"All\s+of\s+a\s+sudden)\s*,?\s+)?(?P<subj>(?:[Hh]is|[Hh]er)\s+(?:{LOWER}+\s+)?(?:{_BODY})\b|"
                       rf"{_PRON}|{_DESC}|{_NAMEP})(?:['\u2019]s\s+(?:{LOWER}+\s+)?(?:{_BODY})\b)?"
                       rf"{_ASIDE}\s+(?:{_ADV}\s+){{0,2}}{LOWER}+")
_HAS_VERB = re.compile(rf"\b{VERB}")

_TO_NAME = re.compile(rf"\bto\s+(?P<v>{_NAMEP})")
_VOC_START = re.compile(rf"^\W*(?:(?:Oh|O|Ah|Well|Yes|No|Now|Dear|My\s+dear|Why|Look\s+here|Good\s+morning|"
                        rf"Good\s+night|Good-bye|Hello|Thank\s+you),?\s+)?(?P<v>{_NAMEP})\s*[,!?.]")
# "I'm Tobias Reed", "My name is Anne", "Call me Ishmael": the speaker names themself
_INTRO = re.compile(rf"(?:^|[.!?,;]\s+|\b(?:and|but|well|oh|yes|no)\s*,?\s+)(?:I\s+am|I'm|I\u2019m|[Mm]y\s+name\s+is|"
                    rf"[Mm]y\s+name's|"
                    rf"[Mm]y\s+name\u2019s|[Nn]ame's|[Nn]ame\u2019s|[Cc]all\s+me|"
                    rf"[Tt]his\s+is)\s+(?P<v>{_NAMEP})(?=\s*(?:[,.!?;\u2014]|$|--|\s+(?:and|of|from|here)\b))")
#: What every self-introduction says, as plain alternatives (so the engine scans for their first letters): a
#: speech with none of them (most) is not searched with `_INTRO`, which is tried at every character.
_INTRO_WORDS = re.compile(r"I\s+am|I'm|I\u2019m|Name|name|Call\s+me|call\s+me|This\s+is|this\s+is")
# "Tobias Reed. I run the ferry": a full name as its own sentence, then the speaker talking of themself
_NAME_SENTENCE = re.compile(rf"^\W*(?P<v>{_NAMEP})\s*\.\s+(?:I|I'm|I've|I'll|My|I\u2019m)\b")
#: ...which cannot match a speech without a full stop and then "I" or "My" (a search for these spares the match).
_NAME_SENTENCE_ON = re.compile(r"\.\s+(?:I|My)")
# a question about who someone is or what they are called, which the next speech answers
_WHO_Q = re.compile(r"\b(?:[Ww]ho|[Ww]hat(?:'s|\s+is)\s+your\s+name|your\s+name)\b[^.!]*\?")
_VOC_IN = re.compile(rf"[,;]\s*(?:my\s+dear\s+|dear\s+|my\s+|old\s+)?(?P<v>{_NAMEP})\s*(?:[,.!?;\u2014]|$)")

#: A sentence end that a tag leading into speech does not cross (";" may: "moved the lamp; and said,").
#: (The stop comes first and the look-behinds, one character wider, after it: a pattern that opens with a
#: character class is searched for by that class alone, one that opens with look-behinds tries them all at
#: every character. The same matches: "Mr." is still no sentence end.)
_FULL_STOP = re.compile(r"[.!?](?<!\bMr.)(?<!\bMrs.)(?<!\bDr.)(?<!\bMs.)(?<!\bSt.)(?<!\bMme.)(?=[\s\"'\u201d\u2019]|$)")
_SENT_END = re.compile(r"[.!?;](?<!\bMr.)(?<!\bMrs.)(?<!\bDr.)(?<!\bMs.)(?<!\bSt.)(?<!\bMme.)(?=[\s\"'\u201d\u2019]|$)")
_WORD_RE = re.compile(r"[^\W_]+")

# a sentence whose subject is a newcomer's voice: "A voice called from below", "Then a second voice rang out"
_VOICE_SUBJ = re.compile(rf"^(?:(?:Then|But|And|Now|Suddenly|Presently)\s*,?\s+)?(?P<subj>(?:[Aa]n?|[Aa]nother|"
                         rf"[Tt]he\s+(?:second|third|new|strange|other))"
                         rf"\s+(?:{LOWER_HYPHEN}+\s+){{0,2}}?voices?)\s+(?:{LOWER}+ly\s+)?{LOWER}+ed\b")
# a finite verb right after a name: the name is its clause's subject ("and Quennell stood aside")
_CLAUSE_VERB = re.compile(rf"\s+(?:{LOWER}+ly\s+)?(?:{LOWER}{{2,}}ed|was|had|is|has|{'|'.join(PRESENT_ACTIONS)}|"
                          rf"stood|sat|took|came|went|made|gave|"
                          rf"turned|looked|held|put|ran|said|spoke|began|saw|felt|knew|got|let|kept|rose|drew|threw|"
                          rf"shook|struck|broke|caught|left|bent|laid|set)\b")
# an answer without words: the turn passes back to the one who spoke
_GESTURE = re.compile(r"\b(?:(?:shook|shake|shakes|shaking)\s+(?:my|his|her)\s+head|nodded|nods|shrugged|shrugs|"
                      r"said\s+nothing|says\s+nothing|"
                      r"was\s+silent|"
                      r"made\s+no\s+(?:reply|answer)|did\s+not\s+(?:answer|reply)|didn't\s+(?:answer|reply))\b")
_GESTURE_BY = re.compile(rf"(?m)(?:^|(?<=[.!?;]\s))(?P<subj>{_NAMEP}|He|She|I)\s+(?:{LOWER}+ly\s+)?"
                         rf"(?:(?:{LOWER}+\s+){{0,3}}?(?:shook|shake|shakes)\s+(?:my|his|her)\s+head|nodded|nods|"
                         rf"shrugged|shrugs|"
                         rf"said\s+nothing|was\s+silent|"
                         rf"made\s+no\s+(?:reply|answer)|did\s+not\s+(?:answer|reply))\b")
_VERB_RE = re.compile(VERB)
# "the child", "the little girl" in the narration (adults so called are mostly named nearby: "the old gentleman")
_DESC_MENTION = re.compile(rf"\b[Tt]he\s+((?:{LOWER_HYPHEN}+\s+){{0,2}}?)(child|girl|boy|stranger|youth|lad|"
                           rf"lass)\b(?![\w'\u2019-])")
_ORDINAL_WORDS = {"other", "second", "third", "first", "last", "former", "latter", "next", "same", "another", "whole",
                  "very", "only", "young", "elder", "younger", "eldest", "youngest"}
#: Speech verbs that carry on the speech of whoever spoke last.
_CONTINUE_VERBS = {"add", "continue", "resume", "go", "pursue", "proceed", "repeat", "persist"}
#: Words that make a voice a newcomer's ("a second voice", "a new voice").
_NEW_WORDS = {"second", "third", "new", "strange", "unknown", "another", "fresh", "different", "other"}
_TITLE_NOUNS = {"doctor": "dr", "inspector": "inspector", "captain": "captain", "colonel": "colonel",
                "professor": "professor", "major": "major", "general": "general", "sergeant": "sergeant",
                "judge": "judge", "nurse": "nurse", "reverend": "rev", "marquis": "marquis", "prince": "prince",
                "princess": "princess", "king": "king", "queen": "queen", "duke": "duke", "duchess": "duchess",
                "countess": "countess", "baron": "baron", "baroness": "baroness", "emperor": "emperor",
                "empress": "empress", "lieutenant": "lieutenant", "commander": "commander", "sheriff": "sheriff",
                "detective": "detective"}

#: Family words a possessive tag describes a speaker by ("her husband said"), each with its gender (None: either).
_RELATIONS: dict[str, str | None] = {
    "husband": "male", "wife": "female", "father": "male", "mother": "female", "son": "male", "daughter": "female",
    "brother": "male", "sister": "female", "uncle": "male", "aunt": "female", "nephew": "male", "niece": "female",
    "grandfather": "male", "grandmother": "female", "cousin": None, "papa": "male", "mamma": "female",
}

_I_RE = re.compile(r"\b(?:I|me|my|myself)\b")
NARR = -1  # internal speaker id of a first-person narrator


def _explicit_name_beside(text: str, s: int, e: int) -> str | None:
    """The name in an explicit speech tag right after (or right before) text[s:e], if any."""
    tail = text[e:e + 200]
    m = re.match(r"[\"'\u201d\u2019\u00bb\u00ab\u2014\u2013\-]?", tail)
    tail = tail[m.end():] if m else tail
    brk = re.search(r"\n[ \t]*\n", tail)
    if brk:
        tail = tail[:brk.start()]  # a tag never reaches into the next paragraph
    cut = _SENT_END.search(tail)
    frag = tail[:cut.start() + 1] if cut else tail
    for rx in (AFTER_VS, AFTER_SV):
        m = rx.match(frag)
        if m:
            subj = " ".join(m.group("subj").split())
            if subj == "I":
                return "I"
            hon, names = split_name(subj)
            if subj[0].isupper() and names and all(n not in STOP for n in names) \
                    and subj.split()[0].lower() not in _DETS | {"he", "she", "they", "we"}:
                return subj
            return None
    return None


def _gender(g: str | None) -> Gender | None:
    """A gender word checked for the type system ("male"/"female" or nothing)."""
    return "male" if g == "male" else "female" if g == "female" else None


def _partners(seq: list[int | None], x: int) -> set[int | None]:
    """Who answers x or is answered by x in a conversation's sequence of speakers."""
    pairs = list(zip(seq, seq[1:]))
    return {b for a, b in pairs if a == x} | {a for a, b in pairs if b == x}


def _names_agree(tag: str, speaker: str) -> bool:
    """Whether a name in a tag can denote the speaker ("Fenwick" and "Mr. Fenwick" agree)."""
    _, a = split_name(tag)
    _, b = split_name(speaker)
    return bool({x.lower() for x in a} & {x.lower() for x in b})


_DETS = {d.lower() for d in "the a an his her my their our this that your".split()}
#: "His eyes", "her trembling voice": the person the pronoun stands for, acting.
_PRONOUN_BODY = re.compile(rf"(?P<pron>[Hh]is|[Hh]er)\s+(?:{LOWER}+\s+)?(?:{_BODY})")
