"""The server-rendered pages: login, the review queue, deals and rejection summaries."""

from django.contrib.auth.views import LogoutView
from django.urls import path, reverse_lazy

from matchmaker import views

app_name = "matchmaker"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.SiteLoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(next_page=reverse_lazy("matchmaker:login")), name="logout"),
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:pk>/", views.review_detail, name="review-detail"),
    path("review/<int:pk>/approve/", views.review_approve, name="review-approve"),
    path("review/<int:pk>/reject/", views.review_reject, name="review-reject"),
    path("review/<int:pk>/ask/", views.review_ask, name="review-ask"),
    path("review/<int:pk>/reopen/", views.review_reopen, name="review-reopen"),
    path("deals/", views.deal_list, name="deal-list"),
    path("deals/<int:pk>/", views.deal_detail, name="deal-detail"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal-move"),
    path("questions/<int:pk>/answer/", views.question_answer, name="question-answer"),
    path("outcomes/<int:pk>/rejections/", views.outcome_rejections, name="outcome-rejections"),
    path("needs/<int:pk>/rejections/", views.need_rejections, name="need-rejections"),
]
