"""The WSGI entry point for application servers: ``zhijian.web.wsgi:application``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijian.web.settings")

application = get_wsgi_application()
