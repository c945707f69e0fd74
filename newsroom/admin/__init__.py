"""The newsroom desk (Django's admin): a module a model family; importing them registers them.

The site itself (who may sign in) is newsroom.desk.NewsroomAdminSite.
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy

from newsroom.admin import (  # noqa: F401  (registration happens on import)
    accounts,
    articles,
    editions,
    images,
    issues,
    proof_words,
    reporters,
    review_stages,
    subscribers,
    tags,
    tasks,
    zones,
)
from newsroom.login_throttle import SignInForm

admin.site.site_header = gettext_lazy("高新区通讯 · 编辑部")
admin.site.site_title = gettext_lazy("高新区通讯编辑部")
admin.site.index_title = gettext_lazy("工作台")
admin.site.login_form = SignInForm
