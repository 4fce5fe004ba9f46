"""Parsing every accepted format, and every kind of bad input a user can drop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsflow.producers.formats import FileRejected, ParsedArticle, RecordError, detect_format, parse_file
from newsflow.producers.formats.base import MAX_ARTICLE_CHARS
from newsflow.schemas.articles import SourceFormat
from tests.conftest import SAMPLES_DIR


def _articles(results: list[ParsedArticle | RecordError]) -> list[ParsedArticle]:
    return [r for r in results if isinstance(r, ParsedArticle)]


def test_reuters_sample_has_outlet_and_no_headline() -> None:
    path = SAMPLES_DIR / "000_9ba5c8d2ae63f718.txt"
    fmt, results = parse_file(path.name, path.read_bytes())
    (article,) = _articles(results)
    assert fmt is SourceFormat.TEXT
    assert article.outlet == "Reuters"
    assert article.title is None  # the first line is a sentence, not a headline
    assert not article.body.rstrip().endswith("Reuters")


def test_headline_line_becomes_title() -> None:
    text = "Ad sales boost Time Warner profit\n\nQuarterly profits at US media giant TimeWarner jumped 76%."
    (article,) = _articles(parse_file("x.txt", text.encode())[1])
    assert article.title == "Ad sales boost Time Warner profit"
    assert article.body.startswith("Quarterly profits")


def test_question_headline_is_a_title() -> None:
    text = "Could Yukos be a blessing in disguise?\n\nInvestors are wondering."
    (article,) = _articles(parse_file("x.txt", text.encode())[1])
    assert article.title == "Could Yukos be a blessing in disguise?"


def test_json_object_list_and_wrapper() -> None:
    one = {"headline": "H", "text": "Body one.", "source": {"name": "AP"}, "published": "2024-05-01T10:00:00Z"}
    fmt, results = parse_file("a.json", json.dumps(one).encode())
    (article,) = _articles(results)
    assert (fmt, article.title, article.outlet) == (SourceFormat.JSON, "H", "AP")
    assert article.published_at is not None and article.published_at.year == 2024
    wrapped = {"articles": [one, {**one, "text": "Body two."}]}
    assert len(_articles(parse_file("b.json", json.dumps(wrapped).encode())[1])) == 2


def test_ndjson_truncated_line_does_not_stop_the_good_ones() -> None:
    lines = [json.dumps({"title": f"T{i}", "body": f"Body {i}."}) for i in range(3)]
    lines.insert(1, '{"title": "cut off", "bo')
    fmt, results = parse_file("feed.ndjson", "\n".join(lines).encode())
    assert fmt is SourceFormat.NDJSON
    assert [a.title for a in _articles(results)] == ["T0", "T1", "T2"]
    (error,) = [r for r in results if isinstance(r, RecordError)]
    assert error.error == "InvalidJSON" and error.record_index == 1


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title><language>en</language>
<item><title>First</title><link>https://example.org/1</link><pubDate>Tue, 13 Sep 2022 10:00:00 GMT</pubDate>
<description>&lt;p&gt;Troops advanced near &lt;b&gt;Kharkiv&lt;/b&gt; on Tuesday.&lt;/p&gt;</description></item>
<item><title>Empty</title><link>https://example.org/2</link><description></description></item>
</channel></rss>"""


def test_rss_items_with_outlet_and_html_stripped() -> None:
    fmt, results = parse_file("news.rss", RSS.encode())
    (article,) = _articles(results)
    assert fmt is SourceFormat.FEED
    assert (article.title, article.outlet, article.url) == ("First", "Example News", "https://example.org/1")
    assert "<b>" not in article.body and "Kharkiv" in article.body
    (error,) = [r for r in results if isinstance(r, RecordError)]
    assert error.error == "EmptyArticle"


def test_atom_feed() -> None:
    atom = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Times</title>
    <entry><title>Entry</title><link href="https://example.org/e"/><updated>2024-01-02T03:04:05Z</updated>
    <content type="text">Plain entry text about the budget.</content></entry></feed>"""
    (article,) = _articles(parse_file("x.atom", atom.encode())[1])
    assert (article.outlet, article.title) == ("Atom Times", "Entry")
    assert article.body == "Plain entry text about the budget."


def test_html_main_text_without_boilerplate() -> None:
    paragraph = "Ukrainian troops applied constant pressure to Russian forces withdrawing from Kharkiv. " * 4
    html = f"""<!doctype html><html><head><title>Troops press on | Example</title></head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a></nav>
    <article><h1>Troops press on</h1><p>{paragraph}</p><p>{paragraph}</p></article>
    <footer>Copyright Example Media. All rights reserved.</footer></body></html>"""
    fmt, results = parse_file("page.html", html.encode())
    (article,) = _articles(results)
    assert fmt is SourceFormat.HTML
    assert "constant pressure" in article.body
    assert "All rights reserved" not in article.body


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("empty.txt", b"", "EmptyFile"),
        ("blank.txt", b"  \n\t\n", "EmptyFile"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "BinaryFile"),
        ("bad.json", b'{"title": "x", "body": ', "InvalidJSON"),
        ("empty-list.json", b"[]", "NoArticles"),
        (
            "nofeed.rss",
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>',
            "EmptyFeed",
        ),
        ("empty.html", b"<!doctype html><html><body><nav>Home</nav></body></html>", "NoArticleText"),
    ],
)
def test_unusable_files_are_rejected_with_a_reason(name: str, data: bytes, error: str) -> None:
    with pytest.raises(FileRejected) as rejected:
        parse_file(name, data)
    assert rejected.value.error == error
    assert rejected.value.reason


def test_invalid_utf8_is_decoded_with_the_detected_charset() -> None:
    text = "Der Präsident sprach über die Lage in Kharkiv. Die Truppen rückten weiter vor, sagte er später."
    (article,) = _articles(parse_file("latin1.txt", text.encode("latin-1"))[1])
    assert "Präsident" in article.body


def test_article_without_text_is_a_record_error() -> None:
    results = parse_file("a.json", json.dumps([{"title": "No body here"}]).encode())[1]
    assert [type(r) for r in results] == [RecordError]


def test_huge_single_line_is_one_article_within_limits() -> None:
    line = "word " * 200_000
    (article,) = _articles(parse_file("long.txt", line.encode())[1])
    assert len(article.body) == len(line.strip())
    too_long = "x" * (MAX_ARTICLE_CHARS + 1)
    (error,) = parse_file("huge.txt", too_long.encode())[1]
    assert isinstance(error, RecordError) and error.error == "ArticleTooLong"


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("a.unknown", '{"title": 1}', SourceFormat.JSON),
        ("a", '<?xml version="1.0"?><rss>', SourceFormat.FEED),
        ("a", "<!DOCTYPE html><html>", SourceFormat.HTML),
        ("a.dat", "Just words.", SourceFormat.TEXT),
    ],
)
def test_format_is_sniffed_when_the_extension_is_unknown(name: str, head: str, expected: SourceFormat) -> None:
    assert detect_format(name, head) is expected


def test_samples_dir_exists() -> None:
    assert sorted(p.name for p in Path(SAMPLES_DIR).iterdir()) == [
        "000_9ba5c8d2ae63f718.txt",
        "002_265324bba9e778b9.txt",
    ]
