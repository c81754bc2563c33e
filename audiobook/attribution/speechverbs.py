"""A lexicon of speech verbs in every inflection ("said", "says", "saying"...), for finding speech tags."""

from __future__ import annotations

import re
from typing import Any

_BASES = """
say ask reply answer cry exclaim shout yell scream shriek whisper murmur mutter mumble grumble growl snarl
snap bark roar bellow call add continue resume repeat explain insist declare announce remark observe note
comment respond retort rejoin return interrupt interpose agree assent admit confess concede acknowledge
protest object argue demand inquire enquire query question wonder suggest propose offer urge plead beg
implore entreat pray command order instruct warn caution threaten promise assure reassure console comfort
soothe encourage tease joke jest laugh chuckle giggle snicker snigger sneer scoff jeer mock taunt sigh
groan moan wail sob weep whimper whine gasp pant breathe stammer stutter splutter sputter blurt babble
gabble chatter prattle ramble drawl lisp hiss purr coo croak rasp wheeze squeak squeal yelp howl thunder
boom chorus intone recite sing chant quote correct conclude finish venture hazard guess reason muse
reflect ponder speculate surmise opine maintain assert affirm claim contend allege swear vow pledge
counter parry deny refuse decline accuse scold chide rebuke reprove reproach admonish lecture preach nag
complain lament bemoan mourn apologize apologise thank greet hail welcome introduce proclaim report
relate recount narrate inform remind hint imply insinuate mention state stress emphasize emphasise
persist press prompt coax wheedle cajole flatter gush enthuse rave rant storm fume rage seethe huff
grunt snort sniff sniffle cough yawn screech squawk bawl blubber holler whoop cheer exult crow gloat
boast brag challenge dare invite summon falter remonstrate expostulate ejaculate vociferate pursue
supplement chime pipe burst cut break put go speak tell begin think bid shrill trill
quaver quiver wonder breathe grate bleat simper smirk titter guffaw chortle roar scoff cackle sniff
snuffle hazard prophesy prophesie predict calculate estimate reckon figure explain elucidate clarify
specify stipulate retract revise amend echo parrot mimic imitate mouth utter voice articulate pronounce
enunciate inquire probe quiz cross-examine interrogate query challenge demand exhort implore
supply corroborate flash hoot tap chaff signal telegraph interject contradict subjoin interpret confide concur sum
bluster reiterate advise confirm chirp warble snivel volunteer sympathize sympathise moralize moralise
""".split()

_IRREGULAR = {
    "say": ["said", "says", "saying"], "speak": ["spoke", "speaks", "speaking", "spoken"],
    "tell": ["told", "tells", "telling"], "begin": ["began", "begins", "beginning", "begun"],
    "go": ["went", "goes", "going"], "break": ["broke", "breaks", "breaking"], "put": ["put", "puts", "putting"],
    "cut": ["cut", "cuts", "cutting"], "burst": ["burst", "bursts", "bursting"], "think": ["thought", "thinks"],
    "swear": ["swore", "swears", "swearing", "sworn"], "sing": ["sang", "sings", "singing", "sung"],
    "bid": ["bade", "bid", "bids", "bidding"], "read": ["read", "reads", "reading"],
    "write": ["wrote", "writes", "writing", "written"], "cry": ["cried", "cries", "crying"],
    "signal": ["signalled", "signaled", "signals", "signalling", "signaling"],
}
_DOUBLE = set("snap beg stop chat pat nag sob plan grin hum jab quip blab prod drop trip admit commit dab "
              "dig gab grab nod rap rip scan slip snip spit step tap trot wag yap yip jot bet fret pet whip "
              "shrug sum".split())

#: Verbs that need a particle to be speech ("went on", "broke in", "put in").
PARTICLE_VERBS = {"go": "on", "break": "in|out|off", "put": "in", "cut": "in", "burst": "out|forth",
                  "chime": "in", "sum": "up"}


def _forms(base: str) -> list[str]:
    if base in _IRREGULAR:
        return [base, *_IRREGULAR[base]]
    out = [base]
    if base in _DOUBLE:
        out += [base + base[-1] + "ed", base + base[-1] + "ing", base + "s"]
    elif base.endswith("e"):
        out += [base + "d", base + "s", base[:-1] + "ing"]
    elif base.endswith("y") and base[-2] not in "aeiou":
        out += [base[:-1] + "ied", base[:-1] + "ies", base + "ing"]
    elif re.search(r"(s|sh|ch|x|z|o)$", base):
        out += [base + "ed", base + "es", base + "ing"]
    else:
        out += [base + "ed", base + "s", base + "ing"]
    return out


def _build() -> tuple[str, dict[str, str]]:
    lemma: dict[str, str] = {}
    trie: dict[str, Any] = {}  # letter -> subtrie; "" -> {the regex ending the form: None}
    for base in dict.fromkeys(_BASES):
        particle = PARTICLE_VERBS.get(base)
        for f in _forms(base):
            lemma[f] = base
            node = trie
            for ch in f:
                node = node.setdefault(ch, {})
            node.setdefault("", {})[rf"\s+(?:{particle})" if particle else ""] = None
    return _alternation(trie), lemma


def _alternation(node: dict[str, Any]) -> str:
    """A trie of the forms as one regex: Python tries a flat alternation's branches one by one at every
    position, which made this lexicon the slowest part of reading tags; a trie fails on the first letter.
    It matches what the flat alternation did: no form is another's prefix up to a non-letter (the verb's
    lookahead below then fails), so at any position at most one form can match."""
    alts = [re.escape(ch) + _alternation(child) for ch, child in sorted(node.items()) if ch]
    alts += sorted(node.get("", {}), key=len, reverse=True)  # a particle before the bare end
    if len(alts) == 1:
        return alts[0]
    return "(?:" + "|".join(alts) + ")"


VERB_ALT, LEMMA = _build()
#: A speech verb (any inflection, with its particle where one is needed), as a whole word.
VERB = rf"(?:{VERB_ALT})(?![\w'\u2019]|-\w)"  # "said--" is a tag; "cross-examined" is not "cross"
#: Verbs in the present tense that fan fiction's beats are written in ("Souta shrugs.", "Inuyasha leaps down").
PRESENT_ACTIONS = """says asks looks turns walks grins smiles shrugs nods sighs rolls laughs frowns huffs glances
stares steps sits stands takes puts grabs pulls pushes opens closes leans raises shakes runs comes goes gets lets
holds reaches watches waits tilts blinks snorts scoffs smirks crouches jumps lands kneels rises drops picks hands
gives replies answers whispers mutters murmurs yells shouts calls snaps leaps crosses storms stomps wraps pats
hugs kisses winks pouts giggles chuckles gasps winces blushes scowls points tosses throws""".split()

#: Gestures that make a speech tag only in verb-then-subject order, right after a quote ("nodded Ysolde").
GESTURE_VS = r"(?:nodded|smiled|grinned|frowned|shrugged|beamed|winked|pouted)(?![\w'\u2019])"
#: Nouns for speech in possessive tags ("came Anne's reply", "Anne's voice").
SPEECH_NOUNS = ("voice|voices|reply|answer|response|retort|rejoinder|question|words|comment|remark|cry|whisper|"
                "tone|tones|exclamation|greeting|command|order|protest|query|inquiry|enquiry|murmur|shout|"
                "scream|laugh|sigh|groan|explanation|observation|advice|interruption|lips|mouth|reasoning|language|"
                "declaration|reproach|complaint|speech|assurance|argument|suggestion|proposal|entreaty|request|"
                "remonstrance|verdict|conclusion|ejaculation|salutation|reflection|exclamation|rejoinder|saying|summing|"
                "consolation|admonition|apology|warning|invitation|exhortation|plea")
