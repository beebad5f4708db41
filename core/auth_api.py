"""Token login and logout for REST clients."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core import lockout
from core.throttling import LOGIN_THROTTLES, username_of


class LoginLocked(exceptions.APIException):
    """429 with Retry-After: the username is locked after repeated failures (core/lockout.py)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "login_locked"

    def __init__(self, wait: int) -> None:
        super().__init__(lockout.lock_message(wait))
        self.wait = wait  # DRF's handler turns this into the Retry-After header


class LoginSerializer(AuthTokenSerializer):
    """DRF's login serializer with length limits (a username is at most 150 characters in Django)."""

    username = serializers.CharField(label="用户名", max_length=150, write_only=True)
    password = serializers.CharField(
        label="密码", max_length=1024, style={"input_type": "password"}, trim_whitespace=False, write_only=True
    )


class TokenLoginView(ObtainAuthToken):
    """POST username and password; returns {"token": ...}.

    Throttled per client address and per username; after repeated failures the username is locked
    for a while (429 with Retry-After), even for the right password.
    """

    throttle_classes = list(LOGIN_THROTTLES)
    serializer_class = LoginSerializer

    def post(self, request, *args, **kwargs):
        username = username_of(request)
        if wait := lockout.locked_for(username):
            raise LoginLocked(wait)
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # This very failure may have locked the username: say so rather than "wrong password".
            if wait := lockout.locked_for(username):
                raise LoginLocked(wait) from None
            raise


class TokenLogoutView(APIView):
    """注销：删除当前用户的 API 令牌（之后用该令牌的请求一律 401）。再次登录会得到新令牌。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: OpenApiResponse(description="令牌已删除")})
    def post(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
