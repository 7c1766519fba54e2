"""Hand-written texts of the ShopNova samples and the builders that turn them into records.

Used by ``generate_samples.py`` (see its docstring). The texts live in ``text_banks/``:
one ``<lang>.txt`` per language (one text per line, grouped in ``[sections]``, ``#`` starts a
comment line) and ``vocabulary.json`` (names, products, countries, e-mail domains, emoji, URLs).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "text_banks"
LANGS = ("en", "fa", "ar", "he", "el", "de", "es")
PAINS = ("late_delivery", "refund", "app_crash", "support", "billing")
LABELS = (*PAINS, "praise", "neutral")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def load_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def parse_bank(block: str) -> dict[str, list[str]]:
    """Split a text block into {section: [lines]}; blank lines and # comments are skipped."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for raw in block.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        elif current is None:
            raise ValueError(f"text outside a section: {line!r}")
        else:
            sections[current].append(line)
    return sections


BANKS: dict[str, dict[str, list[str]]] = {
    lang: parse_bank((DATA_DIR / f"{lang}.txt").read_text(encoding="utf-8")) for lang in LANGS
}
VOCAB = load_json("vocabulary.json")
LANG_NAMES: dict[str, str] = VOCAB["lang_names"]
COUNTRIES: dict[str, list[str]] = VOCAB["countries"]
FIRST_NAMES: dict[str, list[str]] = VOCAB["first_names"]
SURNAMES: dict[str, list[str]] = VOCAB["surnames"]
EMAIL_DOMAINS: list[str] = VOCAB["email_domains"]
PRODUCTS: list[str] = VOCAB["products"]
PLATFORMS: list[str] = list(VOCAB["platforms"])
PLATFORM_WEIGHTS: list[int] = list(VOCAB["platforms"].values())
EMOJI: dict[str, list[str]] = VOCAB["emoji"]
URL_BASES: list[str] = VOCAB["url_bases"]


def check_banks() -> None:
    """Fail early if a language misses a section or has too few phrasings."""
    required = set(BANKS["en"])
    for lang, bank in BANKS.items():
        missing = required - set(bank)
        if missing:
            raise ValueError(f"{lang}: missing sections {sorted(missing)}")
        for pain in PAINS:
            if len(set(bank[pain])) < 8:
                raise ValueError(f"{lang}/{pain}: fewer than 8 distinct phrasings")


@dataclass
class Item:
    """One planned record: a review, a post, a chat or a survey respondent."""

    channel: str
    lang: str
    label: str
    week: int = 0
    ts: datetime = field(default_factory=lambda: datetime(2026, 9, 7))


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


class Picker:
    """Deals phrasings like cards so every phrasing is used before any is repeated."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.decks: dict[tuple[str, str], list[int]] = {}

    def remaining(self, lang: str, section: str) -> int:
        deck = self.decks.get((lang, section))
        return len(BANKS[lang][section]) if deck is None else len(deck)

    def draw(self, lang: str, section: str) -> tuple[str, str]:
        """Return (text, phrasing id) without replacement until the section is exhausted."""
        deck = self.decks.get((lang, section))
        if not deck:
            deck = list(range(len(BANKS[lang][section])))
            self.rng.shuffle(deck)
            self.decks[(lang, section)] = deck
        index = deck.pop()
        return BANKS[lang][section][index], f"{section}#{index + 1}"

    def pick(self, lang: str, section: str) -> str:
        """Random choice, for boilerplate that may repeat."""
        return self.rng.choice(BANKS[lang][section])


def make_order(rng: random.Random) -> str:
    return f"ORD-2026-{rng.randrange(10000, 100000)}"


def make_email(lang: str, rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES[lang])
    last = rng.choice(SURNAMES[lang])
    style = rng.randrange(3)
    local = (
        f"{first}.{last}"
        if style == 0
        else f"{first}{rng.randrange(10, 99)}"
        if style == 1
        else f"{first[0]}{last}"
    )
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def make_phone(lang: str, rng: random.Random) -> str:
    a, b = rng.randrange(100, 1000), rng.randrange(1000, 10000)
    if lang == "en":
        return rng.choice(
            (f"+44 7700 900{rng.randrange(1000):03d}", f"+1 202 555 01{rng.randrange(100):02d}")
        )
    if lang == "de":
        return f"+49 151 {rng.randrange(10**7, 10**8)}"
    if lang == "fa":
        phone = f"0912 {a} {b}"
        return phone.translate(PERSIAN_DIGITS) if rng.random() < 0.5 else phone
    if lang == "ar":
        return f"+971 50 {a} {b}"
    if lang == "he":
        return f"05{rng.choice('0234578')}-{rng.randrange(10**6, 10**7)}"
    if lang == "el":
        return f"+30 69{rng.randrange(10)} {a} {b}"
    return f"+34 6{rng.randrange(10, 100)} {a} {rng.randrange(100, 1000)}"


def add_pii(text: str, lang: str, rng: random.Random, picker: Picker) -> str:
    """Append a sentence with an order number, e-mail address or phone number."""
    kind = rng.choice(("order", "order", "email", "phone"))
    if kind == "order":
        value = make_order(rng)
    elif kind == "email":
        value = make_email(lang, rng)
    else:
        value = make_phone(lang, rng)
    return f"{text} {picker.pick(lang, f'pii_{kind}').format(**{kind: value})}"


def make_handle(lang: str, rng: random.Random) -> str:
    first = rng.choice(FIRST_NAMES[lang])
    tail = rng.choice(
        (rng.choice(SURNAMES[lang]), str(rng.randrange(1, 999)), "official", "xo", "_")
    )
    return f"@{first}{'_' if tail.isalpha() and rng.random() < 0.5 else ''}{tail}".rstrip("_")


def make_url(rng: random.Random) -> str:
    token = "".join(
        rng.choice("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(7)
    )
    return rng.choice(URL_BASES) + token


def mood(label: str) -> str:
    return "pain" if label in PAINS else label


# ---------------------------------------------------------------------------------------------
# Channel builders. Each returns the record (ids are added later) and its ground-truth rows.
# ---------------------------------------------------------------------------------------------

Truth = dict[str, str | int]


def truth_row(
    item: Item,
    field_name: str,
    label: str,
    phrasing: str,
    *,
    mixed: bool = False,
    pii: bool = False,
) -> Truth:
    return {
        "field": field_name,
        "language": item.lang,
        "label": label,
        "mixed": int(mixed),
        "week": item.week + 1,
        "pii": int(pii),
        "phrasing": phrasing,
    }


def iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def core_text(item: Item, picker: Picker, neutral_section: str) -> tuple[str, str]:
    """Draw the main text of a record: its pain point, praise, or the given neutral section."""
    section = item.label if item.label in PAINS or item.label == "praise" else neutral_section
    return picker.draw(item.lang, section)


def build_review(item: Item, picker: Picker, rng: random.Random) -> tuple[dict, list[Truth]]:
    lang, label = item.lang, item.label
    mixed = False
    if label in PAINS and picker.remaining(lang, f"mixed_{label}") and rng.random() < 0.35:
        body, phrasing = picker.draw(lang, f"mixed_{label}")
        mixed = True
        stars = rng.choices((2, 3, 4), weights=(45, 45, 10))[0]
    else:
        body, phrasing = core_text(item, picker, "neutral_review")
        if label in PAINS:
            if rng.random() < 0.2:
                body = f"{body} {picker.pick(lang, 'closer')}"
            stars = rng.choices((1, 2, 3), weights=(60, 32, 8))[0]
        elif label == "praise":
            stars = rng.choices((5, 4, 3), weights=(65, 30, 5))[0]
        else:
            stars = rng.choices((3, 4, 2), weights=(60, 25, 15))[0]
    pii = rng.random() < 0.05
    if pii:
        body = add_pii(body, lang, rng, picker)
    title_section = "title_mixed" if mixed else f"title_{label}"
    title = "" if rng.random() < 0.05 else picker.pick(lang, title_section)
    record = {
        "submitted_at": iso(item.ts),
        "stars": stars,
        "title": title,
        "body": body,
        "product": rng.choice(PRODUCTS),
        "country": rng.choice(COUNTRIES[lang]),
    }
    return record, [truth_row(item, "body", label, phrasing, mixed=mixed, pii=pii)]


def build_post(item: Item, picker: Picker, rng: random.Random) -> tuple[dict, list[Truth]]:
    lang, label = item.lang, item.label
    text, phrasing = core_text(item, picker, "question")
    if label in PAINS and rng.random() < 0.15:
        text = f"{text} {picker.pick(lang, 'closer')}"
    pii = rng.random() < 0.05
    if pii:
        text = add_pii(text, lang, rng, picker)
    roll = rng.random()
    if roll < 0.30:
        text = f"@ShopNova {text}"
    elif roll < 0.55:
        text = f"{text} @ShopNova"
    if rng.random() < 0.15:
        text = f"{text} #ShopNova"
    if rng.random() < 0.2:
        text = f"{text} {make_url(rng)}"
    if rng.random() < 0.25:
        text = f"{text} {rng.choice(EMOJI[mood(label)])}"
    reach = int(rng.lognormvariate(5.5, 1.4)) + 1
    if rng.random() < 0.03:
        reach *= 50  # the odd post that goes viral
    record = {
        "author": make_handle(lang, rng),
        "platform": rng.choices(PLATFORMS, weights=PLATFORM_WEIGHTS)[0],
        "posted_at": iso(item.ts),
        "text": text,
        "reach": reach,
    }
    return record, [truth_row(item, "text", label, phrasing, pii=pii)]


def build_chat(item: Item, picker: Picker, rng: random.Random) -> tuple[dict, list[Truth]]:
    lang, label = item.lang, item.label
    turns: list[dict[str, str]] = [{"role": "bot", "text": picker.pick(lang, "bot_greet")}]
    main, phrasing = core_text(item, picker, "question")
    pii = rng.random() < 0.05
    if pii:
        main = add_pii(main, lang, rng, picker)
    turns.append({"role": "customer", "text": main})
    if label in PAINS:
        if rng.random() < 0.55:
            turns.append({"role": "bot", "text": picker.pick(lang, "bot_handoff")})
        turns.append({"role": "agent", "text": picker.pick(lang, "agent_sorry")})
        roll = rng.random()
        if roll < 0.3:
            again, _ = picker.draw(lang, label)  # the customer restates the problem in other words
            turns.append({"role": "customer", "text": again})
        elif roll < 0.4:
            order = picker.pick(lang, "pii_order").format(order=make_order(rng))
            turns.append({"role": "customer", "text": order})
            pii = True
        else:
            turns.append({"role": "customer", "text": picker.pick(lang, "cust_followup")})
        turns.append({"role": "agent", "text": picker.pick(lang, "agent_close")})
        if rng.random() < 0.35:
            turns.append({"role": "customer", "text": picker.pick(lang, "cust_followup")})
        csat = rng.choices((1, 2, 3), weights=(55, 35, 10))[0]
    elif label == "praise":
        turns.append({"role": "agent", "text": picker.pick(lang, "agent_thanks")})
        if rng.random() < 0.5:
            turns.append({"role": "customer", "text": picker.pick(lang, "cust_followup")})
        csat = rng.choices((5, 4), weights=(75, 25))[0]
    else:
        if rng.random() < 0.5:
            turns.append({"role": "bot", "text": picker.pick(lang, "bot_handoff")})
        turns.append({"role": "agent", "text": picker.pick(lang, "agent_info")})
        if rng.random() < 0.6:
            turns.append({"role": "customer", "text": picker.pick(lang, "cust_followup")})
        csat = rng.choices((3, 4, 5), weights=(30, 45, 25))[0]
    record = {
        "started_at": iso(item.ts),
        "customer_email": make_email(lang, rng),
        "csat": None if rng.random() < 0.2 else csat,
        "turns": turns,
    }
    return record, [truth_row(item, "customer_turns", label, phrasing, pii=pii)]


def build_respondent(item: Item, picker: Picker, rng: random.Random) -> tuple[dict, list[Truth]]:
    lang, label = item.lang, item.label
    truths: list[Truth] = []
    improve = like = ""
    if label in PAINS:
        improve, phrasing = picker.draw(lang, label)
        if rng.random() < 0.1:
            improve = f"{improve} {picker.pick(lang, 'closer')}"
        pii = rng.random() < 0.04
        if pii:
            improve = add_pii(improve, lang, rng, picker)
        truths.append(truth_row(item, "q_improve", label, phrasing, pii=pii))
        if rng.random() < 0.45:
            like, phrasing = picker.draw(lang, "like")
            truths.append(truth_row(item, "q_like", "praise", phrasing))
        nps = rng.choices(range(9), weights=(14, 10, 12, 14, 14, 12, 10, 3, 2))[0]
        csat = rng.choices((1, 2, 3), weights=(55, 37, 8))[0]
        ces = rng.choices((1, 2, 3, 4), weights=(35, 35, 22, 8))[0]
    elif label == "praise":
        if rng.random() < 0.45:
            improve, phrasing = picker.draw(lang, "suggest")
            truths.append(truth_row(item, "q_improve", "neutral", phrasing))
        like, phrasing = picker.draw(lang, "praise" if rng.random() < 0.6 else "like")
        truths.append(truth_row(item, "q_like", "praise", phrasing))
        nps = rng.choices((10, 9, 8), weights=(55, 37, 8))[0]
        csat = rng.choices((5, 4), weights=(70, 30))[0]
        ces = rng.choices((7, 6, 5), weights=(50, 35, 15))[0]
    else:
        improve, phrasing = picker.draw(lang, "suggest")
        truths.append(truth_row(item, "q_improve", "neutral", phrasing))
        if rng.random() < 0.6:
            like, phrasing = picker.draw(lang, "like")
            truths.append(truth_row(item, "q_like", "praise", phrasing))
        nps = rng.choices((6, 7, 8), weights=(20, 45, 35))[0]
        csat = rng.choices((3, 4), weights=(50, 50))[0]
        ces = rng.choices((3, 4, 5), weights=(30, 40, 30))[0]
    record = {
        "submitted": iso(item.ts),
        "nps": nps,
        "csat": csat,
        "ces": ces,
        "q_improve": improve,
        "q_like": like,
    }
    return record, truths


BUILDERS = {
    "reviews": build_review,
    "social": build_post,
    "chats": build_chat,
    "survey": build_respondent,
}
