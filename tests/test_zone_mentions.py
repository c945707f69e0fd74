"""Zone mention detection: longest match, generic phrases, unknown names."""
import pytest

from zones.mentions import ZoneIndex
from zones.models import Zone


@pytest.fixture
def index(db):
    return ZoneIndex.from_db()


def names(counter) -> dict:
    return {zone.name: n for zone, n in counter.items()}


@pytest.mark.django_db
class TestZoneMentions:
    def test_reference_data_is_loaded_by_migration(self):
        assert Zone.objects.count() == 161
        wuhan = Zone.objects.get(name="武汉东湖高新区")
        assert (wuhan.official_name, wuhan.province, wuhan.city, wuhan.approved_year) == (
            "武汉东湖新技术开发区", "湖北省", "武汉市", 1991
        )
        assert wuhan.alias_list == ["东湖高新区", "中国光谷", "光谷"]
        assert wuhan.verified is True

    def test_longest_match_wins(self, index):
        scan = index.scan("武汉东湖高新区和威海火炬高新区，还有东湖高新区。")
        assert names(scan.counts) == {"武汉东湖高新区": 2, "威海火炬高新区": 1}

    def test_aliases_link_their_zone(self, index):
        assert names(index.scan("中国光谷的企业，合肥科技工业园的项目").counts) == {"武汉东湖高新区": 1, "合肥高新区": 1}

    def test_generic_phrases_link_nothing(self, index):
        scan = index.scan("国家高新区、各高新园区和南京市火炬中心，以及国家级高新区。")
        assert scan.counts == {}
        assert scan.unknown == {}

    def test_unknown_zone_names_are_reported_not_linked(self, index):
        scan = index.scan("近日，宿迁高新区举办活动。活动在宿迁高新区举行，莆田高新区也参加。该高新区表示")
        assert scan.counts == {}
        assert dict(scan.unknown) == {"宿迁高新区": 2, "莆田高新区": 1}

    def test_zone_added_by_an_editor_is_found(self, db):
        Zone.objects.create(name="宿迁高新区", aliases="宿迁高新技术产业开发区", province="江苏省")
        scan = ZoneIndex.from_db().scan("宿迁高新区和宿迁高新技术产业开发区")
        assert names(scan.counts) == {"宿迁高新区": 2}
        assert scan.unknown == {}

    def test_official_names_link_their_zone(self, index):
        scan = index.scan("西安高新技术产业开发区和武汉东湖新技术开发区")
        assert names(scan.counts) == {"西安高新区": 1, "武汉东湖高新区": 1}

    def test_a_zone_inside_a_longer_place_name_is_not_linked(self, index):
        scan = index.scan("马鞍山高新区和鞍山高新区")
        assert names(scan.counts) == {"鞍山高新区": 1}
        assert dict(scan.unknown) == {"马鞍山高新区": 1}

    def test_city_before_the_generic_phrase_names_the_zone(self, index):
        scan = index.scan("宁波国家高新区、武汉东湖国家高新区，创新基因深深植入国家高新区。")
        assert names(scan.counts) == {"宁波高新区": 1, "武汉东湖高新区": 1}
        assert scan.unknown == {}

    def test_kinds_and_regions_are_not_unknown_zones(self, index):
        scan = index.scan("一些高新区、中西部高新区、东部高新区、区内高新区和其他高新区")
        assert scan.counts == {} and scan.unknown == {}

    def test_verbs_before_a_zone_do_not_hide_it(self, index):
        assert names(index.scan("项目落户成都高新区，走进合肥高新区").counts) == {"成都高新区": 1, "合肥高新区": 1}
