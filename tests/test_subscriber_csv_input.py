"""Subscriber CSV files as they arrive from other tools: encodings, marks and odd cells."""
import pytest

from newsroom.mailing import subscriber_csv

FILE = "电子邮件,话题\r\n\r\nＡｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｎ,\r\n\r\nbob@example.cn,\r\n"


class TestDecoding:
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
    def test_a_file_with_or_without_its_byte_order_mark_reads_its_header(self, encoding):
        data = FILE.encode(encoding)
        if encoding == "gb18030":
            data = "\ufeff".encode("gb18030") + data  # b"\x841\x953": what Notepad and iconv write
        assert subscriber_csv.parse(data) == [
            (3, {"email": "Ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｎ", "topics": ""}),
            (5, {"email": "bob@example.cn", "topics": ""}),
        ]


class TestHeaders:
    @pytest.mark.parametrize("name", ["电子邮件地址", "电子邮箱", "邮箱地址", "Email Address"])
    def test_the_address_column_is_found_by_its_usual_chinese_names(self, name):
        assert subscriber_csv.parse(f"姓名,{name}\n王磊,wang@example.cn\n".encode()) == [
            (2, {"email": "wang@example.cn"}),
        ]
