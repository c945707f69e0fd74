"""推送到草稿箱 on the 公众号版 page (the wxpush helper replaces this module)."""


def push_panel(request, article) -> dict:
    return {}
