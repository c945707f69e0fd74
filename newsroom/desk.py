"""Who works at the desk: staff accounts, and every account in a newsroom group.

The README tells whoever sets up accounts to put people in a group (编辑, 记者, the
review stages). Django's admin also wants 职员状态 ticked, which nobody setting up a
reporter thinks of; membership is what grants the permissions, so it is enough to sign in.
"""
from django.contrib import admin


def is_desk_user(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.groups.exists()


class NewsroomAdminSite(admin.AdminSite):
    """The admin, open to every desk user rather than to staff accounts only."""

    def has_permission(self, request):
        return is_desk_user(request.user)
