"""Every script prints in the PDF, and every download says which language it is in.

The PDF used to embed only a Latin serif and a monospace font: Japanese, Chinese, Korean and emoji printed as empty
boxes. Each run of text is read back with the font it is drawn in, so a box (drawn in a font that lacks the
character) fails the test.
"""

from __future__ import annotations

import io
import re
import zipfile

import pypdf
import pytest

from specchain.exports import ExportMeta, to_docx, to_html, to_pdf
from specchain.language import detect_language

TEXTS = {
    "ja": ("タスク管理", ("## 概要\n\nこのシステムは、ピーク時に毎秒二千件のリクエストを処理する必要があります。"
                     "キャッシュを最初に使います。")),
    "zh": ("任务管理", "## 概述\n\n该系统必须在高峰期每秒处理两千个请求，并在三年内增长五倍。我们首先使用缓存。"),
    "ko": ("작업 관리", "## 개요\n\n이 시스템은 최대 시간에 초당 2천 건의 요청을 처리해야 합니다. 먼저 캐시를 사용합니다."),
    "de": ("Aufgabenplaner", ("## Zusammenfassung\n\nDas System muss zu Spitzenzeiten die Anfragen der Nutzer in "
                            "unter einer Sekunde beantworten, und die Datenbank wird repliziert.")),
    "fr": ("Planificateur", ("## Résumé\n\nLe système doit répondre aux requêtes des utilisateurs en moins d'une "
                           "seconde, et la base de données est répliquée pour les lectures.")),
    "es": ("Planificador", ("## Resumen\n\nEl sistema debe responder a las peticiones de los usuarios en menos de "
                          "un segundo, y la base de datos se replica para las lecturas.")),
}
EMOJI = "Launch 🚀 done ✅ happy 😀"
CJK_FACE = {"ja": "NotoSansCJKjp", "zh": "NotoSansCJKsc", "ko": "NotoSansCJKkr"}


def meta_for(app_name: str) -> ExportMeta:
    return ExportMeta(app_name=app_name, engine_label="Offline draft (not AI-written)",
                      created="2026-11-27 10:00 UTC", version=1)


def drawn_with(pdf: bytes) -> list[tuple[str, str]]:
    """Each piece of text on every page, with the name of the font it is drawn in (subset prefix removed)."""
    pieces: list[tuple[str, str]] = []

    def visit(text: str, _cm: object, _tm: object, font: dict | None, _size: object) -> None:
        if text.strip() and font is not None:
            pieces.append((text, re.sub(r"^/([A-Z]{6}\+)?", "", str(font.get("/BaseFont")))))

    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return pieces


def is_cjk(char: str) -> bool:
    return bool(re.match(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u3000-\u303f\uff00-\uffef]", char))


@pytest.mark.parametrize("language", ["ja", "zh", "ko"])
def test_pdf_prints_chinese_japanese_korean_and_emoji_in_real_fonts(language: str) -> None:
    app_name, body = TEXTS[language]
    document = f"# Performance & Scalability: {app_name}\n\n{body}\n\n{EMOJI}\n"
    pieces = drawn_with(to_pdf(document, meta_for(app_name)))
    text = "".join(piece for piece, _ in pieces)
    for char in app_name + body.replace("## ", "") + EMOJI:
        if not char.isspace():
            assert char in text, char
    for piece, font in pieces:
        for char in piece:
            if is_cjk(char):
                # The face of the document's language: the same character is drawn differently in each.
                assert font.startswith(CJK_FACE[language]), (char, font)
            elif char in "🚀✅😀":
                assert font.startswith("NotoEmoji"), (char, font)


def test_pdf_prints_scripts_that_typst_has_no_font_for() -> None:
    document = "# Plan\n\nनमस्ते · สวัสดี\n"  # Devanagari and Thai: in neither Libertinus Serif nor DejaVu Sans Mono
    pieces = drawn_with(to_pdf(document, meta_for("Plan")))
    fonts = {font for piece, font in pieces if re.search(r"[\u0900-\u0e7f]", piece)}
    assert fonts and all(font.startswith("NotoSans") for font in fonts), fonts


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_language_is_detected_from_the_text(language: str) -> None:
    app_name, body = TEXTS[language]
    assert detect_language(f"# Performance & Scalability: {app_name}\n\n{body}\n") == language


def test_english_stays_english_whatever_the_name_or_the_code() -> None:
    english = ("The system must answer requests in under a second, and the database is replicated for reads. "
               "This is the plan for the next three years of growth.")
    assert detect_language(f"# Performance & Scalability: タスク管理\n\n{english}\n") == "en"
    assert detect_language(f"{english}\n\n```python\n# 日本語のコメント\nder = die = das = und = 1\n```\n") == "en"
    assert detect_language("") == "en" and detect_language("| 1 | 2 |") == "en"


@pytest.mark.parametrize("language", ["ja", "de"])
def test_every_download_says_its_language(language: str) -> None:
    app_name, body = TEXTS[language]
    document = f"# Performance & Scalability: {app_name}\n\n{body}\n"
    meta = meta_for(app_name)
    assert f'<html lang="{language}">' in to_html(document, meta).decode()
    reader = pypdf.PdfReader(io.BytesIO(to_pdf(document, meta)))
    assert reader.trailer["/Root"]["/Lang"] == language
    with zipfile.ZipFile(io.BytesIO(to_docx(document, meta))) as package:
        styles = package.read("word/styles.xml").decode()
    assert re.search(rf'<w:lang [^>]*w:(val|eastAsia)="{language}', styles), styles[:2000]
