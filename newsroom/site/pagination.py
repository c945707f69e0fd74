"""Pages of a list, the same on every public page."""
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.utils.translation import gettext as _

from newsroom.site.counts import cached

ARTICLES_PER_PAGE = 20


def paginate(request, object_list, *, per_page: int = ARTICLES_PER_PAGE, count_key: str | None = None):
    """The requested page; a page number that does not exist is a 404, not page 1.

    With `count_key`, the number of items comes from the count cache (newsroom.site.counts):
    for lists that grow with the archive, counting them on every request is most of the page.
    """
    paginator = Paginator(object_list, per_page)
    if count_key is not None:
        paginator.count = cached(count_key, object_list.count, request=request)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404(_("没有这一页。")) from exc
