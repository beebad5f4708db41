"""The one API router: every viewset under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from analytics.api import FunnelView, ManagerLeagueView, RegionalFlowsView
from brokers.api import ConflictOfInterestViewSet, TechnologyManagerViewSet
from core.auth_api import TokenLoginView, TokenLogoutView
from imports.api import ImportJobViewSet
from matchmaker.api import (
    MatchPreviewView,
    NeedMatchesView,
    NeedRejectionsView,
    OutcomeMatchesView,
    OutcomeRejectionsView,
    RematchView,
)
from matchmaker.review_api import DealViewSet, QuestionViewSet, ReviewViewSet
from needs.api import EnterpriseViewSet, NeedViewSet
from outcomes.api import InstitutionViewSet, OutcomeViewSet

router = DefaultRouter()
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("needs", NeedViewSet, basename="need")
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("outcomes", OutcomeViewSet, basename="outcome")
router.register("managers", TechnologyManagerViewSet, basename="manager")
router.register("conflicts", ConflictOfInterestViewSet, basename="conflict")
router.register("reviews", ReviewViewSet, basename="review")
router.register("questions", QuestionViewSet, basename="question")
router.register("deals", DealViewSet, basename="deal")
router.register("imports", ImportJobViewSet, basename="import")

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="api-logout"),
    path("needs/<int:pk>/matches/", NeedMatchesView.as_view(), name="need-matches"),
    path("needs/<int:pk>/rematch/", RematchView.as_view(), name="need-rematch"),
    path("needs/<int:pk>/rejections/", NeedRejectionsView.as_view(), name="need-rejections"),
    path("outcomes/<int:pk>/matches/", OutcomeMatchesView.as_view(), name="outcome-matches"),
    path("outcomes/<int:pk>/rejections/", OutcomeRejectionsView.as_view(), name="outcome-rejections"),
    path("match/preview/", MatchPreviewView.as_view(), name="match-preview"),
    path("analytics/funnel/", FunnelView.as_view(), name="analytics-funnel"),
    path("analytics/regional-flows/", RegionalFlowsView.as_view(), name="analytics-regional-flows"),
    path("analytics/managers/", ManagerLeagueView.as_view(), name="analytics-managers"),
    *router.urls,
]
