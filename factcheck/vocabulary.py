"""The words of a text as the checks compare them: lowercased tokens, their English stems
(Snowball), the words that say nothing about a topic, numbers spelled either way, a country and
its people as one.

Why no model: a check must be one a fact-checker can follow ("the cited passage does not hold
its facts") and run in milliseconds. answer.py and claims.py share it; claims.py keeps
FUNCTION_WORDS and the five-letter cut(), with which its thresholds were fitted.
"""

from __future__ import annotations

import re
import threading

import Stemmer

FUNCTION_WORDS = set("""a an and are as at be been being but by did do does for from had has have he her his how if in
into is it its of on or she so than that the their them then there these they this those to was we were what
when where which who whom why will with would you about after also any because before both during each more
most other over same should some such only very while last first said says according
source sources passage passages article articles report reported recent recently latest time
week weeks weekend today yesterday tonight monday tuesday wednesday thursday friday saturday sunday""".split())
# Prepositions, particles and modals are no topic either: "through" counted as one of what "Which
# weather swept through several European countries?" is about, and "off" as a word "turning off
# the AC" must find in a passage that says "cut air conditioning". (claims.py keeps
# FUNCTION_WORDS and cut: its overlap thresholds were fitted with them.)
STOP = FUNCTION_WORDS | set("""through across under between against among within without around near until amid upon
onto toward towards per via off out up down all our your my me him us can could may might must shall just""".split())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9'’-]*", text.lower())


# Irregular forms a question and its answer often differ by ("When did they meet?" "They met").
_LEMMA = dict(pair.split(":") for pair in """met:meet said:say says:say won:win held:hold took:take taken:take went:go gone:go
made:make told:tell left:leave led:lead found:find gave:give given:give began:begin begun:begin chose:choose
chosen:choose fell:fall fallen:fall rose:rise risen:rise sold:sell bought:buy paid:pay spent:spend lost:lose
struck:strike fled:flee sent:send built:build came:come become:become became:become ran:run seen:see saw:see
knew:know known:know wrote:write written:write spoke:speak spoken:speak thought:think brought:bring kept:keep
meant:mean felt:feel stood:stand understood:understand sought:seek taught:teach caught:catch fought:fight
drew:draw drawn:draw grew:grow grown:grow threw:throw thrown:throw broke:break broken:break got:get gotten:get
hid:hide shot:shoot signed:sign""".split())


def cut(word: str) -> str:
    """A crude stem: the first five letters. The claim checks' thresholds were fitted with it."""
    return _LEMMA.get(word, word)[:5]


_STEMMERS = threading.local()  # a PyStemmer stemmer is not to be shared between threads


def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lowercased word, irregular forms first made
    regular ("met" is "meet"). Unlike a cut to a few letters it keeps names apart ("Austria" is
    not "Australia", "Niger" not "Nigeria") and words of one family together ("rolled", "roll")."""
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    # A hyphen or apostrophe at an edge is where a name was cut from its digits ("Covid-" of "Covid-19").
    return stemmer.stemWord(_LEMMA.get(word, word).replace("’", "'").strip("-'"))


# Small numbers are often spelled out on one side only ("extended six months" / "6 months").
NUMBER_WORDS = {w: str(i) for i, w in enumerate("""zero one two three four five six seven eight nine ten eleven
twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty""".split())}


def numbers(text: str) -> set[str]:
    digits = {n.replace(",", "").rstrip(".") for n in re.findall(r"\d[\d,.]*", text)}
    return digits | {NUMBER_WORDS[w] for w in words(text) if w in NUMBER_WORDS}


# Days a sentence names: a weekday, a month, or a day counted from now. They are stop words for the
# topic ("this week", "on Monday" say little of what a story is about), yet each is a fact of when:
# days() reads them apart. A month counts when written as a name (capitalised, or abbreviated with
# its dot or a day after it), so "may" the verb and "march" the walk name none.
MONTHS = "january february march april may june july august september october november december".split()
MONTH_ABBREVIATIONS = "jan feb mar apr jun jul aug sep sept oct nov dec".split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTH = re.compile(r"\b(?:(%s)|(%s)(?:\.|(?=\s+\d)))(?![A-Za-z])"
                    % ("|".join(m.capitalize() for m in MONTHS), "|".join(m.capitalize() for m in MONTH_ABBREVIATIONS)))
_DAY = re.compile(r"\b(?:(%s)s?|(yesterday|today|tonight|tomorrow))(?![a-z])" % "|".join(WEEKDAYS), re.I)


def days(text: str) -> set[str]:
    """The days a text names, each as one lower-case word ("Jan." is january, "Fridays" friday)."""
    months = {(full or next(m for m in MONTHS if m.startswith(short.lower()[:3]))).lower()
              for full, short in _MONTH.findall(text)}
    return months | {(weekday or relative).lower() for weekday, relative in _DAY.findall(text)}


# A country and its people are one name to a reader ("China" from "Chinese citizens"): the
# irregular ones listed here, the regular ones ("Ukraine"/"Ukrainian") made by _peoples() below.
_SAME_PLACE = [g.split("/") for g in """china/chinese france/french britain/british spain/spanish sweden/swedish/swede
finland/finnish poland/polish turkey/turkish denmark/danish norway/norwegian greece/greek switzerland/swiss
wales/welsh ireland/irish netherlands/dutch/holland england/english scotland/scottish/scots peru/peruvian iraq/iraqi
cuba/cuban iran/iranian oman/omani italy/italian cyprus/cypriot malta/maltese philippines/filipino/filipina
thailand/thai myanmar/burmese afghanistan/afghan pakistan/pakistani bangladesh/bangladeshi israel/israeli
kuwait/kuwaiti qatar/qatari yemen/yemeni somalia/somali vietnam/vietnamese japan/japanese lebanon/lebanese
portugal/portuguese senegal/senegalese nepal/nepalese sudan/sudanese congo/congolese taiwan/taiwanese
kazakhstan/kazakh uzbekistan/uzbek zealand/zealander korea/korean arabia/arabian africa/african lanka/lankan
salvador/salvadoran europe/european asia/asian arab/arabic/arabian""".split()]


def _with_places(found: set[str]) -> set[str]:
    return found.union(*(_PLACE_STEMS[s] for s in found & _PLACE_STEMS.keys()))


def topic(question: str) -> set[str]:
    """What the question is about: the stems of its content words."""
    return {stem(w) for w in words(question) if w not in STOP and len(w) > 2 and not w.isdigit()}


def capitalised(text: str) -> set[str]:
    """The stems of its capitalised words that are not stop words: names, and a first word."""
    return {stem(w.lower()) for w in re.findall(r"\b[A-Z][a-zA-Z’'-]+", text) if w.lower() not in STOP}


def stems(text: str) -> set[str]:
    """What a text can back: its stems, each part of a hyphenated word too ("Covid-19" names
    Covid), a country's people counting as the country, a US state's AP abbreviation as the state,
    an abbreviated month as the month ("Jan." names January)."""
    return (_with_places({stem(p) for w in words(text) for p in {w, *w.split("-")} if p}) | us_states(text)
            | {stem(m) for m in days(text) if m in MONTHS})


# US states as AP style abbreviates them after a lawmaker's party ("R-N.Y.", "D-Calif.") and a
# city ("Miami, Fla."); the states it never abbreviates are named in full there anyway. Only
# those two places: elsewhere "Miss." or "Mass." may be other words.
_AP_STATES = dict(pair.split("=") for pair in """Ala.=alabama Ariz.=arizona Ark.=arkansas Calif.=california
Colo.=colorado Conn.=connecticut Del.=delaware Fla.=florida Ga.=georgia Ill.=illinois Ind.=indiana Kan.=kansas
Ky.=kentucky La.=louisiana Md.=maryland Mass.=massachusetts Mich.=michigan Minn.=minnesota Miss.=mississippi
Mo.=missouri Mont.=montana Neb.=nebraska Nev.=nevada N.H.=new_hampshire N.J.=new_jersey N.M.=new_mexico
N.Y.=new_york N.C.=north_carolina N.D.=north_dakota Okla.=oklahoma Ore.=oregon Pa.=pennsylvania R.I.=rhode_island
S.C.=south_carolina S.D.=south_dakota Tenn.=tennessee Vt.=vermont Va.=virginia Wash.=washington W.Va.=west_virginia
Wis.=wisconsin Wyo.=wyoming D.C.=district_of_columbia""".split())
_AP_STATE = re.compile(r"(?:\b[RDI]-|[A-Za-z], )((?:[A-Z]\.\s?){2}|W\.\s?Va\.|[A-Z][a-z]{1,4}\.)")


def us_states(text: str) -> set[str]:
    """The stems of the US states a text names by their AP abbreviation ("R-N. Y." names New York)."""
    found = {_AP_STATES.get(m.group(1).replace(" ", "")) for m in _AP_STATE.finditer(text)}
    return {stem(w) for name in found if name for w in name.split("_") if w != "of"}


_POSSESSIVE = re.compile(r"['’]s$")


def surface(text: str) -> set[str]:
    """Its words as written (lowercased, a possessive dropped): "Ukraine’s" shows "ukraine"."""
    return {_POSSESSIVE.sub("", w) for w in words(text)}


def names(text: str) -> set[str]:
    """Its capitalised words as surface() gives them, stop words left out. Tokens are cut as
    words() cuts them, so "then-President" holds no name "President"."""
    return {n for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text) if w[0].isupper()
            for n in surface(w) if n not in STOP}


# Countries, with the short forms news uses ("UK", "Britain", "Holland"). A sentence names one when
# the stems of one of its forms come in a row ("Saudi Arabian" names Saudi Arabia, "Ukrainian"
# Ukraine); a country's people count through _SAME_PLACE. Upper-case short forms ("US", "UK") count
# only as written, so "told us" names no country.
_COUNTRIES = [g.split("/") for g in """afghanistan, albania, algeria, andorra, angola, antigua and barbuda/antigua,
argentina, armenia, australia, austria, azerbaijan, bahamas, bahrain, bangladesh, barbados, belarus, belgium, belize,
benin, bhutan, bolivia, bosnia and herzegovina/bosnia, botswana, brazil, brunei, bulgaria, burkina faso, burundi,
cambodia, cameroon, canada, cape verde/cabo verde, central african republic, chad, chile, china, colombia, comoros,
congo/DRC, costa rica, croatia, cuba, cyprus, czech republic/czechia/czech, denmark, djibouti, dominica,
dominican republic, ecuador, egypt, el salvador/salvador, equatorial guinea, eritrea, estonia, eswatini/swaziland,
ethiopia, fiji, finland, france, gabon, gambia, georgia, germany, ghana, greece, grenada, guatemala, guinea,
guinea-bissau, guyana, haiti, honduras, hungary, iceland, india, indonesia, iran, iraq, ireland, israel, italy,
ivory coast/côte d'ivoire, jamaica, japan, jordan, kazakhstan/kazakh, kenya, kiribati, kosovo, kuwait, kyrgyzstan,
laos, latvia, lebanon, lesotho, liberia, libya, liechtenstein, lithuania, luxembourg, madagascar, malawi, malaysia,
maldives, mali, malta, marshall islands, mauritania, mauritius, mexico, micronesia, moldova, monaco, mongolia,
montenegro, morocco, mozambique, myanmar/burma, namibia, nauru, nepal, netherlands/holland, new zealand, nicaragua,
niger, nigeria, north korea, north macedonia/macedonia, norway, oman, pakistan, palau, palestine, panama,
papua new guinea, paraguay, peru, philippines, poland, portugal, qatar, romania, russia, rwanda, saint lucia, samoa,
san marino, saudi arabia/saudi, senegal, serbia/serb, seychelles, sierra leone, singapore, slovakia, slovenia,
solomon islands, somalia, south africa, south korea, south sudan, spain, sri lanka, sudan, suriname, sweden,
switzerland, syria, taiwan, tajikistan, tanzania, thailand, timor-leste/east timor, togo, tonga,
trinidad and tobago/trinidad, tunisia, turkey/türkiye, turkmenistan, tuvalu, uganda, ukraine,
united arab emirates/UAE/emirates, united kingdom/UK/britain/great britain/england/scotland/wales/northern ireland,
united states/US/USA/america, uruguay, uzbekistan, vanuatu, vatican/holy see, venezuela, vietnam, yemen, zambia,
zimbabwe""".replace("\n", " ").split(", ")]


def _peoples() -> dict[str, str]:
    """A people's word for each one-word country name ("Ukrainian", "Brazilian", "German"), made
    by the regular English endings; where two countries would make the same word the longer name
    keeps it ("Nigerian" is Nigeria's, not Niger's). Last words of longer names ("Republic",
    "Islands") make none: "Republican" names no country."""
    out: dict[str, str] = {}
    for name in sorted({form for g in _COUNTRIES for form in g if form.isalpha() and form.islower()}, key=len):
        base = name.rstrip("aeiouy")
        forms = [name + "n", name + "an", base + "ian", base + "an", base + "ean", base + "i"]
        if name.endswith("y"):  # Germany / German, Hungary / Hungarian
            forms.append(name[:-1])
        for form in forms:
            out[stem(form)] = stem(name)
    return out


def _place_stems() -> dict[str, set[str]]:
    groups = [{stem(w) for w in g} for g in _SAME_PLACE] + [{p, c} for p, c in _peoples().items()]
    out: dict[str, set[str]] = {}
    for g in groups:
        for s in g:
            out.setdefault(s, set()).update(g)
    return out


def _country_token(word: str) -> set[str]:
    """What one written word can be in a country's name: its stem and, for a people, its
    country's; an upper-case short form only as itself ("US", "U.S." but not "us"). A part of a
    hyphenated word counts as a country's own name ("the Israel-Hamas war" names Israel), not as a
    people: "Arab-Israeli" is a people, not a country."""
    short = word.replace(".", "")
    if short.isupper() and 2 <= len(short) <= 4:
        return {"=" + short.lower()}
    lowered = word.lower().rstrip(".")
    return _with_places({stem(lowered)}) | {stem(part) for part in lowered.split("-") if part}


_PLACE_STEMS = _place_stems()
_COUNTRY_FORMS = [(g[0], ["=" + w.lower() if w.isupper() else stem(w) for w in form.split()]) for g in _COUNTRIES for form in g]


def countries(text: str) -> set[str]:
    """The countries a text names, by their first form ("united states" for "the US")."""
    seq = [_country_token(_POSSESSIVE.sub("", w)) for w in re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’.-]*", text)]
    return {name for name, form in _COUNTRY_FORMS
            if any(all(form[j] in seq[i + j] for j in range(len(form))) for i in range(len(seq) - len(form) + 1))}
