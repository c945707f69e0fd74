"""App configuration for issues and reporters, and the Chinese names of django-axes and the task results."""
from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class NewsroomConfig(AppConfig):
    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "newsroom"
    verbose_name = _("期刊与记者")

    def ready(self):
        from newsroom import freshness

        freshness.connect_signals()


class LoginThrottleConfig(AxesAppConfig):
    """django-axes (admin sign-in throttling) under a Chinese name; axes ships no zh_Hans."""

    verbose_name = _("登录保护")

    def ready(self):
        super().ready()
        from newsroom.login_throttle import name_records_in_chinese

        name_records_in_chinese()


class NewsroomAdminConfig(admin_apps.AdminConfig):
    """The admin with the newsroom's site, which lets members of a newsroom group sign in."""

    default = False
    default_site = "newsroom.desk.NewsroomAdminSite"


class TaskResultsConfig(TasksAppConfig):
    """The background tasks' results (django-tasks-db) under a Chinese name: its own is not
    translatable, and the admin shows it as the section heading of 后台任务."""

    verbose_name = _("后台任务")
