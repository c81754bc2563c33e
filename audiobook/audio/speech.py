"""Turn source text into what a human reader would say: the text handed to the speech engine.

`speakable` expands abbreviations, reads numbers/currencies/times/ordinals as words, turns ellipses
and dashes into pauses (commas and periods, which espeak pauses on), drops markup, URLs, emoticons and
stray symbols, reads ALL-CAPS shouting as words, collapses whitespace and applies a pronunciation
lexicon. It never raises and never drops a word of the story.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Mapping

# ----------------------------------------------------------------------------------------------
# Numbers to words

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}


def number_words(n: int) -> str:
    """An integer in words: 1234 -> "one thousand two hundred thirty-four" (digits beyond 10**15)."""
    if n < 0:
        return "minus " + number_words(-n)
    if n >= 10**15:
        return " ".join(_ONES[int(d)] for d in str(n))
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("-" + _ONES[ones] if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return _ONES[hundreds] + " hundred" + (" " + number_words(rest) if rest else "")
    for value, name in _SCALES:
        if n >= value:
            high, rest = divmod(n, value)
            return number_words(high) + " " + name + (" " + number_words(rest) if rest else "")
    return str(n)  # unreachable


def ordinal_words(n: int) -> str:
    """21 -> "twenty-first"."""
    words = number_words(n)
    head, sep, last = words.rpartition(" ")
    pre, dash, unit = last.rpartition("-")
    if unit in _ORDINAL_IRREGULAR:
        unit = _ORDINAL_IRREGULAR[unit]
    elif unit.endswith("y"):
        unit = unit[:-1] + "ieth"
    else:
        unit += "th"
    return head + sep + pre + dash + unit


def year_words(n: int) -> str:
    """1995 -> "nineteen ninety-five", 2005 -> "two thousand five", 1900 -> "nineteen hundred"."""
    high, low = divmod(n, 100)
    if 2000 <= n <= 2009:
        return number_words(n)
    if low == 0:
        return number_words(high) + " hundred"
    if low < 10:
        return number_words(high) + " oh " + number_words(low)
    return number_words(high) + " " + number_words(low)


def _decimal_words(s: str) -> str:
    """'3.14' -> 'three point one four'; '007' -> 'zero zero seven'."""
    whole, _, frac = s.partition(".")
    if len(whole) > 1 and whole.startswith("0"):
        out = " ".join(_ONES[int(d)] for d in whole)
    else:
        out = number_words(int(whole)) if whole else "zero"
    if frac:
        out += " point " + " ".join(_ONES[int(d)] for d in frac)
    return out


def _plural(word: str, n: float) -> str:
    return word if n == 1 else {"penny": "pence", "yen": "yen"}.get(word, word + "s")


_CURRENCY = {"$": ("dollar", "cent"), "£": ("pound", "penny"), "€": ("euro", "cent"), "¥": ("yen", "")}
_SCALE_WORDS = {"k": "thousand", "m": "million", "bn": "billion", "thousand": "thousand",
                "million": "million", "billion": "billion", "trillion": "trillion"}

# ----------------------------------------------------------------------------------------------
# Patterns

_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
# Only entities closed by ";": HTML5 also reads a few legacy names without one, so "&LTA" would become "<A".
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\((?:[^)\s]*)\)")
_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"]+|\b[\w.-]+\.(?:com|org|net|io|co\.uk)/[^\s<>\"]*",
                  re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
# Emoticons must stand alone (space or line edge on both sides) so "D:" in "PhD:" survives.
_EMOTICON = re.compile(
    r"(?<!\S)(?:[:;=8][-'^o]?(?:[)(\]\[3/\\|*@$]+|[dD]+|[pPoO])|[)(\]\[dDpP/\\|]+[-']?[:;=]|<3+|</3|"
    r"\^[_.-]?\^|[-=oOTt>][_.][-=oOTt<]|[xX][dD]+|[oO]_[oO]|:'\(|\\o/|¯\\_\(ツ\)_/¯)(?!\S)"
)
_ELLIPSIS = re.compile(r"(?:\.\s?){2,}\.|…+")
_DASH = re.compile(r"\s*(?:—+|--+|―|–(?!\d)|(?<=\s)-(?=\s))\s*")
_ABBREVIATIONS = {
    "mr": "Mister", "mrs": "Missus", "ms": "Miz", "dr": "Doctor", "prof": "Professor",
    "capt": "Captain", "lt": "Lieutenant", "sgt": "Sergeant", "col": "Colonel", "gen": "General",
    "rev": "Reverend", "jr": "Junior", "sr": "Senior", "mt": "Mount", "ave": "Avenue",
    "hon": "Honourable", "gov": "Governor", "sen": "Senator", "rep": "Representative",
    "vs": "versus", "etc": "et cetera", "approx": "approximately", "dept": "department",
}
# Titles that only count as abbreviations with their period, or before a name.
_WITH_PERIOD_ONLY = {"gen", "rev", "col", "hon", "gov", "sen", "rep", "dept", "capt", "prof", "approx",
                     "ave", "mt", "jr", "sr", "vs", "etc"}
_ABBREV = re.compile(
    r"(?<![\w.])(" + "|".join(sorted(_ABBREVIATIONS, key=len, reverse=True)) + r")(\.)?(?![\w'’])",
    re.IGNORECASE,
)
_SAINT_STREET = re.compile(r"(?<![\w.])(St)(\.)?(?=\s|$|[,;:!?)])")
_LATIN = {"e.g.": "for example", "i.e.": "that is", "a.m.": "AM", "p.m.": "PM"}
_ACRONYMS = frozenset(
    "OK TV UK US USA UN EU FBI CIA NSA BBC CNN DNA ID PC CEO CD DVD GPS AI IQ ICU ER VIP TNT UFO USB "
    "NASA NATO ASAP UNICEF UNESCO FIFA HTML HTTP JSON AIDS SCUBA LASER RADAR NAACP OPEC NYPD LAPD "
    "MIT UCLA NYU IBM ATM RSVP BYOB DIY FAQ PDF ISBN MP MD PhD BA MA AM PM AD BC".split()
)
_CAPS_WORD = re.compile(r"\b[A-Z][A-Z'’]*[A-Z]\b|\b[A-Z]{2,}\b")
_ROMAN = re.compile(r"^M{0,4}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_ROMAN_AFTER = re.compile(
    r"\b(Chapter|Part|Book|Volume|Act|Scene|Section|Canto|CHAPTER|PART|BOOK|VOLUME|ACT|SCENE|SECTION)"
    r"(\s+)([IVXLCDM]+)\b"
)
_TIME = re.compile(
    r"(?<![\d:.])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])(?:\s?([AaPp])\.?\s?[Mm]\b\.?)?"
)
_HOUR_AMPM = re.compile(r"(?<![\d:.])(1[0-2]|0?[1-9])\s?([AaPp])\.?\s?[Mm](?![\w])\.?")
_MONEY = re.compile(
    r"([$£€¥])\s?(\d+(?:,\d{3})*|\d*)(?:\.(\d{1,2}))?(?!\d)(?:\s?(k|m|bn|thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?%")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.IGNORECASE)
_DECADE = re.compile(r"(?<![\w'’])(?:(1[1-9]|20)|['’])(\d)0(?:'|’)?s\b")
_GROUPED = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
_RANGE = re.compile(r"(?<=\d)\s?[-–]\s?(?=\d)")
_YEAR = re.compile(r"(?<![\d.,])(1[1-9]\d\d|20\d\d)(?![\d.,]\d)")
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)(?!\d)")
_NUMBER_SIGN = re.compile(r"#\s?(?=\d)")
_PUNCT_RUN = re.compile(r"\s*[,.;:!?](?:\s*[,.;:!?])*")

_DROP_CHARS = str.maketrans({c: " " for c in "*_~#|\\^`{}[]<>=@\"“”„«»‹›"})


def _money(m: re.Match[str]) -> str:
    symbol, whole, cents, scale = m.groups()
    unit, sub = _CURRENCY[symbol]
    if not whole and not cents:
        return unit + "s"
    amount = int(whole.replace(",", "")) if whole else 0
    if scale:
        scale_word = _SCALE_WORDS[scale.lower()]
        if cents:
            return f"{_decimal_words(str(amount) + '.' + cents)} {scale_word} {unit}s"
        return f"{number_words(amount)} {scale_word} {unit}s"
    out = f"{number_words(amount)} {_plural(unit, amount)}" if whole else ""
    if cents and int(cents) and sub:
        c = int(cents.ljust(2, "0"))
        part = f"{number_words(c)} {_plural(sub, c)}"
        out = f"{out} and {part}" if out else part
    return out or f"zero {unit}s"


def _period_kept(m: re.Match[str]) -> str:
    """"." when an abbreviation's final period also ends the sentence ("at 7 p.m. Then" / "at 7am.")."""
    if not m.group().endswith("."):
        return ""
    after = m.string[m.end():]
    rest = after.lstrip()
    return "." if not rest or (rest[0].isupper() and after[:1].isspace()) or rest[0] in "\"'”’)" else ""


def _time(m: re.Match[str]) -> str:
    hour, minute, ampm = int(m.group(1)), int(m.group(2)), m.group(3)
    words = number_words(hour)
    if minute == 0:
        words += "" if ampm else " o'clock"
    elif minute < 10:
        words += " oh " + number_words(minute)
    else:
        words += " " + number_words(minute)
    if ampm:
        words += " " + ampm.upper() + "M"
    return words


def _roman_value(s: str) -> int:
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(s):
        v = values[ch]
        total += -v if i + 1 < len(s) and values[s[i + 1]] > v else v
    return total


def _abbreviation(m: re.Match[str], text: str) -> str:
    word, period = m.group(1), m.group(2)
    key = word.lower()
    if not period and key in _WITH_PERIOD_ONLY:
        return m.group()
    if not word[0].isupper() and key not in ("etc", "vs", "approx"):
        return m.group()  # "dr" or "mr" in lower case is something else
    full = _ABBREVIATIONS[key]
    if key == "dr" and period:
        # "Mulholland Dr. at night": after a capitalised name and before a lower-case word, a drive.
        before = text[:m.start()].rstrip()
        prev = before.split()[-1] if before.split() else ""
        after = text[m.end():].lstrip()
        if prev[:1].isupper() and prev[-1:].isalpha() and not after[:1].isupper():
            return "Drive" + ("." if not after else "")
    if key in ("etc",) and period:
        # "etc." at the end of a sentence still ends it.
        rest = text[m.end():m.end() + 3]
        if not rest.strip() or rest.lstrip()[:1].isupper():
            return full + "."
    return full


def _saint_or_street(m: re.Match[str], text: str) -> str:
    """"St." after a capitalised word or a number is a street ("Baker St."), otherwise a saint ("St. Paul")."""
    words = text[max(0, m.start() - 30):m.start()].split()
    prev = words[-1] if words else ""
    if prev[:1].isdigit() or (prev[:1].isupper() and prev[-1:].isalpha()):
        after = text[m.end():].lstrip()
        # A period that also ends the sentence stays a period.
        return "Street" + ("." if m.group(2) and (not after or after[:1].isupper()) else "")
    return "Saint"


#: Short words that are shouted, not acronyms, when written in capitals ("get OUT", "NO!").
_SHORT_WORDS = frozenset(
    "NO YES OUT GET NOW YOU WHY HOW WHO NOT HEY OH GO SO DO ME MY HE SHE WE ARE IS IT THE AND BUT ALL "
    "CAN DID HIM HER OFF RUN BAD MAD SAD YET TOO ANY OUR ITS WAS HAS HAD FOR GOT LET SAY SEE OW AH UGH "
    "BE BY IF IN OF ON OR TO UP AT AN AS BIG HOT NEW OLD ONE TWO TEN YOU'RE I'M DON'T CAN'T WON'T "
    "LIE DIE EAT SIT PUT CRY WOW HUH BOO HA HAH HEH SHH NAH YAY YEAH NOPE MINE OWN HIS HERS".split()
)


def _sentence_start(text: str, pos: int) -> bool:
    before = text[:pos].rstrip(" \t\n\"'“‘(")
    return not before or before[-1] in ".!?"


def _lower_word(word: str, text: str, pos: int) -> str:
    """A shouted word in lower case (capitalised where it starts a sentence)."""
    low = word.lower()
    return low[:1].upper() + low[1:] if _sentence_start(text, pos) else low


def _caps(m: re.Match[str]) -> str:
    word = m.group()
    core = word.replace("’", "'")
    letters = core.replace("'", "")
    if core in _ACRONYMS or letters in _ACRONYMS or (_ROMAN.match(letters) and len(letters) > 1):
        return word
    if len(letters) >= 4 or core in _SHORT_WORDS:
        return _lower_word(word, m.string, m.start())
    return word


def _caps_runs(text: str) -> str:
    """Shouted words of 2-3 letters ("GET OUT NOW") are words too when they stand in a shouted run."""
    def fix(m: re.Match[str]) -> str:
        run = m.group()
        if sum(len(re.sub(r"[^A-Z]", "", w)) >= 4 for w in run.split()) == 0 and len(run.split()) < 3:
            return run
        return re.sub(
            r"[A-Z][A-Z'’]*",
            lambda w: w.group() if w.group() in _ACRONYMS or w.group() == "I"
            else _lower_word(w.group(), text, m.start() + w.start()),
            run,
        )
    return re.sub(r"\b[A-Z][A-Z'’]*(?:[\s,!?.]+[A-Z][A-Z'’]*\b)+", fix, text)


def _pause(m: re.Match[str], text: str) -> str:
    """An ellipsis or dash: a period where a sentence ends, a comma inside one, nothing before punctuation."""
    after = text[m.end():]
    stripped = after.lstrip(" \t\n\"'”’)")
    before = text[:m.start()].rstrip()
    if not before or before[-1] in "\"“‘(":
        return " "  # leading ellipsis: "…and then"
    if not stripped:
        return ". "
    if stripped[0] in ".,;:!?":
        return " "
    if before[-1] in ",;:.!?":
        return " "
    return ", "


def _expanded(full: str, m: re.Match[str]) -> str:
    """A Latin abbreviation read in full, keeping a sentence-ending period."""
    return full + _period_kept(m)


def speakable(text: str, lexicon: Mapping[str, str] | None = None) -> str:
    """What a human reader would say for this source text (one segment's text)."""
    text = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
    text = _TAG.sub(" ", text)
    text = _MD_LINK.sub(r" \1 ", text)
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(lambda m: m.group().replace("@", " at ").replace(".", " dot "), text)
    text = unicodedata.normalize("NFC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("\u00a0", " ").replace("\u200b", "")
    text = _EMOTICON.sub(" ", text)
    # Emoji and pictographs: every "Symbol, other" character, plus joiners and variation selectors.
    if not text.isascii():
        text = "".join(
            " " if unicodedata.category(c) in ("So", "Cs", "Co", "Cn") else ("" if c in "\u200d\ufe0f\ufe0e" else c)
            for c in text
        )
    for short, full in _LATIN.items():
        text = re.sub(r"(?<!\w)" + re.escape(short) + r"(?!\w)", functools.partial(_expanded, full), text,
                      flags=re.IGNORECASE)
    text = _ABBREV.sub(lambda m: _abbreviation(m, text), text)
    text = _SAINT_STREET.sub(lambda m: _saint_or_street(m, text), text)
    text = re.sub(r"\bNo\.\s?(?=\d)", "number ", text)
    text = _NUMBER_SIGN.sub("number ", text)
    text = _ROMAN_AFTER.sub(
        lambda m: m.group(1) + m.group(2) + number_words(_roman_value(m.group(3)))
        if _ROMAN.match(m.group(3)) else m.group(), text
    )
    text = _GROUPED.sub(lambda m: m.group().replace(",", ""), text)
    text = _MONEY.sub(_money, text)
    text = _PERCENT.sub(lambda m: _decimal_words(m.group(1)) + " percent", text)
    text = _TIME.sub(lambda m: _time(m) + _period_kept(m), text)
    text = _HOUR_AMPM.sub(
        lambda m: number_words(int(m.group(1))) + " " + m.group(2).upper() + "M" + _period_kept(m), text
    )
    text = _ORDINAL.sub(lambda m: ordinal_words(int(m.group(1))), text)
    text = _DECADE.sub(lambda m: (year_words(int((m.group(1) or "") + m.group(2) + "0")) if m.group(1)
                                  else number_words(int(m.group(2) + "0"))).rsplit(" ", 1)[0] + " "
                       + _decade_plural(int(m.group(2) + "0")), text)
    text = _RANGE.sub(" to ", text)
    text = _YEAR.sub(lambda m: year_words(int(m.group(1))), text)
    text = re.sub(r"(?<=\d)\+", " plus", text)
    text = _NUMBER.sub(lambda m: f" {_decimal_words(m.group(1))} ", text)
    text = _pauses(text)
    text = text.replace("&", " and ").replace("/", " ").replace("+", " plus ")
    text = text.translate(_DROP_CHARS)
    # Quotes: drop single quotes that are not apostrophes inside or at the end of a word ("dogs'").
    text = re.sub(r"(?<![A-Za-z])'|'(?![A-Za-z])(?<!s')", " ", text)
    text = _caps_runs(text)
    text = _CAPS_WORD.sub(_caps, text)
    # Brackets read as pauses.
    text = re.sub(r"\s*[()]\s*", ", ", text)
    text = re.sub(r"\s+", " ", text)
    text = _PUNCT_RUN.sub(_strongest_stop, text)
    text = re.sub(r"^[\s,.;:]+", "", text)
    text = re.sub(r"([,;:.!?])(?=[A-Za-z])", r"\1 ", text)
    text = re.sub(r"[,;:]+$", ".", text.strip())
    if lexicon:
        text = apply_lexicon(text, lexicon)
    return text.strip()


def _strongest_stop(m: re.Match[str]) -> str:
    """A run of punctuation left by the rewrites (", ." or ",?") becomes its strongest stop ("?!" stays)."""
    marks = re.sub(r"\s+", "", m.group())
    ends = "".join(c for c in marks if c in ".!?")
    if not ends:
        return marks[0]
    # "?!" and "!!" are part of how a line is said; a period beside them adds nothing.
    return ends.replace(".", "")[:3] or "."


def _decade_plural(n: int) -> str:
    word = number_words(n).rsplit(" ", 1)[-1]
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def _pauses(text: str) -> str:
    """Ellipses and dashes become commas or periods (espeak pauses on those, and never says "dot dot dot")."""
    for pattern in (_ELLIPSIS, _DASH):
        out: list[str] = []
        pos = 0
        for m in pattern.finditer(text):
            out.append(text[pos:m.start()])
            out.append(_pause(m, text))
            pos = m.end()
        out.append(text[pos:])
        text = "".join(out)
    return text


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Replace each lexicon word (case-insensitive, whole words only) with its pronunciation."""
    keys = [k for k in lexicon if k and k.strip()]
    if not keys:
        return text
    lowered = {k.lower(): v for k, v in lexicon.items() if k and k.strip()}
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)) + r")(?!\w)",
        re.IGNORECASE,
    )
    return pattern.sub(lambda m: lowered.get(m.group(1).lower(), m.group(1)), text)


# ----------------------------------------------------------------------------------------------
# Sentences (the unit of a subtitle cue)

_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])([\"'”’)\]]*)(\s+)(?=[\"'“‘(\[]?[A-Z0-9])")
_LAST_TOKEN = re.compile(r"(\S+)$")


def _abbreviation_before(text: str) -> bool:
    """Whether the text ends with an abbreviation's or an initial's period ("Mr.", "J.", "e.g.", "St.")."""
    m = _LAST_TOKEN.search(text)
    token = m.group(1).lstrip("\"'“‘([") if m else ""
    if not token.endswith("."):
        return False
    word = token[:-1]
    return (word.lower() in _ABBREVIATIONS or word in ("St", "No") or token.lower() in _LATIN
            or (len(word) == 1 and word.isalpha()) or (len(word) > 2 and word.count(".") >= 1 and "." in word[1:]))


def sentences(text: str) -> list[str]:
    """The source text cut into sentences (every character in one of them, in order), for subtitle cues.

    A sentence ends at `.`, `!`, `?` or `…` (and any closing quotes) before a capital or a digit, but
    not after an abbreviation or an initial, so "Mr. Cole said so." stays whole.
    """
    out: list[str] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(text):
        if _abbreviation_before(text[start:m.start()]):
            continue
        piece = text[start:m.end(1)].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return out
