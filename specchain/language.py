"""The main language of a text, from its scripts and most common words: enough to tag a download's language.

Tagging the language makes a PDF pick Japanese, Chinese or Korean glyph shapes for the characters they share, and
that language's quotes and line-breaking rules; it lets browsers and screen readers read a page in the right voice.
Code (fenced blocks and `inline code`) and links are left out: they are English-looking whatever the prose is.
"""

from __future__ import annotations

import re
from collections import Counter

# The commonest short words of each language: the language with the most of them in the prose wins.
STOP_WORDS = {
    "en": {"the", "and", "of", "to", "is", "are", "with", "for", "that", "this", "be", "on", "it", "as", "by"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "sich", "auf", "für", "eine", "ein", "wird", "den",
           "werden", "bei", "oder", "auch"},
    "fr": {"le", "la", "les", "et", "est", "des", "une", "pour", "dans", "que", "qui", "sur", "avec", "pas",
           "sont", "du", "au", "aux"},
    "es": {"el", "los", "las", "y", "es", "una", "para", "con", "que", "por", "del", "se", "como", "son", "más",
           "está", "pero"},
}
CODE = re.compile(r"^ {0,3}(`{3,}|~{3,}).*?^ {0,3}\1[ \t]*$|`[^`\n]*`|\(?https?://\S+", re.MULTILINE | re.DOTALL)
WORD = re.compile(r"[^\W\d_]+")
CJK_SHARE = 0.2  # of the letters: a Japanese product name in English prose leaves the prose English
SCRIPTS = {
    "kana": re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]"),
    "hangul": re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]"),
    "han": re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0003134f]"),
}


def detect_language(text: str) -> str:
    """"en", "de", "fr", "es", "ja", "zh" or "ko" (a BCP 47 primary tag); "en" when unsure."""
    prose = CODE.sub(" ", text)
    letters = sum(map(str.isalpha, prose))
    kana, hangul, han = (len(pattern.findall(prose)) for pattern in SCRIPTS.values())
    cjk = kana + hangul + han
    if letters and cjk / letters >= CJK_SHARE:
        if kana >= 0.05 * cjk:  # Japanese writes kana between its kanji; Chinese never does
            return "ja"
        return "ko" if hangul > han else "zh"
    words = Counter(word.lower() for word in WORD.findall(prose))
    hits = {language: sum(words[word] for word in stop_words) for language, stop_words in STOP_WORDS.items()}
    best = max(hits, key=lambda language: hits[language])
    return best if hits[best] > max(hits["en"], 2) else "en"
