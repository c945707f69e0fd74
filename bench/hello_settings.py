"""The project's settings plus /hello/, for bench/load.py's gunicorn only.

The hello-world baseline must pass through the same Django, middleware and server as
the pages it is compared with, yet the product should not carry a route that exists only
for a benchmark, nor one switched on by an environment variable that an operator could
set by mistake. So bench/load.py starts gunicorn with DJANGO_SETTINGS_MODULE pointing
here: everything of newsroom.settings, and a URLconf that adds /hello/ to the site's.
"""
from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello_urls"
