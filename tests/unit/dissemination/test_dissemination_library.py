"""The library's pure parts: the bilingual URL table and sitemap, the cross-region chart and its
table, and highlighted snippets."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from services.dissemination.library import chart, snippets, urls

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_every_page_has_a_counterpart_and_paths_parse_back():
    for page, by_lang in urls.PATHS.items():
        assert set(by_lang) == {"en", "cy"}
        for lang in ("en", "cy"):
            parts = {"id": "p1", "code": "neglect"}
            p = urls.path(page, lang, **{k: v for k, v in parts.items() if "{" + k + "}" in by_lang[lang]})
            found = urls.page_of_path(p)
            assert found is not None and found[:2] == (page, lang), p
    assert urls.path("search", "cy", {"q": "plentyn bach", "year": None, "theme": "neglect"}) == \
        "/cy/chwilio?q=plentyn+bach&theme=neglect"
    assert urls.alternates("publication", id="p1") == {"cy": "/cy/cyhoeddiadau/p1", "en": "/en/publications/p1"}
    assert urls.page_of_path("/en/nowhere") is None


def test_the_sitemap_lists_both_languages_with_alternates():
    body = urls.sitemap("https://dysgu.example.wales", [("p1", date(2026, 11, 3))], ["neglect"])
    root = ET.fromstring(body)
    locs = [u.find(SM + "loc").text for u in root.findall(SM + "url")]
    assert "https://dysgu.example.wales/cy/cyhoeddiadau/p1" in locs
    assert "https://dysgu.example.wales/en/themes/neglect" in locs
    assert len(locs) == len(set(locs)) == 2 * (5 + 1 + 1)
    pub = next(u for u in root.findall(SM + "url") if u.find(SM + "loc").text.endswith("/en/publications/p1"))
    assert pub.find(SM + "lastmod").text == "2026-11-03"
    assert {(a.get("hreflang"), a.get("href")) for a in pub.findall(XHTML + "link")} == {
        ("en", "https://dysgu.example.wales/en/publications/p1"),
        ("cy", "https://dysgu.example.wales/cy/cyhoeddiadau/p1")}


RESULT = {"themes": [
    {"code": "domestic_abuse", "name_en": "Domestic abuse", "name_cy": "Cam-drin domestig", "publications": 3,
     "boards": {"gwent": 2, "north-wales": 1}, "board_count": 2},
    {"code": "neglect", "name_en": "Neglect", "name_cy": "Esgeulustod", "publications": 1,
     "boards": {"gwent": 1}, "board_count": 1},
    {"code": "recording", "name_en": "Recording", "name_cy": "Cofnodi", "publications": 0, "boards": {},
     "board_count": 0}]}
BOARDS = {"gwent": {"en": "Gwent", "cy": "Gwent"}, "north-wales": {"en": "North Wales", "cy": "Gogledd Cymru"}}


def test_the_table_has_the_api_figures_and_the_chart_draws_the_same():
    t = chart.table(RESULT, BOARDS, "cy")
    assert t.boards == [("north-wales", "Gogledd Cymru"), ("gwent", "Gwent")]
    assert t.rows == [("domestic_abuse", "Cam-drin domestig", [1, 2], 3), ("neglect", "Esgeulustod", [0, 1], 1)]
    svg = ET.fromstring(chart.svg(t, "cy", "Themâu ar draws Cymru"))
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "chart-title chart-desc"
    assert svg.find(ns + "desc").text == "Cam-drin domestig: 3 chyhoeddiad; Esgeulustod: 1 cyhoeddiad"
    segments = [r.find(ns + "title").text for r in svg.iter(ns + "rect") if r.find(ns + "title") is not None]
    assert segments == ["Cam-drin domestig, Gogledd Cymru: 1", "Cam-drin domestig, Gwent: 2", "Esgeulustod, Gwent: 1"]


def test_the_chart_escapes_names():
    t = chart.table({"themes": [{**RESULT["themes"][0], "name_en": "<script>&"}]}, BOARDS, "en")
    assert "<script>" not in chart.svg(t, "en", "x") and "&lt;script&gt;&amp;" in chart.svg(t, "en", "x")


def test_welsh_snippets_mark_mutated_forms_and_english_marks_stems():
    assert [s for s, hit in snippets.highlight("Poeni am ei blentyn a fy mhlentyn.", "plentyn", "cy") if hit] == [
        "blentyn", "mhlentyn"]
    assert [s for s, hit in snippets.highlight("Agencies shared what they knew.", "sharing", "en") if hit] == [
        "shared"]
    assert [s for s, hit in snippets.highlight("Gofal ŵyr a wyres", "wyr", "cy") if hit] == ["ŵyr"]


def test_a_long_text_is_cut_around_the_first_match():
    text = "Word " * 100 + "neglect here " + "more " * 100
    segs = snippets.highlight(text, "neglect", "en", width=80)
    joined = "".join(s for s, _ in segs)
    assert joined.startswith("… ") and joined.endswith(" …") and ("neglect", True) in segs
    assert len(joined) < 100
    assert "".join(s for s, _ in snippets.highlight("short", None, "en")) == "short"


def test_the_best_snippet_is_the_first_text_that_matches():
    segs = snippets.best(["Agencies shared late.", "Ask about neglect early."], "neglect", "en")
    assert ("neglect", True) in segs
    assert snippets.best(["Nothing here.", "Nor here."], "neglect", "en") == [("Nothing here.", False)]

