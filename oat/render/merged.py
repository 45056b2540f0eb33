"""The outputs of a merged run (oat.record.merge.combine): one report.html (oat.render.page,
the page of a single run too), one 試験成績書.xlsx (oat.render.workbook), one junit.xml and one
cucumber.json."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from oat.record import merge
from oat.render import workbook
from oat.render.page import render_html


def write(merged: dict, out: Path) -> list[Path]:
    """report.html, 試験成績書.xlsx, junit.xml and cucumber.json in `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    html = out / "report.html"
    html.write_text(render_html(merged), encoding="utf-8")
    book = workbook.write(
        out / "試験成績書.xlsx",
        cover=merged["cover"],
        traced=merged["traced"],
        results=merged["results"],
        labs=merged["labs"],
        measurements=merged["measurements"],
    )
    junit = out / "junit.xml"
    ET.ElementTree(merge.merge_junit(merged["shards"])).write(junit, encoding="utf-8", xml_declaration=True)
    cucumber = out / "cucumber.json"
    cucumber.write_text(
        json.dumps(merge.merge_cucumber(merged["shards"]), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return [html, book, junit, cucumber]
