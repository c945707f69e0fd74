"""TEMPORARY stand-in of wxhtml's wechat_article (dropped when it lands on main)."""
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.storage import default_storage

from articles.body import figure_ids


@dataclass
class WechatImage:
    image_id: int
    name: str
    url: str
    bytes: int
    format: str


@dataclass
class WechatArticle:
    html: str
    title: str
    author: str
    digest: str
    source_url: str
    images: list = field(default_factory=list)
    cover: WechatImage | None = None
    footnotes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)


def _image(image) -> WechatImage:
    url = settings.NEWSROOM_SITE_URL + default_storage.url(image.file.name)
    return WechatImage(image.pk, image.file.name, url, image.bytes, image.format)


def wechat_article(article) -> WechatArticle:
    from newsroom.images.models import Image

    figures = {image.pk: image for image in Image.objects.filter(pk__in=figure_ids(article.body))}
    images = [_image(figures[pk]) for pk in figure_ids(article.body) if pk in figures]
    body = article.body
    for image in figures.values():
        body = body.replace(f'src="{default_storage.url(image.file.name)}"', f'src="{_image(image).url}"')
    lead = _image(article.lead_image) if article.lead_image else None
    html = (f'<section><img src="{lead.url}"></section>' if lead else "") + body
    return WechatArticle(
        html=html, title=article.headline, author="、".join(r.name for r in article.reporters.all()),
        digest=article.summary, source_url=settings.NEWSROOM_SITE_URL + article.get_absolute_url(),
        images=([lead] if lead else []) + images, cover=lead or (images[0] if images else None),
    )
