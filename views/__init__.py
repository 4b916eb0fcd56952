"""The demo site: the tutorial's index and login pages as class-based views, and two more.

Serve it with ``framework run views:app``.
"""

from __future__ import annotations

from framework import App, Response, TemplateView, View, errors

app = App(templates="../templates")

USERS = {1: "Ada Lovelace", 2: "Alan Turing", 3: "Grace Hopper"}


@app.route("/", name="home")
class Index(TemplateView):
    template_name = "index.html"

    def get_context(self, **params: object) -> dict[str, object]:
        return {"users": USERS}


app.add_route("/index/", Index, name="index")


@app.route("/login/", name="login")
class Login(View):
    def get(self, request):
        return self.render("login.html")

    def post(self, request):
        name = request.POST.get("name", "").strip()
        if not name:
            page = self.render("login.html", error="Please enter your name.")
            page.status_code = 400
            return page
        return self.render("hello.html", name=name)


@app.route("/hello/{name}", name="hello")
class Hello(View):
    def get(self, request, name: str) -> Response:
        return self.render("hello.html", name=name)


@app.route("/users/{id:d}", name="user")
class UserDetail(View):
    def get(self, request, id: int) -> Response:
        if id not in USERS:
            raise errors.NotFound(f"There is no user {id}.")
        return self.render("user.html", user_id=id, user_name=USERS[id])
