"""newsroom.links: a remembered URL is the one reverse() gives, under any script prefix."""
import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from newsroom.links import link


@pytest.fixture(autouse=True)
def _prefix_back():
    yield
    set_script_prefix("/")


@pytest.mark.parametrize(("name", "kwargs"), [
    ("home", {}),
    ("zones:detail", {"slug": "kun-ming-gao-xin-qu"}),
    ("issues:detail", {"number": 7}),
    ("articles:detail", {"pk": 12, "slug": "guo-jia-gao-xin-qu"}),
    ("tags:detail", {"slug": "chan-ye-lian"}),
])
def test_a_link_is_what_reverse_gives(name, kwargs):
    assert link(name, **kwargs) == reverse(name, kwargs=kwargs)
    assert link(name, **kwargs) == reverse(name, kwargs=kwargs)  # the remembered one too


def test_the_script_prefix_is_part_of_the_link():
    assert link("zones:detail", slug="xi-an-gao-xin-qu") == "/zones/xi-an-gao-xin-qu/"
    set_script_prefix("/newsletter/")
    assert link("zones:detail", slug="xi-an-gao-xin-qu") == "/newsletter/zones/xi-an-gao-xin-qu/"
    set_script_prefix("/")
    assert link("zones:detail", slug="xi-an-gao-xin-qu") == "/zones/xi-an-gao-xin-qu/"


def test_an_unknown_page_still_raises():
    with pytest.raises(NoReverseMatch):
        link("zones:detail", slug="a/b")
