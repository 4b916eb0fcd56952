"""`framework`: the project under test, written against its public API (the core issue).

`bench/run.py` puts the repository root first on sys.path, so this imports the checkout
the benchmark lives in.  If `import framework` fails the contender is reported as SKIP.

The handlers return what a user of the framework would return: `str` (the
framework makes it text/html 200), a `dict` (JSON), `self.render(...)`.  The harness
checks status and body for every contender, and the JSON content type for S4.
"""

from framework import App, View  # ImportError here -> the harness skips this contender

from .common import HELLO, ITEMS, TEMPLATE_DIR, TITLE, form_text, post_text, scaling_text

app = App(templates=TEMPLATE_DIR)


@app.route("/hello")
class Hello(View):
    def get(self, request):
        return HELLO


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
        return form_text(request.POST["a"], request.POST["b"], request.GET["q"])


def make_app(n_routes):
    scaled = App(templates=TEMPLATE_DIR)
    for i in range(n_routes):

        def get(self, request, id, index=i):
            return scaling_text(index, id)

        view = type(f"Numbered{i}", (View,), {"get": get})
        scaled.add_route(f"/r{i}/{{id:d}}", view, name=f"r{i}")
    return scaled
