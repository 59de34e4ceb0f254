"""Function words of Latin-script languages: the first, cheap evidence of a language.

Short everyday text ("When did you send me my new card?") is mostly function words; a
statistical n-gram detector is unreliable on it (langdetect calls that sentence Welsh), while
the share of each language's function words decides it at once. Lists are lowercase, with
apostrophes kept (``isn't``); words shared by several languages count for each of them.
"""

from __future__ import annotations

_LISTS = {
    "en": (
        "the a an and or but if of to in on at by for with from about into over after "
        "is are was were be been being am do does did done have has had having will would "
        "can could shall should may might must not no yes i me my mine you your yours he him "
        "his she her hers it its we us our they them their this that these those there here "
        "what which who whom whose when where why how all any some each every more most "
        "other such only own same so than too very just also up down out off again then once "
        "isn't aren't wasn't weren't don't doesn't didn't haven't hasn't hadn't won't "
        "wouldn't can't cannot couldn't shouldn't i'm i've i'll i'd you're it's that's "
        "what's there's let's havent dont cant didnt doesnt isnt wont im ive "
        "yet still get got need want please thanks thank"
    ),
    "fr": (
        "le la les un une des du de et ou mais donc car ni que qui quoi dont où ce cette ces "
        "cet je tu il elle nous vous ils elles on me te se lui leur leurs mon ma mes ton ta "
        "tes son sa ses notre nos votre vos est sont était être avoir ai as avons avez ont "
        "fait pas ne plus très avec pour dans sur par sans sous chez aux au comme mais aussi "
        "bien tout tous toute toutes c'est j'ai qu'il n'est d'un d'une l'on oui non"
    ),
    "de": (
        "der die das den dem des ein eine einen einem einer eines und oder aber denn dass "
        "ich du er sie es wir ihr mich dich sich mir dir uns euch mein meine dein deine sein "
        "seine ist sind war waren bin bist sein haben habe hat hatte wird werden wurde kann "
        "können muss nicht kein keine auch noch nur schon sehr mit von zu zum zur bei nach "
        "aus für auf über unter vor durch gegen ohne um wie was wer wo warum wann ja nein"
    ),
    "es": (
        "el la los las un una unos unas y o pero que qué quien quién como cómo cuando cuándo "
        "donde dónde por para con sin sobre entre de del al en es son era fue ser estar está "
        "están estoy he ha han hay yo tú él ella nosotros ellos ellas mi mis tu tus su sus "
        "nuestro lo le les se me te nos muy más también pero sí no ya este esta estos estas"
    ),
    "it": (
        "il lo la i gli le un uno una e o ma che chi come quando dove perché per con su tra "
        "fra di del della dei degli delle da dal dalla in nel nella al alla è sono era erano "
        "essere ho hai ha abbiamo avete hanno io tu lui lei noi voi loro mi ti si ci vi mio "
        "mia tuo tua suo sua non più molto anche questo questa quello quella sì già"
    ),
    "pt": (
        "o a os as um uma uns umas e ou mas que quem como quando onde porque por para com "
        "sem sobre entre de do da dos das no na nos nas ao aos em é são era foi ser estar "
        "está estão estou tenho tem têm eu tu ele ela nós eles elas meu minha seu sua não "
        "muito mais também isso isto este esta esse essa já sim você vocês"
    ),
    "nl": (
        "de het een en of maar dat die wie wat waar wanneer waarom hoe ik jij je hij zij ze "
        "wij we jullie mij me mijn jouw zijn haar ons onze is was waren ben bent heb hebt "
        "heeft hebben had wordt worden kan kunnen moet niet geen ook nog wel al met van voor "
        "naar op aan bij uit over door om te er dit deze hier daar ja nee"
    ),
    "sv": (
        "och att det som en ett är var har hade inte jag du han hon vi ni de dem mig dig sig "
        "min din sin vår er på med för till av om från men eller så kan ska skulle vill den "
        "detta denna här där när hur vad vem varför också bara mycket ja nej"
    ),
    "da": (
        "og at det som en et er var har havde ikke jeg du han hun vi de dem mig dig sig min "
        "din sin vores på med for til af om fra men eller så kan skal skulle vil den dette "
        "denne her der hvor hvordan hvad hvem hvorfor også kun meget ja nej"
    ),
    "no": (
        "og at det som en et er var har hadde ikke jeg du han hun vi de dem meg deg seg min "
        "din sin vår på med for til av om fra men eller så kan skal skulle vil den dette "
        "denne her der hvor hvordan hva hvem hvorfor også bare mye ja nei"
    ),
    "fi": (
        "ja on ei se että oli ovat olla minä sinä hän me te he tämä tuo mikä kuka missä "
        "milloin miksi miten kun jos mutta tai myös vain hyvin niin kuin sekä ole olen olet "
        "olemme kanssa mukaan"
    ),
    "pl": (
        "i w na z do że się nie jest to jak co czy ale lub a o od po przez dla ja ty on ona "
        "my wy oni mnie mi mój moja jego jej ich są był była było być mam ma mają tak już "
        "bardzo też tylko gdzie kiedy dlaczego który która które ten ta te"
    ),
    "cs": (
        "a v na s z do že se není je to jak co ale nebo o od po pro já ty on ona my vy oni "
        "mě mi můj moje jeho její jsou byl byla bylo být mám má mají tak už velmi také jen "
        "kde kdy proč který která které ten ta"
    ),
    "ro": (
        "și în la cu de pe din pentru că nu este sunt era fi eu tu el ea noi voi ei ele mă "
        "meu mea tău său ce cine cum când unde este un o unei unui mai foarte și dar sau "
        "acest această acesta da"
    ),
    "tr": (
        "ve bir bu şu o da de ile için ama ya veya gibi çok daha en ne neden nasıl nerede "
        "kim ben sen biz siz onlar benim senin onun var yok değil mi mı mu mü olarak olan "
        "kadar sonra önce her"
    ),
    "id": (
        "dan yang di ke dari ini itu untuk dengan tidak ada adalah saya aku kamu anda dia "
        "kami kita mereka akan sudah belum bisa juga atau tetapi karena pada dalam apa "
        "siapa kapan mengapa bagaimana mana saja lebih sangat"
    ),
    "vi": (
        "và của là có không được cho này trong một những các người tôi bạn anh chị em nó "
        "chúng với để khi đã sẽ đang thì như nhưng hoặc cũng rất ở từ gì sao đâu nào"
    ),
    "ca": (
        "el la els les un una i o però que qui com quan on per amb sense sobre de del al en "
        "és són era ser estar està jo tu ell ella nosaltres ells elles meu meva seu seva no "
        "molt més també aquest aquesta això sí ja"
    ),
    "cy": (
        "y yr a ac ond neu mae oedd yn yng ei eu fy dy ein eich ni chi nhw fe fo hi i o am "
        "ar at gan gyda heb dros drwy wrth mewn beth pwy pryd ble pam sut hefyd iawn ydy "
        "roedd bydd wedi"
    ),
}

#: Language → its function words.
STOPWORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in _LISTS.items()}

#: Function word → the languages it belongs to.
WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in STOPWORDS.items():
    for _word in _words:
        WORD_LANGS[_word] = (*WORD_LANGS.get(_word, ()), _lang)

#: Function word → (language, 1 / number of languages it belongs to) for each language.
WORD_WEIGHTS: dict[str, tuple[tuple[str, float], ...]] = {
    word: tuple((lang, 1.0 / len(langs)) for lang in langs) for word, langs in WORD_LANGS.items()
}

