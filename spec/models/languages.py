"""ISO 639-1 language codes, for checking ``style.language`` (with a "did you mean" hint)."""

from __future__ import annotations

import difflib

_CODES = """
aa afar|ab abkhazian|ae avestan|af afrikaans|ak akan|am amharic|an aragonese|ar arabic|as assamese
av avaric|ay aymara|az azerbaijani|ba bashkir|be belarusian|bg bulgarian|bi bislama|bm bambara
bn bengali|bo tibetan|br breton|bs bosnian|ca catalan|ce chechen|ch chamorro|co corsican|cr cree
cs czech|cu church slavic|cv chuvash|cy welsh|da danish|de german|dv divehi|dz dzongkha|ee ewe
el greek|en english|eo esperanto|es spanish|et estonian|eu basque|fa persian|ff fulah|fi finnish
fj fijian|fo faroese|fr french|fy western frisian|ga irish|gd gaelic|gl galician|gn guarani
gu gujarati|gv manx|ha hausa|he hebrew|hi hindi|ho hiri motu|hr croatian|ht haitian|hu hungarian
hy armenian|hz herero|ia interlingua|id indonesian|ie interlingue|ig igbo|ii sichuan yi|ik inupiaq
io ido|is icelandic|it italian|iu inuktitut|ja japanese|jv javanese|ka georgian|kg kongo|ki kikuyu
kj kuanyama|kk kazakh|kl kalaallisut|km khmer|kn kannada|ko korean|kr kanuri|ks kashmiri|ku kurdish
kv komi|kw cornish|ky kyrgyz|la latin|lb luxembourgish|lg ganda|li limburgish|ln lingala|lo lao
lt lithuanian|lu luba-katanga|lv latvian|mg malagasy|mh marshallese|mi maori|mk macedonian
ml malayalam|mn mongolian|mr marathi|ms malay|mt maltese|my burmese|na nauru|nb norwegian bokmal
nd north ndebele|ne nepali|ng ndonga|nl dutch|nn norwegian nynorsk|no norwegian|nr south ndebele
nv navajo|ny chichewa|oc occitan|oj ojibwa|om oromo|or oriya|os ossetian|pa punjabi|pi pali
pl polish|ps pashto|pt portuguese|qu quechua|rm romansh|rn rundi|ro romanian|ru russian
rw kinyarwanda|sa sanskrit|sc sardinian|sd sindhi|se northern sami|sg sango|si sinhala|sk slovak
sl slovenian|sm samoan|sn shona|so somali|sq albanian|sr serbian|ss swati|st southern sotho
su sundanese|sv swedish|sw swahili|ta tamil|te telugu|tg tajik|th thai|ti tigrinya|tk turkmen
tl tagalog|tn tswana|to tonga|tr turkish|ts tsonga|tt tatar|tw twi|ty tahitian|ug uyghur
uk ukrainian|ur urdu|uz uzbek|ve venda|vi vietnamese|vo volapuk|wa walloon|wo wolof|xh xhosa
yi yiddish|yo yoruba|za zhuang|zh chinese|zu zulu
"""

#: ISO 639-1 code → English name.
ISO_639_1: dict[str, str] = dict(
    (entry.strip()[:2], entry.strip()[3:])
    for entry in _CODES.replace("\n", "|").split("|")
    if entry.strip()
)
_BY_NAME = {name: code for code, name in ISO_639_1.items()}
_BY_NAME.update(
    {"mandarin": "zh", "cantonese": "zh", "farsi": "fa", "filipino": "tl", "flemish": "nl"}
)
# country codes and retired codes people write for a language
_BY_NAME.update(
    {
        "jp": "ja",
        "cn": "zh",
        "kr": "ko",
        "gr": "el",
        "cz": "cs",
        "dk": "da",
        "ua": "uk",
        "iw": "he",
        "ji": "yi",
    }
)


def language_problem(value: str) -> str | None:
    """Why ``value`` is not ``any``, an ISO 639-1 code or a code with a region (``pt-BR``); None if it is fine."""
    if value == "any":
        return None
    code, _, region = value.partition("-")
    if code in ISO_639_1 and (not region or (region.isalnum() and 2 <= len(region) <= 8)):
        return None
    lowered = value.strip().lower()
    guess = _BY_NAME.get(lowered) or (lowered if lowered in ISO_639_1 else None)
    if guess is None:
        close = difflib.get_close_matches(lowered, list(_BY_NAME), n=1, cutoff=0.75)
        guess = _BY_NAME[close[0]] if close else None
    hint = f"; did you mean {guess!r}?" if guess else ""
    return f"{value!r} is not an ISO 639-1 language code (like 'en', 'ja', 'pt-BR') or 'any'{hint}"
