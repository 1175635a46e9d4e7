"""gunicorn's access log without secrets: a personal check-in link carries its credential
in the path (/health/c/<token>/), so the path of such a request is cut after its prefix."""

from gunicorn.glogging import Logger

SECRET_PATH_PREFIXES = ("/health/c/",)


def redact(path: str) -> str:
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "…"
    return path


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact(atoms.get("U", ""))
        atoms["r"] = f"{atoms.get('m', '')} {atoms['U']}"
        return atoms
