"""API authentication that tells the audit trail who is writing."""

from rest_framework.authentication import TokenAuthentication

from .context import record_actor


class AuditedTokenAuthentication(TokenAuthentication):
    """Token authentication; the token's user becomes the actor of the request's audit entries."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            record_actor(result[0])
        return result
