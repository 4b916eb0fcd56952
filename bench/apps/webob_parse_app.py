"""`webob_parse`: the new framework's chosen stack with no optimisation at all.

webob.Request/Response, `parse.compile` patterns (case-sensitive, ASCII-digit `d`,
one-segment `{name}`, as the core issue asks) tried one after another, a fresh View per
request.  Shows what the libraries cost before the framework adds or saves anything.
"""

import re

import parse
from webob import Request, Response

from .common import (
    HELLO,
    ITEMS,
    NOT_FOUND_TEXT,
    SHAPE_PREFIX,
    TEMPLATE_404_DIR,
    TITLE,
    form_text,
    jinja_env,
    post_text,
    scaling_text,
)


@parse.with_pattern(r"[0-9]+")
def ascii_int(text):
    return int(text)


@parse.with_pattern(r"[^/]+")
def segment(text):
    return text


URL_TYPES = {"d": ascii_int, "int": ascii_int, "segment": segment}


def compile_pattern(pattern):
    """`{name}` means one path segment: rewrite it to the `segment` type, then compile once."""
    pattern = re.sub(r"\{(\w+)\}", r"{\1:segment}", pattern)
    return parse.compile(pattern, extra_types=URL_TYPES, case_sensitive=True)


class View:
    def __init__(self, app, request):
        self.app, self.request = app, request

    def dispatch(self, request, **params):
        handler = getattr(self, request.method.lower(), None)
        if handler is None:
            return Response(text="405 Method Not Allowed", status=405, content_type="text/plain")
        return handler(request, **params)

    def render(self, name, **context):
        return Response(text=self.app.templates.get_template(name).render(**context))


class App:
    def __init__(self, not_found_template=None):
        self.routes = []
        self.templates = jinja_env()
        self.not_found_template = not_found_template
        self.not_found_templates = jinja_env(TEMPLATE_404_DIR)

    def route(self, pattern):
        def register(view_class):
            self.routes.append((compile_pattern(pattern), view_class))
            return view_class

        return register

    def __call__(self, environ, start_response):
        request = Request(environ)
        path = request.path_info
        for parser, view_class in self.routes:
            result = parser.parse(path)
            if result is not None:
                response = view_class(self, request).dispatch(request, **result.named)
                break
        else:
            response = self.not_found(request)
        if isinstance(response, str):
            response = Response(text=response)
        elif isinstance(response, (dict, list)):
            response = Response(json_body=response)
        return response(environ, start_response)

    def not_found(self, request):
        if self.not_found_template is None:
            return Response(text=NOT_FOUND_TEXT, status=404, content_type="text/plain")
        page = self.not_found_templates.get_template(self.not_found_template)
        return Response(text=page.render(request=request), status=404)


app = App()


@app.route("/hello")
class Hello(View):
    def get(self, request):
        return Response(text=HELLO, content_type="text/plain")


@app.route("/users/{id:d}/posts/{slug}")
class Post(View):
    def get(self, request, id, slug):
        return post_text(id, slug)


@app.route("/items")
class Items(View):
    def get(self, request):
        return self.render("items.html", title=TITLE, items=ITEMS)


@app.route("/echo")
class Echo(View):
    def post(self, request):
        return request.json


@app.route("/form")
class Form(View):
    def post(self, request):
        text = form_text(request.POST["a"], request.POST["b"], request.GET["q"])
        return Response(text=text, content_type="text/plain")


# S5 with a 404 page rendered from a template.
app_404 = App(not_found_template="404.html")
app_404.route("/hello")(Hello)
app_404.route("/users/{id:d}/posts/{slug}")(Post)

# S1 with a Host allow-list, and S7 (CSRF + session): not in this stack (n/a).


def make_app(n_routes, shape="plain"):
    scaled = App()
    prefix = SHAPE_PREFIX[shape]
    for i in range(n_routes):

        def get(self, request, id, index=i, **_lang):
            return Response(text=scaling_text(index, id), content_type="text/plain")

        scaled.route(f"{prefix}/r{i}/{{id:d}}")(type(f"Numbered{i}", (View,), {"get": get}))
    return scaled
