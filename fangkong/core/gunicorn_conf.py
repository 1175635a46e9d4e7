"""gunicorn's configuration for `fangkong serve` (`--config python:fangkong.core.gunicorn_conf`).

Read by the arbiter before it forks its workers, so what is set here holds in each one.
"""

import gunicorn.http.wsgi

# gunicorn names itself and its version in a `Server` header on every answer, telling a
# scanner which server to attack (issue 10). gunicorn has no setting for it: its
# Response copies this module constant (gunicorn 27; `test_serve` checks the header).
gunicorn.http.wsgi.SERVER = "fangkong"
