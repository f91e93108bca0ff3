"""English left on a French page: the test of "French to the last word".

A page's texts (each text node, and the attributes people read: placeholder, title, aria-label,
alt) are English when one of them

- is, whole, an English message of the catalogues whose French differs ("Leads to accept" shown
  as is, a label left out of `{% translate %}`), or
- holds several words only English uses ("not reported yet", "Waiting for you"): a sentence
  built in Python without gettext.

Proper names pass: they are neither messages nor sentences of English words. A text in another
language on purpose (the language switcher's "English") is marked `lang="en"` and skipped, as
a screen reader would read it.
"""

import functools
import re

# Words French does not use, written as they are in an English sentence's UI text. Two of them
# in one text make it English; one alone may be a name ("Bank of Montreal").
ENGLISH_WORDS = frozenset(
    """the and with your you not has have this are is yet from been will which that there than
    when should would could must of to for by were was its into per any all none more less
    waiting due overdue reported missing ago left days hours months weeks year""".split()  # noqa: SIM905
)
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
LETTER = re.compile(r"[A-Za-z]")

# The page's texts, as the browser holds them (tests/browser): text nodes outside code, and the
# attributes people read; a text inside an element marked in another language is left out.
PAGE_TEXTS_JS = """() => {
  const texts = [];
  const foreign = (el) => {
    const marked = el.closest('[lang]');
    return marked && !marked.getAttribute('lang').toLowerCase().startsWith('fr');
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, code, pre, noscript, textarea') || foreign(el)) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) texts.push(text);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
    if (foreign(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = (el.getAttribute(name) || '').trim();
      if (value) texts.push(value);
    }
  }
  return texts;
}"""


@functools.cache
def english_messages():
    """The English messages of the catalogues (the project's and Django's) that read otherwise in
    French, with at least one word of three letters (not "OK", not a unit), and that are not
    themselves the French of another message."""
    from django.utils import translation
    from django.utils.translation import trans_real

    with translation.override("fr"):
        catalog = trans_real.translation("fr")._catalog
        messages, french = set(), set()
        for msgid, msgstr in catalog.items():
            if isinstance(msgstr, str):
                french.add(msgstr.strip())
            if not isinstance(msgid, str) or "\x04" in msgid or msgstr == msgid:
                continue
            if re.search(r"[A-Za-z]{3,}", msgid) and "%" not in msgid and "{" not in msgid:
                messages.add(msgid.strip())
    # A word both languages write alike ("Distributeur" is a message and a translation).
    return frozenset(messages - french)


def english(texts):
    """The texts of a French page that read English, each once, in page order."""
    messages = english_messages()
    found = []
    for text in texts:
        if not LETTER.search(text) or text in found:
            continue
        words = {word.lower() for word in WORD.findall(text)}
        if text in messages or len(words & ENGLISH_WORDS) >= 2:
            found.append(text)
    return found
