"""Reading a goal's words, in English and French: the wishes that are not goals, and the
figures, periods and names a text states, so that the SMART check can hold them to the terms.

Everything here reads text only; what the words must agree with is `goals.smart`'s business.
Texts are matched without regard to case or accents ("Être", "etre" and "ETRE" are one word),
so the patterns below are written in lower case without accents.
"""

import calendar
import datetime
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from distributors.codes import currency_codes

# --- folding -----------------------------------------------------------------------------------

# Spaces that number grouping uses (no-break, narrow no-break, thin), typographic apostrophes
# and dashes all read as their plain ASCII form.
_PLAIN = {
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}


def fold(text, *, lower=True):
    """`text` without accents (and in lower case): one character for one, so that a match in the
    folded text spans the same characters in the original."""
    out = []
    for char in text:
        char = _PLAIN.get(char, char)
        base = unicodedata.normalize("NFD", char)[0]
        if lower:
            low = base.lower()
            base = low if len(low) == 1 else base
        out.append(base)
    return "".join(out)


def _words(text):
    """The words as written, on one line (the quotes in messages)."""
    return " ".join(text.split())


# --- wishes that are not goals -----------------------------------------------------------------


@dataclass(frozen=True)
class VaguePhrase:
    """A way of wishing instead of setting a goal: a pattern over the folded text (lower case,
    no accents), its language, and a wording it refuses (kept as the pattern's test)."""

    pattern: str
    language: str
    example: str


_BE = r"(?:be|being|become|becoming|remain|remaining|stay|staying)"
# A wish that opens a sentence: "Grow in Italy", "Market leader in Bavaria", "Croître en Espagne"
# (in the middle of a sentence these words may well describe, not wish).
_OPENING = r"(?:^|(?<=[.!?;:\n]))\s*"
_SALES_EN = (
    r"(?:sales|revenues?|turnover|business|market\s+share|share|presence|visibility|footprint"
    r"|margins?|volumes?|growth|results|performance|position|profits?|customers|customer\s+base)"
)
_SALES_FR = (
    r"(?:ventes|chiffre\s+d'affaires|ca|presence|parts?\s+de\s+marche|marges?|volumes?|activite"
    r"|business|visibilite|resultats|performances?|croissance|clientele|position)"
)
_DET_FR = r"(?:(?:nos|notre|les|le|la|ses|son|sa|leur|leurs|du|des)\s+|l')"

VAGUE_PHRASES = (
    # --- English
    VaguePhrase(
        rf"\b{_BE}\s+(?:(?:the|a|an|our|their)\s+)?(?:[a-z'-]+\s+){{0,2}}?leaders?\b",
        "en",
        "Become the leader in Bavaria",
    ),
    VaguePhrase(r"\bmarket\s+leadership\b", "en", "Market leadership in 2027"),
    VaguePhrase(rf"{_OPENING}(?:the\s+)?market\s+leaders?\b", "en", "Market leader in Bavaria"),
    VaguePhrase(
        r"\b(?:achieve|gain|win|take|reach|establish|secure|keep|maintain|regain)\s+"
        r"(?:(?:the|our)\s+)?(?:[a-z-]+\s+)?leadership\b",
        "en",
        "Achieve leadership in valves",
    ),
    VaguePhrase(
        r"(?:\bnumber\s*-?\s*(?:one|1)|\b(?:no\.?|nr\.?)\s*1|\bno\.\s*one|#\s*1)\b",
        "en",
        "Be number one in Italy by 2027",
    ),
    VaguePhrase(
        r"\b(?:in|into|among|to)\s+(?:the\s+)?top\s*-?\s*(?:\d{1,2}|one|two|three|five|ten)\b",
        "en",
        "Be in the top 3 by 2027",
    ),
    VaguePhrase(
        rf"\b{_BE}\s+(?:(?:the|a|an|our)\s+)?(?:[a-z-]+\s+)?(?:best|first|biggest|largest"
        r"|strongest|leading|preferred|reference|go-to|first\s+choice|dominant)\b",
        "en",
        "Be the best distributor of the region",
    ),
    VaguePhrase(
        r"\bsell(?:s|ing)?\s+(?:(?:much|a\s+lot|far|many|way)\s+)?(?:more|better|harder)\b",
        "en",
        "Sell more pumps",
    ),
    VaguePhrase(
        rf"\b(?:more|greater|higher|bigger|better|increased|stronger|improved)\s+{_SALES_EN}\b",
        "en",
        "More sales in 2026",
    ),
    VaguePhrase(
        r"\b(?:increas|grow|boost|rais|improv|expand|develop|maximi[sz]|strengthen|enhanc|push"
        r"|driv|accelerat|lift|extend|broaden|widen|optimi[sz])\w*\s+"
        rf"(?:(?:our|the|its|their|my|a)\s+)?(?:[a-z-]+\s+)?{_SALES_EN}\b",
        "en",
        "Increase our sales by 2027",
    ),
    VaguePhrase(rf"{_OPENING}grow(?:s|ing)?\b", "en", "Grow in Italy"),
    VaguePhrase(
        r"\b(?:do|doing|perform|performing|work|working)\s+(?:(?:much|a\s+lot|far)\s+)?better\b",
        "en",
        "Do better than 2025",
    ),
    VaguePhrase(
        r"\b(?:outperform\w*|outsell\w*|beat(?:s|ing)?\s+(?:the\s+|our\s+)?competi\w*)",
        "en",
        "Outperform the competition",
    ),
    VaguePhrase(
        r"\b(?:win|gain|take|capture|grab)\s+(?:(?:more|some)\s+)?(?:[a-z-]+\s+)?"
        r"(?:market\s+)?share\b",
        "en",
        "Win market share from competitors",
    ),
    VaguePhrase(
        r"\b(?:dominat\w*|conquer(?:s|ed|ing)?)\s+(?:the\s+)?(?:[a-z-]+\s+)?markets?\b",
        "en",
        "Dominate the pump market",
    ),
    VaguePhrase(r"\bas\s+(?:much|many)\s+as\s+possible\b", "en", "Sell as much as possible"),
    VaguePhrase(r"\b(?:world|best)[\s-]+(?:class|in[\s-]+class)\b", "en", "World-class service"),
    # --- French
    VaguePhrase(
        r"\b(?:etre|devenir|rester|sommes|serons|soyons|devenons|demeurer)\s+"
        r"(?:(?:le|la|les|un|une|notre|nos)\s+|l')?(?:[a-z'-]+\s+){0,2}?"
        r"(?:leaders?|leadeur|premiere?s?|meilleure?s?|reference|incontournables?|champions?)\b",
        "fr",
        "Être leader en Italie",
    ),
    VaguePhrase(
        r"\bleaders?\s+(?:du|sur\s+le|de\s+notre|de\s+son)\s+marche\b",
        "fr",
        "Leader du marché en 2027",
    ),
    VaguePhrase(r"(?:\b(?:numero|num\.?)|n°|nº)\s*-?\s*(?:un|1)\b", "fr", "Devenir n°1 en France"),
    VaguePhrase(
        r"\b(?:augment|accroi|accroitr|develop|boost|amelior|dynamis|renforc|etend|etendr"
        r"|intensifi|maximis|relanc|redress|stimul|optimis|elarg)\w*\s+"
        rf"{_DET_FR}?(?:[a-z-]+\s+)?{_SALES_FR}\b",
        "fr",
        "Augmenter nos ventes",
    ),
    VaguePhrase(
        r"\bvend(?:re|ons|ez|ent|s)?\s+(?:(?:beaucoup|bien|encore)\s+)?(?:plus|davantage|mieux)\b",
        "fr",
        "Vendre plus en 2027",
    ),
    VaguePhrase(
        rf"\b(?:plus|davantage)\s+(?:de\s+|d')(?:{_SALES_FR}|clients|business)\b",
        "fr",
        "Plus de ventes au T3 2026",
    ),
    VaguePhrase(
        r"\bfaire\s+(?:(?:beaucoup|bien|encore)\s+)?(?:mieux|plus|davantage)\b",
        "fr",
        "Faire mieux qu'en 2025",
    ),
    VaguePhrase(rf"{_OPENING}(?:croitre|progresser|grandir)\b", "fr", "Croître en Espagne"),
    VaguePhrase(
        r"\b(?:gagner|conquerir|prendre|grignoter)\s+(?:des\s+|de\s+|plus\s+de\s+)?"
        r"parts?\s+de\s+marche\b",
        "fr",
        "Gagner des parts de marché",
    ),
    VaguePhrase(
        r"\b(?:domin\w*|conquerir|conquete\s+d\w*)\s+(?:le\s+|du\s+|les\s+)?marches?\b",
        "fr",
        "Dominer le marché des pompes",
    ),
    VaguePhrase(r"\ble\s+plus\s+possible\b", "fr", "Vendre le plus possible"),
)


@cache
def _vague():
    return [(re.compile(phrase.pattern), phrase) for phrase in VAGUE_PHRASES]


def vague_phrase(text):
    """(the VaguePhrase, the words as written) of the first wish in `text`, or None."""
    folded = fold(text)
    found = []
    for pattern, phrase in _vague():
        match = pattern.search(folded)
        if match:
            found.append((match.start(), phrase, _words(text[match.start() : match.end()])))
    if not found:
        return None
    _start, phrase, words = min(found, key=lambda row: row[0])
    return phrase, words


# --- figures -----------------------------------------------------------------------------------

MONEY, SCALED, PERCENT, POINTS, COUNT = "money", "scaled", "percent", "points", "count"


@dataclass(frozen=True)
class Figure:
    """A quantity a text states: its kind, its value, the precision it is written to (`step`:
    "72 k" is 72,000 to the nearest 1,000), and the words as written.

    `currency` is the ISO code of a MONEY figure; `counts` what a COUNT counts (units, visits,
    trainings, meetings, or other things such as customers)."""

    kind: str
    value: Decimal
    step: Decimal
    words: str
    currency: str = ""
    counts: str = ""

    def matches(self, number):
        """Whether `number` reads as this figure once rounded as the figure is written (half
        up: "72 k" is 71,500 up to 72,499.99). Signs are left out: "-5 %" and "5 % less" say
        the same."""
        if number is None:
            return False
        rounded = (abs(Decimal(number)) / self.step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return rounded * self.step == abs(self.value)


# Currency signs and words, and the ISO codes that read as English or French words in capitals
# ("TOP 3", "ALL pumps"): those stay words.
_SIGNS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY", "A$": "AUD", "C$": "CAD",
          "R$": "BRL", "zł": "PLN", "Fr.": "CHF"}  # fmt: skip
_CURRENCY_WORDS = (
    (r"euros?", "EUR"),
    (r"(?:us\s+)?dollars?", "USD"),
    (r"pounds?\s+sterling|livres?\s+sterling", "GBP"),
    (r"swiss\s+francs?|francs?\s+suisses?", "CHF"),
    (r"yens?", "JPY"),
)
_CODE_WORDS = {"ALL", "AND", "BAD", "BAN", "BEL", "BOB", "CUP", "DEM", "ESP", "GEL", "LUC", "MAD",
               "PEN", "PES", "SOS", "SUR", "TOP", "TRY", "USN", "USS", "XXX", "XTS"}  # fmt: skip
_SCALES = (
    (r"k|K|(?i:thousand|mille|milliers?)", Decimal(1000)),
    (r"M|Mio\.?|Mn|MM|(?i:millions?)", Decimal(1_000_000)),
    (r"bn|Bn|Md|Mds|(?i:billions?|milliards?)", Decimal(1_000_000_000)),
)
# What a count counts: the words that say so (plural or singular, accents optional).
COUNT_WORDS = (
    ("units", r"units?|unites?|pieces?|pcs|items?|articles?"),
    ("visits", r"visits?|visites?"),
    ("trainings", r"trainings?|training\s+sessions?|formations?|workshops?|ateliers?"),
    (
        "meetings",
        r"one[\s-]to[\s-]ones?|one[\s-]on[\s-]ones?|1[:-]1s?|meetings?|entretiens?|reunions?",
    ),
    (
        "other",
        r"customers?|clients?|dealers?|distributors?|distributeurs?|revendeurs?|resellers?"
        r"|installers?|installateurs?|leads?|orders?|commandes?|contracts?|contrats?|projects?"
        r"|projets?|demos?|demonstrations?|accounts?|comptes?|outlets?|points\s+de\s+vente"
        r"|stores?|magasins?|agences?|branches?|partners?|partenaires?",
    ),
)

# A number as written in English or French: grouped by commas, points, apostrophes or spaces
# (plain, no-break or narrow: folding made them plain), with decimals after a point or a comma.
# Digits glued to letters (DN50, Q3, v1.2.3) are codes, not numbers.
_NUMBER = (
    r"(?<![\w.,'])(?<![^\W\d_]-)"
    r"(?P<num>\d{1,3}(?:(?:[,.']|\s(?=\d{3}(?!\d)))\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![.,]?\d)"
)


@cache
def _figures_pattern():
    codes = sorted(set(currency_codes()) - _CODE_WORDS)
    signs = sorted(_SIGNS, key=len, reverse=True)
    currency = (
        r"(?:" + "|".join(re.escape(sign) for sign in signs) + r"|"
        r"(?<![A-Za-z])(?:" + "|".join(codes) + r")(?![A-Za-z])|"
        r"\b(?i:" + "|".join(words for words, _code in _CURRENCY_WORDS) + r")\b)"
    )
    scale = r"(?:" + "|".join(f"(?:{words})" for words, _n in _SCALES) + r")"
    scale_with_currency = rf"(?:{scale}|m)"
    of = r"(?:\s*(?:d'|de\s+))?"
    counts = "|".join(f"(?P<count_{name}>{words})" for name, words in COUNT_WORDS)
    alternatives = [
        # EUR 72 k, €1.2M, $ 1,200
        rf"(?P<cur_a>{currency})\s?{_NUMBER.replace('num', 'num_a')}"
        rf"(?:\s?(?P<scale_a>{scale_with_currency})(?![A-Za-z]))?",
        # 72 k EUR, 1,2 M€, 1 300 000 €, 1.2 million euros, 1,2 million d'euros, 68k€
        rf"{_NUMBER.replace('num', 'num_b')}\s?(?:(?P<scale_b>{scale_with_currency})\s?)?"
        rf"{of}(?P<cur_b>{currency})",
        # 68k, 1.2 M, 2 millions
        rf"{_NUMBER.replace('num', 'num_c')}\s?(?P<scale_c>{scale})(?![\w$€£¥])",
        # 30.4 %, 12 percent, 12 pour cent
        rf"{_NUMBER.replace('num', 'num_d')}\s?"
        r"(?P<percent>%|(?i:percent|per\s+cent|pour\s*cent)\b)",
        # 1.5 points
        rf"{_NUMBER.replace('num', 'num_e')}\s?(?P<points>(?i:points?|pts?|pp)\b)",
        # 1,200 units, 12 distributor visits (one word may stand between)
        rf"{_NUMBER.replace('num', 'num_f')}\s?(?:[^\W\d_][\w'-]*\s+)?(?i:{counts})\b",
    ]
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives))


def _currency_of(text):
    if text in _SIGNS:
        return _SIGNS[text]
    folded = fold(text)
    for words, code in _CURRENCY_WORDS:
        if re.fullmatch(words, folded):
            return code
    return text


def _scale_of(text):
    if not text:
        return Decimal(1)
    if text == "m":
        return Decimal(1_000_000)
    for words, factor in _SCALES:
        if re.fullmatch(words, text):
            return factor
    return Decimal(1)


def parse_number(written, *, decimal_hint=False):
    """(value, step) of a number written in English or French, or None.

    Groups of three digits may be separated by a comma, a point, an apostrophe or a space; the
    decimals follow a point or a comma. A single comma or point followed by exactly three digits
    groups thousands ("1,200" and "1.200" are 1200), unless `decimal_hint` (a million scale or a
    percent follows: "2.675 M", "1,250 %") makes it a decimal mark.
    """
    text = written.replace(" ", "'")
    marks = [(i, c) for i, c in enumerate(text) if c in ",.'"]
    if not marks:
        return Decimal(text), Decimal(1)
    kinds = {c for _i, c in marks}
    last_index, last = marks[-1]
    tail = text[last_index + 1 :]
    if last == "'":
        decimal = False
    elif len(kinds - {"'"}) == 2:
        decimal = True  # 1,234.5 or 1.234,5: the last mark is the decimal one
    elif sum(1 for _i, c in marks if c == last) > 1:
        decimal = False  # 1,234,567
    elif "'" in kinds:
        decimal = True  # 1 234,5
    else:
        decimal = decimal_hint or len(tail) != 3
    if decimal:
        whole = re.sub(r"[,.']", "", text[:last_index])
        if not re.fullmatch(r"\d+", whole or "0"):
            return None
        value = Decimal(f"{whole or 0}.{tail}")
        return value, Decimal(1).scaleb(-len(tail))
    digits = re.sub(r"[,.']", "", text)
    return Decimal(digits), Decimal(1)


def _mask(chars, start, end):
    chars[start:end] = " " * (end - start)


# --- periods -----------------------------------------------------------------------------------

IN, BY, MENTION = "in", "by", "mention"


@dataclass(frozen=True)
class PeriodNamed:
    """A period a text names: a day, a month, a quarter, a half, a year or a span of them.

    `role` says how: IN names the goal's period ("in 2027", "au T3 2026"), BY a deadline ("by
    2027", "d'ici fin 2026"), MENTION any other reference ("up from 2025")."""

    first: datetime.date
    last: datetime.date
    role: str
    words: str


_MONTHS = {
    1: r"january|jan|janvier|janv",
    2: r"february|feb|fevrier|fevr|fev",
    3: r"march|mar|mars",
    4: r"april|apr|avril|avr",
    5: r"may|mai",
    6: r"june|jun|juin",
    7: r"july|jul|juillet|juil",
    8: r"august|aug|aout",
    9: r"september|sept|sep|septembre",
    10: r"october|oct|octobre",
    11: r"november|nov|novembre",
    12: r"december|dec|decembre",
}
_MONTH = "|".join(f"(?P<m{n}>{words})" for n, words in _MONTHS.items())
_YEAR = r"(?:19|20)\d{2}"
_ORDINALS = {
    1: r"first|1st|premier|premiere|1er|1re|1ere",
    2: r"second|2nd|deuxieme|seconde?|2e|2eme|2nd",
    3: r"third|3rd|troisieme|3e|3eme",
    4: r"fourth|4th|quatrieme|4e|4eme",
}
_ORDINAL = "|".join(f"(?P<o{n}>{words})" for n, words in _ORDINALS.items())

_DATES = re.compile(
    r"(?<![\w.])(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})(?![\w]|[.,]?\d)"
    r"|(?<![\w.,])(?P<ed>\d{1,2})[/.](?P<em>\d{1,2})[/.](?P<ey>\d{4})(?![\w]|[.,]?\d)"
    rf"|(?i:\b(?P<td>\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?P<tm>{_MONTH.replace('?P<m', '?P<t')})"
    rf"\.?\s+(?P<ty>{_YEAR})\b)"
    rf"|(?i:\b(?P<um>{_MONTH.replace('?P<m', '?P<u')})\.?\s+(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?,?"
    rf"\s+(?P<uy>{_YEAR})\b)"
)
_PERIODS = re.compile(
    rf"(?i:\b[QT](?P<q>[1-4])\s*[-/]?\s*(?P<qy>{_YEAR})\b)"
    rf"|(?i:\b(?P<yq>{_YEAR})\s*[-/]?\s*[QT](?P<qq>[1-4])\b)"
    rf"|(?i:\b[HS](?P<h>[12])\s*[-/]?\s*(?P<hy>{_YEAR})\b)"
    rf"|(?i:\b(?P<yh>{_YEAR})\s*[-/]?\s*[HS](?P<hh>[12])\b)"
    rf"|(?i:\b(?:{_ORDINAL})\s+(?P<part>quarter|trimestre|half|semestre)\s+"
    rf"(?:of\s+|de\s+|d'|du\s+)?(?P<py>{_YEAR})\b)"
    rf"|(?i:\b(?:{_MONTH})\.?\s+(?P<my>{_YEAR})\b)"
    r"|(?<![\w.,])(?P<ym>(?:19|20)\d{2})-(?P<mm>\d{2})(?![\w]|[.,]?\d)"
    rf"|(?i:\bFY\s?-?(?P<fy>{_YEAR}|\d{{2}})\b)"
    rf"|(?<![\w.,'])(?P<y>{_YEAR})(?![\w]|[.,]\d)"
)
# Two periods joined by one of these name the span from the first to the last ("Jul 2026 – Jun
# 2027", "du T3 2026 au T2 2027").
_RANGE = re.compile(r"\s*(?:-|/|to|until|through|thru|au|a|jusqu'(?:a|en|au))\s*$", re.I)
# The words before a period that make it a deadline ("by the end of", "d'ici fin") or the goal's
# own period ("in", "en", "au", "for the year"), read in the folded text.
_ROLE_BY = re.compile(
    r"(?:\bby|\bbefore|\buntil|\btill|\bthrough|\bno\s+later\s+than|\bd'ici(?:\s+a)?|\bavant"
    r"|\bjusqu'(?:a|en|au)|\bau\s+plus\s+tard(?:\s+(?:en|le|au|a))?|\bend|\bfin)"
    r"(?:\s+(?:the\s+)?end)?(?:[\s-]+(?:of|de|du)|\s+la\s+fin\s+(?:de|du|d'))?"
    r"(?:\s+(?:the|le|l'))?[\s-]*$"
)
_ROLE_IN = re.compile(
    r"(?:\bin|\bduring|\bfor|\bover|\bthroughout|\bacross|\ben|\bpour|\bsur|\bpendant|\bdurant"
    r"|\bau\s+cours\s+(?:de|du)|\bau|\bdu)"
    r"(?:\s+(?:the\s+)?(?:whole\s+|full\s+|entire\s+)?(?:(?:fiscal|financial|calendar)\s+)?year"
    r"|\s+l'(?:annee|exercice)|\s+(?:toute\s+)?l'annee|\s+the)?\s*$"
)


def _month_of(match, prefix="m"):
    for number in _MONTHS:
        if match.group(f"{prefix}{number}"):
            return number
    return None


def _month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _day(year, month, day):
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _date_of(match):
    """The day a date match names, or None when it names none (31/02/2026)."""
    if match.group("iy"):
        return _day(match.group("iy"), match.group("im"), match.group("id"))
    if match.group("ey"):
        year, first, second = match.group("ey"), match.group("ed"), match.group("em")
        # Day first as in Europe; a US month-first date is read only when day first cannot be.
        return _day(year, second, first) or _day(year, first, second)
    if match.group("ty"):
        return _day(match.group("ty"), _month_of(match, "t"), match.group("td"))
    return _day(match.group("uy"), _month_of(match, "u"), match.group("ud"))


def _period_of(match):
    """(first, last) days of a period match, or None."""
    group = match.group
    if group("q") or group("qq"):
        year, quarter = int(group("qy") or group("yq")), int(group("q") or group("qq"))
        first = datetime.date(year, 3 * quarter - 2, 1)
        return first, _month_end(year, 3 * quarter)
    if group("h") or group("hh"):
        year, half = int(group("hy") or group("yh")), int(group("h") or group("hh"))
        return datetime.date(year, 6 * half - 5, 1), _month_end(year, 6 * half)
    if group("part"):
        year = int(group("py"))
        number = next(n for n in _ORDINALS if group(f"o{n}"))
        months = 3 if fold(group("part")) in ("quarter", "trimestre") else 6
        if number * months > 12:
            return None
        return datetime.date(year, months * (number - 1) + 1, 1), _month_end(year, months * number)
    if group("my"):
        year, month = int(group("my")), _month_of(match)
        return datetime.date(year, month, 1), _month_end(year, month)
    if group("ym"):
        year, number = int(group("ym")), int(group("mm"))
        if 1 <= number <= 12:
            return datetime.date(year, number, 1), _month_end(year, number)
        last = year // 100 * 100 + number
        if last <= year:
            return None
        return datetime.date(year, 1, 1), datetime.date(last, 12, 31)  # 2026-27
    if group("fy"):
        year = int(group("fy"))
        year = year + 2000 if year < 100 else year
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    year = int(group("y"))
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _role(folded, start, *, may_claim=True):
    before = folded[max(0, start - 40) : start]
    if _ROLE_BY.search(before):
        return BY
    if may_claim and _ROLE_IN.search(before):
        return IN
    return MENTION


# --- reading a text ----------------------------------------------------------------------------

# Numbers that rank or name rather than count: "number 1", "n° 1", "top 3", "ISO 9001", "DN50".
_RANKS = re.compile(
    r"(?i:(?:\b(?:number|numero|no|nr|rank|rang|top)\.?|n°|nº|#)\s*-?\s*\d+)"
    r"|\b(?:ISO|IEC|DIN|NF|ASTM|ANSI|ATEX|IP|DN|PN|SKU|REF|Ref|Art)\.?[\s-]?\d[\d./-]*"
)


@dataclass(frozen=True)
class Reading:
    figures: list
    periods: list


def read(text):
    """The figures and the periods `text` states, in the order written."""
    plain = fold(text, lower=False)
    folded = fold(text)
    chars = list(plain)
    periods = []
    for match in _DATES.finditer(plain):
        day = _date_of(match)
        if day is not None:
            role = _role(folded, match.start(), may_claim=False)
            periods.append((match.start(), PeriodNamed(day, day, role, _words(match.group(0)))))
        _mask(chars, match.start(), match.end())
    for match in _RANKS.finditer("".join(chars)):
        _mask(chars, match.start(), match.end())
    figures = []
    for match in _figures_pattern().finditer("".join(chars)):
        figure = _figure(match, text)
        if figure is not None:
            figures.append(figure)
        _mask(chars, match.start(), match.end())
    masked = "".join(chars)
    spans = []
    for match in _PERIODS.finditer(masked):
        days = _period_of(match)
        if days is not None:
            spans.append((match.start(), match.end(), days))
    merged = []
    for start, end, days in spans:
        if merged and _RANGE.fullmatch(folded[merged[-1][1] : start] or "-"):
            first_start, _end, (first, _last) = merged[-1]
            if first <= days[1]:
                merged[-1] = (first_start, end, (first, days[1]))
                continue
        merged.append((start, end, days))
    for start, end, (first, last) in merged:
        role = _role(folded, start)
        periods.append((start, PeriodNamed(first, last, role, _words(text[start:end]))))
    periods.sort(key=lambda row: row[0])
    return Reading(figures, [period for _start, period in periods])


def _figure(match, text):
    group = match.groupdict()
    words = _words(text[match.start() : match.end()])
    for suffix in "abcdef":
        written = group.get(f"num_{suffix}")
        if written is not None:
            break
    scale_text = group.get("scale_a") or group.get("scale_b") or group.get("scale_c")
    scale = _scale_of(scale_text)
    # "2.675 M" and "30,125 %" have decimals; "1,300 k" is thousands of thousands, as nobody
    # writes 1.3 k to three places.
    hint = scale >= 1_000_000 or bool(group.get("percent")) or bool(group.get("points"))
    parsed = parse_number(written, decimal_hint=hint)
    if parsed is None:
        return None
    value, step = parsed
    value, step = value * scale, step * scale
    currency = group.get("cur_a") or group.get("cur_b")
    if currency:
        return Figure(MONEY, value, step, words, currency=_currency_of(currency))
    if group.get("scale_c"):
        return Figure(SCALED, value, step, words)
    if group.get("percent"):
        return Figure(PERCENT, value, step, words)
    if group.get("points"):
        return Figure(POINTS, value, step, words)
    counts = next(name for name, _w in COUNT_WORDS if group.get(f"count_{name}"))
    return Figure(COUNT, value, step, words, counts=counts)


def states_a_quantity(text):
    """Whether `text` states a measurable quantity with its unit: an amount with a currency or a
    k/M scale, a percentage or points, or a count of things named (units, visits, customers...).
    A bare number, a rank ("number one", "top 3") or a year is not one."""
    return bool(read(text).figures)


# --- names -------------------------------------------------------------------------------------


def _name_pattern(name):
    words = fold(name).split()
    if not words:
        return None
    if words[-1].endswith("s") and len(words[-1]) > 3:
        # "Centrifugal pumps" is also named "centrifugal pump revenue".
        words[-1] = re.escape(words[-1][:-1]) + "s?"
        body = r"\s+".join([*(re.escape(w) for w in words[:-1]), words[-1]])
    else:
        body = r"\s+".join(re.escape(w) for w in words) + "s?"
    return re.compile(rf"(?<!\w){body}(?!\w)")


def names_in(text, names, *, unnamed=()):
    """[(key, words as written)] of the `names` ((key, name) pairs) that `text` names, as whole
    words in any case, with or without accents and a plural s. Where names overlap, the longest
    wins ("Dosing pumps" names that line, not "Pumps"). Phrases in `unnamed` (the distributor's
    own name) are not read for names."""
    folded = fold(text)
    chars = list(folded)
    for phrase in unnamed:
        pattern = _name_pattern(phrase)
        if pattern is None:
            continue
        for match in pattern.finditer(folded):
            _mask(chars, match.start(), match.end())
    masked = "".join(chars)
    found = []
    for key, name in names:
        pattern = _name_pattern(name)
        if pattern is None:
            continue
        for match in pattern.finditer(masked):
            found.append((match.start(), match.end(), key))
    found.sort(key=lambda row: (-(row[1] - row[0]), row[0]))
    taken = []
    for start, end, key in found:
        if all(end <= s or start >= e for s, e, _k in taken):
            taken.append((start, end, key))
    taken.sort()
    return [(key, _words(text[start:end])) for start, end, key in taken]
