from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """Page-number pagination; ?page_size= up to API_MAX_PAGE_SIZE (larger asks are capped, not refused).

    A page past the end or not a number is a 404 with a JSON body (DRF's NotFound).
    """

    page_size = 20
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:  # read per request, so a settings override applies at once
        return settings.API_MAX_PAGE_SIZE
