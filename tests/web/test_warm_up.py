"""``zhijian serve`` warms up before it starts its processes: the first user of each
process does not wait for the model library to load or the templates to compile."""

from __future__ import annotations

from django.template import engines

import zhijian.web
from zhijian.web.leads.specs import library


def test_warm_up_reads_the_library_and_compiles_every_template() -> None:
    library.cache_clear()
    zhijian.web.warm_up()

    assert library.cache_info().currsize == 1
    assert "late_registration" in " ".join(library())
    loader = engines["django"].engine.template_loaders[0]  # type: ignore[attr-defined]
    compiled = set(loader.get_template_cache)
    for name in ("base.html", "leads/detail.html", "leads/list.html", "people/detail.html"):
        assert name in compiled
