"""manage.py send_mailings: what an operator may type for --older-than."""
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


class TestOlderThan:
    @pytest.mark.parametrize("value", ["-1", "nan", "inf", "1e300", "527041"])
    def test_a_value_outside_zero_to_a_year_is_refused_in_chinese(self, value):
        with pytest.raises(CommandError) as refused:
            call_command("send_mailings", "--resume", "--older-than", value, stdout=StringIO())
        assert str(refused.value) == "--older-than 须在 0 到 527040 分钟之间。"

    def test_a_year_is_accepted(self):
        out = StringIO()
        call_command("send_mailings", "--resume", "--older-than", "527040", stdout=out)
        assert out.getvalue() == "已将 0 个被中断的邮件发送交给后台任务进程继续。\n"
