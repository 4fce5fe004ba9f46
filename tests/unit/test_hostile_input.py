"""Hostile and random input against the file parsers: a verdict for every input, never a crash.

Property-based (hypothesis, bounded budget): whatever the bytes and the name,
``parse_file`` returns articles and per-record errors, or rejects the whole
file with a reason, and every article it returns respects the shared limits.
Then the classic attacks: entity-expansion bombs, compressed bombs, huge fields,
script URLs.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.producers.formats import FileRejected, ParsedArticle, RecordError, parse_file
from newsflow.producers.formats.base import MAX_ARTICLE_CHARS, MAX_OUTLET_CHARS, MAX_TITLE_CHARS, MAX_URL_CHARS

FUZZ = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
NAMES = st.sampled_from(
    ["a.txt", "a.json", "a.ndjson", "a.jsonl", "a.rss", "a.atom", "a.xml", "a.html", "a.htm", "noext", "a.gz", "a.pdf"]
)


def assert_verdict(name: str, data: bytes) -> None:
    """The parser's answer is one of the allowed shapes, and every article is within limits."""
    try:
        _, results = parse_file(name, data)
    except FileRejected as rejected:
        assert rejected.error and rejected.reason
        return
    for result in results:
        assert isinstance(result, ParsedArticle | RecordError)
        if isinstance(result, ParsedArticle):
            assert result.body.strip()
            assert len(result.body) <= MAX_ARTICLE_CHARS
            assert result.title is None or len(result.title) <= MAX_TITLE_CHARS
            assert result.outlet is None or len(result.outlet) <= MAX_OUTLET_CHARS
            assert result.url is None or (len(result.url) <= MAX_URL_CHARS and result.url.startswith("http"))
        else:
            assert result.error and result.reason


@FUZZ
@given(name=NAMES, data=st.binary(max_size=4096))
def test_any_bytes_get_a_verdict(name: str, data: bytes) -> None:
    assert_verdict(name, data)


@FUZZ
@given(name=NAMES, text=st.text(max_size=2048))
def test_any_text_gets_a_verdict(name: str, text: str) -> None:
    assert_verdict(name, text.encode("utf-8", errors="surrogatepass"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=200),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=20), children, max_size=5),
    max_leaves=30,
)
ARTICLE_KEYS = st.sampled_from(
    [
        "title",
        "headline",
        "body",
        "text",
        "content",
        "outlet",
        "source",
        "url",
        "link",
        "published_at",
        "date",
        "language",
        "lang",
    ]
)


@FUZZ
@given(records=st.lists(st.dictionaries(ARTICLE_KEYS, JSON_VALUES, max_size=8), max_size=5))
def test_json_records_of_any_shape_get_a_verdict(records: list[dict[str, Any]]) -> None:
    assert_verdict("a.json", json.dumps(records).encode())
    assert_verdict("a.ndjson", "\n".join(json.dumps(r) for r in records).encode())


MARKUP = st.lists(
    st.sampled_from(
        [
            "<rss>",
            "</rss>",
            "<channel>",
            "<item>",
            "</item>",
            "<title>",
            "</title>",
            "<description>",
            "</description>",
            "<link>",
            "</link>",
            "<![CDATA[",
            "]]>",
            "<!--",
            "-->",
            "&amp;",
            "&#0;",
            "&#xD800;",
            "<html>",
            "<body>",
            "<p>",
            "</p>",
            "<script>",
            "</script>",
            "<feed>",
            "<entry>",
        ]
    )
    | st.text(max_size=40),
    max_size=60,
).map("".join)


@FUZZ
@given(name=st.sampled_from(["a.rss", "a.xml", "a.html", "noext"]), markup=MARKUP)
def test_markup_soup_gets_a_verdict(name: str, markup: str) -> None:
    assert_verdict(name, markup.encode())


def test_entity_expansion_bomb_is_not_expanded() -> None:
    entities = ['<!ENTITY a0 "lol lol lol lol lol lol lol lol lol lol">']
    entities += [f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [' + "".join(entities) + "]>\n"
        "<rss><channel><item><title>t</title><description>&a9;</description></item></channel></rss>"
    ).encode()
    assert_verdict("bomb.rss", bomb)
    try:
        _, results = parse_file("bomb.rss", bomb)
    except FileRejected:
        results = []
    # Fully expanded, the description would be 10^10 words; whatever is returned is far from that.
    assert all(len(r.body) < 1_000_000 for r in results if isinstance(r, ParsedArticle))


def test_compressed_bomb_is_rejected_without_decompressing() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB of zeros in ~50 KB
    for name in ("feed.xml.gz", "feed.gz", "articles.json.gz"):
        try:
            _, results = parse_file(name, bomb)
        except FileRejected as rejected:
            assert rejected.error
            continue
        assert not [r for r in results if isinstance(r, ParsedArticle)], "compressed bytes became an article"


def test_oversized_fields_are_cut_or_dropped_and_the_article_kept() -> None:
    record = {
        "title": "word " * 10_000,
        "body": "A real body of text about the budget talks in Brussels.",
        "outlet": "x" * 50_000,
        "url": "https://example.org/" + "a" * 5000,
        "language": "<script>",
    }
    _, (article,) = parse_file("a.json", json.dumps(record).encode())
    assert isinstance(article, ParsedArticle)
    assert article.title is not None and len(article.title) <= MAX_TITLE_CHARS and article.title.endswith("\u2026")
    assert article.outlet is None and article.url is None and article.language is None
    assert article.body.startswith("A real body")


def test_script_and_file_urls_never_survive() -> None:
    for url in (
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>",
        "//no-scheme.example",
        "http://",
    ):
        record = {"title": "t", "body": "Some body text for the article.", "url": url}
        _, (article,) = parse_file("a.json", json.dumps(record).encode())
        assert isinstance(article, ParsedArticle)
        assert article.url is None, url
    record = {"title": "t", "body": "Some body text.", "url": "https://www.reuters.com/world/x"}
    _, (article,) = parse_file("a.json", json.dumps(record).encode())
    assert isinstance(article, ParsedArticle)
    assert article.url == "https://www.reuters.com/world/x"
