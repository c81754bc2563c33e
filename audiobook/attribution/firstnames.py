"""A small general lexicon of common given names (English first) and the gender they usually signal.

Written from general knowledge of common given names (English-language birth registers of the last two
centuries), not from any book's characters; a prior only: pronouns and titles in the text outweigh it.
"""

from __future__ import annotations

from ..model import Gender

_FEMALE = """
abigail ada adelaide adele agatha agnes alice alicia alison amanda amelia amy angela angelina anita ann anna
annabel anne annie antonia april arabella audrey augusta barbara beatrice becky belinda bella bernadette
bertha beryl bess bessie beth betsy betty beverly blanche bonnie brenda bridget caroline carol carolyn
catherine cathy cecilia cecily celia charlotte cheryl chloe christina christine clara clare claire clarissa
constance cora cordelia cynthia daisy daphne deborah delia diana diane dinah dora doris dorothea dorothy
edith edna eileen elaine eleanor elinor eliza elizabeth ella ellen elsie emily emma esther ethel eugenia eva
eve evelyn fanny felicity fiona flora florence frances gertrude gillian gladys grace gwendolen hannah
harriet hazel heather helen helena henrietta hester hilda ida irene iris isabel isabella jane janet jean
jennifer jenny jessica jessie joan joanna josephine joyce judith julia juliet june karen kate katharine
katherine kathleen katie kitty laura lavinia leah lillian lily linda lisa lizzie lois lorna louisa louise
lucia lucy lydia mabel madeleine madeline maggie margaret margery maria marian marianne marie marion martha
mary matilda maud maude maureen maxine may meg melanie mildred millicent miranda miriam molly monica muriel
nancy naomi natalie nell nellie nora norah olive olivia pamela patricia pauline peggy penelope phoebe
phyllis polly priscilla prudence rachel rebecca rhoda rosa rosalind rose rosemary ruth sally
samantha sarah sophia sophie stella susan susanna sybil sylvia teresa theresa tabitha ursula valerie
vera victoria violet virginia vivian wendy winifred yvonne zoe
"""
_MALE = """
aaron abraham adam adrian albert alexander alfred allan alan andrew angus anthony archibald archie arnold
arthur augustus barnaby bartholomew basil ben benjamin bernard bert bill billy bob bobby brian bruce cecil
charles charlie christopher clarence claude clement clifford colin conrad cyril daniel david dennis derek
dick donald douglas duncan edgar edmund edward edwin eric ernest eugene felix ferdinand francis frank
frankie fred freddie frederick geoffrey george gerald gilbert godfrey gordon graham gregory guy harold
harry henry herbert horace howard hubert hugh humphrey ian isaac jack jacob james jasper jeffrey jeremy
jerome jim jimmy joe john johnny jonathan joseph joshua julian kenneth lawrence laurence leonard leslie
lewis lionel louis luke malcolm mark martin matthew maurice michael nathan nathaniel ned neville nicholas
nigel noah norman oliver oscar oswald patrick paul percy peter philip ralph raymond reginald richard robert
robin roderick roger ronald rupert samuel sam sebastian sidney simon stanley stephen steven stuart sydney
ted teddy terence theodore thomas timothy toby tom tommy tony victor vincent walter wilfred william willie
wallace
"""
# Given names fan fiction and translated fiction use all the time (Japanese above all), from general knowledge
# of each language's common names; names given to boys and girls alike (Haru, Rin, Yuki, Akira...) are left out.
_FEMALE_MORE = """
aiko akane akemi ayaka ayame chiyo emi hana hanako haruka hikari hinata hitomi kaede kagome kaori kasumi
keiko kiyomi kumiko mai mayu megumi midori mika misaki miyu momoko nanami noriko reiko rika rina sachiko
sakura sayaka setsuko shiori sumire tomoko yoko yui yumi yuna yuriko ayumi chika eri fumiko kazuko michiko
carmen dolores mercedes pilar sofia francesca giulia chiara giovanna alessandra greta heidi ingrid helga
"""
_MALE_MORE = """
daiki daisuke haruto hayato hideo hiroshi hiroki ichiro isamu jiro kaito kazuki kenji kenta koji masaru
minoru naoki osamu riku ryota ryuji satoshi shinji shota sota souta takashi takeshi takumi taro tatsuya
tetsuya yamato yusuke yuta yuto kenichi shigeru tadashi akio haruki kazuo
alejandro carlos diego fernando javier jorge jose juan luis manuel miguel pablo pedro rafael ramon
alessandro giovanni giuseppe luca marco matteo pietro klaus hans heinrich johann karl wolfgang dieter
"""
FIRST_NAMES: dict[str, Gender] = {**{n: "female" for n in (_FEMALE + _FEMALE_MORE).split()},
                                  **{n: "male" for n in (_MALE + _MALE_MORE).split()}}


def first_name_gender(name: str) -> Gender | None:
    """The gender a given name usually signals, if it is a common one."""
    return FIRST_NAMES.get(name.lower())

#: Common English short forms of given names (general knowledge): "Tom Reed" and "Thomas Reed" are one man.
_SHORT = """
tom:thomas tommy:thomas bill:william billy:william will:william willie:william bob:robert bobby:robert
rob:robert charley:charles dick:richard jim:james jimmy:james jack:john johnny:john ned:edward ted:edward teddy:edward
harry:henry fred:frederick freddie:frederick charlie:charles sam:samuel ben:benjamin joe:joseph
tony:anthony nick:nicholas dan:daniel matt:matthew andy:andrew alf:alfred bert:albert archie:archibald
kate:katherine kitty:katherine bess:elizabeth bessie:elizabeth betsy:elizabeth betty:elizabeth
lizzie:elizabeth eliza:elizabeth beth:elizabeth peggy:margaret meg:margaret maggie:margaret
polly:mary molly:mary fanny:frances nell:eleanor nellie:eleanor sally:sarah jenny:jane jessie:janet
sukey:susan sue:susan annie:anne nan:anne dolly:dorothy dora:dorothy patty:martha
"""
SHORT_FORMS: dict[str, str] = dict(pair.split(":") for pair in _SHORT.split())


def same_given_name(a: str, b: str) -> bool:
    """Whether two given names are one, up to a common short form ("Tom" and "Thomas")."""
    x, y = a.lower(), b.lower()
    return x == y or SHORT_FORMS.get(x, x) == SHORT_FORMS.get(y, y)
