"""`framework`: the project under test, written against its public API (the core issue).

`bench/run.py` puts the repository root first on sys.path, so this imports the checkout
the benchmark lives in.  If `import framework` fails the contender is reported as SKIP.

The handlers return what a user of the framework would return: `str` (the
framework makes it text/html 200), a `dict` (JSON), `self.render(...)`.  The harness
checks status and body for every contender, and the JSON content type for S4.
"""

from framework import App, View, csrf  # ImportError here -> the harness skips this contender

from .common import (
    HELLO,
    ITEMS,
    SHAPE_PREFIX,
    TEMPLATE_404_DIR,
    TEMPLATE_DIR,
    TITLE,
    form_text,
    post_text,
    saved_text,
    scaling_text,
)

SECRET_KEY = "bench secret key, not a secret"

app = App(templates=TEMPLATE_DIR, secret_key=SECRET_KEY)


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
    csrf_exempt = True  # the other contenders have no CSRF check; S7 measures one

    def post(self, request):
        return request.json


@app.route("/form")
class Form(View):
    csrf_exempt = True

    def post(self, request):
        return form_text(request.POST["a"], request.POST["b"], request.GET["q"])


# S1 with the Host allow-list a production site sets.
hosts_app = App(
    templates=TEMPLATE_DIR, secret_key=SECRET_KEY, allowed_hosts=["127.0.0.1", "example.com"]
)
hosts_app.add_route("/hello", Hello)

# S5 with a 404.html: a miss renders the template (the app above uses the built-in page).
app_404 = App(templates=[TEMPLATE_DIR, TEMPLATE_404_DIR], secret_key=SECRET_KEY)
app_404.add_route("/hello", Hello)
app_404.add_route("/users/{id:d}/posts/{slug}", Post)

# S7: a CSRF-checked form POST that writes the session.
csrf_app = App(templates=TEMPLATE_DIR, secret_key=SECRET_KEY)


@csrf_app.route("/csrf")
class Note(View):
    def get(self, request):
        return csrf.get_token(request)

    def post(self, request):
        note = request.POST["note"]
        request.session["note"] = note
        return saved_text(note)


def make_app(n_routes, shape="plain"):
    scaled = App(templates=TEMPLATE_DIR, secret_key=SECRET_KEY)
    prefix = SHAPE_PREFIX[shape]
    for i in range(n_routes):

        def get(self, request, id, index=i, **_lang):
            return scaling_text(index, id)

        view = type(f"Numbered{i}", (View,), {"get": get})
        scaled.add_route(f"{prefix}/r{i}/{{id:d}}", view, name=f"r{i}")
    return scaled
