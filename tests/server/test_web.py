"""GET / and POST /: the page in Vietnamese, English and French, without JavaScript."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from notalone.server.auth import CSRF_COOKIE
from notalone.server.highlight import parse_pasted, segments
from notalone.server.i18n import LANGUAGES, Catalogues


def _check(client: TestClient, text: str, **params: str) -> str:
    client.get("/", params=params)
    r = client.post("/", data={"text": text, "csrf_token": client.cookies.get(CSRF_COOKIE) or ""})
    assert r.status_code == 200, r.text
    return r.text


def test_the_page_is_vietnamese_by_default_and_needs_no_javascript(
    shared_client: TestClient,
) -> None:
    r = shared_client.get("/")
    assert r.status_code == 200
    assert '<html lang="vi">' in r.text
    assert "Kiểm tra" in r.text
    assert "<script" not in r.text
    assert 'name="viewport"' in r.text
    assert "default-src 'none'" in r.headers["content-security-policy"]


@pytest.mark.parametrize(("lang", "word"), [("en", "Check"), ("fr", "Vérifier")])
def test_lang_parameter_switches_and_the_cookie_remembers(
    shared_client: TestClient, lang: str, word: str
) -> None:
    r = shared_client.get("/", params={"lang": lang})
    assert f'<html lang="{lang}">' in r.text and word in r.text
    r = shared_client.get("/")
    assert f'<html lang="{lang}">' in r.text


def test_unknown_lang_falls_back_to_vietnamese(shared_client: TestClient) -> None:
    assert '<html lang="vi">' in shared_client.get("/", params={"lang": "de"}).text


def test_the_verdict_highlights_the_risky_phrase_in_place(shared_client: TestClient) -> None:
    html = _check(shared_client, "Bạn ơi chuyển tiền cho mình nhé")
    assert "Bạn ơi <mark>chuyển tiền</mark>" in html
    assert "Nguy cơ cao" in html  # level in plain words (fake detector: high)
    assert "Đừng chuyển tiền." in html  # the advice


def test_a_pasted_conversation_is_split_into_messages(shared_client: TestClient) -> None:
    html = _check(
        shared_client, "Lan: chào anh\nAnh Tuấn: em gửi ảnh cho anh nhé\nLan: dạ", lang="en"
    )
    assert "Message 2 — Anh Tuấn" in html
    assert 'em <mark>gửi ảnh</mark><span class="tag">[' in html


def test_the_pasted_text_is_escaped(shared_client: TestClient) -> None:
    html = _check(shared_client, "<script>alert(1)</script> chuyển tiền <b>x</b>")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<mark>chuyển tiền</mark>" in html
    assert "<b>x</b>" not in html


def test_an_empty_form_explains_what_to_do(shared_client: TestClient) -> None:
    shared_client.get("/")
    r = shared_client.post(
        "/", data={"text": "  ", "csrf_token": shared_client.cookies.get(CSRF_COOKIE) or ""}
    )
    assert r.status_code == 422
    assert "Hãy dán một tin nhắn" in r.text


def test_a_missing_csrf_token_keeps_the_text_and_asks_again(shared_client: TestClient) -> None:
    r = shared_client.post("/", data={"text": "chuyển tiền"})
    assert r.status_code == 403
    assert "chuyển tiền</textarea>" in r.text
    assert shared_client.cookies.get(CSRF_COOKIE)


def test_every_catalogue_has_the_same_keys() -> None:
    catalogues = Catalogues.load()
    keys = catalogues.keys("vi")
    for lang in LANGUAGES:
        assert catalogues.keys(lang) == keys, lang
    for level in ("none", "low", "medium", "high", "critical"):
        for lang in LANGUAGES:
            assert f"level.{level}.name" in catalogues.keys(lang)


def test_every_text_used_by_the_templates_is_in_the_catalogues() -> None:
    from importlib import resources

    used: set[str] = set()
    for name in ("base.html", "index.html", "login.html"):
        source = resources.files("notalone.server").joinpath("templates", name).read_text("utf-8")
        used |= set(re.findall(r"""t\(["']([a-z_.]+)["']""", source))
    source = resources.files("notalone.server").joinpath("routes", "web.py").read_text("utf-8")
    used |= set(re.findall(r"""gettext\(\w+, ["']([a-z_.]+)["']""", source))
    missing = used - Catalogues.load().keys("vi")
    assert not missing


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("abcdef", [(1, 3, "T")], [("a", ()), ("bc", ("T",)), ("def", ())]),
        ("abcdef", [(0, 6, "T")], [("abcdef", ("T",))]),
        (
            "abcdef",
            [(1, 4, "A"), (2, 5, "B")],
            [("a", ()), ("b", ("A",)), ("cd", ("A", "B")), ("e", ("B",)), ("f", ())],
        ),
        ("abc", [(2, 9, "bad"), (-1, 1, "bad")], [("abc", ())]),
        ("", [], []),
    ],
)
def test_segments_cover_the_text_exactly(
    text: str, spans: list[tuple[int, int, str]], expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    out = segments(text, spans)
    assert [(s.text, s.tactics) for s in out] == expected
    assert "".join(s.text for s in out) == text


def test_parse_pasted_keeps_a_single_message_whole() -> None:
    assert parse_pasted("Lưu ý: đây là một tin nhắn").messages == (
        ("", "Lưu ý: đây là một tin nhắn"),
    )
    conv = parse_pasted("A: một\nhai\nB: ba")
    assert conv.messages == (("A", "một\nhai"), ("B", "ba"))


@pytest.mark.parametrize(
    ("content_type", "raw"),
    [
        ("application/x-www-form-urlencoded", b"text=%ZZ%&csrf_token=%"),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00"),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken"),
        ("multipart/form-data", b"no boundary"),
        ("application/json", b'{"text": "a"}'),
        ("text/plain", b"text=hello"),
    ],
)
@pytest.mark.parametrize("path", ["/", "/login", "/logout"])
def test_odd_form_bodies_never_break_the_pages(
    shared_client: TestClient, path: str, content_type: str, raw: bytes
) -> None:
    r = shared_client.post(path, content=raw, headers={"content-type": content_type})
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:200])
