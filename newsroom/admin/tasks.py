"""The background tasks' results, read-only, so that an operator sees what failed and why."""
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult, get_date_max

# Each task under the name an editor knows it by; an unknown path shows as it is stored.
TASK_NAMES = {
    "newsroom.tasks.rebuild_search_index": gettext_lazy("重建全部检索索引"),
    "newsroom.tasks.reindex_articles": gettext_lazy("重建所选文章的检索索引"),
}



def task_result_name(result) -> str:
    """“重建所选文章的检索索引（失败）” instead of “DBTaskResult object (…)” in titles and breadcrumbs."""
    return f"{TASK_NAMES.get(result.task_path, result.task_path)}（{result.get_status_display()}）"


# django-tasks-db registers its own admin, whose columns and two labels are English, and
# names its rows outside gettext.
admin.site.unregister(DBTaskResult)
DBTaskResult.__str__ = task_result_name


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ["task_label", "status", "enqueued_at", "started_at", "finished_at", "error_class"]
    list_display_links = ["task_label"]
    list_filter = ["status", "queue_name"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return ["task_id" if name == "id" else name for name in fields]

    @admin.display(description=gettext_lazy("编号"))
    def task_id(self, obj):
        return obj.pk

    @admin.display(description=gettext_lazy("任务"))
    def task_label(self, obj):
        return TASK_NAMES.get(obj.task_path, obj.task_path)

    @admin.display(description=gettext_lazy("错误"))
    def error_class(self, obj):
        return obj.exception_class_path or self.get_empty_value_display()

    @admin.display(description=gettext_lazy("错误详情"))
    def formatted_traceback(self, obj):
        if not obj.traceback:
            return self.get_empty_value_display()
        return format_html("<pre>{}</pre>", obj.traceback)

    @admin.display(description=gettext_lazy("最早执行时间"))
    def display_run_after(self, obj):
        if obj.run_after == get_date_max():
            return self.get_empty_value_display()
        return obj.run_after
