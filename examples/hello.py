"""The tutorial's wsgiref program, in framework: /index/ and /login/, 404 for anything else."""

from framework import App, View

app = App()


@app.route("/index/")
class Index(View):
    def get(self, request):
        return "index"


@app.route("/login/")
class Login(View):
    def get(self, request):
        return "login"


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    print("Serving on http://127.0.0.1:8000")
    make_server("127.0.0.1", 8000, app).serve_forever()
