"""Write the demo's bilingual support tickets: ``data/tickets_en.jsonl`` and ``data/tickets_ja.jsonl``.

Synthetic but varied: each ticket is built from an intent scenario (billing, shipping, account,
returns, technical, other), one of several phrasings in English or Japanese, a random greeting
and sign-off, and slot values (order numbers, products, amounts, days). The answer is one JSON
object ``{"intent", "reply", "escalate"}`` (schema: ``../support/schemas/answer.schema.json``).
A few deliberately broken records (bad JSON, schema violations, duplicates) show what the
compiler rejects. Fixed seed: re-running it rewrites the same bytes.

    python examples/smollm2-demo/make_data.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

SEED = 2026
N_EN = 170
N_JA = 150
SYSTEM = "You are the support assistant of Example Shop. Answer with one JSON object."

PRODUCTS_EN = [
    "running shoes",
    "rain jacket",
    "coffee grinder",
    "desk lamp",
    "yoga mat",
    "backpack",
    "wireless earbuds",
    "kettle",
    "wool sweater",
    "phone case",
    "water bottle",
    "office chair",
    "blender",
    "sunglasses",
    "bike helmet",
]
PRODUCTS_JA = [
    "ランニングシューズ",
    "レインジャケット",
    "コーヒーミル",
    "デスクライト",
    "ヨガマット",
    "リュック",
    "ワイヤレスイヤホン",
    "電気ケトル",
    "ウールのセーター",
    "スマホケース",
    "水筒",
    "オフィスチェア",
    "ミキサー",
    "サングラス",
    "自転車用ヘルメット",
]
HELLO_EN = ["", "Hi, ", "Hello, ", "Good morning. ", "Hi there! ", "Hey, ", "Dear support, "]
BYE_EN = ["", " Thanks.", " Thank you!", " Please help.", " Thanks in advance.", " Regards."]
HELLO_JA = [
    "",
    "こんにちは。",
    "お世話になっております。",
    "すみません、",
    "初めて問い合わせます。",
]
BYE_JA = [
    "",
    "よろしくお願いします。",
    "対応をお願いします。",
    "至急確認してください。",
    "ありがとうございます。",
]

# intent, escalate, English phrasings, English reply, Japanese phrasings, Japanese reply
SCENARIOS: list[tuple[str, bool, list[str], str, list[str], str]] = [
    (
        "billing",
        False,
        [
            "I was charged twice for order #{o}.",
            "My card shows two payments of ${a} for order #{o}.",
            "Why did you bill me twice for the {p}? Order #{o}.",
        ],
        "Sorry about the double charge on order #{o}. The duplicate payment is being refunded and will reach you within 5 business days.",
        [
            "注文番号{o}で二重に請求されています。",
            "{p}の代金が2回引き落とされました。注文番号は{o}です。",
        ],
        "注文番号{o}の重複分を返金しました。5営業日以内に反映されます。",
    ),
    (
        "billing",
        False,
        [
            "Can I get an invoice for order #{o}?",
            "I need a receipt with my company name for order #{o}.",
            "Where can I download the invoice for the {p} I bought?",
        ],
        "You can download the invoice for order #{o} under Orders in your account. Add the company name there before downloading.",
        ["注文番号{o}の領収書がほしいです。", "{p}を購入した際の請求書はどこで確認できますか。"],
        "注文番号{o}の領収書はアカウントの注文履歴からダウンロードできます。",
    ),
    (
        "billing",
        True,
        [
            "There is a payment of ${a} on my card that I never made. I think my card was stolen.",
            "Someone used my account to buy a {p} for ${a}. I did not place order #{o}!",
        ],
        "I'm sorry this happened. I have frozen order #{o} and passed your case to our fraud team, who will contact you today.",
        [
            "身に覚えのない{a}円の請求があります。不正利用だと思います。",
            "注文番号{o}は私が注文したものではありません。{p}を誰かに買われました。",
        ],
        "注文番号{o}を停止し、不正利用の担当部署に引き継ぎました。本日中にご連絡します。",
    ),
    (
        "shipping",
        False,
        [
            "Where is my package? Order #{o} hasn't arrived yet.",
            "My {p} was supposed to arrive {d} days ago. Order #{o}.",
            "Can you tell me when order #{o} will be delivered?",
        ],
        "Order #{o} is with the courier and should arrive within 2 days. You can follow it with the tracking link in your confirmation e-mail.",
        ["注文番号{o}の荷物がまだ届きません。", "{p}がいつ届くか教えてください。注文番号{o}です。"],
        "注文番号{o}は配送中で、2日以内に届く予定です。確認メールのリンクから追跡できます。",
    ),
    (
        "shipping",
        False,
        [
            "Can I change the delivery address for order #{o}?",
            "I moved last week. Please send the {p} (order #{o}) to my new address.",
        ],
        "Order #{o} has not shipped yet, so you can change the address under Orders in your account until tonight.",
        [
            "注文番号{o}の配送先を変更できますか。",
            "引っ越したので{p}の届け先を変えたいです。注文番号{o}です。",
        ],
        "注文番号{o}はまだ発送前のため、本日中ならアカウントから配送先を変更できます。",
    ),
    (
        "shipping",
        True,
        [
            "The courier says order #{o} was delivered but I never got it.",
            "Tracking for order #{o} shows delivered {d} days ago, but there is no {p} at my door.",
        ],
        "I'm sorry order #{o} is missing. I have opened an investigation with the courier and a colleague will contact you within 24 hours.",
        [
            "注文番号{o}は配達済みになっていますが、受け取っていません。",
            "{p}が配達完了になっているのに届いていません。注文番号{o}です。",
        ],
        "注文番号{o}について配送業者に調査を依頼しました。24時間以内に担当者からご連絡します。",
    ),
    (
        "account",
        False,
        [
            "How do I reset my password?",
            "I forgot my password and can't log in.",
            "The password reset e-mail never arrived.",
        ],
        'Open the sign-in page, choose "Forgot password" and follow the link we e-mail you. The link is valid for 30 minutes.',
        ["パスワードを再設定する方法を教えてください。", "パスワードを忘れてログインできません。"],
        "ログイン画面の「パスワードをお忘れの方」から再設定できます。リンクの有効期限は30分です。",
    ),
    (
        "account",
        False,
        [
            "How can I change the e-mail address on my account?",
            "I want to stop getting your newsletter.",
            "Please delete my account and my data.",
        ],
        "You can change this under Settings in your account. If something does not work, reply here and we will do it for you.",
        ["登録しているメールアドレスを変更したいです。", "メールマガジンの配信を停止したいです。"],
        "アカウントの設定画面から変更できます。うまくいかない場合はこちらにご返信ください。",
    ),
    (
        "returns",
        False,
        [
            "Can I return the {p} I bought {d} days ago?",
            "The {p} from order #{o} doesn't fit. How do I return it?",
            "I'd like to send back the {p}. It is unused.",
        ],
        "Yes, items can be returned within 30 days. Start the return for order #{o} under Orders and print the free label.",
        [
            "{d}日前に買った{p}を返品できますか。",
            "注文番号{o}の{p}のサイズが合いません。返品したいです。",
        ],
        "商品到着から30日以内なら返品できます。注文番号{o}の返品は注文履歴から手続きできます。",
    ),
    (
        "returns",
        False,
        [
            "I returned the {p} {d} days ago. When do I get my refund?",
            "Still waiting for the refund for order #{o}.",
        ],
        "We received your return for order #{o}. The refund of ${a} has been issued and will show within 5 business days.",
        [
            "{d}日前に{p}を返品しましたが、返金はいつですか。",
            "注文番号{o}の返金がまだ届いていません。",
        ],
        "注文番号{o}の返品を受け付け、{a}円の返金手続きをしました。5営業日以内に反映されます。",
    ),
    (
        "returns",
        True,
        [
            "The {p} arrived broken and cut my hand.",
            "The {p} from order #{o} started smoking when I plugged it in!",
        ],
        "I'm very sorry. Please stop using the {p}. I have passed order #{o} to our safety team, who will call you today about a refund.",
        ["届いた{p}が壊れていて、手をけがしました。", "注文番号{o}の{p}から煙が出ました。"],
        "ご使用を中止してください。注文番号{o}を安全担当に引き継ぎ、本日中にご連絡します。",
    ),
    (
        "technical",
        False,
        [
            "The app crashes when I open my cart.",
            "I can't add the {p} to my cart, the button does nothing.",
            "The checkout page keeps loading forever.",
        ],
        "Please update the app or clear your browser cache and try again. If it still fails, send us a screenshot and we will look into it.",
        ["アプリでカートを開くと落ちます。", "{p}をカートに入れられません。"],
        "アプリを最新版に更新するか、キャッシュを削除してからお試しください。",
    ),
    (
        "technical",
        True,
        [
            "Your site shows me someone else's orders and address!",
            "I can see another customer's card details on my account page.",
        ],
        "Thank you for telling us. I have sent this to our security team right away; they will investigate and contact you today.",
        [
            "サイトに他人の注文履歴と住所が表示されています。",
            "アカウント画面に他のお客様のカード情報が見えます。",
        ],
        "ご連絡ありがとうございます。至急セキュリティ担当に調査を依頼しました。",
    ),
    (
        "other",
        False,
        [
            "Do you have a shop in {c}?",
            "What are your opening hours in {c}?",
            "Do you sell gift cards?",
        ],
        "We are an online shop only, but we deliver to {c}. Gift cards are available on our website from $10.",
        ["{c}に店舗はありますか。", "ギフトカードは販売していますか。"],
        "当店はオンライン専用ですが、{c}にもお届けできます。ギフトカードもサイトで購入できます。",
    ),
    (
        "other",
        True,
        [
            "I want to speak to a manager about order #{o}. This is the third time I'm writing.",
            "If I don't get an answer about order #{o} today I will contact my lawyer.",
        ],
        "I'm sorry you had to write again about order #{o}. I have passed your case to a team lead, who will contact you personally today.",
        [
            "注文番号{o}の件で3回目の問い合わせです。責任者と話したいです。",
            "注文番号{o}について今日中に回答がなければ弁護士に相談します。",
        ],
        "何度もご連絡いただき申し訳ございません。注文番号{o}の件は責任者から本日ご連絡します。",
    ),
]
OPEN_EN = [
    "",
    "Thanks for reaching out. ",
    "Thank you for your message. ",
    "Thanks for writing to us. ",
    "Sorry for the trouble. ",
]
CLOSE_EN = [
    "",
    " Anything else I can help with?",
    " Have a nice day!",
    " Let us know if you have questions.",
    " Thanks for your patience.",
]
OPEN_JA = ["", "", "ご連絡感謝します。", "失礼いたします。"]
CLOSE_JA = ["", "", "以上です。", "ご確認ください。"]
CITIES_EN = ["Berlin", "Osaka", "Toronto", "Lyon", "Austin", "Leeds", "Melbourne", "Porto"]
CITIES_JA = ["大阪", "札幌", "福岡", "名古屋", "仙台", "横浜", "京都", "神戸"]


def _slots(rng: random.Random, ja: bool) -> dict[str, str]:
    k = rng.randrange(len(PRODUCTS_EN))
    return {
        "o": str(rng.randrange(1000, 99999)),
        "a": str(rng.randrange(800, 30000))
        if ja
        else f"{rng.randrange(8, 300)}.{rng.randrange(100):02d}",
        "d": str(rng.randrange(2, 28)),
        "p": PRODUCTS_JA[k] if ja else PRODUCTS_EN[k],
        "c": rng.choice(CITIES_JA if ja else CITIES_EN),
    }


def _answer(intent: str, reply: str, escalate: bool) -> str:
    return json.dumps({"intent": intent, "reply": reply, "escalate": escalate}, ensure_ascii=False)


def ticket(rng: random.Random, ja: bool) -> tuple[str, str]:
    intent, escalate, q_en, r_en, q_ja, r_ja = rng.choice(SCENARIOS)
    s = _slots(rng, ja)
    if ja:
        q = rng.choice(HELLO_JA) + rng.choice(q_ja).format(**s) + rng.choice(BYE_JA)
        r = rng.choice(OPEN_JA) + r_ja.format(**s) + rng.choice(CLOSE_JA)
        return q, _answer(intent, r, escalate)
    q = rng.choice(HELLO_EN) + rng.choice(q_en).format(**s) + rng.choice(BYE_EN)
    r = rng.choice(OPEN_EN) + r_en.format(**s) + rng.choice(CLOSE_EN)
    return q, _answer(intent, r, escalate)


def main() -> None:
    rng = random.Random(SEED)
    out = Path(__file__).parent / "data"
    out.mkdir(exist_ok=True)
    en = []
    for _ in range(N_EN):
        q, a = ticket(rng, ja=False)
        en.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": q},
                    {"role": "assistant", "content": a},
                ]
            }
        )
    ja = []
    for i in range(N_JA):
        q, a = ticket(rng, ja=True)
        ja.append({"id": f"ja-{i:03d}", "question": q, "answer": a})
    # what the compiler must reject: an exact duplicate each, an intent outside the schema's enum,
    # a string where a boolean belongs, an answer that is not JSON; and a line that is not JSON
    en.append(en[3])
    ja.append(dict(ja[5], id="ja-dup"))
    en[10]["messages"][2]["content"] = en[10]["messages"][2]["content"].replace(
        '"intent": "', '"intent": "refund-'
    )
    ja[20]["answer"] = ja[20]["answer"].replace("false}", '"no"}').replace("true}", '"yes"}')
    ja[30]["answer"] = ja[30]["answer"][:-2]
    lines_en = [json.dumps(r, ensure_ascii=False) for r in en]
    lines_en.insert(50, lines_en[50][:-7])
    (out / "tickets_en.jsonl").write_text("\n".join(lines_en) + "\n", encoding="utf-8")
    (out / "tickets_ja.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ja), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
