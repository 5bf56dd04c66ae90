"""Where the project puts the limits (``ratelimits.LIMITS``) on its views: by URL name.

``guarded`` wraps each view LIMITS names, where project/urls.py composes the
apps' URLs; the wrapper refuses a request a full limit holds (429) and counts
the request against its limits if the view's answer says it failed.
"""

from functools import wraps

from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver
from django.views.decorators.debug import sensitive_post_parameters

from project.ratelimits import _GUARDS, Attempt, Guard
from project.views import ratelimited


def _limited(view, guards: list[Guard]):
    """``view``, refused when a limit holding the request is full, counted when it fails."""

    # The limits read the POST before the view marks its passwords sensitive:
    # an error here must not show them in a report either.
    @sensitive_post_parameters()
    @wraps(view)
    def limited(request, *args, **kwargs):
        guard = next((g for g in guards if not g.methods or request.method in g.methods), None)
        if guard is None or (guard.passes is not None and guard.passes(kwargs)):
            return view(request, *args, **kwargs)
        attempt = Attempt(request, guard)
        if attempt.is_over():
            if guard.refused is not None:
                return _judged_first(view, request, args, kwargs, attempt)
            return ratelimited(request, retry_after=attempt.retry_after)
        response = view(request, *args, **kwargs)
        # A server error is not the client's failure.
        if response.status_code < 500:
            attempt.finish(response)
        return response

    return limited


def _judged_first(view, request, args, kwargs, attempt: Attempt):
    """An API's request from an address over its limit: refused only if it fails too.

    An identity provider's requests come from addresses it shares with every
    other tenant: one tenant's bad token must not hold another's good one.
    A failure (a bad token) is answered 429 all the same, and counts nothing
    more; a credential of 192 random bits leaves nothing to guess either way.
    """
    response = view(request, *args, **kwargs)
    if response.status_code < 500 and attempt.guard.failed(attempt, response):
        return attempt.guard.refused(request, attempt.retry_after)
    return response


def guarded(patterns: list) -> list:
    """URL patterns with the views LIMITS names wrapped in their limits.

    Raises ImproperlyConfigured when LIMITS names a view that is not there:
    a limit must never go missing silently.
    """
    found: set[str] = set()
    patterns = _guard_patterns(patterns, [], found)
    missing = set(_GUARDS) - found
    if missing:
        raise ImproperlyConfigured(f"LIMITS names views with no URL: {sorted(missing)}")
    return patterns


def _guard_patterns(patterns, namespaces: list[str], found: set[str]) -> list:
    wrapped = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = [*namespaces, entry.namespace] if entry.namespace else namespaces
            entry = URLResolver(
                entry.pattern,
                _guard_patterns(entry.url_patterns, inner, found),
                entry.default_kwargs,
                entry.app_name,
                entry.namespace,
            )
        elif entry.name and (name := ":".join([*namespaces, entry.name])) in _GUARDS:
            found.add(name)
            entry = URLPattern(
                entry.pattern,
                _limited(entry.callback, _GUARDS[name]),
                entry.default_args,
                name=entry.name,
            )
        wrapped.append(entry)
    return wrapped
