"""App configuration for articles."""
from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("文章")

    def ready(self):
        from taggit.models import Tag

        from articles import cards, topics
        from articles.models import Article
        from articles.revisions.history import save_unmanaged_revision
        from articles.search import index as search_index

        pre_save.connect(topics.tag_slug_on_save, sender=Tag, dispatch_uid="articles_tag_slug")
        post_save.connect(save_unmanaged_revision, sender=Article, dispatch_uid="article_unmanaged_revision")
        for model in cards.SHOWN:
            label = model._meta.label
            pre_save.connect(cards.remember_shown, sender=model, dispatch_uid=f"cards-before-{label}")
            post_save.connect(cards.refresh_if_shown_changed, sender=model, dispatch_uid=f"cards-after-{label}")
        pre_delete.connect(cards.remember_tagged, sender=Tag, dispatch_uid="cards-tag-delete-before")
        post_delete.connect(cards.refresh_untagged, sender=Tag, dispatch_uid="cards-tag-delete-after")

        # SQLite drops a table's triggers when a migration rebuilds the table; this puts
        # the search index triggers back after every migrate.
        post_migrate.connect(search_index.ensure_after_migrate, sender=self)
