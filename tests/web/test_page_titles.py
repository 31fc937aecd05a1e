"""A page's title is a line of text: the title block of every template closes on the
line it opens, and the lead page renders its title and its comment form once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

import zhijian.web
from tests.web.personas import JINAN_PRISON, World

TEMPLATES = sorted(Path(zhijian.web.__file__).parent.rglob("*.html"))


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_the_title_block_closes_on_its_own_line(template: Path) -> None:
    for line in template.read_text(encoding="utf-8").splitlines():
        if "{% block title %}" in line:
            assert "{% endblock %}" in line.split("{% block title %}", 1)[1], line


@pytest.mark.django_db
def test_the_lead_page_has_a_plain_title_and_one_comment_form(world: World) -> None:
    lead = world.leads[JINAN_PRISON]
    client = Client()
    client.force_login(world.users["jinan_resident"])

    html = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()

    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None and "<" not in title.group(1)
    assert title.group(1).startswith(f"线索 {lead.pk}")
    assert html.count(reverse("leads:comment", args=[lead.pk])) == 1
