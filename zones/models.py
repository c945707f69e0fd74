"""The Zone model: a national high-tech zone as newspapers name it."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.links import link
from newsroom.text.slugs import unique_slug

ALIAS_SEPARATOR = ";"


class Zone(models.Model):
    name = models.CharField(
        _("简称"), max_length=50, unique=True, help_text=_("报纸上的写法，如“成都高新区”。")
    )
    official_name = models.CharField(_("正式名称"), max_length=100, blank=True)
    aliases = models.TextField(
        _("别名"), blank=True, help_text=_("曾用名、俗称等，用分号（;）分隔，如“东湖高新区;中国光谷”。")
    )
    province = models.CharField(_("省份"), max_length=20, blank=True, db_index=True)
    city = models.CharField(_("城市"), max_length=30, blank=True)
    approved_year = models.PositiveSmallIntegerField(_("获批年份"), null=True, blank=True)
    slug = models.SlugField(_("网址别名"), max_length=80, unique=True, blank=True)
    source = models.TextField(_("来源"), blank=True, help_text=_("一个或多个网址，用“ | ”分隔。"))
    verified = models.BooleanField(_("已核实"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("高新区")
        verbose_name_plural = _("高新区")
        ordering = ["province", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.aliases = ALIAS_SEPARATOR.join(self.alias_list)
        if not self.slug:
            self.slug = unique_slug(model=Zone, text=self.name, instance_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("zones:detail", slug=self.slug)

    @property
    def alias_list(self) -> list[str]:
        # Editors type either separator; normalise to the ASCII one the CSV uses.
        raw = (self.aliases or "").replace("；", ALIAS_SEPARATOR).replace("\n", ALIAS_SEPARATOR)
        return [a.strip() for a in raw.split(ALIAS_SEPARATOR) if a.strip()]

    @property
    def names(self) -> list[str]:
        """Every name the zone goes by in running text: short name, aliases, official name."""
        return [self.name, *self.alias_list, *([self.official_name] if self.official_name else [])]
