"""Pages of a list, the same on every public page."""
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.utils.translation import gettext as _

ARTICLES_PER_PAGE = 20


def paginate(request, object_list, *, per_page: int = ARTICLES_PER_PAGE):
    """The requested page; a page number that does not exist is a 404, not page 1."""
    paginator = Paginator(object_list, per_page)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404(_("没有这一页。")) from exc
