"""Make today's zone and topic digest now, instead of waiting for the scheduler's hour."""
from django.core.management.base import BaseCommand
from django.utils import timezone

from newsroom.mailing.models import Mailing
from newsroom.tasks import send_digests


class Command(BaseCommand):
    help = "立即生成今天的高新区与话题提醒并交给后台任务进程发送；每天至多一次，今天已生成则不再生成。"

    def handle(self, *args, **options):
        mailing_id = send_digests.call()
        if mailing_id is None:
            self.stdout.write(f"今天的提醒（{timezone.localdate()}）已经生成过，没有再生成。")
            return
        mailing = Mailing.objects.get(pk=mailing_id)
        self.stdout.write(self.style.SUCCESS(
            f"已生成今天的提醒（{mailing.day}）：{mailing.deliveries.count()} 位订阅者。"
        ))
