"""Reading the speech tag beside each quote (who the narration says speaks, and who is spoken to)."""

from __future__ import annotations

import bisect
import re

from . import params
from .characters import (
    DEMONYMS,
    HARD_STOP,
    HONORIFICS,
    STOP,
    split_name,
    tag_name_ok,
)
from .patterns import (
    _CLAUSE_VERB,
    _CONTINUE_VERBS,
    _DETS,
    _FULL_STOP,
    _HAS_VERB,
    _INTRO,
    _INTRO_WORDS,
    _NAME_SENTENCE,
    _NAME_SENTENCE_ON,
    _PRONOUN_BODY,
    _SENT_END,
    _TITLE_NOUNS,
    _TO_NAME,
    _VERB_RE,
    _VOC_IN,
    _VOC_START,
    _VOICE_SUBJ,
    _WHO_Q,
    _WORD_RE,
    AFTER_ACTOR,
    AFTER_BY,
    AFTER_CLEFT,
    AFTER_POSS,
    AFTER_POSS_OF,
    AFTER_SV,
    AFTER_V_ADJ_NAME,
    AFTER_VS,
    BARE_ROLES,
    BEFORE_POSS,
    BEFORE_POSS_LEAD,
    BEFORE_SV,
    BEFORE_VS,
    BEFORE_WHO,
    NARR,
    SENT_SUBJ,
)
from .places import answers_with_a_name
from .quotes import Part
from .speechverbs import LEMMA
from .state import ChapterState, _Quote

#: Adverbs that open a sentence before its subject's name ("Here Anna spoke--").
_OPENING_ADVERBS = frozenset("Here Thus Suddenly Presently Finally".split())


def _description(words: list[str]) -> str | None:
    """A description subject's phrase ("the old gentleman"), or None for a thing ("the deliberation")."""
    while len(words) > 2 and re.fullmatch(r"[a-z]+(?:ing|ed)", words[-1]) and words[-1] not in _ED_NOUNS:
        # "the child pressing", "her sister kissed": the verb begins what the person does
        words = words[:-1]
    head = re.split(r"\s(?:in|with|of)\s", " ".join(words))[0].split()[-1].lower()
    if _ABSTRACT.search(head):
        return None  # "Next the deliberation began.": a thing happening, nobody speaking
    if _NOT_A_PERSON.search(head) and head not in _GROUP_REFERENCES and head not in _ED_NOUNS \
            and head not in _PEOPLE_ENDINGS:
        return None  # "The heavy hinges began to move", "the following": things or crowds, not one speaker
    cut = next((i for i, w in enumerate(words) if w in ("with", "in") and i > 1), len(words))
    if cut < len(words) and (_ABSTRACT.search(words[-1].lower()) or words[-1].lower() in _MANNER):
        words = words[:cut]  # "said the policeman with great violence": how he said it, not who
    return " ".join(words).lower()


def _pronoun(subj: str) -> tuple[str, str] | None:
    """"I", "he", "she" as a subject, or "his eyes", "her voice" standing for him or her."""
    low = subj.lower()
    if low in ("i", "we"):
        return ("narrator", "I")  # "we say together": the first-person narrator's voice carries it
    if low in ("he", "she"):
        return ("pronoun", low)
    body = _PRONOUN_BODY.fullmatch(subj)
    if body:
        return ("pronoun", "he" if body.group("pron").lower() == "his" else "she")  # "Her voice shook."
    return None


#: Nouns ending like a participle that may end a description ("the bride's maid", "the sledding"...).
_ED_NOUNS = frozenset("bed shed steed seed reed creed breed sled red ring king wing sibling darling "
                      "duckling foundling nursling underling stripling weakling hireling".split())

#: Abbreviated titles that never stand for a person by themselves.
_BARE_TITLES = frozenset({"mr", "mrs", "ms", "dr", "st"})

#: Abstract nouns (an act, a state, a quality): never the one a description tag or beat names as speaking.
_ABSTRACT = re.compile(r"(?:tion|sion|ment|ness|ity|ance|ence)$")
#: Heads of a description that name no single person: plurals ("the hinges", "the villagers") and adjectives
#: standing alone ("the following", "the incomprehensible").
_NOT_A_PERSON = re.compile(r"(?:[^su'\u2019]s|ing|ible|able|ous)$")
#: ...except the words that point back at people already in the scene ("said the others" is handled as "other").
_GROUP_REFERENCES = frozenset({"others"})
#: People whose word ends like a plural or an adjective ("the constable", "the viking").
_PEOPLE_ENDINGS = frozenset({"constable", "viking", "boss", "ruffian", "innocent"})
#: Nouns of manner after "with"/"in" in a tag ("with a smile", "in a whisper"): how one speaks, not who.
_MANNER = frozenset("""smile smiles laugh sigh grin frown nod shrug sneer glance look bow air voice tone tones warmth
heat emphasis energy force feeling spirit vigour vigor difficulty effort whisper undertone haste surprise alarm anger
delight scorn contempt dismay amusement gravity""".split())
#: Narration ending so that a speech follows: "said Bram," "Bram said:" "Bram cried--".
_LEADS_ON = re.compile(r"[,:\u2014]\s*$|--\s*$")
#: A subject joined to another person before it ("she and Rhoda"): two people, neither the one speaking.
_COORDINATED = re.compile(r"\b(?:he|she|I|[A-Z][a-z]+)\s+and\s+$")


#: The tags after a quote, in the order they are tried (the first that matches is the tag), each with its kind
#: and the words one of which it cannot match without (none: no such word), so most fragments skip it unsearched.
_AFTER_TAGS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (AFTER_POSS_OF, "poss", ("of",)), (AFTER_BY, "verb", ("by",)), (AFTER_V_ADJ_NAME, "verb", ()),
    (AFTER_VS, "verb", ()), (AFTER_SV, "verb", ()), (AFTER_POSS, "poss", ("'", "\u2019", "his", "her", "my")),
    (AFTER_CLEFT, "verb", ("was",)), (AFTER_ACTOR, "actor", ()))

#: One tag found beside a quote: its rank (lower wins), what it says, and the narration part it is in.
_Cand = tuple[int, tuple[str, str, str, int], Part]
#: Speech verbs that are as much a gesture: a lead-in by one says less of who speaks next.
_LAUGHED = re.compile(r"\b(?:laugh|smil|sigh|sobb|giggl|chuckl|grinn|groan|gasp|snort|scoff)(?:ed|ing|s)?\b")
#: A short sentence of two to four words, as a bare tag is ("Odile said.", "He asked."; also "He greeted her.":
#: narrowing it to a subject and one verb cost 0.1 held out, measured by leave-one-novel-out).
_BARE_TAG = re.compile(r"\s*(?:\S+\s+){1,3}?[a-z]+[.!?]")


class TagReader(ChapterState):
    """Speech tags beside each quote: names, pronouns, descriptions, vocatives, self-introductions."""

    def find_tags(self) -> None:
        # narration parts already serving as the tag of the quote before them: only a later sentence of one
        # may lead into the next quote ("said Maren. Gideon added, ...")
        used: set[int] = set()
        for i, plist in enumerate(self.parts):
            for k, part in enumerate(plist):
                if part.kind != "dialogue":
                    continue
                q = self.quote_of[id(part)]
                after = plist[k + 1] if k + 1 < len(plist) and plist[k + 1].kind == "narration" else None
                before = plist[k - 1] if k > 0 and plist[k - 1].kind == "narration" else None
                if before is None and k == 0 and i > 0 and self.parts[i - 1] \
                        and self.parts[i - 1][-1].kind == "narration" and not q.continued:
                    # "Mr. Dunstable said:" closing the paragraph before the speech
                    before = self.parts[i - 1][-1]
                cands = []
                if after is not None and self._touches(part.end, after.start):
                    found = self._tag_after(after)
                    if found:
                        cands.append((0 if not found[0].startswith("actor") else 2, found, after))
                # the first sentence of a part already used as a tag is no lead-in (computed only when needed)
                lead_from = self._first_sentence_end(before) if before is not None and id(before) in used else -1
                if before is not None and lead_from < before.end and (
                        before.end <= self.paras[i][0] or self._touches(before.end, part.start)):
                    found = self._tag_before(before, same_para=before.end > self.paras[i][0])
                    if found and found[3] >= lead_from:
                        cands.append((1 if not found[0].startswith("actor") else 3, found, before))
                cands = self._weigh_tags(q, part, plist, k, i, before, after, cands, lead_from, used)
                if cands:
                    _, found, src = min(cands, key=lambda c: c[0])
                    if src is after:
                        used.add(id(after))
                    q.tag_kind, q.tag_value, q.tag_where, q.tag_pos = found
                    # "he said to Gideon": Gideon is spoken to, not speaking
                    tail = self.text[found[3]:min(src.end, found[3] + 120)]
                    for m in _TO_NAME.finditer(tail):
                        idx = self.cast.lookup(m.group("v"))
                        if idx is not None:
                            q.spoken_to.append(idx)
                self._vocatives(q)

    def _weigh_tags(self, q: _Quote, part: Part, plist: list[Part], k: int, i: int, before: Part | None,
                    after: Part | None, cands: list[_Cand], lead_from: int, used: set[int]) -> list[_Cand]:
        """The tags found before and after a quote, less those that belong to another speech or say less."""
        if len(cands) > 1 and after is not None and self._leads_on(plist, k + 1) \
                and self._opens_next(q, after, cands) \
                and not any(c[2] is before and c[1][0].startswith("actor") for c in cands):
            # 'Odile said, "Staying long?" Bram said, "A week."': "Bram said," opens the next speech
            cands = [c for c in cands if c[2] is not after]
        if after is not None and before is not None and id(before) in used \
                and self._goes_on(q, part, before, after, cands, lead_from, i):
            cands = [c for c in cands if c[2] is not after]
        if any(c[2] is after and c[1][0] == "pronoun" for c in cands) and any(
                c[2] is before and c[1][0] == "name" and not _LAUGHED.search(self.text, c[1][3], before.end)
                for c in cands):
            # 'Bram went on. / "Listen," he said.': the he is the name that led in; the name says who
            # (not after a laugh or a sigh: 'Mara laughed. / "Well," she said.' may be anyone's she)
            cands = [c for c in cands if c[2] is before]
        return cands

    def _goes_on(self, q: _Quote, part: Part, before: Part, after: Part,
                 cands: list[_Cand], lead_from: int, i: int) -> bool:
        """Whether a speech right after its speaker's tag goes on to its end, so that a new sentence opening the
        narration after it is no tag of it.

        '"Go," said Bram, "now." Odile stared.': the name opening the sentence after the cut speech is the
        narration's next subject. '"Welcome!" she cried. "Come in!" He greeted her.': the speech her tag closed
        goes on in the same paragraph, and the sentence after it is the listener's (unless it is nothing but a
        tag: "Odile said.").
        """
        if not self._opens_next(q, after, cands):
            return False
        if self._resumes(before, part):
            return True
        return lead_from >= before.end and before.start >= self.paras[i][0] \
            and not _BARE_TAG.match(self.text, after.start, after.end)

    def _opens_next(self, q: _Quote, after: Part, cands: list[_Cand]) -> bool:
        """Whether a tag after a finished sentence of speech starts with its subject ("Bram said,"): a new sentence.

        '"Well, my man," said Bram, turning, "sit down."' is one speech cut by its tag, never the next speaker's.
        """
        found = next((c[1] for c in cands if c[2] is after), None)
        if found is None or not re.search(r"[.!?]\W*$", q.text.rstrip()):
            return False
        return not self.text[after.start:found[3]].strip(" \t\n\"'\u201c\u201d\u2018\u2019\u2014-")

    def _resumes(self, tag: Part, part: Part) -> bool:
        """Whether a tag cutting a speech leads straight back into it ('"Go," said Bram, "now."')."""
        return self._touches(tag.end, part.start) and bool(_LEADS_ON.search(self.text, tag.start, tag.end))

    def _leads_on(self, plist: list[Part], k: int) -> bool:
        """Whether narration part k of a paragraph leads into a speech right after it ("Bram said," then a quote)."""
        if k + 1 >= len(plist) or plist[k + 1].kind != "dialogue":
            return False
        part = plist[k]
        return self._touches(part.end, plist[k + 1].start) and bool(_LEADS_ON.search(self.text, part.start, part.end))

    def _first_sentence_end(self, part: Part) -> int:
        """Where the first sentence of a narration part ends (its end if it has one sentence)."""
        first, start, _ = self._fragment(part.start, part.end, True)
        return start + len(first)

    def _fragment(self, s: int, e: int, first: bool, stops: re.Pattern[str] | None = None) -> tuple[str, int, bool]:
        """The first (or last) sentence of narration text[s:e], where it starts, and whether it ended."""
        chunk = self.text[s:e]
        if first:
            m = _SENT_END.search(chunk)
            return (chunk[:m.start() + 1] if m else chunk), s, bool(m)
        body = chunk.rstrip()
        ends = [m for m in (stops or _SENT_END).finditer(body) if m.end() < len(body)]
        cut = ends[-1].end() if ends else 0
        closed = bool(re.search(r"[.!?;]\W*$", body))
        return chunk[cut:], s + cut, closed

    def _classify(self, subj: str) -> tuple[str, str] | None:
        words = subj.split()
        if len(words) > 1 and words[0] in _OPENING_ADVERBS:
            words = words[1:]  # "Here Anna spoke": the adverb opening the sentence is not part of the name
        s = " ".join(words)
        low = s.lower()
        pronoun = _pronoun(s)
        if pronoun is not None:
            return pronoun
        if low == "they":
            return None
        if s in BARE_ROLES:
            return ("name", s.capitalize())  # "said nanny": the household's name for her
        words = s.split()
        if words[0].lower() in _DETS:
            last = words[-1] if not re.search(r"\s(?:in|with|"
                                              r"of)\s", s) else re.split(r"\s(?:in|with|of)\s", s)[0].split()[-1]
            if last[:1].isupper():
                caps = words[-2:] if len(words) > 2 and words[-2][:1].isupper() and words[-2] not in HARD_STOP \
                    and last == words[-1] else [last]
                if len(caps) == 1 and (last.lower() in HONORIFICS or last.lower() in _TITLE_NOUNS):
                    return ("title", last.lower())
                if len(caps) == 1 and len(words) > 1 and last not in HARD_STOP and self._common_noun(last):
                    return ("description", s)  # "the Englishman", "the Magistrate": a description, not a name
                if last not in HARD_STOP:
                    return ("name", " ".join(caps))  # "the gloomy Garrow", "the President", "the Tin Soldier"
                return None
            desc = _description(words)
            return ("description", desc) if desc else None
        hon, names = split_name(s)
        if not hon and len(names) == 1 and names[0].lower() in _BARE_TITLES:
            return None  # "called out Mr. Quill": the abbreviation alone (cut at its full stop) names nobody
        if tag_name_ok(hon, names):
            if not hon and len(names) == 1 and re.search(r"(?:ing|ed|ly)$", names[0]) \
                    and self.cast.lookup(s) is None:
                return None  # "Finding she had done right, ..." opens with a participle, not a name
            return ("name", s)
        return None

    def _common_noun(self, word: str) -> bool:
        """A capitalised word after "the" that is a nationality or a noun the book mostly writes in lower case."""
        low = word.lower()
        if low in DEMONYMS:
            return True
        words = self.cast.words
        return words is not None and words.common(word, params.CAST.min_lower)

    def _tag_after(self, part: Part) -> tuple[str, str, str, int] | None:
        frag, base, _ = self._fragment(part.start, part.end, True)
        for rx, kind, needs in _AFTER_TAGS:
            if needs and not any(w in frag for w in needs):
                continue
            m = rx.match(frag)
            if not m:
                continue
            c = self._classify(m.group("subj"))
            if c is None:
                if kind == "poss" and m.group("subj").lower() in ("his", "her", "my"):
                    low = m.group("subj").lower()
                    c = ("narrator", "I") if low == "my" else ("pronoun", "he" if low == "his" else "she")
                else:
                    continue
            if kind == "actor" and c[0] in ("description", "title"):
                continue
            tag_kind = c[0] if kind != "actor" else "actor:" + c[0]
            return (tag_kind, c[1], "after", base + m.start("subj"))
        return None

    def _speech_verb_before(self, part: Part, body: str, base: int, closed: bool) -> tuple[str, str, str, int] | None:
        """A speech verb with its subject in the narration leading into a quote ("and she answered frankly:")."""
        if not _VERB_RE.search(body):
            return None  # every lead-in below holds a speech verb: one search for it spares three longer ones
        for rx in (BEFORE_VS, BEFORE_WHO, BEFORE_SV):
            m = rx.search(body)
            if not m:
                continue
            if rx is BEFORE_WHO:
                tail = m.group("tail")
                c = self._classify(m.group("subj"))
                if c is not None and c[0] == "name" and not re.search(r"[.!?]", tail) \
                        and not (closed and len(tail.split()) > 3):
                    return (c[0], c[1], "before", base + m.start("subj"))
                continue
            # "I asked her if she were ill, and she answered frankly:": the clause nearest the speech speaks
            found: list[re.Match[str]] = []
            m2: re.Match[str] | None = m
            for _ in range(9):
                if m2 is None:
                    break
                pair = _COORDINATED.search(body, 0, m2.start("subj"))
                if pair:
                    # "where she and Rhoda were sewing, and said", "Tamsin and Ewan shouted": a pair is not who
                    # speaks
                    found = [f for f in found if f.start("subj") != pair.start()]
                elif not found or m2.start("subj") != found[-1].start("subj"):
                    found.append(m2)
                m2 = rx.search(body, m2.start() + 1)
            if not found:
                continue  # only a pair: the sentence's own subject leads in (below)
            m = found[-1]
            tail = m.group("tail") if rx is BEFORE_SV else ""
            if rx is BEFORE_SV and (re.search(r"[.!?]", tail) or (closed and len(tail.split()) > 3)):
                continue  # "Anne said nothing about it." is no tag for the speech after it
            c = self._classify(m.group("subj"))
            if rx is BEFORE_SV:
                # "I watched the clouds and said nothing, while Odile declared,": Odile leads in
                later = self._later_subject(base + m.end("subj"), part.end)
                if later and later[3] > base + m.end("subj") + 1:
                    return later
            if c is None:
                continue
            return (c[0], c[1], "before", base + m.start("subj"))
        return None

    def _tag_before(self, part: Part, same_para: bool = True) -> tuple[str, str, str, int] | None:
        frag, base, closed = self._fragment(part.start, part.end, False, _FULL_STOP)
        if not frag.strip():
            return None
        lead = len(frag) - len(frag.lstrip())
        frag, base = frag[lead:], base + lead
        body = re.sub(r"[.!?;]\W*$", "", frag.rstrip()) if closed else frag
        v = _VOICE_SUBJ.match(frag)
        if v and same_para:
            # "A second voice carried across the harbour, rough and cheerful." then the speech
            return ("description", v.group("subj"), "before", base + v.start("subj"))
        found = self._speech_verb_before(part, body, base, closed)
        if found is not None:
            return found
        # (both possessives need an apostrophe: most lead-ins have none, and spare the two searches)
        m = BEFORE_POSS.search(frag) or BEFORE_POSS_LEAD.search(frag) if "'" in frag or "\u2019" in frag else None
        if m:
            c = self._classify(m.group("subj"))
            if c is not None and c[0] == "name":
                return (c[0], c[1], "before", base + m.start("subj"))
        m = SENT_SUBJ.match(frag)
        if m and re.search(r"[,:\u2014-]\s*$", frag) and _HAS_VERB.search(frag, m.end("subj")):
            # "Mr. Ashcombe set down the lamp ...; and said, rather sharply,"
            # (the sentence's subject: measured better than the clause nearest the verb)
            c = self._classify(m.group("subj"))
            later = self._later_subject(base + m.end("subj"), part.end)
            if later:
                return later
            if c and c[0] not in ("description",):
                return (c[0], c[1], "before", base + m.start("subj"))
        if m and re.search(r"[,:\u2014-]\s*$" if same_para else r"(?::|--|\u2014)\s*$", frag):
            c = self._classify(m.group("subj"))
            later = self._later_subject(base + m.end("subj"), part.end)
            if later:
                return ("actor:" + later[0], later[1], later[2], later[3])
            if c and c[0] not in ("description", "title"):
                return ("actor:" + c[0], c[1], "before", base + m.start("subj"))
        return None

    def _continuing(self, q: _Quote, t_i: int, gender: str) -> int | None:
        """The previous speaker, when a pronoun tag's verb says the speech goes on ("he added", "she went on")."""
        lo = q.tag_pos - 30 if q.tag_where == "after" else q.tag_pos
        v = _VERB_RE.search(self.text, max(0, lo), q.tag_pos + 60)
        if v is None or LEMMA.get(v.group().split()[0].lower()) not in _CONTINUE_VERBS:
            return None
        prev = None
        k = self.quote_index[id(q)]
        if k > 0 and self.quotes[k - 1].speaker is not None and self.quotes[k - 1].para >= q.para - 2:
            prev = self.quotes[k - 1].speaker
        elif t_i > 0 and self.turns[t_i - 1].run == self.turns[t_i].run:
            prev = self.turns[t_i - 1].last
        if prev is None or prev == NARR or prev in q.vocatives or prev in q.spoken_to:
            return None
        g = self.cast.entities[prev].gender
        return prev if g is None or g == gender else None

    def _later_subject(self, a: int, b: int) -> tuple[str, str, str, int] | None:
        """A named subject of a later clause in text[a:b] ("..., while Odile ... declared,"): the one leading in."""
        lo = bisect.bisect_left(self.mention_starts, a)
        hi = bisect.bisect_left(self.mention_starts, b)
        for k in range(hi - 1, lo - 1, -1):
            mm = self.narr_mentions[k]
            subject = mm.subject or (mm.entity != NARR and _CLAUSE_VERB.match(self.text, mm.end))
            if not subject or not re.search(r"(?:[,;]\s*|\s(?=(?:whilst|while|and|but)\s))(?:(?:whilst|while|as|and|"
                                            r"but|when)\s+)?$",
                                                self.text[max(a, mm.start - 12):mm.start]):
                continue
            if re.search(r"\bwho\b|\bwhom\b|[:;]", self.text[mm.end:b].rstrip(" \t\r\n:,;\u2014-")):
                return None  # "Mrs. Gosse sighed: ...the clerk, who ... said," leads elsewhere
            if mm.entity == NARR:
                return ("narrator", "I", "before", mm.start)
            if self.cast.entities[mm.entity].is_person:
                return ("name", " ".join(self.text[mm.start:mm.end].split()), "before", mm.start)
        return None

    def _self_introduction(self, q: _Quote, prev: _Quote | None) -> str | None:
        """The name a speaker gives as their own: "I'm Tobias Reed", or a bare full name answering "Who are you?"."""
        m = _INTRO.search(q.text) if _INTRO_WORDS.search(q.text) else None
        if m:
            return m.group("v")
        m = _NAME_SENTENCE.match(q.text) if _NAME_SENTENCE_ON.search(q.text) else None
        if m and (len(split_name(m.group("v"))[1]) >= 2 or (prev is not None and _WHO_Q.search(prev.text))):
            return m.group("v")
        return None

    def _vocatives(self, q: _Quote) -> None:
        t = q.text
        found = []
        k = self.quote_index[id(q)]
        prev = self.quotes[k - 1] if k > 0 else None
        intro = self._self_introduction(q, prev)
        if intro is not None:
            _, names = split_name(intro)
            if names and not any(n in STOP for n in names):  # "This is Tuesday.", "I'm Darling": no name
                q.self_named = self.resolve_name(intro)
                if q.self_named is not None:
                    self.cast.entities[q.self_named].also_called.add(" ".join(intro.split()))
                return  # a name given as one's own is not somebody addressed
        m = _VOC_START.match(t)
        if m:
            rest = t[m.end():]
            answer = prev is not None and prev.para < q.para and (
                (_WHO_Q.search(prev.text) and not _WORD_RE.search(rest))
                or answers_with_a_name(prev.text, m.group(), rest))
            if not answer:  # "Who's the lamplighter?" - "Mara." names someone; it calls nobody
                found.append(m.group("v"))
        found += [m.group("v") for m in _VOC_IN.finditer(t)]
        for form in found:
            hon, names = split_name(form)
            if not names or any(n in STOP for n in names) or (len(names) == 1 and names[0].lower() in HONORIFICS):
                continue
            # a name called out in speech is a person's, if the narration knows the name too
            idx = None
            if not hon and len(names) == 1 and names[0] not in self.narration_words:
                idx = self._nickname(names[0])  # "Toby", never in the narration, is Tobias
            if idx is None:
                idx = self.cast.lookup(form, create=all(n in self.narration_words for n in names))
            if idx is not None and idx not in q.vocatives:
                ent = self.cast.entities[idx]
                ent.addressed += 1
                if not ent.forms:
                    ent.forms[form] += 1
                q.vocatives.append(idx)

    def _nickname(self, name: str) -> int | None:
        """The one character whose first name this short form abbreviates ("Toby" for Tobias, "Fred" for Frederick)."""
        if len(name) < 3:
            return None
        low = name.lower()
        stem = low[:-1] if low.endswith(("y", "ie", "o")) and len(low) > 3 else low
        stem = stem[:-1] if stem.endswith("i") else stem
        hits = set()
        for i, e in enumerate(self.cast.entities):
            first = (e.first or (e.name if not e.hon and " " not in e.name else "")).lower()
            if e.descriptive or not first or first == low or len(first) <= len(low) - 1:
                continue
            if first.startswith(stem[:max(3, len(stem))]) and e.is_person:
                hits.add(i)
        if len(hits) == 1:
            idx = hits.pop()
            self.cast.by_form.setdefault(name.lower(), idx)
            self.cast.entities[idx].also_called.add(name)
            return idx
        return None
