"""Article URLs: /articles/<id>/<slug>/ is canonical, /articles/<id>/ redirects to it."""
from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("<int:pk>/", views.article_redirect, name="short"),
    path("<int:pk>/<str:slug>/", views.article_detail, name="detail"),
]
