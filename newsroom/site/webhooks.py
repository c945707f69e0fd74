"""The mail providers' tracking webhooks (django-anymail), which report bounces, complaints
and unsubscribes to newsroom/mailing/bounces.py.

anymail's own views, each behind a guard so that no request is answered 500: a provider
that needs a key of its own (Mailgun's signing key, …) and has none here is not set up
(404), and a body that is not the provider's shape is refused (400) instead of failing in
anymail's parser. A wrong or missing basic auth is anymail's 400 (settings.ANYMAIL).
"""
from functools import wraps

import anymail.urls
from anymail.exceptions import AnymailAPIError
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponseBadRequest
from django.urls import URLPattern


def _guarded(view):
    @wraps(view)
    def guard(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ImproperlyConfigured:
            raise Http404 from None
        except (ValueError, LookupError, TypeError, AttributeError, RecursionError, AnymailAPIError):
            # JSON that does not parse, fields missing or of the wrong type: anymail's
            # parsers trust the provider's shape. Amazon SES's says so itself, with an
            # AnymailAPIError ("Malformed SNS message body").
            return HttpResponseBadRequest()

    return guard


# Providers anymail no longer supports (SendGrid) or keeps only under an old name
# (SendinBlue, now Brevo, which is routed): each of their requests warns.
RETIRED = {"sendgrid_tracking_webhook", "sendinblue_tracking_webhook"}

app_name = "anymail"
urlpatterns = [
    URLPattern(pattern.pattern, _guarded(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail.urls.urlpatterns
    if pattern.name.endswith("_tracking_webhook") and pattern.name not in RETIRED
]
