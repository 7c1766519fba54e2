"""Generate the multilingual ShopNova sample data shipped with the VoC pipeline.

ShopNova is a fictional online retailer (web shop, mobile app, home delivery,
payments and a "Nova Plus" membership). This script writes four customer-feedback
exports in seven languages (en, fa, ar, he, el, de, es) plus a ground-truth file
and a README describing them:

    reviews.csv       product/shop reviews export
    social.jsonl      social media posts, one JSON object per line
    chats.json        support chat transcripts (bot, agent and customer turns)
    survey.csv        NPS / CSAT / CES survey export with two free-text answers
    ground_truth.csv  the label (pain point, praise, neutral) of every text, for evaluation
    README.md         file formats, counts per channel and language, bad records, licence

All texts below were written by hand for this project; none are copied from real
customers or third-party datasets. They are released under the project's Apache-2.0
licence (use them freely, as you would CC0 data). Any resemblance to real people or
companies is coincidental; e-mail addresses use reserved example domains.

The output is fully deterministic (fixed seed, stdlib only). Regenerate with:

    python3 data/samples/generate_samples.py
"""

# One sample text per line keeps the multilingual text bank readable, so long lines are allowed.
# ruff: noqa: E501

from __future__ import annotations

import csv
import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
SEED = 20261115
START = date(2026, 9, 7)  # Monday of week 1; week 10 ends on Sunday 2026-11-15
WEEKS = 10

LANGS = ("en", "fa", "ar", "he", "el", "de", "es")
PAINS = ("late_delivery", "refund", "app_crash", "support", "billing")
LABELS = (*PAINS, "praise", "neutral")
CHANNELS = ("reviews", "social", "chats", "survey")
CHANNEL_SIZES = {"reviews": 126, "social": 100, "chats": 62, "survey": 66}
EN_SHARE = 0.30
# Late delivery grows over time: few reports in the first weeks, a clear surge in the last three.
LATE_WEEK_WEIGHTS = (1.0, 1.0, 1.2, 1.3, 1.5, 1.8, 2.2, 3.2, 4.4, 6.0)

LANG_NAMES = {
    "en": "English",
    "fa": "Persian",
    "ar": "Arabic",
    "he": "Hebrew",
    "el": "Greek",
    "de": "German",
    "es": "Spanish",
}
COUNTRIES = {
    "en": ("GB", "GB", "US", "IE", "AU", "CY"),
    "fa": ("IR",),
    "ar": ("AE", "AE", "SA", "JO", "EG"),
    "he": ("IL",),
    "el": ("GR", "GR", "CY"),
    "de": ("DE", "DE", "AT", "CH"),
    "es": ("ES",),
}
FIRST_NAMES = {
    "en": ("jess", "mike", "sarah", "tom", "priya", "liam", "emma", "dan", "olivia", "george"),
    "fa": ("sara", "reza", "mina", "ali", "negar", "amir", "parisa", "hamed"),
    "ar": ("ahmad", "layla", "omar", "noura", "khalid", "fatima", "yousef", "huda"),
    "he": ("noa", "yoni", "tamar", "itai", "shira", "avi", "maya", "eyal"),
    "el": ("maria", "giorgos", "eleni", "nikos", "katerina", "dimitris", "sofia", "kostas"),
    "de": ("lena", "jonas", "anna", "felix", "mia", "lukas", "sophie", "paul"),
    "es": ("lucia", "pablo", "carmen", "javi", "sofia", "diego", "marta", "alvaro"),
}
SURNAMES = {
    "en": ("smith", "patel", "jones", "brown", "taylor", "walsh"),
    "fa": ("ahmadi", "karimi", "rahimi", "moradi", "hosseini"),
    "ar": ("haddad", "nasser", "saleh", "khoury", "mansour"),
    "he": ("cohen", "levi", "mizrahi", "peretz", "biton"),
    "el": ("papadopoulos", "georgiou", "nikolaou", "dimitriou", "ioannou"),
    "de": ("mueller", "schmidt", "weber", "wagner", "becker"),
    "es": ("garcia", "lopez", "martin", "sanchez", "romero"),
}
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
PRODUCTS = (
    "Nova Wireless Earbuds",
    "Linen Duvet Cover 200x200",
    "Ceramic Frying Pan 28cm",
    "Aero Running Shoes",
    "Smart Kettle 1.7L",
    "Kids' Rain Jacket",
    "Barista One Espresso Machine",
    "LED Desk Lamp",
    "Yoga Mat Pro",
    "Mini Bluetooth Speaker",
    "Winter Duvet 200x220",
    "Slim Phone Case",
    "Urban Backpack 22L",
    "Cotton T-Shirt (3-pack)",
    'Hand Blender 600W "Turbo"',
    "Merino Wool Scarf",
)
PLATFORMS = ("twitter", "instagram", "facebook")
PLATFORM_WEIGHTS = (45, 25, 30)
EMOJI = {
    "pain": ("😡", "🙄", "😤", "😞"),
    "praise": ("😍", "👏", "🙌", "👍"),
    "neutral": ("🤔", "🙂"),
}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

# ---------------------------------------------------------------------------------------------
# Text bank. One text per line, grouped in [sections]. Pain-point sections hold distinct
# phrasings (not templates). Placeholders {order}, {email}, {phone} only appear in pii_* sections.
# ---------------------------------------------------------------------------------------------

EN = """
[late_delivery]
My order arrived nine days late and nobody told me why.
Still waiting for my parcel. The tracking has said "out for delivery" since Monday.
The courier never came. I stayed home all day for nothing.
Ordered a birthday present two weeks ago. The birthday has come and gone and the package still hasn't shown up.
Delivery was promised in 2-3 days, it took almost three weeks.
Where is my package?? It's been 12 days.
Tracking hasn't moved in a week. Is my order lost or just stuck somewhere?
Late again. Third order in a row that turns up days after the estimated date.
The parcel finally arrived a full week after the delivery window, too late for the trip I bought it for.
Express shipping my foot, the box took 10 days to get here.
The driver marked it as "delivery attempted" but nobody came to the door. Now it's delayed another week.
Been waiting since 3 October for a pair of shoes. Not impressed.
Your delivery times are a joke lately, everything I order arrives late.
Order still not delivered after 18 days and the status just says "processing".
Paid for next-day delivery, got it five days later.
The courier keeps rescheduling. Tuesday, then Thursday, now next week. I just want my parcel.
Shipping used to be quick, but this month my order was over two weeks late.
Package stuck at the depot for days and nobody can tell me when it will be delivered.
Day 14 of waiting for a phone case. Ridiculous.
Missed the delivery date by a week and nobody bothered to send an update.
Tracking says delivered, but there's no parcel anywhere. Still waiting.
Three weeks and counting. Where is my order?
Slowest delivery ever. Ordered a kettle at the start of the month, it came yesterday.
No sign of the courier again today. That's the fourth "expected delivery" date you've given me.

[refund]
Returned the jacket a month ago and I still haven't got my money back.
Refund not received. You confirmed the return on the 2nd, it's now the 28th.
The return was processed weeks ago but the money never came back to my card.
Waiting over three weeks for a refund on a broken blender. Every email gets the same "5-7 business days" reply.
Where's my refund? The courier picked up the return on 10 September.
You were quick to take my money but very slow to give it back.
They accepted the return and then... nothing. No refund, no explanation.
Still no refund for the cancelled order. Four weeks now.
I sent the item back with tracking, it was signed for, and the refund has been "pending" for three weeks.
Refund promised within 5 days. It's been 23.
Only got a partial refund, £40 is still missing.
Store credit instead of the refund I asked for? No thanks, I want my money back.
The refund process is painfully slow and nobody tells you where your money is.
Returned two items, got refunded for one. Been chasing the other for weeks.
I cancelled before dispatch and I'm still waiting for the refund.

[app_crash]
The app crashes every time I get to checkout.
App freezes on the payment screen, I had to order on my laptop instead.
Since the last update I can't log in at all. It just says "something went wrong".
Tried to pay three times and the app closed itself each time. Lost my basket too.
The latest version of the app keeps crashing on my Android phone.
Can't sign in after updating. Reset my password twice, still stuck on the login screen.
The app is unusable right now, it freezes as soon as I open the basket.
Every time I tap "Place order" the screen goes white and the app shuts down.
Please fix the iOS app. It crashes when I try to add a new card.
The update logged me out and now the app won't accept my password.
Checkout spinner just spins forever and then the app crashes.
Your app crashed mid-payment and I have no idea if the order went through.
New update = constant crashes. Had to uninstall it.
App won't even open anymore, just a black screen and then it closes.
The deals in the app are great but it freezes at checkout every single time.

[support]
Customer support is useless. Nobody answers emails.
I was on hold for an hour and then the call dropped.
The chat bot just sends me links to the FAQ. I need a human.
Three agents, three different answers, and my problem is still not solved.
Support keeps closing my ticket without fixing anything.
Waited 50 minutes on the phone to be told to send an email.
No reply to my emails for ten days. Is anyone actually working there?
The bot doesn't understand anything, it keeps asking me to rephrase.
The agent was polite but clearly couldn't do anything. Promised a callback that never happened.
Your support team copy-pastes the same answer every time.
Tried chat, phone and email. Nobody helped.
Impossible to reach a real person, the "contact us" page just loops back to the FAQ.
Asked for a supervisor, got disconnected.
I've explained my issue to five different people and nobody solves it.
Customer service has gone downhill. Hours on hold and no answers.

[billing]
I was charged twice for the same order.
The invoice shows the wrong amount, I paid €20 more than the checkout price.
Cancelled my Nova Plus subscription in August and you still charged me in September.
Double charge on my credit card, please refund the duplicate payment.
My bank statement shows three payments for one order.
The price at checkout was £34.99 but I was billed £49.99.
Charged for delivery even though my membership includes free shipping.
You billed me after I cancelled my subscription. That's not OK.
The discount code was accepted at checkout but it's not on the invoice.
Got charged for an order that was cancelled.
Two identical charges on my card this morning, only one order.
Wrong VAT on my invoice, and the total doesn't match what I paid.
Still being charged every month for a membership I cancelled weeks ago.
Your payment system took the money twice and the order failed anyway.
Why is there an extra charge of $12 on my statement?

[mixed_late_delivery]
Lovely duvet, really warm. Shame it arrived ten days later than promised.
The product itself is excellent, no complaints there. The delivery, on the other hand, was over a week late.

[mixed_refund]
Delivery was fast. But the refund for the broken item took a month.
Good value and quick shipping. The return went fine, but I'm still waiting for the money.

[mixed_app_crash]
Great prices and the products are good. The app, however, crashes every time I try to pay.

[mixed_support]
The shoes are great. Getting an answer from support about the wrong size was a nightmare though.

[mixed_billing]
Happy with the coffee machine itself. Not happy that I was charged twice for it.

[praise]
Super fast delivery, ordered on Monday and it arrived Tuesday morning.
Great quality, the fabric feels much better than I expected.
The staff on the phone were really friendly and sorted everything in minutes.
Love ShopNova! Easy ordering and the parcel came a day early.
Excellent service from start to finish. Will order again.
The agent in the chat was so helpful, thank you Sam!
Good prices, quick shipping, nicely packed.
Arrived the next day and exactly as described.
Really impressed with the quality of the cookware.
Returns were painless this time, the money was back in two days.
Friendly driver, called ahead and brought it right to my door.
Best online shop I've used this year.
The new app design is lovely and checkout is quick.
Beautiful packaging, would make a great gift.
Ordered late at night, delivered the next afternoon. Brilliant.
Customer service went above and beyond to help me.
Top-notch product quality and a fair price.
Smooth experience, no complaints at all.
My go-to shop now. Always fast and reliable.
The headphones sound amazing for the price.

[question]
Do you ship to Cyprus?
What are your opening hours for the phone line?
Is there a store I can visit in person, or are you online only?
Can I change the delivery address after placing an order?
Do you offer gift wrapping?
Do you accept PayPal?
When does the winter sale start?
Can I pick up my order from a parcel locker instead of home delivery?
Is the Nova Plus membership worth it if I order about once a month?
Do you price match other shops?

[neutral_review]
Does what it says. Nothing special, nothing wrong.
Decent product, sizing runs a little small.
It's okay. The colour is slightly different from the photos.
Average quality for the price.
Fine for everyday use. Not sure about durability yet.
The lamp works, though the cable is shorter than I thought.
Good enough. It would be nice if it came in more colours.
Haven't used it much yet, first impressions are okay.

[suggest]
More payment options, e.g. Apple Pay.
A dark mode in the app would be nice.
Show stock levels on the product page.
Offer evening delivery slots.
A bigger size range for clothing.
Let me save more than one delivery address.
Eco-friendly packaging with less plastic.
A loyalty programme for regular customers.

[like]
Fast delivery.
The prices.
Wide choice of products.
Friendly staff.
Easy to find what I needed.
Good quality products.
The packaging.
Quick checkout.
The weekly deals.
Everything arrived well packed.

[title_late_delivery]
Very late delivery
Still waiting
Where is my parcel?
Took weeks to arrive

[title_refund]
No refund yet
Still waiting for my money
Refund nightmare
Returned weeks ago, no money

[title_app_crash]
App keeps crashing
Can't check out
Broken after update
Unusable app

[title_support]
Terrible customer service
No one answers
Useless support
On hold forever

[title_billing]
Charged twice
Wrong invoice
Billing mess
Charged after cancelling

[title_praise]
Excellent!
Very happy
Great shop
Fast and reliable
Highly recommend

[title_neutral]
OK
Does the job
Average
Fine

[title_mixed]
Good product, bad service
Mixed experience
Almost perfect

[closer]
Very disappointed.
Not ordering again.
Please sort this out.
Really frustrating.
Unacceptable.

[pii_order]
Order number {order}.
My order is {order}.

[pii_email]
Please email me at {email}.
You can reach me at {email}.

[pii_phone]
You can call me on {phone}.
My number is {phone}.

[bot_greet]
Hi! I'm Nova, ShopNova's virtual assistant. How can I help you today?
Hello and welcome to ShopNova support. What can I do for you?

[bot_handoff]
Thanks. I'm connecting you with one of our agents now.
Let me transfer you to a member of our team.

[agent_sorry]
Sorry to hear that, let me check your order.
I'm sorry about this. Let me look into it for you.
Thank you for letting us know. I'm checking the details now.
I apologise for the inconvenience. One moment while I check.

[agent_close]
I've escalated this to the relevant team. Is there anything else I can help with?
Thanks for your patience. You'll receive an update by email within 48 hours.
I've added a note to your account. Have a nice day!

[agent_thanks]
Thank you so much for the kind words! I'll pass them on to the team.
That's great to hear, thanks for letting us know!

[agent_info]
Thanks for your question. Let me check that for you.
Good question! Here's a link to the relevant help page.

[cust_followup]
Okay.
Thanks, I'll wait then.
Fine.
Ok thanks.
Alright, but please hurry.
"""

DE = """
[late_delivery]
Meine Bestellung kam neun Tage zu spät an, ohne jede Info.
Warte immer noch auf mein Paket. Laut Sendungsverfolgung ist es seit Montag „in Zustellung“.
Der Paketbote ist nie gekommen, obwohl ich den ganzen Tag zu Hause war.
Lieferung war für Mittwoch angekündigt, angekommen ist sie zwei Wochen später.
Wo bleibt mein Paket? Seit zwölf Tagen bestellt und nichts passiert.
Die Sendungsverfolgung bewegt sich seit einer Woche nicht. Ist das Paket verloren gegangen?
Schon wieder verspätet. Das dritte Mal hintereinander, dass meine Bestellung Tage nach dem Liefertermin kommt.
Expressversand bezahlt, zehn Tage gewartet. Ein Witz.
Das Geschenk sollte zum Geburtstag da sein. Der Geburtstag ist vorbei, das Paket nicht.
Angeblich „Zustellversuch“, aber niemand hat geklingelt. Jetzt verzögert sich alles um eine weitere Woche.
In letzter Zeit kommt alles viel zu spät. Früher war die Lieferung schneller.
Paket hängt seit Tagen im Verteilzentrum fest und keiner kann sagen, wann es zugestellt wird.

[refund]
Die Jacke habe ich vor einem Monat zurückgeschickt, mein Geld habe ich immer noch nicht.
Rückerstattung nicht erhalten. Die Retoure wurde am 2. bestätigt, heute ist der 28.
Die Rücksendung ist längst bearbeitet, aber das Geld ist nie auf meinem Konto angekommen.
Seit über drei Wochen warte ich auf die Erstattung für einen defekten Mixer.
Geld abbuchen geht schnell, zurückzahlen offenbar nicht.
Retoure angenommen und dann passiert einfach nichts. Keine Erstattung, keine Erklärung.
Bestellung vor dem Versand storniert und ich warte seit vier Wochen auf mein Geld.
Nur einen Teil erstattet bekommen, 40 € fehlen noch immer.
Gutschein statt Rückerstattung? Nein danke, ich will mein Geld zurück.

[app_crash]
Die App stürzt jedes Mal beim Bezahlen ab.
App friert an der Kasse ein, ich musste am Laptop bestellen.
Seit dem letzten Update kann ich mich nicht mehr anmelden.
Dreimal versucht zu bezahlen, dreimal hat sich die App geschlossen. Der Warenkorb war danach auch leer.
Die neue Version der App stürzt auf meinem Android-Handy ständig ab.
Nach dem Update komme ich nicht mehr rein. Passwort zweimal zurückgesetzt, trotzdem hänge ich am Login fest.
Sobald ich auf „Jetzt kaufen“ tippe, wird der Bildschirm weiß und die App geht zu.
Die App ist mitten in der Zahlung abgestürzt und ich weiß nicht, ob die Bestellung durchgegangen ist.
Neues Update, ständige Abstürze. Habe die App gelöscht.

[support]
Der Kundenservice ist nutzlos. Auf E-Mails antwortet niemand.
Eine Stunde in der Warteschleife und dann wurde einfach aufgelegt.
Der Chatbot schickt mir nur Links zu den FAQ. Ich brauche einen Menschen!
Drei Mitarbeiter, drei verschiedene Antworten, und mein Problem ist immer noch nicht gelöst.
Mein Ticket wird immer wieder geschlossen, ohne dass etwas passiert.
Seit zehn Tagen keine Antwort auf meine Mails. Arbeitet da überhaupt jemand?
Rückruf versprochen, nie passiert.
Es ist unmöglich, bei euch einen echten Menschen zu erreichen.
Ich habe mein Problem fünf Leuten erklärt und keiner löst es.

[billing]
Mir wurde die Bestellung doppelt abgebucht.
Auf der Rechnung steht der falsche Betrag, 20 € mehr als im Warenkorb.
Abo im August gekündigt und trotzdem im September belastet.
Doppelte Abbuchung auf meiner Kreditkarte, bitte erstatten.
Laut Kontoauszug drei Zahlungen für eine einzige Bestellung.
Der Rabattcode wurde akzeptiert, steht aber nicht auf der Rechnung.
Obwohl ich gekündigt habe, wird die Mitgliedschaft jeden Monat weiter abgebucht.
Versandkosten berechnet, obwohl ich als Mitglied kostenlosen Versand habe.
Für eine stornierte Bestellung wurde trotzdem Geld abgebucht.

[mixed_late_delivery]
Die Bettdecke ist super, richtig warm. Schade nur, dass sie zehn Tage später kam als versprochen.

[mixed_refund]
Die Lieferung war schnell. Aber die Erstattung für den kaputten Artikel hat einen Monat gedauert.

[mixed_app_crash]
Gute Preise und gute Produkte. Nur die App stürzt jedes Mal beim Bezahlen ab.

[mixed_support]
Die Schuhe sind top. Mit dem Kundenservice wegen der falschen Größe war es aber ein Albtraum.

[mixed_billing]
Mit der Kaffeemaschine bin ich zufrieden. Nicht zufrieden bin ich damit, dass sie zweimal abgebucht wurde.

[praise]
Super schnelle Lieferung, Montag bestellt, Dienstag da.
Tolle Qualität, der Stoff ist viel besser als erwartet.
Die Mitarbeiterin am Telefon war total freundlich und hat alles in fünf Minuten geklärt.
Alles bestens, gerne wieder!
Gut verpackt, schnell geliefert, genau wie beschrieben.
Sehr netter Fahrer, hat vorher angerufen und das Paket bis zur Tür gebracht.
Preis-Leistung stimmt absolut.
Inzwischen mein Lieblingsshop. Immer zuverlässig.

[question]
Liefert ihr auch nach Zypern?
Wie sind eure Öffnungszeiten für die Hotline?
Kann ich die Lieferadresse nach der Bestellung noch ändern?
Kann man bei euch auf Rechnung bezahlen?
Gibt es eine Abholstation in Wien?

[neutral_review]
Erfüllt seinen Zweck. Nichts Besonderes.
Ganz okay, fällt etwas klein aus.
Farbe weicht leicht von den Fotos ab, sonst in Ordnung.
Durchschnittliche Qualität für den Preis.

[suggest]
Mehr Zahlungsarten, z. B. Klarna.
Ein Dunkelmodus in der App wäre schön.
Lieferungen auch am Abend.
Weniger Plastik in der Verpackung.
Lagerbestand auf der Produktseite anzeigen.

[like]
Schnelle Lieferung.
Die Preise.
Große Auswahl.
Freundliche Mitarbeiter.
Gute Qualität.
Schöne Verpackung.

[title_late_delivery]
Viel zu spät
Warte immer noch
Wo ist mein Paket?

[title_refund]
Keine Erstattung
Warte auf mein Geld
Retoure ohne Geld

[title_app_crash]
App stürzt ab
Bezahlen unmöglich
Login geht nicht

[title_support]
Schlechter Kundenservice
Keiner antwortet
Warteschleife ohne Ende

[title_billing]
Doppelt abgebucht
Falsche Rechnung
Abbuchung nach Kündigung

[title_praise]
Top!
Sehr zufrieden
Schnell und zuverlässig

[title_neutral]
Okay
In Ordnung
Durchschnitt

[title_mixed]
Gutes Produkt, schlechter Service
Gemischte Erfahrung

[closer]
Sehr enttäuscht.
Nie wieder.
Bitte klären Sie das.
Echt ärgerlich.

[pii_order]
Bestellnummer: {order}.
Meine Bestellnummer ist {order}.

[pii_email]
Bitte melden Sie sich unter {email}.

[pii_phone]
Sie erreichen mich unter {phone}.

[bot_greet]
Hallo! Ich bin Nova, die digitale Assistentin von ShopNova. Wie kann ich helfen?
Willkommen beim ShopNova-Kundenservice. Was kann ich für Sie tun?

[bot_handoff]
Danke. Ich verbinde Sie jetzt mit einem Mitarbeiter.
Einen Moment, ich leite Sie an unser Team weiter.

[agent_sorry]
Das tut mir leid, ich schaue mir Ihre Bestellung an.
Entschuldigen Sie die Unannehmlichkeiten. Ich prüfe das sofort.
Danke für den Hinweis, ich sehe mir die Details an.

[agent_close]
Ich habe den Fall an die zuständige Abteilung weitergegeben. Kann ich sonst noch helfen?
Vielen Dank für Ihre Geduld. Sie erhalten innerhalb von 48 Stunden eine E-Mail.
Ich habe eine Notiz in Ihrem Kundenkonto hinterlegt. Einen schönen Tag noch!

[agent_thanks]
Vielen Dank für das Lob! Ich gebe es gern ans Team weiter.

[agent_info]
Danke für Ihre Frage, ich schaue kurz nach.
Gute Frage! Hier ist der Link zur passenden Hilfeseite.

[cust_followup]
Okay.
Gut, dann warte ich.
Danke.
Na gut, aber bitte schnell.
"""

ES = """
[late_delivery]
Mi pedido llegó nueve días tarde y nadie me avisó de nada.
Sigo esperando el paquete. El seguimiento dice «en reparto» desde el lunes.
El repartidor nunca vino. Me quedé en casa todo el día para nada.
La entrega estaba prevista para el miércoles y llegó dos semanas después.
¿Dónde está mi paquete? Hace doce días que lo pedí.
El seguimiento no se mueve desde hace una semana. ¿Se ha perdido el pedido?
Otra vez con retraso. Es la tercera compra seguida que llega días después de la fecha prevista.
Pagué envío exprés y tardó diez días. Una tomadura de pelo.
Era un regalo de cumpleaños. El cumpleaños ya pasó y el paquete sigue sin llegar.
Marcaron «intento de entrega» pero nadie llamó al timbre. Ahora se retrasa otra semana más.
Últimamente todo llega tardísimo. Antes los envíos eran rápidos.
El paquete lleva días atascado en el almacén y nadie sabe decirme cuándo lo van a entregar.

[refund]
Devolví la chaqueta hace un mes y todavía no me han devuelto el dinero.
No he recibido el reembolso. Confirmasteis la devolución el día 2 y hoy estamos a 28.
La devolución se tramitó hace semanas, pero el dinero nunca volvió a mi tarjeta.
Llevo más de tres semanas esperando el reembolso de una batidora rota.
Para cobrar sois rapidísimos, para devolver el dinero no tanto.
Aceptaron la devolución y luego nada. Ni reembolso ni explicación.
Cancelé el pedido antes del envío y sigo esperando el reembolso.
Solo me han devuelto una parte, faltan 40 €.
¿Un vale en lugar del reembolso? No, gracias, quiero mi dinero.

[app_crash]
La app se cierra cada vez que llego al pago.
La aplicación se congela en la pantalla de pago, tuve que comprar desde el ordenador.
Desde la última actualización no puedo iniciar sesión.
Intenté pagar tres veces y la app se cerró las tres. Encima se vació el carrito.
La nueva versión de la app no para de fallar en mi Android.
Después de actualizar no puedo entrar. He cambiado la contraseña dos veces y sigo atascado en el inicio de sesión.
Cuando pulso «Realizar pedido» la pantalla se queda en blanco y la app se cierra.
La app se colgó en medio del pago y no sé si el pedido se ha hecho o no.
Nueva actualización, fallos constantes. La he desinstalado.

[support]
La atención al cliente no sirve para nada. Nadie contesta los correos.
Una hora en espera al teléfono y luego se cortó la llamada.
El chatbot solo me manda enlaces a las preguntas frecuentes. ¡Necesito hablar con una persona!
Tres agentes, tres respuestas distintas y el problema sigue sin resolverse.
Cierran mi incidencia una y otra vez sin solucionar nada.
Diez días sin respuesta a mis correos. ¿Hay alguien trabajando ahí?
Me prometieron que me llamarían y nunca lo hicieron.
Es imposible hablar con una persona de verdad.
He explicado mi problema a cinco personas distintas y nadie lo resuelve.

[billing]
Me cobraron dos veces el mismo pedido.
La factura tiene un importe equivocado, 20 € más que en el carrito.
Cancelé la suscripción en agosto y aun así me cobrasteis en septiembre.
Cargo duplicado en mi tarjeta de crédito, por favor devolvedme el segundo pago.
En mi extracto aparecen tres cargos por un solo pedido.
El código de descuento se aplicó en el carrito pero no aparece en la factura.
Sigo pagando cada mes una membresía que cancelé hace semanas.
Me cobraron gastos de envío aunque tengo envío gratis con la membresía.
Me han cobrado un pedido que estaba cancelado.

[mixed_late_delivery]
El edredón es estupendo, abriga muchísimo. Lástima que llegara diez días más tarde de lo prometido.

[mixed_refund]
El envío fue rápido. Pero el reembolso del artículo roto tardó un mes.

[mixed_app_crash]
Buenos precios y buenos productos. Pero la app se cierra cada vez que intento pagar.

[mixed_support]
Las zapatillas son geniales. Conseguir que atención al cliente me ayudara con la talla equivocada fue una pesadilla.

[mixed_billing]
Contenta con la cafetera. No tan contenta con que me la cobraran dos veces.

[praise]
Envío rapidísimo, pedí el lunes y llegó el martes.
Muy buena calidad, la tela es mucho mejor de lo que esperaba.
La chica del teléfono fue súper amable y lo resolvió todo en cinco minutos.
¡Todo perfecto, repetiré!
Bien embalado, llegó rápido y tal cual la descripción.
El repartidor muy majo, llamó antes y me lo subió hasta la puerta.
Calidad-precio inmejorable.
Ya es mi tienda online favorita. Siempre cumplen.

[question]
¿Hacéis envíos a Chipre?
¿Cuál es el horario de atención telefónica?
¿Puedo cambiar la dirección de entrega después de hacer el pedido?
¿Se puede pagar con Bizum?
¿Tenéis puntos de recogida en Valencia?

[neutral_review]
Cumple su función. Nada del otro mundo.
Está bien, aunque la talla es un poco pequeña.
El color es algo distinto al de las fotos, por lo demás correcto.
Calidad normal para lo que cuesta.

[suggest]
Más formas de pago, por ejemplo Bizum.
Un modo oscuro en la app.
Entregas por la tarde.
Menos plástico en los embalajes.
Mostrar el stock en la página del producto.

[like]
Envío rápido.
Los precios.
Mucha variedad.
Personal amable.
Buena calidad.
El embalaje.

[title_late_delivery]
Llegó tardísimo
Sigo esperando
¿Dónde está mi paquete?

[title_refund]
Sin reembolso
Esperando mi dinero
Devolución sin dinero

[title_app_crash]
La app se cierra
Imposible pagar
No puedo entrar

[title_support]
Pésima atención
Nadie responde
Horas en espera

[title_billing]
Cobro doble
Factura errónea
Cobro tras cancelar

[title_praise]
¡Genial!
Muy contenta
Rápido y fiable

[title_neutral]
Normal
Correcto
Sin más

[title_mixed]
Buen producto, mal servicio
Experiencia mixta

[closer]
Muy decepcionado.
No vuelvo a comprar.
Solucionadlo, por favor.
Qué frustración.

[pii_order]
Número de pedido: {order}.
Mi pedido es el {order}.

[pii_email]
Escribidme a {email}.

[pii_phone]
Mi teléfono es {phone}.

[bot_greet]
¡Hola! Soy Nova, la asistente virtual de ShopNova. ¿En qué puedo ayudarte?
Bienvenido al servicio de atención de ShopNova. ¿Qué necesitas?

[bot_handoff]
Gracias. Te paso con uno de nuestros agentes.
Un momento, te transfiero a nuestro equipo.

[agent_sorry]
Siento mucho lo ocurrido, déjame revisar tu pedido.
Disculpa las molestias. Lo compruebo ahora mismo.
Gracias por avisarnos, estoy revisando los detalles.

[agent_close]
He escalado el caso al departamento correspondiente. ¿Puedo ayudarte en algo más?
Gracias por tu paciencia. Recibirás un correo en un plazo de 48 horas.
He dejado una nota en tu cuenta. ¡Que tengas un buen día!

[agent_thanks]
¡Muchas gracias por tus palabras! Se lo haré llegar al equipo.

[agent_info]
Gracias por tu pregunta, lo consulto enseguida.
¡Buena pregunta! Aquí tienes el enlace a la página de ayuda.

[cust_followup]
Vale.
Bueno, esperaré.
Gracias.
Vale, pero rápido, por favor.
"""

EL = """
[late_delivery]
Η παραγγελία μου ήρθε με εννιά μέρες καθυστέρηση και κανείς δεν με ενημέρωσε.
Ακόμα περιμένω το δέμα μου. Στην παρακολούθηση της αποστολής γράφει «σε διανομή» από τη Δευτέρα.
Ο κούριερ δεν ήρθε ποτέ. Έμεινα σπίτι όλη μέρα για το τίποτα.
Η παράδοση ήταν για Τετάρτη και τελικά ήρθε δύο εβδομάδες μετά.
Πού είναι το δέμα μου; Έχουν περάσει δώδεκα μέρες από την παραγγελία.
Η αποστολή δεν έχει κουνηθεί εδώ και μια εβδομάδα. Χάθηκε η παραγγελία;
Πάλι καθυστέρηση. Τρίτη συνεχόμενη παραγγελία που φτάνει μέρες μετά την προβλεπόμενη ημερομηνία.
Πλήρωσα express αποστολή και περίμενα δέκα μέρες. Αστείο.
Ήταν δώρο γενεθλίων. Τα γενέθλια πέρασαν, το δέμα ακόμα να έρθει.
Έγραψαν «απόπειρα παράδοσης» αλλά κανείς δεν χτύπησε το κουδούνι. Τώρα καθυστερεί άλλη μία εβδομάδα.
Τελευταία όλα έρχονται πολύ αργά. Παλιότερα η αποστολή ήταν γρήγορη.
Το δέμα είναι κολλημένο στο κέντρο διαλογής μέρες τώρα και κανείς δεν ξέρει πότε θα παραδοθεί.

[refund]
Επέστρεψα το μπουφάν πριν από έναν μήνα και ακόμα δεν πήρα πίσω τα χρήματά μου.
Δεν έχω λάβει την επιστροφή χρημάτων. Επιβεβαιώσατε την επιστροφή στις 2 του μήνα και σήμερα έχουμε 28.
Η επιστροφή ολοκληρώθηκε εδώ και εβδομάδες, αλλά τα λεφτά δεν γύρισαν ποτέ στην κάρτα μου.
Πάνω από τρεις εβδομάδες περιμένω την επιστροφή χρημάτων για ένα χαλασμένο μπλέντερ.
Για να χρεώσετε είστε γρήγοροι, για να επιστρέψετε τα χρήματα καθόλου.
Δέχτηκαν την επιστροφή και μετά τίποτα. Ούτε χρήματα ούτε εξήγηση.
Ακύρωσα την παραγγελία πριν σταλεί και ακόμα περιμένω τα λεφτά μου.
Μου επέστρεψαν μόνο ένα μέρος, λείπουν ακόμα 40 €.
Κουπόνι αντί για επιστροφή χρημάτων; Όχι, ευχαριστώ, θέλω τα λεφτά μου πίσω.

[app_crash]
Η εφαρμογή κρασάρει κάθε φορά που πάω στο ταμείο.
Η εφαρμογή κολλάει στην οθόνη πληρωμής, αναγκάστηκα να παραγγείλω από τον υπολογιστή.
Από την τελευταία ενημέρωση δεν μπορώ να συνδεθώ.
Προσπάθησα τρεις φορές να πληρώσω και η εφαρμογή έκλεισε και τις τρεις. Άδειασε και το καλάθι.
Η νέα έκδοση της εφαρμογής κλείνει συνέχεια στο Android μου.
Μετά την ενημέρωση δεν μπορώ να μπω. Άλλαξα δύο φορές τον κωδικό και πάλι κολλάω στη σύνδεση.
Μόλις πατάω «Ολοκλήρωση παραγγελίας» η οθόνη ασπρίζει και η εφαρμογή κλείνει.
Η εφαρμογή κόλλησε στη μέση της πληρωμής και δεν ξέρω αν πέρασε η παραγγελία.
Νέα ενημέρωση, συνεχή κρασαρίσματα. Την απεγκατέστησα.

[support]
Η εξυπηρέτηση πελατών είναι άχρηστη. Κανείς δεν απαντάει στα email.
Μία ώρα σε αναμονή στο τηλέφωνο και μετά έκλεισε η γραμμή.
Το chatbot μου στέλνει μόνο συνδέσμους για τις συχνές ερωτήσεις. Θέλω να μιλήσω με άνθρωπο!
Τρεις υπάλληλοι, τρεις διαφορετικές απαντήσεις, και το πρόβλημα ακόμα άλυτο.
Κλείνουν το αίτημά μου ξανά και ξανά χωρίς να λύσουν τίποτα.
Δέκα μέρες καμία απάντηση στα email μου. Δουλεύει κανείς εκεί;
Μου υποσχέθηκαν ότι θα με πάρουν τηλέφωνο και δεν με πήραν ποτέ.
Είναι αδύνατο να μιλήσεις με πραγματικό άνθρωπο.
Έχω εξηγήσει το πρόβλημά μου σε πέντε διαφορετικά άτομα και κανείς δεν το λύνει.

[billing]
Με χρέωσαν δύο φορές για την ίδια παραγγελία.
Το τιμολόγιο έχει λάθος ποσό, 20 € παραπάνω από το καλάθι.
Ακύρωσα τη συνδρομή τον Αύγουστο και παρ' όλα αυτά με χρεώσατε τον Σεπτέμβριο.
Διπλή χρέωση στην πιστωτική μου, παρακαλώ επιστρέψτε τη δεύτερη πληρωμή.
Στην κίνηση του λογαριασμού μου βλέπω τρεις χρεώσεις για μία παραγγελία.
Ο εκπτωτικός κωδικός έγινε δεκτός στο καλάθι αλλά δεν εμφανίζεται στο τιμολόγιο.
Συνεχίζω να πληρώνω κάθε μήνα μια συνδρομή που ακύρωσα εδώ και εβδομάδες.
Με χρέωσαν μεταφορικά ενώ έχω δωρεάν αποστολή με τη συνδρομή.
Χρεώθηκα για μια παραγγελία που είχε ακυρωθεί.

[mixed_late_delivery]
Το πάπλωμα είναι υπέροχο και πολύ ζεστό. Κρίμα που ήρθε δέκα μέρες αργότερα απ' ό,τι είχατε πει.

[mixed_refund]
Η αποστολή ήταν γρήγορη. Όμως η επιστροφή χρημάτων για το χαλασμένο προϊόν πήρε έναν μήνα.

[mixed_app_crash]
Καλές τιμές και καλά προϊόντα. Η εφαρμογή όμως κρασάρει κάθε φορά που πάω να πληρώσω.

[mixed_support]
Τα παπούτσια είναι τέλεια. Με την εξυπηρέτηση πελατών για το λάθος νούμερο όμως ταλαιπωρήθηκα πολύ.

[mixed_billing]
Είμαι ευχαριστημένη με την καφετιέρα. Όχι όμως με το ότι χρεώθηκα δύο φορές.

[praise]
Πολύ γρήγορη παράδοση, παρήγγειλα Δευτέρα και ήρθε Τρίτη.
Εξαιρετική ποιότητα, το ύφασμα είναι πολύ καλύτερο απ' ό,τι περίμενα.
Η κοπέλα στο τηλέφωνο ήταν πολύ ευγενική και τα έλυσε όλα σε πέντε λεπτά.
Όλα τέλεια, θα ξαναψωνίσω σίγουρα!
Καλή συσκευασία, γρήγορη αποστολή, ακριβώς όπως η περιγραφή.
Πολύ ευγενικός ο κούριερ, πήρε τηλέφωνο πριν και το έφερε μέχρι την πόρτα.
Άριστη σχέση ποιότητας-τιμής.
Πλέον το αγαπημένο μου ηλεκτρονικό κατάστημα. Πάντα αξιόπιστοι.

[question]
Κάνετε αποστολές στην Κύπρο;
Ποιες είναι οι ώρες λειτουργίας του τηλεφωνικού κέντρου;
Μπορώ να αλλάξω τη διεύθυνση παράδοσης αφού κάνω την παραγγελία;
Δέχεστε πληρωμή με αντικαταβολή;
Έχετε σημεία παραλαβής στη Θεσσαλονίκη;

[neutral_review]
Κάνει τη δουλειά του. Τίποτα το ιδιαίτερο.
Εντάξει, αλλά το νούμερο βγαίνει λίγο μικρό.
Το χρώμα διαφέρει λίγο από τις φωτογραφίες, κατά τα άλλα καλό.
Μέτρια ποιότητα για την τιμή του.

[suggest]
Περισσότεροι τρόποι πληρωμής, π.χ. IRIS.
Σκοτεινό θέμα στην εφαρμογή.
Παραδόσεις και τις απογευματινές ώρες.
Λιγότερο πλαστικό στη συσκευασία.
Να φαίνεται η διαθεσιμότητα στη σελίδα του προϊόντος.

[like]
Η γρήγορη αποστολή.
Οι τιμές.
Η μεγάλη ποικιλία.
Το ευγενικό προσωπικό.
Η καλή ποιότητα.
Η συσκευασία.

[title_late_delivery]
Τεράστια καθυστέρηση
Ακόμα περιμένω
Πού είναι το δέμα μου;

[title_refund]
Καμία επιστροφή χρημάτων
Περιμένω τα λεφτά μου
Επιστροφή χωρίς χρήματα

[title_app_crash]
Η εφαρμογή κρασάρει
Αδύνατη η πληρωμή
Δεν μπορώ να συνδεθώ

[title_support]
Κακή εξυπηρέτηση
Κανείς δεν απαντά
Ατελείωτη αναμονή

[title_billing]
Διπλή χρέωση
Λάθος τιμολόγιο
Χρέωση μετά την ακύρωση

[title_praise]
Τέλεια!
Πολύ ικανοποιημένη
Γρήγοροι και αξιόπιστοι

[title_neutral]
Εντάξει
Μέτριο
Καλό

[title_mixed]
Καλό προϊόν, κακή εξυπηρέτηση
Ανάμεικτη εμπειρία

[closer]
Πολύ απογοητευμένος.
Δεν ξαναψωνίζω.
Παρακαλώ λύστε το.
Πραγματικά εκνευριστικό.

[pii_order]
Αριθμός παραγγελίας: {order}.
Η παραγγελία μου είναι η {order}.

[pii_email]
Στείλτε μου στο {email}.

[pii_phone]
Το τηλέφωνό μου είναι {phone}.

[bot_greet]
Γεια σας! Είμαι η Nova, η ψηφιακή βοηθός της ShopNova. Πώς μπορώ να βοηθήσω;
Καλώς ήρθατε στην εξυπηρέτηση πελατών της ShopNova. Τι χρειάζεστε;

[bot_handoff]
Ευχαριστώ. Σας συνδέω τώρα με έναν εκπρόσωπο.
Ένα λεπτό, σας μεταφέρω στην ομάδα μας.

[agent_sorry]
Λυπάμαι πολύ γι' αυτό, επιτρέψτε μου να ελέγξω την παραγγελία σας.
Ζητώ συγγνώμη για την ταλαιπωρία. Το ελέγχω αμέσως.
Ευχαριστώ που μας ενημερώσατε, κοιτάζω τα στοιχεία.

[agent_close]
Προώθησα το θέμα στο αρμόδιο τμήμα. Μπορώ να βοηθήσω σε κάτι άλλο;
Ευχαριστούμε για την υπομονή σας. Θα λάβετε email μέσα σε 48 ώρες.
Πρόσθεσα σημείωση στον λογαριασμό σας. Καλή συνέχεια!

[agent_thanks]
Σας ευχαριστούμε πολύ για τα καλά σας λόγια! Θα τα μεταφέρω στην ομάδα.

[agent_info]
Ευχαριστώ για την ερώτηση, το ελέγχω αμέσως.
Καλή ερώτηση! Ορίστε ο σύνδεσμος για τη σχετική σελίδα βοήθειας.

[cust_followup]
Εντάξει.
Καλά, θα περιμένω.
Ευχαριστώ.
Εντάξει, αλλά γρήγορα παρακαλώ.
"""

HE = """
[late_delivery]
ההזמנה שלי הגיעה באיחור של תשעה ימים ואף אחד לא עדכן אותי.
אני עדיין מחכה לחבילה. במעקב כתוב "בדרך למסירה" מיום שני.
השליח לא הגיע בכלל. נשארתי בבית כל היום בשביל כלום.
המשלוח היה אמור להגיע ביום רביעי, ובסוף הגיע שבועיים אחרי.
איפה החבילה שלי? עברו כבר 12 ימים מההזמנה.
המעקב לא זז כבר שבוע. החבילה הלכה לאיבוד?
שוב איחור. זו ההזמנה השלישית ברצף שמגיעה ימים אחרי התאריך שהובטח.
שילמתי על משלוח אקספרס וחיכיתי עשרה ימים. בדיחה.
זו הייתה מתנת יום הולדת. יום ההולדת עבר, והחבילה עוד לא הגיעה.
כתבו "ניסיון מסירה" אבל אף אחד לא דפק בדלת. עכשיו זה מתעכב עוד שבוע.
בזמן האחרון הכול מגיע באיחור. פעם המשלוחים היו מהירים.
החבילה תקועה במרכז המיון כבר כמה ימים ואף אחד לא יודע להגיד לי מתי היא תגיע.

[refund]
החזרתי את המעיל לפני חודש ועדיין לא קיבלתי את הכסף.
לא קיבלתי החזר. אישרתם את ההחזרה ב-2 לחודש, והיום כבר ה-28.
ההחזרה טופלה לפני שבועות, אבל הכסף לא חזר לכרטיס האשראי שלי.
כבר יותר משלושה שבועות אני מחכה להחזר כספי על בלנדר שבור.
לגבות כסף אתם יודעים מהר, להחזיר - פחות.
קיבלו את ההחזרה ומאז כלום. לא החזר ולא הסבר.
ביטלתי את ההזמנה לפני שנשלחה ואני עדיין מחכה לזיכוי.
קיבלתי רק החזר חלקי, חסרים עוד 150 ש"ח.
זיכוי לקנייה הבאה במקום החזר? לא תודה, אני רוצה את הכסף שלי בחזרה.

[app_crash]
האפליקציה קורסת בכל פעם שאני מגיע לתשלום.
האפליקציה נתקעת במסך התשלום, נאלצתי להזמין מהמחשב.
מאז העדכון האחרון אני לא מצליחה להתחבר.
ניסיתי לשלם שלוש פעמים והאפליקציה נסגרה כל פעם. גם העגלה התרוקנה.
הגרסה החדשה של האפליקציה קורסת כל הזמן באנדרואיד שלי.
אחרי העדכון אני לא מצליח להיכנס. איפסתי סיסמה פעמיים ועדיין תקוע במסך ההתחברות.
ברגע שאני לוחץ על "לביצוע ההזמנה" המסך נהיה לבן והאפליקציה נסגרת.
האפליקציה קרסה באמצע התשלום ואין לי מושג אם ההזמנה עברה.
עדכון חדש, קריסות בלי סוף. מחקתי את האפליקציה.

[support]
שירות הלקוחות לא שווה כלום. אף אחד לא עונה למיילים.
שעה שלמה בהמתנה בטלפון ואז השיחה התנתקה.
הצ'אטבוט רק שולח לי קישורים לשאלות נפוצות. אני צריך בן אדם!
שלושה נציגים, שלוש תשובות שונות, והבעיה עדיין לא נפתרה.
סוגרים לי את הפנייה שוב ושוב בלי לפתור כלום.
עשרה ימים בלי תשובה למיילים שלי. יש שם מישהו בכלל?
הבטיחו שיחזרו אליי ואף אחד לא חזר.
אי אפשר להשיג נציג אנושי.
הסברתי את הבעיה לחמישה אנשים שונים ואף אחד לא פותר אותה.

[billing]
חייבו אותי פעמיים על אותה הזמנה.
בחשבונית מופיע סכום שגוי, 70 ש"ח יותר ממה שהיה בעגלה.
ביטלתי את המנוי באוגוסט ובכל זאת חייבתם אותי בספטמבר.
חיוב כפול בכרטיס האשראי, בבקשה תחזירו את התשלום השני.
בפירוט החיובים מופיעים שלושה חיובים על הזמנה אחת.
קוד ההנחה התקבל בעגלה אבל לא מופיע בחשבונית.
אני ממשיך לשלם כל חודש על מנוי שביטלתי לפני שבועות.
חייבו אותי בדמי משלוח למרות שיש לי משלוח חינם במנוי.
חויבתי על הזמנה שבוטלה.

[mixed_late_delivery]
השמיכה מעולה וחמה מאוד. חבל שהיא הגיעה עשרה ימים אחרי מה שהובטח.

[mixed_refund]
המשלוח היה מהיר. אבל ההחזר על המוצר השבור לקח חודש.

[mixed_app_crash]
מחירים טובים ומוצרים טובים. אבל האפליקציה קורסת כל פעם שאני מנסה לשלם.

[mixed_support]
הנעליים מצוינות. אבל לקבל תשובה משירות הלקוחות על המידה הלא נכונה היה סיוט.

[mixed_billing]
מרוצה ממכונת הקפה עצמה. פחות מרוצה מזה שחויבתי עליה פעמיים.

[praise]
משלוח מהיר במיוחד, הזמנתי ביום שני והגיע ביום שלישי.
איכות מעולה, הבד הרבה יותר טוב ממה שציפיתי.
הנציגה בטלפון הייתה נחמדה מאוד ופתרה הכול תוך חמש דקות.
הכול מושלם, בטוח אזמין שוב!
ארוז היטב, הגיע מהר ובדיוק כמו בתיאור.
שליח אדיב מאוד, התקשר לפני והביא עד הדלת.
תמורה מצוינת למחיר.
החנות האהובה עליי ברשת. תמיד אמינים.

[question]
אתם שולחים לקפריסין?
מה שעות הפעילות של המוקד הטלפוני?
אפשר לשנות את כתובת המשלוח אחרי שביצעתי הזמנה?
אפשר לשלם בביט?
יש לכם נקודת איסוף בחיפה?

[neutral_review]
עושה את העבודה. שום דבר מיוחד.
בסדר, אבל המידה קצת קטנה.
הצבע קצת שונה מהתמונות, חוץ מזה בסדר.
איכות ממוצעת ביחס למחיר.

[suggest]
עוד אמצעי תשלום, למשל ביט.
מצב כהה באפליקציה.
משלוחים גם בשעות הערב.
פחות פלסטיק באריזה.
להציג מלאי בדף המוצר.

[like]
משלוח מהיר.
המחירים.
מבחר גדול.
צוות אדיב.
איכות טובה.
האריזה.

[title_late_delivery]
איחור ענק
עדיין מחכה
איפה החבילה?

[title_refund]
אין החזר
מחכה לכסף שלי
החזרה בלי זיכוי

[title_app_crash]
האפליקציה קורסת
אי אפשר לשלם
לא מצליח להתחבר

[title_support]
שירות גרוע
אף אחד לא עונה
המתנה אינסופית

[title_billing]
חיוב כפול
חשבונית שגויה
חיוב אחרי ביטול

[title_praise]
מעולה!
מרוצה מאוד
מהירים ואמינים

[title_neutral]
בסדר
סביר
ממוצע

[title_mixed]
מוצר טוב, שירות גרוע
חוויה מעורבת

[closer]
מאוכזב מאוד.
לא אזמין שוב.
תטפלו בזה בבקשה.
ממש מתסכל.

[pii_order]
מספר ההזמנה: {order}.
ההזמנה שלי היא {order}.

[pii_email]
אפשר לכתוב לי ל-{email}.

[pii_phone]
הטלפון שלי {phone}.

[bot_greet]
שלום! אני נובה, העוזרת הדיגיטלית של ShopNova. איך אפשר לעזור?
ברוכים הבאים לשירות הלקוחות של ShopNova. במה אפשר לעזור?

[bot_handoff]
תודה. אני מעבירה אותך עכשיו לנציג.
רגע אחד, אני מעבירה את השיחה לצוות שלנו.

[agent_sorry]
מצטער לשמוע, אני בודק את ההזמנה שלך.
סליחה על אי הנעימות. אני בודקת את זה מיד.
תודה שעדכנת אותנו, אני עובר על הפרטים.

[agent_close]
העברתי את הפנייה למחלקה המתאימה. אפשר לעזור במשהו נוסף?
תודה על הסבלנות. יישלח אליך עדכון במייל תוך 48 שעות.
הוספתי הערה לחשבון שלך. יום נעים!

[agent_thanks]
תודה רבה על המילים החמות! אעביר אותן לצוות.

[agent_info]
תודה על השאלה, אני בודקת ומעדכנת.
שאלה טובה! הנה קישור לדף העזרה הרלוונטי.

[cust_followup]
בסדר.
טוב, אחכה.
תודה.
בסדר, אבל מהר בבקשה.
"""

AR = """
[late_delivery]
وصل طلبي متأخراً تسعة أيام ولم يخبرني أحد بالسبب.
ما زلت أنتظر الطرد. التتبع يقول «قيد التوصيل» منذ يوم الاثنين.
المندوب لم يأتِ أبداً. بقيت في البيت طوال اليوم بلا فائدة.
كان من المفترض أن يصل الطلب يوم الأربعاء، لكنه وصل بعد أسبوعين.
وين طلبي؟ صار لي ١٢ يوم أنتظر!
التتبع لم يتحرك منذ أسبوع. هل ضاع الطلب؟
تأخير مرة أخرى. هذا ثالث طلب على التوالي يصل بعد الموعد المحدد بأيام.
دفعت مقابل الشحن السريع وانتظرت عشرة أيام. مهزلة.
كانت هدية عيد ميلاد. مرّ عيد الميلاد والطرد لم يصل بعد.
كتبوا «محاولة توصيل» لكن لم يطرق أحد الباب. والآن تأخر أسبوعاً آخر.
في الفترة الأخيرة كل شيء يصل متأخراً. كان التوصيل سريعاً في السابق.
الشحنة عالقة في مركز الفرز منذ أيام ولا أحد يعرف متى ستُسلَّم.

[refund]
أرجعت الجاكيت قبل شهر وحتى الآن لم أسترد أموالي.
لم يصلني المبلغ المسترد. أكدتم استلام المرتجع يوم 2 واليوم 28.
تمت معالجة الإرجاع منذ أسابيع، لكن المبلغ لم يرجع إلى بطاقتي أبداً.
أنتظر استرداد ثمن خلاط مكسور منذ أكثر من ثلاثة أسابيع.
تسحبون الفلوس بسرعة، أما إرجاعها فلا.
قبلوا الإرجاع وبعدها لا شيء. لا استرداد ولا تفسير.
ألغيت الطلب قبل شحنه وما زلت أنتظر استرجاع المبلغ.
استرجعت جزءاً من المبلغ فقط، وما زال ينقصني 150 درهماً.
قسيمة شراء بدلاً من استرداد المبلغ؟ لا شكراً، أريد أموالي.

[app_crash]
التطبيق يتوقف عن العمل كلما وصلت إلى صفحة الدفع.
التطبيق يتجمد في شاشة الدفع، فاضطررت للطلب من الكمبيوتر.
منذ آخر تحديث لا أستطيع تسجيل الدخول.
حاولت الدفع ثلاث مرات والتطبيق أغلق نفسه في كل مرة. وفوق ذلك انمسحت السلة.
النسخة الجديدة من التطبيق تنهار باستمرار على جوالي الأندرويد.
بعد التحديث لا أستطيع الدخول. غيرت كلمة المرور مرتين وما زلت عالقاً في شاشة تسجيل الدخول.
بمجرد أن أضغط «إتمام الطلب» تصبح الشاشة بيضاء ويُغلق التطبيق.
التطبيق علّق في منتصف الدفع ولا أعرف إن كان الطلب قد تم أم لا.
تحديث جديد وأعطال لا تنتهي. حذفت التطبيق.

[support]
خدمة العملاء بلا فائدة. لا أحد يرد على الإيميلات.
ساعة كاملة على الانتظار في الهاتف ثم انقطع الاتصال.
روبوت المحادثة يرسل لي روابط الأسئلة الشائعة فقط. أريد التحدث مع إنسان!
ثلاثة موظفين وثلاث إجابات مختلفة، والمشكلة ما زالت بلا حل.
يغلقون تذكرتي مرة بعد مرة دون أن يحلوا أي شيء.
عشرة أيام بلا رد على رسائلي. هل يعمل أحد عندكم أصلاً؟
وعدوني بالاتصال بي ولم يتصل أحد.
من المستحيل الوصول إلى موظف حقيقي.
شرحت مشكلتي لخمسة أشخاص مختلفين ولا أحد يحلها.

[billing]
تم خصم المبلغ مرتين على نفس الطلب.
الفاتورة فيها مبلغ خاطئ، أكثر بـ 80 درهماً من سعر السلة.
ألغيت الاشتراك في أغسطس ومع ذلك خصمتم مني في سبتمبر.
خصم مزدوج على بطاقتي الائتمانية، أرجو إعادة الدفعة الثانية.
كشف الحساب يُظهر ثلاث عمليات خصم لطلب واحد.
كود الخصم قُبل في السلة لكنه غير موجود في الفاتورة.
ما زلت أدفع كل شهر اشتراكاً ألغيته منذ أسابيع.
حسبوا علي رسوم توصيل رغم أن اشتراكي يشمل التوصيل المجاني.
تم تحصيل مبلغ طلب ملغى من حسابي.

[mixed_late_delivery]
البطانية رائعة ودافئة جداً. للأسف وصلت متأخرة عشرة أيام عن الموعد.

[mixed_refund]
التوصيل كان سريعاً. لكن استرداد ثمن القطعة المكسورة استغرق شهراً.

[mixed_app_crash]
أسعار جيدة ومنتجات جيدة. لكن التطبيق يتوقف كلما حاولت الدفع.

[mixed_support]
الحذاء ممتاز. لكن الحصول على رد من خدمة العملاء بخصوص المقاس الخطأ كان كابوساً.

[mixed_billing]
راضية عن ماكينة القهوة نفسها، لكني لست راضية عن خصم ثمنها مرتين.

[praise]
توصيل سريع جداً، طلبت يوم الاثنين ووصل يوم الثلاثاء.
جودة ممتازة، القماش أفضل بكثير مما توقعت.
الموظفة على الهاتف كانت لطيفة جداً وحلت كل شيء في خمس دقائق.
كل شيء ممتاز، سأطلب مرة أخرى بالتأكيد!
تغليف ممتاز ووصول سريع ومطابق للوصف تماماً.
المندوب محترم جداً، اتصل قبل الوصول وأوصل الطلب لباب البيت.
قيمة ممتازة مقابل السعر.
أصبح متجري المفضل على الإنترنت. دائماً موثوقون.

[question]
هل تشحنون إلى قبرص؟
ما هي ساعات عمل خدمة العملاء على الهاتف؟
هل يمكنني تغيير عنوان التوصيل بعد إتمام الطلب؟
هل يتوفر الدفع عند الاستلام؟
هل لديكم نقطة استلام في جدة؟

[neutral_review]
يؤدي الغرض. لا شيء مميز.
جيد، لكن المقاس صغير قليلاً.
اللون مختلف قليلاً عن الصور، وغير ذلك لا بأس.
جودة متوسطة مقارنة بالسعر.

[suggest]
طرق دفع أكثر، مثل Apple Pay.
وضع داكن في التطبيق.
توصيل في المساء.
بلاستيك أقل في التغليف.
عرض الكمية المتوفرة في صفحة المنتج.

[like]
التوصيل السريع.
الأسعار.
تنوع المنتجات.
الموظفون اللطفاء.
الجودة الجيدة.
التغليف.

[title_late_delivery]
تأخير كبير
ما زلت أنتظر
أين طلبي؟

[title_refund]
لا استرداد
أنتظر أموالي
إرجاع بلا استرداد

[title_app_crash]
التطبيق يتوقف
لا أستطيع الدفع
مشكلة في تسجيل الدخول

[title_support]
خدمة عملاء سيئة
لا أحد يرد
انتظار بلا نهاية

[title_billing]
خصم مرتين
فاتورة خاطئة
خصم بعد الإلغاء

[title_praise]
ممتاز!
راضٍ جداً
سريعون وموثوقون

[title_neutral]
مقبول
عادي
لا بأس

[title_mixed]
منتج جيد وخدمة سيئة
تجربة متباينة

[closer]
خيبة أمل كبيرة.
لن أطلب مرة أخرى.
أرجو حل المشكلة.
شيء محبط فعلاً.

[pii_order]
رقم الطلب: {order}.
طلبي رقم {order}.

[pii_email]
راسلوني على {email}.

[pii_phone]
رقم جوالي {phone}.

[bot_greet]
مرحباً! أنا نوفا، المساعدة الرقمية من ShopNova. كيف أستطيع مساعدتك؟
أهلاً بك في خدمة عملاء ShopNova. كيف يمكنني خدمتك؟

[bot_handoff]
شكراً. سأحولك الآن إلى أحد موظفينا.
لحظة من فضلك، أحوّل المحادثة إلى فريقنا.

[agent_sorry]
نأسف لسماع ذلك، دعني أتحقق من طلبك.
نعتذر عن الإزعاج. سأراجع الأمر فوراً.
شكراً لإبلاغنا، أراجع التفاصيل الآن.

[agent_close]
لقد رفعت طلبك إلى القسم المختص. هل هناك شيء آخر يمكنني مساعدتك فيه؟
شكراً لصبرك. ستصلك رسالة بالبريد الإلكتروني خلال 48 ساعة.
أضفت ملاحظة إلى حسابك. يومك سعيد!

[agent_thanks]
شكراً جزيلاً على كلماتك اللطيفة! سأنقلها إلى الفريق.

[agent_info]
شكراً على سؤالك، سأتحقق من ذلك حالاً.
سؤال جيد! هذا رابط صفحة المساعدة المناسبة.

[cust_followup]
حسناً.
طيب، سأنتظر.
شكراً.
حسناً، لكن بسرعة من فضلك.
"""

# Persian uses ZWNJ (U+200C, written as \u200c) inside words such as می\u200cخواهم.
FA = """
[late_delivery]
سفارشم نُه روز دیر رسید و هیچ\u200cکس هم توضیحی نداد.
هنوز منتظر مرسوله\u200cام هستم. وضعیتش از دوشنبه روی «در حال تحویل» مانده.
پیک اصلاً نیامد. کل روز بی\u200cخودی خانه ماندم.
قرار بود سفارشم چهارشنبه برسد، ولی دو هفته بعد رسید.
بسته\u200cام کجاست؟ ۱۲ روز از سفارش گذشته!
وضعیت رهگیری یک هفته است که تکان نخورده. یعنی سفارشم گم شده؟
باز هم تأخیر. این سومین سفارش پشت سر هم است که چند روز بعد از تاریخ اعلام\u200cشده می\u200cرسد.
پول ارسال اکسپرس دادم و ده روز منتظر ماندم. واقعاً مسخره است.
کادوی تولد بود. تولد گذشت و بسته هنوز نرسیده.
نوشته\u200cاند «تلاش ناموفق برای تحویل» ولی هیچ\u200cکس زنگ نزد. حالا یک هفتهٔ دیگر هم عقب افتاده.
این اواخر همه\u200cچیز دیر می\u200cرسد. قبلاً ارسال\u200cها خیلی سریع\u200cتر بود.
بسته چند روز است در مرکز پخش مانده و هیچ\u200cکس نمی\u200cداند کی تحویل داده می\u200cشود.

[refund]
یک ماه پیش کاپشن را مرجوع کردم و هنوز پولم برنگشته.
مبلغ بازپرداخت به دستم نرسیده. مرجوعی را دوم ماه تأیید کردید و امروز بیست\u200cوهشتم است.
مرجوعی هفته\u200cها پیش ثبت شد ولی پول هیچ\u200cوقت به کارتم برنگشت.
بیش از سه هفته است منتظر بازگشت وجه یک مخلوط\u200cکن خراب هستم.
برای کم کردن پول خیلی سریع هستید، برای پس دادنش نه.
مرجوعی را قبول کردند و بعد هیچ. نه پولی، نه توضیحی.
سفارش را قبل از ارسال لغو کردم و هنوز منتظر برگشت پولم هستم.
فقط بخشی از پول را برگرداندند، هنوز ۴۰۰ هزار تومان کم است.
کارت هدیه به جای بازگشت وجه؟ نه ممنون، پولم را می\u200cخواهم.

[app_crash]
اپلیکیشن هر بار موقع پرداخت بسته می\u200cشود.
برنامه در صفحهٔ پرداخت هنگ می\u200cکند و مجبور شدم با لپ\u200cتاپ سفارش بدهم.
از آخرین به\u200cروزرسانی نمی\u200cتوانم وارد حسابم شوم.
سه بار خواستم پرداخت کنم و هر سه بار اپ خودش بسته شد. سبد خریدم هم خالی شد.
نسخهٔ جدید اپ روی گوشی اندرویدم مدام کرش می\u200cکند.
بعد از آپدیت نمی\u200cتوانم لاگین کنم. دو بار رمز را عوض کردم و هنوز پشت صفحهٔ ورود مانده\u200cام.
تا روی «ثبت سفارش» می\u200cزنم صفحه سفید می\u200cشود و برنامه بسته می\u200cشود.
اپ وسط پرداخت از کار افتاد و نمی\u200cدانم سفارش ثبت شد یا نه.
آپدیت جدید، کرش پشت کرش. اپ را پاک کردم.

[support]
پشتیبانی هیچ فایده\u200cای ندارد. هیچ\u200cکس جواب ایمیل\u200cها را نمی\u200cدهد.
یک ساعت پشت خط منتظر ماندم و بعد تماس قطع شد.
ربات چت فقط لینک سؤالات متداول را می\u200cفرستد. می\u200cخواهم با یک آدم واقعی صحبت کنم!
سه کارشناس، سه جواب مختلف، و مشکلم هنوز حل نشده.
تیکتم را بارها بستند بدون اینکه کاری انجام بدهند.
ده روز است جواب ایمیل\u200cهایم را نداده\u200cاند. اصلاً کسی آنجا کار می\u200cکند؟
قول دادند تماس بگیرند ولی هیچ\u200cوقت زنگ نزدند.
رسیدن به یک کارشناس واقعی غیرممکن است.
مشکلم را برای پنج نفر مختلف توضیح دادم و هیچ\u200cکس حلش نکرد.

[billing]
برای یک سفارش دو بار از حسابم پول کم شد.
مبلغ فاکتور اشتباه است، ۲۰۰ هزار تومان بیشتر از مبلغ سبد خرید.
اشتراکم را مرداد لغو کردم و باز هم شهریور از من پول کسر کردید.
دو بار از کارت بانکی\u200cام برداشت شده، لطفاً مبلغ اضافه را برگردانید.
در گردش حسابم سه برداشت برای یک سفارش ثبت شده.
کد تخفیف در سبد خرید اعمال شد ولی در فاکتور نیامده.
هنوز هر ماه برای اشتراکی که چند هفته پیش لغو کردم پول می\u200cدهم.
هزینهٔ ارسال حساب کردند، در حالی که اشتراکم ارسال رایگان دارد.
برای سفارشی که لغو شده بود از من پول گرفتند.

[mixed_late_delivery]
پتو عالی و خیلی گرم است. حیف که ده روز دیرتر از زمان وعده\u200cداده\u200cشده رسید.

[mixed_refund]
ارسال سریع بود. اما بازگشت پول کالای شکسته یک ماه طول کشید.

[mixed_app_crash]
قیمت\u200cها خوب و محصولات خوب. ولی اپ هر بار که می\u200cخواهم پرداخت کنم بسته می\u200cشود.

[mixed_support]
کفش\u200cها عالی\u200cاند. اما گرفتن جواب از پشتیبانی دربارهٔ سایز اشتباه واقعاً کابوس بود.

[mixed_billing]
از خود قهوه\u200cساز راضی\u200cام، ولی از اینکه دو بار پولش را کم کردند نه.

[praise]
ارسال خیلی سریع بود، دوشنبه سفارش دادم و سه\u200cشنبه رسید.
کیفیت عالی، جنس پارچه خیلی بهتر از انتظارم بود.
خانمی که پشت تلفن بود خیلی مهربان بود و در پنج دقیقه همه\u200cچیز را حل کرد.
همه\u200cچیز عالی بود، حتماً باز هم خرید می\u200cکنم!
بسته\u200cبندی خوب، ارسال سریع و دقیقاً مطابق توضیحات.
پیک خیلی مؤدب بود، قبلش زنگ زد و بسته را تا دم در آورد.
واقعاً ارزش خرید دارد.
الان فروشگاه اینترنتی محبوبم شده. همیشه قابل اعتماد.

[question]
به قبرس هم ارسال دارید؟
ساعت کاری پشتیبانی تلفنی چیست؟
می\u200cشود بعد از ثبت سفارش آدرس تحویل را عوض کرد؟
امکان پرداخت در محل دارید؟
در شیراز نقطهٔ تحویل حضوری دارید؟

[neutral_review]
کارش را انجام می\u200cدهد. چیز خاصی نیست.
بد نیست، ولی سایزش کمی کوچک است.
رنگش کمی با عکس\u200cها فرق دارد، بقیه\u200cاش خوب است.
کیفیت معمولی نسبت به قیمت.

[suggest]
روش\u200cهای پرداخت بیشتر.
حالت تاریک در اپلیکیشن.
ارسال در ساعات عصر.
پلاستیک کمتر در بسته\u200cبندی.
نمایش موجودی انبار در صفحهٔ محصول.

[like]
ارسال سریع.
قیمت\u200cها.
تنوع کالا.
کارکنان خوش\u200cبرخورد.
کیفیت خوب.
بسته\u200cبندی.

[title_late_delivery]
تأخیر خیلی زیاد
هنوز منتظرم
بسته\u200cام کجاست؟

[title_refund]
پولم برنگشت
منتظر بازگشت وجه
مرجوعی بدون بازپرداخت

[title_app_crash]
اپ کرش می\u200cکند
پرداخت ممکن نیست
ورود به حساب ممکن نیست

[title_support]
پشتیبانی ضعیف
هیچ\u200cکس جواب نمی\u200cدهد
انتظار بی\u200cپایان

[title_billing]
دو بار برداشت
فاکتور اشتباه
برداشت بعد از لغو

[title_praise]
عالی!
خیلی راضی\u200cام
سریع و مطمئن

[title_neutral]
معمولی
قابل قبول
بد نیست

[title_mixed]
محصول خوب، خدمات بد
تجربهٔ دوگانه

[closer]
خیلی ناامید شدم.
دیگر خرید نمی\u200cکنم.
لطفاً رسیدگی کنید.
واقعاً اعصاب\u200cخردکن است.

[pii_order]
شمارهٔ سفارش: {order}.
کد سفارشم {order} است.

[pii_email]
لطفاً به {email} ایمیل بزنید.

[pii_phone]
شماره\u200cام {phone} است.

[bot_greet]
سلام! من نوا هستم، دستیار مجازی ShopNova. چطور می\u200cتوانم کمکتان کنم؟
به پشتیبانی ShopNova خوش آمدید. چه کمکی از دستم برمی\u200cآید؟

[bot_handoff]
ممنون. الان شما را به یکی از کارشناسان وصل می\u200cکنم.
لطفاً چند لحظه صبر کنید، گفتگو را به همکارانم منتقل می\u200cکنم.

[agent_sorry]
متأسفم که این اتفاق افتاده، اجازه بدهید سفارشتان را بررسی کنم.
بابت این مشکل عذر می\u200cخواهم. همین الان پیگیری می\u200cکنم.
ممنون که اطلاع دادید، در حال بررسی جزئیات هستم.

[agent_close]
موضوع را به واحد مربوطه ارجاع دادم. کار دیگری هست که بتوانم انجام بدهم؟
از صبرتان ممنونم. ظرف ۴۸ ساعت ایمیلی دریافت می\u200cکنید.
یادداشتی در حسابتان ثبت کردم. روز خوبی داشته باشید!

[agent_thanks]
خیلی ممنون از لطفتان! حتماً به تیم منتقل می\u200cکنم.

[agent_info]
ممنون از سؤالتان، همین الان بررسی می\u200cکنم.
سؤال خوبی است! این لینک صفحهٔ راهنمای مربوطه است.

[cust_followup]
باشه.
خب، منتظر می\u200cمانم.
ممنون.
باشه، ولی لطفاً زودتر.
"""


def parse_bank(block: str) -> dict[str, list[str]]:
    """Split a text block into {section: [lines]}."""
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for raw in block.splitlines():
        line = raw.strip()
        if not line:
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
    lang: parse_bank(block)
    for lang, block in (
        ("en", EN),
        ("fa", FA),
        ("ar", AR),
        ("he", HE),
        ("el", EL),
        ("de", DE),
        ("es", ES),
    )
}


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


# ---------------------------------------------------------------------------------------------
# Planning: who writes what, where and when.
# ---------------------------------------------------------------------------------------------


@dataclass
class Item:
    """One planned record: a review, a post, a chat or a survey respondent."""

    channel: str
    lang: str
    label: str
    week: int = 0
    ts: datetime = field(default_factory=lambda: datetime(2026, 9, 7))


def largest_remainder(total: int, weights: tuple[float, ...]) -> list[int]:
    """Split total into integer parts proportional to weights."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def language_capacity() -> dict[str, dict[str, int]]:
    """Records per channel and language: English ~30 %, the rest shared evenly."""
    others = LANGS[1:]
    caps: dict[str, dict[str, int]] = {}
    pointer = 0
    for channel in CHANNELS:
        size = CHANNEL_SIZES[channel]
        english = round(size * EN_SHARE)
        base, extra = divmod(size - english, len(others))
        caps[channel] = {"en": english, **dict.fromkeys(others, base)}
        for k in range(extra):
            caps[channel][others[(pointer + k) % len(others)]] += 1
        pointer = (pointer + extra) % len(others)
    return caps


def label_counts(total: int) -> dict[str, int]:
    """Praise ~15 %, neutral ~9 %, every pain point at least 6, late delivery gets the rest."""
    praise = round(0.15 * total)
    neutral = round(0.09 * total)
    other = max(6, round(0.12 * total))
    counts = {"praise": praise, "neutral": neutral, **dict.fromkeys(PAINS[1:], other)}
    counts["late_delivery"] = total - sum(counts.values())
    return counts


def plan_items(rng: random.Random) -> list[Item]:
    """Decide channel, language, label, week and timestamp of every record."""
    caps = language_capacity()
    items: list[Item] = []
    for lang in LANGS:
        lang_caps = {ch: caps[ch][lang] for ch in CHANNELS}
        remaining = dict(lang_caps)
        counts = label_counts(sum(lang_caps.values()))
        # Interleave the labels (k-th of n at position (k + 0.5) / n) so none gets the leftovers,
        # and spread each label over the channels in proportion to the channel sizes.
        sequence = sorted(
            ((k + 0.5) / n, LABELS.index(label), label)
            for label, n in counts.items()
            for k in range(n)
        )
        used: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
        for _, _, label in sequence:
            _, _, channel = min(
                ((used[label][ch] + 1) / lang_caps[ch], -remaining[ch], ch)
                for ch in CHANNELS
                if remaining[ch] > 0
            )
            used[label][channel] += 1
            remaining[channel] -= 1
            items.append(Item(channel, lang, label))

    late = [it for it in items if it.label == "late_delivery"]
    rest = [it for it in items if it.label != "late_delivery"]
    for group, weights in ((late, LATE_WEEK_WEIGHTS), (rest, (1.0,) * WEEKS)):
        weeks = [w for w, n in enumerate(largest_remainder(len(group), weights)) for _ in range(n)]
        rng.shuffle(weeks)
        for it, week in zip(group, weeks, strict=True):
            it.week = week
    hour_weights = (1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 8, 8, 8, 9, 10, 11, 11, 9, 6, 3)
    for it in items:
        day = START + timedelta(days=7 * it.week + rng.randrange(7))
        hour = rng.choices(range(24), weights=hour_weights)[0]
        second = rng.randrange(60) if it.channel in ("social", "chats") else 0
        it.ts = datetime(day.year, day.month, day.day, hour, rng.randrange(60), second)
    items.sort(key=lambda it: (CHANNELS.index(it.channel), it.ts, it.lang, it.label))
    return items


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
    base = rng.choice(
        (
            "https://pic.example.net/",
            "https://t.example.com/",
            "https://shopnova.example/help/",
            "https://video.example.org/watch?v=",
        )
    )
    return base + token


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
ID_PREFIX = {
    "reviews": ("R", 10001),
    "social": ("S", 20001),
    "chats": ("C", 30001),
    "survey": ("V", 40001),
}
ID_FIELD = {
    "reviews": "review_id",
    "social": "post_id",
    "chats": "conversation_id",
    "survey": "respondent_id",
}

# Deliberately bad records for the quarantine path: (position in file, record, problem).
BAD_REVIEWS = (
    (
        17,
        {
            "submitted_at": "2026-09-19T08:41:00Z",
            "stars": 1,
            "title": "",
            "body": "",
            "product": "Slim Phone Case",
            "country": "GB",
        },
        "empty title and body",
    ),
    (
        58,
        {
            "submitted_at": "2026-10-08T19:05:00Z",
            "stars": 9,
            "title": "Great",
            "body": "Good quality and quick shipping.",
            "product": "Yoga Mat Pro",
            "country": "US",
        },
        "stars = 9 (outside 1-5)",
    ),
    (
        93,
        {
            "submitted_at": "yesterday",
            "stars": 2,
            "title": "Warte immer noch",
            "body": "Paket ist seit einer Woche überfällig.",
            "product": "Smart Kettle 1.7L",
            "country": "DE",
        },
        "unparseable date `yesterday`",
    ),
)
BAD_POSTS = (
    (40, None, "not valid JSON (truncated line)"),
    (
        71,
        {
            "author": "@nightowl_77",
            "platform": "instagram",
            "posted_at": "2026-10-27T23:12:40Z",
            "text": "",
            "reach": 12,
        },
        "empty text",
    ),
)
BAD_CHATS = (
    (
        25,
        {
            "started_at": "2026-10-03T14:20:05Z",
            "customer_email": "idle.visitor@example.com",
            "csat": None,
            "turns": [
                {
                    "role": "bot",
                    "text": "Hi! I'm Nova, ShopNova's virtual assistant. How can I help you today?",
                },
                {
                    "role": "bot",
                    "text": "Are you still there? I'll close this chat if I don't hear from you.",
                },
                {
                    "role": "agent",
                    "text": "This conversation was closed due to inactivity. Feel free to contact us again any time.",
                },
            ],
        },
        "no customer turns",
    ),
)
BAD_SURVEY = (
    (
        33,
        {
            "submitted": "2026-10-15T12:30:00Z",
            "nps": 14,
            "csat": 3,
            "ces": 4,
            "q_improve": "Faster delivery please.",
            "q_like": "The prices.",
        },
        "nps = 14 (outside 0-10)",
    ),
)
DUPLICATE_REVIEW_AT = ((30, 31), (77, 110))  # (row copied, position of the copy)


def assemble(
    channel: str, good: list[tuple[dict, list[Truth]]], bad: tuple
) -> tuple[list[dict | None], list[Truth], list[tuple[str, str, str]]]:
    """Order records by time, insert bad ones, assign ids; return rows, truth rows, bad-record notes."""
    prefix, first = ID_PREFIX[channel]
    id_field = ID_FIELD[channel]
    rows: list[dict | None] = [record for record, _ in good]
    truths_by_pos: list[list[Truth]] = [truths for _, truths in good]
    for position, record, _ in bad:
        rows.insert(position, record)
        truths_by_pos.insert(position, [])
    out_rows: list[dict | None] = []
    truth_rows: list[Truth] = []
    notes: list[tuple[str, str, str]] = []
    bad_positions = {position: problem for position, _, problem in bad}
    for index, (record, truths) in enumerate(zip(rows, truths_by_pos, strict=True)):
        record_id = f"{prefix}-{first + index}"
        if record is None:
            out_rows.append({id_field: record_id, "_invalid_json": True})
        else:
            out_rows.append({id_field: record_id, **record})
        for truth in truths:
            truth_rows.append({"channel": channel, "record_id": record_id, **truth})
        if index in bad_positions:
            notes.append((channel, record_id, bad_positions[index]))
    return out_rows, truth_rows, notes


def write_outputs(rng: random.Random) -> dict:
    items = plan_items(rng)
    picker = Picker(rng)
    built: dict[str, list[tuple[dict, list[Truth]]]] = defaultdict(list)
    for item in items:
        built[item.channel].append(BUILDERS[item.channel](item, picker, rng))

    all_truth: list[Truth] = []
    notes: list[tuple[str, str, str]] = []

    # reviews.csv
    rows, truths, bad_notes = assemble("reviews", built["reviews"], BAD_REVIEWS)
    for copied, position in DUPLICATE_REVIEW_AT:
        duplicate = dict(rows[copied])  # type: ignore[arg-type]
        rows.insert(position, duplicate)
        bad_notes.append(
            ("reviews", str(duplicate["review_id"]), "exact duplicate row (same id and content)")
        )
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "reviews.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=[
                "review_id",
                "submitted_at",
                "stars",
                "title",
                "body",
                "product",
                "country",
            ],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(r for r in rows if r is not None)
    review_rows = len(rows)

    # social.jsonl
    rows, truths, bad_notes = assemble("social", built["social"], BAD_POSTS)
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "social.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            assert row is not None
            if row.get("_invalid_json"):
                fh.write(
                    f'{{"post_id": "{row["post_id"]}", "author": "@export_glitch", "platform": "facebook", '
                    '"posted_at": "2026-10-14T08:03:11Z", "text": "Parcel arrived but the box was\n'
                )
            else:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    social_rows = len(rows)

    # chats.json
    rows, truths, bad_notes = assemble("chats", built["chats"], BAD_CHATS)
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "chats.json").open("w", encoding="utf-8", newline="\n") as fh:
        json.dump(rows, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    chat_rows = len(rows)

    # survey.csv
    rows, truths, bad_notes = assemble("survey", built["survey"], BAD_SURVEY)
    all_truth += truths
    notes += bad_notes
    with (OUT_DIR / "survey.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(
            fh,
            fieldnames=["respondent_id", "submitted", "nps", "csat", "ces", "q_improve", "q_like"],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(r for r in rows if r is not None)
    survey_rows = len(rows)

    # ground_truth.csv
    fields = [
        "channel",
        "record_id",
        "field",
        "language",
        "label",
        "mixed",
        "week",
        "pii",
        "phrasing",
    ]
    with (OUT_DIR / "ground_truth.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(all_truth)

    return {
        "truth": all_truth,
        "notes": notes,
        "rows": {
            "reviews": review_rows,
            "social": social_rows,
            "chats": chat_rows,
            "survey": survey_rows,
        },
    }


# ---------------------------------------------------------------------------------------------
# README
# ---------------------------------------------------------------------------------------------


def md_table(headers: list[str], rows: list[list[object]]) -> str:
    """Markdown table; columns holding only numbers are right-aligned."""
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(headers))]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if num else "---" for num in numeric) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_readme(result: dict) -> str:
    truth: list[Truth] = result["truth"]
    total = len(truth)
    by_channel_lang = Counter((t["channel"], t["language"]) for t in truth)
    by_label_lang = Counter((t["label"], t["language"]) for t in truth)
    by_label_channel = Counter((t["label"], t["channel"]) for t in truth)
    late_weeks = Counter(t["week"] for t in truth if t["label"] == "late_delivery")
    pii = sum(int(t["pii"]) for t in truth)
    mixed = sum(int(t["mixed"]) for t in truth)

    channel_rows: list[list[object]] = []
    for channel in CHANNELS:
        row: list[object] = [channel]
        row += [by_channel_lang[(channel, lang)] for lang in LANGS]
        row.append(sum(by_channel_lang[(channel, lang)] for lang in LANGS))
        channel_rows.append(row)
    lang_totals = [sum(by_channel_lang[(ch, lang)] for ch in CHANNELS) for lang in LANGS]
    channel_rows.append(["**total**", *lang_totals, total])
    channel_rows.append(["share", *(f"{n / total:.0%}" for n in lang_totals), "100%"])

    label_rows: list[list[object]] = []
    for label in LABELS:
        n = sum(by_label_lang[(label, lang)] for lang in LANGS)
        label_rows.append(
            [label, *(by_label_lang[(label, lang)] for lang in LANGS), n, f"{n / total:.0%}"]
        )

    label_channel_rows = [
        [label, *(by_label_channel[(label, ch)] for ch in CHANNELS)] for label in LABELS
    ]

    week_rows = []
    for week in range(1, WEEKS + 1):
        start = START + timedelta(days=7 * (week - 1))
        end = start + timedelta(days=6)
        n = late_weeks[week]
        week_rows.append([week, f"{start:%Y-%m-%d} – {end:%Y-%m-%d}", n, "█" * n])

    bad_rows = [
        [f"`{channel}`", f"`{record_id}`", problem]
        for channel, record_id, problem in result["notes"]
    ]
    rows = result["rows"]

    text = f"""# ShopNova sample data

Synthetic, multilingual voice-of-customer (VoC) feedback for **ShopNova**, a fictional online
retailer with a web shop, a mobile app, home delivery, payments and a "Nova Plus" membership.
The files imitate four typical exports (reviews, social media, support chats, surveys) and are
meant for demos, tests and for judging the topic model.

Everything here is produced by [`generate_samples.py`](generate_samples.py) (Python 3.11 stdlib,
fixed seed {SEED}, deterministic). Do not edit the data files by hand; change the script and run

```bash
python3 data/samples/generate_samples.py
```

## Files

| file | channel | format | rows |
|---|---|---|---:|
| `reviews.csv` | product / shop reviews | CSV, UTF-8 (no BOM), header row, RFC 4180 quoting | {rows["reviews"]} |
| `social.jsonl` | social media posts | JSON Lines, UTF-8 | {rows["social"]} |
| `chats.json` | support chat transcripts | one JSON array, UTF-8 | {rows["chats"]} |
| `survey.csv` | NPS / CSAT / CES survey | CSV, UTF-8 (no BOM), header row | {rows["survey"]} |
| `ground_truth.csv` | labels for evaluation (not an input) | CSV | {total} |

Row counts include the deliberately bad records and duplicates listed below.

### `reviews.csv`

`review_id,submitted_at,stars,title,body,product,country`

- `review_id` `R-10001`…; `submitted_at` ISO 8601 UTC (`2026-09-14T10:22:00Z`); `stars` integer 1-5.
- `title` may be empty; `body` may contain commas, quotes and line-internal punctuation of any script.
- `product` is an English catalogue name, `country` an ISO 3166-1 alpha-2 code.
- Some bodies mix praise and a complaint ("Delivery was fast. But the refund for the broken item took a month.").

### `social.jsonl`

`{{"post_id": "S-20001", "author": "@handle", "platform": "twitter|instagram|facebook", "posted_at": "…Z", "text": "…", "reach": 123}}`

Posts may mention the brand handle `@ShopNova`, carry `#ShopNova`, an emoji and/or a URL (reserved
`example` domains only).

### `chats.json`

`[{{"conversation_id": "C-30001", "started_at": "…Z", "customer_email": "…", "csat": 1-5 or null, "turns": [{{"role": "customer|agent|bot", "text": "…"}}]}}]`

3-7 turns per conversation. Only `customer` turns carry the feedback; `bot` and `agent` turns are
polite boilerplate in the customer's language ("Sorry to hear that, let me check your order.").
`customer_email` is always present (reserved `example` domains).

### `survey.csv`

`respondent_id,submitted,nps,csat,ces,q_improve,q_like`

- `nps` 0-10, `csat` 1-5, `ces` 1-7 (Customer Effort Score, agreement with "ShopNova made it easy
  to handle my issue": 1 = strongly disagree / very hard, 7 = strongly agree / very easy).
- `q_improve` answers "What should we improve?", `q_like` answers "What did you like?". Either may be empty.

### `ground_truth.csv`

One row per piece of feedback: `channel,record_id,field,language,label,mixed,week,pii,phrasing`.
`label` is one of {", ".join(f"`{label}`" for label in LABELS)}; `field` names the text column
(`body`, `text`, `customer_turns` = all customer turns of a chat, `q_improve`, `q_like`);
`week` is 1-10 (see below); `pii` = 1 if the text contains an e-mail, phone or order number;
`phrasing` identifies the hand-written sentence (same language + phrasing = same wording).
Bad records are not listed. The pipeline must not read this file as input.

## Counts

A *piece of feedback* is one review, one post, all customer turns of one chat together, or one
non-empty survey answer. Total: **{total}** pieces (bad records and duplicates excluded).

Pieces per channel and language:

{md_table(["channel", *LANGS, "total"], channel_rows)}

Languages: {", ".join(f"{LANG_NAMES[lang]} (`{lang}`)" for lang in LANGS)}. Every record is written
in one language and in its own script (Persian with ی/ک, ZWNJ and some Persian digits; Arabic
with a few Arabic-Indic digits; Greek with accents). Nothing is transliterated.

## Pain points

Five recurring pain points, each written in at least 8 different ways per language and present in
every language and in at least three channels, plus praise and neutral questions/suggestions:

| label | what customers say |
|---|---|
| `late_delivery` | order days/weeks late, still waiting for the parcel, courier never came |
| `refund` | refund not received, return processed but no money back, waiting weeks |
| `app_crash` | app crashes/freezes at checkout, cannot log in after an update |
| `support` | agents don't answer, useless chat bot, nobody solves it, on hold for an hour |
| `billing` | charged twice, wrong invoice amount, charged after cancelling the subscription |
| `praise` | fast delivery, great quality, friendly staff |
| `neutral` | questions ("Do you ship to Cyprus?") and neutral reviews / suggestions |

Pieces per label and language:

{md_table(["label", *LANGS, "total", "share"], label_rows)}

Pieces per label and channel:

{md_table(["label", *CHANNELS], label_channel_rows)}

Scores follow the sentiment with some noise: complaints mostly get 1-2 stars, NPS 0-6 and CSAT 1-2;
praise 4-5 stars and NPS 9-10; neutral texts sit in the middle. {mixed} reviews mix praise and a
complaint (labelled with the complaint).

### Late delivery grows over time

Dates are spread evenly over the ten weeks from Monday 2026-09-07 to Sunday 2026-11-15, except
`late_delivery`, which grows sharply in the last three weeks:

{md_table(["week", "dates", "late_delivery", ""], week_rows)}

## Personal data (to be redacted)

{pii} pieces ({pii / total:.1%}) contain an e-mail address, a phone number (e.g. `+49 151 23456789`,
`0912 345 6789`, sometimes in Persian digits) or an order number (`ORD-2026-48213`). Every chat
also has a `customer_email`. All values are invented; e-mail addresses use reserved example domains.

## Deliberately bad records (quarantine and de-duplication tests)

{md_table(["file", "id", "problem"], bad_rows)}

In `social.jsonl` the record listed as "not valid JSON" is a truncated line whose `post_id` can
only be seen in the raw text. The two duplicated reviews repeat an earlier row byte for byte (same
`review_id`); keep one copy of each. Everything else parses and is in range.

## Licence

Written for this project; released under the project's Apache-2.0 licence. Any resemblance to real
people or companies is coincidental.
"""
    (OUT_DIR / "README.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    check_banks()
    rng = random.Random(SEED)
    result = write_outputs(rng)
    write_readme(result)
    truth: list[Truth] = result["truth"]
    print(f"pieces of feedback: {len(truth)}")
    for channel in CHANNELS:
        counts = Counter(t["language"] for t in truth if t["channel"] == channel)
        print(
            f"  {channel:8} {sum(counts.values()):4}  "
            + "  ".join(f"{lang}={counts[lang]}" for lang in LANGS)
        )
    weeks = Counter(t["week"] for t in truth if t["label"] == "late_delivery")
    print("late_delivery per week:", [weeks[w] for w in range(1, WEEKS + 1)])
    print("rows per file:", result["rows"])


if __name__ == "__main__":
    main()
