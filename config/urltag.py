"""``{% url %}`` with what it reverses remembered: a builtin of the template engine
(settings.TEMPLATES), so every template's ``{% url %}`` is this one, unchanged in syntax.

Django's tag calls ``reverse()`` on every render: about 15 µs of CPU each, ten times in the
top bar and footer of every page and once or more per row of a table. What ``reverse()``
answers depends only on the view's name, its arguments, the application namespace, the URL
configuration, the script prefix and the language, so the answer is kept per those
(a bounded cache, emptied when a test changes a setting). Only plain arguments (text,
numbers) are kept; anything else, and a name that does not reverse, goes to ``reverse()``
each time as before.
"""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()
# Exactly these types (not bool: True == 1 would share 1's entry); a literal name in a
# template is a SafeString.
PLAIN = (str, SafeString, int)
_AMBIENT = "config.urltag.ambient"


@lru_cache(maxsize=8192)
def _reverse(view_name, args, kwargs, current_app, urlconf, prefix, language) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _clear(**_kwargs) -> None:
    _reverse.cache_clear()


setting_changed.connect(_clear)


def _current_app(context) -> str | None:
    try:
        return context.request.current_app
    except AttributeError:
        try:
            return context.request.resolver_match.namespace
        except AttributeError:
            return None


def _ambient(context) -> tuple:
    """The URL configuration and script prefix: the same for one template's render (each a
    thread- or task-local lookup, so read once per render). The language is read per tag: a
    ``{% language %}`` block may change it within a render."""
    render_context = context.render_context
    ambient = render_context.get(_AMBIENT)
    if ambient is None:
        ambient = render_context[_AMBIENT] = (get_urlconf(), get_script_prefix())
    return ambient


def remembered_reverse(context, view_name: str, args: tuple = (), kwargs: tuple = ()) -> str:
    """What ``{% url view_name args %}`` answers in ``context`` for plain arguments (text,
    numbers): ``reverse()`` remembered per everything its answer depends on. For a tag
    written in Python that prints links as the template's ``{% url %}`` did."""
    return _reverse(
        view_name, args, kwargs, _current_app(context), *_ambient(context), get_language()
    )


class CachedURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((k, v.resolve(context)) for k, v in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        current_app = _current_app(context)
        values = (view_name, *args, *(v for _k, v in kwargs))
        try:
            if all(type(value) in PLAIN for value in values):
                url = remembered_reverse(context, view_name, args, kwargs)
            else:  # as Django's tag does, with the values already resolved (once)
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
        except NoReverseMatch:  # Django's tag: raise, or nothing "as var"
            if self.asvar is None:
                raise
            url = ""
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}`` (same syntax, same output), its answers remembered."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
